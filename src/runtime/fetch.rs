//! `Effect::Fetch`: reads one object and what its purpose needs alongside it (a description, its events, its
//! pods), and answers with a `Fetched` for the app. Runs on a spawned task; must not touch the terminal.

use serde_json::Value;
use tug_cluster::discovery::Kind;
use tug_cluster::logs::{DEFAULT_TAIL, LogTarget, PodSet};
use tug_cluster::objects::{self, DrillDown};

use crate::app::wording::{FetchFailure, Request};
use crate::app::{Fetched, Purpose};

/// What the object `name` in `namespace` becomes for `purpose`; an error if it cannot be read.
pub async fn fetch(
    client: &kube::Client,
    kind: &Kind,
    namespace: &str,
    name: &str,
    purpose: Purpose,
) -> Result<Fetched, FetchFailure> {
    let obj = objects::get(client, kind, namespace, name)
        .await
        .map_err(|e| FetchFailure::of(Request::Object, e))?;
    Ok(match purpose {
        Purpose::Yaml => Fetched::Object(obj),
        Purpose::Edit => Fetched::Edit(obj),
        Purpose::EditLatest => Fetched::Latest(obj),
        Purpose::Describe => Fetched::Text(objects::describe(client, kind, &obj).await),
        Purpose::Events => {
            let events = objects::events_of(client, &obj)
                .await
                .map_err(|e| FetchFailure::of(Request::Events, e))?;
            Fetched::Text(objects::events_text(&events, jiff::Timestamp::now()))
        }
        Purpose::Shell | Purpose::Attach => {
            shell_into(namespace, name, purpose == Purpose::Attach, obj)
        }
        Purpose::PortForward => {
            let (pod, port) = tug_cluster::portforward::target(client, kind, namespace, &obj)
                .await
                .map_err(|e| FetchFailure::of(Request::ForwardTarget, e))?;
            Fetched::ForwardPort {
                namespace: namespace.to_string(),
                pod,
                port,
            }
        }
        Purpose::Pause => Fetched::Paused {
            kind: kind.clone(),
            namespace: namespace.to_string(),
            name: name.to_string(),
            paused: obj["spec"]["paused"].as_bool() == Some(true),
        },
        Purpose::SetImage => Fetched::Images {
            images: tug_model::mutation::images_of(kind, &obj),
            target: tug_cluster::mutate::ObjectRef::new(kind.clone(), namespace, name),
        },
        Purpose::History => {
            // A Deployment's history is its ReplicaSets; a StatefulSet's or DaemonSet's its ControllerRevisions.
            let sets = if kind.is("apps", "deployments") {
                objects::replica_sets_of(client, &obj).await
            } else {
                objects::controller_revisions_of(client, &obj).await
            }
            .map_err(|e| FetchFailure::of(Request::ReplicaSets, e))?;
            Fetched::History(crate::app::actions::History {
                kind: kind.clone(),
                deployment: obj,
                sets,
            })
        }
        Purpose::Logs => logs_of(kind, namespace, name, &obj),
        Purpose::DrillDown => Fetched::Drill {
            target: objects::drill_down(kind, &obj),
            object: obj,
        },
    })
}

/// A shell into a pod: straight in when it has one container, else its containers to choose from.
fn shell_into(namespace: &str, pod: &str, attach: bool, obj: Value) -> Fetched {
    let containers = obj["spec"]["containers"].as_array().map_or(0, Vec::len);
    if containers > 1 {
        Fetched::Drill {
            target: DrillDown::Containers,
            object: obj,
        }
    } else {
        Fetched::ShellInto {
            namespace: namespace.to_string(),
            pod: pod.to_string(),
            attach,
        }
    }
}

/// The logs of a workload: of the pods its selector picks.
fn logs_of(kind: &Kind, namespace: &str, name: &str, obj: &Value) -> Fetched {
    match objects::drill_down(kind, obj) {
        DrillDown::Pods(scope) if scope.label_selector.is_some() => Fetched::Logs(LogTarget {
            namespace: namespace.to_string(),
            pods: PodSet::Selector(scope.label_selector.unwrap_or_default()),
            container: None,
            previous: false,
            tail: DEFAULT_TAIL,
            since: None,
        }),
        _ => Fetched::Text(format!("{} {name} has no pods to show logs of", kind.kind)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_pod_with_one_container_is_shelled_into_and_one_with_more_lists_them() {
        let one = json!({"spec": {"containers": [{"name": "app"}]}});
        assert!(matches!(
            shell_into("shop", "web", true, one),
            Fetched::ShellInto { attach: true, ref pod, .. } if pod == "web"
        ));
        let two = json!({"spec": {"containers": [{"name": "app"}, {"name": "sidecar"}]}});
        assert!(matches!(
            shell_into("shop", "web", false, two),
            Fetched::Drill {
                target: DrillDown::Containers,
                ..
            }
        ));
    }
}
