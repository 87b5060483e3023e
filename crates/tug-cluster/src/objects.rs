//! Single objects, fetched when the user inspects one: the object, its events, a Deployment's ReplicaSets, and
//! a describe text with the events fetched. The texts and projections made from objects are pure and live in
//! tug-model (re-exported here).

use serde_json::Value;

use super::discovery::Kind;
use super::{ClusterError, Result};
pub use tug_model::describe::events_text;
pub use tug_model::object_yaml::{SecretData, to_yaml};
pub use tug_model::pod::containers;
pub use tug_model::scope::{DrillDown, drill_down};
use tug_model::selector::label_selector_text;

pub async fn get(client: &kube::Client, kind: &Kind, namespace: &str, name: &str) -> Result<Value> {
    let req = http::Request::get(kind.object_path(namespace, name))
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    client.request::<Value>(req).await.map_err(Into::into)
}

/// A kubectl-describe-like text: identity, labels, kind-specific status, and the object's events.
pub async fn describe(client: &kube::Client, kind: &Kind, obj: &Value) -> String {
    let events = events_of(client, obj).await.map_err(|e| e.to_string());
    tug_model::describe::describe(kind, obj, events, jiff::Timestamp::now())
}

/// The events whose involvedObject is `obj`.
pub async fn events_of(client: &kube::Client, obj: &Value) -> Result<Vec<Value>> {
    let ns = obj["metadata"]["namespace"].as_str().unwrap_or("default");
    let uid = obj["metadata"]["uid"].as_str().unwrap_or_default();
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("fieldSelector", &format!("involvedObject.uid={uid}"))
        .finish();
    let req = http::Request::get(format!("/api/v1/namespaces/{ns}/events?{query}"))
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    let list: Value = client.request(req).await?;
    Ok(list["items"].as_array().cloned().unwrap_or_default())
}

/// The ReplicaSets a Deployment controls (its rollout history).
pub async fn replica_sets_of(client: &kube::Client, deployment: &Value) -> Result<Vec<Value>> {
    owned_by(client, deployment, "replicasets").await
}

/// The ControllerRevisions a StatefulSet or DaemonSet owns: its rollout history, as `kubectl rollout history`
/// reads it (the owner's selector, then the ownerReference).
pub async fn controller_revisions_of(client: &kube::Client, owner: &Value) -> Result<Vec<Value>> {
    owned_by(client, owner, "controllerrevisions").await
}

/// The `apps/v1` objects of `plural` in the owner's namespace that its selector picks and it owns.
async fn owned_by(client: &kube::Client, owner: &Value, plural: &str) -> Result<Vec<Value>> {
    let deployment = owner;
    let ns = deployment["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default");
    let uid = deployment["metadata"]["uid"].as_str().unwrap_or_default();
    let mut path = format!("/apis/apps/v1/namespaces/{ns}/{plural}");
    if let Some(sel) = label_selector_text(&deployment["spec"]["selector"]) {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("labelSelector", &sel)
            .finish();
        path = format!("{path}?{query}");
    }
    let req = http::Request::get(path)
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    let list: Value = client.request(req).await?;
    Ok(list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|rs| {
            rs["metadata"]["ownerReferences"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|o| o["uid"].as_str() == Some(uid))
        })
        .cloned()
        .collect())
}
