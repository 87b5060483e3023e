//! Every change tug makes to a cluster, as data: the object it targets and the operation, with the words the
//! journal, the flash and the confirmations use for it. How each is sent lives in the cluster crate.

use serde_json::{Value, json};

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
    /// New images for some containers, as `kubectl set image`: a strategic-merge patch of the pod spec, so the
    /// containers not named are untouched.
    SetImage {
        images: Vec<ContainerImage>,
    },
    /// A CronJob run now: a Job named `job` made from its jobTemplate, as `kubectl create job --from=cronjob/`.
    Trigger {
        job: String,
    },
    /// A CronJob's `.spec.suspend`.
    Suspend {
        suspended: bool,
    },
    /// A StatefulSet or DaemonSet back to a ControllerRevision, as `kubectl rollout undo`: the revision's
    /// `data` (a strategic-merge patch replacing the template) sent as it is.
    RollbackRevision {
        revision: i64,
        /// The ControllerRevision (checked again at confirm time).
        controller_revision: String,
        patch: Value,
    },
    /// The Helm release named by the target (its records' kind: Secrets or ConfigMaps) back to `revision`, as
    /// `helm rollback` does it (`tug_model::helm::rollback_plan`).
    HelmRollback {
        revision: i64,
    },
    /// The Helm release named by the target removed, as `helm uninstall` does it.
    HelmUninstall,
}

/// One container's image; `init` for an init container (they share the pod's name space with the others).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerImage {
    pub name: String,
    pub image: String,
    pub init: bool,
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
            Op::Rollback { .. } | Op::RollbackRevision { .. } => "rollback",
            Op::Pause { paused: true } => "pause",
            Op::Pause { .. } => "resume",
            Op::Cordon {
                unschedulable: true,
            } => "cordon",
            Op::Cordon { .. } => "uncordon",
            Op::Drain => "drain",
            Op::SetTemplate { .. } => "undo-rollback",
            Op::SetImage { .. } => "set-image",
            Op::Trigger { .. } => "trigger",
            Op::Suspend { suspended: true } => "suspend",
            Op::Suspend { .. } => "resume",
            Op::HelmRollback { .. } => "helm-rollback",
            Op::HelmUninstall => "helm-uninstall",
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
            Op::Rollback { revision, .. } | Op::RollbackRevision { revision, .. } => {
                format!("roll back {obj} to revision {revision}")
            }
            Op::Pause { .. } | Op::Cordon { .. } | Op::Drain | Op::Suspend { .. } => {
                format!("{} {obj}", self.verb())
            }
            Op::SetTemplate { .. } => format!("undo the rollback of {obj}"),
            Op::SetImage { images } => {
                let set: Vec<String> = images
                    .iter()
                    .map(|c| format!("{}={}", c.name, c.image))
                    .collect();
                format!("set image {obj}: {}", set.join(", "))
            }
            Op::Trigger { job } => format!("trigger {obj}: job {job}"),
            Op::HelmRollback { revision } => format!(
                "roll back helm release {} in {} to revision {revision}",
                t.name,
                t.ns()
            ),
            Op::HelmUninstall => format!("uninstall helm release {} in {}", t.name, t.ns()),
        }
    }
}

/// The pod template a history entry holds: a ReplicaSet's `spec.template`, or the template a
/// ControllerRevision's patch puts back (without its `$patch` directive).
pub fn history_template(entry: &Value) -> Value {
    let mut template = match &entry["data"]["spec"]["template"] {
        Value::Null => entry["spec"]["template"].clone(),
        t => t.clone(),
    };
    if let Some(map) = template.as_object_mut() {
        map.remove("$patch");
    }
    template
}

/// Where the pod spec sits in an object of `kind`, for the kinds `kubectl set image` covers (a Job's
/// template is immutable, so Jobs are not among them).
fn pod_spec_path(kind: &Kind) -> Option<&'static [&'static str]> {
    Some(match (kind.group.as_str(), kind.plural.as_str()) {
        ("", "pods") => &["spec"],
        ("apps", "deployments" | "statefulsets" | "daemonsets" | "replicasets")
        | ("", "replicationcontrollers") => &["spec", "template", "spec"],
        ("batch", "cronjobs") => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

/// Whether set image applies to objects of `kind`.
pub fn has_images(kind: &Kind) -> bool {
    pod_spec_path(kind).is_some()
}

/// The containers and then the init containers of an object's pod spec, with their images now.
pub fn images_of(kind: &Kind, obj: &Value) -> Vec<ContainerImage> {
    let Some(path) = pod_spec_path(kind) else {
        return vec![];
    };
    let spec = path.iter().fold(obj, |v, k| &v[*k]);
    [("containers", false), ("initContainers", true)]
        .into_iter()
        .flat_map(|(field, init)| {
            spec[field]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |c| ContainerImage {
                    name: c["name"].as_str().unwrap_or_default().to_string(),
                    image: c["image"].as_str().unwrap_or_default().to_string(),
                    init,
                })
        })
        .collect()
}

/// The strategic-merge patch that sets `images` (containers merge by name, so the others stay as they are).
pub fn set_image_patch(kind: &Kind, images: &[ContainerImage]) -> Option<Value> {
    let path = pod_spec_path(kind)?;
    let named = |init: bool| -> Vec<Value> {
        images
            .iter()
            .filter(|c| c.init == init)
            .map(|c| json!({"name": c.name, "image": c.image}))
            .collect()
    };
    let mut spec = json!({});
    for (field, init) in [("containers", false), ("initContainers", true)] {
        let list = named(init);
        if !list.is_empty() {
            spec[field] = Value::Array(list);
        }
    }
    Some(
        path.iter()
            .rev()
            .fold(spec, |inner, key| json!({ (*key): inner })),
    )
}

/// The Job `kubectl create job NAME --from=cronjob/CJ` makes: the jobTemplate's labels, annotations and spec,
/// the `cronjob.kubernetes.io/instantiate: manual` annotation, and the CronJob as its controlling owner.
pub fn job_from_cronjob(cronjob: &Value, job: &str) -> Value {
    let template = &cronjob["spec"]["jobTemplate"];
    let mut annotations = template["metadata"]["annotations"].clone();
    if !annotations.is_object() {
        annotations = json!({});
    }
    annotations["cronjob.kubernetes.io/instantiate"] = json!("manual");
    let mut metadata = json!({
        "name": job,
        "annotations": annotations,
        "ownerReferences": [{
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "name": cronjob["metadata"]["name"],
            "uid": cronjob["metadata"]["uid"],
            "controller": true,
            "blockOwnerDeletion": true,
        }],
    });
    if let Some(ns) = cronjob["metadata"]["namespace"].as_str() {
        metadata["namespace"] = json!(ns);
    }
    if template["metadata"]["labels"].is_object() {
        metadata["labels"] = template["metadata"]["labels"].clone();
    }
    json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": template["spec"]})
}

/// The name of a manually triggered Job, as k9s names it: `<cronjob>-manual-<suffix>`, the suffix three
/// lowercase characters from `seed` (the clock), so two triggers a second apart do not collide. Names are
/// capped at 63 characters, as for any label value the Job controller copies the name into.
pub fn manual_job_name(cronjob: &str, seed: u64) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let n = ALPHABET.len() as u64;
    let suffix: String = (0..3)
        .map(|i| ALPHABET[((seed / n.pow(i)) % n) as usize] as char)
        .collect();
    let base: String = cronjob.chars().take(63 - "-manual-xxx".len()).collect();
    format!("{base}-manual-{suffix}")
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
    fn set_image_patches_only_the_named_containers_at_the_kinds_pod_spec() {
        let cj = kind("batch", "cronjobs", "CronJob", true);
        let img = |name: &str, image: &str, init| ContainerImage {
            name: name.into(),
            image: image.into(),
            init,
        };
        let patch = set_image_patch(&cj, &[img("app", "a:2", false), img("init", "i:2", true)]);
        assert_eq!(
            patch,
            Some(
                json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {
                "containers": [{"name": "app", "image": "a:2"}],
                "initContainers": [{"name": "init", "image": "i:2"}]}}}}}})
            )
        );
        let pod = kind("", "pods", "Pod", true);
        let obj = json!({"spec": {"initContainers": [{"name": "init", "image": "i:1"}],
                                  "containers": [{"name": "app", "image": "a:1"}, {"name": "envoy", "image": "e:1"}]}});
        assert_eq!(
            images_of(&pod, &obj),
            vec![
                img("app", "a:1", false),
                img("envoy", "e:1", false),
                img("init", "i:1", true)
            ]
        );
        assert!(!has_images(&kind("batch", "jobs", "Job", true)));
    }

    #[test]
    fn a_triggered_job_is_what_kubectl_create_job_from_cronjob_makes() {
        let cj = json!({"metadata": {"name": "cleanup", "namespace": "batch", "uid": "u1"},
            "spec": {"jobTemplate": {"metadata": {"labels": {"app": "cleanup"}},
                                     "spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}}});
        let name = manual_job_name("cleanup", 12345);
        assert!(name.starts_with("cleanup-manual-") && name.len() == "cleanup-manual-".len() + 3);
        let job = job_from_cronjob(&cj, &name);
        assert_eq!(
            job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"],
            "manual"
        );
        assert_eq!(job["metadata"]["ownerReferences"][0]["kind"], "CronJob");
        assert_eq!(job["metadata"]["ownerReferences"][0]["uid"], "u1");
        assert_eq!(job["metadata"]["ownerReferences"][0]["controller"], true);
        assert_eq!(job["metadata"]["labels"]["app"], "cleanup");
        assert_eq!(job["metadata"]["namespace"], "batch");
        assert_eq!(job["spec"], cj["spec"]["jobTemplate"]["spec"]);
        assert_eq!(manual_job_name(&"x".repeat(80), 0).len(), 63);
    }

    #[test]
    fn a_history_entry_is_a_replica_sets_template_or_what_a_revision_puts_back() {
        let rs = json!({"spec": {"template": {"spec": {"containers": [{"image": "a"}]}}}});
        let cr = json!({"revision": 2, "data": {"spec": {"template":
            {"$patch": "replace", "spec": {"containers": [{"image": "a"}]}}}}});
        assert_eq!(history_template(&rs), history_template(&cr));
        assert_eq!(history_template(&cr)["spec"]["containers"][0]["image"], "a");
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
