//! Tabs: open, switch and close, each with its own filter and namespace; restored after a restart when the
//! settings say so; two tabs on the same pods share one watch.

use crate::common::TestSim;
use crate::harness::Tui;

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

fn config_dir(settings: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tug")).unwrap();
    std::fs::write(dir.path().join("tug/settings.yaml"), settings).unwrap();
    dir
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
