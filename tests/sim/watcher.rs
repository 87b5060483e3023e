//! kube-runtime's watcher + reflector against the sim keeps a correct store across injected watch drops and
//! `410 Gone` (the sim compacts its history, so the watcher must relist).

use std::collections::BTreeSet;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, DeleteParams, PostParams};
use kube::runtime::{WatchStreamExt, reflector, watcher};

use crate::common::{TestSim, eventually};

fn pod(name: &str) -> Pod {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "labels": {"app": "watched"}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}
    }))
    .unwrap()
}

/// What the server holds, read through the cluster-wide path so it never counts as the watcher's own relist.
async fn server_names(api: &Api<Pod>) -> BTreeSet<String> {
    let all: Api<Pod> = Api::all(api.clone().into_client());
    all.list(&kube::api::ListParams::default().fields("metadata.namespace=watched"))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect()
}

fn store_names(reader: &reflector::Store<Pod>) -> BTreeSet<String> {
    reader
        .state()
        .iter()
        .filter_map(|p| p.metadata.name.clone())
        .collect()
}

async fn request_log(sim: &TestSim) -> Vec<serde_json::Value> {
    sim.get_json("/_sim/requests")
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn reflector_store_stays_correct_across_watch_drops_and_gone() {
    let sim = TestSim::with_faults("watch-drop=1s").await;
    let client = sim.client().await;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &PostParams::default(),
            &serde_json::from_value(serde_json::json!({"metadata": {"name": "watched"}})).unwrap(),
        )
        .await
        .unwrap();
    let api: Api<Pod> = Api::namespaced(client.clone(), "watched");
    for i in 0..10 {
        api.create(&PostParams::default(), &pod(&format!("p-{i}")))
            .await
            .unwrap();
    }

    let (reader, writer) = reflector::store();
    let stream = reflector(writer, watcher(api.clone(), watcher::Config::default()))
        .default_backoff()
        .applied_objects();
    let driver = tokio::spawn(async move {
        futures::pin_mut!(stream);
        while stream.next().await.is_some() {}
    });

    let expected = server_names(&api).await;
    assert_eq!(expected.len(), 10);
    eventually("reflector has the initial pods", || async {
        (store_names(&reader) == expected).then_some(())
    })
    .await;

    // Changes while watches keep dropping every second.
    let gone = DeleteParams {
        grace_period_seconds: Some(0),
        ..Default::default()
    };
    for i in 0..3 {
        api.delete(&format!("p-{i}"), &gone).await.unwrap();
    }
    for i in 10..15 {
        api.create(&PostParams::default(), &pod(&format!("p-{i}")))
            .await
            .unwrap();
    }
    eventually("reflector follows changes across watch drops", || async {
        let want = server_names(&api).await;
        (want.len() == 12 && store_names(&reader) == want).then_some(())
    })
    .await;
    eventually("the watch was dropped and re-established", || async {
        let watches = request_log(&sim)
            .await
            .iter()
            .filter(|r| r["path"] == "/api/v1/namespaces/watched/pods" && r["verb"] == "watch")
            .count();
        (watches >= 2).then_some(())
    })
    .await;

    // 410 Gone: the sim compacts its history; the watcher must relist and still converge.
    let lists_before = request_log(&sim)
        .await
        .iter()
        .filter(|r| r["path"] == "/api/v1/namespaces/watched/pods" && r["verb"] == "list")
        .count();
    let client_raw = sim.client().await;
    let req = http::Request::post("/_sim/gone").body(Vec::new()).unwrap();
    let (code, _) = crate::common::send(&client_raw, req).await;
    assert_eq!(code, 200);
    api.delete("p-5", &gone).await.unwrap();
    api.create(&PostParams::default(), &pod("p-after-gone"))
        .await
        .unwrap();
    eventually("reflector converges after 410 Gone", || async {
        let want = server_names(&api).await;
        (want.contains("p-after-gone") && !want.contains("p-5") && store_names(&reader) == want)
            .then_some(())
    })
    .await;
    let lists_after = request_log(&sim)
        .await
        .iter()
        .filter(|r| r["path"] == "/api/v1/namespaces/watched/pods" && r["verb"] == "list")
        .count();
    assert!(
        lists_after > lists_before,
        "a relist follows 410 Gone ({lists_before} → {lists_after})"
    );
    driver.abort();
}
