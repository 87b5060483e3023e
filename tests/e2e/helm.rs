//! Helm releases without helm: `:helm` lists the demo releases from their storage Secrets, and a rollback of
//! `storefront` to revision 1 leaves revision 4 deployed with revision 1's manifest, the resources as revision 1
//! had them, and revision 3 superseded — in records Helm itself would read.

use serde_json::Value;

use crate::common::TestSim;
use crate::harness::Tui;

const ENTER: &str = "\r";

async fn record(sim: &TestSim, version: i64) -> Value {
    let name = format!("sh.helm.release.v1.storefront.v{version}");
    serde_json::from_str(
        &sim.kubectl_ok(&["get", "secret", "-n", "shop", &name, "-o", "json"])
            .await,
    )
    .unwrap()
}

#[tokio::test]
async fn helm_lists_the_demo_releases() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 140, 40);
    tui.wait_for("gpu-worker").await;
    // The releases of every namespace (tug opens on the context's namespace, shop).
    tui.send(":ns all");
    tui.send(ENTER);
    tui.send(":helm");
    tui.send(ENTER);
    tui.wait_for("helm(all)").await;
    let screen = tui
        .wait("the releases", |s| {
            s.contains("storefront") && s.contains("metrics-agent")
        })
        .await;
    let line = |name: &str| {
        screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_default()
            .to_string()
    };
    let storefront = line("storefront");
    assert!(
        storefront.contains("shop")
            && storefront.contains("deployed")
            && storefront.contains("storefront-0.3.0"),
        "{screen}"
    );
    assert!(line("metrics-agent").contains("failed"), "{screen}");
}

#[tokio::test]
async fn rolling_back_storefront_to_revision_1_records_revision_4_as_helm_would() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 160, 40);
    tui.wait_for("gpu-worker").await;
    tui.send(":releases");
    tui.send(ENTER);
    tui.wait_for("storefront").await;
    tui.send("/storefront");
    tui.send(ENTER);
    tui.wait_for("</storefront>").await;
    tui.send(ENTER);
    tui.wait("the history", |s| {
        s.contains("helm-history/storefront") && s.contains("Install complete")
    })
    .await;
    tui.send("G");
    tui.send("u");
    let dialog = tui
        .wait_for("Roll back helm release storefront to revision 1?")
        .await;
    assert!(
        dialog.contains("delete: ConfigMap/storefront-flags"),
        "{dialog}"
    );
    assert!(dialog.contains("hooks NOT run by tug"), "{dialog}");
    tui.send(ENTER);
    tui.wait("revision 4 deployed", |s| {
        s.lines()
            .any(|l| l.contains("Rollback to 1") && l.contains("deployed"))
    })
    .await;

    let r4 = record(&sim, 4).await;
    assert_eq!(r4["type"], "helm.sh/release.v1");
    assert_eq!(r4["metadata"]["labels"]["status"], "deployed");
    assert_eq!(r4["metadata"]["labels"]["owner"], "helm");
    assert_eq!(r4["metadata"]["labels"]["version"], "4");
    let (r1, r3) = (record(&sim, 1).await, record(&sim, 3).await);
    assert_eq!(r3["metadata"]["labels"]["status"], "superseded");
    let rel4 = tug_model::helm::from_record(&r4).unwrap();
    let rel1 = tug_model::helm::from_record(&r1).unwrap();
    let rel3 = tug_model::helm::from_record(&r3).unwrap();
    assert_eq!(rel4.manifest, rel1.manifest);
    assert_eq!(rel4.info.status, "deployed");
    assert_eq!(rel4.info.description, "Rollback to 1");
    assert_eq!(rel4.info.first_deployed, rel3.info.first_deployed);
    assert_eq!(rel4.chart, rel1.chart);
    assert_eq!(rel4.config, rel1.config);
    assert_eq!(rel3.info.status, "superseded");

    let image = sim
        .kubectl_ok(&[
            "get",
            "deploy",
            "storefront",
            "-n",
            "shop",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image} {.spec.replicas}",
        ])
        .await;
    assert_eq!(image.trim(), "example/storefront:1.0 1");
    let (ok, _, err) = sim
        .kubectl(&["get", "configmap", "storefront-flags", "-n", "shop"])
        .await;
    assert!(!ok && err.contains("NotFound"), "{err}");
}
