//! The sim's own TLS: a fresh CA and a server certificate for 127.0.0.1/localhost per start. TLS matters for
//! fidelity: kubectl (client-go) only sends bearer tokens over TLS, and tug verifies servers by default.
//! Must not depend on HTTP routing.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Generating the CA or server certificate failed.
    #[error("cannot generate the sim's certificates")]
    Generate(#[from] rcgen::Error),
    /// rustls rejected the generated material.
    #[error("cannot configure TLS")]
    Config(#[from] rustls::Error),
}

/// Certificates of one sim run; reusable by a later run on the same address (a restarted server).
#[derive(Clone)]
pub struct SimTls {
    /// PEM of the CA (goes into the kubeconfig as `certificate-authority-data`).
    pub ca_pem: String,
    pub acceptor: tokio_rustls::TlsAcceptor,
}

impl std::fmt::Debug for SimTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimTls").finish_non_exhaustive()
    }
}

/// The PKI of one sim: what `--state-dir` keeps so a restarted sim presents the same certificates.
#[derive(Clone)]
pub struct TlsMaterial {
    pub ca_pem: String,
    /// The CA's private key (PEM), kept as a real apiserver's PKI keeps it.
    pub ca_key_pem: String,
    pub ca_der: Vec<u8>,
    pub server_der: Vec<u8>,
    /// The server key, PKCS#8 DER.
    pub server_key_der: Vec<u8>,
}

pub fn generate() -> Result<SimTls, TlsError> {
    acceptor(&generate_material()?)
}

/// A fresh CA and a server certificate for 127.0.0.1/localhost signed by it.
pub fn generate_material() -> Result<TlsMaterial, TlsError> {
    let ca_key = KeyPair::generate()?;
    let ca_key_pem = ca_key.serialize_pem();
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "tug-sim-ca");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key)?;

    let server_key = KeyPair::generate()?;
    let mut params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "tug-sim-apiserver");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = params.signed_by(&server_key, &ca)?;
    Ok(TlsMaterial {
        ca_pem: ca.pem(),
        ca_key_pem,
        ca_der: ca.der().to_vec(),
        server_der: server_cert.der().to_vec(),
        server_key_der: server_key.serialize_der(),
    })
}

/// The TLS acceptor serving `m`'s server certificate (with the CA in the chain).
pub fn acceptor(m: &TlsMaterial) -> Result<SimTls, TlsError> {
    use rustls::pki_types::CertificateDer;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(m.server_key_der.clone()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![
                CertificateDer::from(m.server_der.clone()),
                CertificateDer::from(m.ca_der.clone()),
            ],
            key,
        )?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(SimTls {
        ca_pem: m.ca_pem.clone(),
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    })
}
