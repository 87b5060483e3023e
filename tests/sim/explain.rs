//! OpenAPI v3 schemas for the built-in kinds: `kubectl explain` reads them.

use crate::common::TestSim;

#[tokio::test]
async fn kubectl_explain_walks_a_deployments_schema() {
    let sim = TestSim::start().await;
    let out = sim
        .kubectl_ok(&["explain", "deployment.spec.strategy"])
        .await;
    assert!(out.contains("KIND:       Deployment"), "{out}");
    assert!(
        out.contains("FIELD: strategy <DeploymentStrategy>"),
        "{out}"
    );
    assert!(
        out.contains("DeploymentStrategy describes how to replace existing pods with new ones."),
        "{out}"
    );
    assert!(
        out.contains("rollingUpdate\t<RollingUpdateDeployment>"),
        "{out}"
    );
    assert!(out.contains("type\t<string>"), "{out}");

    let pods = sim
        .kubectl_ok(&["explain", "pods.spec.containers.image"])
        .await;
    assert!(pods.contains("FIELD: image <string>"), "{pods}");
    let ts = sim
        .kubectl_ok(&["explain", "pod.metadata.creationTimestamp"])
        .await;
    assert!(ts.contains("<string>"), "{ts}");

    // The same schemas as Swagger 2.0 at /openapi/v2, for clients that read JSON.
    let v2 = sim.get_json("/openapi/v2").await;
    let strategy =
        &v2["definitions"]["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"];
    assert_eq!(
        strategy["$ref"],
        "#/definitions/io.k8s.api.apps.v1.DeploymentStrategy"
    );
    assert!(
        v2["definitions"]["io.k8s.api.core.v1.Pod"]["x-kubernetes-group-version-kind"].is_array()
    );
}
