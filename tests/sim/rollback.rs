//! tug's rollback computes what `kubectl rollout undo` sends: two identical sims, one rolled back by kubectl,
//! one by `tug_cluster::mutate`, end with the same Deployment spec.

use serde_json::Value;

use crate::common::{TestSim, eventually};

const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: \"example/web:v1\", env: [{name: MODE, value: one}]}]}\n";

async fn prepare(sim: &TestSim) {
    sim.kubectl_stdin(&["apply", "-f", "-"], Some(WEB)).await;
    sim.kubectl_ok(&["rollout", "status", "deploy/web", "--timeout=30s"])
        .await;
    sim.kubectl_ok(&["set", "image", "deploy/web", "web=example/web:v2"])
        .await;
    sim.kubectl_ok(&["set", "env", "deploy/web", "MODE=two"])
        .await;
    sim.kubectl_ok(&["rollout", "status", "deploy/web", "--timeout=30s"])
        .await;
}

async fn deployment(sim: &TestSim) -> Value {
    serde_json::from_str(
        &sim.kubectl_ok(&["get", "deploy", "web", "-o", "json"])
            .await,
    )
    .unwrap()
}

/// tug's rollback of `web` to revision 1, computed from `read` (the Deployment as the history showed it).
async fn rollback_to_1(client: &kube::Client, read: &Value) -> tug_cluster::mutate::Mutation {
    let kinds = tug_cluster::discovery::discover(client).await.unwrap();
    let kind = tug_cluster::discovery::find(&kinds, "deploy")
        .unwrap()
        .clone();
    let sets = tug_cluster::objects::replica_sets_of(client, read)
        .await
        .unwrap();
    let rs = sets
        .iter()
        .find(|rs| rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1")
        .unwrap();
    tug_cluster::mutate::Mutation::new(
        tug_cluster::mutate::ObjectRef::new(kind, "shop", "web"),
        tug_cluster::mutate::Op::Rollback {
            revision: 1,
            replica_set: rs["metadata"]["name"].as_str().unwrap().into(),
            deployment: tug_cluster::mutate::rollback_deployment(read, rs).unwrap(),
        },
    )
}

#[tokio::test]
async fn tugs_rollback_matches_kubectl_rollout_undo() {
    let (a, b) = (TestSim::start().await, TestSim::start().await);
    prepare(&a).await;
    prepare(&b).await;

    a.kubectl_ok(&["rollout", "undo", "deploy/web", "--to-revision=1"])
        .await;

    let client = b.client().await;
    let m = rollback_to_1(&client, &deployment(&b).await).await;
    tug_cluster::mutate::apply(&client, &m).await.unwrap();

    let settled = async |sim: &TestSim| {
        eventually("revision 4 (v1, v2, v2+env, then v1 again)", || async {
            let d = deployment(sim).await;
            (d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "4").then_some(d)
        })
        .await
    };
    let (da, db) = (settled(&a).await, settled(&b).await);
    // kubectl serialises Go's zero `creationTimestamp` in the template as null; the same spec either way.
    let normal = |d: &Value| {
        let mut spec = d["spec"].clone();
        if spec["template"]["metadata"]["creationTimestamp"].is_null()
            && let Some(m) = spec["template"]["metadata"].as_object_mut()
        {
            m.remove("creationTimestamp");
        }
        spec
    };
    assert_eq!(normal(&da), normal(&db));
    assert_eq!(
        db["spec"]["template"]["spec"]["containers"][0]["image"],
        "example/web:v1"
    );
    assert_eq!(
        db["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"],
        "one"
    );
}

#[tokio::test]
async fn a_rollback_survives_a_status_update_but_not_a_spec_change_made_meanwhile() {
    let sim = TestSim::start().await;
    prepare(&sim).await;
    let client = sim.client().await;
    let rollback = rollback_to_1(&client, &deployment(&sim).await).await;
    let store = sim.sim.store().clone();
    let res = store.registry().preferred("apps", "deployments").unwrap();
    let bump = |change: &dyn Fn(&mut Value)| {
        store
            .update_with(
                &res,
                "shop",
                "web",
                tug_sim::store::UpdateScope::All,
                false,
                |cur| {
                    let mut new = cur.clone();
                    change(&mut new);
                    Ok(new)
                },
            )
            .unwrap();
    };

    // A spec change since the history was read: a conflict, nothing applied.
    bump(&|d| d["spec"]["replicas"] = serde_json::json!(5));
    let err = tug_cluster::mutate::apply(&client, &rollback)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(409), "{err}");
    let now = deployment(&sim).await;
    assert_eq!(
        now["spec"]["template"]["spec"]["containers"][0]["image"],
        "example/web:v2"
    );

    // Only the status and an annotation changed since it was read: the rollback applies, keeping both.
    let rollback = rollback_to_1(&client, &deployment(&sim).await).await;
    bump(&|d| {
        d["status"]["observedGeneration"] = serde_json::json!(99);
        d["metadata"]["annotations"]["touched"] = serde_json::json!("by-someone-else");
    });
    tug_cluster::mutate::apply(&client, &rollback)
        .await
        .unwrap();
    let now = deployment(&sim).await;
    assert_eq!(
        now["spec"]["template"]["spec"]["containers"][0]["image"],
        "example/web:v1"
    );
    assert_eq!(now["spec"]["replicas"], 5);
    assert_eq!(now["metadata"]["annotations"]["touched"], "by-someone-else");
}
