//! The OpenAPI v3 surface: the `/openapi/v3` index and per-group-version documents whose PATCH operations
//! declare the `fieldValidation` query parameter (kubectl reads this to let the server validate) and whose
//! `components.schemas` describe every built-in kind (from the protobuf tables; `kubectl explain` reads them).
//! Pure; must not depend on HTTP.

use serde_json::{Map, Value, json};

use super::resources::{Registry, ResourceDef};

/// `api/v1`, `apis/apps/v1`: the index keys of a group version.
fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

fn hash(text: &str) -> String {
    // FNV-1a: stable across runs, enough for client-go's cache key.
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016X}")
}

fn group_versions(reg: &Registry) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vec![];
    for d in reg.all() {
        let gv = (d.group.clone(), d.version.clone());
        if !out.contains(&gv) {
            out.push(gv);
        }
    }
    out
}

pub fn index(reg: &Registry) -> Value {
    let mut paths = Map::new();
    for (g, v) in group_versions(reg) {
        let path = gv_path(&g, &v);
        let names: Vec<String> = reg
            .in_group_version(&g, &v)
            .map(|d| d.plural.clone())
            .collect();
        let url = format!("/openapi/v3/{path}?hash={}", hash(&names.join(",")));
        paths.insert(path, json!({"serverRelativeURL": url}));
    }
    json!({"paths": paths})
}

fn patch_op(d: &ResourceDef) -> Value {
    json!({
        "patch": {
            "operationId": format!("patch{}", d.kind),
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": {"group": d.group, "version": d.version, "kind": d.kind},
            "parameters": [
                {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": true}}
            ],
            "responses": {"200": {"description": "OK"}}
        }
    })
}

/// The document of one group version (`group` empty for core), or `None` if it is not served.
pub fn group_version(reg: &Registry, group: &str, version: &str) -> Option<Value> {
    let mut paths = Map::new();
    for d in reg.in_group_version(group, version) {
        if !d.verbs.iter().any(|v| v == "patch") {
            continue;
        }
        let base = format!("/{}", gv_path(group, version));
        let path = if d.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", d.plural)
        } else {
            format!("{base}/{}/{{name}}", d.plural)
        };
        paths.insert(path, patch_op(d));
    }
    if paths.is_empty() && reg.in_group_version(group, version).next().is_none() {
        return None;
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": super::discovery::GIT_VERSION},
        "paths": paths,
        "components": {"schemas": crate::protobuf::openapi_schemas(&api_version(group, version))}
    }))
}

/// `/openapi/v2`: the same schemas as Swagger 2.0 `definitions` (a plain `$ref` where v3 wraps it in
/// `allOf`), for clients that still read v2 (`kubectl explain --output=plaintext-openapiv2`). Paths are not
/// listed.
pub fn swagger_v2(reg: &Registry) -> Value {
    let mut definitions = Map::new();
    for (g, v) in group_versions(reg) {
        for (name, mut schema) in crate::protobuf::openapi_schemas(&api_version(&g, &v)) {
            to_v2(&mut schema);
            definitions.insert(name, schema);
        }
    }
    json!({
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": super::discovery::GIT_VERSION},
        "paths": {},
        "definitions": definitions,
    })
}

fn to_v2(schema: &mut Value) {
    match schema {
        Value::Object(m) => {
            if let Some(Value::Array(all)) = m.get("allOf")
                && let [only] = all.as_slice()
                && let Some(r) = only.get("$ref").and_then(Value::as_str)
            {
                let r = r.replace("#/components/schemas/", "#/definitions/");
                m.remove("allOf");
                m.insert("$ref".into(), json!(r));
            }
            for v in m.values_mut() {
                to_v2(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(to_v2),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_points_at_each_group_version() {
        let reg = Registry::with_builtins();
        let idx = index(&reg);
        let url = idx["paths"]["apis/apps/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap();
        assert!(url.starts_with("/openapi/v3/apis/apps/v1?hash="));
        assert!(idx["paths"]["api/v1"].is_object());
    }

    #[test]
    fn patch_operations_declare_field_validation() {
        let reg = Registry::with_builtins();
        let doc = group_version(&reg, "apps", "v1").unwrap();
        let op = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(op["x-kubernetes-group-version-kind"]["kind"], "Deployment");
        assert!(
            op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "fieldValidation")
        );
        assert!(group_version(&reg, "nope", "v1").is_none());
    }
}
