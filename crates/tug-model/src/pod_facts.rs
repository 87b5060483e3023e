//! A pod as relations, health and explain read it: a compact typed projection of the ~25 fields they use
//! (owner references, node, the ConfigMaps/Secrets/PVCs/ServiceAccount it names, labels, phase, the `Ready`
//! and a failed `PodScheduled` condition, containers' images and resources, container states with reasons,
//! exit codes and restarts), decoded straight from a list's bytes by serde. Pods are most of a snapshot
//! (10,000 of them at 10,000 pods): a `serde_json::Value` tree costs ~6.5 KB a pod (a B-tree node per JSON
//! object), this a few hundred bytes (short strings are stored inline). Pure: no I/O.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A string of the projection: up to 24 bytes inline (names, namespaces, labels, reasons), longer ones on
/// the heap.
pub type Str = compact_str::CompactString;

/// A pod, as far as relations, health and explain read it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Pod {
    pub metadata: Meta,
    pub spec: Spec,
    pub status: Status,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Meta {
    pub name: Str,
    pub namespace: Str,
    pub uid: Str,
    /// Where a watch resumes from after this object's event.
    pub resource_version: Str,
    #[serde(deserialize_with = "pairs")]
    pub labels: Box<[(Str, Str)]>,
    #[serde(deserialize_with = "or_default")]
    pub owner_references: Box<[OwnerRef]>,
    pub creation_timestamp: Option<Str>,
    /// Only whether it is set is read (the pod is terminating).
    #[serde(rename = "deletionTimestamp", deserialize_with = "is_set")]
    pub deleting: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct OwnerRef {
    pub kind: Str,
    pub name: Str,
    pub uid: Str,
    #[serde(deserialize_with = "or_default")]
    pub controller: bool,
}

/// What a pod spec names, in the order relations show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RefKind {
    ConfigMap,
    Secret,
    Claim,
    ServiceAccount,
}

/// A pod spec (or a workload's pod template's spec): its node, its containers, and the objects it names.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "RawSpec")]
pub struct Spec {
    pub node_name: Option<Str>,
    pub containers: Box<[Container]>,
    pub node_selector: Box<[(Str, Str)]>,
    /// The ConfigMaps, Secrets, PVCs and ServiceAccount it names (volumes, projected volumes, env, envFrom,
    /// imagePullSecrets; the ServiceAccount `default` when none is named), each once, in that order.
    pub refs: Box<[(RefKind, Str)]>,
}

/// A container of the spec: its name, image, requests (sorted by resource) and memory limit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Container {
    pub name: Str,
    pub image: Str,
    pub requests: Box<[(Str, Str)]>,
    pub memory_limit: Option<Str>,
}

/// A pod's status: phase, the two conditions read, and its containers' states.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(from = "RawStatus")]
pub struct Status {
    pub phase: Option<Str>,
    pub reason: Option<Str>,
    pub message: Option<Str>,
    pub start_time: Option<Str>,
    /// The `Ready` condition.
    pub ready: Option<Condition>,
    /// The `PodScheduled` condition, kept only when it is not `True` (only a failed scheduling is read).
    pub scheduled: Option<Condition>,
    pub containers: Box<[ContainerStatus]>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: Str,
    pub status: Str,
    pub reason: Option<Str>,
    pub message: Option<Str>,
    pub last_transition_time: Option<Str>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerStatus {
    pub name: Str,
    pub image: Str,
    #[serde(deserialize_with = "or_default")]
    pub ready: bool,
    #[serde(deserialize_with = "or_default")]
    pub restart_count: i64,
    pub state: State,
    pub last_state: State,
}

/// A container state; `running` is never read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct State {
    pub waiting: Option<Waiting>,
    pub terminated: Option<Terminated>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Waiting {
    pub reason: Option<Str>,
    pub message: Option<Str>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Terminated {
    pub reason: Option<Str>,
    #[serde(deserialize_with = "or_default")]
    pub exit_code: i64,
    pub finished_at: Option<Str>,
}

impl Pod {
    /// Decodes a pod from a JSON value (fixtures, or an object fetched whole).
    pub fn from_value(v: &Value) -> Result<Self, serde_json::Error> {
        Self::deserialize(v)
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        lookup(&self.metadata.labels, key)
    }

    pub fn phase(&self) -> &str {
        self.status.phase.as_deref().unwrap_or("Pending")
    }

    pub fn container_status(&self, name: &str) -> Option<&ContainerStatus> {
        self.status.containers.iter().find(|s| s.name == name)
    }
}

impl State {
    pub fn waiting_reason(&self) -> Option<&str> {
        self.waiting.as_ref()?.reason.as_deref()
    }

    pub fn waiting_message(&self) -> &str {
        self.waiting
            .as_ref()
            .and_then(|w| w.message.as_deref())
            .unwrap_or_default()
    }

    pub fn terminated_reason(&self) -> Option<&str> {
        self.terminated.as_ref()?.reason.as_deref()
    }
}

/// The value of `key` in sorted pairs.
pub fn lookup<'a>(pairs: &'a [(Str, Str)], key: &str) -> Option<&'a str> {
    pairs
        .binary_search_by(|(k, _)| k.as_str().cmp(key))
        .ok()
        .map(|i| pairs[i].1.as_str())
}

/// A missing or `null` field is its default (the API server omits empty fields, other writers send null).
fn or_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A string map (labels, a node selector) as pairs sorted by key; a non-string value is skipped.
fn pairs<'de, D: Deserializer<'de>>(d: D) -> Result<Box<[(Str, Str)]>, D::Error> {
    let map: Option<BTreeMap<Str, Value>> = Option::deserialize(d)?;
    Ok(map
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k, Str::from(s))),
            _ => None,
        })
        .collect())
}

/// Whether a field holds anything but null; what it holds is skipped without being kept.
fn is_set<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<serde::de::IgnoredAny>::deserialize(d)?.is_some())
}

/// A `{"name": …}`-shaped reference (`configMap`, `configMapRef`, `secretRef`, a projected source's …).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Named {
    name: Option<Str>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawVolume {
    config_map: Option<Named>,
    secret: Option<RawSecretVolume>,
    persistent_volume_claim: Option<RawClaim>,
    projected: Option<RawProjected>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawSecretVolume {
    secret_name: Option<Str>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawClaim {
    claim_name: Option<Str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawProjected {
    #[serde(deserialize_with = "or_default")]
    sources: Vec<RawSource>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawSource {
    config_map: Option<Named>,
    secret: Option<Named>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawEnv {
    value_from: Option<RawValueFrom>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawValueFrom {
    config_map_key_ref: Option<Named>,
    secret_key_ref: Option<Named>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawEnvFrom {
    config_map_ref: Option<Named>,
    secret_ref: Option<Named>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawResources {
    #[serde(deserialize_with = "pairs")]
    requests: Box<[(Str, Str)]>,
    #[serde(deserialize_with = "pairs")]
    limits: Box<[(Str, Str)]>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawContainer {
    name: Str,
    image: Str,
    #[serde(deserialize_with = "or_default")]
    env: Vec<RawEnv>,
    #[serde(rename = "envFrom", deserialize_with = "or_default")]
    env_from: Vec<RawEnvFrom>,
    #[serde(deserialize_with = "or_default")]
    resources: RawResources,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawSpec {
    node_name: Option<Str>,
    service_account_name: Option<Str>,
    #[serde(deserialize_with = "or_default")]
    volumes: Vec<RawVolume>,
    #[serde(deserialize_with = "or_default")]
    containers: Vec<RawContainer>,
    #[serde(deserialize_with = "or_default")]
    init_containers: Vec<RawContainer>,
    #[serde(deserialize_with = "or_default")]
    image_pull_secrets: Vec<Named>,
    #[serde(deserialize_with = "pairs")]
    node_selector: Box<[(Str, Str)]>,
}

/// An empty spec still runs as the ServiceAccount `default`.
impl Default for Spec {
    fn default() -> Self {
        RawSpec::default().into()
    }
}

impl From<RawSpec> for Spec {
    fn from(raw: RawSpec) -> Self {
        let mut refs: Vec<(RefKind, Str)> = vec![];
        let mut add = |kind: RefKind, name: Option<Str>| {
            if let Some(name) = name.filter(|n| !n.is_empty())
                && !refs.iter().any(|(k, n)| *k == kind && *n == name)
            {
                refs.push((kind, name));
            }
        };
        let named = |n: Option<Named>| n.and_then(|n| n.name);
        for v in raw.volumes {
            add(RefKind::ConfigMap, named(v.config_map));
            add(RefKind::Secret, v.secret.and_then(|s| s.secret_name));
            add(
                RefKind::Claim,
                v.persistent_volume_claim.and_then(|c| c.claim_name),
            );
            for s in v.projected.map(|p| p.sources).unwrap_or_default() {
                add(RefKind::ConfigMap, named(s.config_map));
                add(RefKind::Secret, named(s.secret));
            }
        }
        for c in raw.init_containers.iter().chain(&raw.containers) {
            for e in &c.env {
                let from = e.value_from.as_ref();
                add(
                    RefKind::ConfigMap,
                    from.and_then(|f| f.config_map_key_ref.as_ref()?.name.clone()),
                );
                add(
                    RefKind::Secret,
                    from.and_then(|f| f.secret_key_ref.as_ref()?.name.clone()),
                );
            }
            for e in &c.env_from {
                add(
                    RefKind::ConfigMap,
                    e.config_map_ref.as_ref().and_then(|r| r.name.clone()),
                );
                add(
                    RefKind::Secret,
                    e.secret_ref.as_ref().and_then(|r| r.name.clone()),
                );
            }
        }
        for s in raw.image_pull_secrets {
            add(RefKind::Secret, s.name);
        }
        add(
            RefKind::ServiceAccount,
            Some(raw.service_account_name.unwrap_or_else(|| "default".into())),
        );
        // Stable: within a kind, the order they were named in.
        refs.sort_by_key(|(k, _)| *k);
        let containers = raw
            .containers
            .into_iter()
            .map(|c| Container {
                memory_limit: lookup(&c.resources.limits, "memory").map(Str::from),
                requests: c.resources.requests,
                name: c.name,
                image: c.image,
            })
            .collect();
        Self {
            node_name: raw.node_name,
            containers,
            node_selector: raw.node_selector,
            refs: refs.into(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawStatus {
    phase: Option<Str>,
    reason: Option<Str>,
    message: Option<Str>,
    start_time: Option<Str>,
    #[serde(deserialize_with = "or_default")]
    conditions: Vec<Condition>,
    #[serde(deserialize_with = "or_default")]
    container_statuses: Box<[ContainerStatus]>,
}

impl From<RawStatus> for Status {
    fn from(raw: RawStatus) -> Self {
        let mut ready = None;
        let mut scheduled = None;
        for c in raw.conditions {
            match c.kind.as_str() {
                "Ready" if ready.is_none() => ready = Some(c),
                "PodScheduled" if scheduled.is_none() && c.status != "True" => scheduled = Some(c),
                _ => {}
            }
        }
        Self {
            phase: raw.phase,
            reason: raw.reason,
            message: raw.message,
            start_time: raw.start_time,
            ready,
            scheduled,
            containers: raw.container_statuses,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_pod_decodes_to_the_fields_read_and_names_its_references_once_in_order() {
        let pod = Pod::from_value(&json!({
            "metadata": {"name": "p", "namespace": "shop", "uid": "u", "resourceVersion": "9",
                         "labels": {"app": "web", "tier": "front"}, "annotations": {"big": "x"},
                         "ownerReferences": [{"kind": "ReplicaSet", "name": "rs", "uid": "r1", "controller": true}],
                         "deletionTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"nodeName": "n1", "serviceAccountName": "sa", "tolerations": [{}],
                     "imagePullSecrets": [{"name": "regcred"}],
                     "volumes": [{"name": "v", "secret": {"secretName": "s"}}, {"name": "tmp", "emptyDir": {}},
                                 {"name": "c", "configMap": {"name": "cm"}},
                                 {"name": "d", "persistentVolumeClaim": {"claimName": "data"}},
                                 {"name": "p", "projected": {"sources": [{"secret": {"name": "s"}},
                                                                         {"configMap": {"name": "proj"}}]}}],
                     "containers": [{"name": "c", "image": "i", "command": ["sleep"],
                         "resources": {"requests": {"memory": "1Gi", "cpu": "2"}, "limits": {"memory": "2Gi"}},
                         "env": [{"name": "A", "value": "a long value"},
                                 {"name": "B", "valueFrom": {"secretKeyRef": {"name": "env-s", "key": "k"}}},
                                 {"name": "C", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                         "envFrom": [{"configMapRef": {"name": "env-cm"}}]}]},
            "status": {"phase": "Running", "podIP": "10.0.0.1",
                       "conditions": [{"type": "Initialized", "status": "True"},
                                      {"type": "PodScheduled", "status": "True"},
                                      {"type": "Ready", "status": "False", "message": "m"}],
                       "containerStatuses": [{"name": "c", "ready": false, "started": true, "restartCount": 2,
                                              "state": {"running": {"startedAt": "t"}},
                                              "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]},
        }))
        .unwrap();
        assert_eq!(pod.metadata.name, "p");
        assert_eq!(pod.label("tier"), Some("front"));
        assert_eq!(pod.label("missing"), None);
        assert!(pod.metadata.deleting);
        assert!(pod.metadata.owner_references[0].controller);
        let refs: Vec<(RefKind, &str)> = pod
            .spec
            .refs
            .iter()
            .map(|(k, n)| (*k, n.as_str()))
            .collect();
        assert_eq!(
            refs,
            [
                (RefKind::ConfigMap, "cm"),
                (RefKind::ConfigMap, "proj"),
                (RefKind::ConfigMap, "env-cm"),
                (RefKind::Secret, "s"),
                (RefKind::Secret, "env-s"),
                (RefKind::Secret, "regcred"),
                (RefKind::Claim, "data"),
                (RefKind::ServiceAccount, "sa"),
            ]
        );
        let c = &pod.spec.containers[0];
        assert_eq!(c.memory_limit.as_deref(), Some("2Gi"));
        assert_eq!(c.requests.len(), 2);
        assert_eq!(
            pod.status.ready.as_ref().map(|c| c.status.as_str()),
            Some("False")
        );
        assert!(
            pod.status.scheduled.is_none(),
            "a scheduled pod keeps no PodScheduled"
        );
        let s = &pod.status.containers[0];
        assert_eq!(
            (s.restart_count, s.last_state.terminated_reason()),
            (2, Some("OOMKilled"))
        );
        assert_eq!(
            s.last_state.terminated.as_ref().map(|t| t.exit_code),
            Some(137)
        );
    }

    #[test]
    fn nulls_and_missing_fields_are_empty_and_a_pod_without_account_uses_default() {
        let pod = Pod::from_value(&json!({
            "metadata": {"name": "p", "labels": null, "ownerReferences": null},
            "spec": {"volumes": null, "containers": [{"name": "c", "env": null}]},
            "status": {"conditions": null, "containerStatuses": null},
        }))
        .unwrap();
        assert!(pod.metadata.labels.is_empty());
        assert_eq!(pod.phase(), "Pending");
        assert_eq!(
            pod.spec.refs.as_ref(),
            [(RefKind::ServiceAccount, Str::from("default"))]
        );
    }
}
