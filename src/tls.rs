//! The TLS trust roots of both HTTPS clients (Connect, the ResponseURL): Mozilla's root certificates
//! compiled into the binary (webpki-root-certs).
//!
//! Why not the system store, the SDK's and reqwest's default: each client reads it when it is
//! built, on every cold start, and on a Debian-style system that is a bundle plus a directory of
//! ~150 files, read once per client: about two thirds of the time from process start to the first
//! poll of the Runtime API (see the README's Performance section). Compiled-in roots cost no I/O
//! and behave the same on every machine. Both endpoints (connect.REGION.amazonaws.com and the S3
//! ResponseURL) present certificates that chain to Amazon's roots, which Mozilla's list holds.

use aws_sdk_connect::config::SharedHttpClient;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};

/// The root certificates, DER-encoded.
pub fn root_certificates() -> impl Iterator<Item = &'static [u8]> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|cert| cert.as_ref())
}

/// The same roots as one PEM bundle: the form the SDK's trust store takes.
fn pem_bundle() -> String {
    let mut pem = String::with_capacity(webpki_root_certs::TLS_SERVER_ROOT_CERTS.len() * 2048);
    for der in root_certificates() {
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        pem.push_str(&aws_smithy_types::base64::encode(der));
        pem.push_str("\n-----END CERTIFICATE-----\n");
    }
    pem
}

/// The SDK's default HTTPS client (hyper, rustls with aws-lc) trusting only [`root_certificates`].
pub fn sdk_http_client() -> SharedHttpClient {
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(pem_bundle());
    let builder = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
    match TlsContext::builder().with_trust_store(trust).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        // Building the context checks nothing that can fail for these inputs; the SDK's own
        // default (the system store) is the fallback all the same.
        Err(_) => builder.build_https(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject;

    #[test]
    fn every_root_survives_the_trip_through_pem() {
        let pem = pem_bundle();
        let parsed: Vec<_> = rustls_pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<_, _>>()
            .expect("the bundle is valid PEM");
        assert!(parsed.len() > 100, "Mozilla's list has well over 100 roots");
        assert!(
            parsed
                .iter()
                .zip(root_certificates())
                .all(|(a, b)| a.as_ref() == b)
        );
    }
}
