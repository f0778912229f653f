//! Throwaway PKI for HTTPS tests: a certificate authority made at test time (rcgen), the server
//! certificates it signs, and the PEM file that hands the CA to the function as `AWS_CA_BUNDLE`.
//!
//! Nothing here is trusted by anything but the process a test points at it, and every key lives
//! only in memory (the PEM file holds the CA's certificate, never a key).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate authority created for one test run.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    /// A new CA whose certificate names `common_name`.
    ///
    /// Panics if rcgen cannot make a key, which would be a broken build, not a test outcome.
    pub fn new(common_name: &str) -> TestCa {
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("generate a CA key");
        let issuer = CertifiedIssuer::self_signed(params, key).expect("self-sign the test CA");
        TestCa { issuer }
    }

    /// The CA's certificate, PEM-encoded.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// The CA's certificate in a PEM file that is removed when the returned value is dropped.
    pub fn pem_file(&self) -> PemFile {
        PemFile::new(self.pem().as_bytes())
    }

    /// A server identity signed by this CA, valid for `names` (DNS names or IP addresses).
    pub fn server_tls(&self, names: &[&str]) -> ServerTls {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("valid subject alternative names");
        params
            .distinguished_name
            .push(DnType::CommonName, "connect-emulator test server");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let key = KeyPair::generate().expect("generate a server key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("sign the server certificate");
        let chain = vec![cert.der().clone(), self.issuer.der().clone()];
        let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        ServerTls::new(chain, private)
    }
}

/// What a local server presents over TLS, a way to make its handshakes slow, and a count of the
/// handshakes it completed (one per connection: connection reuse made visible).
///
/// Cheap to clone; clones share the script and the count, so a test can keep one to script stalls
/// on a server it has started and read the count afterwards.
#[derive(Clone)]
pub struct ServerTls {
    config: Arc<rustls::ServerConfig>,
    stalls: Arc<Mutex<VecDeque<Duration>>>,
    handshakes: Arc<AtomicUsize>,
}

impl ServerTls {
    fn new(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> ServerTls {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default protocol versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("a certificate and its own key");
        // The servers speak HTTP/1.1 only; saying so keeps a client that offers h2 on HTTP/1.1.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        ServerTls {
            config: Arc::new(config),
            stalls: Arc::default(),
            handshakes: Arc::default(),
        }
    }

    /// The next `n` connections wait `delay` after the TCP accept before the TLS handshake starts:
    /// a server that is slow to accept (or, with a long delay, never does).
    pub fn stall_handshakes(&self, n: usize, delay: Duration) {
        self.stalls
            .lock()
            .unwrap()
            .extend(std::iter::repeat_n(delay, n));
    }

    /// How many TLS handshakes the server has completed.
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }

    pub(crate) fn handshake_completed(&self) {
        self.handshakes.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.config.clone())
    }

    pub(crate) fn next_stall(&self) -> Option<Duration> {
        self.stalls.lock().unwrap().pop_front()
    }
}

/// A file in the system's temporary directory, removed on drop.
pub struct PemFile {
    path: PathBuf,
}

impl PemFile {
    /// Writes `contents` to a new file (any bytes: tests also write files that are not PEM).
    pub fn new(contents: &[u8]) -> PemFile {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "connect-emulator-{}-{}.pem",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, contents).expect("write a file in the temporary directory");
        PemFile { path }
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PemFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pem_file_holds_the_ca_certificate_and_goes_away() {
        let ca = TestCa::new("test CA");
        let file = ca.pem_file();
        let text = std::fs::read_to_string(file.path()).expect("readable");
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----"), "{text}");
        assert_eq!(text, ca.pem());
        let path = file.path().to_path_buf();
        drop(file);
        assert!(!path.exists());
    }

    #[test]
    fn stalls_are_handed_out_in_order_then_none() {
        let tls = TestCa::new("test CA").server_tls(&["127.0.0.1"]);
        tls.stall_handshakes(2, Duration::from_millis(5));
        let other = tls.clone();
        assert_eq!(other.next_stall(), Some(Duration::from_millis(5)));
        assert_eq!(tls.next_stall(), Some(Duration::from_millis(5)));
        assert_eq!(tls.next_stall(), None);
    }
}
