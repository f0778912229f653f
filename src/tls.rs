//! The TLS trust of both HTTPS clients (Connect, the ResponseURL): Mozilla's root certificates
//! compiled into the binary (webpki-root-certs), plus the certificates of the PEM file that
//! `AWS_CA_BUNDLE` names, when it is set, as the AWS CLI and the other SDKs do (for a TLS-inspecting
//! proxy or a local HTTPS endpoint).
//!
//! Why not the system store, the usual default of HTTPS clients: each client reads it when it is
//! built, on every cold start, and on a Debian-style system that is a bundle plus a directory of
//! ~150 files, read once per client: about two thirds of the time from process start to the first
//! poll of the Runtime API (see the README's Performance section). Compiled-in roots cost no I/O
//! and behave the same on every machine. Both endpoints (connect.REGION.amazonaws.com and the S3
//! ResponseURL) present certificates that chain to Amazon's roots, which Mozilla's list holds.
//!
//! Why ring and not aws-lc-rs as rustls' crypto provider: measured with the benchmark, a binary
//! 755 KB smaller and a first HTTPS invoke of 2.3 ms instead of 27 ms (README, Performance).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The environment variable naming a PEM file of extra certificates to trust.
pub const CA_BUNDLE_ENV: &str = "AWS_CA_BUNDLE";

/// Why the file `AWS_CA_BUNDLE` names cannot be trusted; the function then fails its init.
#[derive(Debug, thiserror::Error)]
pub enum CaBundleError {
    /// The file is missing or unreadable.
    #[error("AWS_CA_BUNDLE names {path}, which cannot be read: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What reading it said.
        source: std::io::Error,
    },
    /// The file holds no `CERTIFICATE` PEM block.
    #[error(
        "AWS_CA_BUNDLE names {path}, which holds no PEM certificate (a \"-----BEGIN CERTIFICATE-----\" block)"
    )]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// A block is not valid PEM, or its certificate cannot be a trust anchor.
    #[error("AWS_CA_BUNDLE names {path}, whose certificate {number} cannot be used: {problem}")]
    BadCertificate {
        /// The file.
        path: PathBuf,
        /// Which certificate, counting from 1 (the first malformed block if the PEM is broken).
        number: usize,
        /// What is wrong with it.
        problem: String,
    },
}

/// The certificates both clients trust: the compiled-in roots, and any from `AWS_CA_BUNDLE`.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    extra: Vec<CertificateDer<'static>>,
    /// Built on first use and shared by every client made from this trust (and its clones).
    config: Arc<OnceLock<Arc<rustls::ClientConfig>>>,
}

impl Trust {
    /// The compiled-in roots, plus the file `AWS_CA_BUNDLE` names when it is set and not empty
    /// (empty counts as unset, as it does for the AWS CLI).
    pub fn from_env() -> Result<Trust, CaBundleError> {
        match std::env::var_os(CA_BUNDLE_ENV) {
            Some(path) if !path.is_empty() => Trust::with_ca_bundle(Path::new(&path)),
            _ => Ok(Trust::default()),
        }
    }

    /// The compiled-in roots plus every certificate in the PEM file at `path`, each checked to be
    /// usable as a trust anchor now, so that no client fails later on a bad one.
    pub fn with_ca_bundle(path: &Path) -> Result<Trust, CaBundleError> {
        let bytes = std::fs::read(path).map_err(|source| CaBundleError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        let mut extra = Vec::new();
        for (i, cert) in CertificateDer::pem_slice_iter(&bytes).enumerate() {
            let bad = |problem: String| CaBundleError::BadCertificate {
                path: path.to_path_buf(),
                number: i + 1,
                problem,
            };
            let cert = cert.map_err(|e| bad(format!("not valid PEM: {e:?}")))?;
            rustls::RootCertStore::empty()
                .add(cert.clone())
                .map_err(|e| bad(e.to_string()))?;
            extra.push(cert);
        }
        if extra.is_empty() {
            return Err(CaBundleError::NoCertificate {
                path: path.to_path_buf(),
            });
        }
        Ok(Trust {
            extra,
            config: Arc::default(),
        })
    }

    /// How many certificates `AWS_CA_BUNDLE` added.
    pub fn extra_certificates(&self) -> usize {
        self.extra.len()
    }

    /// The rustls client configuration (ring) trusting these certificates only; made once.
    pub fn client_config(&self) -> Arc<rustls::ClientConfig> {
        self.config
            .get_or_init(|| {
                let mut roots = rustls::RootCertStore::empty();
                roots.add_parsable_certificates(root_certificates().map(CertificateDer::from));
                roots.add_parsable_certificates(self.extra.iter().cloned());
                let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                    rustls::crypto::ring::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                // Only at init, and it cannot fail: ring implements the suites of both default
                // versions (the SDK's own client makes the same call the same way).
                .expect("ring supports TLS 1.2 and 1.3")
                .with_root_certificates(roots)
                .with_no_client_auth();
                Arc::new(config)
            })
            .clone()
    }
}

/// The root certificates compiled in, DER-encoded.
pub fn root_certificates() -> impl Iterator<Item = &'static [u8]> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|cert| cert.as_ref())
}

/// Whether `error`, or an error it wraps, is a TLS certificate the client refused (an unknown
/// issuer, another host's name, an expired certificate...): retrying the same server cannot help.
pub fn is_certificate_error(error: &(dyn std::error::Error + 'static)) -> bool {
    // hyper-rustls wraps tokio-rustls' io::Error in another io::Error, and io::Error's source()
    // skips the error it wraps: look inside each io::Error as well as along source().
    let mut todo = vec![error];
    while let Some(e) = todo.pop() {
        if let Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented) =
            e.downcast_ref::<rustls::Error>()
        {
            return true;
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            todo.push(inner);
        }
        todo.extend(e.source());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_errors_are_found_however_deep_they_are_wrapped() {
        use std::io::{Error, ErrorKind};
        let refused = || rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        assert!(is_certificate_error(&refused()));
        // As hyper-rustls hands it over: an io::Error around tokio-rustls' io::Error.
        let wrapped = Error::other(Error::new(ErrorKind::InvalidData, refused()));
        assert!(is_certificate_error(&wrapped));
        let other_tls = Error::new(ErrorKind::InvalidData, rustls::Error::DecryptError);
        assert!(!is_certificate_error(&other_tls));
        assert!(!is_certificate_error(&Error::from(
            ErrorKind::ConnectionRefused
        )));
    }

    #[test]
    fn every_compiled_in_root_is_a_usable_trust_anchor() {
        let mut roots = rustls::RootCertStore::empty();
        let (added, ignored) =
            roots.add_parsable_certificates(root_certificates().map(CertificateDer::from));
        assert!(added > 100, "Mozilla's list has well over 100 roots");
        assert_eq!(ignored, 0);
    }

    #[test]
    fn clones_share_one_client_configuration() {
        let trust = Trust::default();
        assert!(Arc::ptr_eq(
            &trust.client_config(),
            &trust.clone().client_config()
        ));
        assert_eq!(trust.extra_certificates(), 0);
    }
}
