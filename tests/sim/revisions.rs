//! ControllerRevisions of StatefulSets and DaemonSets as kubectl reads and applies them: one per template,
//! holding the patch that puts it back, renumbered when rolled back to; `kubectl rollout status|history|undo`
//! follow a DaemonSet's rolling update as a StatefulSet's.

use crate::common::TestSim;

async fn image(sim: &TestSim) -> String {
    sim.kubectl_ok(&[
        "get",
        "ds",
        "node-exporter",
        "-n",
        "monitoring",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ])
    .await
}

async fn status(sim: &TestSim) {
    sim.kubectl_ok(&[
        "rollout",
        "status",
        "-n",
        "monitoring",
        "ds/node-exporter",
        "--timeout=60s",
    ])
    .await;
}

#[tokio::test]
async fn a_daemon_set_rolls_out_and_back_through_its_controller_revisions() {
    let sim = TestSim::start().await;
    let ds = ["-n", "monitoring", "ds/node-exporter"];
    status(&sim).await;
    sim.kubectl_ok(&[
        "set",
        "image",
        ds[2],
        "-n",
        "monitoring",
        "node-exporter=prom/node-exporter:v1.9.0",
    ])
    .await;
    status(&sim).await;
    let pods = sim
        .kubectl_ok(&[
            "get",
            "pods",
            "-n",
            "monitoring",
            "-l",
            "app=node-exporter",
            "-o",
            "jsonpath={.items[*].spec.containers[0].image}",
        ])
        .await;
    assert!(
        pods.split_whitespace()
            .all(|i| i == "prom/node-exporter:v1.9.0"),
        "{pods}"
    );
    let revisions: serde_json::Value = serde_json::from_str(
        &sim.kubectl_ok(&[
            "get",
            "controllerrevisions",
            "-n",
            "monitoring",
            "-l",
            "app=node-exporter",
            "-o",
            "json",
        ])
        .await,
    )
    .unwrap();
    let mut lines: Vec<String> = revisions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["revision"], r["data"]["spec"]["template"]["$patch"]
            )
        })
        .collect();
    lines.sort();
    assert_eq!(lines, ["1 \"replace\"", "2 \"replace\""], "{revisions}");
    sim.kubectl_ok(&["rollout", "undo", ds[2], "-n", "monitoring"])
        .await;
    assert_eq!(image(&sim).await, "prom/node-exporter:v1.8.2");
    status(&sim).await;
    let history = sim
        .kubectl_ok(&["rollout", "history", ds[2], "-n", "monitoring"])
        .await;
    // Revision 1's template is current again: it is renumbered 3, as the controller does.
    let numbers: Vec<&str> = history
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.parse::<u32>().is_ok())
        .collect();
    assert_eq!(numbers, ["2", "3"], "{history}");
}
