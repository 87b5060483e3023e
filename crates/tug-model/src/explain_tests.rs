use serde_json::{Value, json};

use super::*;

fn now() -> jiff::Timestamp {
    "2026-01-01T12:00:00Z".parse().unwrap()
}

fn pod_target(name: &str) -> Target {
    Target::object("", "pods", "Pod", "shop", name)
}

fn snapshot(pods: Vec<Value>) -> Snapshot {
    let mut s = Snapshot::default();
    s.insert("", "pods", pods);
    s.insert(
        "",
        "nodes",
        vec![json!({"metadata": {"name": "n1", "labels": {"kubernetes.io/os": "linux"}}})],
    );
    s
}

fn crashing(name: &str, reason: &str, code: i64) -> Value {
    json!({"metadata": {"name": name, "namespace": "shop"},
           "spec": {"containers": [{"name": "app", "resources": {"limits": {"memory": "256Mi"}}}]},
           "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
                      "containerStatuses": [{"name": "app", "restartCount": 4, "ready": false,
                          "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 20s"}},
                          "lastState": {"terminated": {"reason": reason, "exitCode": code,
                                                       "finishedAt": "2026-01-01T11:59:00Z"}}}]}})
}

#[test]
fn a_crash_loop_quotes_the_exit_code_and_the_previous_log() {
    let snap = snapshot(vec![crashing("payments", "Error", 1)]);
    let logs = vec![(
        ("payments".to_string(), "app".to_string()),
        vec!["panic: connection refused".to_string()],
    )];
    let events = vec![
        json!({"involvedObject": {"kind": "Pod", "name": "payments"}, "type": "Warning",
        "reason": "BackOff", "message": "Back-off restarting failed container app", "count": 9}),
    ];
    let ev = Evidence {
        events: &events,
        previous_logs: &logs,
    };
    let found = explain(&snap, &pod_target("payments"), &ev, now());
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert_eq!(f.status, "CrashLoopBackOff");
    let text = f.evidence.join("\n");
    assert!(text.contains("exit code 1"), "{text}");
    assert!(text.contains("| panic: connection refused"), "{text}");
    assert!(
        text.contains("event BackOff: Back-off restarting failed container app (×9)"),
        "{text}"
    );
    assert_eq!(f.next[0].container.as_deref(), Some("app"));
}

#[test]
fn an_oom_kill_shows_the_limit_and_no_usage_without_metrics() {
    let snap = snapshot(vec![crashing("renderer", "OOMKilled", 137)]);
    let found = explain(&snap, &pod_target("renderer"), &Evidence::default(), now());
    assert_eq!(found[0].status, "OOMKilled");
    let text = found[0].evidence.join("\n");
    assert!(text.contains("exit code 137"), "{text}");
    assert!(
        text.contains("memory limit 256Mi, last usage n/a"),
        "{text}"
    );
}

#[test]
fn an_unschedulable_pod_quotes_the_scheduler_and_the_selector_that_does_not_fit() {
    let pod = json!({"metadata": {"name": "gpu-worker", "namespace": "shop"},
        "spec": {"nodeSelector": {"accelerator": "nvidia-h100"},
                 "containers": [{"name": "w", "resources": {"requests": {"cpu": "2"}}}]},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable",
            "message": "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."}]}});
    let found = explain(
        &snapshot(vec![pod]),
        &pod_target("gpu-worker"),
        &Evidence::default(),
        now(),
    );
    let text = found[0].evidence.join("\n");
    assert!(
        text.contains("didn't match Pod's node affinity/selector"),
        "{text}"
    );
    assert!(
        text.contains("nodeSelector accelerator=nvidia-h100: 0 of 1 nodes"),
        "{text}"
    );
    assert!(text.contains("requests cpu 2"), "{text}");
}

#[test]
fn a_stalled_rollout_diagnoses_the_new_replicasets_pods() {
    let mut snap = snapshot(vec![json!({
        "metadata": {"name": "checkout-new-x", "namespace": "shop",
                     "ownerReferences": [{"uid": "rs2", "kind": "ReplicaSet", "name": "checkout-new", "controller": true}]},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Pending", "containerStatuses": [{"name": "app", "image": "checkout:3.2.0",
            "ready": false, "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}})]);
    snap.insert("apps", "deployments", vec![json!({"metadata": {"name": "checkout", "namespace": "shop", "uid": "d1"},
        "spec": {"replicas": 2}, "status": {"readyReplicas": 2, "updatedReplicas": 1, "conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
             "message": "ReplicaSet \"checkout-new\" has timed out progressing."}]}})]);
    snap.insert(
        "apps",
        "replicasets",
        vec![
            json!({"metadata": {"name": "checkout-new", "namespace": "shop",
        "uid": "rs2", "ownerReferences": [{"uid": "d1"}]}}),
        ],
    );
    let target = Target::object("apps", "deployments", "Deployment", "shop", "checkout");
    let found = explain(&snap, &target, &Evidence::default(), now());
    assert_eq!(found[0].status, "ProgressDeadlineExceeded");
    assert!(
        found[0]
            .evidence
            .join("\n")
            .contains("new ReplicaSet checkout-new: 1 of 1 pods unavailable")
    );
    assert_eq!(found[1].status, "ImagePullBackOff");
    assert_eq!(found[1].subject.name, "checkout-new-x");
}

#[test]
fn a_service_without_pods_and_a_claim_without_a_class() {
    let mut snap = snapshot(vec![]);
    snap.insert(
        "",
        "services",
        vec![json!({"metadata": {"name": "legacy", "namespace": "shop"},
        "spec": {"selector": {"app": "legacy"}}})],
    );
    snap.insert(
        "",
        "persistentvolumeclaims",
        vec![json!({"metadata": {"name": "uploads", "namespace": "shop"},
        "spec": {"storageClassName": "fast-ssd"}, "status": {"phase": "Pending"}})],
    );
    snap.insert(
        "storage.k8s.io",
        "storageclasses",
        vec![json!({"metadata": {"name": "standard"}})],
    );
    let svc = Target::object("", "services", "Service", "shop", "legacy");
    let found = explain(&snap, &svc, &Evidence::default(), now());
    assert_eq!(found[0].title, "the selector matches no pods");
    let pvc = Target::object(
        "",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        "shop",
        "uploads",
    );
    let found = explain(&snap, &pvc, &Evidence::default(), now());
    assert!(
        found[0]
            .evidence
            .contains(&"StorageClass fast-ssd does not exist".to_string())
    );
}

#[test]
fn a_healthy_pod_has_no_problem() {
    let pod = json!({"metadata": {"name": "ok", "namespace": "shop"}, "spec": {"containers": [{"name": "a"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": "a", "ready": true, "state": {"running": {}}}]}});
    let found = explain(
        &snapshot(vec![pod]),
        &pod_target("ok"),
        &Evidence::default(),
        now(),
    );
    assert_eq!(found.len(), 1);
    assert!(
        found[0].title.starts_with("no problem found"),
        "{}",
        found[0].title
    );
}
