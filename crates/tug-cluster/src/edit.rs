//! Sending an edited manifest: a PUT carrying the resourceVersion it was read at (so a change made meanwhile is
//! a 409, never silently overwritten), or a POST for a new object; either may be a server-side dry run first.

use serde_json::Value;

use super::discovery::Kind;
use super::{ClusterError, Result};

/// Replaces the object `name` with `object`, or creates `object` when `name` is `None`.
pub async fn send(
    client: &kube::Client,
    kind: &Kind,
    namespace: &str,
    name: Option<&str>,
    object: &Value,
    dry_run: bool,
) -> Result<Value> {
    let (method, mut path) = match name {
        Some(name) => (http::Method::PUT, kind.object_path(namespace, name)),
        None => (
            http::Method::POST,
            kind.collection_path((!namespace.is_empty()).then_some(namespace)),
        ),
    };
    path.push_str("?fieldManager=tug-edit");
    if dry_run {
        path.push_str("&dryRun=All");
    }
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(object).map_err(|e| ClusterError::Decode(e.to_string()))?)
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    client.request::<Value>(req).await.map_err(Into::into)
}
