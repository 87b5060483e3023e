//! kubectl's imperative creates send protobuf bodies (`application/vnd.kubernetes.protobuf`): the sim reads them
//! for every built-in kind and stores what kubectl meant.

use serde_json::Value;

use crate::common::TestSim;

async fn get(sim: &TestSim, args: &[&str]) -> Value {
    let mut all = vec!["get"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "json"]);
    serde_json::from_str(&sim.kubectl_ok(&all).await).unwrap()
}

#[tokio::test]
async fn kubectl_create_configmap_sends_protobuf_and_the_sim_stores_it() {
    let sim = TestSim::start().await;
    let (ok, _, log) = sim
        .kubectl(&[
            "create",
            "configmap",
            "x",
            "-n",
            "shop",
            "--from-literal=a=b",
            "-v=8",
        ])
        .await;
    assert!(ok, "{log}");
    assert!(
        log.contains("Content-Type: application/vnd.kubernetes.protobuf"),
        "kubectl sent protobuf: {log}"
    );
    let cm = get(&sim, &["cm", "x", "-n", "shop"]).await;
    assert_eq!(cm["data"]["a"], "b");
    assert!(cm["metadata"]["uid"].is_string());
}

#[tokio::test]
async fn kubectl_create_namespace_secret_deployment_and_job_over_protobuf() {
    let sim = TestSim::start().await;
    sim.kubectl_ok(&["create", "namespace", "pb"]).await;
    assert_eq!(get(&sim, &["ns", "pb"]).await["metadata"]["name"], "pb");

    sim.kubectl_ok(&[
        "create",
        "secret",
        "generic",
        "s",
        "-n",
        "pb",
        "--from-literal=k=hi",
    ])
    .await;
    assert_eq!(
        get(&sim, &["secret", "s", "-n", "pb"]).await["data"]["k"],
        "aGk="
    );

    sim.kubectl_ok(&[
        "create",
        "deployment",
        "web",
        "-n",
        "pb",
        "--image=example/web:v1",
        "--replicas=2",
        "--port=8080",
    ])
    .await;
    let d = get(&sim, &["deploy", "web", "-n", "pb"]).await;
    assert_eq!(d["spec"]["replicas"], 2);
    assert_eq!(d["spec"]["selector"]["matchLabels"]["app"], "web");
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["image"], "example/web:v1");
    assert_eq!(c["ports"][0]["containerPort"], 8080);
    // The controllers treat it like any other Deployment.
    crate::common::eventually("the deployment's pods", || async {
        let pods = get(&sim, &["pods", "-n", "pb", "-l", "app=web"]).await;
        (pods["items"].as_array().map_or(0, Vec::len) == 2).then_some(())
    })
    .await;

    sim.kubectl_ok(&[
        "create",
        "job",
        "once",
        "-n",
        "pb",
        "--image=example/tool:v1",
        "--",
        "echo",
        "hi",
    ])
    .await;
    let j = get(&sim, &["job", "once", "-n", "pb"]).await;
    let c = &j["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["command"], serde_json::json!(["echo", "hi"]));
    assert_eq!(j["spec"]["template"]["spec"]["restartPolicy"], "Never");
}
