//! Browsing the demo cluster: columns, kinds, filters, drill-down, inspection, live changes, exit.

use crate::common::TestSim;
use crate::harness::{Tui, lines_with};

const ENTER: &str = "\r";
/// The acceptance sizes: an SSH session's default terminal and a big one.
const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];
const ESC: &str = "\x1b";

fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

#[tokio::test]
async fn pods_show_with_kubectl_columns_and_q_restores_the_terminal() {
    for (cols, rows) in SIZES {
        pods_show_with_kubectl_columns_and_q_restores_the_terminal_at(cols, rows).await;
    }
}

async fn pods_show_with_kubectl_columns_and_q_restores_the_terminal_at(cols: u16, rows: u16) {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], cols, rows);
    let screen = tui
        .wait("the pod list", |s| {
            s.contains("gpu-worker") && s.contains("postgres-1")
        })
        .await;
    let header = screen.lines().find(|l| l.starts_with("NAME")).unwrap();
    // kubectl's columns, with the metric ones that fit after RESTARTS (tests/e2e/metrics.rs).
    let metrics = ["CPU", "MEM", "%CPU/R", "%CPU/L", "%MEM/R", "%MEM/L"];
    let kubectl: Vec<&str> = words(header)
        .into_iter()
        .filter(|w| !metrics.contains(w))
        .collect();
    assert_eq!(kubectl, ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    let gpu = lines_with(&screen, "gpu-worker")[0];
    assert_eq!(words(gpu)[1..4], ["0/1", "Pending", "0"]);
    assert!(screen.contains("ns:shop"), "{screen}");
    // The cells are kubectl's cells.
    let kubectl = sim
        .kubectl_ok(&["get", "pod", "postgres-0", "--no-headers"])
        .await;
    let row = lines_with(&screen, "postgres-0")[0];
    assert_eq!(words(row)[..4], words(&kubectl)[..4]);

    assert!(!tui.cooked(), "raw mode while running");
    tui.send("q");
    assert!(tui.exit().await, "tug exits cleanly");
    assert!(tui.cooked(), "raw mode is off again");
    let raw = tui.raw.lock().unwrap().clone();
    let raw = String::from_utf8_lossy(&raw);
    let entered = raw.rfind("\x1b[?1049h").unwrap();
    let left = raw.rfind("\x1b[?1049l").expect("alternate screen left");
    assert!(left > entered);
}

#[tokio::test]
async fn kinds_filters_and_drill_down_to_pods_and_containers() {
    for (cols, rows) in SIZES {
        kinds_filters_and_drill_down_to_pods_and_containers_at(cols, rows).await;
    }
}

async fn kinds_filters_and_drill_down_to_pods_and_containers_at(cols: u16, rows: u16) {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], cols, rows);
    tui.wait_for("gpu-worker").await;

    tui.send(":deploy");
    tui.send(ENTER);
    let screen = tui
        .wait("deployments", |s| {
            s.contains("UP-TO-DATE") && s.contains("frontend")
        })
        .await;
    assert_eq!(
        words(lines_with(&screen, "frontend")[0])[..4],
        ["frontend", "3/3", "3", "3"]
    );

    tui.send("/front");
    tui.send(ENTER);
    tui.wait("the filter", |s| {
        !s.contains("backend") && s.contains("frontend")
    })
    .await;
    tui.send(ENTER);
    let screen = tui
        .wait("frontend's pods", |s| {
            s.contains("-l app=frontend") && s.contains("STATUS")
        })
        .await;
    let pods: Vec<&str> = screen
        .lines()
        .filter(|l| l.starts_with("frontend-"))
        .collect();
    assert_eq!(pods.len(), 3, "{screen}");
    assert!(!screen.contains("redis"), "exactly its pods: {screen}");

    tui.send(ENTER);
    let screen = tui
        .wait("the pod's containers", |s| {
            s.contains("IMAGE") && s.contains("nginx:1.27")
        })
        .await;
    assert!(screen.contains("containers/frontend-"), "{screen}");

    // Esc walks back up, keeping each view.
    tui.send(ESC);
    tui.wait("back to the pods", |s| {
        s.contains("-l app=frontend") && !s.contains("IMAGE")
    })
    .await;
    tui.send(ESC);
    tui.wait("back to deployments", |s| s.contains("UP-TO-DATE"))
        .await;
}

#[tokio::test]
async fn yaml_describe_help_and_namespaces() {
    for (cols, rows) in SIZES {
        yaml_describe_help_and_namespaces_at(cols, rows).await;
    }
}

async fn yaml_describe_help_and_namespaces_at(cols: u16, rows: u16) {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], cols, rows);
    tui.wait_for("gpu-worker").await;
    tui.send("/gpu");
    tui.send(ENTER);
    tui.wait("filtered", |s| !s.contains("postgres")).await;
    tui.send("y");
    let screen = tui.wait_for("kind: Pod").await;
    assert!(!screen.contains("managedFields"));
    // After Esc, wait for the screen before the next key: Esc followed at once by a key reads as Alt+key.
    tui.send(ESC);
    tui.wait("back to pods", |s| s.contains("STATUS")).await;
    tui.send("d");
    let screen = tui.wait_for("FailedScheduling").await;
    assert!(screen.contains("Events:"), "{screen}");
    tui.send(ESC);
    tui.wait("back to pods", |s| s.contains("STATUS")).await;
    tui.send("?");
    tui.wait_for("Help").await;
    tui.send("x");
    tui.wait("help closed", |s| !s.contains("Help (any key closes)"))
        .await;

    tui.send(":ns kube-system");
    tui.send(ENTER);
    tui.wait_for("coredns-").await;
    tui.send("0");
    let screen = tui
        .wait("all namespaces", |s| {
            s.contains("NAMESPACE") && s.contains("pods(all)") && s.contains("kube-system ")
        })
        .await;
    assert!(
        screen.contains("batch") || screen.contains("kube-system"),
        "{screen}"
    );
}

#[tokio::test]
async fn enter_on_a_namespace_opens_its_pods_without_getting_the_namespace_and_esc_goes_back() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 200, 50);
    tui.wait_for("redis-").await;
    tui.send(":ns");
    tui.send(ENTER);
    tui.wait("the namespaces", |s| {
        s.contains(" namespaces[") && s.contains("kube-system")
    })
    .await;
    tui.send("/kube-system");
    tui.send(ENTER);
    tui.wait("one namespace", |s| s.contains(" namespaces[1]"))
        .await;
    let since = sim.get_json("/_sim/stats").await["requests"]
        .as_u64()
        .unwrap();
    tui.send(ENTER);
    tui.wait("kube-system's pods", |s| {
        s.contains("namespaces/kube-system(kube-system)[") && s.contains("coredns-")
    })
    .await;
    let log = sim.get_json(&format!("/_sim/requests?since={since}")).await;
    let paths: Vec<&str> = log
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["path"].as_str())
        .collect();
    assert!(
        !paths.contains(&"/api/v1/namespaces/kube-system"),
        "the namespace was fetched: {paths:?}"
    );
    tui.send(ESC);
    tui.wait("the namespaces again", |s| {
        s.contains(" namespaces[1]") && !s.contains("coredns-")
    })
    .await;
}

#[tokio::test]
async fn changes_made_with_kubectl_show_up_live() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 100, 30);
    let screen = tui.wait_for("redis-").await;
    let redis = words(lines_with(&screen, "redis-")[0])[0].to_string();
    sim.kubectl_ok(&["delete", "pod", &redis, "--wait=false"])
        .await;
    tui.wait("the deleted pod vanishes", |s| {
        !s.contains(&redis) && s.matches("redis-").count() == 1
    })
    .await;

    sim.kubectl_ok(&["scale", "deploy/backend", "--replicas=4"])
        .await;
    tui.wait("scaled pods appear", |s| {
        s.lines()
            .filter(|l| l.starts_with("backend-") && l.contains("Running"))
            .count()
            == 4
    })
    .await;
    tui.send(":q");
    tui.send(ENTER);
    assert!(tui.exit().await);
}

#[tokio::test]
async fn a_crd_is_browsable_and_the_viewer_sees_forbidden_in_place() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &["-c", "backups"], 200, 50);
    let screen = tui
        .wait("backups", |s| {
            s.contains("DATABASE") && s.contains("orders-nightly")
        })
        .await;
    assert_eq!(
        words(screen.lines().find(|l| l.starts_with("NAME")).unwrap()),
        ["NAME", "DATABASE", "SCHEDULE", "STATUS", "LAST-RUN", "AGE"]
    );
    tui.send(":q");
    tui.send(ENTER);
    assert!(tui.exit().await);

    let mut viewer = Tui::start(
        &sim.kubeconfig(),
        &["--context", "tug-sim-viewer", "-c", "secrets"],
        120,
        30,
    );
    viewer
        .wait_for("secrets is forbidden: User \"viewer\" cannot list resource \"secrets\"")
        .await;
    viewer.send(":po");
    viewer.send(ENTER);
    viewer.wait_for("gpu-worker").await;
    // Every other view works for the viewer.
    for (kind, expect) in [
        ("deploy", "frontend"),
        ("no", "tug-worker2"),
        ("svc", "LoadBalancer"),
        ("ev", "Scheduled"),
        ("cm", "frontend-config"),
    ] {
        viewer.send(&format!(":{kind}"));
        viewer.send(ENTER);
        viewer.wait_for(expect).await;
    }
    viewer.send(":bogus");
    viewer.send(ENTER);
    viewer.wait_for("unknown resource \"bogus\"").await;
}
