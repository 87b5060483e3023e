//! Changes made from the keyboard: scale, restart, history with diff and rollback, delete with confirmation;
//! cancelling sends nothing; read-only sends nothing whatever is pressed; the viewer is told it may not.

use std::path::Path;

use crate::common::{TestSim, eventually};
use crate::harness::Tui;

const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const BACKSPACE: &str = "\x7f";

/// Mutating requests the sim received after request `since` (kubectl and tug alike); the access reviews tug
/// asks (POSTed, never stored) change nothing and are left out.
pub(crate) async fn mutations_since(sim: &TestSim, since: u64) -> Vec<String> {
    let log = sim.get_json(&format!("/_sim/requests?since={since}")).await;
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|r| !matches!(r["method"].as_str(), Some("GET" | "HEAD")))
        .map(|r| format!("{} {}", r["method"], r["path"]))
        .filter(|r| !r.contains("/authorization.k8s.io/") && !r.contains("/authentication.k8s.io/"))
        .collect()
}

async fn request_count(sim: &TestSim) -> u64 {
    sim.get_json("/_sim/stats").await["requests"]
        .as_u64()
        .unwrap()
}

fn start(sim: &TestSim, journal: &Path, args: &[&str]) -> Tui {
    Tui::start_with_env(
        &sim.kubeconfig(),
        args,
        120,
        40,
        &[("TUG_JOURNAL", journal)],
    )
}

pub(crate) async fn select(tui: &mut Tui, kind: &str, filter: &str) {
    tui.send(&format!(":{kind}"));
    tui.send(ENTER);
    tui.wait_for("NAME").await;
    tui.send(&format!("/{filter}"));
    tui.send(ENTER);
    // The title shows the filter only once the new view has it; one row once its rows have loaded.
    let marker = format!("</{filter}>");
    tui.wait("one row", |s| {
        s.lines()
            .nth(1)
            .is_some_and(|t| t.contains(&marker) && t.contains("[1]"))
            && s.lines().skip(3).filter(|l| l.starts_with(filter)).count() == 1
    })
    .await;
}

async fn replicas(sim: &TestSim, deploy: &str) -> String {
    sim.kubectl_ok(&["get", "deploy", deploy, "-o", "jsonpath={.spec.replicas}"])
        .await
}

#[tokio::test]
async fn scale_three_to_five_to_one_and_bad_values_are_refused() {
    let sim = TestSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut tui = start(&sim, &dir.path().join("journal.jsonl"), &[]);
    tui.wait_for("gpu-worker").await;
    select(&mut tui, "deploy", "frontend").await;
    tui.send("S");
    tui.wait_for("current replicas: 3").await;
    // `-` steps down and stops at 0, so a negative count cannot be typed; letters are refused.
    tui.send("----");
    tui.wait_for("new replicas:     0").await;
    tui.send("x");
    tui.send(ENTER);
    tui.wait_for("replicas must be a whole number").await;
    tui.send(&BACKSPACE.repeat(2));
    tui.send("5");
    tui.send(ENTER);
    eventually("kubectl sees 5", || async {
        (replicas(&sim, "frontend").await == "5").then_some(())
    })
    .await;
    tui.wait_for("done: scale deployment/frontend in shop to 5")
        .await;
    tui.send("S");
    tui.wait_for("new replicas:     5").await;
    tui.send(BACKSPACE);
    tui.send("1");
    tui.send(ENTER);
    eventually("kubectl sees 1", || async {
        (replicas(&sim, "frontend").await == "1").then_some(())
    })
    .await;
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 2, "{journal}");
    assert!(
        journal.contains("\"summary\":\"scale deployment/frontend in shop to 5\""),
        "{journal}"
    );
    assert!(
        journal.contains("\"user\":\"admin\"") && journal.contains("\"context\":\"tug-sim\""),
        "{journal}"
    );
    assert!(
        !journal.contains("tug-sim-admin-token"),
        "no credentials in the journal"
    );
}

const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: \"example/web:v1\"}]}\n";

#[tokio::test]
async fn history_shows_the_diff_and_rollback_restores_v1_as_revision_three() {
    let sim = TestSim::start().await;
    sim.kubectl_stdin(&["apply", "-f", "-"], Some(WEB)).await;
    sim.kubectl_ok(&["rollout", "status", "deploy/web", "--timeout=30s"])
        .await;
    sim.kubectl_ok(&["set", "image", "deploy/web", "web=example/web:v2"])
        .await;
    sim.kubectl_ok(&["rollout", "status", "deploy/web", "--timeout=30s"])
        .await;

    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let mut tui = start(&sim, &journal, &[]);
    tui.wait_for("gpu-worker").await;
    select(&mut tui, "deploy", "web").await;
    tui.send("h");
    let screen = tui
        .wait("the history", |s| {
            s.contains("history/web") && s.contains("example/web:v1")
        })
        .await;
    assert!(screen.contains("CHANGE-CAUSE"), "{screen}");
    tui.send(ENTER); // the cursor starts on the previous revision
    let screen = tui.wait_for("diff/revision 1").await;
    assert!(
        screen.contains("-        image: example/web:v2")
            || screen.contains("-      image: example/web:v2")
            || screen
                .lines()
                .any(|l| l.starts_with('-') && l.contains("example/web:v2")),
        "{screen}"
    );
    assert!(
        screen
            .lines()
            .any(|l| l.starts_with('+') && l.contains("example/web:v1")),
        "{screen}"
    );
    tui.send(ESC);
    tui.wait("back to the history", |s| {
        s.contains("CHANGE-CAUSE") && !s.contains("diff/revision")
    })
    .await;
    tui.send("u");
    tui.wait_for("Roll back deployment/web to revision 1?")
        .await;
    tui.send(ENTER);
    eventually("v1 as revision 3", || async {
        let out = sim
            .kubectl_ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}"])
            .await;
        (out == "example/web:v1 3").then_some(())
    })
    .await;
    tui.wait_for("done: roll back deployment/web in shop to revision 1")
        .await;

    // Undo it right away: v2 comes back (its ReplicaSet becomes revision 4).
    tui.send("U");
    tui.wait_for("Undo the last rollback of deployment/web?")
        .await;
    tui.send(ENTER);
    eventually("v2 back as revision 4", || async {
        let out = sim
            .kubectl_ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}"])
            .await;
        (out == "example/web:v2 4").then_some(())
    })
    .await;

    // Restart right after: a new revision, and the journal holds both changes.
    tui.send(ESC);
    tui.wait("back to deployments", |s| s.contains("UP-TO-DATE"))
        .await;
    tui.send("r");
    tui.wait_for("Restart deployment/web?").await;
    tui.send(ENTER);
    eventually("revision 5", || async {
        let rev = sim
            .kubectl_ok(&[
                "get",
                "deploy",
                "web",
                "-o",
                "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}",
            ])
            .await;
        (rev == "5").then_some(())
    })
    .await;
    let text = eventually("three journal entries", || async {
        let t = std::fs::read_to_string(&journal).unwrap_or_default();
        (t.lines().count() == 3).then_some(t)
    })
    .await;
    assert!(
        text.contains("roll back deployment/web in shop to revision 1"),
        "{text}"
    );
    assert!(
        text.contains("undo the rollback of deployment/web in shop"),
        "{text}"
    );
    assert!(text.contains("restart deployment/web in shop"), "{text}");
    tui.send(":journal");
    tui.send(ENTER);
    tui.wait_for("restart deployment/web in shop").await;
}

#[tokio::test]
async fn delete_asks_first_esc_sends_nothing_and_yes_gets_a_replacement() {
    let sim = TestSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut tui = start(&sim, &dir.path().join("journal.jsonl"), &[]);
    tui.wait_for("gpu-worker").await;
    select(&mut tui, "po", "redis").await;
    let victim = sim
        .kubectl_ok(&[
            "get",
            "pods",
            "-l",
            "app=redis",
            "-o",
            "jsonpath={.items[0].metadata.name}",
        ])
        .await;

    let before = request_count(&sim).await;
    tui.send("\x04"); // Ctrl-D
    tui.wait_for(&format!("Delete pod/{victim}?")).await;
    tui.send(ESC);
    tui.wait_for("cancelled: nothing was sent").await;
    assert!(
        mutations_since(&sim, before).await.is_empty(),
        "Esc sent nothing"
    );

    tui.send("\x04");
    tui.wait_for("propagation: Background").await;
    tui.send(ENTER);
    eventually("replaced by its ReplicaSet", || async {
        let pods = sim
            .kubectl_ok(&["get", "pods", "-l", "app=redis", "-o", "name"])
            .await;
        (!pods.contains(&victim) && pods.lines().count() == 1).then_some(())
    })
    .await;
    assert_eq!(
        mutations_since(&sim, before).await,
        [format!(
            "\"DELETE\" \"/api/v1/namespaces/shop/pods/{victim}\""
        )]
    );
}

#[tokio::test]
async fn read_only_sends_no_change_whatever_is_pressed_and_the_viewer_is_told_no() {
    let sim = TestSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let mut tui = start(&sim, &journal, &["--readonly"]);
    tui.wait_for("READ-ONLY").await;
    let before = request_count(&sim).await;
    for kind in ["po", "deploy", "sts", "ds", "no", "svc"] {
        tui.send(&format!(":{kind}"));
        tui.send(ENTER);
        tui.wait_for("NAME").await;
        for (key, name) in [
            ("S", "scale"),
            ("r", "restart"),
            ("\x04", "delete"),
            ("\x0b", "kill"),
            ("u", "undo"),
            ("p", "pause"),
            ("c", "cordon"),
        ] {
            tui.send(key);
            tui.wait_for(&format!("read-only mode: {name} is disabled"))
                .await;
            tui.send("j"); // any key clears the message
            tui.wait("message cleared", |s| !s.contains("read-only mode:"))
                .await;
        }
    }
    assert!(
        mutations_since(&sim, before).await.is_empty(),
        "read-only sent a change"
    );
    assert!(!journal.exists());

    let mut viewer = start(&sim, &journal, &["--context", "tug-sim-viewer"]);
    viewer.wait_for("gpu-worker").await;
    select(&mut viewer, "deploy", "redis").await;
    // The viewer's rules deny it: refused before anything is sent (once the rules are in, the footer greys it).
    viewer.wait_for("S:scale").await;
    viewer.send("S");
    viewer
        .wait_for("not allowed: patch deployments.apps/scale in shop")
        .await;
    assert_eq!(replicas(&sim, "redis").await, "1");
}

#[tokio::test]
async fn a_rollback_refuses_a_changed_deployment_or_a_deleted_revision() {
    let sim = TestSim::start().await;
    sim.kubectl_stdin(&["apply", "-f", "-"], Some(WEB)).await;
    sim.kubectl_ok(&["rollout", "status", "deploy/web", "--timeout=30s"])
        .await;
    sim.kubectl_ok(&["set", "image", "deploy/web", "web=example/web:v2"])
        .await;
    sim.kubectl_ok(&["rollout", "status", "deploy/web", "--timeout=30s"])
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut tui = start(&sim, &dir.path().join("journal.jsonl"), &[]);
    tui.wait_for("gpu-worker").await;
    select(&mut tui, "deploy", "web").await;
    let image = async || {
        sim.kubectl_ok(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
        ])
        .await
    };

    // Its spec changed between the dialog and the answer: the server's conflict, nothing applied. (A change
    // to its status or annotations alone does not block a rollback: the template is applied onto it.)
    tui.send("h");
    tui.wait_for("history/web").await;
    tui.send("u");
    tui.wait_for("Roll back deployment/web to revision 1?")
        .await;
    sim.kubectl_ok(&["scale", "deploy", "web", "--replicas=4"])
        .await;
    tui.send(ENTER);
    tui.wait_for("conflict: Operation cannot be fulfilled on deployments.apps \"web\"")
        .await;
    assert_eq!(image().await, "example/web:v2");

    // The revision's ReplicaSet deleted meanwhile: a clear message, nothing applied.
    tui.send(ESC);
    tui.wait("back to deployments", |s| s.contains("UP-TO-DATE"))
        .await;
    tui.send("h");
    tui.wait("the history", |s| s.contains("CHANGE-CAUSE"))
        .await;
    tui.send("u");
    tui.wait_for("Roll back deployment/web to revision 1?")
        .await;
    let old = sim
        .kubectl_ok(&["get", "rs", "-l", "app=web", "-o", "jsonpath={range .items[?(@.spec.template.spec.containers[0].image==\"example/web:v1\")]}{.metadata.name}{end}"])
        .await;
    sim.kubectl_ok(&["delete", "rs", &old]).await;
    tui.send(ENTER);
    tui.wait_for("revision 1 is gone").await;
    assert_eq!(image().await, "example/web:v2");
}

#[tokio::test]
async fn pause_resume_and_cordon_uncordon_ask_first() {
    let sim = TestSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut tui = start(&sim, &dir.path().join("journal.jsonl"), &[]);
    tui.wait_for("gpu-worker").await;
    select(&mut tui, "deploy", "backend").await;
    let paused = async || {
        sim.kubectl_ok(&["get", "deploy", "backend", "-o", "jsonpath={.spec.paused}"])
            .await
    };
    tui.send("p");
    tui.wait_for("Pause deployment/backend?").await;
    tui.send(ENTER);
    eventually("paused", || async {
        (paused().await == "true").then_some(())
    })
    .await;
    tui.wait_for("done: pause").await;
    tui.send("p");
    tui.wait_for("Resume deployment/backend?").await;
    tui.send(ENTER);
    eventually("resumed", || async {
        (paused().await == "false").then_some(())
    })
    .await;

    select(&mut tui, "no", "tug-worker2").await;
    tui.send("c");
    tui.wait_for("Cordon node/tug-worker2?").await;
    tui.send(ENTER);
    tui.wait("shown as cordoned", |s| {
        s.lines()
            .any(|l| l.starts_with("tug-worker2") && l.contains("Ready,SchedulingDisabled"))
    })
    .await;
    tui.send("c");
    tui.wait_for("Uncordon node/tug-worker2?").await;
    tui.send(ENTER);
    eventually("uncordoned", || async {
        let u = sim
            .kubectl_ok(&[
                "get",
                "node",
                "tug-worker2",
                "-o",
                "jsonpath={.spec.unschedulable}",
            ])
            .await;
        (u.is_empty() || u == "false").then_some(())
    })
    .await;
}

#[tokio::test]
async fn marked_pods_are_deleted_together_and_a_node_drains_honouring_budgets() {
    let sim = TestSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut tui = start(&sim, &dir.path().join("journal.jsonl"), &[]);
    tui.wait_for("gpu-worker").await;
    tui.send("/backend");
    tui.send(ENTER);
    tui.wait("two backend pods", |s| {
        s.lines()
            .skip(3)
            .filter(|l| l.starts_with("backend-"))
            .count()
            == 2
    })
    .await;
    let before: Vec<String> = sim
        .kubectl_ok(&["get", "pods", "-l", "app=backend", "-o", "name"])
        .await
        .lines()
        .map(str::to_string)
        .collect();
    tui.send(" ");
    tui.send(" ");
    tui.wait_for("[2 marked]").await;
    tui.send("\x04");
    tui.wait_for("Delete 2 marked pods?").await;
    tui.send(ENTER);
    eventually("both replaced", || async {
        let now = sim
            .kubectl_ok(&["get", "pods", "-l", "app=backend", "-o", "name"])
            .await;
        (now.lines().count() == 2 && before.iter().all(|p| !now.contains(p.as_str()))).then_some(())
    })
    .await;

    select(&mut tui, "no", "tug-worker2").await;
    tui.send("D");
    tui.wait_for("Drain node/tug-worker2?").await;
    tui.send(ENTER);
    let screen = tui
        .wait("drained", |s| {
            s.contains("done: drain node/tug-worker2") || s.contains("not evicted")
        })
        .await;
    let unschedulable = sim
        .kubectl_ok(&[
            "get",
            "node",
            "tug-worker2",
            "-o",
            "jsonpath={.spec.unschedulable}",
        ])
        .await;
    assert_eq!(unschedulable, "true", "{screen}");
    // Whatever is left on the node is a DaemonSet's or protected by a budget (and then reported).
    let left = sim
        .kubectl_ok(&["get", "pods", "-A", "--field-selector", "spec.nodeName=tug-worker2", "-o", "jsonpath={range .items[*]}{.metadata.name} {.metadata.ownerReferences[0].kind}{\"\\n\"}{end}"])
        .await;
    for line in left
        .lines()
        .filter(|l| !l.ends_with("DaemonSet") && !l.ends_with(" Job"))
    {
        let pod = line.split_whitespace().next().unwrap();
        assert!(
            screen.contains("not evicted"),
            "{pod} left on the node without a report:\n{screen}"
        );
    }
}
