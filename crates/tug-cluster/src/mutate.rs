//! Every change tug makes to a cluster, as one enum, and how each is sent: the scale subresource, the
//! restartedAt template annotation (as `kubectl rollout restart`), deletions with a propagation policy and grace
//! period, and rollbacks (an old ReplicaSet's template copied into the Deployment, as `kubectl rollout undo`,
//! sent as a replace carrying the resourceVersion the user saw, so a concurrent change is a 409, not a
//! silent overwrite).

use serde_json::{Value, json};

use super::discovery::Kind;
use super::{ClusterError, Result};

#[derive(Debug, Clone, PartialEq)]
pub enum Mutation {
    Scale {
        kind: Kind,
        namespace: String,
        name: String,
        replicas: i64,
    },
    Restart {
        kind: Kind,
        namespace: String,
        name: String,
    },
    Delete {
        kind: Kind,
        namespace: String,
        name: String,
        propagation: String,
        grace: Option<i64>,
    },
    Pause {
        kind: Kind,
        namespace: String,
        name: String,
        paused: bool,
    },
    Cordon {
        kind: Kind,
        name: String,
        unschedulable: bool,
    },
    /// Put `template` back into the Deployment as it is now (undoing a rollback): read, change, replace.
    SetTemplate {
        kind: Kind,
        namespace: String,
        name: String,
        template: Value,
    },
    /// Cordon, then evict every pod on the node (DaemonSet pods excepted), honouring PodDisruptionBudgets.
    Drain { kind: Kind, name: String },
    /// Replace the Deployment with `deployment` (its template taken from `revision`'s ReplicaSet).
    Rollback {
        kind: Kind,
        namespace: String,
        name: String,
        revision: i64,
        /// The ReplicaSet holding that revision's template (checked again at confirm time).
        replica_set: String,
        deployment: Value,
    },
}

impl Mutation {
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Scale { .. } => "scale",
            Self::Restart { .. } => "restart",
            Self::Delete { grace: Some(0), .. } => "kill",
            Self::Delete { .. } => "delete",
            Self::Rollback { .. } => "rollback",
            Self::Pause { paused: true, .. } => "pause",
            Self::Pause { .. } => "resume",
            Self::Cordon {
                unschedulable: true,
                ..
            } => "cordon",
            Self::Cordon { .. } => "uncordon",
            Self::Drain { .. } => "drain",
            Self::SetTemplate { .. } => "undo-rollback",
        }
    }

    pub fn target(&self) -> (&Kind, &str, &str) {
        match self {
            Self::Scale {
                kind,
                namespace,
                name,
                ..
            }
            | Self::Restart {
                kind,
                namespace,
                name,
            }
            | Self::Delete {
                kind,
                namespace,
                name,
                ..
            }
            | Self::Rollback {
                kind,
                namespace,
                name,
                ..
            }
            | Self::Pause {
                kind,
                namespace,
                name,
                ..
            }
            | Self::SetTemplate {
                kind,
                namespace,
                name,
                ..
            } => (kind, namespace, name),
            Self::Cordon { kind, name, .. } | Self::Drain { kind, name } => (kind, "", name),
        }
    }

    /// One line for the journal and the flash: what was asked.
    pub fn summary(&self) -> String {
        let (kind, ns, name) = self.target();
        let obj = format!("{}/{name} in {ns}", kind.kind.to_lowercase());
        match self {
            Self::Scale { replicas, .. } => format!("scale {obj} to {replicas}"),
            Self::Restart { .. } => format!("restart {obj}"),
            Self::Delete {
                propagation, grace, ..
            } => match grace {
                Some(0) => format!("kill {obj} (grace period 0)"),
                Some(g) => format!("delete {obj} ({propagation}, grace {g}s)"),
                None => format!("delete {obj} ({propagation})"),
            },
            Self::Rollback { revision, .. } => format!("roll back {obj} to revision {revision}"),
            Self::Pause { .. } | Self::Cordon { .. } | Self::Drain { .. } => {
                format!("{} {obj}", self.verb())
            }
            Self::SetTemplate { .. } => format!("undo the rollback of {obj}"),
        }
    }
}

fn request(
    method: http::Method,
    path: String,
    content_type: &str,
    body: &Value,
) -> Result<http::Request<Vec<u8>>> {
    http::Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(serde_json::to_vec(body).map_err(|e| ClusterError::Decode(e.to_string()))?)
        .map_err(|e| ClusterError::Transport(e.to_string()))
}

/// Sends the change; returns the object the server answered with.
pub async fn apply(client: &kube::Client, m: &Mutation) -> Result<Value> {
    use http::Method;
    let req = match m {
        Mutation::Scale {
            kind,
            namespace,
            name,
            replicas,
        } => request(
            Method::PATCH,
            format!(
                "{}/scale?fieldManager=tug",
                kind.object_path(namespace, name)
            ),
            "application/merge-patch+json",
            &json!({"spec": {"replicas": replicas}}),
        )?,
        Mutation::Restart {
            kind,
            namespace,
            name,
        } => request(
            Method::PATCH,
            format!("{}?fieldManager=tug", kind.object_path(namespace, name)),
            "application/strategic-merge-patch+json",
            &json!({"spec": {"template": {"metadata": {"annotations": {
                "kubectl.kubernetes.io/restartedAt": jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
            }}}}}),
        )?,
        Mutation::Delete {
            kind,
            namespace,
            name,
            propagation,
            grace,
        } => {
            let mut opts = json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation});
            if let Some(g) = grace {
                opts["gracePeriodSeconds"] = json!(g);
            }
            request(
                Method::DELETE,
                kind.object_path(namespace, name),
                "application/json",
                &opts,
            )?
        }
        Mutation::Pause {
            kind,
            namespace,
            name,
            paused,
        } => request(
            Method::PATCH,
            format!("{}?fieldManager=tug", kind.object_path(namespace, name)),
            "application/merge-patch+json",
            &json!({"spec": {"paused": paused}}),
        )?,
        Mutation::Cordon {
            kind,
            name,
            unschedulable,
        } => request(
            Method::PATCH,
            format!("{}?fieldManager=tug", kind.object_path("", name)),
            "application/strategic-merge-patch+json",
            &json!({"spec": {"unschedulable": unschedulable}}),
        )?,
        Mutation::Drain { kind, name } => return drain(client, kind, name).await,
        Mutation::SetTemplate {
            kind,
            namespace,
            name,
            template,
        } => {
            // Read-modify-write; a controller updating the status in between is a 409: read again.
            let with_template = |mut current: Value| {
                current["spec"]["template"] = template.clone();
                Some(current)
            };
            let mut body = super::objects::get(client, kind, namespace, name).await?;
            body["spec"]["template"] = template.clone();
            return put_retrying(client, kind, namespace, name, body, with_template).await;
        }
        Mutation::Rollback {
            kind,
            namespace,
            name,
            deployment,
            replica_set,
            revision,
        } => {
            // The revision must still exist when the user confirms, not only when the history was read.
            let rs = http::Request::get(format!(
                "/apis/apps/v1/namespaces/{namespace}/replicasets/{replica_set}"
            ))
            .body(vec![])
            .map_err(|e| ClusterError::Transport(e.to_string()))?;
            if let Err(e) = client.request::<Value>(rs).await {
                let e = ClusterError::from(e);
                return Err(match e.code() {
                    Some(404) => ClusterError::Api {
                        code: 404,
                        reason: "NotFound".into(),
                        message: format!(
                            "revision {revision} is gone: its ReplicaSet {replica_set} was deleted; nothing was changed"
                        ),
                        retry_after: 0,
                    },
                    _ => e,
                });
            }
            // Conditional on the version the history was read at. A 409 where the spec did not change
            // meanwhile (same `generation`: a controller only updated the status or its annotations)
            // re-applies the rollback's template onto the current object; a changed spec stays a conflict,
            // so nobody's change is silently undone.
            let rebase = |mut current: Value| {
                if current["metadata"]["generation"] != deployment["metadata"]["generation"] {
                    return None;
                }
                current["spec"]["template"] = deployment["spec"]["template"].clone();
                // The rollback's own annotations (change-cause); the controller's bookkeeping stays.
                for (k, v) in deployment["metadata"]["annotations"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, _)| !k.starts_with("deployment.kubernetes.io/"))
                {
                    current["metadata"]["annotations"][k] = v.clone();
                }
                Some(current)
            };
            return put_retrying(client, kind, namespace, name, deployment.clone(), rebase).await;
        }
    };
    client.request::<Value>(req).await.map_err(Into::into)
}

/// How often a 409 caused by someone else's status update is retried.
const CONFLICT_RETRIES: u32 = 3;

/// PUTs `body`; on a 409 (the object changed since it was read) reads it again and PUTs what `rebase` makes of
/// it, a few times. `rebase` returning `None` gives up with the conflict.
async fn put_retrying(
    client: &kube::Client,
    kind: &Kind,
    namespace: &str,
    name: &str,
    mut body: Value,
    rebase: impl Fn(Value) -> Option<Value>,
) -> Result<Value> {
    let path = format!("{}?fieldManager=tug", kind.object_path(namespace, name));
    let mut attempt = 0;
    loop {
        let put = request(http::Method::PUT, path.clone(), "application/json", &body)?;
        let err = match client
            .request::<Value>(put)
            .await
            .map_err(ClusterError::from)
        {
            Err(e) if e.code() == Some(409) && attempt < CONFLICT_RETRIES => e,
            other => return other,
        };
        attempt += 1;
        let current = super::objects::get(client, kind, namespace, name).await?;
        body = rebase(current).ok_or(err)?;
    }
}

/// `kubectl drain`: cordon, then evict each pod on the node through the eviction API (so PodDisruptionBudgets
/// are honoured), leaving DaemonSet pods. Pods a budget protects are reported, not forced.
async fn drain(client: &kube::Client, kind: &Kind, node: &str) -> Result<Value> {
    let cordon = Mutation::Cordon {
        kind: kind.clone(),
        name: node.to_string(),
        unschedulable: true,
    };
    Box::pin(apply(client, &cordon)).await?;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("fieldSelector", &format!("spec.nodeName={node}"))
        .finish();
    let req = http::Request::get(format!("/api/v1/pods?{query}"))
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    let pods: Value = client.request(req).await?;
    let mut evicted = 0;
    let mut blocked = vec![];
    for pod in pods["items"].as_array().into_iter().flatten() {
        let owned_by_ds = pod["metadata"]["ownerReferences"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|o| o["kind"] == "DaemonSet");
        if owned_by_ds || pod["metadata"]["deletionTimestamp"].is_string() {
            continue;
        }
        let (ns, name) = (
            pod["metadata"]["namespace"].as_str().unwrap_or_default(),
            pod["metadata"]["name"].as_str().unwrap_or_default(),
        );
        let eviction = json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": ns}});
        let req = request(
            http::Method::POST,
            format!("/api/v1/namespaces/{ns}/pods/{name}/eviction"),
            "application/json",
            &eviction,
        )?;
        match client.request::<Value>(req).await {
            Ok(_) => evicted += 1,
            Err(e) => blocked.push(format!("{ns}/{name}: {}", ClusterError::from(e))),
        }
    }
    if blocked.is_empty() {
        Ok(json!({"evicted": evicted}))
    } else {
        Err(ClusterError::Api {
            code: 429,
            reason: "TooManyRequests".into(),
            retry_after: 0,
            message: format!(
                "evicted {evicted} pods; {} not evicted: {}",
                blocked.len(),
                blocked.join("; ")
            ),
        })
    }
}

/// The Deployment `kubectl rollout undo --to-revision` would produce: the ReplicaSet's pod template, without
/// its `pod-template-hash` label, in the Deployment the user saw (its resourceVersion kept for the conflict
/// check). `None` if the template is missing.
pub fn rollback_deployment(deployment: &Value, replica_set: &Value) -> Option<Value> {
    let mut template = replica_set["spec"]["template"].clone();
    if !template.is_object() {
        return None;
    }
    if let Some(labels) = template["metadata"]["labels"].as_object_mut() {
        labels.remove("pod-template-hash");
    }
    let mut d = deployment.clone();
    d["spec"]["template"] = template;
    // Annotations a rollback carries over from the ReplicaSet, as kubectl does (change-cause among them).
    const SKIP: &[&str] = &[
        "kubectl.kubernetes.io/last-applied-configuration",
        "deployment.kubernetes.io/revision",
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "deprecated.deployment.rollback.to",
    ];
    for (k, v) in replica_set["metadata"]["annotations"]
        .as_object()
        .into_iter()
        .flatten()
    {
        if !SKIP.contains(&k.as_str()) {
            if !d["metadata"]["annotations"].is_object() {
                d["metadata"]["annotations"] = json!({});
            }
            d["metadata"]["annotations"][k] = v.clone();
        }
    }
    if let Some(m) = d.as_object_mut() {
        m.remove("status");
    }
    if let Some(m) = d["metadata"].as_object_mut() {
        m.remove("managedFields");
    }
    Some(d)
}

/// A unified diff of two pod templates as YAML (what a rollback will change).
pub fn template_diff(current: &Value, target: &Value) -> String {
    let strip = |t: &Value| {
        let mut t = t.clone();
        if let Some(labels) = t["metadata"]["labels"].as_object_mut() {
            labels.remove("pod-template-hash");
        }
        serde_saphyr::to_string(&t).unwrap_or_default()
    };
    let (a, b) = (strip(current), strip(target));
    similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header("current", "revision")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollback_copies_the_template_without_its_hash_and_keeps_the_resource_version() {
        let deployment = json!({
            "metadata": {"name": "web", "resourceVersion": "42", "annotations": {"deployment.kubernetes.io/revision": "2"}},
            "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "web:v2"}]}}},
            "status": {"replicas": 3},
        });
        let rs = json!({
            "metadata": {"annotations": {"deployment.kubernetes.io/revision": "1", "kubernetes.io/change-cause": "v1"}},
            "spec": {"template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "abc"}}, "spec": {"containers": [{"name": "web", "image": "web:v1"}]}}},
        });
        let d = rollback_deployment(&deployment, &rs).unwrap();
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["image"],
            "web:v1"
        );
        assert_eq!(
            d["spec"]["template"]["metadata"]["labels"],
            json!({"app": "web"})
        );
        assert_eq!(d["metadata"]["resourceVersion"], "42");
        assert_eq!(
            d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            "2"
        );
        assert_eq!(
            d["metadata"]["annotations"]["kubernetes.io/change-cause"],
            "v1"
        );
        assert!(d["status"].is_null());
        let diff = template_diff(&deployment["spec"]["template"], &rs["spec"]["template"]);
        assert!(
            diff.contains("-  - image: web:v2") && diff.contains("+  - image: web:v1"),
            "{diff}"
        );
        assert!(!diff.contains("pod-template-hash"), "{diff}");
    }
}
