//! API surface beyond the stored kinds: `events.k8s.io/v1` serving the core Events, and aggregated discovery
//! (`apidiscovery.k8s.io/v2`) as kube-rs's `Discovery::run_aggregated` and kubectl ask for it.

use futures::TryStreamExt;
use k8s_openapi::api::events::v1::Event;
use kube::api::{Api, ListParams};
use kube::runtime::{WatchStreamExt, watcher};

use crate::common::TestSim;

#[tokio::test]
async fn events_k8s_io_serves_the_core_events() {
    let sim = TestSim::start().await;
    let client = sim.client().await;
    let events: Api<Event> = Api::namespaced(client.clone(), "shop");
    let list = events.list(&ListParams::default()).await.unwrap();
    let backoff = list
        .items
        .iter()
        .find(|e| e.reason.as_deref() == Some("BackOff"))
        .expect("the crash-looping pod's BackOff event");
    assert!(backoff.note.as_deref().is_some_and(|n| !n.is_empty()));
    assert_eq!(
        backoff.regarding.as_ref().unwrap().kind.as_deref(),
        Some("Pod")
    );
    let name = backoff.metadata.name.clone().unwrap();
    let got = events.get(&name).await.unwrap();
    assert_eq!(got.note, backoff.note);

    // A core Event created now shows up in a watch of events.k8s.io.
    let stream = watcher(events.clone(), watcher::Config::default()).applied_objects();
    let mut stream = Box::pin(stream);
    sim.kubectl_stdin(
        &["apply", "-f", "-"],
        Some(
            "apiVersion: v1\nkind: Event\nmetadata: {name: probe.1, namespace: shop}\n\
             involvedObject: {kind: Pod, name: web, namespace: shop}\nreason: Probed\nmessage: hello\ntype: Normal\n",
        ),
    )
    .await;
    let seen = tokio::time::timeout(crate::common::DEADLINE, async {
        while let Some(ev) = stream.try_next().await.unwrap() {
            if ev.metadata.name.as_deref() == Some("probe.1") {
                return ev;
            }
        }
        panic!("watch ended");
    })
    .await
    .expect("the new event is watched in time");
    assert_eq!(seen.note.as_deref(), Some("hello"));
    assert_eq!(seen.regarding.unwrap().name.as_deref(), Some("web"));

    let out = sim
        .kubectl_ok(&[
            "get",
            "events.events.k8s.io",
            "-n",
            "shop",
            "probe.1",
            "-o",
            "jsonpath={.note}",
        ])
        .await;
    assert_eq!(out, "hello");
    let resources = sim
        .kubectl_ok(&["api-resources", "--api-group=events.k8s.io"])
        .await;
    assert!(resources.contains("events.k8s.io/v1"), "{resources}");
}

#[tokio::test]
async fn aggregated_discovery_finds_pods_with_kube_rs() {
    let sim = TestSim::start().await;
    let client = sim.client().await;
    let discovery = kube::Discovery::new(client).run_aggregated().await.unwrap();
    let core = discovery.get("").expect("the core group");
    let (pods, caps) = core
        .recommended_resources()
        .into_iter()
        .find(|(r, _)| r.plural == "pods")
        .expect("pods in aggregated discovery");
    assert_eq!(pods.kind, "Pod");
    assert!(
        caps.subresources.iter().any(|(s, _)| s.plural == "log"),
        "{caps:?}"
    );
    let apps = discovery.get("apps").expect("apps");
    assert!(
        apps.recommended_resources()
            .iter()
            .any(|(r, _)| r.kind == "Deployment")
    );
    assert!(discovery.get("metrics.k8s.io").is_some());

    // kubectl asks for the aggregated form first and uses it (its cache is fresh for this test).
    let out = sim
        .kubectl_ok(&["api-resources", "--api-group=apps", "-o", "name"])
        .await;
    assert!(out.lines().any(|l| l == "deployments.apps"), "{out}");
    let requests = sim.get_json("/_sim/requests").await;
    let discovery_paths = requests
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["path"].as_str())
        .filter(|p| p.starts_with("/apis/apps"))
        .count();
    assert_eq!(
        discovery_paths, 0,
        "no per-group discovery once aggregated: {requests}"
    );
}
