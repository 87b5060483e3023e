//! The DaemonSet controller: one pod per eligible node (nodeSelector, taints), bound directly to its node,
//! replaced node by node when the template changes; status counts as `kubectl get ds` shows them.

use serde_json::{Value, json};

use super::replicaset::{owned_pods, same_status};
use super::scheduler::node_fits;
use super::statefulset::ensure_controller_revision;
use super::{Ctx, is_deleting, name, namespace, pod_from_template, pod_ready, template_hash};

pub fn reconcile(ctx: &mut Ctx) {
    let res = ctx.kinds.daemonsets.clone();
    for ds in ctx.store.list(&res, None, |d| !is_deleting(d)) {
        sync(ctx, &ds);
    }
}

fn sync(ctx: &mut Ctx, ds: &Value) {
    let pods_res = ctx.kinds.pods.clone();
    let ns = namespace(ds).to_string();
    let ds_name = name(ds).to_string();
    let hash = template_hash(&ds["spec"]["template"]);
    ensure_controller_revision(ctx, ds, &format!("{ds_name}-{hash}"));
    let probe = json!({"spec": ds["spec"]["template"]["spec"]});
    let nodes: Vec<String> = ctx
        .store
        .list(&ctx.kinds.nodes, None, |n| node_fits(n, &probe))
        .iter()
        .map(|n| name(n).to_string())
        .collect();
    let pods = owned_pods(ctx, ds);
    for node in &nodes {
        let on_node: Vec<&Value> = pods
            .iter()
            .filter(|p| p["spec"]["nodeName"].as_str() == Some(node.as_str()))
            .map(|p| &**p)
            .collect();
        let live: Vec<&&Value> = on_node.iter().filter(|p| !is_deleting(p)).collect();
        match live.first() {
            None if on_node.is_empty() => {
                let pod_name =
                    format!("{ds_name}-{}", ctx.child_suffix(&format!("{ns}/{ds_name}")));
                let mut pod = pod_from_template(
                    ds,
                    &ds["spec"]["template"],
                    &pod_name,
                    &[("controller-revision-hash", &hash)],
                );
                pod["spec"]["nodeName"] = json!(node);
                pod["metadata"]["generateName"] = json!(format!("{ds_name}-"));
                if ctx.create(&pods_res, &ns, pod).is_ok() {
                    ctx.event(
                        ds,
                        "Normal",
                        "SuccessfulCreate",
                        "daemonset-controller",
                        format!("Created pod: {pod_name}"),
                    );
                }
            }
            Some(p)
                if p["metadata"]["labels"]["controller-revision-hash"].as_str()
                    != Some(hash.as_str()) =>
            {
                ctx.delete(&pods_res, p);
            }
            _ => {}
        }
    }
    for p in pods.iter().filter(|p| !is_deleting(p)) {
        if !p["spec"]["nodeName"]
            .as_str()
            .is_some_and(|n| nodes.iter().any(|x| x == n))
        {
            ctx.delete(&pods_res, p);
        }
    }
    let pods = owned_pods(ctx, ds);
    let live: Vec<&Value> = pods
        .iter()
        .filter(|p| !is_deleting(p))
        .map(|p| &**p)
        .collect();
    let ready = live.iter().filter(|p| pod_ready(p)).count();
    let updated = live
        .iter()
        .filter(|p| {
            p["metadata"]["labels"]["controller-revision-hash"].as_str() == Some(hash.as_str())
        })
        .count();
    let status = json!({
        "currentNumberScheduled": live.len(),
        "desiredNumberScheduled": nodes.len(),
        "numberMisscheduled": 0,
        "numberReady": ready,
        "numberAvailable": ready,
        "updatedNumberScheduled": updated,
        "observedGeneration": ds["metadata"]["generation"],
    });
    if !same_status(&ds["status"], &status) {
        let res = ctx.kinds.daemonsets.clone();
        let _ = ctx.update(&res, ds, |d| d["status"] = status);
    }
}
