//! Relations and diagnosis from the keyboard: `:xray deploy` (the tree, Enter on a node), used by of a
//! Secret, explain on the crash-looping and the unschedulable pod, `:problems` (live), and the request cost
//! of a tree at 10,000 pods, and that an open tree is kept live by watches (no list while idle).

use crate::common::TestSim;
use crate::harness::{Tui, lines_with};
use tug_sim::SimOptions;

const ENTER: &str = "\r";

fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

#[tokio::test]
async fn xray_deploy_shows_frontend_down_to_containers_with_its_service_and_config_and_enter_opens_a_node()
 {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &["-c", "xray deploy shop"], 200, 150);
    let screen = tui
        .wait("frontend's tree", |s| {
            s.contains("frontend-config") && s.contains("xray/deployments")
        })
        .await;
    let rows: Vec<&str> = screen.lines().collect();
    let at = |needle: &str| rows.iter().position(|l| l.contains(needle)).unwrap();
    let frontend = rows
        .iter()
        .position(|l| words(l).get(1) == Some(&"frontend") && l.contains("Deployment"))
        .unwrap_or_else(|| panic!("no frontend deployment row: {screen}"));
    let rs = frontend + 1;
    assert!(
        rows[rs].contains("ReplicaSet") && rows[rs].contains("frontend-"),
        "{screen}"
    );
    assert!(
        rows[rs + 1].contains("Pod") && rows[rs + 1].contains("Running"),
        "{screen}"
    );
    assert!(
        rows[rs + 2].contains("Container") && rows[rs + 2].contains("nginx"),
        "{screen}"
    );
    assert!(rows[rs + 3].contains("ConfigMap") && rows[rs + 3].contains("frontend-config"));
    let svc = rows[frontend..]
        .iter()
        .position(|l| l.contains("Service") && l.contains("frontend"))
        .unwrap_or_else(|| panic!("no frontend service under frontend: {screen}"));
    assert!(
        frontend + svc < at("payments"),
        "the Service hangs under frontend: {screen}"
    );
    // The stalled rollout reads red-worded: its status is the reason.
    assert!(lines_with(&screen, "ProgressDeadlineExceeded")[0].contains("checkout"));

    // Enter on the first tree's pod: that pod's own view.
    tui.send("jj");
    tui.send(ENTER);
    let screen = tui
        .wait("the pod's own view", |s| {
            s.contains("pods/backend-") && s.contains("READY")
        })
        .await;
    assert_eq!(lines_with(&screen, "Running").len(), 1, "{screen}");
}

#[tokio::test]
async fn used_by_of_a_secret_lists_the_pods_that_read_it() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &["-c", "secrets"], 160, 40);
    tui.wait_for("checkout-stripe").await;
    tui.send("/checkout-stripe");
    tui.send(ENTER);
    tui.wait("the filter", |s| !s.contains("shop-tls")).await;
    tui.send("b");
    let screen = tui
        .wait("what uses the secret", |s| {
            s.contains("used-by/checkout-stripe") && lines_with(s, " Pod ").len() == 3
        })
        .await;
    assert!(
        lines_with(&screen, "Deployment")[0].contains("checkout"),
        "{screen}"
    );
    assert!(
        lines_with(&screen, " Pod ")
            .iter()
            .all(|l| l.contains("checkout-"))
    );
    // And one no pod uses: nothing.
    tui.send("\x1b\x1b");
    tui.send("/shop-tls");
    tui.send(ENTER);
    tui.wait("the filter", |s| !s.contains("checkout-stripe"))
        .await;
    tui.send("b");
    let screen = tui
        .wait("what uses the TLS secret", |s| {
            s.contains("used-by/shop-tls") && s.contains("Ingress")
        })
        .await;
    assert!(lines_with(&screen, " Pod ").is_empty(), "{screen}");
    assert!(
        lines_with(&screen, "Ingress")[0].contains("shop"),
        "{screen}"
    );
}

#[tokio::test]
async fn explain_shows_the_crash_loop_with_exit_code_and_log_and_the_schedulers_reason() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 200, 50);
    tui.wait_for("gpu-worker").await;
    tui.send("/payments");
    tui.send(ENTER);
    tui.wait("the filter", |s| !s.contains("gpu-worker")).await;
    tui.send("w");
    // The previous container's log is quoted once it has crashed (the sim's crash loop is seconds long).
    let screen = tui
        .wait("the crash loop explained", |s| {
            s.contains("CrashLoopBackOff") && s.contains("exit code 1") && s.contains("| panic:")
        })
        .await;
    assert!(screen.contains("explain/payments-"), "{screen}");
    tui.send("\x1b\x1b");
    tui.send("/gpu");
    tui.send(ENTER);
    tui.wait("the filter", |s| !s.contains("payments")).await;
    tui.send("w");
    let screen = tui
        .wait("the scheduler's reason", |s| {
            s.contains("explain/gpu-worker") && s.contains("2 node(s) didn't match")
        })
        .await;
    assert!(
        screen.contains("nodeSelector accelerator=nvidia-h100: 0 of 3 nodes"),
        "{screen}"
    );
}

/// Everything unhealthy in the demo's shop namespace, and nothing else.
const SHOP_PROBLEMS: &[(&str, &str)] = &[
    ("Pod", "checkout-"),
    ("Pod", "gpu-worker"),
    ("Pod", "report-renderer-"),
    ("Deployment", "checkout"),
    ("Deployment", "report-renderer"),
    ("PersistentVolumeClaim", "uploads"),
    ("Service", "legacy-api"),
];

#[tokio::test]
async fn problems_lists_every_unhealthy_object_and_a_recovered_pod_leaves_it() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &["-c", "problems"], 200, 50);
    let screen = tui
        .wait("the problems", |s| {
            SHOP_PROBLEMS
                .iter()
                .all(|(kind, name)| lines_with(s, name).iter().any(|l| l.contains(kind)))
        })
        .await;
    let rows: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("NAME"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('<'))
        .filter(|l| words(l).len() > 2)
        .collect();
    for row in &rows {
        let known = SHOP_PROBLEMS
            .iter()
            .any(|(kind, name)| row.contains(kind) && row.contains(name))
            || row.contains("payments");
        assert!(known, "not a problem of the demo world: {row}\n{screen}");
    }
    for healthy in ["frontend", "backend", "redis", "postgres"] {
        assert!(!screen.contains(healthy), "{healthy} is healthy: {screen}");
    }
    // The unschedulable pod recovers when a node gets what it selects: it leaves the list.
    sim.kubectl_ok(&["label", "node", "tug-worker2", "accelerator=nvidia-h100"])
        .await;
    tui.wait("gpu-worker gone", |s| {
        !s.contains("gpu-worker") && s.contains("uploads")
    })
    .await;
    // Enter explains the selected problem.
    tui.send(ENTER);
    tui.wait_for("explain/").await;
}

#[tokio::test]
async fn xray_of_every_deployment_at_ten_thousand_pods_costs_a_bounded_number_of_lists() {
    let sim = TestSim::start_with(SimOptions {
        pods: 10_000,
        ..Default::default()
    })
    .await;
    let since = sim.get_json("/_sim/stats").await["requests"]
        .as_u64()
        .unwrap();
    let started = std::time::Instant::now();
    let tui = Tui::start(&sim.kubeconfig(), &["-c", "xray deploy all"], 200, 50);
    tui.wait("the trees", |s| {
        s.contains("xray/deployments[") && s.contains("coredns")
    })
    .await;
    // For BENCHMARKS.md (printed, never asserted on): time to a drawn tree, and tug's peak RSS.
    let status = std::fs::read_to_string(format!("/proc/{}/status", tui.pid())).unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: ?");
    println!(
        "xray deploy all at 10k pods: {:?} to the tree, {peak}",
        started.elapsed()
    );
    let log = sim.get_json(&format!("/_sim/requests?since={since}")).await;
    let mut per_path: std::collections::BTreeMap<String, usize> = Default::default();
    for r in log.as_array().unwrap() {
        let path = r["path"].as_str().unwrap_or_default();
        // Discovery (`/api/v1`, `/apis/apps/v1`) is the client's, once per group.
        let depth = path.split('/').count();
        let discovery = path.starts_with("/openapi")
            || (path.starts_with("/api/") && depth <= 3)
            || (path.starts_with("/apis") && depth <= 4)
            || path == "/api";
        // A list is read in pages: its first page (no `continue`) counts it, the next pages are the same list.
        let next_page = r["query"]
            .as_str()
            .is_some_and(|q| q.split('&').any(|p| p.starts_with("continue=")));
        // The watches that keep the tree live are not lists (one per kind, opened once).
        let watch = r["verb"] == "watch";
        if r["method"] == "GET"
            && !discovery
            && !watch
            && !path.starts_with("/version")
            && !next_page
        {
            *per_path.entry(path.to_string()).or_default() += 1;
        }
    }
    let pages = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "/api/v1/pods")
        .count();
    println!("pods listed in {pages} pages");
    assert!(pages > 1, "the pod list is read in pages: {pages}");
    // One list per kind (a second for a kind another view also lists), never one per object.
    assert!(
        per_path.contains_key("/api/v1/pods"),
        "pods listed across namespaces: {per_path:#?}"
    );
    assert!(per_path.values().all(|n| *n <= 2), "{per_path:#?}");
    assert!(
        per_path.len() <= 12,
        "a bounded number of lists: {per_path:#?}"
    );
    assert!(
        !per_path.keys().any(|p| p.contains("/pods/")),
        "no per-pod request: {per_path:#?}"
    );
    // The tree stays live through watches (no refetch): the peak once every kind is watched.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let log = sim.get_json(&format!("/_sim/requests?since={since}")).await;
        let watched = log
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| r["path"] == "/api/v1/pods" && r["verb"] == "watch");
        if watched {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "pods never watched");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", tui.pid())).unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: ?");
    println!("xray deploy all at 10k pods, watches open: {peak}");
}

/// The relations lists made since `since` (the metrics poll aside, which has no watch).
async fn lists_since(sim: &TestSim, since: u64) -> Vec<String> {
    let log = sim.get_json(&format!("/_sim/requests?since={since}")).await;
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["verb"] == "list")
        .filter_map(|r| r["path"].as_str())
        .filter(|p| !p.contains("metrics.k8s.io"))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn an_open_tree_lists_nothing_while_idle_shows_a_scaled_deployment_and_closing_stops_its_watches()
 {
    let sim = TestSim::start().await;
    let start = sim.get_json("/_sim/stats").await["requests"]
        .as_u64()
        .unwrap();
    let tui = Tui::start(&sim.kubeconfig(), &["-c", "xray deploy shop"], 200, 150);
    tui.wait("frontend's tree", |s| {
        s.contains("frontend-config") && s.contains("xray/deployments")
    })
    .await;
    // Listed once, then watched: wait for the pods' watch to be open.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let log = sim.get_json(&format!("/_sim/requests?since={start}")).await;
        let watched = log
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| r["path"] == "/api/v1/namespaces/shop/pods" && r["verb"] == "watch");
        if watched {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "pods never watched");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let since = sim.get_json("/_sim/stats").await["requests"]
        .as_u64()
        .unwrap();
    // Longer than the old refetch period (5 s): an idle tree on screen asks for no list.
    let quiet_until = std::time::Instant::now() + std::time::Duration::from_secs(7);
    while std::time::Instant::now() < quiet_until {
        let lists = lists_since(&sim, since).await;
        assert!(lists.is_empty(), "an idle tree listed: {lists:#?}");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // A change in the cluster still reaches the tree, through the watches.
    sim.kubectl_ok(&[
        "scale",
        "deployment",
        "frontend",
        "-n",
        "shop",
        "--replicas=3",
    ])
    .await;
    let screen = tui
        .wait("three frontend pods in the tree", |s| {
            s.lines()
                .filter(|l| words(l).get(1).is_some_and(|n| n.starts_with("frontend-")))
                .filter(|l| words(l).get(2) == Some(&"Pod"))
                .count()
                == 3
        })
        .await;
    let lists = lists_since(&sim, since).await;
    // Closing the view (`:pods` replaces it) stops its watches, one per kind it needed.
    let open = sim.get_json("/_sim/stats").await["openWatches"]
        .as_u64()
        .unwrap();
    let mut tui = tui;
    tui.send(":pods\r");
    tui.wait("the view closed", |s| !s.contains("xray/deployments"))
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while sim.get_json("/_sim/stats").await["openWatches"]
        .as_u64()
        .unwrap()
        + 5
        > open
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the tree's watches stayed open ({open} before closing)"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(
        lists.is_empty(),
        "the change came by watch, not a list: {lists:#?}\n{screen}"
    );
}
