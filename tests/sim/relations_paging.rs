//! The relations fetch lists in pages (`limit` + `continue`): a list longer than one page yields every item
//! exactly once, each decoded into the pod projection (`tug_model::pod_facts::Pod`), and the pages are what
//! the server's log shows.

use std::collections::BTreeSet;

use tug_sim::SimOptions;

use crate::common::TestSim;

#[tokio::test]
async fn a_list_of_several_pages_yields_every_pod_once() {
    let load = tug_cluster::relations::PAGE * 2 + 17;
    let sim = TestSim::start_with(SimOptions {
        pods: load,
        ..Default::default()
    })
    .await;
    let client = sim.client().await;
    let kinds = tug_cluster::discovery::discover(&client).await.unwrap();
    let pods = kinds
        .iter()
        .find(|k| k.group.is_empty() && k.plural == "pods")
        .unwrap()
        .clone();
    let since = sim.get_json("/_sim/stats").await["requests"]
        .as_u64()
        .unwrap();
    let snap = tug_cluster::relations::snapshot(&client, &[pods], None)
        .await
        .unwrap();
    // Read before kubectl lists the pods too.
    let log = sim.get_json(&format!("/_sim/requests?since={since}")).await;
    let items = snap.pods();
    let names: BTreeSet<(String, String)> = items
        .iter()
        .map(|p| {
            (
                p.metadata.namespace.to_string(),
                p.metadata.name.to_string(),
            )
        })
        .collect();
    assert_eq!(names.len(), items.len(), "no pod twice");
    // Every pod the server has: the load pods and the demo world's.
    let all = sim.kubectl_ok(&["get", "pods", "-A", "--no-headers"]).await;
    assert_eq!(items.len(), all.lines().count());
    assert!(items.len() > load);
    // Each decoded into the projection relations read: a running load pod is ready, on its node, with its
    // containers' statuses.
    let p = items
        .iter()
        .find(|p| p.metadata.namespace.starts_with("load-"))
        .unwrap();
    assert_eq!(p.status.phase.as_deref(), Some("Running"));
    assert_eq!(
        p.status.ready.as_ref().map(|c| c.status.as_str()),
        Some("True")
    );
    assert!(!p.status.containers.is_empty());
    assert!(p.spec.node_name.is_some());
    let pages: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "/api/v1/pods")
        .map(|r| r["query"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        pages.len(),
        items.len().div_ceil(tug_cluster::relations::PAGE),
        "{pages:?}"
    );
    assert!(pages.iter().all(|q| q.contains("limit=500")), "{pages:?}");
    assert_eq!(
        pages.iter().filter(|q| q.contains("continue=")).count(),
        pages.len() - 1,
        "every page but the first continues the list: {pages:?}"
    );
}
