//! Every change tug makes to a cluster, as data: the object it targets and the operation, with the words the
//! journal, the flash and the confirmations use for it. How each is sent lives in the cluster crate.

use serde_json::Value;

use crate::kind::Kind;

/// One object: its kind, namespace (`None` for a cluster-scoped object) and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: Kind,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// An empty `namespace` means a cluster-scoped object.
    pub fn new(kind: Kind, namespace: impl Into<String>, name: impl Into<String>) -> Self {
        let namespace = namespace.into();
        Self {
            kind,
            namespace: (!namespace.is_empty()).then_some(namespace),
            name: name.into(),
        }
    }

    /// The namespace, empty for a cluster-scoped object (as URL paths and journal lines take it).
    pub fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or_default()
    }

    /// The object's URL path.
    pub fn path(&self) -> String {
        self.kind.object_path(self.ns(), &self.name)
    }
}

/// What is done to the object.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Through the scale subresource.
    Scale {
        replicas: i64,
    },
    /// A new `kubectl.kubernetes.io/restartedAt` template annotation, as `kubectl rollout restart`.
    Restart,
    /// `grace` in seconds; `None` leaves the object's own default.
    Delete {
        propagation: String,
        grace: Option<i64>,
    },
    Pause {
        paused: bool,
    },
    Cordon {
        unschedulable: bool,
    },
    /// Put `template` back into the Deployment as it is now (undoing a rollback): read, change, replace.
    SetTemplate {
        template: Value,
    },
    /// Cordon, then evict every pod on the node (DaemonSet pods excepted), honouring PodDisruptionBudgets.
    Drain,
    /// Replace the Deployment with `deployment` (its template taken from `revision`'s ReplicaSet).
    Rollback {
        revision: i64,
        /// The ReplicaSet holding that revision's template (checked again at confirm time).
        replica_set: String,
        deployment: Value,
    },
}

/// One change to one object.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    pub target: ObjectRef,
    pub op: Op,
}

impl Mutation {
    pub fn new(target: ObjectRef, op: Op) -> Self {
        Self { target, op }
    }

    pub fn verb(&self) -> &'static str {
        match &self.op {
            Op::Scale { .. } => "scale",
            Op::Restart => "restart",
            Op::Delete { grace: Some(0), .. } => "kill",
            Op::Delete { .. } => "delete",
            Op::Rollback { .. } => "rollback",
            Op::Pause { paused: true } => "pause",
            Op::Pause { .. } => "resume",
            Op::Cordon {
                unschedulable: true,
            } => "cordon",
            Op::Cordon { .. } => "uncordon",
            Op::Drain => "drain",
            Op::SetTemplate { .. } => "undo-rollback",
        }
    }

    /// One line for the journal and the flash: what was asked.
    pub fn summary(&self) -> String {
        let t = &self.target;
        let obj = format!("{}/{} in {}", t.kind.kind.to_lowercase(), t.name, t.ns());
        match &self.op {
            Op::Scale { replicas } => format!("scale {obj} to {replicas}"),
            Op::Restart => format!("restart {obj}"),
            Op::Delete { propagation, grace } => match grace {
                Some(0) => format!("kill {obj} (grace period 0)"),
                Some(g) => format!("delete {obj} ({propagation}, grace {g}s)"),
                None => format!("delete {obj} ({propagation})"),
            },
            Op::Rollback { revision, .. } => format!("roll back {obj} to revision {revision}"),
            Op::Pause { .. } | Op::Cordon { .. } | Op::Drain => format!("{} {obj}", self.verb()),
            Op::SetTemplate { .. } => format!("undo the rollback of {obj}"),
        }
    }
}

/// The pods of a node's pod list (`items`) that a drain evicts, as (namespace, name): not those a DaemonSet
/// owns (it would put them back at once), nor those already being deleted.
pub fn evictable_pods(pods: &Value) -> Vec<(&str, &str)> {
    pods["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|pod| {
            let owned_by_ds = pod["metadata"]["ownerReferences"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|o| o["kind"] == "DaemonSet");
            !owned_by_ds && !pod["metadata"]["deletionTimestamp"].is_string()
        })
        .map(|pod| {
            (
                pod["metadata"]["namespace"].as_str().unwrap_or_default(),
                pod["metadata"]["name"].as_str().unwrap_or_default(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kind(group: &str, plural: &str, kind: &str, namespaced: bool) -> Kind {
        Kind {
            group: group.into(),
            version: "v1".into(),
            plural: plural.into(),
            kind: kind.into(),
            namespaced,
            short_names: vec![],
            verbs: vec![],
        }
    }

    #[test]
    fn summaries_name_the_object_and_the_operation() {
        let deploy = ObjectRef::new(
            kind("apps", "deployments", "Deployment", true),
            "shop",
            "web",
        );
        let node = ObjectRef::new(kind("", "nodes", "Node", false), "", "n1");
        assert_eq!(node.namespace, None);
        let cases = [
            (
                deploy.clone(),
                Op::Scale { replicas: 3 },
                "scale",
                "scale deployment/web in shop to 3",
            ),
            (
                deploy.clone(),
                Op::Delete {
                    propagation: "Foreground".into(),
                    grace: Some(5),
                },
                "delete",
                "delete deployment/web in shop (Foreground, grace 5s)",
            ),
            (
                deploy.clone(),
                Op::Delete {
                    propagation: "Background".into(),
                    grace: Some(0),
                },
                "kill",
                "kill deployment/web in shop (grace period 0)",
            ),
            (
                deploy.clone(),
                Op::Pause { paused: false },
                "resume",
                "resume deployment/web in shop",
            ),
            (
                node.clone(),
                Op::Cordon {
                    unschedulable: true,
                },
                "cordon",
                "cordon node/n1 in ",
            ),
            (node, Op::Drain, "drain", "drain node/n1 in "),
            (
                deploy.clone(),
                Op::Rollback {
                    revision: 1,
                    replica_set: "web-1".into(),
                    deployment: json!({}),
                },
                "rollback",
                "roll back deployment/web in shop to revision 1",
            ),
            (
                deploy,
                Op::SetTemplate {
                    template: json!({}),
                },
                "undo-rollback",
                "undo the rollback of deployment/web in shop",
            ),
        ];
        for (target, op, verb, summary) in cases {
            let m = Mutation::new(target, op);
            assert_eq!((m.verb(), m.summary().as_str()), (verb, summary));
        }
    }

    #[test]
    fn a_drain_leaves_daemon_set_pods_and_pods_already_going() {
        let pods = json!({"items": [
            {"metadata": {"namespace": "shop", "name": "web-1"}},
            {"metadata": {"namespace": "kube-system", "name": "proxy", "ownerReferences": [{"kind": "DaemonSet"}]}},
            {"metadata": {"namespace": "shop", "name": "old", "deletionTimestamp": "2026-01-01T00:00:00Z"}},
        ]});
        assert_eq!(evictable_pods(&pods), vec![("shop", "web-1")]);
    }
}
