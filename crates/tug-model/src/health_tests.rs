use serde_json::{Value, json};

use super::*;

fn now() -> jiff::Timestamp {
    "2026-01-01T12:00:00Z".parse().unwrap()
}

fn pod(name: &str, status: Value) -> Value {
    json!({"kind": "Pod", "metadata": {"name": name, "namespace": "shop",
           "creationTimestamp": "2026-01-01T11:00:00Z"},
           "spec": {"containers": [{"name": "app", "image": "app:1"}]}, "status": status})
}

fn running(ready: bool) -> Value {
    json!({"phase": "Running", "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}],
           "containerStatuses": [{"name": "app", "ready": ready, "restartCount": 0, "state": {"running": {}}}]})
}

fn snapshot(pods: Vec<Value>) -> Snapshot {
    let mut s = Snapshot::default();
    s.insert("", "pods", pods);
    s
}

fn problem_names(snap: &Snapshot) -> Vec<(String, String)> {
    problems(snap, now())
        .into_iter()
        .map(|p| (p.target.name, p.status))
        .collect()
}

#[test]
fn a_crash_looping_pod_reports_its_last_exit() {
    let p = pod(
        "payments",
        json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
        "containerStatuses": [{"name": "app", "ready": false, "restartCount": 7,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-01-01T11:59:00Z"}}}]}),
    );
    let found = problems(&snapshot(vec![p]), now());
    assert_eq!(found[0].status, "CrashLoopBackOff");
    assert!(
        found[0].reason.contains("last exit 1 (Error)"),
        "{}",
        found[0].reason
    );
    assert_eq!(found[0].since.as_deref(), Some("2026-01-01T11:59:00Z"));
}

#[test]
fn an_oom_killed_container_is_named_as_such() {
    let p = pod(
        "renderer",
        json!({"phase": "Running",
        "containerStatuses": [{"name": "app", "ready": false, "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}),
    );
    let found = problems(&snapshot(vec![p]), now());
    assert_eq!(found[0].status, "OOMKilled");
    assert!(found[0].reason.contains("137"));
}

#[test]
fn pending_is_a_problem_after_a_minute_or_when_unschedulable() {
    let mut young = pod("young", json!({"phase": "Pending"}));
    young["metadata"]["creationTimestamp"] = json!("2026-01-01T11:59:30Z");
    let old = pod("old", json!({"phase": "Pending"}));
    let mut gpu = pod(
        "gpu",
        json!({"phase": "Pending", "conditions": [{"type": "PodScheduled",
        "status": "False", "reason": "Unschedulable",
        "message": "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."}]}),
    );
    gpu["metadata"]["creationTimestamp"] = json!("2026-01-01T11:59:50Z");
    let found = problems(&snapshot(vec![young, old, gpu]), now());
    let names: Vec<&str> = found.iter().map(|p| p.target.name.as_str()).collect();
    assert_eq!(names, ["gpu", "old"]);
    assert!(found[0].reason.contains("didn't match"));
}

#[test]
fn healthy_completed_and_not_ready_pods_are_told_apart() {
    let completed = pod("done", json!({"phase": "Succeeded"}));
    let snap = snapshot(vec![
        pod("ok", running(true)),
        pod("unready", running(false)),
        completed,
    ]);
    assert_eq!(
        problem_names(&snap),
        [("unready".into(), "NotReady".into())]
    );
}

#[test]
fn image_pull_failures_name_the_image() {
    let p = pod(
        "checkout",
        json!({"phase": "Pending",
        "containerStatuses": [{"name": "app", "image": "ghcr.io/x:2", "ready": false,
            "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}),
    );
    let found = problems(&snapshot(vec![p]), now());
    assert_eq!(found[0].status, "ImagePullBackOff");
    assert_eq!(found[0].reason, "cannot pull image ghcr.io/x:2");
}

#[test]
fn workloads_stalled_or_short_are_problems_but_not_mid_rollout() {
    let deploy = |name: &str, ready: i64, progressing: Value| {
        // "rolling" has one pod of the new template and old ones beside it.
        let (updated, replicas) = if name == "rolling" { (1, 3) } else { (2, 2) };
        json!({"kind": "Deployment", "metadata": {"name": name, "namespace": "shop"},
               "spec": {"replicas": 2}, "status": {"readyReplicas": ready, "updatedReplicas": updated,
               "replicas": replicas, "conditions": [progressing]}})
    };
    let mut snap = Snapshot::default();
    snap.insert(
        "apps",
        "deployments",
        vec![
            deploy("fine", 2, json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"})),
            deploy("rolling", 1, json!({"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"})),
            deploy("stalled", 1, json!({"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                                        "message": "ReplicaSet \"stalled-2\" has timed out progressing."})),
            deploy("short", 1, json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"})),
        ],
    );
    assert_eq!(
        problem_names(&snap),
        [
            ("short".into(), "Degraded".into()),
            ("stalled".into(), "ProgressDeadlineExceeded".into())
        ]
    );
}

#[test]
fn services_without_ready_endpoints_claims_jobs_and_nodes() {
    let mut snap = Snapshot::default();
    let svc = |name: &str| {
        json!({"kind": "Service", "metadata": {"name": name, "namespace": "shop"},
               "spec": {"selector": {"app": name}}})
    };
    let headless = json!({"kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default"}, "spec": {}});
    snap.insert("", "services", vec![svc("legacy"), svc("web"), headless]);
    snap.insert(
        "discovery.k8s.io",
        "endpointslices",
        vec![json!({"metadata": {"name": "web-x", "namespace": "shop",
                     "labels": {"kubernetes.io/service-name": "web"}},
                     "endpoints": [{"conditions": {"ready": true}}]})],
    );
    snap.insert(
        "",
        "persistentvolumeclaims",
        vec![json!({"kind": "PersistentVolumeClaim", "metadata": {"name": "uploads", "namespace": "shop"},
                    "status": {"phase": "Pending"}})],
    );
    snap.insert(
        "batch",
        "jobs",
        vec![json!({"kind": "Job", "metadata": {"name": "import", "namespace": "batch"},
                    "status": {"failed": 2, "conditions": [{"type": "Failed", "status": "True",
                    "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}})],
    );
    snap.insert(
        "",
        "nodes",
        vec![
            json!({"kind": "Node", "metadata": {"name": "n1"}, "status": {"conditions": [
                {"type": "Ready", "status": "True"}, {"type": "MemoryPressure", "status": "True"}]}}),
            json!({"kind": "Node", "metadata": {"name": "n2"}, "status": {"conditions": [
                {"type": "Ready", "status": "True"}]}}),
        ],
    );
    assert_eq!(
        problem_names(&snap),
        [
            ("import".into(), "BackoffLimitExceeded".into()),
            ("n1".into(), "MemoryPressure".into()),
            ("uploads".into(), "Pending".into()),
            ("legacy".into(), "NoEndpoints".into()),
        ]
    );
}

#[test]
fn suspended_cronjobs_are_not_problems() {
    let mut snap = Snapshot::default();
    snap.insert(
        "batch",
        "cronjobs",
        vec![json!({"kind": "CronJob", "metadata": {"name": "c", "namespace": "b"}, "spec": {"suspend": true}})],
    );
    assert!(problems(&snap, now()).is_empty());
}

#[test]
fn a_container_that_crashed_minutes_ago_is_restarting_even_while_it_runs() {
    let mut p = pod("payments", running(true));
    p["status"]["containerStatuses"][0]["restartCount"] = json!(5);
    p["status"]["containerStatuses"][0]["lastState"] = json!({"terminated": {"exitCode": 1,
        "reason": "Error", "finishedAt": "2026-01-01T11:59:30Z"}});
    assert_eq!(
        problem_names(&snapshot(vec![p.clone()])),
        [("payments".into(), "Restarting".into())]
    );
    p["status"]["containerStatuses"][0]["lastState"]["terminated"]["finishedAt"] =
        json!("2026-01-01T10:00:00Z");
    assert!(
        problems(&snapshot(vec![p]), now()).is_empty(),
        "an old crash is history"
    );
}
