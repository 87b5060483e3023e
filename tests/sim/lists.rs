//! Consistent lists, as a real API server's etcd reads give them: every `continue` page comes from the first
//! page's snapshot, compacted versions are 410 and versions from the future 504, and `--namespaces` spreads
//! the load pods.

use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use kube::api::{Api, DeleteParams, ListParams, PostParams, VersionMatch};
use serde_json::{Value, json};

use crate::common::{TestSim, send};

const TOO_OLD_CONTINUE: &str = "The provided continue parameter is too old to display a consistent list \
result. You can start a new list without the continue parameter, or use the continue token in this response \
to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list \
- objects that were created, modified, or deleted between the time the first chunk was returned and now may \
show up in the list.";

/// A sim with namespace `paged` holding configmaps `cm-0`…`cm-{n-1}`.
async fn sim_with_configmaps(n: usize) -> (TestSim, Api<ConfigMap>) {
    let sim = TestSim::start().await;
    let client = sim.client().await;
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": "paged"}})).unwrap();
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .unwrap();
    let cms = Api::<ConfigMap>::namespaced(client, "paged");
    for i in 0..n {
        cms.create(
            &PostParams::default(),
            &configmap(&format!("cm-{i}"), "first"),
        )
        .await
        .unwrap();
    }
    (sim, cms)
}

fn configmap(name: &str, value: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": {"v": value}})).unwrap()
}

fn names(items: &[ConfigMap]) -> Vec<String> {
    items
        .iter()
        .map(|c| c.metadata.name.clone().unwrap_or_default())
        .collect()
}

/// A client that reports 429/503/504 at once: kube-rs retries them by default (with backoff).
async fn client_without_retries(sim: &TestSim) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(sim.kubeconfig()).unwrap();
    let mut config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .unwrap();
    config.default_retry = false;
    kube::Client::try_from(config).unwrap()
}

/// A raw GET: (status code, body as JSON).
async fn get(sim: &TestSim, path: &str) -> (u16, Value) {
    let req = http::Request::get(path).body(Vec::new()).unwrap();
    let (code, body) = send(&client_without_retries(sim).await, req).await;
    (code, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn continued_pages_come_from_the_first_pages_snapshot() {
    let (_sim, cms) = sim_with_configmaps(6).await;
    let first = cms.list(&ListParams::default().limit(2)).await.unwrap();
    let rv = first.metadata.resource_version.clone().unwrap();
    // Meanwhile: one created (it sorts into a later page), one deleted, one changed.
    cms.create(&PostParams::default(), &configmap("cm-35", "new"))
        .await
        .unwrap();
    cms.delete("cm-4", &DeleteParams::default()).await.unwrap();
    let mut changed = cms.get("cm-5").await.unwrap();
    changed.data = Some([("v".to_string(), "second".to_string())].into());
    cms.replace("cm-5", &PostParams::default(), &changed)
        .await
        .unwrap();

    let mut seen = names(&first.items);
    let mut token = first.metadata.continue_.clone();
    while let Some(t) = token.filter(|t| !t.is_empty()) {
        let page = cms
            .list(&ListParams::default().limit(2).continue_token(&t))
            .await
            .unwrap();
        assert_eq!(page.metadata.resource_version.as_deref(), Some(rv.as_str()));
        for cm in &page.items {
            if cm.metadata.name.as_deref() == Some("cm-5") {
                assert_eq!(cm.data.as_ref().unwrap()["v"], "first", "as it was then");
            }
        }
        seen.extend(names(&page.items));
        token = page.metadata.continue_;
    }
    assert_eq!(seen, ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4", "cm-5"]);
    // A new list sees the changes.
    let now = cms.list(&ListParams::default()).await.unwrap();
    assert_eq!(
        names(&now.items),
        ["cm-0", "cm-1", "cm-2", "cm-3", "cm-35", "cm-5"]
    );
}

#[tokio::test]
async fn a_paged_list_under_churn_is_consistent() {
    let sim = TestSim::start_with(tug_sim::SimOptions {
        pods: 3_000,
        churn: 500.0,
        ..Default::default()
    })
    .await;
    let pods = Api::<Pod>::all(sim.client().await);
    let first = pods.list(&ListParams::default().limit(250)).await.unwrap();
    let rv: u64 = first.metadata.resource_version.unwrap().parse().unwrap();
    let mut items = first.items;
    let mut token = first.metadata.continue_;
    while let Some(t) = token.filter(|t| !t.is_empty()) {
        // Slow enough for the churn to change pods of later pages before they are read.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let page = pods
            .list(&ListParams::default().limit(250).continue_token(&t))
            .await
            .unwrap();
        assert_eq!(page.metadata.resource_version, Some(rv.to_string()));
        items.extend(page.items);
        token = page.metadata.continue_;
    }
    assert!(
        sim.sim.store().resource_version() > rv + 100,
        "the pods changed while the list was paged"
    );
    let load = items
        .iter()
        .filter(|p| {
            p.metadata
                .namespace
                .as_deref()
                .is_some_and(|n| n.starts_with("load-"))
        })
        .count();
    assert_eq!(load, 3_000);
    // Every pod as it was at the first page's version: none is newer.
    for p in &items {
        let v: u64 = p
            .metadata
            .resource_version
            .as_deref()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            v <= rv,
            "{:?} at {v}, newer than the list's {rv}",
            p.metadata.name
        );
    }
}

#[tokio::test]
async fn a_continue_token_older_than_a_compaction_is_410_with_one_to_resume() {
    let (sim, cms) = sim_with_configmaps(4).await;
    let first = cms.list(&ListParams::default().limit(2)).await.unwrap();
    cms.create(&PostParams::default(), &configmap("cm-9", "new"))
        .await
        .unwrap();
    sim.sim.store().compact();
    let token = first.metadata.continue_.unwrap();
    let (code, status) = get(
        &sim,
        &format!("/api/v1/namespaces/paged/configmaps?limit=2&continue={token}"),
    )
    .await;
    assert_eq!(code, 410);
    assert_eq!(status["reason"], "Expired");
    assert_eq!(status["message"], TOO_OLD_CONTINUE);
    // The token in the Status resumes at the latest version, after the same key.
    let resume = status["metadata"]["continue"].as_str().unwrap().to_string();
    let rest = cms
        .list(&ListParams::default().continue_token(&resume))
        .await
        .unwrap();
    assert_eq!(names(&rest.items), ["cm-2", "cm-3", "cm-9"]);
    // kube-rs sees the same as an API error.
    let err = cms
        .list(&ListParams::default().limit(2).continue_token(&token))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 410 && s.reason == "Expired"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_exact_list_reads_its_version_until_it_is_compacted() {
    let (sim, cms) = sim_with_configmaps(2).await;
    let rv = cms
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    cms.create(&PostParams::default(), &configmap("cm-2", "new"))
        .await
        .unwrap();
    let exact = ListParams::default().at(&rv).matching(VersionMatch::Exact);
    let then = cms.list(&exact).await.unwrap();
    assert_eq!(names(&then.items), ["cm-0", "cm-1"]);
    assert_eq!(then.metadata.resource_version.as_deref(), Some(rv.as_str()));

    sim.sim.store().compact();
    let (code, status) = get(
        &sim,
        &format!(
            "/api/v1/namespaces/paged/configmaps?resourceVersion={rv}&resourceVersionMatch=Exact"
        ),
    )
    .await;
    assert_eq!(code, 410);
    assert_eq!(status["reason"], "Expired");
    assert_eq!(
        status["message"],
        "The resourceVersion for the provided list is too old."
    );
}

#[tokio::test]
async fn a_resource_version_from_the_future_is_504_too_large() {
    let (sim, _) = sim_with_configmaps(1).await;
    let current = sim.sim.store().resource_version();
    let future = current + 1_000;
    for matching in ["Exact", "NotOlderThan"] {
        let (code, status) = get(
            &sim,
            &format!(
                "/api/v1/namespaces/paged/configmaps?resourceVersion={future}&resourceVersionMatch={matching}"
            ),
        )
        .await;
        assert_eq!(code, 504, "{matching}: {status}");
        assert_eq!(status["reason"], "Timeout");
        // The demo world's CronJobs keep writing: "current" is at least what it was.
        let message = status["message"].as_str().unwrap();
        let now: u64 = message
            .strip_prefix(&format!(
                "Timeout: Too large resource version: {future}, current: "
            ))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{message}"));
        assert!(now >= current, "{message}");
        assert_eq!(status["details"]["retryAfterSeconds"], 1);
        assert_eq!(
            status["details"]["causes"][0]["reason"],
            "ResourceVersionTooLarge"
        );
    }
    let cms = Api::<ConfigMap>::namespaced(client_without_retries(&sim).await, "paged");
    let err = cms
        .list(&ListParams::default().at(&future.to_string()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 504),
        "{err:?}"
    );
}

#[tokio::test]
async fn load_pods_spread_over_the_namespaces_asked_for() {
    let sim = TestSim::start_with(tug_sim::SimOptions {
        pods: 70,
        namespaces: 7,
        ..Default::default()
    })
    .await;
    let client = sim.client().await;
    let namespaces = Api::<Namespace>::all(client.clone())
        .list(&ListParams::default())
        .await
        .unwrap();
    let load: Vec<String> = namespaces
        .items
        .iter()
        .filter_map(|n| n.metadata.name.clone())
        .filter(|n| n.starts_with("load-"))
        .collect();
    assert_eq!(load.len(), 7, "{load:?}");
    for ns in &load {
        let pods = Api::<Pod>::namespaced(client.clone(), ns)
            .list(&ListParams::default())
            .await
            .unwrap();
        assert_eq!(pods.items.len(), 10, "{ns}");
    }
}
