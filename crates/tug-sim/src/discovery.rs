//! Discovery documents (`/version`, `/api`, `/api/v1`, `/apis`, `/apis/{group}[/{version}]`) in the legacy
//! (unaggregated) form, and the aggregated `apidiscovery.k8s.io/v2` form of `/api` and `/apis` (every group,
//! version and resource in one document) that kubectl and kube-rs ask for first. Pure; must not depend on HTTP.

use std::net::SocketAddr;

use serde_json::{Value, json};

use super::resources::{Registry, ResourceDef};

/// The Kubernetes version the sim claims to be (matches the `k8s-openapi` feature tug is built with).
pub const MAJOR: &str = "1";
pub const MINOR: &str = "33";
pub const GIT_VERSION: &str = "v1.33.0";

pub fn version() -> Value {
    json!({
        "major": MAJOR,
        "minor": MINOR,
        "emulationMajor": MAJOR,
        "emulationMinor": MINOR,
        "gitVersion": GIT_VERSION,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.24.0",
        "compiler": "gc",
        "platform": format!("{}/{}", std::env::consts::OS, goarch()),
    })
}

fn goarch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

pub fn core_versions(addr: SocketAddr) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": addr.to_string()}],
    })
}

fn group_doc(group: &str, versions: &[String]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    json!({
        "name": group,
        "versions": vs,
        "preferredVersion": vs.first().cloned().unwrap_or(Value::Null),
    })
}

pub fn groups(reg: &Registry) -> Value {
    let groups: Vec<Value> = reg
        .groups()
        .iter()
        .map(|(g, vs)| group_doc(g, vs))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn group(reg: &Registry, name: &str) -> Option<Value> {
    let groups = reg.groups();
    let (g, vs) = groups.iter().find(|(g, _)| g == name)?;
    let mut doc = group_doc(g, vs);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

/// `APIResourceList` for one group version (`group` empty for core `v1`).
pub fn resources(reg: &Registry, group: &str, version: &str) -> Option<Value> {
    let entries: Vec<Value> = reg
        .in_group_version(group, version)
        .flat_map(|d| d.discovery_entries())
        .collect();
    if entries.is_empty() {
        return None;
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": entries,
    }))
}

/// The media type of aggregated discovery, answered when the client's Accept lists it.
pub const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether an Accept header asks for aggregated discovery (v2; the v2beta1 form is not served, as since 1.33).
pub fn wants_aggregated(accept: &str) -> bool {
    accept.split(',').any(|range| {
        let params: Vec<&str> = range.split(';').map(str::trim).collect();
        params.first() == Some(&"application/json")
            && ["g=apidiscovery.k8s.io", "v=v2", "as=APIGroupDiscoveryList"]
                .iter()
                .all(|p| params.contains(p))
    })
}

/// One resource in the aggregated form: its subresources nested, each with its response kind.
fn aggregated_resource(def: &ResourceDef) -> Value {
    let entries = def.discovery_entries();
    let mut main = entries.first().cloned().unwrap_or_else(|| json!({}));
    let subs: Vec<Value> = entries
        .iter()
        .skip(1)
        .map(|e| {
            let name = e["name"].as_str().unwrap_or_default();
            json!({
                "subresource": name.split_once('/').map(|(_, s)| s).unwrap_or(name),
                "responseKind": {
                    "group": e.get("group").cloned().unwrap_or_else(|| json!(def.group)),
                    "version": e.get("version").cloned().unwrap_or_else(|| json!(def.version)),
                    "kind": e["kind"],
                },
                "verbs": e["verbs"],
            })
        })
        .collect();
    let mut out = json!({
        "resource": def.plural,
        "responseKind": {"group": def.group, "version": def.version, "kind": def.kind},
        "scope": if def.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": def.singular,
        "verbs": main["verbs"].take(),
    });
    for field in ["shortNames", "categories"] {
        if let Some(v) = main.get_mut(field) {
            out[field] = v.take();
        }
    }
    if !subs.is_empty() {
        out["subresources"] = json!(subs);
    }
    out
}

fn aggregated_group(reg: &Registry, group: &str, versions: &[String]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| {
            let resources: Vec<Value> = reg
                .in_group_version(group, v)
                .map(|d| aggregated_resource(d))
                .collect();
            json!({"version": v, "resources": resources, "freshness": "Current"})
        })
        .collect();
    json!({"metadata": {"name": group, "creationTimestamp": null}, "versions": versions})
}

/// `APIGroupDiscoveryList` for `/api` (`core`: the legacy group) or `/apis` (every named group).
pub fn aggregated(reg: &Registry, core: bool) -> Value {
    let items: Vec<Value> = if core {
        vec![aggregated_group(reg, "", &["v1".to_string()])]
    } else {
        reg.groups()
            .iter()
            .map(|(g, vs)| aggregated_group(reg, g, vs))
            .collect()
    };
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
           "items": items})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_resources_include_pods_with_subresources() {
        let reg = Registry::with_builtins();
        let doc = resources(&reg, "", "v1").unwrap();
        let names: Vec<&str> = doc["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert!(names.contains(&"pods"));
        assert!(names.contains(&"pods/log"));
        assert!(names.contains(&"pods/exec"));
        assert!(resources(&reg, "nope.io", "v1").is_none());
    }

    #[test]
    fn aggregated_discovery_nests_subresources_and_is_asked_for_by_media_type() {
        let reg = Registry::with_builtins();
        let core = aggregated(&reg, true);
        let pods = core["items"][0]["versions"][0]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == "pods")
            .unwrap();
        assert_eq!(pods["scope"], "Namespaced");
        assert_eq!(
            pods["responseKind"],
            json!({"group": "", "version": "v1", "kind": "Pod"})
        );
        let eviction = pods["subresources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["subresource"] == "eviction")
            .unwrap();
        assert_eq!(eviction["responseKind"]["group"], "policy");
        assert!(wants_aggregated(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
        ));
        assert!(!wants_aggregated("application/json, */*"));
        assert!(!wants_aggregated(
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
        ));
    }

    #[test]
    fn groups_list_apps_with_preferred_version() {
        let reg = Registry::with_builtins();
        let doc = groups(&reg);
        let apps = doc["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == "apps")
            .unwrap();
        assert_eq!(apps["preferredVersion"]["groupVersion"], "apps/v1");
    }
}
