//! Authorization from the sim's own RBAC objects: `kubectl auth can-i` (protobuf SelfSubjectAccessReviews),
//! `auth can-i --list`, `auth whoami`, impersonation with `--as`, and ClusterRole aggregation.

use crate::common::TestSim;

const VIEWER: [&str; 2] = ["--context", "tug-sim-viewer"];

fn viewer<'a>(args: &[&'a str]) -> Vec<&'a str> {
    [&VIEWER[..], args].concat()
}

#[tokio::test]
async fn kubectl_auth_can_i_answers_from_rbac() {
    let sim = TestSim::start().await;
    assert_eq!(
        sim.kubectl_ok(&["auth", "can-i", "list", "pods"])
            .await
            .trim(),
        "yes"
    );
    assert_eq!(
        sim.kubectl_ok(&["auth", "can-i", "delete", "secrets", "-n", "shop"])
            .await
            .trim(),
        "yes"
    );
    assert_eq!(
        sim.kubectl_ok(&viewer(&["auth", "can-i", "list", "pods", "-A"]))
            .await
            .trim(),
        "yes"
    );
    // `can-i` exits 1 for "no", printing it on stdout.
    let (ok, out, _) = sim
        .kubectl(&viewer(&["auth", "can-i", "list", "secrets", "-n", "shop"]))
        .await;
    assert!(!ok);
    assert_eq!(out.trim(), "no");
    let (ok, out, _) = sim
        .kubectl(&viewer(&[
            "auth",
            "can-i",
            "create",
            "pods/exec",
            "-n",
            "shop",
        ]))
        .await;
    assert!(!ok);
    assert_eq!(out.trim(), "no");
    assert_eq!(
        sim.kubectl_ok(&viewer(&[
            "auth",
            "can-i",
            "get",
            "pods",
            "--subresource=log",
            "-n",
            "shop"
        ]))
        .await
        .trim(),
        "yes"
    );
}

#[tokio::test]
async fn kubectl_auth_can_i_list_and_whoami() {
    let sim = TestSim::start().await;
    let out = sim
        .kubectl_ok(&[&VIEWER[..], &["auth", "can-i", "--list", "-n", "shop"]].concat())
        .await;
    let pods = out
        .lines()
        .find(|l| l.starts_with("pods "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(pods.contains("[get list watch]"), "{pods}");
    assert!(!out.lines().any(|l| l.starts_with("secrets ")), "{out}");
    assert!(out.contains("/version"), "{out}");
    let out = sim.kubectl_ok(&["auth", "can-i", "--list"]).await;
    assert!(
        out.lines()
            .any(|l| l.starts_with("*.*") && l.contains("[*]")),
        "{out}"
    );

    let out = sim
        .kubectl_ok(&[&VIEWER[..], &["auth", "whoami"]].concat())
        .await;
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().eq(["Username", "viewer"])),
        "{out}"
    );
    assert!(out.contains("[system:authenticated]"), "{out}");
    let out = sim.kubectl_ok(&["auth", "whoami", "-o", "json"]).await;
    let review: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(review["status"]["userInfo"]["username"], "admin");
    assert_eq!(
        review["status"]["userInfo"]["groups"],
        serde_json::json!(["system:masters", "system:authenticated"])
    );
}

#[tokio::test]
async fn admin_impersonates_with_as_and_the_viewer_may_not() {
    let sim = TestSim::start().await;
    let (ok, _, err) = sim
        .kubectl(&["--as=viewer", "get", "secrets", "-n", "shop"])
        .await;
    assert!(!ok);
    assert!(
        err.contains(
            "secrets is forbidden: User \"viewer\" cannot list resource \"secrets\" in API group \"\" in the \
             namespace \"shop\""
        ),
        "{err}"
    );
    let (ok, out, _) = sim
        .kubectl(&["auth", "can-i", "delete", "pods", "--as=viewer"])
        .await;
    assert!(!ok);
    assert_eq!(out.trim(), "no");
    let out = sim
        .kubectl_ok(&["auth", "whoami", "--as=ann", "--as-group=ops"])
        .await;
    assert!(
        out.contains("ann") && out.contains("[ops system:authenticated]"),
        "{out}"
    );
    let (ok, _, err) = sim
        .kubectl(&[&VIEWER[..], &["--as=admin", "get", "pods"]].concat())
        .await;
    assert!(!ok);
    assert!(
        err.contains(
            "users \"admin\" is forbidden: User \"viewer\" cannot impersonate resource \"users\" in API group \"\" \
             at the cluster scope"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn an_aggregated_cluster_role_grants_what_its_parts_allow() {
    let sim = TestSim::start().await;
    sim.kubectl_stdin(
        &["apply", "-f", "-"],
        Some(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: config-admin}\n\
             aggregationRule:\n  clusterRoleSelectors: [{matchLabels: {example.com/aggregate-to-config: \"true\"}}]\n\
             rules: []\n---\n\
             apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n\
             metadata: {name: configmap-editor, labels: {example.com/aggregate-to-config: \"true\"}}\n\
             rules: [{apiGroups: [\"\"], resources: [configmaps], verbs: [get, list, create]}]\n---\n\
             apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: dev-config, namespace: shop}\n\
             roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: config-admin}\n\
             subjects: [{kind: User, name: dev, apiGroup: rbac.authorization.k8s.io}]\n",
        ),
    )
    .await;
    let can = |verb: &'static str, ns: &'static str| {
        let sim = &sim;
        async move {
            let (ok, out, err) = sim
                .kubectl(&["auth", "can-i", verb, "configmaps", "-n", ns, "--as=dev"])
                .await;
            assert_eq!(ok, out.trim() == "yes", "{out} {err}");
            ok
        }
    };
    assert!(can("create", "shop").await);
    assert!(!can("delete", "shop").await);
    // A RoleBinding holds in its namespace only.
    assert!(!can("create", "default").await);
    let out = sim
        .kubectl_ok(&["--as=dev", "get", "configmaps", "-n", "shop", "-o", "name"])
        .await;
    assert!(out.contains("configmap/"), "{out}");
}
