//! `kubectl port-forward` against the sim: SPDY streams tunnelled in WebSocket (kubectl's default) and the
//! POST-upgrade fallback, an HTTP request through the local port, and `connection refused` for a port the
//! pod does not listen on.

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::common::{DEADLINE, TestSim, eventually};

/// A running frontend pod (nginx, declaring port 80).
async fn frontend_pod(sim: &TestSim) -> String {
    eventually("a running frontend pod", || async {
        let out = sim
            .kubectl_ok(&[
                "get",
                "pods",
                "-n",
                "shop",
                "-l",
                "app=frontend",
                "-o",
                "json",
            ])
            .await;
        let pods: Value = serde_json::from_str(&out).ok()?;
        pods["items"]
            .as_array()?
            .iter()
            .find(|p| p["status"]["phase"] == "Running")
            .and_then(|p| p["metadata"]["name"].as_str().map(str::to_string))
    })
    .await
}

/// A running `kubectl port-forward`: its pipes stay open (kubectl writes a line per address and per
/// connection, and a closed pipe would end it).
struct Forward {
    _child: tokio::process::Child,
    _stdout: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    port: u16,
    stderr: BufReader<tokio::process::ChildStderr>,
}

/// Starts `kubectl port-forward POD :REMOTE` and waits for its local port.
async fn forward(sim: &TestSim, pod: &str, remote: u16, websockets: bool) -> Forward {
    let mut child = tokio::process::Command::new("kubectl")
        .env("KUBECONFIG", sim.kubeconfig())
        .env(
            "KUBECTL_PORT_FORWARD_WEBSOCKETS",
            if websockets { "true" } else { "false" },
        )
        .args([
            "port-forward",
            "-n",
            "shop",
            &format!("pod/{pod}"),
            &format!(":{remote}"),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("kubectl runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(DEADLINE, lines.next_line())
        .await
        .expect("kubectl prints its local port in time")
        .unwrap()
        .expect("a Forwarding line");
    // "Forwarding from 127.0.0.1:PORT -> REMOTE"
    let port = line
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no local port in {line:?}"));
    let stderr = BufReader::new(child.stderr.take().unwrap());
    Forward {
        _child: child,
        _stdout: lines,
        port,
        stderr,
    }
}

async fn http_get(port: u16) -> String {
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("the local port accepts");
    conn.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    // The sim's responder answers one request; read until the body is in.
    let _ = tokio::time::timeout(DEADLINE, async {
        loop {
            match conn.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    reply.extend_from_slice(&buf[..n]);
                    if String::from_utf8_lossy(&reply).contains("</html>") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    String::from_utf8_lossy(&reply).into_owned()
}

async fn check_http_through_forward(websockets: bool) {
    let sim = TestSim::start().await;
    let pod = frontend_pod(&sim).await;
    let fwd = forward(&sim, &pod, 80, websockets).await;
    let port = fwd.port;
    let reply = http_get(port).await;
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert!(reply.contains("Welcome to nginx!"), "{reply}");
    // A second connection through the same forward gets its own streams.
    let again = http_get(port).await;
    assert!(again.contains("Welcome to nginx!"), "{again}");
}

#[tokio::test]
async fn kubectl_port_forward_over_websocket_serves_http() {
    check_http_through_forward(true).await;
}

#[tokio::test]
async fn kubectl_port_forward_over_the_spdy_post_upgrade_serves_http() {
    check_http_through_forward(false).await;
}

#[tokio::test]
async fn a_port_nothing_listens_on_reports_connection_refused() {
    let sim = TestSim::start().await;
    let pod = frontend_pod(&sim).await;
    let mut fwd = forward(&sim, &pod, 81, true).await;
    let _conn = tokio::net::TcpStream::connect(("127.0.0.1", fwd.port)).await;
    let stderr = &mut fwd.stderr;
    let mut seen = String::new();
    let found = tokio::time::timeout(DEADLINE, async {
        let mut line = String::new();
        while stderr.read_line(&mut line).await.is_ok_and(|n| n > 0) {
            seen.push_str(&line);
            if line.contains("connection refused") {
                return true;
            }
            line.clear();
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(found, "kubectl reports the refusal: {seen}");
    assert!(
        seen.contains("an error occurred forwarding") && seen.contains("-> 81"),
        "{seen}"
    );
}
