//! "What changed?": an object's timeline shows a `kubectl set image` as a diff with its manager, and
//! `:changes` lists a `kubectl scale` with the replica change in its summary.

use crate::common::TestSim;
use crate::harness::Tui;

const ENTER: &str = "\r";

#[tokio::test]
async fn the_timeline_of_frontend_shows_a_set_image_as_a_diff_with_its_manager() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 140, 40);
    tui.wait_for("gpu-worker").await;
    crate::actions::select(&mut tui, "deploy", "frontend").await;
    let since = sim.request_count().await;
    tui.send("H");
    tui.wait("the timeline", |s| {
        s.contains("timeline/frontend") && s.contains("first seen")
    })
    .await;
    // The timeline's own watch is on before the change (else the change is in its first list).
    sim.watched_since(since, "deployments").await;
    sim.kubectl_ok(&[
        "set",
        "image",
        "deploy/frontend",
        "nginx=nginx:1.28-timeline",
    ])
    .await;
    let screen = tui
        .wait("the set image in the timeline", |s| {
            s.contains("kubectl-set") && s.contains("→1.28-timeline")
        })
        .await;
    assert!(
        screen
            .lines()
            .any(|l| l.contains("kubectl-set") && l.contains("containers[name=nginx].image")),
        "{screen}"
    );
    // The observed step (and the new ReplicaSet revision) name the image change; Enter diffs it.
    tui.send("/1.28-timeline");
    tui.send(ENTER);
    tui.wait("only the image changes", |s| {
        s.lines()
            .skip(3)
            .take_while(|l| !l.trim().is_empty())
            .count()
            >= 1
            && s.contains("</1.28-timeline>")
    })
    .await;
    tui.send(ENTER);
    let diff = tui
        .wait("the diff", |s| {
            s.contains("diff/frontend") && s.contains("+++")
        })
        .await;
    assert!(
        diff.lines()
            .any(|l| l.starts_with('-') && l.contains("image: nginx:1.27")),
        "{diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.starts_with('+') && l.contains("image: nginx:1.28-timeline")),
        "{diff}"
    );
}

#[tokio::test]
async fn changes_lists_a_kubectl_scale_with_its_replica_change() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 160, 40);
    tui.wait_for("gpu-worker").await;
    let since = sim.request_count().await;
    tui.send(":changes");
    tui.send(ENTER);
    tui.wait_for("changes(").await;
    // The feed's watch on deployments is on before the scale (else the scale is in its first list).
    sim.watched_since(since, "deployments").await;
    sim.kubectl_ok(&["scale", "deploy/frontend", "--replicas=5"])
        .await;
    // The Deployment's own line (its ReplicaSet's replicas change 3→5 too, in a line of its own).
    let screen = tui
        .wait("the scale in the feed", |s| {
            s.lines().any(|l| {
                l.contains("deployments.apps")
                    && l.contains("frontend")
                    && l.contains("replicas 3→5")
            })
        })
        .await;
    let line = screen
        .lines()
        .find(|l| l.contains("deployments.apps") && l.contains("replicas 3→5"))
        .unwrap();
    assert!(line.contains("modified"), "{screen}");
    // Pods coming and going are listed too, but not their status churn: no SUMMARY that is just `status`
    // (a pod's `spec, status` when it is scheduled is a change of its spec).
    assert!(
        !screen.lines().any(|l| l.trim_end().ends_with("  status")),
        "{screen}"
    );
}
