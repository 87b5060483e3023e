//! The `viewer` user: reads everything but secrets, mutates nothing; kubectl shows the real Forbidden text.

use crate::common::TestSim;

#[tokio::test]
async fn viewer_cannot_read_secrets_or_delete_pods() {
    let sim = TestSim::start().await;
    sim.kubectl_stdin(
        &["apply", "-f", "-"],
        Some(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Pod\n\
             metadata: {name: web-1, namespace: shop}\nspec: {containers: [{name: c, image: nginx}]}\n",
        ),
    )
    .await;
    let viewer = ["--context", "tug-sim-viewer"];

    let (ok, _, err) = sim
        .kubectl(&[&viewer[..], &["get", "secrets"]].concat())
        .await;
    assert!(!ok);
    assert!(
        err.contains(
            "Error from server (Forbidden): secrets is forbidden: User \"viewer\" cannot list resource \"secrets\" \
             in API group \"\" in the namespace \"shop\""
        ),
        "{err}"
    );

    let (ok, _, err) = sim
        .kubectl(&[&viewer[..], &["delete", "pod", "web-1"]].concat())
        .await;
    assert!(!ok);
    assert!(
        err.contains(
            "Error from server (Forbidden): pods \"web-1\" is forbidden: User \"viewer\" cannot delete resource \
             \"pods\" in API group \"\" in the namespace \"shop\""
        ),
        "{err}"
    );
    // The pod is still there, and the viewer may read it.
    let out = sim
        .kubectl_ok(&[&viewer[..], &["get", "pod", "web-1", "-o", "name"]].concat())
        .await;
    assert_eq!(out.trim(), "pod/web-1");
    let out = sim
        .kubectl_ok(&[&viewer[..], &["get", "pods", "-A", "-o", "name"]].concat())
        .await;
    assert!(out.contains("pod/web-1"));
}

#[tokio::test]
async fn an_unknown_token_is_unauthorized() {
    let sim = TestSim::start().await;
    let kc = std::fs::read_to_string(sim.kubeconfig()).unwrap();
    let bad = kc.replace("tug-sim-admin-token", "not-a-real-token");
    let path = sim.dir.path().join("bad-kubeconfig");
    std::fs::write(&path, bad).unwrap();
    let out = tokio::process::Command::new("kubectl")
        .env("KUBECONFIG", &path)
        .arg(format!(
            "--cache-dir={}",
            sim.dir.path().join("cache2").display()
        ))
        .args(["get", "pods"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Unauthorized") || err.contains("must be logged in"),
        "{err}"
    );
}
