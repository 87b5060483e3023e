//! The ReplicaSet controller: keeps `spec.replicas` pods alive, named `<rs>-<suffix>`, deleting the least
//! useful ones first when scaling down; reports replicas / ready / available.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{
    Ctx, controller_uid, int, is_deleting, name, namespace, pod_active, pod_from_template,
    pod_ready, uid,
};

pub fn reconcile(ctx: &mut Ctx) {
    let res = ctx.kinds.replicasets.clone();
    for rs in ctx.store.list(&res, None, |rs| !is_deleting(rs)) {
        sync(ctx, &rs);
    }
}

/// Pods controlled by `owner` in its namespace.
pub fn owned_pods(ctx: &Ctx, owner: &Value) -> Vec<Arc<Value>> {
    let (owner_uid, ns) = (uid(owner), namespace(owner));
    ctx.pods_in(super::POD_OWNER, owner_uid, |p| {
        namespace(p) == ns && controller_uid(p) == Some(owner_uid)
    })
}

fn sync(ctx: &mut Ctx, rs: &Value) {
    let pods_res = ctx.kinds.pods.clone();
    let desired = int(&rs["spec"]["replicas"]).max(0) as usize;
    let pods = owned_pods(ctx, rs);
    let mut active: Vec<&Arc<Value>> = pods.iter().filter(|p| pod_active(p)).collect();
    let rs_name = name(rs).to_string();
    let ns = namespace(rs).to_string();
    if active.len() < desired {
        for _ in active.len()..desired {
            let pod_name = loop {
                let candidate =
                    format!("{rs_name}-{}", ctx.child_suffix(&format!("{ns}/{rs_name}")));
                if ctx.store.get(&pods_res, &ns, &candidate).is_none() {
                    break candidate;
                }
            };
            let mut pod = pod_from_template(rs, &rs["spec"]["template"], &pod_name, &[]);
            pod["metadata"]["generateName"] = json!(format!("{rs_name}-"));
            match ctx.create(&pods_res, &ns, pod) {
                Ok(_) => ctx.event(
                    rs,
                    "Normal",
                    "SuccessfulCreate",
                    "replicaset-controller",
                    format!("Created pod: {pod_name}"),
                ),
                Err(e) => {
                    ctx.event(
                        rs,
                        "Warning",
                        "FailedCreate",
                        "replicaset-controller",
                        format!("Error creating: {}", e.message),
                    );
                    break;
                }
            }
        }
    } else if active.len() > desired {
        // Least useful first: unscheduled, then pending, then not ready, then the newest.
        active.sort_by_key(|p| {
            let rank = if !p["spec"]["nodeName"].is_string() {
                0
            } else if p["status"]["phase"] == "Pending" {
                1
            } else if !pod_ready(p) {
                2
            } else {
                3
            };
            let created = p["metadata"]["creationTimestamp"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (rank, std::cmp::Reverse(created), name(p).to_string())
        });
        let excess = active.len() - desired;
        for p in active.into_iter().take(excess) {
            ctx.delete(&pods_res, p);
            ctx.event(
                rs,
                "Normal",
                "SuccessfulDelete",
                "replicaset-controller",
                format!("Deleted pod: {}", name(p)),
            );
        }
    }
    let pods = owned_pods(ctx, rs);
    let active: Vec<&Arc<Value>> = pods.iter().filter(|p| pod_active(p)).collect();
    let ready = active.iter().filter(|p| pod_ready(p)).count();
    let status = json!({
        "replicas": active.len(),
        "fullyLabeledReplicas": active.len(),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "observedGeneration": rs["metadata"]["generation"],
    });
    if !same_status(&rs["status"], &status) {
        let res = ctx.kinds.replicasets.clone();
        let _ = ctx.update(&res, rs, |r| {
            let mut s = status.clone();
            // The API omits zero counts.
            if let Some(m) = s.as_object_mut() {
                m.retain(|k, v| k == "replicas" || v.as_i64() != Some(0));
            }
            r["status"] = s;
        });
    }
}

/// Status equality treating an omitted count as zero.
pub fn same_status(old: &Value, new: &Value) -> bool {
    new.as_object()
        .into_iter()
        .flatten()
        .all(|(k, v)| old[k] == *v || (old[k].is_null() && v.as_i64() == Some(0)))
}
