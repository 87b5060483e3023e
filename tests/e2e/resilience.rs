//! Bad conditions: a server that is down when tug starts, and terminals too small to draw in.

use crate::common::TestSim;
use crate::harness::Tui;

#[tokio::test]
async fn an_unreachable_server_at_start_is_reported_and_recovered_from() {
    let TestSim { sim, dir } = TestSim::start().await;
    let (addr, tls, kubeconfig) = (sim.addr, sim.tls.clone(), sim.kubeconfig.clone());
    sim.stop().await;

    let tui = Tui::start(&kubeconfig, &[], 100, 30);
    tui.wait_for("disconnected, retrying").await;

    // The server comes back on the same address, with the certificates tug already trusts.
    let _back = tug_sim::start(tug_sim::SimOptions {
        addr,
        tls: Some(tls),
        kubeconfig_out: Some(dir.path().join("kubeconfig-2")),
        ..Default::default()
    })
    .await
    .unwrap();
    let screen = tui.wait_for("gpu-worker").await;
    assert!(!screen.contains("disconnected"), "{screen}");
}

#[tokio::test]
async fn a_tiny_terminal_gets_a_notice_and_recovers_when_resized() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 19, 5);
    tui.wait_for("terminal too small").await;
    tui.resize(80, 24);
    tui.wait_for("gpu-worker").await;
    tui.send("q");
    assert!(tui.exit().await);
}

#[tokio::test]
async fn a_server_gone_for_a_minute_shows_reconnecting_and_is_followed_again_when_back() {
    let TestSim { sim, dir } = TestSim::start().await;
    let (addr, tls, kubeconfig) = (sim.addr, sim.tls.clone(), sim.kubeconfig.clone());
    let mut tui = Tui::start(&kubeconfig, &[], 120, 30);
    tui.wait_for("gpu-worker").await;
    sim.stop().await;
    let screen = tui.wait_for("reconnecting").await;
    assert!(
        screen.contains("gpu-worker"),
        "the last known rows stay on screen: {screen}"
    );
    // The server stays away for a minute; tug keeps answering keys meanwhile.
    let down = tokio::time::Instant::now();
    while down.elapsed() < std::time::Duration::from_secs(60) {
        tui.send("?");
        tui.wait_for("this help").await;
        tui.send("\x1b");
        tui.wait("help closed", |s| !s.contains("this help")).await;
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    }
    assert!(tui.screen().contains("reconnecting"));

    let back = tug_sim::start(tug_sim::SimOptions {
        addr,
        tls: Some(tls),
        kubeconfig_out: Some(dir.path().join("kubeconfig-2")),
        ..Default::default()
    })
    .await
    .unwrap();
    // The backoff is capped at 30 s (with jitter): back within that, plus the relist.
    tui.wait_within(std::time::Duration::from_secs(60), "live again", |s| {
        !s.contains("reconnecting") && s.contains("gpu-worker")
    })
    .await;
    // And it follows the new server's changes.
    let store = back.store().clone();
    let res = store.registry().preferred("", "pods").unwrap();
    store
        .delete(&res, "shop", "gpu-worker", &Default::default())
        .unwrap();
    tui.wait("the deleted pod vanishes", |s| !s.contains("gpu-worker"))
        .await;
}

#[tokio::test]
async fn ctrl_z_gives_the_terminal_back_and_takes_it_again_with_a_full_redraw() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 100, 30);
    tui.wait_for("gpu-worker").await;
    let entered = |tui: &Tui| {
        String::from_utf8_lossy(&tui.raw.lock().unwrap())
            .matches("\x1b[?1049h")
            .count()
    };
    assert_eq!(entered(&tui), 1);
    tui.send("\x1a"); // Ctrl-Z
    // Under a shell, tug stops here until `fg`. In this pseudo-terminal tug leads an orphaned process group,
    // where the kernel drops SIGTSTP, so it may resume at once; if it did stop, continue it as `fg` would.
    let stat = format!("/proc/{}/stat", tui.pid());
    crate::common::eventually("tug suspended and took the terminal back", || async {
        let s = std::fs::read_to_string(&stat).unwrap_or_default();
        if s.rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next())
            == Some('T')
        {
            let _ = std::process::Command::new("kill")
                .args(["-CONT", &tui.pid().to_string()])
                .status();
        }
        (entered(&tui) == 2 && !tui.left_alternate_screen()).then_some(())
    })
    .await;
    let raw = String::from_utf8_lossy(&tui.raw.lock().unwrap()).into_owned();
    let first = raw.find("\x1b[?1049h").unwrap();
    let handed_back = raw[first..].find("\x1b[?1049l").map(|i| i + first).unwrap();
    assert!(
        raw[handed_back..].starts_with("\x1b[?1049l\x1b[?25h"),
        "main screen and cursor back while suspended"
    );
    // A full repaint follows: the rows are drawn again, not just what changed.
    crate::common::eventually("a full redraw", || async {
        let raw = String::from_utf8_lossy(&tui.raw.lock().unwrap()).into_owned();
        let again = raw.rfind("\x1b[?1049h")?;
        raw[again..].contains("postgres-0").then_some(())
    })
    .await;
    tui.send("q");
    assert!(tui.exit().await);
}

#[tokio::test]
async fn sigterm_and_sighup_restore_the_terminal() {
    let sim = TestSim::start().await;
    for signal in ["-TERM", "-HUP"] {
        let mut tui = Tui::start(&sim.kubeconfig(), &[], 80, 24);
        tui.wait_for("gpu-worker").await;
        assert!(!tui.cooked());
        let status = std::process::Command::new("kill")
            .args([signal, &tui.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        tui.exit().await;
        assert!(tui.left_alternate_screen(), "{signal}: main screen");
        assert!(tui.cooked(), "{signal}: raw mode off");
    }
}

#[tokio::test]
async fn without_a_kubeconfig_tug_says_how_to_point_it_at_a_cluster_or_try_the_demo() {
    let home = tempfile::tempdir().unwrap();
    for kubeconfig in ["", "/nonexistent/a:/nonexistent/b"] {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_tug"))
            .env("HOME", home.path())
            .env("KUBECONFIG", kubeconfig)
            .output()
            .await
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("no kubeconfig found") && err.contains("tug --demo"),
            "{kubeconfig:?}: {err}"
        );
    }
}
