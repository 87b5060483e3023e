//! The sim records managedFields as the apiserver does for Update operations: the manager kubectl names
//! (`kubectl-set`, or the User-Agent's `kubectl`), the subresource, and the fields each write changed.

use serde_json::Value;

use crate::common::TestSim;

const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: \"example/web:v1\"}]}\n";

async fn entries(sim: &TestSim) -> Vec<Value> {
    let d: Value = serde_json::from_str(
        &sim.kubectl_ok(&[
            "get",
            "deploy",
            "web",
            "-n",
            "shop",
            "-o",
            "json",
            "--show-managed-fields",
        ])
        .await,
    )
    .unwrap();
    d["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn kubectl_writes_are_recorded_per_manager_with_the_fields_they_changed() {
    let sim = TestSim::start().await;
    sim.kubectl_stdin(&["create", "-f", "-"], Some(WEB)).await;
    let created = entries(&sim).await;
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0]["manager"], "kubectl-create");
    assert_eq!(created[0]["operation"], "Update");

    sim.kubectl_ok(&[
        "set",
        "image",
        "-n",
        "shop",
        "deploy/web",
        "web=example/web:v2",
    ])
    .await;
    let after_set = entries(&sim).await;
    let set = after_set
        .iter()
        .find(|e| e["manager"] == "kubectl-set")
        .expect("a kubectl-set entry");
    let image = &set["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"]
        ["f:image"];
    assert!(image.is_object(), "{set}");
    assert!(set["time"].is_string() && set["apiVersion"] == "apps/v1");

    sim.kubectl_ok(&["scale", "-n", "shop", "deploy/web", "--replicas=3"])
        .await;
    let after_scale = entries(&sim).await;
    let scale = after_scale
        .iter()
        .find(|e| e["subresource"] == "scale")
        .expect("a scale entry");
    assert_eq!(
        scale["fieldsV1"]["f:spec"]["f:replicas"],
        serde_json::json!({})
    );
}
