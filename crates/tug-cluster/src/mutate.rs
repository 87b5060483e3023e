//! How each change tug makes to a cluster is sent: the scale subresource, the restartedAt template annotation
//! (as `kubectl rollout restart`), deletions with a propagation policy and grace period, drains through the
//! eviction API, and rollbacks (an old ReplicaSet's template copied into the Deployment, as `kubectl rollout
//! undo`, sent as a replace carrying the resourceVersion the user saw, so a concurrent change is a 409, not a
//! silent overwrite) or, for StatefulSets and DaemonSets, a ControllerRevision's patch (as `kubectl rollout undo`
//! sends it), images set by a strategic-merge patch (as `kubectl set image`), CronJobs triggered (a Job from the
//! jobTemplate, as `kubectl create job --from=cronjob/`) and suspended. The changes themselves, as data, are
//! `tug_model::mutation` (re-exported here).

use serde_json::{Value, json};

use super::{ClusterError, Result};
pub use tug_model::mutation::{Mutation, ObjectRef, Op};
use tug_model::mutation::{evictable_pods, job_from_cronjob, set_image_patch};
use tug_model::rollback::{rebase_rollback, with_template};
pub use tug_model::rollback::{rollback_deployment, template_diff};

const MERGE_PATCH: &str = "application/merge-patch+json";
const STRATEGIC_MERGE_PATCH: &str = "application/strategic-merge-patch+json";

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
    let target = &m.target;
    let patch = |content_type: &str, body: &Value| {
        request(
            Method::PATCH,
            format!("{}?fieldManager=tug", target.path()),
            content_type,
            body,
        )
    };
    let req = match &m.op {
        Op::Scale { replicas } => request(
            Method::PATCH,
            format!("{}/scale?fieldManager=tug", target.path()),
            MERGE_PATCH,
            &json!({"spec": {"replicas": replicas}}),
        )?,
        Op::Restart => patch(
            STRATEGIC_MERGE_PATCH,
            &json!({"spec": {"template": {"metadata": {"annotations": {
                "kubectl.kubernetes.io/restartedAt": jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
            }}}}}),
        )?,
        Op::Delete { propagation, grace } => {
            let mut opts = json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation});
            if let Some(g) = grace {
                opts["gracePeriodSeconds"] = json!(g);
            }
            request(Method::DELETE, target.path(), "application/json", &opts)?
        }
        Op::Pause { paused } => patch(MERGE_PATCH, &json!({"spec": {"paused": paused}}))?,
        Op::Cordon { unschedulable } => patch(
            STRATEGIC_MERGE_PATCH,
            &json!({"spec": {"unschedulable": unschedulable}}),
        )?,
        Op::Drain => return drain(client, target).await,
        Op::HelmRollback { revision } => {
            let version =
                crate::helm::rollback(client, target.ns(), &target.name, *revision).await?;
            return Ok(json!({"version": version}));
        }
        Op::HelmUninstall => {
            crate::helm::uninstall(client, target.ns(), &target.name).await?;
            return Ok(json!({}));
        }
        Op::SetImage { images } => {
            let body = set_image_patch(&target.kind, images).ok_or_else(|| {
                ClusterError::Decode(format!("{} have no images to set", target.kind.plural))
            })?;
            patch(STRATEGIC_MERGE_PATCH, &body)?
        }
        Op::RollbackRevision {
            revision,
            controller_revision,
            patch: data,
        } => {
            let cr = format!(
                "/apis/apps/v1/namespaces/{}/controllerrevisions/{controller_revision}",
                target.ns()
            );
            check_revision(
                client,
                &cr,
                *revision,
                "its ControllerRevision",
                controller_revision,
            )
            .await?;
            patch(STRATEGIC_MERGE_PATCH, data)?
        }
        Op::Suspend { suspended } => patch(MERGE_PATCH, &json!({"spec": {"suspend": suspended}}))?,
        Op::Trigger { job } => {
            // The CronJob as it is now: its uid for the ownerReference, its template as the user last saved it.
            let cronjob = get(client, target).await?;
            let jobs = format!(
                "/apis/batch/v1/namespaces/{}/jobs?fieldManager=tug",
                target.ns()
            );
            request(
                Method::POST,
                jobs,
                "application/json",
                &job_from_cronjob(&cronjob, job),
            )?
        }
        Op::SetTemplate { template } => {
            // Read-modify-write; a controller updating the status in between is a 409: read again.
            let current = get(client, target).await?;
            let rebase = |current| Some(with_template(current, template));
            return put_retrying(client, target, with_template(current, template), rebase).await;
        }
        Op::Rollback {
            revision,
            replica_set,
            deployment,
        } => {
            let rs = format!(
                "/apis/apps/v1/namespaces/{}/replicasets/{replica_set}",
                target.ns()
            );
            check_revision(client, &rs, *revision, "its ReplicaSet", replica_set).await?;
            // Conditional on the version the history was read at; a 409 is rebased only if the spec did not
            // change meanwhile.
            let rebase = |current| rebase_rollback(current, deployment);
            return put_retrying(client, target, deployment.clone(), rebase).await;
        }
    };
    client.request::<Value>(req).await.map_err(Into::into)
}

async fn get(client: &kube::Client, target: &ObjectRef) -> Result<Value> {
    super::objects::get(client, &target.kind, target.ns(), &target.name).await
}

/// The revision must still exist when the user confirms, not only when the history was read.
async fn check_revision(
    client: &kube::Client,
    path: &str,
    revision: i64,
    holder: &str,
    name: &str,
) -> Result<()> {
    let rs = http::Request::get(path)
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    match client
        .request::<Value>(rs)
        .await
        .map_err(ClusterError::from)
    {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some(404) => Err(ClusterError::Api {
            code: 404,
            reason: "NotFound".into(),
            message: format!(
                "revision {revision} is gone: {holder} {name} was deleted; nothing was changed"
            ),
            retry_after: 0,
        }),
        Err(e) => Err(e),
    }
}

/// How often a 409 caused by someone else's status update is retried.
const CONFLICT_RETRIES: u32 = 3;

/// PUTs `body`; on a 409 (the object changed since it was read) reads it again and PUTs what `rebase` makes of
/// it, a few times. `rebase` returning `None` gives up with the conflict.
async fn put_retrying(
    client: &kube::Client,
    target: &ObjectRef,
    mut body: Value,
    rebase: impl Fn(Value) -> Option<Value>,
) -> Result<Value> {
    let path = format!("{}?fieldManager=tug", target.path());
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
        body = rebase(get(client, target).await?).ok_or(err)?;
    }
}

/// `kubectl drain`: cordon, then evict each pod on the node through the eviction API (so PodDisruptionBudgets
/// are honoured), leaving DaemonSet pods. Pods a budget protects are reported, not forced.
async fn drain(client: &kube::Client, node: &ObjectRef) -> Result<Value> {
    let cordon = Mutation::new(
        node.clone(),
        Op::Cordon {
            unschedulable: true,
        },
    );
    Box::pin(apply(client, &cordon)).await?;
    let node = &node.name;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("fieldSelector", &format!("spec.nodeName={node}"))
        .finish();
    let req = http::Request::get(format!("/api/v1/pods?{query}"))
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    let pods: Value = client.request(req).await?;
    let mut evicted = 0;
    let mut blocked = vec![];
    for (ns, name) in evictable_pods(&pods) {
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
