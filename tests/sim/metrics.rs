//! `metrics.k8s.io/v1beta1`: `kubectl top` against the sim, selectors on the raw API, the APIService, and
//! `--metrics off` leaving the API absent.

use serde_json::Value;

use crate::common::{TestSim, send};

fn first_pod(out: &str, prefix: &str) -> String {
    out.lines()
        .filter_map(|l| l.split_whitespace().next())
        .find(|n| n.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} pod in {out}"))
        .to_string()
}

// On the multi-thread runtime `tug sim` runs on: metrics lists (and `kubectl get`'s lists) are answered through
// `block_in_place`, which a current-thread runtime does not have.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_top_pods_nodes_and_containers() {
    let sim = TestSim::start().await;
    let out = sim.kubectl_ok(&["top", "pods", "-n", "shop"]).await;
    assert!(out.starts_with("NAME"), "{out}");
    let backend = first_pod(&out, "backend-");
    let row = out.lines().find(|l| l.starts_with(&backend)).unwrap();
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert!(cols[1].ends_with('m') && cols[2].ends_with("Mi"), "{row}");
    // Pending pods have no metrics, as metrics-server only reports running ones.
    assert!(!out.contains("gpu-worker"), "{out}");

    let out = sim.kubectl_ok(&["top", "nodes"]).await;
    for node in ["tug-control-plane", "tug-worker", "tug-worker2"] {
        assert!(out.lines().any(|l| l.starts_with(node)), "{out}");
    }

    let out = sim
        .kubectl_ok(&["top", "pod", &backend, "-n", "shop", "--containers"])
        .await;
    let containers: Vec<&str> = out
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(containers, ["app", "envoy"], "{out}");
    // The viewer's read-only role covers the metrics API.
    sim.kubectl_ok(&["--context", "tug-sim-viewer", "top", "pods", "-n", "shop"])
        .await;
}

#[tokio::test]
async fn metrics_api_is_aggregated_with_selectors_and_metrics_server_fields() {
    let sim = TestSim::start().await;
    let groups = sim.get_json("/apis").await;
    assert!(
        groups["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "metrics.k8s.io"),
        "{groups}"
    );
    let svc = sim
        .kubectl_ok(&["get", "apiservice", "v1beta1.metrics.k8s.io", "-o", "json"])
        .await;
    let svc: Value = serde_json::from_str(&svc).unwrap();
    assert_eq!(svc["spec"]["service"]["name"], "metrics-server");
    assert_eq!(svc["status"]["conditions"][0]["type"], "Available");

    let list = sim
        .get_json("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?labelSelector=app%3Dbackend")
        .await;
    assert_eq!(list["kind"], "PodMetricsList");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    let one = &items[0];
    assert_eq!(one["window"], "15s");
    assert!(one["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(
        one["containers"][0]["usage"]["cpu"]
            .as_str()
            .unwrap()
            .ends_with('n')
    );
    assert!(
        one["containers"][0]["usage"]["memory"]
            .as_str()
            .unwrap()
            .ends_with("Ki")
    );

    let name = one["metadata"]["name"].as_str().unwrap();
    let by_field = sim
        .get_json(&format!(
            "/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.name%3D{name}"
        ))
        .await;
    assert_eq!(by_field["items"].as_array().unwrap().len(), 1);
    let got = sim
        .get_json(&format!(
            "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/{name}"
        ))
        .await;
    assert_eq!(got["kind"], "PodMetrics");
    assert_eq!(got["metadata"]["name"], name);
    let node = sim
        .get_json("/apis/metrics.k8s.io/v1beta1/nodes/tug-worker")
        .await;
    assert_eq!(node["kind"], "NodeMetrics");
    assert!(node["usage"]["cpu"].is_string());

    let client = sim.client().await;
    let req = http::Request::get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/nope")
        .body(vec![])
        .unwrap();
    let (code, body) = send(&client, req).await;
    assert_eq!(code, 404);
    let status: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status["message"], "pods.metrics.k8s.io \"nope\" not found");
}

#[tokio::test]
async fn metrics_off_leaves_the_api_absent() {
    let sim = TestSim::start_with(tug_sim::SimOptions {
        metrics: false,
        ..Default::default()
    })
    .await;
    let (ok, _, err) = sim.kubectl(&["top", "pods", "-n", "shop"]).await;
    assert!(!ok);
    assert!(err.contains("Metrics API not available"), "{err}");
    let groups = sim.get_json("/apis").await;
    assert!(!groups.to_string().contains("metrics.k8s.io"));
    let out = sim.kubectl_ok(&["get", "apiservices", "-o", "name"]).await;
    assert!(out.trim().is_empty(), "{out}");
}
