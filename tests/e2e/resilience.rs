//! Bad conditions: a server that is down when tug starts, and terminals too small to draw in.

use crate::common::TestSim;
use crate::harness::Tui;

#[tokio::test]
async fn an_unreachable_server_at_start_is_reported_and_recovered_from() {
    let TestSim { sim, dir } = TestSim::start().await;
    let (addr, tls, kubeconfig) = (sim.addr, sim.tls.clone(), sim.kubeconfig.clone());
    sim.stop().await;

    let tui = Tui::start(&kubeconfig, &[], 100, 30);
    tui.wait_for("disconnected, retrying").await;

    // The server comes back on the same address, with the certificates tug already trusts.
    let _back = tug::sim::start(tug::sim::SimOptions {
        addr,
        tls: Some(tls),
        kubeconfig_out: Some(dir.path().join("kubeconfig-2")),
        ..Default::default()
    })
    .await
    .unwrap();
    let screen = tui.wait_for("gpu-worker").await;
    assert!(!screen.contains("disconnected"), "{screen}");
}

#[tokio::test]
async fn a_tiny_terminal_gets_a_notice_and_recovers_when_resized() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 19, 5);
    tui.wait_for("terminal too small").await;
    tui.resize(80, 24);
    tui.wait_for("gpu-worker").await;
    tui.send("q");
    assert!(tui.exit().await);
}

#[tokio::test]
async fn a_server_that_goes_away_shows_reconnecting_and_is_followed_again_when_back() {
    let TestSim { sim, dir } = TestSim::start().await;
    let (addr, tls, kubeconfig) = (sim.addr, sim.tls.clone(), sim.kubeconfig.clone());
    let tui = Tui::start(&kubeconfig, &[], 120, 30);
    tui.wait_for("gpu-worker").await;
    sim.stop().await;
    let screen = tui.wait_for("reconnecting").await;
    assert!(
        screen.contains("gpu-worker"),
        "the last known rows stay on screen: {screen}"
    );

    let back = tug::sim::start(tug::sim::SimOptions {
        addr,
        tls: Some(tls),
        kubeconfig_out: Some(dir.path().join("kubeconfig-2")),
        ..Default::default()
    })
    .await
    .unwrap();
    tui.wait("live again", |s| {
        !s.contains("reconnecting") && s.contains("gpu-worker")
    })
    .await;
    // And it follows the new server's changes.
    let store = back.store().clone();
    let res = store.registry().preferred("", "pods").unwrap();
    store
        .delete(&res, "shop", "gpu-worker", &Default::default())
        .unwrap();
    tui.wait("the deleted pod vanishes", |s| !s.contains("gpu-worker"))
        .await;
}
