//! tug's cells are kubectl's cells: for pods, deployments, services and nodes of the demo world, the wide
//! table (Ctrl-W) shows exactly what `kubectl get -o wide` prints.

use crate::common::{DEADLINE, TestSim};
use crate::harness::Tui;

/// Whitespace-split cells, with the relative "(2m ago)" of RESTARTS dropped: it is time-dependent in both.
fn cells(line: &str) -> Vec<String> {
    let mut out = vec![];
    let mut skip = false;
    for w in line.split_whitespace() {
        if w.starts_with('(') {
            skip = true;
        }
        if !skip {
            out.push(w.to_string());
        }
        if skip && w.ends_with(')') {
            skip = false;
        }
    }
    out
}

async fn compare(sim: &TestSim, kind: &str, namespaced: bool, wide_header: &str) {
    let args: Vec<&str> = if namespaced {
        vec!["-c", kind, "-n", "shop"]
    } else {
        vec!["-c", kind]
    };
    let mut tui = Tui::start(&sim.kubeconfig(), &args, 200, 50);
    tui.wait("the table", |s| s.lines().any(|l| l.starts_with("NAME")))
        .await;
    tui.send("\x17"); // Ctrl-W: wide columns
    tui.wait(wide_header, |s| s.contains(wide_header)).await;
    let start = tokio::time::Instant::now();
    loop {
        let mut args = vec!["get", kind, "-o", "wide", "--no-headers"];
        if namespaced {
            args.extend(["-n", "shop"]);
        }
        let expected = sim.kubectl_ok(&args).await;
        let screen = tui.screen();
        let mismatches: Vec<String> = expected
            .lines()
            .filter_map(|want| {
                let want = cells(want);
                let got = screen
                    .lines()
                    .find(|l| l.split_whitespace().next() == want.first().map(String::as_str));
                let got = got.map(cells);
                (got.as_ref() != Some(&want))
                    .then(|| format!("kubectl: {want:?}\n    tug: {got:?}"))
            })
            .collect();
        if mismatches.is_empty() {
            assert!(expected.lines().count() > 0);
            return;
        }
        // Ages tick: a second boundary between the two reads is retried.
        assert!(
            start.elapsed() < DEADLINE,
            "{kind}: cells differ:\n{}",
            mismatches.join("\n")
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn pods_deployments_services_and_nodes_match_kubectl_wide() {
    // Without the metrics API: tug's CPU and MEM columns have no kubectl `get` counterpart (tests/e2e/metrics.rs).
    let sim = TestSim::start_with(tug_sim::SimOptions {
        metrics: false,
        ..Default::default()
    })
    .await;
    compare(&sim, "pods", true, "NOMINATED NODE").await;
    compare(&sim, "deployments", true, "CONTAINERS").await;
    compare(&sim, "services", true, "SELECTOR").await;
    compare(&sim, "nodes", false, "INTERNAL-IP").await;
}
