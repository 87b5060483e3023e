//! Response formats by Accept: YAML when asked, 406 for a type the server cannot write.

use serde_json::Value;

use crate::common::{TestSim, send};

#[tokio::test]
async fn accept_yaml_gets_yaml_and_an_unacceptable_type_gets_406() {
    let sim = TestSim::start().await;
    let client = sim.client().await;
    let get = |accept: &str| {
        http::Request::get("/api/v1/namespaces/shop/configmaps/kube-root-ca.crt")
            .header("accept", accept)
            .body(Vec::new())
            .unwrap()
    };
    let (code, body) = send(&client, get("application/yaml")).await;
    assert_eq!(code, 200);
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("kind: ConfigMap"), "{text}");
    let parsed: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(parsed["metadata"]["name"], "kube-root-ca.crt");

    let list = http::Request::get("/api/v1/namespaces/shop/configmaps")
        .header("accept", "application/yaml")
        .body(Vec::new())
        .unwrap();
    let (code, body) = send(&client, list).await;
    assert_eq!(code, 200);
    assert!(String::from_utf8_lossy(&body).contains("kind: ConfigMapList"));

    let (code, body) = send(&client, get("text/html")).await;
    assert_eq!(code, 406);
    let status: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status["reason"], "NotAcceptable");

    // Protobuf first, as client-go asks: the JSON it also accepts. Protobuf only: nothing it accepts.
    let (code, body) = send(
        &client,
        get("application/vnd.kubernetes.protobuf,application/json"),
    )
    .await;
    assert_eq!(code, 200);
    let object: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(object["kind"], "ConfigMap");
    let (code, _) = send(&client, get("application/vnd.kubernetes.protobuf")).await;
    assert_eq!(code, 406);
}

#[tokio::test]
async fn delete_answers_a_status_or_the_object_as_the_real_stores_do() {
    let sim = TestSim::start().await;
    let client = sim.client().await;
    sim.kubectl_ok(&["create", "configmap", "gone", "-n", "shop"])
        .await;
    let del = |path: &str| {
        http::Request::delete(path.to_string())
            .body(Vec::new())
            .unwrap()
    };
    // An immediate delete of a kind whose store does not return the object: a Status naming it.
    let (code, body) = send(&client, del("/api/v1/namespaces/shop/configmaps/gone")).await;
    assert_eq!(code, 200);
    let status: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["status"], "Success");
    assert_eq!(status["details"]["name"], "gone");
    assert_eq!(status["details"]["kind"], "configmaps");
    assert!(status["details"].get("group").is_none(), "{status}");
    assert!(status["details"]["uid"].is_string());

    // A pod's store returns the pod, with its deletionTimestamp while it terminates.
    let pods: Value = serde_json::from_str(
        &sim.kubectl_ok(&[
            "get",
            "pods",
            "-n",
            "shop",
            "-l",
            "app=frontend",
            "-o",
            "json",
        ])
        .await,
    )
    .unwrap();
    let pod = pods["items"][0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, body) = send(&client, del(&format!("/api/v1/namespaces/shop/pods/{pod}"))).await;
    assert_eq!(code, 200);
    let obj: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(obj["kind"], "Pod", "{obj}");
    assert_eq!(obj["metadata"]["name"], pod.as_str());
}
