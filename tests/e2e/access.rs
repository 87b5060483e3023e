//! Access from the keyboard: the viewer sees who it is, what it may not do is greyed with the reason and
//! refused before anything is sent (request log), `:can-i` shows list but not delete for pods and nothing for
//! secrets; the admin asks who can delete pods in shop and gets exactly the demo's subjects, with the binding.

use crate::actions::{mutations_since, select};
use crate::common::TestSim;
use crate::harness::{Tui, lines_with};

const ENTER: &str = "\r";
const ESC: &str = "\x1b";

async fn request_count(sim: &TestSim) -> u64 {
    sim.get_json("/_sim/stats").await["requests"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn the_viewer_sees_denied_actions_greyed_with_the_reason_and_none_reaches_the_server() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &["--context", "tug-sim-viewer"], 140, 40);
    tui.wait_for("gpu-worker").await;
    tui.wait_for("user:viewer ns:shop").await;
    select(&mut tui, "po", "redis").await;
    // Once the rules are in, the footer greys what the viewer may not do.
    tui.wait("denied actions greyed", |s| {
        s.contains("✗") && s.contains("Ctrl-D:delete") && s.contains("s:shell")
    })
    .await;
    let before = request_count(&sim).await;
    for (key, reason) in [
        ("\x04", "not allowed: delete pods in shop"),
        ("\x0b", "not allowed: delete pods in shop"),
        ("s", "not allowed: create pods/exec in shop"),
        ("a", "not allowed: create pods/attach in shop"),
        ("f", "not allowed: create pods/portforward in shop"),
        ("e", "not allowed: update pods in shop"),
        ("i", "not allowed: patch pods in shop"),
    ] {
        tui.send(key);
        tui.wait_for(reason).await;
        tui.send("j"); // any key clears the message
        tui.wait("message cleared", |s| !s.contains("not allowed:"))
            .await;
    }
    // The help says why, on the key.
    tui.send("?");
    tui.wait_for("(not allowed: delete pods in shop)").await;
    tui.send(ESC);
    tui.wait("help closed", |s| !s.contains("Help (any key closes)"))
        .await;
    // The prompt marks a kind the viewer may not list.
    tui.send(":secrets");
    tui.wait_for("✗ not allowed: list secrets in shop").await;
    tui.send(ESC);
    tui.wait("prompt closed", |s| !s.contains(":secrets")).await;
    assert_eq!(mutations_since(&sim, before).await, Vec::<String>::new());

    tui.send(":can-i");
    tui.send(ENTER);
    tui.wait_for("EVICTION").await;
    let screen = tui
        .wait("the pods and secrets rows", |s| {
            s.lines().any(|l| l.starts_with("pods "))
                && s.lines().any(|l| l.starts_with("secrets "))
        })
        .await;
    let row = |kind: &str| -> Vec<String> {
        screen
            .lines()
            .find(|l| l.starts_with(&format!("{kind} ")))
            .unwrap()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    let pods = row("pods");
    // RESOURCE GET LIST WATCH CREATE UPDATE PATCH DELETE EXEC LOG PORTFORWARD (no SCALE) EVICTION
    assert_eq!(pods[2], "yes", "list pods: {pods:?}");
    assert_eq!(pods[7], "-", "delete pods: {pods:?}");
    assert_eq!(pods[9], "yes", "pods/log: {pods:?}");
    let secrets = row("secrets");
    assert!(
        secrets[1..].iter().all(|c| c == "-"),
        "nothing for secrets: {secrets:?}"
    );

    // The viewer may not impersonate: said in place.
    tui.send(":can-i --as ann");
    tui.send(ENTER);
    tui.wait_for("User \"viewer\" cannot impersonate resource \"users\"")
        .await;
}

#[tokio::test]
async fn the_admin_asks_who_can_delete_pods_in_shop_and_jumps_to_the_binding() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 160, 40);
    tui.wait_for("gpu-worker").await;
    tui.send(":who-can delete pods -n shop");
    tui.send(ENTER);
    let screen = tui.wait_for("SUBJECT-KIND").await;
    let screen = if screen.contains("shop-oncall-pods") {
        screen
    } else {
        tui.wait_for("shop-oncall-pods").await
    };
    let granted: Vec<String> = lines_with(&screen, "RoleBinding ")
        .iter()
        .map(|l| l.split_whitespace().take(4).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        granted,
        [
            "Group shop-oncall RoleBinding shop/shop-oncall-pods",
            "User ann RoleBinding shop/shop-oncall-pods"
        ],
        "{screen}"
    );
    assert!(screen.contains("system:masters"), "{screen}");
    tui.send(ENTER);
    tui.wait("the binding's table", |s| {
        s.contains("<rolebindings/shop-oncall-pods>")
            && s.lines().any(|l| l.starts_with("shop-oncall-pods"))
    })
    .await;

    // From a row: who can delete this pod?
    tui.send(":po");
    tui.send(ENTER);
    tui.wait_for("gpu-worker").await;
    tui.send("W");
    tui.wait_for("who-can delete pods").await;
    tui.wait_for("shop/shop-oncall-pods").await;

    // The admin may impersonate: what ann may do in shop.
    tui.send(":can-i --as ann");
    tui.send(ENTER);
    tui.wait_for("<can-i ann in shop>").await;
    let screen = tui
        .wait("the pods row", |s| {
            s.lines().any(|l| l.starts_with("pods "))
        })
        .await;
    let pods: Vec<&str> = screen
        .lines()
        .find(|l| l.starts_with("pods "))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!((pods[2], pods[7], pods[4]), ("yes", "yes", "-"), "{pods:?}");

    // The subjects, and what one holds.
    tui.send(":users");
    tui.send(ENTER);
    tui.wait_for("ClusterRoleBinding tug-sim:viewer").await;
    tui.send("/viewer");
    tui.send(ENTER);
    tui.wait("one user", |s| {
        s.contains("</viewer>") && !s.contains("User  ann")
    })
    .await;
    tui.send(ENTER);
    tui.wait_for("by ClusterRoleBinding \"tug-sim:viewer\" of ClusterRole \"tug-sim:read-only\"")
        .await;
}
