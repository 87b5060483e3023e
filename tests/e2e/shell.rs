//! A shell in a container from the keyboard, natively over the exec API: commands run, a resize of the outer
//! terminal reaches the shell, `exit` brings the TUI back as it was. kubectl is not on PATH.

use crate::common::TestSim;
use crate::harness::Tui;

const ENTER: &str = "\r";

#[tokio::test]
async fn a_shell_runs_commands_sees_resizes_and_exit_returns_to_the_same_view() {
    let sim = TestSim::start().await;
    let empty = tempfile::tempdir().unwrap();
    // No kubectl anywhere on PATH: tug must not need it.
    let mut tui = Tui::start_with_env(&sim.kubeconfig(), &[], 100, 30, &[("PATH", empty.path())]);
    tui.wait_for("gpu-worker").await;
    tui.send("/redis");
    tui.send(ENTER);
    let pod = tui
        .wait("one pod", |s| {
            s.lines().filter(|l| l.starts_with("redis-")).count() == 1 && s.contains("</redis>")
        })
        .await
        .lines()
        .find(|l| l.starts_with("redis-"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    tui.send("s");
    tui.wait_for("/ # ").await;
    tui.send("hostname\r");
    tui.wait(&format!("hostname {pod}"), |s| {
        s.lines().any(|l| l.trim() == pod)
    })
    .await;
    tui.send("echo $((6*7))\r");
    tui.wait("42", |s| s.lines().any(|l| l.trim() == "42"))
        .await;
    tui.resize(120, 40);
    // The resize travels on its own channel: ask until the shell has it (keys may overtake it).
    let start = tokio::time::Instant::now();
    loop {
        tui.send("stty size\r");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        if tui.screen().lines().any(|l| l.trim() == "40 120") {
            break;
        }
        assert!(
            start.elapsed() < crate::common::DEADLINE,
            "the shell never saw the resize:\n{}",
            tui.screen()
        );
    }
    tui.send("exit\r");
    let screen = tui
        .wait("the TUI back", |s| {
            s.contains("pods(shop)[1]") && s.contains("</redis>")
        })
        .await;
    assert!(screen.contains("shell exited (status 0)"), "{screen}");
    assert!(
        screen.lines().any(|l| l.starts_with(&pod)),
        "same view, same selection: {screen}"
    );
}

#[tokio::test]
async fn a_pending_pod_and_the_viewer_get_a_message_and_the_tui_back() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 120, 30);
    tui.wait_for("gpu-worker").await;
    tui.send("/gpu");
    tui.send(ENTER);
    tui.wait("one pod", |s| s.contains("</gpu>") && !s.contains("redis"))
        .await;
    tui.send("s");
    let screen = tui
        .wait("a message", |s| {
            s.contains("cannot open a shell in gpu-worker")
        })
        .await;
    assert!(screen.contains("pods(shop)"), "{screen}");

    let mut viewer = Tui::start(&sim.kubeconfig(), &["--context", "tug-sim-viewer"], 120, 30);
    viewer.wait_for("gpu-worker").await;
    viewer.send("/redis");
    viewer.send(ENTER);
    viewer
        .wait("one pod", |s| {
            s.contains("</redis>") && !s.contains("gpu-worker")
        })
        .await;
    viewer.send("s");
    viewer.wait_for("not allowed").await;
}

#[tokio::test]
async fn a_port_forward_serves_the_pods_port_and_stops_from_pf() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sim = TestSim::start().await;
    let empty = tempfile::tempdir().unwrap();
    let mut tui = Tui::start_with_env(&sim.kubeconfig(), &[], 120, 30, &[("PATH", empty.path())]);
    tui.wait_for("gpu-worker").await;
    tui.send("/frontend");
    tui.send(ENTER);
    tui.wait("frontend pods", |s| {
        s.contains("</frontend>") && !s.contains("redis")
    })
    .await;
    tui.send("f");
    tui.wait_for("Port-forward pod/frontend-").await;
    // Any free local port, to pod port 80.
    tui.send("\x7f\x7f\x7f\x7f\x7f\x7f\x7f");
    tui.send("0:80");
    tui.send(ENTER);
    let screen = tui.wait_for("forwarding 127.0.0.1:").await;
    let local = screen
        .split("forwarding ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_string();
    let mut conn = tokio::net::TcpStream::connect(&local).await.unwrap();
    conn.write_all(b"GET / HTTP/1.1\r\nHost: shop\r\n\r\n")
        .await
        .unwrap();
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&reply).contains("</html>") {
        let n = tokio::time::timeout(crate::common::DEADLINE, conn.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "{}", String::from_utf8_lossy(&reply));
        reply.extend_from_slice(&buf[..n]);
    }
    let reply = String::from_utf8_lossy(&reply);
    assert!(
        reply.starts_with("HTTP/1.1 200 OK") && reply.contains("Welcome to nginx!"),
        "{reply}"
    );
    drop(conn);

    tui.send(":pf");
    tui.send(ENTER);
    tui.wait("the forward listed with its bytes", |s| {
        s.contains("BYTES-RECEIVED")
            && s.lines()
                .any(|l| l.starts_with(&local) && !l.trim_end().ends_with(" 0"))
    })
    .await;
    tui.send("\x04"); // Ctrl-D stops it
    tui.wait_for("port-forward stopped").await;
    crate::common::eventually("the local port is closed", || async {
        tokio::net::TcpStream::connect(&local)
            .await
            .is_err()
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn attach_and_a_missing_shell_return_to_the_tui() {
    let sim = TestSim::start().await;
    sim.kubectl_stdin(
        &["apply", "-f", "-"],
        Some("apiVersion: v1\nkind: Pod\nmetadata: {name: static-site, namespace: shop}\nspec: {containers: [{name: c, image: \"gcr.io/distroless/static:nonroot\"}]}\n"),
    )
    .await;
    crate::common::eventually("the distroless pod runs", || async {
        let p = sim
            .kubectl_ok(&[
                "get",
                "pod",
                "static-site",
                "-o",
                "jsonpath={.status.phase}",
            ])
            .await;
        (p == "Running").then_some(())
    })
    .await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 120, 30);
    tui.wait_for("static-site").await;

    // Attach: the main process (the sim's is a shell).
    tui.send("/redis");
    tui.send(ENTER);
    tui.wait("one pod", |s| {
        s.contains("</redis>") && !s.contains("gpu-worker")
    })
    .await;
    tui.send("a");
    tui.wait_for("/ # ").await;
    tui.send("exit\r");
    tui.wait("back", |s| {
        s.contains("pods(shop)") && s.contains("shell exited")
    })
    .await;

    // No shell in the image.
    tui.send("/static");
    tui.send(ENTER);
    tui.wait("one pod", |s| {
        s.contains("</static>") && !s.contains("redis-")
    })
    .await;
    tui.send("s");
    tui.wait("a clear message and the TUI back", |s| {
        s.contains("pods(shop)") && s.contains("no shell in this container's image")
    })
    .await;
}

#[tokio::test]
async fn a_server_that_drops_the_session_gives_the_terminal_back_to_the_tui() {
    let TestSim { sim, dir: _dir } = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig, &[], 100, 30);
    tui.wait_for("gpu-worker").await;
    tui.send("/redis");
    tui.send(ENTER);
    tui.wait("one pod", |s| {
        s.contains("</redis>") && !s.contains("gpu-worker")
    })
    .await;
    tui.send("s");
    tui.wait_for("/ # ").await;
    sim.stop().await;
    let screen = tui.wait("the TUI back", |s| s.contains("pods(shop)")).await;
    assert!(
        screen.contains("connection closed") || screen.contains("shell exited"),
        "{screen}"
    );
    tui.send("q");
    assert!(tui.exit().await);
    assert!(tui.cooked(), "the terminal is restored");
}

#[tokio::test]
async fn a_pod_with_several_containers_asks_which_and_remembers_the_choice() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 120, 30);
    tui.wait_for("gpu-worker").await;
    tui.send("/backend-");
    tui.send(ENTER);
    tui.wait("two pods", |s| s.contains("</backend->")).await;
    tui.send("s");
    tui.wait_for("choose a container").await;
    tui.send("j"); // envoy
    tui.send("s");
    tui.wait_for("/envoy (Ctrl-] to detach)").await;
    tui.wait_for("/ # ").await;
    tui.send("exit\r");
    tui.wait("back on the containers", |s| {
        s.contains("containers/backend-") && s.contains("shell exited")
    })
    .await;
    tui.send("\x1b");
    tui.wait("back on the pods", |s| {
        s.contains("</backend->") && !s.contains("containers/")
    })
    .await;
    tui.send("s");
    tui.wait_for("/envoy (Ctrl-] to detach)").await;
    tui.send("exit\r");
    tui.wait("back", |s| s.contains("shell exited")).await;
    crate::common::eventually("no exec session left behind", || async {
        (sim.get_json("/_sim/stats").await["execSessions"] == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_service_forward_goes_to_one_of_its_ready_pods() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &["-c", "svc"], 120, 30);
    tui.wait_for("LoadBalancer").await;
    tui.send("/redis");
    tui.send(ENTER);
    tui.wait("one service", |s| {
        s.contains("</redis>") && !s.contains("frontend")
    })
    .await;
    tui.send("f");
    tui.wait("the dialog on a redis pod, port 6379", |s| {
        s.contains("Port-forward pod/redis-") && s.contains("6379:6379")
    })
    .await;
    tui.send("\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f");
    tui.send("0:6379");
    tui.send(ENTER);
    let screen = tui.wait_for("forwarding 127.0.0.1:").await;
    let local = screen
        .split("forwarding ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_string();
    let mut conn = tokio::net::TcpStream::connect(&local).await.unwrap();
    conn.write_all(b"PING\r\n").await.unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(crate::common::DEADLINE, conn.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&buf[..n], b"+PONG\r\n");
}

#[tokio::test]
async fn the_detach_key_can_be_rebound() {
    let sim = TestSim::start().await;
    let keymap = sim.dir.path().join("keymap.yaml");
    std::fs::write(&keymap, "shell_detach: [Ctrl-Q]\n").unwrap();
    let mut tui = Tui::start(
        &sim.kubeconfig(),
        &["--keymap", keymap.to_str().unwrap()],
        100,
        30,
    );
    tui.wait_for("gpu-worker").await;
    tui.send("/redis");
    tui.send(ENTER);
    tui.wait("one pod", |s| s.contains("</redis>") && s.contains("[1]"))
        .await;
    tui.send("s");
    tui.wait_for("(Ctrl-Q to detach)").await;
    tui.wait_for("/ # ").await;
    // The old key now goes to the shell; the new one leaves it.
    tui.send("\x1d");
    tui.send("\x11");
    let screen = tui.wait_for("detached from the shell").await;
    assert!(screen.contains("</redis>"), "{screen}");
}
