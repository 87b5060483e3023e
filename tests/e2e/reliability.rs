//! Reliability under faults and bad input (see docs/RELIABILITY.md): injected API faults while browsing, a
//! crash, secrets kept out of every file tug writes, TLS verification, and exec credential plugins.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::{TestSim, eventually};
use crate::harness::Tui;

const ENTER: &str = "\r";
const CTRL_F: &str = "\x06";
const END: &str = "\x1b[F";
const F12: &str = "\x1b[24~";

async fn request_count(sim: &TestSim) -> u64 {
    sim.get_json("/_sim/stats").await["requests"]
        .as_u64()
        .unwrap()
}

async fn set_faults(sim: &TestSim, spec: &str) {
    let client = sim.client().await;
    let req = http::Request::put("/_sim/faults")
        .body(spec.as_bytes().to_vec())
        .unwrap();
    let (status, body) = crate::common::send(&client, req).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
}

/// The names in the first column of the table's rows.
fn names_on_screen(screen: &str) -> std::collections::BTreeSet<String> {
    screen
        .lines()
        .skip(3)
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.contains('-') || n.chars().all(|c| c.is_ascii_lowercase()))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn api_faults_while_browsing_show_reconnecting_cause_no_request_storm_and_end_in_the_true_state()
 {
    let sim = TestSim::start().await;
    let tui = Tui::start(&sim.kubeconfig(), &["-n", "shop"], 140, 50);
    tui.wait_for("gpu-worker").await;
    // Watches dropped every 2 s, history compacted (410) every 3 s, a third of requests 500 or 429
    // (Retry-After), every answer 2 s late.
    set_faults(
        &sim,
        "watch-drop=2s,gone=3s,error-rate=0.3,throttle-rate=0.3,slow=2s",
    )
    .await;
    let before = request_count(&sim).await;
    let started = tokio::time::Instant::now();
    tui.wait_for("reconnecting").await;
    // Meanwhile the cluster changes: one pod goes, one comes.
    let store = sim.sim.store().clone();
    let pods = store.registry().preferred("", "pods").unwrap();
    store
        .delete(&pods, "shop", "gpu-worker", &Default::default())
        .unwrap();
    store
        .create(
            &pods,
            "shop",
            serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "late-arrival", "namespace": "shop"},
                "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}),
            false,
        )
        .unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let requests = request_count(&sim).await - before;
    let seconds = started.elapsed().as_secs_f64();
    // One watched view backs off exponentially (from 0.5 s, capped at 30 s, with jitter): a storm would be
    // hundreds of requests a second.
    assert!(
        (requests as f64) / seconds < 5.0,
        "{requests} requests in {seconds:.1} s under faults"
    );
    set_faults(&sim, "").await;
    // Once the faults stop, the screen converges on what kubectl sees.
    let truth: std::collections::BTreeSet<String> = sim
        .kubectl_ok(&["get", "pods", "-n", "shop", "-o", "name"])
        .await
        .lines()
        .map(|l| l.trim_start_matches("pod/").to_string())
        .collect();
    assert!(truth.contains("late-arrival") && !truth.contains("gpu-worker"));
    let screen = tui
        .wait("the true set of pods", |s| {
            !s.contains("reconnecting") && names_on_screen(s) == truth
        })
        .await;
    assert!(
        screen
            .lines()
            .nth(1)
            .unwrap()
            .contains(&format!("[{}]", truth.len())),
        "{screen}"
    );
}

/// Where tug writes, each in a fresh temp dir.
struct Files {
    _tmp: tempfile::TempDir,
    journal: PathBuf,
    recovery: PathBuf,
    crashes: PathBuf,
    log: PathBuf,
}

impl Files {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().to_path_buf();
        Self {
            journal: p.join("journal.jsonl"),
            recovery: p.join("recovery"),
            crashes: p.join("crashes"),
            log: p.join("tug.log"),
            _tmp: tmp,
        }
    }

    /// tug writing everything here, logging at `level`, with the test-only panic key on.
    async fn start(&self, sim: &TestSim, level: &str) -> Tui {
        let tui = Tui::start_with_env(
            &sim.kubeconfig(),
            &["--log-file", self.log.to_str().unwrap()],
            120,
            40,
            &[
                ("TUG_JOURNAL", &self.journal),
                ("TUG_RECOVERY_DIR", &self.recovery),
                ("TUG_CRASH_DIR", &self.crashes),
                ("TUG_TEST_PANIC", Path::new("1")),
                ("TUG_LOG", Path::new(level)),
            ],
        );
        tui.wait_for("gpu-worker").await;
        tui
    }
}

fn read_all(dir: &Path) -> String {
    let mut out = String::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_file() {
            out.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
        }
    }
    out
}

#[tokio::test]
async fn a_panic_restores_the_terminal_writes_a_crash_report_and_keeps_the_open_edit() {
    let sim = TestSim::start().await;
    let files = Files::new();
    let mut tui = files.start(&sim, "debug").await;
    crate::actions::select(&mut tui, "deploy", "backend").await;
    tui.send("e");
    // The title shows while the object loads; keys typed before the text is there would be lost.
    tui.wait_for("kind: Deployment").await;
    tui.send(CTRL_F);
    tui.send("replicas: ");
    tui.send(ENTER);
    tui.send(END);
    tui.send("7");
    tui.wait_for("replicas: 27").await;
    tui.send(F12);
    assert!(!tui.exit().await, "a panic is a failure exit");
    assert!(tui.left_alternate_screen(), "back on the main screen");
    assert!(tui.cooked(), "raw mode is off");
    let report = read_all(&files.crashes);
    assert!(report.contains("test panic requested with F12"), "{report}");
    assert!(report.contains("backtrace"), "{report}");
    assert!(
        read_all(&files.recovery).contains("replicas: 27"),
        "the open edit was kept"
    );
    // Only its owner may read it (an edit may hold a Secret's data).
    for e in std::fs::read_dir(&files.recovery).unwrap().flatten() {
        use std::os::unix::fs::PermissionsExt;
        let mode = e.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", e.path().display());
    }
    assert!(
        std::fs::read_to_string(&files.log)
            .unwrap()
            .contains("panic")
    );
}

#[tokio::test]
async fn tokens_and_secret_values_never_reach_the_log_the_journal_or_a_crash_report() {
    let sim = TestSim::start().await;
    let files = Files::new();
    let mut tui = files.start(&sim, "trace").await;
    // Reveal a Secret (masked until asked), change something (journaled), then crash.
    crate::actions::select(&mut tui, "secrets", "postgres-credentials").await;
    tui.send("y");
    tui.wait_for("********").await;
    tui.send("x");
    tui.wait_for("s3cr3t-passw0rd").await;
    tui.send("\x1b");
    tui.wait("the secrets table", |s| !s.contains("s3cr3t"))
        .await;
    crate::actions::select(&mut tui, "deploy", "backend").await;
    tui.send("S");
    tui.wait_for("current replicas").await;
    tui.send("3");
    tui.send(ENTER);
    tui.wait_for("done: scale").await;
    tui.send(F12);
    assert!(!tui.exit().await);
    let files = [
        (
            "log",
            std::fs::read_to_string(&files.log).unwrap_or_default(),
        ),
        (
            "journal",
            std::fs::read_to_string(&files.journal).unwrap_or_default(),
        ),
        ("crash report", read_all(&files.crashes)),
    ];
    assert!(files[0].1.contains("connecting"), "the log is written");
    assert!(files[1].1.contains("backend"), "the change is journaled");
    assert!(!files[2].1.is_empty(), "the crash report is written");
    for (what, text) in &files {
        for secret in [
            tug_sim::auth::ADMIN_TOKEN,
            tug_sim::auth::VIEWER_TOKEN,
            "s3cr3t-passw0rd",
            "czNjcjN0LXBhc3N3MHJk",
        ] {
            assert!(!text.contains(secret), "the {what} holds {secret}");
        }
    }
}

/// The sim's kubeconfig with its cluster and admin user rewritten by `edit`.
fn kubeconfig_variant(
    sim: &TestSim,
    name: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> PathBuf {
    let text = std::fs::read_to_string(sim.kubeconfig()).unwrap();
    let mut kc: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    edit(&mut kc);
    let path = sim.dir.path().join(name);
    std::fs::write(&path, serde_json::to_string(&kc).unwrap()).unwrap();
    path
}

#[tokio::test]
async fn tls_is_verified_unless_the_kubeconfig_says_otherwise_and_then_the_header_warns() {
    let sim = TestSim::start().await;
    // Without the sim's CA the server cannot be verified: tug says so and does not connect.
    let unverified = kubeconfig_variant(&sim, "no-ca", |kc| {
        let cluster = kc["clusters"][0]["cluster"].as_object_mut().unwrap();
        cluster.remove("certificate-authority-data");
    });
    let tui = Tui::start(&unverified, &[], 120, 30);
    let screen = tui
        .wait("a certificate error", |s| {
            s.to_lowercase().contains("certificate") || s.contains("UnknownIssuer")
        })
        .await;
    assert!(!screen.contains("gpu-worker"), "{screen}");
    drop(tui);
    // With insecure-skip-tls-verify it connects, and the header says the server is not verified.
    let insecure = kubeconfig_variant(&sim, "insecure", |kc| {
        let cluster = kc["clusters"][0]["cluster"].as_object_mut().unwrap();
        cluster.remove("certificate-authority-data");
        cluster.insert("insecure-skip-tls-verify".into(), true.into());
    });
    let tui = Tui::start(&insecure, &[], 140, 30);
    let screen = tui.wait_for("gpu-worker").await;
    assert!(
        screen.lines().next().unwrap().contains("INSECURE TLS"),
        "{screen}"
    );
    // The verified default shows no such warning.
    let tui = Tui::start(&sim.kubeconfig(), &[], 140, 30);
    let screen = tui.wait_for("gpu-worker").await;
    assert!(!screen.contains("INSECURE"), "{screen}");
}

#[tokio::test]
async fn an_exec_credential_plugin_supplies_the_token() {
    let sim = TestSim::start().await;
    let plugin = sim.dir.path().join("credential-plugin.sh");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{}\"}}}}'\n",
            tug_sim::auth::VIEWER_TOKEN
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let kubeconfig = kubeconfig_variant(&sim, "exec", |kc| {
        kc["users"][0]["user"] = serde_json::json!({"exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": plugin.to_str().unwrap(),
            "interactiveMode": "Never",
        }});
    });
    let since = request_count(&sim).await;
    let mut tui = Tui::start(&kubeconfig, &[], 120, 30);
    tui.wait_for("gpu-worker").await;
    // The token is the viewer's: the server says so, reads work, a change is refused before it is sent.
    tui.wait_for("user:viewer ").await;
    crate::actions::select(&mut tui, "deploy", "backend").await;
    tui.wait_for("S:scale").await;
    tui.send("S");
    tui.wait_for("not allowed: patch deployments.apps/scale in shop")
        .await;
    eventually("the sim saw the viewer's requests", || async {
        let log = sim.get_json(&format!("/_sim/requests?since={since}")).await;
        log.as_array()
            .into_iter()
            .flatten()
            .any(|r| r["user"] == "viewer")
            .then_some(())
    })
    .await;
}
