//! Request bodies: reading them within the real server's size limit, decoding JSON, YAML or (for built-in
//! kinds; a custom resource has no protobuf form, so 415 as on a real server) protobuf per Content-Type,
//! and checking that kind, apiVersion and namespace agree with the URL.

use axum::body::Bytes;
use axum::extract::Request;
use http::{HeaderMap, header};
use serde_json::Value;

use crate::resources::ResourceDef;
use crate::status::{ApiError, ApiResult};

/// The real API server's request body limit.
const MAX_BODY: usize = 3 * 1024 * 1024;

pub(super) async fn read_body(req: Request) -> ApiResult<Bytes> {
    axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|_| ApiError::request_entity_too_large())
}

/// The request's Content-Type, if it has a readable one.
pub(super) fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

/// Decodes a request body as JSON or YAML per Content-Type.
pub(super) fn decode_body(headers: &HeaderMap, body: &[u8]) -> ApiResult<Value> {
    let ct = content_type(headers).unwrap_or("application/json");
    let base = ct.split(';').next().unwrap_or_default().trim();
    let value: Value = match base {
        "application/json" | "" | "*/*" => serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!("the object provided is unrecognized: couldn't get version/kind; json parse error: {e}"))
        })?,
        "application/yaml" | "application/x-yaml" | "text/yaml" => {
            let text = std::str::from_utf8(body).map_err(|_| ApiError::bad_request("yaml body is not valid UTF-8"))?;
            serde_saphyr::from_str(text).map_err(|e| ApiError::bad_request(format!("error converting YAML to JSON: {e}")))?
        }
        "application/vnd.kubernetes.protobuf" => match crate::protobuf::decode(body) {
            Ok(v) => v,
            Err(crate::protobuf::ProtobufError::UnknownKind(_)) => {
                return Err(ApiError::unsupported_media_type(ct));
            }
            Err(e) => return Err(ApiError::bad_request(e.to_string())),
        },
        _ => return Err(ApiError::unsupported_media_type(ct)),
    };
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "the object provided is unrecognized: expected a JSON object",
        ));
    }
    Ok(value)
}

/// Rejects a body whose kind/apiVersion/namespace disagree with the URL, with the real server's messages.
pub(super) fn check_body_identity(
    res: &ResourceDef,
    ns: Option<&str>,
    body: &Value,
) -> ApiResult<()> {
    if let Some(kind) = body["kind"].as_str().filter(|k| !k.is_empty())
        && kind != res.kind
    {
        return Err(ApiError::bad_request(format!(
            "the object provided is unrecognized (must be of type {}): kind {kind:?} does not match",
            res.kind
        )));
    }
    if let Some(av) = body["apiVersion"].as_str().filter(|a| !a.is_empty()) {
        let served = av == res.api_version()
            || (res.custom && av.split('/').next() == Some(res.group.as_str()));
        if !served {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({av}) does not match the expected API version ({})",
                res.api_version()
            )));
        }
    }
    if let (Some(url_ns), Some(body_ns)) = (ns, body["metadata"]["namespace"].as_str())
        && !body_ns.is_empty()
        && body_ns != url_ns
    {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    Ok(())
}
