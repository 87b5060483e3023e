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
}
