//! The runtime never waits on the UI loop: a context switch to a cluster that hangs or refuses leaves the
//! current view working, and start-up failures are messages, not crashes.

use std::path::{Path, PathBuf};

use crate::common::TestSim;
use crate::harness::Tui;

const ENTER: &str = "\r";

/// The sim's kubeconfig plus a context `name` whose cluster is at `addr` (admin's token, TLS unverified).
fn kubeconfig_with(sim: &TestSim, name: &str, addr: std::net::SocketAddr) -> PathBuf {
    let text = std::fs::read_to_string(sim.kubeconfig()).unwrap();
    let text = text
        .replacen(
            "clusters:\n",
            &format!(
                "clusters:\n- name: {name}\n  cluster:\n    server: https://{addr}\n    insecure-skip-tls-verify: true\n"
            ),
            1,
        )
        .replacen(
            "contexts:\n",
            &format!("contexts:\n- name: {name}\n  context:\n    cluster: {name}\n    user: admin\n"),
            1,
        );
    let path = sim.dir.path().join(format!("kubeconfig-{name}"));
    std::fs::write(&path, text).unwrap();
    path
}

/// A listener that accepts connections and never answers on them (a firewall that black-holes, a server
/// that is wedged): TLS and discovery hang rather than fail.
async fn black_hole() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = vec![];
        while let Ok((conn, _)) = listener.accept().await {
            held.push(conn);
        }
    });
    addr
}

/// `j` then `k` move the cursor in the current table: the selected row changes and comes back.
async fn cursor_moves(tui: &mut Tui) {
    tui.wait("a selected row", |_| tui.selected_line().is_some())
        .await;
    let first = tui.selected_line().unwrap();
    tui.send("j");
    tui.wait("j moves the cursor", |_| {
        tui.selected_line().is_some_and(|l| l != first)
    })
    .await;
    tui.send("k");
    tui.wait("k moves it back", |_| {
        tui.selected_line().as_ref() == Some(&first)
    })
    .await;
}

#[tokio::test]
async fn switching_to_a_context_that_hangs_leaves_the_current_view_working() {
    let sim = TestSim::start().await;
    let kubeconfig = kubeconfig_with(&sim, "hang", black_hole().await);
    let mut tui = Tui::start(&kubeconfig, &[], 120, 30);
    tui.wait("the pod list", |s| {
        s.contains("gpu-worker") && s.contains("postgres-1")
    })
    .await;
    tui.send(":ctx hang");
    tui.send(ENTER);
    tui.wait_for("switching to context hang").await;
    cursor_moves(&mut tui).await;
    cursor_moves(&mut tui).await;
    let screen = tui.screen();
    assert!(
        screen.contains("(switching to hang…)") && screen.contains("ctx:tug-sim "),
        "still trying, on the old context: {screen}"
    );

    // A later choice wins over the one still trying.
    tui.send(":ctx tug-sim-viewer");
    tui.send(ENTER);
    let screen = tui
        .wait("switched to the viewer", |s| {
            s.contains("user:viewer") && s.contains("gpu-worker")
        })
        .await;
    assert!(!screen.contains("switching to hang"), "{screen}");
    cursor_moves(&mut tui).await;
}

#[tokio::test]
async fn a_context_that_refuses_is_reported_and_the_current_one_stays() {
    let sim = TestSim::start().await;
    // A port nothing listens on any more.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let kubeconfig = kubeconfig_with(&sim, "down", addr);
    let mut tui = Tui::start(&kubeconfig, &[], 120, 30);
    tui.wait("the pod list", |s| {
        s.contains("gpu-worker") && s.contains("postgres-1")
    })
    .await;
    tui.send(":ctx down");
    tui.send(ENTER);
    let screen = tui.wait_for("cannot reach context down").await;
    assert!(
        screen.contains("ctx:tug-sim ") && screen.contains("gpu-worker"),
        "{screen}"
    );
    assert!(!screen.contains("switching to down"), "{screen}");
    cursor_moves(&mut tui).await;
}

/// Runs `tug` outside a terminal with `RUST_BACKTRACE=1`; returns (exit code, stderr).
async fn start_fails(kubeconfig_env: &Path, args: &[&str]) -> (Option<i32>, String) {
    let home = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_tug"))
        .args(args)
        .env("HOME", home.path())
        .env("KUBECONFIG", kubeconfig_env)
        .env("RUST_BACKTRACE", "1")
        .output()
        .await
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn start_up_failures_are_one_message_and_exit_code_1_without_a_backtrace() {
    let (code, err) = start_fails(Path::new("/nonexistent/kubeconfig"), &[]).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(err.starts_with("tug: no kubeconfig found"), "{err}");
    assert!(!err.to_lowercase().contains("backtrace"), "{err}");

    let sim = TestSim::start().await;
    let (code, err) = start_fails(&sim.kubeconfig(), &["--context", "nope"]).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.starts_with("tug: ") && err.contains("context \"nope\" not found"),
        "{err}"
    );
    assert!(!err.to_lowercase().contains("backtrace"), "{err}");
}

/// Keys arriving in one write (a paste, fast typing) are handled before one frame while a prompt has them,
/// and act exactly as if typed one by one: the edit, the Enter, and a cursor key after the prompt closed.
#[tokio::test]
async fn a_filter_and_keys_after_it_in_one_write_act_as_if_typed() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 120, 40);
    tui.wait("the pod list", |s| s.contains("postgres-1")).await;
    tui.send("/postgresx\x7f\rj");
    let screen = tui
        .wait("the filtered table, the cursor one row down", |s| {
            s.lines().nth(1).is_some_and(|t| t.contains("</postgres>"))
                && tui
                    .selected_line()
                    .is_some_and(|l| l.contains("postgres-1"))
        })
        .await;
    let rows: Vec<&str> = screen
        .lines()
        .skip(3)
        .filter(|l| l.contains(" Running ") || l.contains(" Pending "))
        .collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|l| l.contains("postgres")),
        "only the filter's rows: {screen}"
    );
}
