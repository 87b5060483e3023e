//! Server-side apply as kubectl and kube-rs use it: two managers conflict with the apiserver's message until one
//! forces; Apply entries record what each applied; fields a manager stops applying go; the request errors
//! (no fieldManager, another kind) are the real ones.

use serde_json::Value;

use crate::common::{TestSim, send};

fn config(data: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x, namespace: shop}}\ndata: {{{data}}}\n"
    )
}

async fn apply(sim: &TestSim, manager: &str, data: &str, extra: &[&str]) -> (bool, String) {
    let mut args = vec![
        "apply",
        "--server-side",
        "--field-manager",
        manager,
        "-f",
        "-",
    ];
    args.extend_from_slice(extra);
    let (ok, out, err) = sim.kubectl_stdin(&args, Some(&config(data))).await;
    (ok, format!("{out}{err}"))
}

async fn configmap(sim: &TestSim) -> Value {
    serde_json::from_str(
        &sim.kubectl_ok(&[
            "get",
            "cm",
            "x",
            "-n",
            "shop",
            "-o",
            "json",
            "--show-managed-fields",
        ])
        .await,
    )
    .unwrap()
}

fn entry<'a>(cm: &'a Value, manager: &str) -> Option<&'a Value> {
    cm["metadata"]["managedFields"]
        .as_array()?
        .iter()
        .find(|e| e["manager"] == manager)
}

#[tokio::test]
async fn kubectl_server_side_apply_by_two_managers_conflicts_then_forces() {
    let sim = TestSim::start().await;
    let (ok, out) = apply(&sim, "mgr-a", "k: one, keep: yes", &[]).await;
    assert!(ok, "{out}");
    assert!(out.contains("configmap/x serverside-applied"), "{out}");
    let cm = configmap(&sim).await;
    let a = entry(&cm, "mgr-a").expect("mgr-a's entry");
    assert_eq!(a["operation"], "Apply");
    assert_eq!(a["fieldsType"], "FieldsV1");
    assert!(a["fieldsV1"]["f:data"]["f:k"].is_object(), "{a}");

    // A second manager changing mgr-a's field is refused with the apiserver's message.
    let (ok, out) = apply(&sim, "mgr-b", "k: two", &[]).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains("Apply failed with 1 conflict: conflict with \"mgr-a\": .data.k"),
        "{out}"
    );
    assert_eq!(configmap(&sim).await["data"]["k"], "one");

    // Forced, it takes the field: mgr-a keeps only what it still owns alone.
    let (ok, out) = apply(&sim, "mgr-b", "k: two", &["--force-conflicts"]).await;
    assert!(ok, "{out}");
    let cm = configmap(&sim).await;
    assert_eq!(cm["data"]["k"], "two");
    let a = entry(&cm, "mgr-a").expect("mgr-a still owns keep");
    assert!(a["fieldsV1"]["f:data"].get("f:k").is_none(), "{a}");
    assert!(a["fieldsV1"]["f:data"]["f:keep"].is_object(), "{a}");
    let b = entry(&cm, "mgr-b").expect("mgr-b's entry");
    assert_eq!(b["operation"], "Apply");
    assert!(b["fieldsV1"]["f:data"]["f:k"].is_object(), "{b}");

    // mgr-a stops applying `keep`: nobody else owns it, so it is removed.
    let (ok, out) = apply(&sim, "mgr-a", "", &[]).await;
    assert!(ok, "{out}");
    let cm = configmap(&sim).await;
    assert!(cm["data"].get("keep").is_none(), "{cm}");
    assert_eq!(cm["data"]["k"], "two", "mgr-b's field stays");
}

#[tokio::test]
async fn an_update_after_an_apply_takes_the_field_and_the_applier_then_conflicts_with_it() {
    let sim = TestSim::start().await;
    let (ok, out) = apply(&sim, "mgr-a", "k: one", &[]).await;
    assert!(ok, "{out}");
    sim.kubectl_ok(&[
        "patch",
        "cm",
        "x",
        "-n",
        "shop",
        "--type=merge",
        "-p",
        r#"{"data":{"k":"edited"}}"#,
    ])
    .await;
    let (ok, out) = apply(&sim, "mgr-a", "k: one", &[]).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains(
            "Apply failed with 1 conflict: conflict with \"kubectl-patch\" using v1: .data.k"
        ),
        "{out}"
    );
}

#[tokio::test]
async fn apply_requests_without_a_manager_or_of_another_kind_are_refused() {
    let sim = TestSim::start().await;
    let client = sim.client().await;
    let path = "/api/v1/namespaces/shop/configmaps/x";
    let req = |query: &str, body: &str| {
        http::Request::patch(format!("{path}{query}"))
            .header("content-type", "application/apply-patch+yaml")
            .body(body.as_bytes().to_vec())
            .unwrap()
    };
    let (code, body) = send(&client, req("", &config("k: one"))).await;
    let status: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(code, 422, "{status}");
    assert_eq!(
        status["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
    );
    assert_eq!(status["details"]["causes"][0]["field"], "fieldManager");

    let deployment =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x, namespace: shop}\n";
    let (code, body) = send(&client, req("?fieldManager=m", deployment)).await;
    let status: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(code, 400, "{status}");
    assert_eq!(
        status["message"],
        "invalid object type: apps/v1, Kind=Deployment"
    );

    // force belongs to apply only.
    let merge = http::Request::patch(format!("{path}?force=true"))
        .header("content-type", "application/merge-patch+json")
        .body(b"{}".to_vec())
        .unwrap();
    let (code, body) = send(&client, merge).await;
    let status: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(code, 422, "{status}");
    assert_eq!(
        status["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch"
    );
}

#[tokio::test]
async fn kube_rs_patch_apply_records_its_manager() {
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::api::{Api, Patch, PatchParams};
    let sim = TestSim::start().await;
    let api: Api<ConfigMap> = Api::namespaced(sim.client().await, "shop");
    let cm: ConfigMap = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"k": "v"}}))
    .unwrap();
    let applied = api
        .patch("x", &PatchParams::apply("tug-test"), &Patch::Apply(&cm))
        .await
        .unwrap();
    let fields = applied.metadata.managed_fields.unwrap_or_default();
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0].manager.as_deref(), Some("tug-test"));
    assert_eq!(fields[0].operation.as_deref(), Some("Apply"));
}
