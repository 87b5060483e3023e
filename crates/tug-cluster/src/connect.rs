//! A kube client from a kubeconfig (file, context), and what the header shows about it.

use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};

use super::{ClusterError, Result};

/// Who and where we are, for the header.
#[derive(Debug, Clone, Default)]
pub struct ClusterInfo {
    pub context: String,
    pub cluster: String,
    pub server: String,
    pub user: String,
    /// The context's namespace (or `default`).
    pub namespace: String,
    pub contexts: Vec<String>,
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig turns TLS verification off for this cluster (the header warns).
    pub insecure: bool,
}

/// Reads the kubeconfig (`path`, else `$KUBECONFIG`/`~/.kube/config`) and builds a client for `context`.
pub async fn connect(
    path: Option<&Path>,
    context: Option<&str>,
) -> Result<(kube::Client, ClusterInfo)> {
    let shown = path
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "~/.kube/config".into());
    let bad = |message: String| ClusterError::Kubeconfig {
        path: shown.clone(),
        message,
    };
    let kc = match path {
        Some(p) => Kubeconfig::read_from(p),
        None => Kubeconfig::read(),
    }
    .map_err(|e| bad(e.to_string()))?;
    let context_name = context
        .map(str::to_string)
        .or_else(|| kc.current_context.clone())
        .ok_or_else(|| bad("no current context; pass --context".into()))?;
    let ctx = kc
        .contexts
        .iter()
        .find(|c| c.name == context_name)
        .and_then(|c| c.context.clone())
        .ok_or_else(|| bad(format!("context \"{context_name}\" not found")))?;
    let cluster = kc
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .and_then(|c| c.cluster.as_ref());
    let server = cluster.and_then(|c| c.server.clone()).unwrap_or_default();
    let insecure = cluster.and_then(|c| c.insecure_skip_tls_verify) == Some(true);
    let info = ClusterInfo {
        context: context_name.clone(),
        cluster: ctx.cluster.clone(),
        server,
        user: ctx.user.clone().unwrap_or_default(),
        namespace: ctx.namespace.clone().unwrap_or_else(|| "default".into()),
        contexts: kc.contexts.iter().map(|c| c.name.clone()).collect(),
        kubeconfig: path.map(Path::to_path_buf),
        insecure,
    };
    tracing::info!(
        context = %info.context,
        server = %info.server,
        user = %info.user,
        insecure,
        "connecting"
    );
    let opts = KubeConfigOptions {
        context: Some(context_name),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .map_err(|e| bad(e.to_string()))?;
    let client = kube::Client::try_from(config).map_err(|e| bad(e.to_string()))?;
    Ok((client, info))
}

/// The server's version string (`v1.33.0`).
pub async fn server_version(client: &kube::Client) -> Result<String> {
    Ok(client.apiserver_version().await?.git_version)
}
