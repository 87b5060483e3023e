//! Tabs: open, switch and close, each with its own filter and namespace; restored after a restart when the
//! settings say so; two tabs on the same pods share one watch.

use crate::common::TestSim;
use crate::harness::Tui;
use crate::operator::config_dir;

const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const CTRL_T: &str = "\x14";

/// The tab bar (the first line) lists `n` tabs.
fn tab_bar_has(screen: &str, n: usize) -> bool {
    let bar = screen.lines().next().unwrap_or_default();
    (1..=n).all(|i| bar.contains(&format!(" {i} ")))
        && !bar.contains(&format!(" {} ", n + 1))
        && bar.contains('/')
}

fn no_tab_bar(screen: &str) -> bool {
    screen
        .lines()
        .next()
        .is_some_and(|l| l.starts_with(" tug "))
}

#[tokio::test]
async fn tabs_keep_their_own_filter_and_namespace_and_come_back_after_a_restart() {
    let sim = TestSim::start().await;
    let config = config_dir("restore_tabs: true\n");
    let data = tempfile::tempdir().unwrap();
    let env = [
        ("XDG_CONFIG_HOME", config.path()),
        ("XDG_DATA_HOME", data.path()),
    ];
    let mut tui = Tui::start_with_env(&sim.kubeconfig(), &[], 120, 30, &env);
    tui.wait_for("gpu-worker").await;
    tui.send("/postgres");
    tui.send(ENTER);
    tui.wait("the filtered pods", |s| {
        s.contains("postgres-0") && !s.contains("gpu-worker")
    })
    .await;
    assert!(no_tab_bar(&tui.screen()), "{}", tui.screen());
    // A second tab: a copy of the view, filter included.
    tui.send(CTRL_T);
    tui.send("n");
    tui.wait("two tabs, the copy filtered too", |s| {
        tab_bar_has(s, 2) && s.contains("postgres-0") && !s.contains("gpu-worker")
    })
    .await;
    // It goes its own way: no filter, kube-system's deployments.
    tui.send(ESC);
    // Before the next key: Esc then `:` at once reads as Alt-:.
    tui.wait("the filter cleared", |s| s.contains("gpu-worker"))
        .await;
    tui.send(":ns kube-system");
    tui.send(ENTER);
    tui.send(":deploy");
    tui.send(ENTER);
    tui.wait("kube-system's deployments in tab 2", |s| {
        s.contains("coredns") && s.contains("ns:kube-system") && s.contains("2 ")
    })
    .await;
    // Tab 1 is as it was left.
    tui.send(CTRL_T);
    tui.send("1");
    tui.wait("tab 1: shop's pods, filtered", |s| {
        s.contains("postgres-0")
            && !s.contains("gpu-worker")
            && s.contains("ns:shop")
            && s.contains("</postgres>")
    })
    .await;
    tui.send(CTRL_T);
    tui.send("]");
    tui.wait("tab 2 again", |s| {
        s.contains("coredns") && s.contains("ns:kube-system")
    })
    .await;
    tui.send("q");
    assert!(tui.exit().await, "tug exits cleanly");
    assert!(data.path().join("tug/tabs.json").exists());

    // The next start opens both tabs, on the one that was on screen.
    let mut tui = Tui::start_with_env(&sim.kubeconfig(), &[], 120, 30, &env);
    tui.wait("the restored tabs, tab 2 on screen", |s| {
        tab_bar_has(s, 2) && s.contains("coredns") && s.contains("ns:kube-system")
    })
    .await;
    tui.send(CTRL_T);
    tui.send("[");
    tui.wait("tab 1 restored with its filter", |s| {
        s.contains("postgres-0") && !s.contains("gpu-worker") && s.contains("</postgres>")
    })
    .await;
    // Closing it leaves one tab, and no tab bar.
    tui.send(CTRL_T);
    tui.send("c");
    tui.wait("one tab left", |s| no_tab_bar(s) && s.contains("coredns"))
        .await;
}

async fn open_watches(sim: &TestSim) -> u64 {
    sim.get_json("/_sim/stats").await["openWatches"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn two_tabs_on_the_same_pods_hold_one_watch() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 120, 30);
    tui.wait_for("gpu-worker").await;
    // A pod created now shows only through a watch: once it does, tug's watches are all open.
    sim.kubectl_ok(&["run", "probe-one", "--image=nginx", "-n", "shop"])
        .await;
    tui.wait_for("probe-one").await;
    let one_tab = open_watches(&sim).await;
    assert!(one_tab >= 1);
    tui.send(CTRL_T);
    tui.send("n");
    tui.wait("the second tab on the pods", |s| {
        tab_bar_has(s, 2) && s.contains("probe-one")
    })
    .await;
    // The second tab sees a new pod: whatever feeds it is live, and it is the first tab's watch.
    sim.kubectl_ok(&["run", "probe-two", "--image=nginx", "-n", "shop"])
        .await;
    tui.wait_for("probe-two").await;
    assert_eq!(open_watches(&sim).await, one_tab, "no second pod watch");
    // Another kind in the second tab is a watch of its own; closing that tab stops it.
    tui.send(":deploy");
    tui.send(ENTER);
    tui.wait_for("frontend").await;
    crate::common::eventually("a deployments watch", || async {
        (open_watches(&sim).await == one_tab + 1).then_some(())
    })
    .await;
    tui.send(CTRL_T);
    tui.send("c");
    tui.wait("back to one tab, on the pods", |s| {
        no_tab_bar(s) && s.contains("probe-two")
    })
    .await;
    crate::common::eventually("the deployments watch stopped", || async {
        (open_watches(&sim).await == one_tab).then_some(())
    })
    .await;
}

/// Creates a bare pod running `image` in `shop`.
async fn run_pod(sim: &TestSim, name: &str, image: &str) {
    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: shop}}\nspec: {{containers: [{{name: c, image: {image}}}]}}\n"
    );
    sim.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest))
        .await;
}

#[tokio::test]
async fn a_split_with_pods_left_and_logs_right_follows_the_cursor() {
    let sim = TestSim::start().await;
    run_pod(&sim, "follow-a", "nginx:1.27").await;
    run_pod(&sim, "follow-b", "redis:7").await;
    // 80 columns cannot hold two panes side by side: refused, with the reason.
    let mut tui = Tui::start(&sim.kubeconfig(), &["-n", "shop"], 80, 24);
    tui.wait_for("gpu-worker").await;
    tui.send(CTRL_T);
    tui.send("v");
    tui.wait_for("too small to split side by side at 80x24")
        .await;
    drop(tui);

    let mut tui = Tui::start(&sim.kubeconfig(), &["-n", "shop"], 160, 40);
    tui.wait_for("gpu-worker").await;
    tui.send("/follow-");
    tui.send(ENTER);
    tui.wait("the two pods", |s| {
        s.contains("follow-a") && s.contains("follow-b") && !s.contains("gpu-worker")
    })
    .await;
    // Split: the right pane is a copy of the list; its logs open there, of its first pod.
    tui.send(CTRL_T);
    tui.send("v");
    tui.wait("two pod lists", |s| {
        s.lines()
            .nth(1)
            .is_some_and(|l| l.matches("pods(shop)").count() == 2)
    })
    .await;
    tui.send("l");
    tui.wait("nginx's logs on the right", |s| {
        s.contains("logs/follow-a") && s.contains("nginx/1.27") && s.contains("pods(shop)")
    })
    .await;
    // Back to the list on the left; moving its cursor moves the logs to the next pod (redis writes `1:M`).
    tui.send(CTRL_T);
    tui.send("o");
    tui.send("j");
    let screen = tui
        .wait("redis's logs on the right", |s| {
            s.contains("logs/follow-b") && s.contains("1:M") && !s.contains("logs/follow-a")
        })
        .await;
    // The list is still on the left, both panes under one header.
    let title = screen.lines().nth(1).unwrap();
    assert!(
        title.find("pods(shop)") < title.find("logs/follow-b"),
        "{screen}"
    );
    tui.send("k");
    tui.wait("nginx's logs again", |s| s.contains("logs/follow-a"))
        .await;
}
