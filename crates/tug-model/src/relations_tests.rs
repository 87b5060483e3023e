use serde_json::{Value, json};

use super::*;

fn now() -> jiff::Timestamp {
    "2026-01-01T12:00:00Z".parse().unwrap()
}

fn meta(kind: &str, ns: &str, name: &str, uid: &str) -> Value {
    json!({"kind": kind, "metadata": {"name": name, "namespace": ns, "uid": uid}})
}

fn owned(mut obj: Value, owner_kind: &str, owner: &str, owner_uid: &str) -> Value {
    obj["metadata"]["ownerReferences"] =
        json!([{"kind": owner_kind, "name": owner, "uid": owner_uid, "controller": true}]);
    obj
}

/// frontend (Deployment) → frontend-1 (ReplicaSet) → frontend-1-a (Pod), a Service and an Ingress over it,
/// a PVC bound to a PV, an old ReplicaSet at zero, and a pod of another app.
fn fixture() -> Snapshot {
    let mut deploy = meta("Deployment", "shop", "frontend", "d1");
    deploy["spec"] = json!({"replicas": 1, "selector": {"matchLabels": {"app": "frontend"}},
        "template": {"metadata": {"labels": {"app": "frontend"}},
                     "spec": {"volumes": [{"name": "c", "configMap": {"name": "frontend-config"}}],
                              "containers": [{"name": "nginx"}]}}});
    deploy["status"] = json!({"readyReplicas": 1});
    let mut rs = owned(
        meta("ReplicaSet", "shop", "frontend-1", "r1"),
        "Deployment",
        "frontend",
        "d1",
    );
    rs["spec"] = json!({"replicas": 1});
    let mut old = owned(
        meta("ReplicaSet", "shop", "frontend-0", "r0"),
        "Deployment",
        "frontend",
        "d1",
    );
    old["spec"] = json!({"replicas": 0});
    let mut pod = owned(
        meta("Pod", "shop", "frontend-1-a", "p1"),
        "ReplicaSet",
        "frontend-1",
        "r1",
    );
    pod["metadata"]["labels"] = json!({"app": "frontend"});
    pod["spec"] = json!({
        "nodeName": "worker",
        "serviceAccountName": "web",
        "imagePullSecrets": [{"name": "regcred"}],
        "volumes": [{"name": "c", "configMap": {"name": "frontend-config"}},
                    {"name": "data", "persistentVolumeClaim": {"claimName": "uploads"}},
                    {"name": "p", "projected": {"sources": [{"secret": {"name": "projected-secret"}}]}}],
        "containers": [{"name": "nginx", "image": "nginx:1.27",
                        "env": [{"name": "K", "valueFrom": {"secretKeyRef": {"name": "api-key", "key": "k"}}}],
                        "envFrom": [{"configMapRef": {"name": "env-config"}}]}],
    });
    pod["status"] = json!({"phase": "Running",
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [{"name": "nginx", "ready": true, "restartCount": 0, "state": {"running": {}}}]});
    let mut other = meta("Pod", "shop", "backend-x", "p2");
    other["metadata"]["labels"] = json!({"app": "backend"});
    other["spec"] = json!({"containers": [{"name": "app"}]});
    let mut svc = meta("Service", "shop", "frontend", "s1");
    svc["spec"] = json!({"selector": {"app": "frontend"}, "ports": [{"port": 80}]});
    let mut ing = meta("Ingress", "shop", "shop", "i1");
    ing["spec"] = json!({"tls": [{"secretName": "shop-tls"}],
        "rules": [{"http": {"paths": [{"backend": {"service": {"name": "frontend"}}}]}}]});
    let mut pvc = meta("PersistentVolumeClaim", "shop", "uploads", "c1");
    pvc["spec"] = json!({"volumeName": "pv-1", "storageClassName": "standard"});
    pvc["status"] = json!({"phase": "Bound"});
    let mut node = meta("Node", "", "worker", "n1");
    node["status"] = json!({"conditions": [{"type": "Ready", "status": "True"}]});
    let mut snap = Snapshot::default();
    snap.insert("apps", "deployments", vec![deploy]);
    snap.insert("apps", "replicasets", vec![rs, old]);
    snap.insert("", "pods", vec![pod, other]);
    snap.insert("", "services", vec![svc]);
    snap.insert("networking.k8s.io", "ingresses", vec![ing]);
    snap.insert("", "persistentvolumeclaims", vec![pvc]);
    snap.insert("", "nodes", vec![node]);
    snap
}

fn labels(nodes: &[Node]) -> Vec<String> {
    flatten(nodes, &|_| false)
        .iter()
        .map(|(d, n)| {
            let name = n.target.container.as_deref().unwrap_or(&n.target.name);
            format!("{}{} {}", "  ".repeat(*d), n.target.kind, name)
        })
        .collect()
}

#[test]
fn a_deployment_tree_holds_its_replicaset_pods_containers_references_service_and_ingress() {
    let tree = tree(&fixture(), "apps", "deployments", now());
    assert_eq!(
        labels(&tree),
        [
            "Deployment frontend",
            "  ReplicaSet frontend-1",
            "    Pod frontend-1-a",
            "      Container nginx",
            "      ConfigMap frontend-config",
            "      ConfigMap env-config",
            "      Secret projected-secret",
            "      Secret api-key",
            "      Secret regcred",
            "      PersistentVolumeClaim uploads",
            "        PersistentVolume pv-1",
            "      ServiceAccount web",
            "      Node worker",
            "  Service frontend",
            "    Ingress shop",
            "      Secret shop-tls",
        ]
    );
    let pod = &tree[0].children[0].children[0];
    assert_eq!(pod.status, "Running");
    assert_eq!(pod.children[0].target.container.as_deref(), Some("nginx"));
}

#[test]
fn a_collapsed_node_hides_its_children() {
    let tree = tree(&fixture(), "apps", "deployments", now());
    let rs = tree[0].children[0].target.clone();
    let shown = flatten(&tree, &|t| *t == rs);
    assert_eq!(
        shown.len(),
        5,
        "deployment, replicaset, service, ingress, tls secret"
    );
}

#[test]
fn a_reference_missing_from_a_listed_kind_is_flagged() {
    let mut snap = fixture();
    snap.insert("", "persistentvolumeclaims", vec![]);
    let tree = tree(&snap, "apps", "deployments", now());
    let pvc = flatten(&tree, &|_| false)
        .into_iter()
        .find(|(_, n)| n.target.kind == "PersistentVolumeClaim")
        .unwrap()
        .1;
    assert_eq!(pvc.status, "Missing");
    assert_eq!(pvc.health, Health::Bad);
}

#[test]
fn a_service_tree_lists_the_pods_its_selector_picks() {
    let tree = tree(&fixture(), "", "services", now());
    let names = labels(&tree);
    assert!(
        names.contains(&"  Pod frontend-1-a".to_string()),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("backend-x")), "{names:?}");
}

#[test]
fn a_custom_resource_root_holds_what_it_owns() {
    let mut snap = fixture();
    let backup = meta("Backup", "shop", "nightly", "b1");
    let job = owned(
        meta("Job", "shop", "nightly-1", "j1"),
        "Backup",
        "nightly",
        "b1",
    );
    snap.insert("shop.example.com", "backups", vec![backup]);
    snap.insert("batch", "jobs", vec![job]);
    let tree = tree(&snap, "shop.example.com", "backups", now());
    assert_eq!(labels(&tree), ["Backup nightly", "  Job nightly-1"]);
}

#[test]
fn used_by_lists_the_pods_and_workloads_that_mount_or_read_a_secret() {
    let snap = fixture();
    let users = |plural: &str, name: &str| -> Vec<String> {
        let target = Target::object("", plural, "", "shop", name);
        used_by(&snap, &target, now())
            .into_iter()
            .map(|n| format!("{} {}", n.target.kind, n.target.name))
            .collect()
    };
    assert_eq!(users("secrets", "api-key"), ["Pod frontend-1-a"]);
    assert_eq!(users("secrets", "shop-tls"), ["Ingress shop"]);
    assert_eq!(
        users("configmaps", "frontend-config"),
        ["Pod frontend-1-a", "Deployment frontend"]
    );
    assert_eq!(
        users("persistentvolumeclaims", "uploads"),
        ["Pod frontend-1-a"]
    );
    assert_eq!(users("services", "frontend"), ["Ingress shop"]);
    assert!(users("secrets", "unused").is_empty());
    let node = Target::object("", "nodes", "Node", "", "worker");
    assert_eq!(used_by(&snap, &node, now()).len(), 1);
}

#[test]
fn label_selectors_honour_expressions() {
    let labels = json!({"app": "web", "tier": "front"});
    let sel = json!({"matchLabels": {"app": "web"},
                     "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "edge"]},
                                          {"key": "canary", "operator": "DoesNotExist"}]});
    assert!(LabelSelector::new(&sel).matches(&labels));
    let sel =
        json!({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]});
    assert!(!LabelSelector::new(&sel).matches(&labels));
    assert!(
        LabelSelector::new(&json!({})).matches(&labels),
        "empty selects all"
    );
    assert!(
        !LabelSelector::new(&Value::Null).matches(&labels),
        "missing selects none"
    );
}
