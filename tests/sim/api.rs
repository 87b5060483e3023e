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
