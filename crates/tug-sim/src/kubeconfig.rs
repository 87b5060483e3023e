//! The kubeconfig the sim writes for itself, so `kubectl` and tug can reach it (users `admin` and `viewer`).
//! Must not depend on HTTP.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::auth::{ADMIN_TOKEN, VIEWER_TOKEN};

/// Context names in the sim's kubeconfig.
pub const ADMIN_CONTEXT: &str = "tug-sim";
pub const VIEWER_CONTEXT: &str = "tug-sim-viewer";
/// The namespace the sim's contexts start in (the demo shop app lives there).
pub const DEFAULT_NAMESPACE: &str = "shop";

#[derive(Debug, thiserror::Error)]
#[error("cannot write kubeconfig {path}")]
pub struct KubeconfigError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// The kubeconfig text for a sim listening on `addr` whose certificates `ca_pem` signed.
pub fn render(addr: SocketAddr, ca_pem: &str) -> String {
    use base64::Engine;
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    format!(
        r#"apiVersion: v1
kind: Config
clusters:
- name: tug-sim
  cluster:
    server: https://{addr}
    certificate-authority-data: {ca}
contexts:
- name: {ADMIN_CONTEXT}
  context:
    cluster: tug-sim
    user: admin
    namespace: {DEFAULT_NAMESPACE}
- name: {VIEWER_CONTEXT}
  context:
    cluster: tug-sim
    user: viewer
    namespace: {DEFAULT_NAMESPACE}
current-context: {ADMIN_CONTEXT}
users:
- name: admin
  user:
    token: {ADMIN_TOKEN}
- name: viewer
  user:
    token: {VIEWER_TOKEN}
preferences: {{}}
"#
    )
}

/// Writes the kubeconfig to `path` (owner-only permissions: it holds tokens).
pub fn write(path: &Path, addr: SocketAddr, ca_pem: &str) -> Result<(), KubeconfigError> {
    let err = |source| KubeconfigError {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    std::fs::write(path, render(addr, ca_pem)).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
    }
    Ok(())
}

/// A fresh file name under the system temp dir for a sim's kubeconfig.
pub fn default_path(addr: SocketAddr) -> PathBuf {
    std::env::temp_dir().join(format!(
        "tug-sim-{}-{}.kubeconfig",
        addr.port(),
        std::process::id()
    ))
}
