//! The RBAC questions tug asks the server: who am I (`SelfSubjectReview`), what may I do in a namespace
//! (`SelfSubjectRulesReview`, possibly as someone else through impersonation), may I do this one thing
//! (`SelfSubjectAccessReview`), and the cluster's RBAC objects for "who can" and the subjects. No ratatui.

use serde_json::{Value, json};
use tug_model::access::{Access, Identity, Need};
use tug_model::rbac::Policy;

use super::{ClusterError, Result};

/// Whom to ask as (`Impersonate-User`, `Impersonate-Group`): the caller must be allowed to impersonate them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Impersonate {
    pub user: String,
    pub groups: Vec<String>,
}

fn post(path: &str, body: &Value, as_: Option<&Impersonate>) -> Result<http::Request<Vec<u8>>> {
    let mut req = http::Request::post(path).header(http::header::CONTENT_TYPE, "application/json");
    if let Some(who) = as_ {
        req = req.header("Impersonate-User", &who.user);
        for g in &who.groups {
            req = req.header("Impersonate-Group", g);
        }
    }
    req.body(serde_json::to_vec(body).map_err(|e| ClusterError::Decode(e.to_string()))?)
        .map_err(|e| ClusterError::Transport(e.to_string()))
}

/// The caller as the server sees it; `None` when the server has no SelfSubjectReview (404: older than 1.28,
/// or the API is off), so the caller falls back to the kubeconfig's name.
pub async fn whoami(client: &kube::Client) -> Result<Option<Identity>> {
    let body = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
    let req = post(
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        &body,
        None,
    )?;
    match client
        .request::<Value>(req)
        .await
        .map_err(ClusterError::from)
    {
        Ok(review) => Ok(Identity::from_review(&review)),
        Err(e) if e.code() == Some(404) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The rules the caller (or whom it impersonates) holds in `namespace` (empty: cluster-wide).
pub async fn rules(
    client: &kube::Client,
    namespace: &str,
    as_: Option<&Impersonate>,
) -> Result<Access> {
    let body = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
                      "spec": {"namespace": namespace}});
    let req = post(
        "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        &body,
        as_,
    )?;
    let review: Value = client.request(req).await?;
    Ok(Access::from_review(namespace, &review))
}

/// May the caller do `need` (on the object `name`, empty: the collection) in `namespace`?
pub async fn can(client: &kube::Client, need: &Need, namespace: &str, name: &str) -> Result<bool> {
    let body = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": need.verb, "group": need.group, "resource": need.resource,
                 "subresource": need.subresource, "namespace": namespace, "name": name}}});
    let req = post(
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        &body,
        None,
    )?;
    let review: Value = client.request(req).await?;
    Ok(review["status"]["allowed"].as_bool() == Some(true))
}

async fn list(client: &kube::Client, plural: &str) -> Result<Vec<Value>> {
    let req = http::Request::get(format!("/apis/rbac.authorization.k8s.io/v1/{plural}"))
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    let list: Value = client.request(req).await?;
    Ok(list["items"].as_array().cloned().unwrap_or_default())
}

/// The cluster's RBAC objects (four lists, one request each), read into a policy.
pub async fn policy(client: &kube::Client) -> Result<Policy> {
    let (roles, cluster_roles, bindings, cluster_bindings) = tokio::try_join!(
        list(client, "roles"),
        list(client, "clusterroles"),
        list(client, "rolebindings"),
        list(client, "clusterrolebindings"),
    )?;
    Ok(Policy::new(
        &roles,
        &cluster_roles,
        &bindings,
        &cluster_bindings,
    ))
}
