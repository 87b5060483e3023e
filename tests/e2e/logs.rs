//! Logs: a pod's lines stream in, the previous container of a crash-looping pod, a workload's pods merged with
//! tags (new pods join), search, safe rendering of hostile output, and streams closed when the view closes.

use crate::common::{TestSim, eventually};
use crate::harness::Tui;

const ENTER: &str = "\r";
const ESC: &str = "\x1b";

fn line_count(screen: &str) -> Option<u64> {
    let title = screen.lines().nth(1)?;
    let before = title.split(" lines").next()?;
    before.rsplit(' ').next()?.parse().ok()
}

/// Creates a bare pod running `image` in `shop` and waits until it runs.
async fn run_pod(sim: &TestSim, name: &str, image: &str) {
    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: shop}}\nspec: {{containers: [{{name: c, image: {image}}}]}}\n"
    );
    sim.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest))
        .await;
    eventually("the pod runs", || async {
        let phase = sim
            .kubectl_ok(&["get", "pod", name, "-o", "jsonpath={.status.phase}"])
            .await;
        (phase == "Running").then_some(())
    })
    .await;
}

async fn open_pod_logs(tui: &mut Tui, filter: &str) {
    tui.wait_for("gpu-worker").await;
    tui.send(&format!("/{filter}"));
    tui.send(ENTER);
    tui.wait("filtered", |s| {
        s.lines()
            .filter(|l| l.contains("Running") || l.contains("Pending"))
            .count()
            == 1
    })
    .await;
    tui.send("l");
    tui.wait_for("[follow]").await;
}

#[tokio::test]
async fn pod_logs_stream_and_closing_the_view_closes_the_stream() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 100, 30);
    open_pod_logs(&mut tui, "redis").await;
    let screen = tui
        .wait("the tail", |s| line_count(s).is_some_and(|n| n >= 200))
        .await;
    assert!(screen.contains("1:M "), "{screen}");
    let first = line_count(&screen).unwrap();
    tui.wait("new lines while following", |s| {
        line_count(s).is_some_and(|n| n > first)
    })
    .await;
    assert_eq!(sim.get_json("/_sim/stats").await["openLogStreams"], 1);
    tui.send(ESC);
    tui.wait("back to pods", |s| s.contains("STATUS")).await;
    eventually("the log stream is closed", || async {
        (sim.get_json("/_sim/stats").await["openLogStreams"] == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn previous_shows_the_crashed_container() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 120, 30);
    open_pod_logs(&mut tui, "payments").await;
    tui.send("p");
    let screen = tui
        .wait("previous logs", |s| {
            s.contains("[previous]") && s.contains("panic: dial tcp")
        })
        .await;
    assert!(
        screen.contains("end of the previous container's log"),
        "{screen}"
    );
}

#[tokio::test]
async fn a_deployments_logs_merge_its_pods_and_new_pods_join() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 120, 30);
    tui.wait_for("gpu-worker").await;
    tui.send(":deploy");
    tui.send(ENTER);
    tui.wait_for("UP-TO-DATE").await;
    tui.send("/frontend");
    tui.send(ENTER);
    tui.wait("filtered", |s| !s.contains("backend")).await;
    tui.send("l");
    let screen = tui.wait("three pods", |s| s.contains("3 pods")).await;
    assert!(
        screen
            .lines()
            .skip(2)
            .any(|l| l.starts_with("frontend-") && l.contains("/nginx ")),
        "{screen}"
    );

    let before: Vec<String> = sim
        .kubectl_ok(&["get", "pods", "-l", "app=frontend", "-o", "name"])
        .await
        .lines()
        .map(|l| l.trim_start_matches("pod/").to_string())
        .collect();
    sim.kubectl_ok(&["scale", "deploy/frontend", "--replicas=4"])
        .await;
    let newcomer = eventually("a fourth pod", || async {
        let now = sim
            .kubectl_ok(&["get", "pods", "-l", "app=frontend", "-o", "name"])
            .await;
        now.lines()
            .map(|l| l.trim_start_matches("pod/").to_string())
            .find(|p| !before.contains(p))
    })
    .await;
    tui.wait("the new pod joins", |s| s.contains("4 pods"))
        .await;
    // `/` finds (and highlights) the newcomer's lines.
    tui.send(&format!("/{newcomer}"));
    tui.send(ENTER);
    tui.wait("its lines", |s| {
        s.lines()
            .skip(2)
            .any(|l| l.starts_with(&format!("{newcomer}/nginx")))
    })
    .await;
}

#[tokio::test]
async fn hostile_log_output_is_rendered_safely() {
    let sim = TestSim::start().await;
    run_pod(&sim, "chaos", "example/chaos-logger:1").await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 120, 40);
    open_pod_logs(&mut tui, "chaos").await;
    tui.send("/red alert");
    tui.send(ENTER);
    let screen = tui
        .wait("the escape-laden line, cleaned", |s| {
            s.contains("ERROR red alert green bold")
        })
        .await;
    assert!(
        screen.contains("tug ") && screen.contains("logs/chaos"),
        "header and title survive: {screen}"
    );
    tui.send("/progress");
    tui.send(ENTER);
    tui.wait("carriage returns made visible", |s| {
        s.contains("progress 10%⏎progress 50%⏎progress 100%")
    })
    .await;
    tui.send("/invalid");
    tui.send(ENTER);
    tui.wait("invalid UTF-8 replaced", |s| {
        s.contains("invalid utf-8: ???( end")
    })
    .await;
    tui.send("q");
    tui.send("q");
    assert!(tui.exit().await);
}

#[tokio::test]
async fn a_flood_keeps_only_the_configured_lines_and_can_be_saved() {
    let sim = TestSim::start().await;
    run_pod(&sim, "flood", "example/flood-logger:1").await;
    let config = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(config.path().join("tug")).unwrap();
    std::fs::write(config.path().join("tug/settings.yaml"), "log_lines: 500\n").unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut tui = Tui::start_with_env(
        &sim.kubeconfig(),
        &[],
        120,
        30,
        &[
            ("XDG_CONFIG_HOME", config.path()),
            ("XDG_DATA_HOME", data.path()),
        ],
    );
    open_pod_logs(&mut tui, "flood").await;
    let screen = tui
        .wait("old lines dropped", |s| {
            s.contains("500 lines (") && s.contains("older dropped)")
        })
        .await;
    assert!(screen.contains("flood line"), "{screen}");
    // Keys still answer under the flood: pause, then since-1m.
    tui.send("s");
    tui.wait_for("[paused]").await;
    tui.send("1");
    tui.wait("a new stream since 1m", |s| {
        s.contains("[since 1m]") && line_count(s).is_some_and(|n| n > 0)
    })
    .await;
    tui.send("\x13"); // Ctrl-S
    let screen = tui.wait_for("saved to ").await;
    let path = screen
        .lines()
        .last()
        .unwrap()
        .trim()
        .trim_start_matches("saved to ")
        .to_string();
    let saved = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        saved.lines().count() > 0 && saved.lines().count() <= 500,
        "{}",
        saved.lines().count()
    );
    assert!(path.starts_with(data.path().to_str().unwrap()), "{path}");
}

#[tokio::test]
async fn json_lines_pretty_print_and_only_matching_lines_can_be_shown() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 120, 40);
    tui.wait_for("gpu-worker").await;
    tui.send(":po");
    tui.send(ENTER);
    tui.send("/backend");
    tui.send(ENTER);
    // The rows are in (an empty table has no redis either), and only backend's are left.
    tui.wait("filtered", |s| !s.contains("redis") && s.contains("backend-")).await;
    tui.send(ENTER); // the pod's containers
    tui.wait_for("envoyproxy").await;
    tui.send("l"); // the first container: app (JSON logs)
    tui.wait_for("\"level\":").await;
    tui.send("J");
    tui.wait("pretty JSON", |s| {
        s.contains("[json]") && s.lines().any(|l| l.trim_start().starts_with("\"level\": "))
    })
    .await;
    tui.send("J");
    tui.send("/re:\"path\":\"/api/cart\"");
    tui.send(ENTER);
    tui.send("F");
    let screen = tui.wait_for("[only matches]").await;
    let body: Vec<&str> = screen
        .lines()
        .skip(2)
        .filter(|l| l.contains("\"msg\""))
        .collect();
    assert!(!body.is_empty(), "{screen}");
    assert!(body.iter().all(|l| l.contains("/api/cart")), "{screen}");
}
