//! `tug sim --state-dir`: a restarted sim is the same cluster — the kubeconfig the first run wrote still
//! works (same CA, address and tokens), and every object is back with its uid and resourceVersion.

use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::DEADLINE;

/// Runs `tug sim --state-dir DIR --kubeconfig-out KUBECONFIG` until it says where its kubeconfig is.
async fn start(state: &Path, kubeconfig: &Path) -> tokio::process::Child {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tug"))
        .args(["sim", "--state-dir"])
        .arg(state)
        .arg("--kubeconfig-out")
        .arg(kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("tug sim starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::time::timeout(DEADLINE, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.starts_with("kubeconfig:") {
                return;
            }
        }
        panic!("tug sim ended before serving");
    })
    .await
    .expect("tug sim serves in time");
    // Keep reading: a closed stdout would make its next line fail.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    child
}

/// Stops it as an operator would (SIGTERM) and waits for it to finish writing.
async fn stop(mut child: tokio::process::Child) {
    let pid = child.id().expect("running").to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(DEADLINE, child.wait())
        .await
        .expect("tug sim stops in time")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
}

async fn kubectl(kubeconfig: &Path, cache: &Path, args: &[&str]) -> (bool, String, String) {
    let out = tokio::time::timeout(
        DEADLINE,
        tokio::process::Command::new("kubectl")
            .env("KUBECONFIG", kubeconfig)
            .arg(format!("--cache-dir={}", cache.display()))
            .args(args)
            .output(),
    )
    .await
    .expect("kubectl finished in time")
    .expect("kubectl is installed");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_restart_with_a_state_dir_keeps_the_world_and_the_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let (state, kubeconfig, cache) = (
        dir.path().join("state"),
        dir.path().join("kubeconfig"),
        dir.path().join("cache"),
    );
    let ok = |r: (bool, String, String)| {
        assert!(r.0, "kubectl failed: {} {}", r.1, r.2);
        r.1
    };
    let first = start(&state, &kubeconfig).await;
    ok(kubectl(
        &kubeconfig,
        &cache,
        &["create", "configmap", "kept", "--from-literal=a=b"],
    )
    .await);
    let before = ok(kubectl(
        &kubeconfig,
        &cache,
        &[
            "get",
            "configmap",
            "kept",
            "-o",
            "jsonpath={.metadata.uid} {.metadata.resourceVersion}",
        ],
    )
    .await);
    let pods_before = ok(kubectl(&kubeconfig, &cache, &["get", "pods", "-A", "-o", "name"]).await);
    let config_before = std::fs::read_to_string(&kubeconfig).unwrap();
    stop(first).await;

    // A client that kept the first run's kubeconfig talks to the restarted sim as before.
    std::fs::write(dir.path().join("old-kubeconfig"), &config_before).unwrap();
    let second = start(&state, &kubeconfig).await;
    let old = dir.path().join("old-kubeconfig");
    let after = ok(kubectl(
        &old,
        &cache,
        &[
            "get",
            "configmap",
            "kept",
            "-o",
            "jsonpath={.metadata.uid} {.metadata.resourceVersion}",
        ],
    )
    .await);
    assert_eq!(after, before, "same uid and resourceVersion");
    let data = ok(kubectl(
        &old,
        &cache,
        &["get", "configmap", "kept", "-o", "jsonpath={.data.a}"],
    )
    .await);
    assert_eq!(data, "b");
    let pods_after = ok(kubectl(&old, &cache, &["get", "pods", "-A", "-o", "name"]).await);
    assert_eq!(pods_after, pods_before, "the same pods");
    assert_eq!(std::fs::read_to_string(&kubeconfig).unwrap(), config_before);
    // Versions go on from where they were: a new write is newer than everything kept.
    ok(kubectl(
        &old,
        &cache,
        &["create", "configmap", "new", "--from-literal=c=d"],
    )
    .await);
    let rv: u64 = ok(kubectl(
        &old,
        &cache,
        &[
            "get",
            "configmap",
            "new",
            "-o",
            "jsonpath={.metadata.resourceVersion}",
        ],
    )
    .await)
    .parse()
    .unwrap();
    let kept_rv: u64 = before.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(rv > kept_rv, "{rv} > {kept_rv}");
    stop(second).await;
}

#[tokio::test]
async fn without_a_state_dir_each_start_is_a_fresh_world() {
    let first = crate::common::TestSim::start().await;
    first
        .kubectl_ok(&["create", "configmap", "gone", "--from-literal=a=b"])
        .await;
    let second = crate::common::TestSim::start().await;
    let (ok, _, err) = second.kubectl(&["get", "configmap", "gone"]).await;
    assert!(!ok);
    assert!(
        err.contains("NotFound") || err.contains("not found"),
        "{err}"
    );
}
