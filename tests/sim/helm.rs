//! Helm through the API alone (`tug_cluster::helm`) against the sim's demo releases: listing reads the newest
//! record of each release, and an uninstall removes the release's resources and every record, as
//! `helm uninstall` does.

use crate::common::TestSim;

#[tokio::test]
async fn releases_are_read_from_their_records_and_uninstall_removes_resources_and_records() {
    let sim = TestSim::start().await;
    let client = sim.client().await;
    let rows = tug_cluster::helm::releases(&client, None).await.unwrap();
    let names: Vec<(&str, i64, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.release.name.as_str(),
                r.release.version,
                r.release.info.status.as_str(),
            )
        })
        .collect();
    assert!(names.contains(&("storefront", 3, "deployed")), "{names:?}");
    assert!(names.contains(&("metrics-agent", 2, "failed")), "{names:?}");
    let (history, _) = tug_cluster::helm::history(&client, "monitoring", "metrics-agent")
        .await
        .unwrap();
    assert_eq!(
        history.iter().map(|r| r.version).collect::<Vec<_>>(),
        [1, 2]
    );

    tug_cluster::helm::uninstall(&client, "monitoring", "metrics-agent")
        .await
        .unwrap();
    let (ok, _, err) = sim
        .kubectl(&["get", "deploy", "metrics-agent", "-n", "monitoring"])
        .await;
    assert!(!ok && err.contains("NotFound"), "{err}");
    let records = sim
        .kubectl_ok(&[
            "get",
            "secrets",
            "-A",
            "-l",
            "owner=helm,name=metrics-agent",
            "-o",
            "name",
        ])
        .await;
    assert!(records.trim().is_empty(), "{records}");
    let left = tug_cluster::helm::releases(&client, None).await.unwrap();
    assert_eq!(left.len(), 1);
}
