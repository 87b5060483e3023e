//! The `scale` subresource: the `autoscaling/v1` Scale view of a workload, and updating a workload's replicas
//! through it (PUT, or any patch kind).

use std::sync::Arc;

use http::HeaderMap;
use serde_json::{Value, json};

use super::SimState;
use super::body::content_type;
use crate::managed_fields::Writer;
use crate::patch::{self, PatchKind};
use crate::resources::ResourceDef;
use crate::status::{ApiError, ApiResult, FieldError};
use crate::store::{UpdateScope, check_resource_version};

/// The `autoscaling/v1` Scale view of a workload.
pub(super) fn scale_of(obj: &Value) -> Value {
    let meta = &obj["metadata"];
    let sel_str = obj["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"], "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": {"replicas": obj["spec"]["replicas"].as_i64().unwrap_or(0)},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": sel_str},
    })
}

/// Which scale write, and where.
pub(super) struct ScaleUpdate<'a> {
    pub res: &'a ResourceDef,
    pub ns: &'a str,
    pub name: &'a str,
    /// `update` (a whole Scale) or `patch`.
    pub verb: &'a str,
    pub dry_run: bool,
    pub writer: &'a Writer,
}

/// Applies a Scale PUT or patch to the workload's `spec.replicas`; returns the workload.
pub(super) fn update_scale(
    state: &Arc<SimState>,
    up: &ScaleUpdate,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<Arc<Value>> {
    let (res, name) = (up.res, up.name);
    let ct = content_type(headers).unwrap_or("application/json");
    state.store.update_as(
        res,
        up.ns,
        name,
        UpdateScope::Main,
        up.dry_run,
        up.writer,
        |old| {
            let current = scale_of(old);
            let desired = if up.verb == "patch" {
                let kind = PatchKind::from_content_type(ct)
                    .ok_or_else(|| ApiError::unsupported_media_type(ct))?;
                let doc: Value = serde_json::from_slice(body)
                    .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
                patch::apply(&current, &doc, &kind)
                    .map_err(|e| ApiError::bad_request(e.to_string()))?
            } else {
                serde_json::from_slice(body)
                    .map_err(|e| ApiError::bad_request(format!("error decoding Scale: {e}")))?
            };
            check_resource_version(res, name, &desired, old)?;
            let replicas = &desired["spec"]["replicas"];
            let mut new = old.clone();
            new["spec"]["replicas"] = match replicas.as_i64() {
                Some(n) if n >= 0 => json!(n),
                _ => {
                    return Err(ApiError::invalid(
                        res,
                        name,
                        vec![FieldError::invalid(
                            "spec.replicas",
                            replicas.to_string(),
                            "must be greater than or equal to 0",
                        )],
                    ));
                }
            };
            Ok(new)
        },
    )
}
