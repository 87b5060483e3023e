//! CPU and memory from `metrics.k8s.io`: pod and node columns equal `kubectl top` (within one sample), sort by
//! CPU, a pod over its memory threshold is coloured, the header shows cluster usage, no columns and no error
//! without the API, and the poll's cost counted in the sim's request log.

use std::time::Duration;

use crate::common::{DEADLINE, TestSim};
use crate::harness::Tui;
use tug_sim::SimOptions;

const ENTER: &str = "\r";
const ESC: &str = "\x1b";

fn config_dir(settings: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tug")).unwrap();
    std::fs::write(dir.path().join("tug").join("settings.yaml"), settings).unwrap();
    dir
}

/// A header's columns: their names and the character offset each starts at.
fn header_columns(header: &str) -> Vec<(String, usize)> {
    let mut out = vec![];
    let mut start = None;
    let chars: Vec<char> = header.chars().collect();
    for i in 0..=chars.len() {
        let c = chars.get(i).copied().unwrap_or(' ');
        // Column names have single spaces inside ("NOMINATED NODE"); two spaces part columns.
        let gap = c == ' ' && chars.get(i + 1).is_none_or(|n| *n == ' ');
        match (start, gap) {
            (None, false) if c != ' ' => start = Some(i),
            (Some(s), true) => {
                out.push((chars[s..i].iter().collect::<String>(), s));
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The cell of `line` under the header column `name`.
fn cell(header: &str, line: &str, name: &str) -> Option<String> {
    let cols = header_columns(header);
    let at = cols.iter().position(|(n, _)| n == name)?;
    let start = cols[at].1;
    let end = cols.get(at + 1).map_or(usize::MAX, |c| c.1);
    let text: String = line
        .chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    Some(text.trim().to_string())
}

/// `kubectl top` as name → (millicores, MiB).
fn top(out: &str) -> std::collections::BTreeMap<String, (u64, u64)> {
    let header: Vec<&str> = out
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let (Some(c), Some(m)) = (
        header.iter().position(|h| h.starts_with("CPU(cores)")),
        header.iter().position(|h| h.starts_with("MEMORY(bytes)")),
    ) else {
        return Default::default();
    };
    out.lines()
        .skip(1)
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let cpu = w.get(c)?.strip_suffix('m')?.parse().ok()?;
            let mem = w.get(m)?.strip_suffix("Mi")?.parse().ok()?;
            Some((w[0].to_string(), (cpu, mem)))
        })
        .collect()
}

/// tug's CPU and MEM cells as name → (millicores, MiB), for the rows on screen that have a sample.
fn screen_usage(screen: &str) -> std::collections::BTreeMap<String, (u64, u64)> {
    let lines: Vec<&str> = screen.lines().collect();
    let Some(h) = lines.iter().position(|l| l.starts_with("NAME")) else {
        return Default::default();
    };
    let header = lines[h];
    lines[h + 1..]
        .iter()
        .filter_map(|l| {
            let name = l.split_whitespace().next()?.to_string();
            let cpu = cell(header, l, "CPU")?.strip_suffix('m')?.parse().ok()?;
            let mem = cell(header, l, "MEM")?.strip_suffix("Mi")?.parse().ok()?;
            Some((name, (cpu, mem)))
        })
        .collect()
}

/// Waits until tug's cells equal `kubectl top` for every object kubectl lists (both read the same window;
/// a window boundary between the two reads is retried).
async fn matches_kubectl_top(sim: &TestSim, tui: &Tui, top_args: &[&str]) {
    let start = tokio::time::Instant::now();
    loop {
        let out = sim.kubectl_ok(top_args).await;
        let expected = top(&out);
        let got = screen_usage(&tui.screen());
        let missing: Vec<String> = expected
            .iter()
            .filter(|(name, usage)| got.get(*name) != Some(usage))
            .map(|(name, usage)| format!("{name}: kubectl {usage:?}, tug {:?}", got.get(name)))
            .collect();
        if !expected.is_empty() && missing.is_empty() {
            return;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "tug differs from kubectl top:\n{}\n{out}\n{}",
            missing.join("\n"),
            tui.screen()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn pod_and_node_columns_equal_kubectl_top_and_sort_by_cpu() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &["-n", "shop"], 220, 50);
    let screen = tui
        .wait("metric columns", |s| {
            s.lines()
                .any(|l| l.starts_with("NAME") && l.contains("RESTARTS") && l.contains("%MEM/L"))
        })
        .await;
    let header = screen.lines().find(|l| l.starts_with("NAME")).unwrap();
    let names: Vec<String> = header_columns(header).into_iter().map(|c| c.0).collect();
    let restarts = names.iter().position(|n| n == "RESTARTS").unwrap();
    assert_eq!(
        names[restarts + 1..restarts + 7],
        ["CPU", "MEM", "%CPU/R", "%CPU/L", "%MEM/R", "%MEM/L"],
        "after RESTARTS, as k9s: {header}"
    );
    assert!(
        !header.contains("TUG:"),
        "the request cells stay hidden: {header}"
    );
    matches_kubectl_top(&sim, &tui, &["top", "pods", "-n", "shop"]).await;

    // The header's cluster usage (node metrics come in the same round, just after the pods').
    tui.wait("cluster usage in the header", |s| {
        s.lines()
            .next()
            .is_some_and(|l| l.contains("cpu:") && l.contains("mem:"))
    })
    .await;

    // :sort cpu desc: the CPU cells read in descending order.
    tui.send(":sort cpu desc");
    tui.send(ENTER);
    tui.wait("sorted by CPU", |s| {
        let lines: Vec<&str> = s.lines().collect();
        let Some(h) = lines.iter().position(|l| l.starts_with("NAME")) else {
            return false;
        };
        let cpus: Vec<u64> = lines[h + 1..]
            .iter()
            .filter_map(|l| cell(lines[h], l, "CPU")?.strip_suffix('m')?.parse().ok())
            .collect();
        cpus.len() > 3 && cpus.windows(2).all(|w| w[0] >= w[1])
    })
    .await;

    // Ctrl-W still gives the wide columns, with the metrics.
    tui.send("\x17");
    tui.wait("wide with metrics", |s| {
        s.contains("NOMINATED NODE") && s.contains("%CPU/R")
    })
    .await;
    tui.send("\x17");

    // Nodes: CPU and MEM of kubectl top nodes, and percentages of allocatable.
    tui.send(":nodes");
    tui.send(ENTER);
    tui.wait("node metric columns", |s| {
        s.contains("%CPU") && s.contains("tug-worker2")
    })
    .await;
    matches_kubectl_top(&sim, &tui, &["top", "nodes"]).await;
    tui.send(ESC);
}

#[tokio::test]
async fn a_pod_over_its_memory_threshold_is_coloured() {
    let sim = TestSim::start().await;
    // A warn threshold of 1 % of the limit: every pod with a memory limit is over it; the error one at 2 %.
    let dir = config_dir("metrics: { warn: 1, error: 2 }\n");
    let tui = Tui::start_with_env(
        &sim.kubeconfig(),
        &["-n", "shop"],
        220,
        50,
        &[("XDG_CONFIG_HOME", dir.path())],
    );
    let screen = tui
        .wait("a %MEM/L value", |s| {
            let lines: Vec<&str> = s.lines().collect();
            let Some(h) = lines.iter().position(|l| l.starts_with("NAME")) else {
                return false;
            };
            lines[h + 2..]
                .iter()
                .any(|l| cell(lines[h], l, "%MEM/L").is_some_and(|c| c.parse::<u64>().is_ok()))
        })
        .await;
    let lines: Vec<&str> = screen.lines().collect();
    let h = lines.iter().position(|l| l.starts_with("NAME")).unwrap();
    let col = header_columns(lines[h])
        .into_iter()
        .find(|c| c.0 == "%MEM/L")
        .unwrap()
        .1 as u16;
    // Not the cursor's row: its colours are the selection's.
    let (row, line) = lines
        .iter()
        .enumerate()
        .skip(h + 2)
        .find(|(_, l)| {
            cell(lines[h], l, "%MEM/L").is_some_and(|c| c.parse::<u64>().is_ok_and(|v| v >= 2))
        })
        .expect("a pod over 2 % of its memory limit");
    let na = lines
        .iter()
        .enumerate()
        .skip(h + 2)
        .find(|(_, l)| cell(lines[h], l, "%MEM/L").as_deref() == Some("n/a"));
    let over = tui.fg(row as u16, col);
    assert_ne!(over, None, "coloured: {line}");
    if let Some((r, _)) = na {
        assert_ne!(
            tui.fg(r as u16, col),
            over,
            "n/a is not coloured as an error"
        );
    }
}

#[tokio::test]
async fn without_the_metrics_api_there_are_no_columns_and_no_error() {
    let sim = TestSim::start_with(SimOptions {
        metrics: false,
        ..Default::default()
    })
    .await;
    let tui = Tui::start(&sim.kubeconfig(), &["-n", "shop"], 200, 40);
    let screen = tui.wait_for("backend-").await;
    let header = screen.lines().find(|l| l.starts_with("NAME")).unwrap();
    assert!(
        !header.contains("CPU") && !header.contains("MEM"),
        "{header}"
    );
    assert!(
        screen.lines().next().unwrap().contains("no metrics API"),
        "{screen}"
    );
    assert!(!screen.to_lowercase().contains("error"), "{screen}");
}

/// Pod-metrics and node-metrics lists the sim received after request `since`.
async fn metric_lists(sim: &TestSim, since: u64) -> (usize, usize) {
    let log = sim.get_json(&format!("/_sim/requests?since={since}")).await;
    let entries = log.as_array().cloned().unwrap_or_default();
    let pods = entries
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/apis/metrics.k8s.io/") && p.ends_with("/pods"))
        })
        .count();
    let nodes = entries
        .iter()
        .filter(|r| r["path"] == "/apis/metrics.k8s.io/v1beta1/nodes")
        .count();
    (pods, nodes)
}

async fn last_request(sim: &TestSim) -> u64 {
    sim.get_json("/_sim/stats").await["requests"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn pod_metrics_are_polled_once_per_interval_only_while_shown_and_never_when_off() {
    let sim = TestSim::start().await;
    let dir = config_dir("metrics: { interval: 1 }\n");
    let mut tui = Tui::start_with_env(
        &sim.kubeconfig(),
        &["-n", "shop"],
        200,
        40,
        &[("XDG_CONFIG_HOME", dir.path())],
    );
    tui.wait("metric columns", |s| s.contains("%CPU/R")).await;
    let since = last_request(&sim).await;
    let t0 = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let shown = t0.elapsed().as_secs_f64();
    let (pods, _) = metric_lists(&sim, since).await;
    assert!(
        pods > 0 && pods as f64 <= shown + 1.0,
        "{pods} pod-metrics lists in {shown:.1} s at 1 s"
    );

    // A YAML view shows no pod metrics: none are listed for five intervals.
    tui.send("y");
    tui.wait_for("yaml/").await;
    let since = last_request(&sim).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (pods, nodes) = metric_lists(&sim, since).await;
    assert_eq!(pods, 0, "pod-metrics lists under YAML");
    assert!(nodes > 0, "node metrics go on for the header");
    tui.send(ESC);
    tui.wait("back to pods", |s| s.contains("%CPU/R")).await;
    drop(tui);

    // metrics: off — nothing at all.
    let off = config_dir("metrics: off\n");
    let since = last_request(&sim).await;
    let tui = Tui::start_with_env(
        &sim.kubeconfig(),
        &["-n", "shop"],
        200,
        40,
        &[("XDG_CONFIG_HOME", off.path())],
    );
    tui.wait_for("backend-").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let screen = tui.screen();
    let header = screen.lines().find(|l| l.starts_with("NAME")).unwrap();
    assert!(!header.contains("CPU"), "{header}");
    let (pods, nodes) = metric_lists(&sim, since).await;
    assert_eq!((pods, nodes), (0, 0));
}

/// `:pulse`'s rows as (section, item) → count.
fn pulse_counts(screen: &str) -> std::collections::BTreeMap<(String, String), String> {
    let lines: Vec<&str> = screen.lines().collect();
    let Some(h) = lines.iter().position(|l| l.starts_with("SECTION")) else {
        return Default::default();
    };
    lines[h + 1..]
        .iter()
        .filter_map(|l| {
            Some((
                (cell(lines[h], l, "SECTION")?, cell(lines[h], l, "ITEM")?),
                cell(lines[h], l, "COUNT")?,
            ))
        })
        .filter(|((s, _), _)| !s.is_empty() && !s.starts_with('<'))
        .collect()
}

#[tokio::test]
async fn pulse_counts_equal_kubectl_and_enter_opens_exactly_those_pods() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 200, 60);
    tui.wait_for("backend-").await;
    tui.send(":pulse");
    tui.send(ENTER);
    tui.wait("the pulse", |s| {
        s.contains("SECTION") && s.contains("Pending")
    })
    .await;
    let start = tokio::time::Instant::now();
    loop {
        // Pods by the STATUS kubectl prints, nodes by readiness, at the same moment (retried when a
        // crash-looping pod flips between the two reads).
        let pods = sim.kubectl_ok(&["get", "pods", "-A", "--no-headers"]).await;
        let mut want: std::collections::BTreeMap<(String, String), String> = Default::default();
        let mut by: std::collections::BTreeMap<String, usize> = [
            "CrashLoopBackOff",
            "ImagePullBackOff",
            "OOMKilled",
            "Pending",
        ]
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
        for l in pods.lines() {
            *by.entry(l.split_whitespace().nth(3).unwrap().to_string())
                .or_default() += 1;
        }
        for (s, n) in by {
            want.insert(("Pods".into(), s), n.to_string());
        }
        want.insert(
            ("Pods".into(), "total".into()),
            pods.lines().count().to_string(),
        );
        let nodes = sim.kubectl_ok(&["get", "nodes", "--no-headers"]).await;
        let ready = nodes
            .lines()
            .filter(|l| l.split_whitespace().nth(1) == Some("Ready"))
            .count();
        want.insert(("Nodes".into(), "Ready".into()), ready.to_string());
        want.insert(
            ("Nodes".into(), "NotReady".into()),
            (nodes.lines().count() - ready).to_string(),
        );
        let got = pulse_counts(&tui.screen());
        let wrong: Vec<String> = want
            .iter()
            .filter(|(k, v)| got.get(*k) != Some(v))
            .map(|(k, v)| format!("{k:?}: kubectl {v}, tug {:?}", got.get(k)))
            .collect();
        if wrong.is_empty() {
            break;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "{}\n{}",
            wrong.join("\n"),
            tui.screen()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Cluster usage, from the metrics poll.
    tui.wait("cluster usage", |s| s.contains("cpu of allocatable"))
        .await;

    // Enter on "Pending": the pods list, showing exactly the pods whose STATUS kubectl prints as Pending (a
    // pod in phase Pending whose image cannot be pulled is counted under ImagePullBackOff, as kubectl shows it).
    let pending: Vec<String> = sim
        .kubectl_ok(&["get", "pods", "-A", "--no-headers"])
        .await
        .lines()
        .filter(|l| l.split_whitespace().nth(3) == Some("Pending"))
        .map(|l| l.split_whitespace().nth(1).unwrap().to_string())
        .collect();
    assert!(!pending.is_empty());
    tui.send("/re:^Pending$");
    tui.send(ENTER);
    tui.wait("only the Pending row", |s| pulse_counts(s).len() == 1)
        .await;
    tui.send(ENTER);
    let screen = tui
        .wait("the pending pods", |s| {
            s.contains("pods(all)") && !s.contains("loading…") && s.contains(&pending[0])
        })
        .await;
    let lines: Vec<&str> = screen.lines().collect();
    let h = lines
        .iter()
        .position(|l| l.starts_with("NAMESPACE"))
        .unwrap();
    let shown: Vec<String> = lines[h + 1..]
        .iter()
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .filter(|n| !n.starts_with('<'))
        .collect();
    assert_eq!(shown, pending, "{screen}");
    // Back to the pulse.
    tui.send(ESC); // clears the filter
    tui.wait("the filter cleared", |s| !s.contains("</re:"))
        .await;
    tui.send(ESC);
    tui.wait("the pulse again", |s| s.contains("SECTION")).await;
}

#[tokio::test]
async fn trends_show_beside_cpu_and_mem_and_a_pods_description_charts_them() {
    let sim = TestSim::start().await;
    let dir = config_dir("metrics: { interval: 1 }\n");
    let mut tui = Tui::start_with_env(
        &sim.kubeconfig(),
        &["-n", "shop"],
        220,
        50,
        &[("XDG_CONFIG_HOME", dir.path())],
    );
    tui.wait("metric columns", |s| s.contains("%CPU/R")).await;
    tui.send("M"); // Shift-M
    let bars = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    // Three samples at least: a trend, not a point.
    tui.wait("trend cells", |s| {
        let lines: Vec<&str> = s.lines().collect();
        let Some(h) = lines.iter().position(|l| l.starts_with("NAME")) else {
            return false;
        };
        lines[h].contains("CPU~")
            && lines[h].contains("MEM~")
            && cell(lines[h], lines[h + 1], "CPU~")
                .is_some_and(|c| c.chars().filter(|c| bars.contains(c)).count() >= 3)
    })
    .await;
    tui.send("M");
    tui.wait("trends hidden", |s| !s.contains("CPU~")).await;
    // The first pod is a running backend pod: its description ends with both charts.
    tui.send("d");
    tui.wait("the charts", |s| {
        s.contains("describe/backend-")
            && s.contains(" CPU ")
            && s.contains(" MEM ")
            && s.contains("samples")
    })
    .await;
}
