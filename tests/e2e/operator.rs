//! Operator actions, round two, from the keyboard: set image on one container of a workload, trigger and
//! suspend a CronJob; each checked with kubectl afterwards.

use std::path::Path;

use crate::actions::select;
use crate::common::{TestSim, eventually};
use crate::harness::Tui;

const ENTER: &str = "\r";
const CTRL_U: &str = "\x15";
const CTRL_S: &str = "\x13";

fn start(sim: &TestSim, journal: &Path, args: &[&str]) -> Tui {
    Tui::start_with_env(
        &sim.kubeconfig(),
        args,
        120,
        40,
        &[("TUG_JOURNAL", journal)],
    )
}

async fn backend_pods(sim: &TestSim) -> Vec<String> {
    let out = sim
        .kubectl_ok(&[
            "get",
            "pods",
            "-n",
            "shop",
            "-l",
            "app=backend",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ])
        .await;
    let mut pods: Vec<String> = out.split_whitespace().map(str::to_string).collect();
    pods.sort();
    pods
}

#[tokio::test]
async fn set_image_on_one_container_of_backend_leaves_the_sidecar_and_rolls_out_a_new_revision() {
    let sim = TestSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let before = backend_pods(&sim).await;
    assert!(!before.is_empty());
    let mut tui = start(&sim, &journal, &["-n", "shop"]);
    tui.wait_for("gpu-worker").await;
    select(&mut tui, "deploy", "backend").await;
    tui.send("i");
    let screen = tui.wait_for("Set image deployment/backend").await;
    assert!(screen.contains("envoyproxy/envoy:v1.31.2"), "{screen}");
    // The cursor starts on the first container, `app`.
    tui.send(CTRL_U);
    tui.send("ghcr.io/tug-demo/shop-backend:2.5.0");
    tui.send(ENTER);
    let screen = tui.wait_for("Set image of deployment/backend?").await;
    assert!(
        screen.contains("+   image: ghcr.io/tug-demo/shop-backend:2.5.0")
            && screen.contains("-   image: ghcr.io/tug-demo/shop-backend:2.4.1"),
        "{screen}"
    );
    assert!(!screen.contains("container envoy"), "{screen}");
    tui.send("y");
    tui.wait_for("done: set image deployment/backend in shop")
        .await;
    let images = sim
        .kubectl_ok(&[
            "get",
            "deploy",
            "backend",
            "-n",
            "shop",
            "-o",
            "jsonpath={.spec.template.spec.containers[*].image}",
        ])
        .await;
    assert_eq!(
        images,
        "ghcr.io/tug-demo/shop-backend:2.5.0 envoyproxy/envoy:v1.31.2"
    );
    sim.kubectl_ok(&[
        "rollout",
        "status",
        "deploy/backend",
        "-n",
        "shop",
        "--timeout=60s",
    ])
    .await;
    let revision = sim
        .kubectl_ok(&[
            "get",
            "deploy",
            "backend",
            "-n",
            "shop",
            "-o",
            "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}",
        ])
        .await;
    assert_eq!(revision, "2");
    eventually("every backend pod replaced", || async {
        let now = backend_pods(&sim).await;
        (!now.is_empty() && now.iter().all(|p| !before.contains(p))).then_some(())
    })
    .await;
    let journal = std::fs::read_to_string(&journal).unwrap();
    assert!(
        journal.contains(
            "set image deployment/backend in shop: app=ghcr.io/tug-demo/shop-backend:2.5.0"
        ),
        "{journal}"
    );
    // The rollout is undoable through the history, as any other.
    tui.send("h");
    // (Its CHANGES column names the change; the images column is cut at 120 columns.)
    tui.wait("the history", |s| {
        s.contains("history/backend") && s.contains("app: 2.4.1→2.5.0")
    })
    .await;
}

#[tokio::test]
async fn trigger_a_cronjob_then_suspend_it() {
    let sim = TestSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut tui = start(&sim, &dir.path().join("journal.jsonl"), &["-n", "batch"]);
    tui.wait_for("data-import").await;
    select(&mut tui, "cronjobs", "cleanup").await;
    tui.send("t");
    let screen = tui.wait_for("Run cronjob/cleanup now?").await;
    assert!(screen.contains("creates job cleanup-manual-"), "{screen}");
    tui.send("y");
    tui.wait_for("done: trigger cronjob/cleanup in batch").await;
    let line = sim
        .kubectl_ok(&["get", "jobs", "-n", "batch", "-o", "jsonpath={range .items[*]}{.metadata.name} {.metadata.annotations.cronjob\\.kubernetes\\.io/instantiate} {.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}{\"\\n\"}{end}"])
        .await;
    let job = line
        .lines()
        .find(|l| l.starts_with("cleanup-manual-"))
        .unwrap_or_else(|| panic!("no manual job in {line}"));
    let fields: Vec<&str> = job.split_whitespace().collect();
    assert_eq!(fields[1..], ["manual", "CronJob/cleanup"], "{job}");
    let job = fields[0].to_string();
    eventually("the job's pod runs", || async {
        let phase = sim
            .kubectl_ok(&[
                "get",
                "pods",
                "-n",
                "batch",
                "-l",
                &format!("job-name={job}"),
                "-o",
                "jsonpath={.items[*].status.phase}",
            ])
            .await;
        (phase.contains("Running") || phase.contains("Succeeded")).then_some(())
    })
    .await;
    tui.send(CTRL_S);
    tui.wait_for("Suspend cronjob/cleanup?").await;
    tui.send("y");
    tui.wait_for("done: suspend cronjob/cleanup in batch").await;
    let suspended = sim
        .kubectl_ok(&[
            "get",
            "cronjob",
            "cleanup",
            "-n",
            "batch",
            "-o",
            "jsonpath={.spec.suspend}",
        ])
        .await;
    assert_eq!(suspended, "true");
    // Enter on the CronJob lists its Jobs (not the others of the namespace), Enter on a Job its pods.
    tui.send(ENTER);
    let screen = tui
        .wait("the cronjob's jobs", |s| {
            s.lines()
                .nth(1)
                .is_some_and(|t| t.contains("cronjobs.batch/cleanup"))
                && s.contains(&job)
        })
        .await;
    assert!(!screen.contains("db-migrate-42"), "{screen}");
    tui.send("/manual");
    tui.send(ENTER);
    tui.wait("one job", |s| {
        s.lines().nth(1).is_some_and(|t| t.contains("[1]"))
    })
    .await;
    tui.send(ENTER);
    tui.wait("the job's pod", |s| {
        s.lines().skip(3).any(|l| l.starts_with(&format!("{job}-")))
    })
    .await;
}

/// A config dir whose `tug/settings.yaml` says `settings`.
pub(crate) fn config_dir(settings: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tug")).unwrap();
    std::fs::write(dir.path().join("tug/settings.yaml"), settings).unwrap();
    dir
}

#[tokio::test]
async fn a_protected_context_sends_no_delete_until_the_name_is_typed_and_denies_what_it_denies() {
    let sim = TestSim::start().await;
    let config =
        config_dir("protected_contexts: [\"tug-*\"]\ndenied_actions:\n  \"tug-s?m\": [drain]\n");
    let mut tui = Tui::start_with_env(
        &sim.kubeconfig(),
        &["-n", "shop"],
        120,
        40,
        &[("XDG_CONFIG_HOME", config.path())],
    );
    let screen = tui.wait_for("gpu-worker").await;
    assert!(
        screen.lines().next().unwrap().contains("PROTECTED"),
        "{screen}"
    );
    select(&mut tui, "deploy", "frontend").await;
    let since = sim.get_json("/_sim/stats").await["requests"]
        .as_u64()
        .unwrap();
    tui.send("\x04"); // Ctrl-D
    tui.wait_for("type frontend to confirm").await;
    // Yes is only a letter here, and a wrong name is refused.
    tui.send("y");
    tui.send(ENTER);
    tui.wait_for("type frontend exactly; nothing was sent")
        .await;
    tui.send("\x7f");
    tui.send("fronten");
    tui.send(ENTER);
    tui.wait("the wrong name refused", |s| {
        s.contains("> fronten▏") && s.contains("type frontend exactly")
    })
    .await;
    let sent = crate::actions::mutations_since(&sim, since).await;
    assert!(
        sent.is_empty(),
        "nothing before the name is typed: {sent:?}"
    );
    tui.send("d");
    tui.send(ENTER);
    tui.wait_for("done: delete deployment/frontend in shop")
        .await;
    let sent = crate::actions::mutations_since(&sim, since).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].starts_with("\"DELETE\""), "{sent:?}");
    let (ok, _, _) = sim
        .kubectl(&["get", "deploy", "frontend", "-n", "shop"])
        .await;
    assert!(!ok, "frontend is gone");
    // Denied: not even a dialog.
    let since = sim.get_json("/_sim/stats").await["requests"]
        .as_u64()
        .unwrap();
    tui.send(":nodes");
    tui.send(ENTER);
    tui.wait_for("tug-worker2").await;
    tui.send("D");
    tui.wait_for("drain is denied in context tug-sim").await;
    let sent = crate::actions::mutations_since(&sim, since).await;
    assert!(sent.is_empty(), "{sent:?}");
}

const POSTGRES_PODS: &str = "jsonpath={range .items[*]}{.metadata.name} {.metadata.uid} {.status.conditions[?(@.type==\"Ready\")].status} {.metadata.deletionTimestamp} {.metadata.creationTimestamp}{\"\\n\"}{end}";

/// (name, uid, ready and not going, created) of postgres's pods.
async fn postgres_pods(sim: &TestSim) -> Vec<(String, String, bool, String)> {
    let out = sim
        .kubectl_ok(&[
            "get",
            "pods",
            "-n",
            "shop",
            "-l",
            "app=postgres",
            "-o",
            POSTGRES_PODS,
        ])
        .await;
    out.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // A pod being deleted has one more field (its deletionTimestamp).
            let ready = f.len() == 4 && f[2] == "True";
            Some((
                f.first()?.to_string(),
                f.get(1)?.to_string(),
                ready,
                f.last()?.to_string(),
            ))
        })
        .collect()
}

#[tokio::test]
async fn restart_postgres_replaces_its_pods_one_by_one_from_the_highest_ordinal() {
    let sim = TestSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    sim.kubectl_ok(&[
        "rollout",
        "status",
        "sts/postgres",
        "-n",
        "shop",
        "--timeout=60s",
    ])
    .await;
    let before: Vec<String> = postgres_pods(&sim).await.into_iter().map(|p| p.1).collect();
    assert_eq!(before.len(), 2);
    let mut tui = start(&sim, &dir.path().join("journal.jsonl"), &["-n", "shop"]);
    tui.wait_for("gpu-worker").await;
    select(&mut tui, "sts", "postgres").await;
    tui.send("r");
    tui.wait_for("Restart statefulset/postgres?").await;
    tui.send("y");
    tui.wait_for("done: restart statefulset/postgres in shop")
        .await;
    tui.wait("the rollout in the title", |s| {
        s.lines()
            .nth(1)
            .is_some_and(|t| t.contains("rolling out postgres: ready 1/2"))
    })
    .await;
    let restarted = sim
        .kubectl_ok(&[
            "get",
            "sts",
            "postgres",
            "-n",
            "shop",
            "-o",
            "jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}",
        ])
        .await;
    assert!(
        restarted.parse::<jiff::Timestamp>().is_ok(),
        "{restarted:?}"
    );
    // One at a time: at every look at least one of the two serves.
    let after = eventually("every pod replaced", || async {
        let pods = postgres_pods(&sim).await;
        assert!(pods.iter().any(|p| p.2), "no postgres pod ready: {pods:?}");
        (pods.len() == 2 && pods.iter().all(|p| p.2 && !before.contains(&p.1))).then_some(pods)
    })
    .await;
    let created = |n: &str| after.iter().find(|p| p.0 == n).map(|p| p.3.clone());
    assert!(created("postgres-1") <= created("postgres-0"), "{after:?}");
}

async fn postgres_template(sim: &TestSim) -> serde_json::Value {
    let out = sim
        .kubectl_ok(&[
            "get",
            "sts",
            "postgres",
            "-n",
            "shop",
            "-o",
            "jsonpath={.spec.template}",
        ])
        .await;
    serde_json::from_str(&out).unwrap()
}

async fn set_postgres_image(sim: &TestSim, image: &str) {
    sim.kubectl_ok(&[
        "set",
        "image",
        "sts/postgres",
        "-n",
        "shop",
        &format!("postgres={image}"),
    ])
    .await;
    sim.kubectl_ok(&[
        "rollout",
        "status",
        "sts/postgres",
        "-n",
        "shop",
        "--timeout=60s",
    ])
    .await;
}

#[tokio::test]
async fn undo_of_a_statefulset_revision_equals_kubectl_rollout_undo() {
    let sim = TestSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    sim.kubectl_ok(&[
        "rollout",
        "status",
        "sts/postgres",
        "-n",
        "shop",
        "--timeout=60s",
    ])
    .await;
    let original = postgres_template(&sim).await;
    set_postgres_image(&sim, "postgres:16.5").await;
    let mut tui = start(&sim, &dir.path().join("journal.jsonl"), &["-n", "shop"]);
    tui.wait_for("gpu-worker").await;
    select(&mut tui, "sts", "postgres").await;
    tui.send("h");
    let screen = tui
        .wait("the history", |s| {
            s.contains("history/postgres") && s.contains("postgres:16.4")
        })
        .await;
    assert!(screen.contains("CONTROLLERREVISION"), "{screen}");
    tui.send("u"); // the cursor starts on the previous revision
    let screen = tui
        .wait_for("Roll back statefulset/postgres to revision 1?")
        .await;
    assert!(screen.contains("+    image: postgres:16.4"), "{screen}");
    tui.send("y");
    tui.wait_for("done: roll back statefulset/postgres in shop to revision 1")
        .await;
    let by_tug = postgres_template(&sim).await;
    assert_eq!(by_tug, original);
    sim.kubectl_ok(&[
        "rollout",
        "status",
        "sts/postgres",
        "-n",
        "shop",
        "--timeout=60s",
    ])
    .await;
    // The same again through kubectl: the result is the same template.
    set_postgres_image(&sim, "postgres:16.5").await;
    sim.kubectl_ok(&["rollout", "undo", "sts/postgres", "-n", "shop"])
        .await;
    assert_eq!(postgres_template(&sim).await, by_tug);
    let history = sim
        .kubectl_ok(&["rollout", "history", "sts/postgres", "-n", "shop"])
        .await;
    assert!(
        history.contains('5'),
        "rolled-back revisions are renumbered: {history}"
    );
}

#[tokio::test]
async fn copy_sends_osc52_with_the_text_and_save_writes_the_table_as_csv() {
    use base64::Engine as _;
    let sim = TestSim::start().await;
    let data = tempfile::tempdir().unwrap();
    let mut tui = Tui::start_with_env(
        &sim.kubeconfig(),
        &["-n", "shop"],
        120,
        40,
        &[("XDG_DATA_HOME", data.path())],
    );
    tui.wait_for("gpu-worker").await;
    select(&mut tui, "deploy", "backend").await;
    tui.send("P"); // Shift-P: namespace/name
    tui.wait_for("copied namespace/name (12 bytes) to the clipboard")
        .await;
    let sequence = format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode("shop/backend")
    );
    let raw = tui.raw.lock().unwrap().clone();
    assert!(
        raw.windows(sequence.len())
            .any(|w| w == sequence.as_bytes()),
        "no OSC 52 with shop/backend's base64 in the output"
    );
    tui.send(":save");
    tui.send(ENTER);
    let screen = tui.wait_for("saved to").await;
    let saved = data.path().join("tug/saved");
    let file = std::fs::read_dir(&saved)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "csv"))
        .unwrap_or_else(|| panic!("no csv in {saved:?}: {screen}"));
    let csv = std::fs::read_to_string(file).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("NAME,READY,"), "{csv}");
    assert!(lines.next().unwrap().starts_with("backend,"), "{csv}");
    assert_eq!(lines.next(), None, "only the rows shown: {csv}");
}

#[tokio::test]
async fn the_history_diffs_any_two_revisions_the_marked_one_against_the_one_under_the_cursor() {
    let sim = TestSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    sim.kubectl_ok(&[
        "set",
        "image",
        "deploy/frontend",
        "-n",
        "shop",
        "nginx=nginx:1.28",
    ])
    .await;
    sim.kubectl_ok(&[
        "rollout",
        "status",
        "deploy/frontend",
        "-n",
        "shop",
        "--timeout=60s",
    ])
    .await;
    let mut tui = start(&sim, &dir.path().join("journal.jsonl"), &["-n", "shop"]);
    tui.wait_for("gpu-worker").await;
    select(&mut tui, "deploy", "frontend").await;
    tui.send("h");
    tui.wait("three revisions", |s| {
        s.contains("history/frontend") && s.contains("nginx:1.28") && s.contains("nginx:1.26")
    })
    .await;
    // The cursor starts on revision 2: mark it (the cursor moves on to 1), then diff 2 against 1.
    tui.send(" ");
    tui.send(ENTER);
    let screen = tui.wait_for("diff/revision 2..1").await;
    assert!(
        screen.contains("-") && screen.contains("image: nginx:1.27"),
        "{screen}"
    );
    assert!(screen.contains("image: nginx:1.26"), "{screen}");
    assert!(
        !screen.contains("nginx:1.28"),
        "the current revision is not in it: {screen}"
    );
}

/// What `PING` through the forward on `local` answers; `None` when the connection was reset (the pod it went
/// to vanished mid-connection: a client would connect again).
async fn ping_once(local: &str) -> Option<Vec<u8>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(local).await.unwrap();
    conn.write_all(b"PING\r\n").await.ok()?;
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(crate::common::DEADLINE, conn.read(&mut buf))
        .await
        .unwrap()
        .ok()?;
    Some(buf[..n].to_vec())
}

/// Pings through the forward until a connection is not reset, and returns its answer.
async fn ping(local: &str) -> Vec<u8> {
    crate::common::eventually("a connection through the forward", || ping_once(local)).await
}

#[tokio::test]
async fn a_port_forward_keeps_answering_on_its_local_port_after_its_pod_is_deleted() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &["-c", "svc", "-n", "shop"], 140, 30);
    tui.wait_for("LoadBalancer").await;
    tui.send("/redis");
    tui.send(ENTER);
    tui.wait("one service", |s| {
        s.contains("</redis>") && !s.contains("frontend")
    })
    .await;
    tui.send("f");
    tui.wait_for("Port-forward pod/redis-").await;
    tui.send(&"\x7f".repeat(9));
    tui.send("0:6379");
    tui.send(ENTER);
    let screen = tui.wait_for("forwarding 127.0.0.1:").await;
    let after = screen.split("forwarding ").nth(1).unwrap();
    let local = after.split_whitespace().next().unwrap().to_string();
    let pod = after
        .split("shop/")
        .nth(1)
        .and_then(|s| s.split(':').next())
        .unwrap()
        .to_string();
    assert_eq!(ping(&local).await, b"+PONG\r\n");
    sim.kubectl_ok(&["delete", "pod", &pod, "-n", "shop"]).await;
    sim.kubectl_ok(&[
        "rollout",
        "status",
        "deploy/redis",
        "-n",
        "shop",
        "--timeout=60s",
    ])
    .await;
    assert_eq!(
        ping(&local).await,
        b"+PONG\r\n",
        "same local port, another pod"
    );
    tui.send(":pf");
    tui.send(ENTER);
    let screen = tui
        .wait("the reconnect counted", |s| {
            s.lines().any(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                f.first() == Some(&local.as_str()) && f.get(2) == Some(&"1")
            })
        })
        .await;
    assert!(
        screen.contains("RECONNECTS") && screen.contains(&format!("{pod}: pods")),
        "the last error shows: {screen}"
    );
}

async fn http_get(local: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(local).await.unwrap();
    conn.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    // The forward keeps the connection open: read until the page has come.
    let mut buf = vec![];
    let mut chunk = [0u8; 4096];
    while !String::from_utf8_lossy(&buf).contains("</html>") {
        let n = tokio::time::timeout(crate::common::DEADLINE, conn.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn forwards_declared_for_the_context_start_with_tug_and_a_bad_one_shows_its_error() {
    let sim = TestSim::start().await;
    let config = config_dir(
        "port_forwards:\n  tug-sim:\n    - { target: svc/frontend, namespace: shop, local: 0, remote: 80 }\n    - { target: svc/nope, namespace: shop, remote: 80 }\n  tug-sim-viewer: [ { target: deploy/redis, namespace: shop, remote: 6379 } ]\n",
    );
    let mut tui = Tui::start_with_env(
        &sim.kubeconfig(),
        &["-n", "shop"],
        160,
        40,
        &[("XDG_CONFIG_HOME", config.path())],
    );
    tui.wait_for("gpu-worker").await;
    tui.send(":pf");
    tui.send(ENTER);
    let screen = tui
        .wait("both declared forwards listed", |s| {
            s.contains("shop/frontend-") && s.contains("shop/service/nope:80")
        })
        .await;
    let row = screen
        .lines()
        .find(|l| l.contains("shop/frontend-"))
        .unwrap();
    let local = row.split_whitespace().next().unwrap().to_string();
    assert!(local.starts_with("127.0.0.1:"), "{row}");
    // The service's port 80 goes to the pods' port named http, as kubectl port-forward svc/frontend 0:80 does.
    assert!(row.contains(":80 "), "{row}");
    let failed = screen.lines().find(|l| l.contains("nope")).unwrap();
    assert!(
        failed.contains("not found"),
        "the last error shows: {failed}"
    );
    let answer = http_get(&local).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("nginx"),
        "the frontend pod answers: {answer}"
    );

    // Another context starts its own; coming back does not start the running ones twice.
    tui.send(":ctx tug-sim-viewer");
    tui.send(ENTER);
    tui.wait_for("user:viewer").await;
    tui.send(":pf");
    tui.send(ENTER);
    tui.wait("the viewer context's forward tried", |s| {
        s.contains("shop/redis-") || s.contains("shop/deployment/redis:6379")
    })
    .await;
    tui.send(":ctx tug-sim");
    tui.send(ENTER);
    tui.wait_for("user:admin").await;
    tui.send(":pf");
    tui.send(ENTER);
    let screen = tui
        .wait("back on tug-sim", |s| {
            s.contains("shop/frontend-") && s.contains("shop/service/nope:80")
        })
        .await;
    assert_eq!(
        screen.matches("shop/frontend-").count(),
        1,
        "not started twice: {screen}"
    );
    assert_eq!(
        screen.lines().filter(|l| l.contains("nope")).count(),
        1,
        "retried, not doubled: {screen}"
    );
}

#[tokio::test]
async fn the_rollout_history_says_what_each_revision_changed() {
    let sim = TestSim::start().await;
    sim.kubectl_ok(&[
        "set",
        "image",
        "deploy/frontend",
        "nginx=nginx:1.28",
        "-n",
        "shop",
    ])
    .await;
    sim.kubectl_ok(&[
        "rollout",
        "status",
        "deploy/frontend",
        "-n",
        "shop",
        "--timeout=60s",
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut tui = start(&sim, &dir.path().join("journal.jsonl"), &["-n", "shop"]);
    tui.wait_for("gpu-worker").await;
    select(&mut tui, "deploy", "frontend").await;
    tui.send("h");
    let screen = tui.wait_for("nginx: 1.27→1.28").await;
    assert!(screen.contains("CHANGES"), "{screen}");
    let newest = screen
        .lines()
        .find(|l| l.contains("nginx: 1.27→1.28"))
        .unwrap();
    assert_eq!(
        newest
            .split_whitespace()
            .find(|w| w.chars().all(|c| c.is_ascii_digit())),
        Some("3"),
        "the newest revision: {newest}"
    );
    assert!(
        screen.contains("nginx: 1.26→1.27"),
        "revision 2's: {screen}"
    );
}
