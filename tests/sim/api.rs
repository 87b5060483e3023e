//! kubectl's read path against the sim: version, discovery, lists as `List`, selectors.

use crate::common::TestSim;

#[tokio::test]
async fn kubectl_version_reports_the_sim_server() {
    let sim = TestSim::start().await;
    let out = sim.kubectl_ok(&["version"]).await;
    assert!(out.contains("Server Version: v1.33"), "{out}");
}

#[tokio::test]
async fn api_resources_lists_every_kind_with_short_names() {
    let sim = TestSim::start().await;
    let out = sim.kubectl_ok(&["api-resources", "--no-headers"]).await;
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let find = |name: &str| rows.iter().find(|r| r.first() == Some(&name));
    for (name, short, kind) in [
        ("pods", Some("po"), "Pod"),
        ("services", Some("svc"), "Service"),
        ("deployments", Some("deploy"), "Deployment"),
        ("replicasets", Some("rs"), "ReplicaSet"),
        ("statefulsets", Some("sts"), "StatefulSet"),
        ("daemonsets", Some("ds"), "DaemonSet"),
        ("cronjobs", Some("cj"), "CronJob"),
        ("jobs", None, "Job"),
        ("namespaces", Some("ns"), "Namespace"),
        ("nodes", Some("no"), "Node"),
        ("configmaps", Some("cm"), "ConfigMap"),
        ("secrets", None, "Secret"),
        ("serviceaccounts", Some("sa"), "ServiceAccount"),
        ("persistentvolumes", Some("pv"), "PersistentVolume"),
        (
            "persistentvolumeclaims",
            Some("pvc"),
            "PersistentVolumeClaim",
        ),
        ("endpoints", Some("ep"), "Endpoints"),
        ("events", Some("ev"), "Event"),
        ("ingresses", Some("ing"), "Ingress"),
        ("roles", None, "Role"),
        ("rolebindings", None, "RoleBinding"),
        ("clusterroles", None, "ClusterRole"),
        ("clusterrolebindings", None, "ClusterRoleBinding"),
        ("backups", Some("bk"), "Backup"),
        (
            "customresourcedefinitions",
            Some("crd,crds"),
            "CustomResourceDefinition",
        ),
    ] {
        let row = find(name).unwrap_or_else(|| panic!("{name} missing from:\n{out}"));
        assert!(row.contains(&kind), "{name}: {row:?}");
        if let Some(short) = short {
            assert_eq!(row.get(1), Some(&short), "{name}: {row:?}");
        }
    }
}

const FIXTURE: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: fixture}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: fixture, labels: {app: web}}
spec: {containers: [{name: nginx, image: nginx:1.27}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: fixture, labels: {app: web}}
spec: {containers: [{name: nginx, image: nginx:1.27}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db-1, namespace: fixture, labels: {app: db}}
spec: {containers: [{name: postgres, image: postgres:16}]}
"#;

#[tokio::test]
async fn get_all_pods_as_json_is_a_valid_list() {
    let sim = TestSim::start().await;
    sim.kubectl_stdin(&["apply", "-f", "-"], Some(FIXTURE))
        .await;
    let out = sim.kubectl_ok(&["get", "pods", "-A", "-o", "json"]).await;
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list["kind"], "List");
    assert_eq!(list["apiVersion"], "v1");
    let items = list["items"].as_array().unwrap();
    let names: Vec<&str> = items
        .iter()
        .filter(|p| p["metadata"]["namespace"] == "fixture")
        .map(|p| p["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    for item in items {
        assert_eq!(item["kind"], "Pod");
        assert_eq!(item["apiVersion"], "v1");
        assert!(item["metadata"]["uid"].is_string());
        assert!(item["metadata"]["resourceVersion"].is_string());
    }
}

#[tokio::test]
async fn label_and_field_selectors_filter_like_a_real_server() {
    let sim = TestSim::start().await;
    sim.kubectl_stdin(&["apply", "-f", "-"], Some(FIXTURE))
        .await;
    let names = |out: String| {
        let mut v: Vec<String> = out.lines().map(str::to_string).collect();
        v.sort();
        v
    };
    let web = sim
        .kubectl_ok(&[
            "get", "pods", "-n", "fixture", "-l", "app=web", "-o", "name",
        ])
        .await;
    assert_eq!(names(web), ["pod/web-1", "pod/web-2"]);
    let not_web = sim
        .kubectl_ok(&[
            "get",
            "pods",
            "-n",
            "fixture",
            "-l",
            "app notin (web)",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(names(not_web), ["pod/db-1"]);
    let by_name = sim
        .kubectl_ok(&[
            "get",
            "pods",
            "-n",
            "fixture",
            "--field-selector",
            "metadata.name=db-1",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(names(by_name), ["pod/db-1"]);
    // Nothing runs these pods in this fixture (no kubelet status was set), so none is Running... unless the
    // controllers schedule them; either way the selector must agree with each pod's phase.
    let running = sim
        .kubectl_ok(&[
            "get",
            "pods",
            "-n",
            "fixture",
            "--field-selector",
            "status.phase=Running",
            "-o",
            "jsonpath={range .items[*]}{.status.phase}{\"\\n\"}{end}",
        ])
        .await;
    assert!(running.lines().all(|p| p == "Running"), "{running}");
}

#[tokio::test]
async fn chunked_lists_return_every_item_once() {
    let sim = TestSim::start().await;
    let mut manifest = String::from("apiVersion: v1\nkind: Namespace\nmetadata: {name: many}\n");
    for i in 0..120 {
        manifest.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{i:03}, namespace: many}}\ndata: {{k: v}}\n"
        ));
    }
    sim.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest))
        .await;
    let out = sim
        .kubectl_ok(&["get", "cm", "-n", "many", "--chunk-size=7", "-o", "name"])
        .await;
    let mut names: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("configmap/cm-"))
        .collect();
    assert_eq!(names.len(), 120, "{out}");
    names.dedup();
    assert_eq!(names.len(), 120, "duplicates across pages");
    // The sim really paginated: kubectl sent `limit` and `continue`.
    let log = sim.get_json("/_sim/requests").await;
    let continued = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "/api/v1/namespaces/many/configmaps")
        .filter(|r| {
            r["query"]
                .as_str()
                .unwrap_or_default()
                .contains("continue=")
        })
        .count();
    assert!(
        continued >= 17,
        "expected ≥17 continued pages, saw {continued}"
    );
}

#[tokio::test]
async fn get_namespaces_lists_the_demo_world() {
    let sim = TestSim::start().await;
    let out = sim.kubectl_ok(&["get", "ns"]).await;
    let mut lines = out.lines();
    assert_eq!(
        lines
            .next()
            .map(|h| h.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["NAME", "STATUS", "AGE"])
    );
    let names: Vec<&str> = lines.filter_map(|l| l.split_whitespace().next()).collect();
    for ns in [
        "default",
        "kube-system",
        "kube-public",
        "shop",
        "monitoring",
        "batch",
    ] {
        assert!(names.contains(&ns), "{ns} in {out}");
    }
    assert!(out.lines().skip(1).all(|l| l.contains(" Active ")), "{out}");
}

/// The header row of each block kubectl prints, split into column names.
fn headers(out: &str) -> Vec<Vec<String>> {
    let mut blocks = vec![];
    let mut next_is_header = true;
    for line in out.lines() {
        if line.trim().is_empty() {
            next_is_header = true;
            continue;
        }
        if next_is_header {
            // Column names may contain one space ("NOMINATED NODE"): split on runs of 2+ spaces.
            let cols = line
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            blocks.push(cols);
            next_is_header = false;
        }
    }
    blocks
}

fn row<'a>(out: &'a str, name: &str) -> Vec<&'a str> {
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("{name} not in:\n{out}"))
        .split_whitespace()
        .collect()
}

#[tokio::test]
async fn wide_output_has_the_columns_a_real_cluster_prints() {
    let sim = TestSim::start().await;
    let out = sim
        .kubectl_ok(&["get", "deploy,rs,po", "-n", "shop", "-o", "wide"])
        .await;
    assert_eq!(
        headers(&out),
        vec![
            vec![
                "NAME",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "AGE",
                "CONTAINERS",
                "IMAGES",
                "SELECTOR"
            ],
            vec![
                "NAME",
                "DESIRED",
                "CURRENT",
                "READY",
                "AGE",
                "CONTAINERS",
                "IMAGES",
                "SELECTOR"
            ],
            vec![
                "NAME",
                "READY",
                "STATUS",
                "RESTARTS",
                "AGE",
                "IP",
                "NODE",
                "NOMINATED NODE",
                "READINESS GATES"
            ],
        ]
    );
    let frontend = row(&out, "deployment.apps/frontend");
    assert_eq!(frontend[1..4], ["3/3", "3", "3"]);
    assert_eq!(frontend[5..], ["nginx", "nginx:1.27", "app=frontend"]);
    let gpu = row(&out, "pod/gpu-worker");
    assert_eq!(gpu[1..4], ["0/1", "Pending", "0"]);
    assert_eq!(gpu[5..], ["<none>", "<none>", "<none>", "<none>"]);
    let postgres = row(&out, "pod/postgres-0");
    assert_eq!(postgres[1..4], ["1/1", "Running", "0"]);
    assert!(postgres[5].starts_with("10.244."), "{postgres:?}");
    assert!(postgres[6].starts_with("tug-worker"), "{postgres:?}");

    let out = sim
        .kubectl_ok(&["get", "svc", "frontend", "-n", "shop", "-o", "wide"])
        .await;
    assert_eq!(
        headers(&out)[0],
        [
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE",
            "SELECTOR"
        ]
    );
    let svc = row(&out, "frontend");
    assert_eq!(svc[1], "LoadBalancer");
    assert_eq!(svc[3], "172.18.255.200");
    assert!(
        svc[4].starts_with("80:3") && svc[4].ends_with("/TCP"),
        "{svc:?}"
    );
    assert_eq!(svc[6], "app=frontend");

    let out = sim.kubectl_ok(&["get", "nodes", "-o", "wide"]).await;
    assert_eq!(
        headers(&out)[0],
        [
            "NAME",
            "STATUS",
            "ROLES",
            "AGE",
            "VERSION",
            "INTERNAL-IP",
            "EXTERNAL-IP",
            "OS-IMAGE",
            "KERNEL-VERSION",
            "CONTAINER-RUNTIME"
        ]
    );
    assert_eq!(
        row(&out, "tug-control-plane")[1..3],
        ["Ready", "control-plane"]
    );

    // A custom resource prints its CRD's printer columns.
    let out = sim.kubectl_ok(&["get", "backups", "-n", "shop"]).await;
    assert_eq!(
        headers(&out)[0],
        ["NAME", "DATABASE", "SCHEDULE", "STATUS", "LAST-RUN", "AGE"]
    );
    assert_eq!(row(&out, "orders-nightly")[1..3], ["orders", "0"]);
}

#[tokio::test]
async fn selectors_on_the_demo_world() {
    let sim = TestSim::start().await;
    let frontend = sim
        .kubectl_ok(&[
            "get",
            "pods",
            "-n",
            "shop",
            "-l",
            "app=frontend",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(frontend.lines().count(), 3, "{frontend}");
    assert!(frontend.lines().all(|l| l.starts_with("pod/frontend-")));
    let running = sim
        .kubectl_ok(&[
            "get",
            "pods",
            "-n",
            "shop",
            "--field-selector",
            "status.phase=Running",
            "-o",
            "name",
        ])
        .await;
    assert!(!running.contains("pod/gpu-worker"), "{running}");
    assert!(running.contains("pod/postgres-0"), "{running}");
    let pending = sim
        .kubectl_ok(&[
            "get",
            "pods",
            "-n",
            "shop",
            "--field-selector",
            "status.phase=Pending",
            "-o",
            "name",
        ])
        .await;
    // The unschedulable pod, and the checkout rollout's pod that cannot pull its image.
    let pending: Vec<&str> = pending.lines().collect();
    assert_eq!(pending.len(), 2, "{pending:?}");
    assert!(pending[0].starts_with("pod/checkout-"), "{pending:?}");
    assert_eq!(pending[1], "pod/gpu-worker");
}
