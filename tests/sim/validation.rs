//! Server-side field validation as kubectl drives it: `--validate=strict` (its default) gets the strict
//! decoder's 400 for an undeclared field, `--validate=warn` a `Warning` and the object without the field.

use serde_json::Value;

use crate::common::TestSim;

const TYPO: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: typo, namespace: shop}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: typo}}\n  template:\n    metadata: {labels: {app: typo}}\n    spec: {containers: [{name: web, image: \"example/web:v1\", imagePullPolcy: Always}]}\n";

#[tokio::test]
async fn strict_validation_rejects_an_unknown_field_with_the_real_message() {
    let sim = TestSim::start().await;
    let (ok, _, err) = sim.kubectl_stdin(&["create", "-f", "-"], Some(TYPO)).await;
    assert!(!ok, "{err}");
    assert!(
        err.contains("Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.template.spec.containers[0].imagePullPolcy\""),
        "{err}"
    );
    let (found, _, _) = sim.kubectl(&["get", "deploy", "typo", "-n", "shop"]).await;
    assert!(!found, "nothing was created");
}

#[tokio::test]
async fn warn_validation_answers_a_warning_and_drops_the_field() {
    let sim = TestSim::start().await;
    let (ok, _, err) = sim
        .kubectl_stdin(&["create", "--validate=warn", "-f", "-"], Some(TYPO))
        .await;
    assert!(ok, "{err}");
    assert!(
        err.contains("Warning: unknown field \"spec.template.spec.containers[0].imagePullPolcy\""),
        "{err}"
    );
    let d: Value = serde_json::from_str(
        &sim.kubectl_ok(&["get", "deploy", "typo", "-n", "shop", "-o", "json"])
            .await,
    )
    .unwrap();
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["image"], "example/web:v1");
    assert!(c.get("imagePullPolcy").is_none(), "{c}");
}
