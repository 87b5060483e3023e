//! The StatefulSet controller: pods `<sts>-0..N` created in order (each waits for the previous to be Ready
//! under OrderedReady), a PVC per volumeClaimTemplate and ordinal, rolling updates from the highest ordinal,
//! scale-down from the highest ordinal, ControllerRevisions and the revision-aware status.

use serde_json::{Value, json};

use super::replicaset::{owned_pods, same_status};
use super::{
    Ctx, controller_uid, int, is_deleting, name, namespace, owner_ref, pod_from_template,
    pod_ready, template_hash, uid,
};

pub fn reconcile(ctx: &mut Ctx) {
    let res = ctx.kinds.statefulsets.clone();
    for sts in ctx.store.list(&res, None, |s| !is_deleting(s)) {
        sync(ctx, &sts);
    }
}

fn ordinal(sts_name: &str, pod: &Value) -> Option<i64> {
    name(pod)
        .strip_prefix(sts_name)?
        .strip_prefix('-')?
        .parse()
        .ok()
}

fn sync(ctx: &mut Ctx, sts: &Value) {
    let pods_res = ctx.kinds.pods.clone();
    let ns = namespace(sts).to_string();
    let sts_name = name(sts).to_string();
    let want = int(&sts["spec"]["replicas"]).max(0);
    let revision = format!("{sts_name}-{}", template_hash(&sts["spec"]["template"]));
    ensure_controller_revision(ctx, sts, &revision);
    let ordered = sts["spec"]["podManagementPolicy"] != "Parallel";
    let pods = owned_pods(ctx, sts);
    let mut by_ordinal: Vec<(i64, &Value)> = pods
        .iter()
        .filter_map(|p| Some((ordinal(&sts_name, p)?, &**p)))
        .collect();
    by_ordinal.sort_by_key(|(o, _)| *o);

    // Create missing ordinals in order.
    for i in 0..want {
        if by_ordinal.iter().any(|(o, _)| *o == i) {
            continue;
        }
        let previous_ready = (0..i).all(|j| {
            by_ordinal
                .iter()
                .any(|(o, p)| *o == j && pod_ready(p) && !is_deleting(p))
        });
        if ordered && !previous_ready {
            break;
        }
        let pod_name = format!("{sts_name}-{i}");
        let mut pod = pod_from_template(
            sts,
            &sts["spec"]["template"],
            &pod_name,
            &[
                ("statefulset.kubernetes.io/pod-name", &pod_name),
                ("controller-revision-hash", &revision),
                ("apps.kubernetes.io/pod-index", &i.to_string()),
            ],
        );
        pod["spec"]["hostname"] = json!(pod_name);
        if let Some(svc) = sts["spec"]["serviceName"].as_str() {
            pod["spec"]["subdomain"] = json!(svc);
        }
        let mut volumes = pod["spec"]["volumes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for claim in sts["spec"]["volumeClaimTemplates"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let claim_name = format!("{}-{pod_name}", name(claim));
            ensure_claim(ctx, sts, claim, &claim_name);
            volumes.retain(|v| v["name"] != claim["metadata"]["name"]);
            volumes.push(
                json!({"name": name(claim), "persistentVolumeClaim": {"claimName": claim_name}}),
            );
        }
        if !volumes.is_empty() {
            pod["spec"]["volumes"] = json!(volumes);
        }
        if ctx.create(&pods_res, &ns, pod).is_ok() {
            ctx.event(
                sts,
                "Normal",
                "SuccessfulCreate",
                "statefulset-controller",
                format!("create Pod {pod_name} in StatefulSet {sts_name} successful"),
            );
        }
        if ordered {
            break;
        }
    }
    // Scale down from the highest ordinal, one at a time when ordered.
    for (o, p) in by_ordinal.iter().rev() {
        if *o >= want && !is_deleting(p) {
            ctx.delete(&pods_res, p);
            ctx.event(
                sts,
                "Normal",
                "SuccessfulDelete",
                "statefulset-controller",
                format!(
                    "delete Pod {} in StatefulSet {sts_name} successful",
                    name(p)
                ),
            );
            if ordered {
                break;
            }
        }
    }
    // Rolling update: replace the highest-ordinal pod on an old revision once all are ready.
    let all_ready = by_ordinal.len() as i64 == want
        && by_ordinal
            .iter()
            .all(|(_, p)| pod_ready(p) && !is_deleting(p));
    if all_ready
        && let Some((_, stale)) = by_ordinal.iter().rev().find(|(_, p)| {
            p["metadata"]["labels"]["controller-revision-hash"].as_str() != Some(revision.as_str())
        })
    {
        ctx.delete(&pods_res, stale);
    }

    let pods = owned_pods(ctx, sts);
    let live: Vec<&Value> = pods
        .iter()
        .filter(|p| !is_deleting(p))
        .map(|p| &**p)
        .collect();
    let ready = live.iter().filter(|p| pod_ready(p)).count() as i64;
    let updated = live
        .iter()
        .filter(|p| {
            p["metadata"]["labels"]["controller-revision-hash"].as_str() == Some(revision.as_str())
        })
        .count() as i64;
    let current_revision = if updated == live.len() as i64 {
        revision.clone()
    } else {
        sts["status"]["currentRevision"]
            .as_str()
            .unwrap_or(&revision)
            .to_string()
    };
    let status = json!({
        "observedGeneration": sts["metadata"]["generation"],
        "replicas": live.len(),
        "readyReplicas": ready,
        "currentReplicas": if current_revision == revision { updated } else { live.len() as i64 - updated },
        "updatedReplicas": updated,
        "availableReplicas": ready,
        "currentRevision": current_revision,
        "updateRevision": revision,
        "collisionCount": 0,
    });
    if !same_status(&sts["status"], &status) {
        let res = ctx.kinds.statefulsets.clone();
        let _ = ctx.update(&res, sts, |s| {
            let mut st = status.clone();
            if let Some(m) = st.as_object_mut() {
                m.retain(|k, v| {
                    v.as_i64() != Some(0)
                        || k == "replicas"
                        || k == "collisionCount"
                        || k == "availableReplicas"
                });
            }
            s["status"] = st;
        });
    }
}

fn ensure_claim(ctx: &mut Ctx, sts: &Value, claim: &Value, claim_name: &str) {
    let res = ctx.kinds.pvcs.clone();
    let ns = namespace(sts).to_string();
    if ctx.store.get(&res, &ns, claim_name).is_some() {
        return;
    }
    let mut labels = sts["spec"]["selector"]["matchLabels"].clone();
    if !labels.is_object() {
        labels = json!({});
    }
    let pvc = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": claim_name, "namespace": ns, "labels": labels},
        "spec": claim["spec"],
    });
    let _ = ctx.create(&res, &ns, pvc);
}

/// One ControllerRevision per template, as `kubectl rollout history sts|ds` reads them and `kubectl rollout
/// undo` applies them: `data` is the strategic-merge patch that puts the template back (`$patch: replace`, as
/// the StatefulSet and DaemonSet controllers' `getPatch` write it). A template equal to an older revision's
/// (a rollback) gives that revision the next number instead of a new object, as the controllers do.
pub fn ensure_controller_revision(ctx: &mut Ctx, owner: &Value, revision: &str) {
    let res = ctx.kinds.revisions.clone();
    let ns = namespace(owner).to_string();
    let owner_uid = uid(owner).to_string();
    let n = ctx
        .store
        .list(&res, Some(&ns), |r| {
            controller_uid(r) == Some(owner_uid.as_str())
        })
        .iter()
        .map(|r| int(&r["revision"]))
        .max()
        .unwrap_or(0);
    if let Some(existing) = ctx.store.get(&res, &ns, revision) {
        if int(&existing["revision"]) < n {
            let _ = ctx.update(&res, &existing, |r| r["revision"] = json!(n + 1));
        }
        return;
    }
    let mut template = owner["spec"]["template"].clone();
    template["$patch"] = json!("replace");
    let mut labels = owner["spec"]["selector"]["matchLabels"].clone();
    if !labels.is_object() {
        labels = json!({});
    }
    let cr = json!({
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {"name": revision, "namespace": ns, "labels": labels, "ownerReferences": [owner_ref(owner)]},
        "data": {"spec": {"template": template}},
        "revision": n + 1,
    });
    let _ = ctx.create(&res, &ns, cr);
}
