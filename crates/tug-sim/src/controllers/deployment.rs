//! The Deployment controller: one ReplicaSet per pod template (named by `pod-template-hash`), revisions in
//! `deployment.kubernetes.io/revision`, rolling updates within maxSurge/maxUnavailable, Recreate, pause,
//! history cleanup, and the status `kubectl rollout status` reads.
//!
//! Rollback is the client's job, as in Kubernetes: `kubectl rollout undo` copies an old ReplicaSet's template
//! into the Deployment; this controller then finds that ReplicaSet by template and gives it the next revision.

use std::sync::Arc;

use serde_json::{Value, json};

use super::replicaset::same_status;
use super::{
    Ctx, controller_uid, int, int_or_percent, is_deleting, name, namespace, owner_ref, since,
    template_hash, uid,
};

const REVISION: &str = "deployment.kubernetes.io/revision";
const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
const DESIRED: &str = "deployment.kubernetes.io/desired-replicas";
const MAX: &str = "deployment.kubernetes.io/max-replicas";
const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

pub fn reconcile(ctx: &mut Ctx) {
    let res = ctx.kinds.deployments.clone();
    for d in ctx.store.list(&res, None, |d| !is_deleting(d)) {
        sync(ctx, &d);
    }
}

fn revision(rs: &Value) -> i64 {
    rs["metadata"]["annotations"][REVISION]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn replicas(rs: &Value) -> i64 {
    int(&rs["spec"]["replicas"])
}

/// Templates equal once the RS's `pod-template-hash` label is set aside (Kubernetes' EqualIgnoreHash).
fn same_template(rs: &Value, template: &Value) -> bool {
    let mut t = rs["spec"]["template"].clone();
    if let Some(labels) = t["metadata"]["labels"].as_object_mut() {
        labels.remove("pod-template-hash");
        if labels.is_empty() {
            t["metadata"].as_object_mut().map(|m| m.remove("labels"));
        }
    }
    let mut want = template.clone();
    if want["metadata"]["labels"]
        .as_object()
        .is_some_and(|l| l.is_empty())
    {
        want["metadata"].as_object_mut().map(|m| m.remove("labels"));
    }
    t == want
}

fn sync(ctx: &mut Ctx, d: &Value) {
    let rs_res = ctx.kinds.replicasets.clone();
    let ns = namespace(d).to_string();
    let d_uid = uid(d).to_string();
    let mut sets: Vec<Arc<Value>> = ctx.store.list(&rs_res, Some(&ns), |rs| {
        controller_uid(rs) == Some(d_uid.as_str())
    });
    let template = d["spec"]["template"].clone();
    let want = int(&d["spec"]["replicas"]).max(0);
    let paused = d["spec"]["paused"].as_bool() == Some(true);
    let max_revision = sets.iter().map(|rs| revision(rs)).max().unwrap_or(0);
    let mut new_rs = sets.iter().find(|rs| same_template(rs, &template)).cloned();
    let mut created_new = false;

    if !paused {
        match &new_rs {
            None => {
                let hash = template_hash(&template);
                let rs_name = format!("{}-{hash}", name(d));
                let initial = if sets.iter().all(|rs| replicas(rs) == 0) || is_recreate(d) {
                    if is_recreate(d) && sets.iter().any(|rs| replicas(rs) > 0) {
                        0
                    } else {
                        want
                    }
                } else {
                    0
                };
                let rs = new_replica_set(
                    d,
                    &template,
                    &rs_name,
                    &hash,
                    max_revision + 1,
                    initial,
                    want,
                );
                if let Ok(rs) = ctx.create(&rs_res, &ns, rs) {
                    ctx.event(
                        d,
                        "Normal",
                        "ScalingReplicaSet",
                        "deployment-controller",
                        format!("Scaled up replica set {rs_name} from 0 to {initial}"),
                    );
                    new_rs = Some(rs.clone());
                    sets.push(rs);
                    created_new = true;
                }
            }
            Some(rs)
                if revision(rs) < max_revision
                    || rs["metadata"]["annotations"][CHANGE_CAUSE]
                        != d["metadata"]["annotations"][CHANGE_CAUSE] =>
            {
                // A rollback (or a template that came back): this ReplicaSet becomes the newest revision.
                let old_rev = revision(rs);
                let next = if old_rev < max_revision {
                    max_revision + 1
                } else {
                    old_rev
                };
                let cause = d["metadata"]["annotations"][CHANGE_CAUSE].clone();
                if let Ok(updated) = ctx.update(&rs_res, rs, |r| {
                    r["metadata"]["annotations"][REVISION] = json!(next.to_string());
                    if old_rev < max_revision {
                        let history = match r["metadata"]["annotations"][REVISION_HISTORY].as_str()
                        {
                            Some(h) if !h.is_empty() => format!("{h},{old_rev}"),
                            _ => old_rev.to_string(),
                        };
                        r["metadata"]["annotations"][REVISION_HISTORY] = json!(history);
                    }
                    match cause.as_str() {
                        Some(c) => r["metadata"]["annotations"][CHANGE_CAUSE] = json!(c),
                        None => {
                            r["metadata"]["annotations"]
                                .as_object_mut()
                                .map(|a| a.remove(CHANGE_CAUSE));
                        }
                    }
                }) {
                    sets.retain(|s| uid(s) != uid(&updated));
                    sets.push(updated.clone());
                    new_rs = Some(updated);
                }
            }
            Some(_) => {}
        }
    }

    if let Some(new) = &new_rs
        && !paused
    {
        let new = ctx
            .store
            .get(&rs_res, &ns, name(new))
            .unwrap_or_else(|| new.clone());
        let olds: Vec<Arc<Value>> = sets
            .iter()
            .filter(|s| uid(s) != uid(&new))
            .cloned()
            .collect();
        if is_recreate(d) {
            recreate(ctx, d, &new, &olds, want);
        } else {
            rolling(ctx, d, &new, &olds, want);
        }
    } else if paused
        && let Some(new) = &new_rs
        && replicas(new) != want
        && sets.iter().filter(|s| replicas(s) > 0).count() <= 1
    {
        scale(ctx, d, new, want);
    }

    cleanup(ctx, d, new_rs.as_deref());
    update_status(ctx, d, new_rs.as_deref(), created_new);
}

fn is_recreate(d: &Value) -> bool {
    d["spec"]["strategy"]["type"] == "Recreate"
}

fn new_replica_set(
    d: &Value,
    template: &Value,
    rs_name: &str,
    hash: &str,
    revision: i64,
    replicas: i64,
    want: i64,
) -> Value {
    let mut template = template.clone();
    if !template["metadata"]["labels"].is_object() {
        template["metadata"]["labels"] = json!({});
    }
    template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
    let mut selector = d["spec"]["selector"].clone();
    if !selector["matchLabels"].is_object() {
        selector["matchLabels"] = json!({});
    }
    selector["matchLabels"]["pod-template-hash"] = json!(hash);
    let max_surge = int_or_percent(
        &d["spec"]["strategy"]["rollingUpdate"]["maxSurge"],
        want,
        true,
    );
    let mut annotations = json!({
        DESIRED: want.to_string(),
        MAX: (want + max_surge).to_string(),
        REVISION: revision.to_string(),
    });
    if let Some(cause) = d["metadata"]["annotations"][CHANGE_CAUSE].as_str() {
        annotations[CHANGE_CAUSE] = json!(cause);
    }
    json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": rs_name,
            "namespace": d["metadata"]["namespace"],
            "labels": template["metadata"]["labels"],
            "annotations": annotations,
            "ownerReferences": [owner_ref(d)],
        },
        "spec": {
            "replicas": replicas,
            "minReadySeconds": d["spec"]["minReadySeconds"].as_i64().unwrap_or(0),
            "selector": selector,
            "template": template,
        },
    })
}

fn scale(ctx: &mut Ctx, d: &Value, rs: &Value, to: i64) {
    let from = replicas(rs);
    if from == to {
        return;
    }
    let res = ctx.kinds.replicasets.clone();
    let want = int(&d["spec"]["replicas"]);
    let max_surge = int_or_percent(
        &d["spec"]["strategy"]["rollingUpdate"]["maxSurge"],
        want,
        true,
    );
    if ctx
        .update(&res, rs, |r| {
            r["spec"]["replicas"] = json!(to);
            r["metadata"]["annotations"][DESIRED] = json!(want.to_string());
            r["metadata"]["annotations"][MAX] = json!((want + max_surge).to_string());
        })
        .is_ok()
    {
        let verb = if to > from { "up" } else { "down" };
        ctx.event(
            d,
            "Normal",
            "ScalingReplicaSet",
            "deployment-controller",
            format!("Scaled {verb} replica set {} from {from} to {to}", name(rs)),
        );
    }
}

fn available(rs: &Value) -> i64 {
    int(&rs["status"]["availableReplicas"])
}

fn rolling(ctx: &mut Ctx, d: &Value, new: &Value, olds: &[Arc<Value>], want: i64) {
    let strategy = &d["spec"]["strategy"]["rollingUpdate"];
    let surge_v = if strategy["maxSurge"].is_null() {
        json!("25%")
    } else {
        strategy["maxSurge"].clone()
    };
    let unavail_v = if strategy["maxUnavailable"].is_null() {
        json!("25%")
    } else {
        strategy["maxUnavailable"].clone()
    };
    let max_surge = int_or_percent(&surge_v, want, true);
    let mut max_unavailable = int_or_percent(&unavail_v, want, false);
    if max_surge == 0 && max_unavailable == 0 {
        max_unavailable = 1;
    }
    let old_total: i64 = olds.iter().map(|o| replicas(o)).sum();
    if old_total == 0 {
        // No rollout in flight: plain scaling.
        scale(ctx, d, new, want);
        return;
    }
    // Scale up the new ReplicaSet within the surge.
    let total = old_total + replicas(new);
    let room = want + max_surge - total;
    if replicas(new) < want && room > 0 {
        scale(ctx, d, new, (replicas(new) + room).min(want));
    } else if replicas(new) > want {
        scale(ctx, d, new, want);
    }
    // Scale down old ones without going below the minimum availability.
    let new = ctx
        .store
        .get(&ctx.kinds.replicasets, namespace(new), name(new))
        .unwrap_or_else(|| Arc::new(new.clone()));
    let all_pods: i64 = olds.iter().map(|o| replicas(o)).sum::<i64>() + replicas(&new);
    let min_available = want - max_unavailable;
    let new_unavailable = replicas(&new) - available(&new);
    let mut can_remove = all_pods - min_available - new_unavailable;
    // Old pods that are not available can always go.
    let mut olds: Vec<&Arc<Value>> = olds.iter().filter(|o| replicas(o) > 0).collect();
    olds.sort_by_key(|o| (revision(o), name(o).to_string()));
    for old in &olds {
        let unhealthy = replicas(old) - available(old);
        if unhealthy > 0 {
            scale(ctx, d, old, replicas(old) - unhealthy);
        }
    }
    for old in olds {
        if can_remove <= 0 {
            break;
        }
        let cur = ctx
            .store
            .get(&ctx.kinds.replicasets, namespace(old), name(old));
        let Some(cur) = cur else { continue };
        let n = replicas(&cur).min(can_remove);
        if n > 0 {
            scale(ctx, d, &cur, replicas(&cur) - n);
            can_remove -= n;
        }
    }
}

fn recreate(ctx: &mut Ctx, d: &Value, new: &Value, olds: &[Arc<Value>], want: i64) {
    for old in olds.iter().filter(|o| replicas(o) > 0) {
        scale(ctx, d, old, 0);
    }
    let old_pods = olds
        .iter()
        .any(|o| !super::replicaset::owned_pods(ctx, o).is_empty());
    if !old_pods {
        scale(ctx, d, new, want);
    }
}

/// Drops the oldest scaled-down ReplicaSets beyond `revisionHistoryLimit`.
fn cleanup(ctx: &mut Ctx, d: &Value, new: Option<&Value>) {
    let limit = d["spec"]["revisionHistoryLimit"]
        .as_i64()
        .unwrap_or(10)
        .max(0) as usize;
    let rs_res = ctx.kinds.replicasets.clone();
    let d_uid = uid(d).to_string();
    let mut old: Vec<Arc<Value>> = ctx.store.list(&rs_res, Some(namespace(d)), |rs| {
        controller_uid(rs) == Some(d_uid.as_str())
            && replicas(rs) == 0
            && int(&rs["status"]["replicas"]) == 0
            && new.is_none_or(|n| uid(n) != uid(rs))
    });
    if old.len() <= limit {
        return;
    }
    old.sort_by_key(|rs| revision(rs));
    let excess = old.len() - limit;
    for rs in old.into_iter().take(excess) {
        ctx.delete(&rs_res, &rs);
    }
}

fn condition(
    kind: &str,
    status: &str,
    reason: &str,
    message: String,
    now: &str,
    old: &Value,
) -> Value {
    let prev = old["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == kind).cloned())
        .unwrap_or(Value::Null);
    let transition = if prev["status"] == status {
        prev["lastTransitionTime"].clone()
    } else {
        json!(now)
    };
    let update = if prev["reason"] == reason && prev["status"] == status {
        prev["lastUpdateTime"].clone()
    } else {
        json!(now)
    };
    json!({"type": kind, "status": status, "reason": reason, "message": message,
           "lastUpdateTime": update, "lastTransitionTime": transition})
}

/// The Progressing reason of a rollout that made no progress for `progressDeadlineSeconds`.
pub const PROGRESS_DEADLINE_EXCEEDED: &str = "ProgressDeadlineExceeded";
/// The API's default `spec.progressDeadlineSeconds`.
const DEFAULT_PROGRESS_DEADLINE_SECS: i64 = 600;

/// A rollout (old pods still running beside the new ones) whose Progressing condition last moved longer than
/// `progressDeadlineSeconds` ago, or that already timed out. The sim reduces "progress" to a change of the
/// replica counts, and, like the controller, never times out a deployment while it is paused.
fn timed_out(ctx: &Ctx, d: &Value) -> bool {
    let Some(prev) = d["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Progressing"))
    else {
        return false;
    };
    if prev["reason"] == PROGRESS_DEADLINE_EXCEEDED {
        return true;
    }
    let deadline = d["spec"]["progressDeadlineSeconds"]
        .as_i64()
        .unwrap_or(DEFAULT_PROGRESS_DEADLINE_SECS);
    since(ctx, &prev["lastUpdateTime"]).is_some_and(|s| s > deadline)
}

fn update_status(ctx: &mut Ctx, d: &Value, new: Option<&Value>, created_new: bool) {
    let rs_res = ctx.kinds.replicasets.clone();
    let d_uid = uid(d).to_string();
    let sets = ctx.store.list(&rs_res, Some(namespace(d)), |rs| {
        controller_uid(rs) == Some(d_uid.as_str())
    });
    let new = new.and_then(|n| sets.iter().find(|s| uid(s) == uid(n)).cloned());
    let want = int(&d["spec"]["replicas"]);
    let total: i64 = sets.iter().map(|s| int(&s["status"]["replicas"])).sum();
    let ready: i64 = sets
        .iter()
        .map(|s| int(&s["status"]["readyReplicas"]))
        .sum();
    let avail: i64 = sets.iter().map(|s| available(s)).sum();
    let updated = new
        .as_ref()
        .map(|n| int(&n["status"]["replicas"]))
        .unwrap_or(0);
    let unavail_v = &d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"];
    let max_unavailable = if is_recreate(d) {
        0
    } else if unavail_v.is_null() {
        int_or_percent(&json!("25%"), want, false)
    } else {
        int_or_percent(unavail_v, want, false)
    };
    let now = ctx.now_str();
    let available_cond = if avail >= want - max_unavailable {
        condition(
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.".into(),
            &now,
            d,
        )
    } else {
        condition(
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.".into(),
            &now,
            d,
        )
    };
    let new_name = new
        .as_ref()
        .map(|n| name(n).to_string())
        .unwrap_or_default();
    let complete = updated == want && total == want && avail == want;
    let paused = d["spec"]["paused"].as_bool() == Some(true);
    let progressed = [
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
        "replicas",
    ]
    .iter()
    .zip([updated, ready, avail, total])
    .any(|(field, n)| int(&d["status"][*field]) != n);
    let progressing = if paused {
        condition(
            "Progressing",
            "Unknown",
            "DeploymentPaused",
            "Deployment is paused".into(),
            &now,
            d,
        )
    } else if complete {
        condition(
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            format!("ReplicaSet \"{new_name}\" has successfully progressed."),
            &now,
            d,
        )
    } else if !created_new && !progressed && total > updated && timed_out(ctx, d) {
        condition(
            "Progressing",
            "False",
            PROGRESS_DEADLINE_EXCEEDED,
            format!("ReplicaSet \"{new_name}\" has timed out progressing."),
            &now,
            d,
        )
    } else if created_new {
        condition(
            "Progressing",
            "True",
            "NewReplicaSetCreated",
            format!("Created new replica set \"{new_name}\""),
            &now,
            d,
        )
    } else {
        condition(
            "Progressing",
            "True",
            "ReplicaSetUpdated",
            format!("ReplicaSet \"{new_name}\" is progressing."),
            &now,
            d,
        )
    };
    let mut progressing = progressing;
    if progressed && progressing["status"] == "True" {
        progressing["lastUpdateTime"] = json!(now);
    }
    let mut status = json!({
        "observedGeneration": d["metadata"]["generation"],
        "replicas": total,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": avail,
        "unavailableReplicas": (want - avail).max(0),
        "conditions": [available_cond, progressing],
    });
    if let Some(m) = status.as_object_mut() {
        m.retain(|k, v| v.as_i64() != Some(0) || k == "observedGeneration");
    }
    let revision_now = new.as_ref().map(|n| revision(n)).filter(|r| *r > 0);
    let same_rev = revision_now.is_none_or(|r| {
        d["metadata"]["annotations"][REVISION].as_str() == Some(r.to_string().as_str())
    });
    let conds_same = {
        let strip = |v: &Value| -> Vec<(Value, Value, Value)> {
            v.as_array()
                .into_iter()
                .flatten()
                .map(|c| (c["type"].clone(), c["status"].clone(), c["reason"].clone()))
                .collect()
        };
        strip(&d["status"]["conditions"]) == strip(&status["conditions"])
    };
    let counts_same = {
        let mut a = status.clone();
        a.as_object_mut().map(|m| m.remove("conditions"));
        same_status(&d["status"], &a)
            && d["status"]
                .as_object()
                .into_iter()
                .flatten()
                .all(|(k, v)| k == "conditions" || !a[k].is_null() || v.as_i64() == Some(0))
    };
    if same_rev && conds_same && counts_same {
        return;
    }
    let res = ctx.kinds.deployments.clone();
    let _ = ctx.update(&res, d, |dep| {
        dep["status"] = status;
        if let Some(r) = revision_now {
            if !dep["metadata"]["annotations"].is_object() {
                dep["metadata"]["annotations"] = json!({});
            }
            dep["metadata"]["annotations"][REVISION] = json!(r.to_string());
        }
    });
}
