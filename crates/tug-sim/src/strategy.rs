//! Per-kind REST rules the real API server applies on write: defaulting, validation, immutable fields, the
//! status/main split and generation. Pure; must not depend on the store or HTTP.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use super::resources::{Registry, ResourceDef};
use super::selectors::LabelSelector;
use super::status::{ApiError, ApiResult, FieldError};
use super::store::now_rfc3339;

/// Kinds whose `status` is set only through the `status` subresource (or by controllers).
fn splits_status(res: &ResourceDef) -> bool {
    res.has_sub("status")
}

/// What a create through the API drops: a client cannot set status where a status subresource exists.
pub fn reset_status_for_create(res: &ResourceDef, obj: &mut Value) {
    if splits_status(res)
        && let Some(m) = obj.as_object_mut()
    {
        m.remove("status");
    }
}

fn set_default(obj: &mut Value, key: &str, value: Value) {
    if let Some(m) = obj.as_object_mut()
        && m.get(key).is_none_or(Value::is_null)
    {
        m.insert(key.to_string(), value);
    }
}

fn ensure_object<'a>(obj: &'a mut Value, key: &str) -> &'a mut Value {
    if !obj[key].is_object() {
        obj[key] = json!({});
    }
    &mut obj[key]
}

fn default_container(c: &mut Value) {
    let image = c["image"].as_str().unwrap_or_default().to_string();
    let tag = image.rsplit('/').next().unwrap_or_default();
    let pull = if !tag.contains(':') || tag.ends_with(":latest") {
        "Always"
    } else {
        "IfNotPresent"
    };
    set_default(c, "imagePullPolicy", json!(pull));
    set_default(c, "terminationMessagePath", json!("/dev/termination-log"));
    set_default(c, "terminationMessagePolicy", json!("File"));
    set_default(c, "resources", json!({}));
    if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports {
            set_default(p, "protocol", json!("TCP"));
        }
    }
}

/// Pod spec defaults (also applied to workload templates).
pub fn default_pod_spec(spec: &mut Value) {
    set_default(spec, "restartPolicy", json!("Always"));
    set_default(spec, "dnsPolicy", json!("ClusterFirst"));
    set_default(spec, "schedulerName", json!("default-scheduler"));
    set_default(spec, "terminationGracePeriodSeconds", json!(30));
    set_default(spec, "securityContext", json!({}));
    for list in ["containers", "initContainers"] {
        if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
            cs.iter_mut().for_each(default_container);
        }
    }
}

fn default_template(obj: &mut Value) {
    let spec = ensure_object(obj, "spec");
    let template = ensure_object(spec, "template");
    ensure_object(template, "metadata");
    default_pod_spec(ensure_object(template, "spec"));
}

fn qos_class(spec: &Value) -> &'static str {
    let containers = spec["containers"].as_array().cloned().unwrap_or_default();
    let has_any = containers
        .iter()
        .any(|c| c["resources"]["requests"].is_object() || c["resources"]["limits"].is_object());
    if !has_any {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        let l = &c["resources"]["limits"];
        let r = &c["resources"]["requests"];
        l["cpu"].is_string()
            && l["memory"].is_string()
            && (r.is_null() || (r["cpu"] == l["cpu"] && r["memory"] == l["memory"]))
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn random_ip(rng: &mut ChaCha8Rng, prefix: &str) -> String {
    format!(
        "{prefix}.{}.{}",
        rng.random_range(0..=255u8),
        rng.random_range(1..=254u8)
    )
}

/// Server-side defaults and identity for a new object (before validation).
pub fn prepare_create(res: &ResourceDef, obj: &mut Value, uid: &str, rng: &mut ChaCha8Rng) {
    let has_spec = obj.get("spec").is_some();
    {
        let meta = ensure_object(obj, "metadata");
        meta["uid"] = json!(uid);
        meta["creationTimestamp"] = json!(now_rfc3339());
        if let Some(m) = meta.as_object_mut() {
            m.remove("resourceVersion");
            m.remove("deletionTimestamp");
            m.remove("deletionGracePeriodSeconds");
            m.remove("managedFields");
        }
        if has_spec || res.custom {
            meta["generation"] = json!(1);
        }
    }
    if res.custom {
        return;
    }
    match (res.group.as_str(), res.plural.as_str()) {
        ("", "pods") => {
            default_pod_spec(ensure_object(obj, "spec"));
            set_default(obj, "status", json!({}));
            let qos = qos_class(&obj["spec"]);
            set_default(&mut obj["status"], "phase", json!("Pending"));
            set_default(&mut obj["status"], "qosClass", json!(qos));
            set_default(&mut obj["spec"], "serviceAccountName", json!("default"));
            set_default(&mut obj["spec"], "enableServiceLinks", json!(true));
        }
        ("apps", "deployments") => {
            set_default(ensure_object(obj, "spec"), "replicas", json!(1));
            let spec = &mut obj["spec"];
            set_default(spec, "revisionHistoryLimit", json!(10));
            set_default(spec, "progressDeadlineSeconds", json!(600));
            set_default(
                spec,
                "strategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
            );
            default_template(obj);
        }
        ("apps", "replicasets") | ("", "replicationcontrollers") => {
            set_default(ensure_object(obj, "spec"), "replicas", json!(1));
            default_template(obj);
        }
        ("apps", "statefulsets") => {
            let spec = ensure_object(obj, "spec");
            set_default(spec, "replicas", json!(1));
            set_default(spec, "podManagementPolicy", json!("OrderedReady"));
            set_default(spec, "revisionHistoryLimit", json!(10));
            set_default(
                spec,
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
            );
            default_template(obj);
        }
        ("apps", "daemonsets") => {
            let spec = ensure_object(obj, "spec");
            set_default(spec, "revisionHistoryLimit", json!(10));
            set_default(
                spec,
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
            );
            default_template(obj);
        }
        ("batch", "jobs") => {
            let name = obj["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let spec = ensure_object(obj, "spec");
            set_default(spec, "completions", json!(1));
            set_default(spec, "parallelism", json!(1));
            set_default(spec, "backoffLimit", json!(6));
            set_default(spec, "completionMode", json!("NonIndexed"));
            set_default(spec, "suspend", json!(false));
            if spec["selector"].is_null() {
                spec["selector"] =
                    json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}});
                let labels = ensure_object(
                    ensure_object(ensure_object(spec, "template"), "metadata"),
                    "labels",
                );
                for (k, v) in [
                    ("batch.kubernetes.io/controller-uid", uid),
                    ("batch.kubernetes.io/job-name", name.as_str()),
                    ("controller-uid", uid),
                    ("job-name", name.as_str()),
                ] {
                    labels[k] = json!(v);
                }
            }
            default_template(obj);
            set_default(
                &mut obj["spec"]["template"]["spec"],
                "restartPolicy",
                json!("Never"),
            );
        }
        ("batch", "cronjobs") => {
            let spec = ensure_object(obj, "spec");
            set_default(spec, "concurrencyPolicy", json!("Allow"));
            set_default(spec, "suspend", json!(false));
            set_default(spec, "successfulJobsHistoryLimit", json!(3));
            set_default(spec, "failedJobsHistoryLimit", json!(1));
        }
        ("", "services") => {
            let spec = ensure_object(obj, "spec");
            set_default(spec, "type", json!("ClusterIP"));
            set_default(spec, "sessionAffinity", json!("None"));
            if spec["clusterIP"].is_null() && spec["type"] != json!("ExternalName") {
                spec["clusterIP"] = json!(random_ip(rng, "10.96"));
            }
            if let Some(ip) = spec["clusterIP"].as_str().map(str::to_string) {
                set_default(spec, "clusterIPs", json!([ip]));
            }
            set_default(spec, "ipFamilies", json!(["IPv4"]));
            set_default(spec, "ipFamilyPolicy", json!("SingleStack"));
            set_default(spec, "internalTrafficPolicy", json!("Cluster"));
            let node_ports = matches!(spec["type"].as_str(), Some("NodePort" | "LoadBalancer"));
            if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
                for p in ports {
                    set_default(p, "protocol", json!("TCP"));
                    let port = p["port"].clone();
                    set_default(p, "targetPort", port);
                    if node_ports {
                        set_default(p, "nodePort", json!(rng.random_range(30000..=32767u16)));
                    }
                }
            }
            if node_ports {
                set_default(spec, "externalTrafficPolicy", json!("Cluster"));
            }
            set_default(obj, "status", json!({"loadBalancer": {}}));
        }
        ("", "namespaces") => {
            let name = obj["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            ensure_object(ensure_object(obj, "metadata"), "labels")["kubernetes.io/metadata.name"] =
                json!(name);
            set_default(
                ensure_object(obj, "spec"),
                "finalizers",
                json!(["kubernetes"]),
            );
            obj["status"] = json!({"phase": "Active"});
        }
        ("", "secrets") => {
            set_default(obj, "type", json!("Opaque"));
            fold_string_data(obj);
        }
        ("", "persistentvolumeclaims") => {
            set_default(
                ensure_object(obj, "spec"),
                "volumeMode",
                json!("Filesystem"),
            );
            set_default(obj, "status", json!({"phase": "Pending"}));
        }
        ("", "persistentvolumes") => {
            let spec = ensure_object(obj, "spec");
            set_default(spec, "persistentVolumeReclaimPolicy", json!("Retain"));
            set_default(spec, "volumeMode", json!("Filesystem"));
            set_default(obj, "status", json!({"phase": "Available"}));
        }
        ("apiextensions.k8s.io", "customresourcedefinitions") => {
            let names = obj["spec"]["names"].clone();
            obj["status"] = json!({
                "acceptedNames": names,
                "storedVersions": obj["spec"]["versions"].as_array().into_iter().flatten()
                    .filter(|v| v["storage"] == json!(true)).map(|v| v["name"].clone()).collect::<Vec<_>>(),
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now_rfc3339()},
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now_rfc3339()}
                ]
            });
        }
        _ => {}
    }
}

/// `stringData` is write-only: folded into `data` (base64) as the real server does.
fn fold_string_data(obj: &mut Value) {
    use base64::Engine;
    let Some(sd) = obj.as_object_mut().and_then(|m| m.remove("stringData")) else {
        return;
    };
    let data = ensure_object(obj, "data");
    for (k, v) in sd.as_object().into_iter().flatten() {
        let text = v.as_str().unwrap_or_default();
        data[k.as_str()] = json!(base64::engine::general_purpose::STANDARD.encode(text));
    }
}

fn spec_part(obj: &Value) -> Map<String, Value> {
    obj.as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| {
                    !matches!(k.as_str(), "metadata" | "status" | "kind" | "apiVersion")
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Keeps what an update may not change and computes the new generation.
pub fn prepare_update(
    res: &ResourceDef,
    old: &Value,
    new: &mut Value,
    scope: super::store::UpdateScope,
) {
    use super::store::UpdateScope;
    if !new.is_object() {
        *new = json!({});
    }
    new["apiVersion"] = old["apiVersion"].clone();
    new["kind"] = old["kind"].clone();
    if scope == UpdateScope::Status {
        let status = new.get("status").cloned();
        *new = old.clone();
        match status {
            Some(s) => new["status"] = s,
            None => {
                if let Some(m) = new.as_object_mut() {
                    m.remove("status");
                }
            }
        }
        return;
    }
    if !new["metadata"].is_object() {
        new["metadata"] = json!({});
    }
    for key in [
        "uid",
        "creationTimestamp",
        "namespace",
        "name",
        "generation",
    ] {
        match old["metadata"].get(key) {
            Some(v) => new["metadata"][key] = v.clone(),
            None => {
                if let Some(m) = new["metadata"].as_object_mut() {
                    m.remove(key);
                }
            }
        }
    }
    if scope == UpdateScope::Main {
        for key in ["deletionTimestamp", "deletionGracePeriodSeconds"] {
            match old["metadata"].get(key) {
                Some(v) => new["metadata"][key] = v.clone(),
                None => {
                    if let Some(m) = new["metadata"].as_object_mut() {
                        m.remove(key);
                    }
                }
            }
        }
        if let Some(m) = new["metadata"].as_object_mut() {
            m.remove("managedFields");
        }
        if splits_status(res) {
            match old.get("status") {
                Some(s) => new["status"] = s.clone(),
                None => {
                    if let Some(m) = new.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
        }
        if res.is("", "secrets") {
            fold_string_data(new);
        }
        if !res.custom {
            match (res.group.as_str(), res.plural.as_str()) {
                ("", "pods") => default_pod_spec(ensure_object(new, "spec")),
                ("apps", "deployments" | "replicasets" | "statefulsets" | "daemonsets")
                | ("batch", "jobs")
                | ("", "replicationcontrollers") => default_template(new),
                _ => {}
            }
        }
    }
    if old["metadata"]["generation"].is_number() && spec_part(old) != spec_part(new) {
        let g = old["metadata"]["generation"].as_i64().unwrap_or(1);
        new["metadata"]["generation"] = json!(g + 1);
    }
}

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

fn is_dns_label(s: &str) -> bool {
    s.len() <= 63 && !s.contains('.') && is_dns_subdomain(s)
}

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

fn validate_containers(path: &str, spec: &Value, errs: &mut Vec<FieldError>) {
    let containers = spec["containers"].as_array();
    if containers.is_none_or(|c| c.is_empty()) {
        errs.push(FieldError::required(&format!("{path}.containers"), ""));
        return;
    }
    let mut names = std::collections::HashSet::new();
    for (i, c) in containers.into_iter().flatten().enumerate() {
        let name = c["name"].as_str().unwrap_or_default();
        if name.is_empty() {
            errs.push(FieldError::required(
                &format!("{path}.containers[{i}].name"),
                "",
            ));
        } else if !is_dns_label(name) {
            errs.push(FieldError::invalid(
                &format!("{path}.containers[{i}].name"),
                format!("{name:?}"),
                LABEL_MSG,
            ));
        } else if !names.insert(name) {
            errs.push(FieldError {
                reason: "FieldValueDuplicate",
                field: format!("{path}.containers[{i}].name"),
                value: Some(format!("{name:?}")),
                detail: String::new(),
            });
        }
        if c["image"].as_str().is_none_or(str::is_empty) {
            errs.push(FieldError::required(
                &format!("{path}.containers[{i}].image"),
                "",
            ));
        }
    }
}

fn validate_replicas(spec: &Value, errs: &mut Vec<FieldError>) {
    if let Some(r) = spec.get("replicas") {
        match r.as_i64() {
            Some(n) if n < 0 => errs.push(FieldError::invalid(
                "spec.replicas",
                n.to_string(),
                "must be greater than or equal to 0",
            )),
            None if !r.is_null() => errs.push(FieldError::invalid(
                "spec.replicas",
                r.to_string(),
                "must be an integer",
            )),
            _ => {}
        }
    }
}

fn validate_workload_selector(obj: &Value, errs: &mut Vec<FieldError>) {
    let spec = &obj["spec"];
    if !spec["selector"].is_object() {
        errs.push(FieldError::required("spec.selector", ""));
        return;
    }
    let selector = LabelSelector::from_spec(&spec["selector"]);
    if selector.is_empty() {
        errs.push(FieldError::invalid(
            "spec.selector",
            "{}",
            "empty selector is invalid for deployment",
        ));
    }
    let labels = spec["template"]["metadata"]["labels"].as_object();
    if !selector.matches_labels(labels) {
        errs.push(FieldError::invalid(
            "spec.template.metadata.labels",
            format!("{}", spec["template"]["metadata"]["labels"]),
            "`selector` does not match template `labels`",
        ));
    }
}

/// Validation the real API server does for the common kinds (422 Invalid with field causes).
pub fn validate(res: &ResourceDef, obj: &Value) -> ApiResult<()> {
    let name = obj["metadata"]["name"].as_str().unwrap_or_default();
    let mut errs = vec![];
    let name_ok = match res.plural.as_str() {
        "namespaces" | "services" if !res.custom => is_dns_label(name),
        // RBAC names are path segments (`system:discovery`), as the apiserver's ValidateRBACName has it.
        _ if res.group == "rbac.authorization.k8s.io" => {
            !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '%'])
        }
        _ => is_dns_subdomain(name),
    };
    if !name_ok {
        let msg = if res.plural == "namespaces" || res.plural == "services" {
            LABEL_MSG
        } else {
            SUBDOMAIN_MSG
        };
        errs.push(FieldError::invalid(
            "metadata.name",
            format!("{name:?}"),
            msg,
        ));
    }
    if !res.custom {
        match (res.group.as_str(), res.plural.as_str()) {
            ("", "pods") => validate_containers("spec", &obj["spec"], &mut errs),
            ("apps", "deployments" | "replicasets" | "statefulsets" | "daemonsets") => {
                validate_replicas(&obj["spec"], &mut errs);
                validate_workload_selector(obj, &mut errs);
                validate_containers(
                    "spec.template.spec",
                    &obj["spec"]["template"]["spec"],
                    &mut errs,
                );
            }
            ("batch", "jobs") => {
                validate_containers(
                    "spec.template.spec",
                    &obj["spec"]["template"]["spec"],
                    &mut errs,
                );
                let rp = obj["spec"]["template"]["spec"]["restartPolicy"]
                    .as_str()
                    .unwrap_or_default();
                if rp == "Always" {
                    errs.push(FieldError {
                        reason: "FieldValueNotSupported",
                        field: "spec.template.spec.restartPolicy".into(),
                        value: Some("\"Always\"".into()),
                        detail: "supported values: \"OnFailure\", \"Never\"".into(),
                    });
                }
            }
            ("", "services") => {
                let spec = &obj["spec"];
                let headless = spec["clusterIP"].as_str() == Some("None");
                let external = spec["type"].as_str() == Some("ExternalName");
                if !headless && !external && spec["ports"].as_array().is_none_or(|p| p.is_empty()) {
                    errs.push(FieldError::required("spec.ports", ""));
                }
            }
            _ => {}
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(res, name, errs))
    }
}

/// Checks an update against fields that may not change once set.
pub fn validate_immutable(res: &ResourceDef, old: &Value, new: &Value) -> ApiResult<()> {
    let name = old["metadata"]["name"].as_str().unwrap_or_default();
    let immutable = |field: &str, a: &Value, b: &Value| -> ApiResult<()> {
        if a != b {
            return Err(ApiError::invalid(
                res,
                name,
                vec![FieldError::invalid(
                    field,
                    b.to_string(),
                    "field is immutable",
                )],
            ));
        }
        Ok(())
    };
    if res.custom {
        return Ok(());
    }
    match (res.group.as_str(), res.plural.as_str()) {
        ("apps", "deployments" | "replicasets" | "statefulsets" | "daemonsets") => immutable(
            "spec.selector",
            &old["spec"]["selector"],
            &new["spec"]["selector"],
        ),
        ("", "pods") => {
            // Only images, activeDeadlineSeconds, tolerations (additions) and the grace period may change.
            let strip = |spec: &Value| -> Value {
                let mut s = spec.clone();
                for list in ["containers", "initContainers"] {
                    if let Some(cs) = s.get_mut(list).and_then(Value::as_array_mut) {
                        for c in cs {
                            if let Some(m) = c.as_object_mut() {
                                m.remove("image");
                            }
                        }
                    }
                }
                if let Some(m) = s.as_object_mut() {
                    for k in [
                        "activeDeadlineSeconds",
                        "tolerations",
                        "terminationGracePeriodSeconds",
                    ] {
                        m.remove(k);
                    }
                }
                s
            };
            if strip(&old["spec"]) != strip(&new["spec"]) {
                return Err(ApiError::invalid(
                    res,
                    name,
                    vec![FieldError::forbidden(
                        "spec",
                        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
                    )],
                ));
            }
            Ok(())
        }
        ("", "services") => {
            if new["spec"]["clusterIP"].is_string() {
                immutable(
                    "spec.clusterIP",
                    &old["spec"]["clusterIP"],
                    &new["spec"]["clusterIP"],
                )
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

/// A CRD's names must be consistent and not collide with a served resource.
pub fn validate_crd(res: &ResourceDef, obj: &Value, registry: &Registry) -> ApiResult<()> {
    let spec = &obj["spec"];
    let group = spec["group"].as_str().unwrap_or_default();
    let plural = spec["names"]["plural"].as_str().unwrap_or_default();
    let name = obj["metadata"]["name"].as_str().unwrap_or_default();
    let mut errs = vec![];
    if name != format!("{plural}.{group}") {
        errs.push(FieldError::invalid(
            "metadata.name",
            format!("{name:?}"),
            "must be spec.names.plural+\".\"+spec.group",
        ));
    }
    if spec["versions"].as_array().is_none_or(|v| v.is_empty()) {
        errs.push(FieldError::required(
            "spec.versions",
            "must have exactly one version marked as storage version",
        ));
    }
    if registry.preferred(group, plural).is_some_and(|d| !d.custom) {
        errs.push(FieldError::invalid(
            "spec.names.plural",
            format!("{plural:?}"),
            "is already in use",
        ));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(res, name, errs))
    }
}
