//! The sim's error answers as kubectl shows them: 409 Conflict, AlreadyExists, 400/422 with a `Status`.

use crate::common::TestSim;

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {mode: blue}\n";

#[tokio::test]
async fn replace_with_a_stale_resource_version_is_a_conflict() {
    let sim = TestSim::start().await;
    sim.kubectl_stdin(
        &["apply", "-f", "-"],
        Some("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"),
    )
    .await;
    sim.kubectl_stdin(&["create", "-f", "-"], Some(CM)).await;
    let stale = sim
        .kubectl_ok(&["get", "cm", "settings", "-n", "shop", "-o", "yaml"])
        .await;
    // Someone else changes it meanwhile.
    sim.kubectl_ok(&["label", "cm", "settings", "-n", "shop", "touched=yes"])
        .await;
    let edited = stale.replace("mode: blue", "mode: green");
    let (ok, _, err) = sim
        .kubectl_stdin(&["replace", "-f", "-"], Some(&edited))
        .await;
    assert!(!ok);
    assert!(
        err.contains(
            "Operation cannot be fulfilled on configmaps \"settings\": the object has been modified; \
             please apply your changes to the latest version and try again"
        ),
        "{err}"
    );
    let now = sim
        .kubectl_ok(&[
            "get",
            "cm",
            "settings",
            "-n",
            "shop",
            "-o",
            "jsonpath={.data.mode}",
        ])
        .await;
    assert_eq!(now, "blue", "the stale replace must not have been applied");
}

#[tokio::test]
async fn creating_an_existing_name_is_already_exists() {
    let sim = TestSim::start().await;
    sim.kubectl_stdin(
        &["apply", "-f", "-"],
        Some("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"),
    )
    .await;
    let (ok, _, err) = sim.kubectl_stdin(&["create", "-f", "-"], Some(CM)).await;
    assert!(ok, "{err}");
    let (ok, _, err) = sim.kubectl_stdin(&["create", "-f", "-"], Some(CM)).await;
    assert!(!ok);
    assert!(
        err.contains("Error from server (AlreadyExists)")
            && err.contains("configmaps \"settings\" already exists"),
        "{err}"
    );
}

#[tokio::test]
async fn an_invalid_object_is_422_with_the_field_path() {
    let sim = TestSim::start().await;
    let bad = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: broken, namespace: default}\n\
               spec:\n  replicas: 1\n  template:\n    metadata: {labels: {app: x}}\n    spec: {containers: [{name: c, image: busybox}]}\n";
    let (ok, _, err) = sim.kubectl_stdin(&["create", "-f", "-"], Some(bad)).await;
    assert!(!ok);
    assert!(
        err.contains("The Deployment \"broken\" is invalid"),
        "{err}"
    );
    assert!(err.contains("spec.selector: Required value"), "{err}");
}

#[tokio::test]
async fn a_malformed_body_gets_400_with_a_status() {
    let sim = TestSim::start().await;
    let client = sim.client().await;
    let req = http::Request::post("/api/v1/namespaces/default/configmaps")
        .header("content-type", "application/json")
        .body(br#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"#.to_vec())
        .unwrap();
    let (code, body) = crate::common::send(&client, req).await;
    assert_eq!(code, 400);
    let status: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["status"], "Failure");
    assert_eq!(status["code"], 400);
    assert_eq!(status["reason"], "BadRequest");
    assert!(
        status["message"].as_str().unwrap().contains("json"),
        "{status}"
    );
}

#[tokio::test]
async fn unknown_kinds_and_paths_are_404_statuses() {
    let sim = TestSim::start().await;
    let client = sim.client().await;
    for path in [
        "/api/v1/namespaces/default/widgets",
        "/apis/nope.example.com/v1/things",
        "/definitely/not/an/api",
        "/api/v1/namespaces/default/configmaps/missing",
    ] {
        let (code, body) =
            crate::common::send(&client, http::Request::get(path).body(Vec::new()).unwrap()).await;
        assert_eq!(code, 404, "{path}");
        let status: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status["kind"], "Status", "{path}");
        assert_eq!(status["reason"], "NotFound", "{path}");
    }
    let (ok, _, err) = sim
        .kubectl(&["get", "cm", "missing", "-n", "default"])
        .await;
    assert!(!ok);
    assert!(
        err.contains("Error from server (NotFound): configmaps \"missing\" not found"),
        "{err}"
    );
}

#[tokio::test]
async fn a_bad_selector_is_400_with_the_parse_error() {
    let sim = TestSim::start().await;
    let (ok, _, err) = sim
        .kubectl(&["get", "pods", "-A", "-l", "app in (web"])
        .await;
    assert!(!ok);
    assert!(
        err.to_lowercase().contains("unable to parse requirement") || err.contains("selector"),
        "{err}"
    );
    let client = sim.client().await;
    let req = http::Request::get("/api/v1/pods?labelSelector=a%3D%3D%3Db")
        .body(Vec::new())
        .unwrap();
    let (code, body) = crate::common::send(&client, req).await;
    assert_eq!(code, 400);
    let status: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status["reason"], "BadRequest");
    let req = http::Request::get("/api/v1/pods?fieldSelector=spec.unknownField%3Dx")
        .body(Vec::new())
        .unwrap();
    let (code, body) = crate::common::send(&client, req).await;
    assert_eq!(code, 400, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("field label not supported"));
}
