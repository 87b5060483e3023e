//! The REST verbs on the store for one resource URL: the RBAC verb and its authorization, then
//! list/watch/get/create/replace/patch/delete/deletecollection, the `status` and `scale` subresources, and the
//! review kinds (`reviews`). Pod subresources (log, exec, portforward, eviction) are handed to `pod_api`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};

use super::body::{check_body_identity, content_type, decode_body, read_body};
use super::routing::ResourcePath;
use super::scale::{ScaleUpdate, scale_of, update_scale};
use super::{Query, SimState, bytes_response, json_response, off_the_workers};
use crate::apply;
use crate::auth::{self, Attributes, User};
use crate::convert;
use crate::managed_fields::{self, Writer};
use crate::metrics;
use crate::patch::{self, PatchKind};
use crate::pod_api;
use crate::resources::ResourceDef;
use crate::reviews;
use crate::selectors::{FieldSelector, LabelSelector, SelectorError};
use crate::status::{ApiError, ApiResult, FieldError};
use crate::store::{
    DeleteOptions, PageRequest, SnapshotError, UpdateScope, check_resource_version,
};
use crate::strategy;
use crate::watch::{self, WatchRequest};
use crate::wire::{self, IncludeObject, Shape};

fn selector_error(e: SelectorError) -> ApiError {
    ApiError::bad_request(e.to_string())
}

/// The `labelSelector` and `fieldSelector` query parameters.
fn selectors(query: &Query, res: &ResourceDef) -> ApiResult<(LabelSelector, FieldSelector)> {
    let labels = LabelSelector::parse(query.get("labelSelector").unwrap_or_default())
        .map_err(selector_error)?;
    let fields = FieldSelector::parse(query.get("fieldSelector").unwrap_or_default(), &res.key())
        .map_err(selector_error)?;
    Ok((labels, fields))
}

fn rbac_verb(method: &Method, rp: &ResourcePath, query: &Query) -> &'static str {
    match (method.as_str(), rp.name.is_some()) {
        ("GET", _) if matches!(rp.sub.as_deref(), Some("exec" | "attach" | "portforward")) => {
            "create"
        }
        ("GET", _) if rp.legacy_watch || query.flag("watch") => "watch",
        ("GET", true) => "get",
        ("GET", false) => "list",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => "",
    }
}

/// What every verb's handler needs from the request.
struct Call<'a> {
    state: &'a Arc<SimState>,
    res: &'a Arc<ResourceDef>,
    /// The URL's namespace, empty when it has none.
    ns: &'a str,
    /// The URL's namespace as given: `None` for cluster-scoped paths and lists across namespaces.
    namespace: Option<&'a str>,
    shape: Shape,
    dry_run: bool,
    /// Who writes, for managedFields.
    writer: &'a Writer,
}

impl Call<'_> {
    /// `obj` as the client asked to see it.
    fn object_response(&self, code: StatusCode, obj: &Arc<Value>) -> Response {
        json_response(
            code,
            &wire::object(
                self.res,
                self.shape,
                obj,
                self.state.store.resource_version(),
            ),
        )
    }

    fn get(&self, name: &str) -> ApiResult<Arc<Value>> {
        self.state
            .store
            .get(self.res, self.ns, name)
            .ok_or_else(|| ApiError::not_found(self.res, name))
    }
}

fn scope(sub: Option<&str>) -> UpdateScope {
    if sub.is_some() {
        UpdateScope::Status
    } else {
        UpdateScope::Main
    }
}

/// The response format an Accept header asks for: the first media type the sim can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Media {
    Json,
    Yaml,
}

fn media(accept: &str) -> ApiResult<Media> {
    if accept.trim().is_empty() {
        return Ok(Media::Json);
    }
    // The sim writes no protobuf: a client asking for it first (client-go's
    // `application/vnd.kubernetes.protobuf,application/json`) gets the next type it accepts, and one that
    // accepts protobuf only gets 406 rather than a body it did not ask for.
    for m in accept.split(',') {
        match m.split(';').next().unwrap_or_default().trim() {
            "application/json" | "*/*" | "application/*" => return Ok(Media::Json),
            "application/yaml" => return Ok(Media::Yaml),
            _ => {}
        }
    }
    Err(ApiError::new(
        406,
        "NotAcceptable",
        "only the following media types are accepted: application/json, application/yaml",
    ))
}

/// One resource request, answered in YAML when the client asked for it (`Accept: application/yaml`); streams
/// (watches, logs, exec, port-forward) stay as they are.
pub(super) async fn resource(
    state: &Arc<SimState>,
    user: User,
    rp: ResourcePath,
    req: Request,
    verb_out: &mut String,
) -> ApiResult<Response> {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let streaming = rp.legacy_watch
        || Query::parse(req.uri().query()).flag("watch")
        || matches!(
            rp.sub.as_deref(),
            Some("log" | "exec" | "attach" | "portforward")
        );
    let wanted = if streaming {
        Media::Json
    } else {
        media(&accept)?
    };
    let resp = resource_inner(state, user, rp, req, verb_out).await?;
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|c| c.as_bytes().starts_with(b"application/json"));
    if wanted != Media::Yaml || !is_json {
        return Ok(resp);
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|e| ApiError::internal(format!("reading the response: {e}")))?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::internal(format!("the response is not JSON: {e}")))?;
    let yaml = serde_saphyr::to_string(&value)
        .map_err(|e| ApiError::internal(format!("cannot write YAML: {e}")))?;
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/yaml"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(Response::from_parts(parts, Body::from(yaml)))
}

async fn resource_inner(
    state: &Arc<SimState>,
    user: User,
    rp: ResourcePath,
    req: Request,
    verb_out: &mut String,
) -> ApiResult<Response> {
    let query = Query::parse(req.uri().query());
    let method = req.method().clone();
    let verb = rbac_verb(&method, &rp, &query);
    *verb_out = verb.to_string();
    if verb.is_empty() {
        return Err(ApiError::method_not_allowed());
    }
    if !rp.res.verbs.iter().any(|v| v == verb) && rp.sub.is_none() {
        return Err(ApiError::method_not_allowed());
    }
    auth::authorize(
        &state.store,
        &user,
        &Attributes {
            verb,
            res: &rp.res,
            sub: rp.sub.as_deref(),
            namespace: rp.namespace.as_deref(),
            name: rp.name.as_deref(),
        },
    )?;
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let shape = wire::negotiate(accept, IncludeObject::parse(query.get("includeObject")));
    let ns = rp.namespace.clone().unwrap_or_default();
    let writer = Writer {
        manager: managed_fields::manager_of(
            query.get("fieldManager"),
            req.headers()
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok()),
        ),
        subresource: rp.sub.clone(),
        time: crate::store::now_rfc3339(),
        apply: method == Method::PATCH
            && content_type(req.headers())
                .is_some_and(|ct| PatchKind::from_content_type(ct) == Some(PatchKind::Apply)),
    };
    let call = Call {
        state,
        res: &rp.res,
        ns: &ns,
        namespace: rp.namespace.as_deref(),
        shape,
        dry_run: query.get("dryRun").is_some_and(|d| d == "All"),
        writer: &writer,
    };
    let store = &state.store;
    let res = &rp.res;
    if res.group == metrics::GROUP {
        return off_the_workers(|| metrics_response(&call, &query, rp.name.as_deref()));
    }

    match (verb, rp.sub.as_deref(), rp.name.as_deref()) {
        ("list", None, None) => off_the_workers(|| list(&call, &query)),
        ("watch", None, name) => watch(&call, &query, name),
        ("get", None, Some(name)) => Ok(call.object_response(StatusCode::OK, &call.get(name)?)),
        ("get", Some("status"), Some(name)) => Ok(json_response(
            StatusCode::OK,
            &wire::for_version(res, &call.get(name)?),
        )),
        ("get", Some("scale"), Some(name)) => {
            Ok(json_response(StatusCode::OK, &scale_of(&*call.get(name)?)))
        }
        ("get", Some("log"), Some(name)) => pod_api::logs(state, &ns, name, &query),
        ("create", Some("exec" | "attach"), Some(name)) => {
            pod_api::exec(state, &ns, name, &query, req).await
        }
        ("create", Some("portforward"), Some(name)) => {
            pod_api::portforward(state, &ns, name, &query, req).await
        }
        ("create", Some("eviction"), Some(name)) => {
            let body = read_body(req).await?;
            pod_api::evict(state, &ns, name, &body)
        }
        ("create", None, None) => {
            let headers = req.headers().clone();
            let body = read_body(req).await?;
            let obj = decode_body(&headers, &body)?;
            check_body_identity(res, call.namespace, &obj)?;
            if reviews::is_review(res) {
                return Ok(json_response(
                    StatusCode::CREATED,
                    &reviews::answer(store, &user, res, call.namespace, obj)?,
                ));
            }
            let warnings = field_validation(&query, res, &obj)?;
            let mut obj = obj;
            crate::protobuf::prune_unknown(&res.api_version(), &res.kind, &mut obj);
            let mut obj = convert::to_stored(res, obj);
            strategy::reset_status_for_create(res, &mut obj);
            let created = store.create_as(res, &ns, obj, call.dry_run, &writer)?;
            Ok(with_warnings(
                call.object_response(StatusCode::CREATED, &created),
                &warnings,
            ))
        }
        ("update", sub @ (None | Some("status")), Some(name)) => {
            let headers = req.headers().clone();
            let body = read_body(req).await?;
            let mut obj = decode_body(&headers, &body)?;
            check_body_identity(res, call.namespace, &obj)?;
            let warnings = field_validation(&query, res, &obj)?;
            crate::protobuf::prune_unknown(&res.api_version(), &res.kind, &mut obj);
            let obj = convert::to_stored(res, obj);
            let updated = store.replace(res, &ns, name, obj, scope(sub), call.dry_run, &writer)?;
            Ok(with_warnings(
                call.object_response(StatusCode::OK, &updated),
                &warnings,
            ))
        }
        ("get", Some("ephemeralcontainers"), Some(name)) => {
            Ok(call.object_response(StatusCode::OK, &call.get(name)?))
        }
        ("update" | "patch", Some("ephemeralcontainers"), Some(name)) if res.plural == "pods" => {
            let headers = req.headers().clone();
            let body = read_body(req).await?;
            let candidate_of = |old: &Value| -> ApiResult<Value> {
                if verb == "update" {
                    return decode_body(&headers, &body);
                }
                let ct = content_type(&headers).unwrap_or_default();
                let kind = PatchKind::from_content_type(ct)
                    .filter(|k| *k != PatchKind::Apply)
                    .ok_or_else(|| ApiError::unsupported_media_type(ct))?;
                let doc: Value = serde_json::from_slice(&body)
                    .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
                patch::apply(old, &doc, &kind).map_err(|e| match e {
                    patch::PatchError::Decode(m) => ApiError::bad_request(m),
                    patch::PatchError::Apply(m) => ApiError::new(422, "Invalid", m),
                })
            };
            let updated = store.update_as(
                res,
                &ns,
                name,
                UpdateScope::All,
                call.dry_run,
                &writer,
                |old| pod_api::with_ephemeral(res, old, &candidate_of(old)?),
            )?;
            Ok(call.object_response(StatusCode::OK, &updated))
        }
        ("update" | "patch", Some("scale"), Some(name)) => {
            let headers = req.headers().clone();
            let body = read_body(req).await?;
            let up = ScaleUpdate {
                res,
                ns: &ns,
                name,
                verb,
                dry_run: call.dry_run,
                writer: &writer,
            };
            let updated = update_scale(state, &up, &headers, &body)?;
            Ok(json_response(StatusCode::OK, &scale_of(&updated)))
        }
        ("patch", sub @ (None | Some("status")), Some(name)) => {
            let ct = content_type(req.headers()).unwrap_or_default().to_string();
            let kind = PatchKind::from_content_type(&ct)
                .ok_or_else(|| ApiError::unsupported_media_type(&ct))?;
            check_patch_options(&query, &kind)?;
            let body = read_body(req).await?;
            if kind == PatchKind::Apply {
                return apply_object(&call, name, scope(sub), query.flag("force"), &body);
            }
            let warnings = match kind {
                PatchKind::Merge | PatchKind::Strategic => serde_json::from_slice::<Value>(&body)
                    .map(|doc| field_validation(&query, res, &doc))
                    .unwrap_or(Ok(Vec::new()))?,
                _ => Vec::new(),
            };
            Ok(with_warnings(
                patch_object(&call, name, scope(sub), kind, &body)?,
                &warnings,
            ))
        }
        ("delete", None, Some(name)) => {
            let opts = delete_options(&query, &read_body(req).await?)?;
            let deleted = store.delete(res, &ns, name, &opts)?;
            Ok(json_response(
                StatusCode::OK,
                &delete_answer(call.state, res, &ns, name, &deleted, &opts),
            ))
        }
        ("deletecollection", None, None) => {
            let opts = delete_options(&query, &read_body(req).await?)?;
            delete_collection(&call, &query, &opts)
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// A watch: the stream of events from `resourceVersion` on, or one ERROR event when that is too old.
fn watch(call: &Call, query: &Query, name: Option<&str>) -> ApiResult<Response> {
    let res = call.res;
    let mut fields =
        FieldSelector::parse(query.get("fieldSelector").unwrap_or_default(), &res.key())
            .map_err(selector_error)?;
    if let Some(name) = name {
        fields = FieldSelector::parse(&format!("metadata.name={name}"), &res.key())
            .map_err(selector_error)?;
    }
    let labels = LabelSelector::parse(query.get("labelSelector").unwrap_or_default())
        .map_err(selector_error)?;
    let from = query
        .get("resourceVersion")
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version: {v}")))
        });
    let from = from.transpose()?;
    let wreq = WatchRequest {
        res: res.clone(),
        namespace: call.namespace.map(str::to_string),
        labels,
        fields,
        shape: call.shape,
        timeout: query
            .int("timeoutSeconds")?
            .filter(|t| *t > 0)
            .map(|t| Duration::from_secs(t as u64)),
        bookmarks: query.flag("allowWatchBookmarks"),
        send_initial_events: query.flag("sendInitialEvents"),
    };
    let body = match call.state.store.watch(res, call.namespace, from) {
        Ok(start) => Body::from_stream(watch::stream(call.state.clone(), wreq, start)),
        // The real server answers a too-old watch with 200 and one ERROR event.
        Err(e) => Body::from(watch::error_line(&e)),
    };
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}

/// `fieldValidation` on a body: `Strict` (kubectl's default) rejects undeclared fields with the strict
/// decoder's 400, `Warn` (the server's default) answers them in `Warning` headers, `Ignore` says nothing; the
/// fields are dropped either way, as decoding into the Go types does.
fn field_validation(query: &Query, res: &ResourceDef, obj: &Value) -> ApiResult<Vec<String>> {
    let mode = query.get("fieldValidation").unwrap_or("Warn");
    if mode == "Ignore" {
        return Ok(Vec::new());
    }
    let unknown =
        crate::protobuf::unknown_fields(&res.api_version(), &res.kind, obj).unwrap_or_default();
    let messages: Vec<String> = unknown
        .iter()
        .map(|f| format!("unknown field {f:?}"))
        .collect();
    if mode == "Strict" && !messages.is_empty() {
        return Err(ApiError::bad_request(format!(
            "{kind} in version {version:?} cannot be handled as a {kind}: strict decoding error: {}",
            messages.join(", "),
            kind = res.kind,
            version = res.version,
        )));
    }
    Ok(messages)
}

/// Adds one `Warning: 299 - "…"` header per message, as the apiserver's warning recorder does.
fn with_warnings(mut resp: Response, warnings: &[String]) -> Response {
    for w in warnings {
        if let Ok(v) = HeaderValue::from_str(&format!("299 - {w:?}")) {
            resp.headers_mut().append(header::WARNING, v);
        }
    }
    resp
}

/// `ValidatePatchOptions`: an apply names its field manager; `force` is for applies only.
fn check_patch_options(query: &Query, kind: &PatchKind) -> ApiResult<()> {
    let cause = match kind {
        PatchKind::Apply if query.get("fieldManager").is_none_or(str::is_empty) => {
            FieldError::required("fieldManager", "is required for apply patch")
        }
        PatchKind::Apply => return Ok(()),
        _ if query.get("force").is_some() => {
            FieldError::forbidden("force", "may not be specified for non-apply patch")
        }
        _ => return Ok(()),
    };
    Err(ApiError::new(
        422,
        "Invalid",
        format!("PatchOptions.meta.k8s.io \"\" is invalid: {cause}"),
    )
    .with_details(json!({"group": "meta.k8s.io", "kind": "PatchOptions",
        "causes": [{"reason": cause.reason, "message": cause.detail_message(), "field": cause.field}]})))
}

/// A server-side apply: the configuration merged by field ownership (`apply`); one to an object that does
/// not exist creates it.
fn apply_object(
    call: &Call,
    name: &str,
    scope: UpdateScope,
    force: bool,
    body: &[u8],
) -> ApiResult<Response> {
    let (store, res) = (&call.state.store, call.res);
    let text =
        std::str::from_utf8(body).map_err(|_| ApiError::bad_request("body is not valid UTF-8"))?;
    let config: Value = serde_saphyr::from_str(text)
        .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
    let api_version = res.api_version();
    apply::check_config(&config, &api_version, &res.kind)?;
    check_body_identity(res, call.namespace, &config)?;
    let applier = apply::Applier {
        manager: &call.writer.manager,
        force,
        subresource: call.writer.subresource.as_deref(),
        api_version: &api_version,
        kind: &res.kind,
        time: &call.writer.time,
    };
    if store.get(res, call.ns, name).is_none() {
        if scope == UpdateScope::Status {
            return Err(ApiError::not_found(res, name));
        }
        let created = apply::apply(None, &config, &applier)?;
        let created = store.create_as(
            res,
            call.ns,
            convert::to_stored(res, created),
            call.dry_run,
            call.writer,
        )?;
        return Ok(call.object_response(StatusCode::CREATED, &created));
    }
    let updated = store.update_as(
        res,
        call.ns,
        name,
        scope,
        call.dry_run,
        call.writer,
        |old| {
            let served = convert::to_served(res, old);
            let applied = apply::apply(Some(&served), &config, &applier)?;
            Ok(convert::to_stored(res, applied))
        },
    )?;
    Ok(call.object_response(StatusCode::OK, &updated))
}

/// A JSON, merge or strategic merge PATCH.
fn patch_object(
    call: &Call,
    name: &str,
    scope: UpdateScope,
    kind: PatchKind,
    body: &[u8],
) -> ApiResult<Response> {
    let (store, res) = (&call.state.store, call.res);
    let patch_doc: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
    let updated = store.update_as(
        res,
        call.ns,
        name,
        scope,
        call.dry_run,
        call.writer,
        |old| {
            // A patch applies to the object as this group serves it.
            let served = convert::to_served(res, old);
            let patched = patch::apply(&served, &patch_doc, &kind).map_err(|e| match e {
                patch::PatchError::Decode(m) => ApiError::bad_request(m),
                patch::PatchError::Apply(m) => ApiError::new(422, "Invalid", m),
            })?;
            let patched = convert::to_stored(res, patched);
            check_resource_version(res, name, &patched, old)?;
            Ok(patched)
        },
    )?;
    Ok(call.object_response(StatusCode::OK, &updated))
}

/// What a DELETE answers, as the apiserver's registry store does: the object while its deletion is pending
/// (finalizers, a graceful pod deletion, foreground propagation), the object for the stores that always return
/// it (`ReturnDeletedObject`: pods, serviceaccounts, storageclasses), else a `Status` naming what went — with the
/// resource's plural in `details.kind`, as the store fills it.
fn delete_answer(
    state: &SimState,
    res: &ResourceDef,
    ns: &str,
    name: &str,
    deleted: &Arc<Value>,
    opts: &DeleteOptions,
) -> Value {
    let pending = !opts.dry_run && state.store.get(res, ns, name).is_some();
    let returns_object = res.is("", "pods")
        || res.is("", "serviceaccounts")
        || res.is("storage.k8s.io", "storageclasses");
    if pending || returns_object {
        return wire::for_version(res, deleted);
    }
    let mut details = json!({"name": name, "kind": res.plural,
        "uid": deleted["metadata"]["uid"].clone()});
    if !res.group.is_empty() {
        details["group"] = json!(res.group);
    }
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})
}

fn delete_collection(call: &Call, query: &Query, opts: &DeleteOptions) -> ApiResult<Response> {
    let (store, res) = (&call.state.store, call.res);
    let (labels, fields) = selectors(query, res)?;
    let key = res.key();
    let victims = store.list(res, call.namespace, |o| {
        labels.matches(o) && fields.matches(o, &key)
    });
    let mut deleted = vec![];
    for v in victims {
        let n = v["metadata"]["name"].as_str().unwrap_or_default();
        let vns = v["metadata"]["namespace"].as_str().unwrap_or_default();
        if let Ok(d) = store.delete(res, vns, n, opts) {
            deleted.push(d);
        }
    }
    let meta = json!({"resourceVersion": store.resource_version().to_string()});
    Ok(bytes_response(
        StatusCode::OK,
        wire::list_bytes(res, Shape::Full, &deleted, meta),
    ))
}

/// A list, one page at a time when `limit` asks. Every page of one list is read at the first page's
/// resourceVersion (the `continue` token carries it), as the real server's etcd reads are; `resourceVersion`
/// with `resourceVersionMatch=Exact` reads that version.
fn list(call: &Call, query: &Query) -> ApiResult<Response> {
    let (store, res) = (&call.state.store, call.res);
    let key = res.key();
    let (labels, fields) = selectors(query, res)?;
    let limit = query.int("limit")?.filter(|l| *l > 0).map(|l| l as usize);
    let token = query
        .get("continue")
        .filter(|c| !c.is_empty())
        .map(ContinueToken::decode)
        .transpose()?;
    let asked = query.get("resourceVersion").filter(|v| !v.is_empty());
    if token.is_some() && asked.is_some_and(|v| v != "0") {
        return Err(ApiError::bad_request(
            "specifying resource version is not allowed when using continue",
        ));
    }
    let asked = asked
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version: {v}")))
        })
        .transpose()?;
    let exact = query.get("resourceVersionMatch") == Some("Exact");
    let at = match (&token, asked) {
        (Some(t), _) => t.rv,
        (None, Some(rv)) if exact => Some(rv),
        // "Not older than": the latest is, unless the version has not been reached yet.
        (None, Some(rv)) => {
            let current = store.resource_version();
            if rv > current {
                return Err(ApiError::resource_version_too_large(rv, current));
            }
            None
        }
        (None, None) => None,
    };
    let keep = |o: &Value| labels.matches(o) && fields.matches(o, &key);
    let filtered = !labels.is_empty() || !fields.is_empty();
    let req = PageRequest {
        namespace: call.namespace,
        start_after: token.as_ref().map(|t| &t.start),
        limit,
        at,
        position: token.as_ref().and_then(|t| t.position),
        keep: filtered.then_some(&keep as &dyn Fn(&Value) -> bool),
    };
    let page = store.list_page(res, req).map_err(|e| match (e, &token) {
        (SnapshotError::TooLarge { asked, current }, _) => {
            ApiError::resource_version_too_large(asked, current)
        }
        (SnapshotError::Compacted { .. }, Some(t)) => ApiError::continue_expired(
            ContinueToken {
                rv: None,
                start: t.start.clone(),
                position: None,
            }
            .encode(),
        ),
        (SnapshotError::Compacted { .. }, None) => ApiError::list_expired(),
    })?;
    let mut meta = json!({"resourceVersion": page.rv.to_string()});
    if let Some(start) = page.next {
        let next = ContinueToken {
            rv: Some(page.rv),
            start,
            position: page.position,
        };
        meta["continue"] = json!(next.encode());
        if let Some(remaining) = page.remaining {
            meta["remainingItemCount"] = json!(remaining);
        }
    }
    Ok(bytes_response(
        StatusCode::OK,
        wire::list_bytes(res, call.shape, &page.items, meta),
    ))
}

/// A list's `continue` token: base64 of `{"v", "rv", "start"}` as the real server's; `rv` -1 (`None`) resumes at
/// the latest version (what a 410 for a compacted token offers).
struct ContinueToken {
    rv: Option<u64>,
    /// The last key returned: the next page starts after it.
    start: (String, String),
    /// How many objects precede the next page (the token is opaque to clients: the sim may add to it).
    position: Option<usize>,
}

impl ContinueToken {
    fn decode(token: &str) -> ApiResult<Self> {
        use base64::Engine;
        let bad = || {
            ApiError::bad_request(
                "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
            )
        };
        let raw = base64::engine::general_purpose::STANDARD
            .decode(token)
            .map_err(|_| bad())?;
        let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
        let start = v["start"].as_str().ok_or_else(bad)?;
        let (ns, name) = start.split_once('/').ok_or_else(bad)?;
        let rv = match v["rv"].as_i64().ok_or_else(bad)? {
            -1 => None,
            rv => Some(u64::try_from(rv).map_err(|_| bad())?),
        };
        let position = v["n"].as_u64().and_then(|n| usize::try_from(n).ok());
        Ok(Self {
            rv,
            start: (ns.to_string(), name.to_string()),
            position,
        })
    }

    fn encode(&self) -> String {
        use base64::Engine;
        let rv = self
            .rv
            .map_or(-1, |rv| i64::try_from(rv).unwrap_or(i64::MAX));
        let (ns, name) = &self.start;
        let mut token = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": format!("{ns}/{name}")});
        if let Some(n) = self.position {
            token["n"] = json!(n);
        }
        base64::engine::general_purpose::STANDARD.encode(token.to_string())
    }
}

fn delete_options(query: &Query, body: &[u8]) -> ApiResult<DeleteOptions> {
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("invalid DeleteOptions: {e}")))?
    };
    Ok(DeleteOptions {
        grace_period_seconds: body["gracePeriodSeconds"]
            .as_i64()
            .or(query.int("gracePeriodSeconds")?),
        propagation: body["propagationPolicy"]
            .as_str()
            .map(str::to_string)
            .or_else(|| query.get("propagationPolicy").map(str::to_string))
            .or_else(|| match body["orphanDependents"].as_bool() {
                Some(true) => Some("Orphan".into()),
                _ => None,
            }),
        precondition_uid: body["preconditions"]["uid"].as_str().map(str::to_string),
        precondition_rv: body["preconditions"]["resourceVersion"]
            .as_str()
            .map(str::to_string),
        dry_run: body["dryRun"]
            .as_array()
            .is_some_and(|d| d.iter().any(|x| x == "All"))
            || query.get("dryRun") == Some("All"),
    })
}

/// PodMetrics and NodeMetrics, computed for the current scrape window (`metrics`); a get is a list of one.
fn metrics_response(call: &Call, query: &Query, name: Option<&str>) -> ApiResult<Response> {
    let res = call.res;
    let (labels, mut fields) = selectors(query, res)?;
    if let Some(name) = name {
        fields = FieldSelector::parse(&format!("metadata.name={name}"), &res.key())
            .map_err(selector_error)?;
    }
    let q = metrics::MetricsQuery {
        res,
        namespace: call.namespace,
        labels: &labels,
        fields: &fields,
    };
    let mut items = metrics::list(
        &call.state.store,
        &q,
        call.state.seed,
        jiff::Timestamp::now(),
    );
    let body = match name {
        Some(name) => items.pop().ok_or_else(|| ApiError::not_found(res, name))?,
        None => json!({"kind": format!("{}List", res.kind), "apiVersion": res.api_version(),
                       "metadata": {}, "items": items}),
    };
    Ok(json_response(StatusCode::OK, &body))
}
