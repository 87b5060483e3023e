//! Pod I/O: logs (tail, container, previous, follow, determinism, stream accounting) and exec (kubectl's
//! WebSocket exec, exit codes, kube-rs with a TTY and resize) against the built-in shell.

use std::time::Duration;

use futures::SinkExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams, TerminalSize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

use crate::common::{DEADLINE, TestSim, eventually};

async fn first_pod(sim: &TestSim, selector: &str) -> String {
    sim.kubectl_ok(&[
        "get",
        "pods",
        "-n",
        "shop",
        "-l",
        selector,
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ])
    .await
}

#[tokio::test]
async fn logs_tail_container_and_previous() {
    let sim = TestSim::start().await;
    let redis = first_pod(&sim, "app=redis").await;
    let all = sim.kubectl_ok(&["logs", &redis]).await;
    assert!(
        all.lines().count() > 100,
        "a pod up for days has plenty of logs"
    );
    assert!(
        all.lines().all(|l| l.starts_with("1:M ")),
        "redis-style lines"
    );

    let tail = sim.kubectl_ok(&["logs", &redis, "--tail=5"]).await;
    assert_eq!(tail.lines().count(), 5);

    let backend = first_pod(&sim, "app=backend").await;
    let envoy = sim
        .kubectl_ok(&["logs", &backend, "-c", "envoy", "--tail=3"])
        .await;
    assert!(
        envoy.lines().all(|l| l.contains("[info][upstream]")),
        "{envoy}"
    );
    let app = sim
        .kubectl_ok(&["logs", &backend, "-c", "app", "--tail=3"])
        .await;
    for line in app.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["trace_id"].is_string());
    }

    let payments = first_pod(&sim, "app=payments").await;
    let previous = sim.kubectl_ok(&["logs", &payments, "--previous"]).await;
    assert!(
        previous
            .lines()
            .next()
            .unwrap()
            .starts_with("starting payments service"),
        "{previous}"
    );
    assert!(
        previous
            .lines()
            .last()
            .unwrap()
            .starts_with("panic: dial tcp"),
        "{previous}"
    );

    let (ok, _, err) = sim.kubectl(&["logs", &redis, "--previous"]).await;
    assert!(!ok);
    assert!(
        err.contains("previous terminated container \"redis\" in pod"),
        "{err}"
    );
}

#[tokio::test]
async fn logs_follow_streams_new_lines_and_closing_frees_the_stream() {
    let sim = TestSim::start().await;
    let redis = first_pod(&sim, "app=redis").await;
    let mut follow = tokio::process::Command::new("kubectl")
        .env("KUBECONFIG", sim.kubeconfig())
        .arg(format!(
            "--cache-dir={}",
            sim.dir.path().join("cache-f").display()
        ))
        .args([
            "logs",
            "-f",
            "--tail=1",
            "--timestamps",
            "-n",
            "shop",
            &redis,
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(follow.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(DEADLINE, lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let second = tokio::time::timeout(DEADLINE, lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let stamp = |l: &str| {
        l.split_once(' ')
            .unwrap()
            .0
            .parse::<jiff::Timestamp>()
            .unwrap()
    };
    assert!(
        stamp(&second) > stamp(&first),
        "a new line arrived: {first} / {second}"
    );

    let stats = sim.get_json("/_sim/stats").await;
    assert_eq!(stats["openLogStreams"], 1);
    follow.kill().await.unwrap();
    eventually("the log stream is closed when the client goes", || async {
        (sim.get_json("/_sim/stats").await["openLogStreams"] == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn logs_are_the_same_for_the_same_seed() {
    let a = TestSim::start().await;
    let b = TestSim::start().await;
    let pa = first_pod(&a, "app=payments").await;
    let pb = first_pod(&b, "app=payments").await;
    assert_eq!(pa, pb);
    eventually("same previous logs in both sims", || async {
        let la = a.kubectl_ok(&["logs", &pa, "--previous"]).await;
        let lb = b.kubectl_ok(&["logs", &pb, "--previous"]).await;
        (la == lb).then_some(())
    })
    .await;
}

#[tokio::test]
async fn kubectl_exec_runs_the_built_in_shell() {
    let sim = TestSim::start().await;
    let pod = first_pod(&sim, "app=redis").await;
    let ls = sim.kubectl_ok(&["exec", &pod, "--", "ls", "/"]).await;
    for dir in ["bin", "etc", "proc", "tmp", "var"] {
        assert!(ls.lines().any(|l| l == dir), "{dir} in {ls}");
    }
    let env = sim.kubectl_ok(&["exec", &pod, "--", "env"]).await;
    assert!(env.lines().any(|l| l == format!("HOSTNAME={pod}")), "{env}");
    assert!(
        env.lines()
            .any(|l| l == "KUBERNETES_SERVICE_HOST=10.96.0.1"),
        "{env}"
    );

    let (ok, out, err) = sim
        .kubectl_stdin(&["exec", "-i", &pod, "--", "sh"], Some("echo hi; exit\n"))
        .await;
    assert!(ok, "{err}");
    assert_eq!(out, "hi\n");

    let out = tokio::process::Command::new("kubectl")
        .env("KUBECONFIG", sim.kubeconfig())
        .arg(format!(
            "--cache-dir={}",
            sim.dir.path().join("cache-e").display()
        ))
        .args(["exec", &pod, "--", "sh", "-c", "exit 3"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("command terminated with exit code 3"));

    let (ok, _, err) = sim.kubectl(&["exec", &pod, "--", "bash"]).await;
    assert!(!ok);
    assert!(err.contains("executable file not found in $PATH"), "{err}");
}

#[tokio::test]
async fn kube_exec_with_a_tty_sees_resizes() {
    let sim = TestSim::start().await;
    let pod = first_pod(&sim, "app=redis").await;
    let pods: Api<Pod> = Api::namespaced(sim.client().await, "shop");
    let mut attached = pods
        .exec(&pod, vec!["sh"], &AttachParams::interactive_tty())
        .await
        .unwrap();
    let mut stdin = attached.stdin().unwrap();
    let mut stdout = attached.stdout().unwrap();
    let mut resize = attached.terminal_size().unwrap();
    let status = attached.take_status().unwrap();
    resize
        .send(TerminalSize {
            width: 123,
            height: 45,
        })
        .await
        .unwrap();

    let mut screen = String::new();
    let mut read_until = async |want: &str, screen: &mut String| {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        let mut buf = [0u8; 4096];
        while !screen.contains(want) {
            let n = tokio::time::timeout_at(deadline, stdout.read(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert!(n > 0, "stdout closed before {want:?}: {screen:?}");
            screen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    };
    read_until("/ # ", &mut screen).await;
    // Give the resize (a separate channel) a moment to land before asking; poll rather than sleep.
    let mut size_seen = false;
    for _ in 0..50 {
        stdin.write_all(b"stty size\r").await.unwrap();
        screen.clear();
        read_until("/ # ", &mut screen).await;
        if screen.contains("45 123\r\n") {
            size_seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(size_seen, "{screen:?}");
    stdin.write_all(b"echo $((6*7)); hostname\r").await.unwrap();
    screen.clear();
    read_until("/ # ", &mut screen).await;
    assert!(screen.contains(&format!("42\r\n{pod}\r\n")), "{screen:?}");
    stdin.write_all(b"exit 0\r").await.unwrap();
    let status = tokio::time::timeout(DEADLINE, status)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.status.as_deref(), Some("Success"));
}

#[tokio::test]
async fn exec_reads_stdin_sent_as_text_frames() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let sim = TestSim::start().await;
    let pod = first_pod(&sim, "app=redis").await;
    let client = sim.client().await;
    let req = http::Request::get(format!(
        "/api/v1/namespaces/shop/pods/{pod}/exec?command=sh&stdin=true&stdout=true&stderr=true"
    ))
    .body(Vec::new())
    .unwrap();
    let mut ws = client
        .connect(req)
        .await
        .expect("exec upgrades")
        .into_stream();
    // As the Python client writes: the channel as the text's first character.
    ws.send(Message::Text("\u{0}echo from-text\n".into()))
        .await
        .unwrap();
    ws.send(Message::Text("\u{0}exit\n".into())).await.unwrap();
    let mut stdout = String::new();
    let _ = tokio::time::timeout(crate::common::DEADLINE, async {
        while let Some(Ok(msg)) = ws.next().await {
            if let Message::Binary(b) = msg
                && b.first() == Some(&1)
            {
                stdout.push_str(&String::from_utf8_lossy(&b[1..]));
            }
            if stdout.contains("from-text") {
                break;
            }
        }
    })
    .await;
    assert!(stdout.contains("from-text"), "{stdout:?}");
}

#[tokio::test]
async fn kubectl_cp_copies_into_a_pod_and_back_out() {
    let sim = TestSim::start().await;
    let pod = first_pod(&sim, "app=redis").await;
    let local = sim.dir.path().join("upload");
    std::fs::create_dir_all(local.join("nested")).unwrap();
    std::fs::write(local.join("a.txt"), "alpha\n").unwrap();
    std::fs::write(local.join("nested/b.bin"), [0u8, 1, 2, 255, 10]).unwrap();
    let file = sim.dir.path().join("single.txt");
    std::fs::write(&file, "single\n").unwrap();

    // A file to a path that does not exist yet, a directory into an existing directory.
    sim.kubectl_ok(&[
        "cp",
        file.to_str().unwrap(),
        &format!("{pod}:/tmp/copied.txt"),
    ])
    .await;
    sim.kubectl_ok(&["cp", local.to_str().unwrap(), &format!("{pod}:/tmp")])
        .await;
    let seen = sim
        .kubectl_ok(&[
            "exec",
            &pod,
            "--",
            "cat",
            "/tmp/copied.txt",
            "/tmp/upload/a.txt",
        ])
        .await;
    assert_eq!(seen, "single\nalpha\n");
    let ls = sim
        .kubectl_ok(&["exec", &pod, "--", "ls", "/tmp/upload/nested"])
        .await;
    assert_eq!(ls, "b.bin\n");

    // And back out: the bytes are the same, binary included.
    let back = sim.dir.path().join("back");
    sim.kubectl_ok(&["cp", &format!("{pod}:/tmp/upload"), back.to_str().unwrap()])
        .await;
    assert_eq!(std::fs::read(back.join("a.txt")).unwrap(), b"alpha\n");
    assert_eq!(
        std::fs::read(back.join("nested/b.bin")).unwrap(),
        [0u8, 1, 2, 255, 10]
    );
    let one = sim.dir.path().join("hosts");
    sim.kubectl_ok(&["cp", &format!("{pod}:/etc/hosts"), one.to_str().unwrap()])
        .await;
    assert!(std::fs::read_to_string(&one).unwrap().contains("localhost"));

    // The shell's pipes, loops and stderr redirection as an exec script.
    let (ok, out, err) = sim
        .kubectl(&[
            "exec",
            &pod,
            "--",
            "sh",
            "-c",
            "for i in 1 2; do echo $i; done; seq 3 | wc -l; echo warn >&2",
        ])
        .await;
    assert!(ok, "{err}");
    assert_eq!(out, "1\n2\n3\n");
    assert_eq!(err, "warn\n");
}

#[tokio::test]
async fn kubectl_debug_gets_a_shell_in_an_ephemeral_container() {
    let sim = TestSim::start().await;
    let pod = first_pod(&sim, "app=redis").await;
    let spec: serde_json::Value =
        serde_json::from_str(&sim.kubectl_ok(&["get", "pod", &pod, "-o", "json"]).await).unwrap();
    let target = spec["spec"]["containers"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();

    let (ok, out, err) = sim
        .kubectl_stdin(
            &[
                "debug",
                "-i",
                &pod,
                "--image=busybox",
                &format!("--target={target}"),
                "-c",
                "dbg",
            ],
            Some("echo hi from $HOSTNAME; exit\n"),
        )
        .await;
    assert!(ok, "{err}");
    assert!(out.contains(&format!("hi from {pod}")), "{out} / {err}");

    // The pod shows the container in its spec and its status, and exec reaches it.
    let now: serde_json::Value =
        serde_json::from_str(&sim.kubectl_ok(&["get", "pod", &pod, "-o", "json"]).await).unwrap();
    let eph = &now["spec"]["ephemeralContainers"][0];
    assert_eq!(eph["name"], "dbg");
    assert_eq!(eph["image"], "busybox");
    assert_eq!(eph["targetContainerName"], target.as_str());
    let status = &now["status"]["ephemeralContainerStatuses"][0];
    assert_eq!(status["name"], "dbg");
    assert!(status["state"]["running"].is_object(), "{status}");
    let inside = sim
        .kubectl_ok(&["exec", &pod, "-c", "dbg", "--", "echo", "inside"])
        .await;
    assert_eq!(inside, "inside\n");

    // A name the pod's containers already use is refused, as the apiserver's validation does.
    let (ok, _, err) = sim
        .kubectl(&["debug", &pod, "--image=busybox", "-c", &target])
        .await;
    assert!(!ok);
    assert!(err.contains("Duplicate value"), "{err}");
}
