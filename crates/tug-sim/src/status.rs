//! API errors as the real API server sends them: a `meta.k8s.io/v1` `Status` body with code, reason and message.
//! Must not depend on the HTTP framework beyond turning itself into a response.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};

use super::resources::ResourceDef;

/// One failed API call; rendered as a `Status` object with the same code/reason/message the real server uses.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code} {reason}: {message}")]
pub struct ApiError {
    /// HTTP status code (also `Status.code`).
    pub code: u16,
    /// `Status.reason` (`NotFound`, `Conflict`, `Invalid`, ...).
    pub reason: &'static str,
    pub message: String,
    /// `Status.details`, when the real server sends some.
    pub details: Option<Value>,
    /// Seconds for a `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
    /// `Status.metadata.continue`: a 410 for a compacted `continue` offers a token to resume with there.
    /// (Boxed: every `Result` in the sim carries this type, so it stays small.)
    pub list_continue: Option<Box<str>>,
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after: None,
            list_continue: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn not_found(res: &ResourceDef, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", res.qualified()),
        )
        .with_details(json!({"name": name, "group": res.group, "kind": res.plural}))
    }

    /// 404 for a URL that names no resource at all.
    pub fn path_not_found() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_details(json!({}))
    }

    pub fn already_exists(res: &ResourceDef, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", res.qualified()),
        )
        .with_details(json!({"name": name, "group": res.group, "kind": res.plural}))
    }

    pub fn conflict(res: &ResourceDef, name: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                res.qualified()
            ),
        )
        .with_details(json!({"name": name, "group": res.group, "kind": res.plural}))
    }

    /// 422 with one field error, worded like apimachinery's `field.Invalid`.
    pub fn invalid(res: &ResourceDef, name: &str, causes: Vec<FieldError>) -> Self {
        let list = causes
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let summary = if causes.len() > 1 {
            format!("[{list}]")
        } else {
            list
        };
        let causes_json: Vec<Value> = causes
            .iter()
            .map(|c| json!({"reason": c.reason, "message": c.detail_message(), "field": c.field}))
            .collect();
        Self::new(
            422,
            "Invalid",
            format!("{} \"{name}\" is invalid: {summary}", res.group_kind()),
        )
        .with_details(
            json!({"name": name, "group": res.group, "kind": res.kind, "causes": causes_json}),
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "Forbidden", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
    }

    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got {content_type:?})"
            ),
        )
    }

    pub fn not_acceptable() -> Self {
        Self::new(
            406,
            "NotAcceptable",
            "only the following media types are accepted: application/json, application/yaml",
        )
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::new(
            429,
            "TooManyRequests",
            "the server has received too many requests and has asked us to try again later",
        )
        .with_details(json!({"retryAfterSeconds": retry_after}));
        e.retry_after = Some(retry_after);
        e
    }

    /// 410 for a list continued from a version compacted away; `resume` (in the Status's list metadata)
    /// continues at the latest version instead. apiserver's etcd3 store words it so.
    pub fn continue_expired(resume: String) -> Self {
        let mut e = Self::new(
            410,
            "Expired",
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
        );
        e.list_continue = Some(resume.into());
        e
    }

    /// 410 for a list of an exact version that has been compacted away.
    pub fn list_expired() -> Self {
        Self::new(
            410,
            "Expired",
            "The resourceVersion for the provided list is too old.",
        )
    }

    /// 504 for a resourceVersion the store has not reached (apiserver's `NewTooLargeResourceVersionError`).
    pub fn resource_version_too_large(asked: u64, current: u64) -> Self {
        let mut e = Self::new(
            504,
            "Timeout",
            format!("Timeout: Too large resource version: {asked}, current: {current}"),
        )
        .with_details(json!({
            "causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
            "retryAfterSeconds": 1,
        }));
        e.retry_after = Some(1);
        e
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            500,
            "InternalError",
            format!("Internal error occurred: {}", message.into()),
        )
    }

    pub fn request_entity_too_large() -> Self {
        Self::new(
            413,
            "RequestEntityTooLarge",
            "the request entity is too large",
        )
    }

    /// The `Status` object this error is sent as.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": match &self.list_continue {
                Some(token) => json!({"continue": token}),
                None => json!({}),
            },
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(details) = &self.details {
            status["details"] = details.clone();
        }
        status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (code, axum::Json(self.to_status())).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// One field error inside a 422 `Invalid` response.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`, `FieldValueForbidden`.
    pub reason: &'static str,
    /// Field path, e.g. `spec.replicas`.
    pub field: String,
    /// The rejected value, rendered as Go's `%v`/`%q` would be, when there is one.
    pub value: Option<String>,
    pub detail: String,
}

impl FieldError {
    pub fn invalid(field: &str, value: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            reason: "FieldValueInvalid",
            field: field.to_string(),
            value: Some(value.into()),
            detail: detail.into(),
        }
    }

    pub fn required(field: &str, detail: impl Into<String>) -> Self {
        Self {
            reason: "FieldValueRequired",
            field: field.to_string(),
            value: None,
            detail: detail.into(),
        }
    }

    pub fn forbidden(field: &str, detail: impl Into<String>) -> Self {
        Self {
            reason: "FieldValueForbidden",
            field: field.to_string(),
            value: None,
            detail: detail.into(),
        }
    }

    pub fn detail_message(&self) -> String {
        match (&self.value, self.reason) {
            (Some(v), "FieldValueInvalid") => format!("Invalid value: {v}: {}", self.detail),
            (_, "FieldValueRequired") => format!("Required value: {}", self.detail)
                .trim_end_matches(": ")
                .to_string(),
            (_, "FieldValueForbidden") => format!("Forbidden: {}", self.detail),
            (Some(v), "FieldValueDuplicate") => format!("Duplicate value: {v}"),
            (Some(v), "FieldValueNotSupported") => {
                format!("Unsupported value: {v}: {}", self.detail)
            }
            _ => self.detail.clone(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.detail_message())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
