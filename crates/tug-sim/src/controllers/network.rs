//! Endpoints and their `discovery.k8s.io/v1` EndpointSlice for Services with selectors (ready and not-ready
//! pod addresses, named target ports resolved), and volume binding: a Pending claim gets a dynamically provisioned PersistentVolume and becomes Bound.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{Ctx, fnv1a, is_deleting, name, namespace, pod_ready, safe_encode, uid};
use crate::selectors::LabelSelector;

pub fn reconcile(ctx: &mut Ctx) {
    endpoints(ctx);
    volumes(ctx);
}

fn endpoints(ctx: &mut Ctx) {
    let svc_res = ctx.kinds.services.clone();
    let ep_res = ctx.kinds.endpoints.clone();
    let pods_res = ctx.kinds.pods.clone();
    for svc in ctx.store.list(&svc_res, None, |s| {
        s["spec"]["selector"].is_object() && !is_deleting(s)
    }) {
        let ns = namespace(&svc).to_string();
        let selector = LabelSelector::from_spec(&json!({"matchLabels": svc["spec"]["selector"]}));
        let pods: Vec<Arc<Value>> = ctx.store.list(&pods_res, Some(&ns), |p| {
            selector.matches(p) && p["status"]["podIP"].is_string() && !is_deleting(p)
        });
        let address = |p: &Value| {
            json!({"ip": p["status"]["podIP"], "nodeName": p["spec"]["nodeName"],
                   "targetRef": {"kind": "Pod", "namespace": ns, "name": name(p), "uid": uid(p)}})
        };
        let mut ready: Vec<Value> = pods
            .iter()
            .filter(|p| pod_ready(p))
            .map(|p| address(p))
            .collect();
        let mut not_ready: Vec<Value> = pods
            .iter()
            .filter(|p| !pod_ready(p))
            .map(|p| address(p))
            .collect();
        ready.sort_by(|a, b| a["ip"].as_str().cmp(&b["ip"].as_str()));
        not_ready.sort_by(|a, b| a["ip"].as_str().cmp(&b["ip"].as_str()));
        let ports: Vec<Value> = svc["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                let target = match &p["targetPort"] {
                    Value::String(named) => pods
                        .first()
                        .and_then(|pod| named_port(pod, named))
                        .unwrap_or_else(|| p["port"].as_i64().unwrap_or(0)),
                    Value::Number(n) => n.as_i64().unwrap_or(0),
                    _ => p["port"].as_i64().unwrap_or(0),
                };
                let mut port =
                    json!({"port": target, "protocol": p["protocol"].as_str().unwrap_or("TCP")});
                if let Some(n) = p["name"].as_str() {
                    port["name"] = json!(n);
                }
                port
            })
            .collect();
        endpoint_slice(ctx, &svc, &pods, &ports);
        let mut subset = json!({});
        if !ready.is_empty() {
            subset["addresses"] = json!(ready);
        }
        if !not_ready.is_empty() {
            subset["notReadyAddresses"] = json!(not_ready);
        }
        let subsets = if ready.is_empty() && not_ready.is_empty() {
            json!(null)
        } else {
            subset["ports"] = json!(ports);
            json!([subset])
        };
        let labels = svc["metadata"]["labels"].clone();
        match ctx.store.get(&ep_res, &ns, name(&svc)) {
            None => {
                let mut ep = json!({"apiVersion": "v1", "kind": "Endpoints",
                                     "metadata": {"name": name(&svc), "namespace": ns}});
                if labels.is_object() {
                    ep["metadata"]["labels"] = labels;
                }
                if !subsets.is_null() {
                    ep["subsets"] = subsets;
                }
                let _ = ctx.create(&ep_res, &ns, ep);
            }
            Some(ep) if ep["subsets"] != subsets => {
                let _ = ctx.update(&ep_res, &ep, |e| match e.as_object_mut() {
                    Some(m) if subsets.is_null() => {
                        m.remove("subsets");
                    }
                    _ => e["subsets"] = subsets,
                });
            }
            Some(_) => {}
        }
    }
}

/// The one EndpointSlice the endpointslice controller keeps per Service (the sim never needs more than the
/// 100 endpoints a slice holds), named `<service>-<hash of its uid>` and owned by the Service.
fn endpoint_slice(ctx: &mut Ctx, svc: &Value, pods: &[Arc<Value>], ports: &[Value]) {
    let res = ctx.kinds.endpoint_slices.clone();
    let ns = namespace(svc).to_string();
    let slice_name = format!(
        "{}-{}",
        name(svc),
        safe_encode(fnv1a(uid(svc).as_bytes()), 5)
    );
    let mut endpoints: Vec<Value> = pods
        .iter()
        .map(|p| {
            let ready = pod_ready(p);
            json!({"addresses": [p["status"]["podIP"]],
                   "conditions": {"ready": ready, "serving": ready, "terminating": false},
                   "nodeName": p["spec"]["nodeName"],
                   "targetRef": {"kind": "Pod", "namespace": ns, "name": name(p), "uid": uid(p)}})
        })
        .collect();
    endpoints.sort_by(|a, b| a["addresses"][0].as_str().cmp(&b["addresses"][0].as_str()));
    let endpoints = if endpoints.is_empty() {
        Value::Null
    } else {
        json!(endpoints)
    };
    let ports = if ports.is_empty() {
        Value::Null
    } else {
        json!(ports)
    };
    match ctx.store.get(&res, &ns, &slice_name) {
        None => {
            let mut slice = json!({
                "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"name": slice_name, "namespace": ns,
                             "labels": {"kubernetes.io/service-name": name(svc),
                                        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"},
                             "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": name(svc),
                                                  "uid": uid(svc), "controller": true, "blockOwnerDeletion": true}]},
                "addressType": "IPv4",
            });
            if !endpoints.is_null() {
                slice["endpoints"] = endpoints;
            }
            if !ports.is_null() {
                slice["ports"] = ports;
            }
            let _ = ctx.create(&res, &ns, slice);
        }
        Some(cur) if cur["endpoints"] != endpoints || cur["ports"] != ports => {
            let _ = ctx.update(&res, &cur, |s| {
                for (field, value) in [("endpoints", endpoints), ("ports", ports)] {
                    match s.as_object_mut() {
                        Some(m) if value.is_null() => {
                            m.remove(field);
                        }
                        _ => s[field] = value,
                    }
                }
            });
        }
        Some(_) => {}
    }
}

fn named_port(pod: &Value, named: &str) -> Option<i64> {
    pod["spec"]["containers"]
        .as_array()?
        .iter()
        .flat_map(|c| c["ports"].as_array().into_iter().flatten())
        .find(|p| p["name"].as_str() == Some(named))
        .and_then(|p| p["containerPort"].as_i64())
}

fn volumes(ctx: &mut Ctx) {
    let pvc_res = ctx.kinds.pvcs.clone();
    let pv_res = ctx.kinds.pvs.clone();
    let classes = ctx
        .store
        .registry()
        .preferred("storage.k8s.io", "storageclasses");
    for pvc in ctx.store.list(&pvc_res, None, |c| {
        c["status"]["phase"] != "Bound" && !is_deleting(c)
    }) {
        // A claim naming a StorageClass that does not exist stays Pending, as the PV controller leaves it.
        let missing_class = pvc["spec"]["storageClassName"]
            .as_str()
            .zip(classes.as_ref())
            .filter(|(class, res)| ctx.store.get(res, "", class).is_none())
            .map(|(class, _)| class.to_string());
        if let Some(class) = missing_class {
            // Reported once per claim (the real controller repeats it; a repeat here would be a write per pass).
            let claim_uid = uid(&pvc).to_string();
            let reported = !ctx
                .store
                .list(&ctx.kinds.events, Some(namespace(&pvc)), |e| {
                    e["involvedObject"]["uid"] == claim_uid.as_str()
                        && e["reason"] == "ProvisioningFailed"
                })
                .is_empty();
            if pvc["status"]["phase"] != "Pending" {
                let _ = ctx.update(&pvc_res, &pvc, |c| {
                    c["status"] = json!({"phase": "Pending"})
                });
            }
            if !reported {
                ctx.event(
                    &pvc,
                    "Warning",
                    "ProvisioningFailed",
                    "persistentvolume-controller",
                    format!("storageclass.storage.k8s.io \"{class}\" not found"),
                );
            }
            continue;
        }
        let pv_name = format!("pvc-{}", uid(&pvc));
        let storage = pvc["spec"]["resources"]["requests"]["storage"].clone();
        let class = pvc["spec"]["storageClassName"]
            .as_str()
            .unwrap_or("standard")
            .to_string();
        if ctx.store.get(&pv_res, "", &pv_name).is_none() {
            let pv = json!({
                "apiVersion": "v1",
                "kind": "PersistentVolume",
                "metadata": {"name": pv_name, "annotations": {"pv.kubernetes.io/provisioned-by": "rancher.io/local-path"}},
                "spec": {
                    "capacity": {"storage": storage},
                    "accessModes": pvc["spec"]["accessModes"],
                    "persistentVolumeReclaimPolicy": "Delete",
                    "storageClassName": class,
                    "volumeMode": "Filesystem",
                    "hostPath": {"path": format!("/var/lib/sim-storage/{pv_name}"), "type": "DirectoryOrCreate"},
                    "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": name(&pvc),
                                 "namespace": namespace(&pvc), "uid": uid(&pvc)},
                },
                "status": {"phase": "Bound"},
            });
            if ctx.create(&pv_res, "", pv).is_err() {
                continue;
            }
        }
        let (access, cap) = (pvc["spec"]["accessModes"].clone(), storage.clone());
        let bound = ctx.update(&pvc_res, &pvc, |c| {
            c["spec"]["volumeName"] = json!(pv_name);
            c["spec"]["storageClassName"] = json!(class);
            c["status"] =
                json!({"phase": "Bound", "accessModes": access, "capacity": {"storage": cap}});
        });
        if let Ok(c) = bound {
            ctx.event(
                &c,
                "Normal",
                "ProvisioningSucceeded",
                "rancher.io/local-path",
                format!("Successfully provisioned volume {pv_name}"),
            );
        }
    }
}
