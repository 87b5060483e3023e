//! The controllers, observed through kubectl: scaling, rolling updates with revision history, rollback and
//! restart, pod replacement, watches, scenario pods, determinism and scale.

use std::collections::BTreeSet;

use tokio::io::AsyncBufReadExt;

use crate::common::{TestSim, eventually};

async fn running_pods(sim: &TestSim, ns: &str, selector: &str) -> Vec<String> {
    let out = sim
        .kubectl_ok(&[
            "get", "pods", "-n", ns, "-l", selector, "--field-selector", "status.phase=Running",
            "-o", "jsonpath={range .items[?(@.metadata.deletionTimestamp)]}{end}{range .items[*]}{.metadata.name}{\"\\n\"}{end}",
        ])
        .await;
    out.lines().map(str::to_string).collect()
}

#[tokio::test]
async fn scaling_a_deployment_to_five_gives_five_running_pods() {
    let sim = TestSim::start().await;
    sim.kubectl_ok(&["scale", "deploy/frontend", "-n", "shop", "--replicas=5"])
        .await;
    eventually("5 running frontend pods", || async {
        let pods = running_pods(&sim, "shop", "app=frontend").await;
        (pods.len() == 5).then_some(())
    })
    .await;
}

const WEB_V1: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "example/web:v1"}]
"#;

async fn revision(sim: &TestSim) -> String {
    sim.kubectl_ok(&[
        "get",
        "deploy",
        "web",
        "-n",
        "shop",
        "-o",
        "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}",
    ])
    .await
}

async fn image(sim: &TestSim) -> String {
    sim.kubectl_ok(&[
        "get",
        "deploy",
        "web",
        "-n",
        "shop",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ])
    .await
}

#[tokio::test]
async fn rolling_update_history_undo_and_restart_work_like_a_real_cluster() {
    let sim = TestSim::start().await;
    sim.kubectl_stdin(&["apply", "-f", "-"], Some(WEB_V1)).await;
    sim.kubectl_ok(&[
        "rollout",
        "status",
        "deploy/web",
        "-n",
        "shop",
        "--timeout=30s",
    ])
    .await;
    assert_eq!(revision(&sim).await, "1");

    sim.kubectl_ok(&[
        "set",
        "image",
        "deploy/web",
        "-n",
        "shop",
        "web=example/web:v2",
    ])
    .await;
    let status = sim
        .kubectl_ok(&[
            "rollout",
            "status",
            "deploy/web",
            "-n",
            "shop",
            "--timeout=30s",
        ])
        .await;
    assert!(status.contains("successfully rolled out"), "{status}");
    assert_eq!(revision(&sim).await, "2");
    // Two ReplicaSets: the new one (revision 2) with both replicas, the old one scaled to 0.
    let sets = sim
        .kubectl_ok(&[
            "get", "rs", "-n", "shop", "-l", "app=web", "-o",
            "jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision} {.spec.replicas} {.spec.template.spec.containers[0].image}{\"\\n\"}{end}",
        ])
        .await;
    let mut sets: Vec<&str> = sets.lines().collect();
    sets.sort();
    assert_eq!(sets, ["1 0 example/web:v1", "2 2 example/web:v2"]);

    let history = sim
        .kubectl_ok(&["rollout", "history", "deploy/web", "-n", "shop"])
        .await;
    let revisions: Vec<&str> = history
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.parse::<u32>().is_ok())
        .collect();
    assert_eq!(revisions, ["1", "2"], "{history}");

    sim.kubectl_ok(&["rollout", "undo", "deploy/web", "-n", "shop"])
        .await;
    eventually("rollback to v1 as revision 3", || async {
        (image(&sim).await == "example/web:v1" && revision(&sim).await == "3").then_some(())
    })
    .await;
    sim.kubectl_ok(&[
        "rollout",
        "status",
        "deploy/web",
        "-n",
        "shop",
        "--timeout=30s",
    ])
    .await;
    let pods = running_pods(&sim, "shop", "app=web").await;
    assert_eq!(pods.len(), 2);

    sim.kubectl_ok(&["rollout", "restart", "deploy/web", "-n", "shop"])
        .await;
    eventually("restart makes revision 4", || async {
        (revision(&sim).await == "4").then_some(())
    })
    .await;
    sim.kubectl_ok(&[
        "rollout",
        "status",
        "deploy/web",
        "-n",
        "shop",
        "--timeout=30s",
    ])
    .await;
    let history = sim
        .kubectl_ok(&["rollout", "history", "deploy/web", "-n", "shop"])
        .await;
    assert!(history.lines().any(|l| l.starts_with('4')), "{history}");
}

#[tokio::test]
async fn a_deleted_pod_is_replaced_and_watchers_see_both_events() {
    let sim = TestSim::start().await;
    let before = running_pods(&sim, "shop", "app=redis").await;
    assert_eq!(before.len(), 1, "{before:?}");
    let victim = before[0].clone();

    let mut watch = tokio::process::Command::new("kubectl")
        .env("KUBECONFIG", sim.kubeconfig())
        .arg(format!(
            "--cache-dir={}",
            sim.dir.path().join("cache-w").display()
        ))
        .args([
            "get",
            "pods",
            "-n",
            "shop",
            "-l",
            "app=redis",
            "-w",
            "--output-watch-events",
            "--no-headers",
        ])
        .args([
            "-o",
            "custom-columns=EVENT:.type,NAME:.object.metadata.name",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(watch.stdout.take().unwrap()).lines();
    let deadline = tokio::time::Instant::now() + crate::common::DEADLINE;
    let mut next = async || -> (String, String) {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let mut words = line.split_whitespace().map(str::to_string);
        (
            words.next().unwrap_or_default(),
            words.next().unwrap_or_default(),
        )
    };
    // The watch starts with the current pod.
    assert_eq!(next().await, ("ADDED".to_string(), victim.clone()));

    sim.kubectl_ok(&["delete", "pod", &victim, "-n", "shop"])
        .await;
    let (mut deleted, mut replacement) = (false, None);
    while !deleted || replacement.is_none() {
        match next().await {
            (event, name) if event == "DELETED" && name == victim => deleted = true,
            (event, name) if event == "ADDED" && name != victim => replacement = Some(name),
            _ => {}
        }
    }
    eventually("a replacement pod is running", || async {
        let now = running_pods(&sim, "shop", "app=redis").await;
        (now.len() == 1 && now[0] != victim).then_some(())
    })
    .await;
    let _ = watch.kill().await;
}

#[tokio::test]
async fn scenario_pods_crash_loop_and_stay_pending() {
    let sim = TestSim::start().await;
    let out = sim
        .kubectl_ok(&[
            "get", "pods", "-n", "shop", "-l", "app=payments", "-o",
            "jsonpath={.items[0].status.containerStatuses[0].restartCount} {.items[0].status.containerStatuses[0].lastState.terminated.exitCode}",
        ])
        .await;
    let (restarts, exit) = out.split_once(' ').unwrap();
    assert!(restarts.parse::<u32>().unwrap() > 0, "{out}");
    assert_eq!(exit, "1");
    eventually("payments is in CrashLoopBackOff", || async {
        let reason = sim
            .kubectl_ok(&[
                "get",
                "pods",
                "-n",
                "shop",
                "-l",
                "app=payments",
                "-o",
                "jsonpath={.items[0].status.containerStatuses[0].state.waiting.reason}",
            ])
            .await;
        (reason == "CrashLoopBackOff").then_some(())
    })
    .await;

    let phase = sim
        .kubectl_ok(&[
            "get",
            "pod",
            "gpu-worker",
            "-n",
            "shop",
            "-o",
            "jsonpath={.status.phase}",
        ])
        .await;
    assert_eq!(phase, "Pending");
    let events = sim
        .kubectl_ok(&[
            "get",
            "events",
            "-n",
            "shop",
            "--field-selector",
            "involvedObject.name=gpu-worker",
            "-o",
            "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}",
        ])
        .await;
    assert!(
        events.contains("FailedScheduling: 0/3 nodes are available"),
        "{events}"
    );
}

async fn all_pod_names(sim: &TestSim) -> BTreeSet<String> {
    sim.kubectl_ok(&[
        "get",
        "pods",
        "-A",
        "-o",
        "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{\"\\n\"}{end}",
    ])
    .await
    .lines()
    .map(str::to_string)
    .collect()
}

#[tokio::test]
async fn the_world_is_deterministic_for_a_seed() {
    let opts = |seed| tug_sim::SimOptions {
        seed,
        ..Default::default()
    };
    let a = TestSim::start_with(opts(7)).await;
    let b = TestSim::start_with(opts(7)).await;
    let c = TestSim::start_with(opts(8)).await;
    let (na, nb, nc) = (
        all_pod_names(&a).await,
        all_pod_names(&b).await,
        all_pod_names(&c).await,
    );
    assert!(na.len() > 20, "{na:?}");
    assert_ne!(na, nc, "another seed, other names");
    // Retried: a CronJob firing on the real clock lands in both sims, but not at the same instant.
    if na != nb {
        eventually("same seed, same pod names", || async {
            (all_pod_names(&a).await == all_pod_names(&b).await).then_some(())
        })
        .await;
    }
}

#[tokio::test]
async fn ten_thousand_load_pods_list_in_chunks() {
    let sim = TestSim::start_with(tug_sim::SimOptions {
        pods: 10_000,
        ..Default::default()
    })
    .await;
    let out = sim
        .kubectl_ok(&["get", "pods", "-A", "--chunk-size=500", "-o", "name"])
        .await;
    // Counted within the one list: the demo world's own pods may come and go meanwhile (CronJobs).
    let load = out
        .lines()
        .filter(|l| {
            l.strip_prefix("pod/app-")
                .and_then(|rest| rest.split_once('-'))
                .is_some_and(|(_, n)| n.len() == 5 && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .count();
    assert_eq!(load, 10_000);
    assert!(
        out.lines().count() - load > 20,
        "the demo world is there too"
    );
}
