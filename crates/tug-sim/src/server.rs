//! The sim's HTTP front: URL routing as the real API server lays it out, authentication and authorization,
//! fault injection, the request log, and the REST verbs on the store (list/watch/get/create/replace/patch/delete,
//! `status` and `scale` subresources). Pod subresources (log, exec, eviction) live in `pod_api`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::auth::{self, Attributes, User};
use super::discovery;
use super::faults::{FaultSpec, Faults, Injected};
use super::openapi;
use super::patch::{self, PatchKind};
use super::pod_api;
use super::resources::ResourceDef;
use super::selectors::{FieldSelector, LabelSelector, SelectorError};
use super::status::{ApiError, ApiResult};
use super::store::{DeleteOptions, Store, UpdateScope};
use super::strategy;
use super::watch::{self, WatchRequest};
use super::wire::{self, IncludeObject, Shape};

/// The real API server's request body limit.
const MAX_BODY: usize = 3 * 1024 * 1024;
/// Requests kept in the request log (tests read it through `/_sim/requests`).
const REQUEST_LOG_LEN: usize = 200_000;

#[derive(Default)]
pub struct Stats {
    pub open_watches: AtomicUsize,
    pub open_log_streams: AtomicUsize,
    pub exec_sessions: AtomicUsize,
    pub requests: AtomicUsize,
}

/// Keeps a gauge in `Stats` raised for as long as it lives (open watches, log streams, exec sessions).
pub struct Counter {
    state: Arc<SimState>,
    gauge: fn(&SimState) -> &AtomicUsize,
}

impl Counter {
    pub fn new(state: Arc<SimState>, gauge: fn(&SimState) -> &AtomicUsize) -> Self {
        gauge(&state).fetch_add(1, Ordering::SeqCst);
        Self { state, gauge }
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        (self.gauge)(&self.state).fetch_sub(1, Ordering::SeqCst);
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RequestRecord {
    pub seq: usize,
    pub method: String,
    pub path: String,
    pub query: String,
    pub user: &'static str,
    /// RBAC verb (`list`, `watch`, `patch`, ...), empty for non-resource URLs.
    pub verb: String,
    pub code: u16,
}

/// Everything the request handlers share.
pub struct SimState {
    pub store: Arc<Store>,
    pub faults: Faults,
    pub stats: Stats,
    pub seed: u64,
    pub addr: OnceLock<std::net::SocketAddr>,
    /// The load pods' churn rate (`--churn`, `PUT /_sim/churn`).
    pub churn: OnceLock<Arc<super::churn::ChurnRate>>,
    /// Bumped when the history is compacted by the `gone` fault: open watches end with 410.
    pub gone_epoch: tokio::sync::watch::Sender<u64>,
    pub shutdown: CancellationToken,
    requests: Mutex<Vec<RequestRecord>>,
}

impl SimState {
    pub fn new(
        store: Arc<Store>,
        faults: FaultSpec,
        seed: u64,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            store,
            faults: Faults::new(faults, seed),
            stats: Stats::default(),
            seed,
            addr: OnceLock::new(),
            churn: OnceLock::new(),
            gone_epoch: tokio::sync::watch::channel(0).0,
            shutdown,
            requests: Mutex::new(Vec::new()),
        }
    }

    /// Requests served so far, from sequence number `since` on.
    pub fn requests_since(&self, since: usize) -> Vec<RequestRecord> {
        let log = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        log.iter().filter(|r| r.seq >= since).cloned().collect()
    }

    fn log_request(&self, mut rec: RequestRecord) {
        rec.seq = self.stats.requests.fetch_add(1, Ordering::SeqCst);
        let mut log = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if log.len() >= REQUEST_LOG_LEN {
            log.drain(..REQUEST_LOG_LEN / 2);
        }
        log.push(rec);
    }

    /// Compacts the history and ends every open watch with `410 Gone`.
    pub fn inject_gone(&self) {
        self.store.compact();
        self.gone_epoch.send_modify(|e| *e += 1);
    }
}

/// Query parameters (repeatable, as `command=` for exec is).
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(q: Option<&str>) -> Self {
        Self(
            form_urlencoded::parse(q.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1"))
    }

    pub fn int(&self, key: &str) -> ApiResult<Option<i64>> {
        self.get(key)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| ApiError::bad_request(format!("invalid value for {key}: {v:?}")))
            })
            .transpose()
    }
}

pub fn json_response(code: StatusCode, body: &Value) -> Response {
    bytes_response(code, serde_json::to_vec(body).unwrap_or_default())
}

fn bytes_response(code: StatusCode, body: Vec<u8>) -> Response {
    let mut resp = (code, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// A parsed resource URL.
pub struct ResourcePath {
    pub res: Arc<ResourceDef>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub sub: Option<String>,
    legacy_watch: bool,
}

enum Route {
    Version,
    Health,
    CoreVersions,
    Groups,
    Group(String),
    GroupVersion(String, String),
    Resource(ResourcePath),
    Control(String),
    OpenApiIndex,
    OpenApi(String, String),
}

fn route(state: &SimState, path: &str) -> ApiResult<Route> {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let (group, version, rest): (&str, &str, &[&str]) = match segs.as_slice() {
        ["version"] => return Ok(Route::Version),
        ["healthz" | "livez" | "readyz", ..] => return Ok(Route::Health),
        ["_sim", what] => return Ok(Route::Control((*what).to_string())),
        ["api"] => return Ok(Route::CoreVersions),
        ["openapi", "v3"] => return Ok(Route::OpenApiIndex),
        ["openapi", "v3", "api", v] => return Ok(Route::OpenApi(String::new(), (*v).to_string())),
        ["openapi", "v3", "apis", g, v] => {
            return Ok(Route::OpenApi((*g).to_string(), (*v).to_string()));
        }
        ["apis"] => return Ok(Route::Groups),
        ["apis", g] => return Ok(Route::Group((*g).to_string())),
        ["api", "v1"] => return Ok(Route::GroupVersion(String::new(), "v1".into())),
        ["apis", g, v] => return Ok(Route::GroupVersion((*g).to_string(), (*v).to_string())),
        ["api", "v1", rest @ ..] => ("", "v1", rest),
        ["apis", g, v, rest @ ..] => (g, v, rest),
        _ => return Err(ApiError::path_not_found()),
    };
    let (legacy_watch, rest) = match rest {
        ["watch", rest @ ..] => (true, rest),
        _ => (false, rest),
    };
    let registry = state.store.registry();
    let lookup = |plural: &str| registry.lookup(group, version, plural);
    let (namespace, rest) = match rest {
        ["namespaces", ns, plural, rest @ ..] if lookup(plural).is_some_and(|d| d.namespaced) => (
            Some((*ns).to_string()),
            std::iter::once(*plural)
                .chain(rest.iter().copied())
                .collect::<Vec<_>>(),
        ),
        _ => (None, rest.to_vec()),
    };
    let (plural, name, sub) = match rest.as_slice() {
        [p] => (*p, None, None),
        [p, n] => (*p, Some((*n).to_string()), None),
        [p, n, s] => (*p, Some((*n).to_string()), Some((*s).to_string())),
        _ => return Err(ApiError::path_not_found()),
    };
    let res = lookup(plural).ok_or_else(ApiError::path_not_found)?;
    if (!res.namespaced && namespace.is_some())
        || (res.namespaced && namespace.is_none() && name.is_some())
    {
        return Err(ApiError::path_not_found());
    }
    if let Some(s) = &sub
        && !res.has_sub(s)
    {
        return Err(ApiError::path_not_found());
    }
    Ok(Route::Resource(ResourcePath {
        res,
        namespace,
        name,
        sub,
        legacy_watch,
    }))
}

/// The single entry point: every request goes through here.
pub async fn handle(State(state): State<Arc<SimState>>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or_default().to_string();
    let mut verb = String::new();
    let (user, resp) = match auth::authenticate(req.headers()) {
        Err(e) => (User::Anonymous, e.into_response()),
        Ok(user) => {
            let resp = serve(&state, user, req, &mut verb)
                .await
                .unwrap_or_else(IntoResponse::into_response);
            (user, resp)
        }
    };
    if !path.starts_with("/_sim") {
        state.log_request(RequestRecord {
            seq: 0,
            method: method.to_string(),
            path,
            query,
            user: user.name(),
            verb,
            code: resp.status().as_u16(),
        });
    }
    resp
}

async fn serve(
    state: &Arc<SimState>,
    user: User,
    req: Request,
    verb: &mut String,
) -> ApiResult<Response> {
    let route = route(state, req.uri().path())?;
    if let Route::Control(what) = &route {
        return control(state, what, req).await;
    }
    match state.faults.draw() {
        Injected::Down => {
            return Err(ApiError::new(
                503,
                "ServiceUnavailable",
                "the server is currently unable to handle the request",
            ));
        }
        Injected::Error => return Err(ApiError::internal("injected fault")),
        Injected::Throttle => return Err(ApiError::too_many_requests(1)),
        Injected::None => {}
    }
    let slow = state.faults.spec().slow;
    if slow > Duration::ZERO {
        tokio::time::sleep(slow).await;
    }
    let addr = state
        .addr
        .get()
        .copied()
        .unwrap_or_else(|| ([127, 0, 0, 1], 0).into());
    let registry = state.store.registry();
    if !matches!(route, Route::Version | Route::Health | Route::Resource(_))
        && user == User::Anonymous
    {
        return Err(ApiError::forbidden(format!(
            "forbidden: User \"system:anonymous\" cannot get path \"{}\"",
            req.uri().path()
        )));
    }
    Ok(match route {
        Route::Version => json_response(StatusCode::OK, &discovery::version()),
        Route::Health => (StatusCode::OK, "ok").into_response(),
        Route::CoreVersions => json_response(StatusCode::OK, &discovery::core_versions(addr)),
        Route::Groups => json_response(StatusCode::OK, &discovery::groups(&registry)),
        Route::Group(g) => json_response(
            StatusCode::OK,
            &discovery::group(&registry, &g).ok_or_else(ApiError::path_not_found)?,
        ),
        Route::GroupVersion(g, v) => json_response(
            StatusCode::OK,
            &discovery::resources(&registry, &g, &v).ok_or_else(ApiError::path_not_found)?,
        ),
        Route::OpenApiIndex => json_response(StatusCode::OK, &openapi::index(&registry)),
        Route::OpenApi(g, v) => json_response(
            StatusCode::OK,
            &openapi::group_version(&registry, &g, &v).ok_or_else(ApiError::path_not_found)?,
        ),
        Route::Resource(rp) => resource(state, user, rp, req, verb).await?,
        Route::Control(_) => return Err(ApiError::path_not_found()),
    })
}

/// `/_sim/*`: test and demo controls (request log, gauges, faults). Not part of the Kubernetes API.
async fn control(state: &Arc<SimState>, what: &str, req: Request) -> ApiResult<Response> {
    let query = Query::parse(req.uri().query());
    match (req.method().clone(), what) {
        (Method::GET, "requests") => {
            let since = query.int("since")?.unwrap_or(0).max(0) as usize;
            Ok(json_response(
                StatusCode::OK,
                &json!(state.requests_since(since)),
            ))
        }
        (Method::GET, "stats") => {
            let s = &state.stats;
            Ok(json_response(
                StatusCode::OK,
                &json!({
                    "openWatches": s.open_watches.load(Ordering::SeqCst),
                    "openLogStreams": s.open_log_streams.load(Ordering::SeqCst),
                    "execSessions": s.exec_sessions.load(Ordering::SeqCst),
                    "requests": s.requests.load(Ordering::SeqCst),
                    "resourceVersion": state.store.resource_version(),
                }),
            ))
        }
        (Method::GET, "faults") => Ok(json_response(StatusCode::OK, &json!(state.faults.spec()))),
        (Method::PUT | Method::POST, "faults") => {
            let body = read_body(req).await?;
            let text = String::from_utf8_lossy(&body);
            let spec =
                FaultSpec::parse(text.trim()).map_err(|e| ApiError::bad_request(e.to_string()))?;
            state.faults.set(spec);
            Ok(json_response(StatusCode::OK, &json!(state.faults.spec())))
        }
        (Method::PUT | Method::POST, "churn") => {
            let body = read_body(req).await?;
            let rate = super::churn::parse_rate(&String::from_utf8_lossy(&body))
                .map_err(ApiError::bad_request)?;
            if let Some(c) = state.churn.get() {
                c.set(rate);
            }
            Ok(json_response(StatusCode::OK, &json!({"churn": rate})))
        }
        (Method::POST, "gone") => {
            state.inject_gone();
            Ok(json_response(StatusCode::OK, &json!({"gone": true})))
        }
        _ => Err(ApiError::path_not_found()),
    }
}

async fn read_body(req: Request) -> ApiResult<Bytes> {
    axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|_| ApiError::request_entity_too_large())
}

/// Decodes a request body as JSON or YAML per Content-Type.
fn decode_body(headers: &HeaderMap, body: &[u8]) -> ApiResult<Value> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let base = ct.split(';').next().unwrap_or_default().trim();
    let value: Value = match base {
        "application/json" | "" | "*/*" => serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!("the object provided is unrecognized: couldn't get version/kind; json parse error: {e}"))
        })?,
        "application/yaml" | "application/x-yaml" | "text/yaml" => {
            let text = std::str::from_utf8(body).map_err(|_| ApiError::bad_request("yaml body is not valid UTF-8"))?;
            serde_saphyr::from_str(text).map_err(|e| ApiError::bad_request(format!("error converting YAML to JSON: {e}")))?
        }
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
fn check_body_identity(res: &ResourceDef, ns: Option<&str>, body: &Value) -> ApiResult<()> {
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

fn selector_error(e: SelectorError) -> ApiError {
    ApiError::bad_request(e.to_string())
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

async fn resource(
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
        user,
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
    let dry_run = query.get("dryRun").is_some_and(|d| d == "All");
    let store = &state.store;
    let res = rp.res.clone();

    match (verb, rp.sub.as_deref(), rp.name.clone()) {
        ("list", None, None) => list(state, &rp, &query, shape),
        ("watch", None, name) => {
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
                    v.parse::<u64>().map_err(|_| {
                        ApiError::bad_request(format!("invalid resource version: {v}"))
                    })
                });
            let from = from.transpose()?;
            let wreq = WatchRequest {
                res: res.clone(),
                namespace: rp.namespace.clone(),
                labels,
                fields,
                shape,
                timeout: query
                    .int("timeoutSeconds")?
                    .filter(|t| *t > 0)
                    .map(|t| Duration::from_secs(t as u64)),
                bookmarks: query.flag("allowWatchBookmarks"),
                send_initial_events: query.flag("sendInitialEvents"),
            };
            let body = match store.watch(&res, rp.namespace.as_deref(), from) {
                Ok(start) => Body::from_stream(watch::stream(state.clone(), wreq, start)),
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
        ("get", None, Some(name)) => {
            let obj = store
                .get(&res, &ns, &name)
                .ok_or_else(|| ApiError::not_found(&res, &name))?;
            Ok(json_response(
                StatusCode::OK,
                &wire::object(&res, shape, &obj, store.resource_version()),
            ))
        }
        ("get", Some("status"), Some(name)) => {
            let obj = store
                .get(&res, &ns, &name)
                .ok_or_else(|| ApiError::not_found(&res, &name))?;
            Ok(json_response(
                StatusCode::OK,
                &wire::for_version(&res, &obj),
            ))
        }
        ("get", Some("scale"), Some(name)) => {
            let obj = store
                .get(&res, &ns, &name)
                .ok_or_else(|| ApiError::not_found(&res, &name))?;
            Ok(json_response(StatusCode::OK, &scale_of(&obj)))
        }
        ("get", Some("log"), Some(name)) => pod_api::logs(state, &ns, &name, &query),
        ("create", Some("exec" | "attach"), Some(name)) => {
            pod_api::exec(state, &ns, &name, &query, req).await
        }
        ("create", Some("portforward"), Some(name)) => {
            pod_api::portforward(state, &ns, &name, &query, req).await
        }
        ("create", Some("eviction"), Some(name)) => {
            let body = read_body(req).await?;
            pod_api::evict(state, &ns, &name, &body)
        }
        ("create", None, None) => {
            let headers = req.headers().clone();
            let body = read_body(req).await?;
            let mut obj = decode_body(&headers, &body)?;
            check_body_identity(&res, rp.namespace.as_deref(), &obj)?;
            if res.is("authorization.k8s.io", "selfsubjectaccessreviews") {
                return Ok(json_response(
                    StatusCode::CREATED,
                    &self_review(state, user, obj),
                ));
            }
            strategy::reset_status_for_create(&res, &mut obj);
            let created = store.create(&res, &ns, obj, dry_run)?;
            Ok(json_response(
                StatusCode::CREATED,
                &wire::object(&res, shape, &created, store.resource_version()),
            ))
        }
        ("update", sub @ (None | Some("status")), Some(name)) => {
            let headers = req.headers().clone();
            let body = read_body(req).await?;
            let obj = decode_body(&headers, &body)?;
            check_body_identity(&res, rp.namespace.as_deref(), &obj)?;
            let scope = if sub.is_some() {
                UpdateScope::Status
            } else {
                UpdateScope::Main
            };
            let updated = store.replace(&res, &ns, &name, obj, scope, dry_run)?;
            Ok(json_response(
                StatusCode::OK,
                &wire::object(&res, shape, &updated, store.resource_version()),
            ))
        }
        ("update" | "patch", Some("scale"), Some(name)) => {
            let headers = req.headers().clone();
            let body = read_body(req).await?;
            let updated = update_scale(state, &res, &ns, &name, verb, &headers, &body, dry_run)?;
            Ok(json_response(StatusCode::OK, &scale_of(&updated)))
        }
        ("patch", sub @ (None | Some("status")), Some(name)) => {
            let headers = req.headers().clone();
            let ct = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let kind = PatchKind::from_content_type(&ct)
                .ok_or_else(|| ApiError::unsupported_media_type(&ct))?;
            let body = read_body(req).await?;
            let patch_doc: Value = if kind == PatchKind::Apply {
                let text = std::str::from_utf8(&body)
                    .map_err(|_| ApiError::bad_request("body is not valid UTF-8"))?;
                serde_saphyr::from_str(text)
                    .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?
            } else {
                serde_json::from_slice(&body)
                    .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?
            };
            let scope = if sub.is_some() {
                UpdateScope::Status
            } else {
                UpdateScope::Main
            };
            if kind == PatchKind::Apply && store.get(&res, &ns, &name).is_none() {
                check_body_identity(&res, rp.namespace.as_deref(), &patch_doc)?;
                let created = store.create(&res, &ns, patch_doc, dry_run)?;
                return Ok(json_response(
                    StatusCode::CREATED,
                    &wire::object(&res, shape, &created, store.resource_version()),
                ));
            }
            let updated = store.update_with(&res, &ns, &name, scope, dry_run, |old| {
                let patched = patch::apply(old, &patch_doc, &kind).map_err(|e| match e {
                    patch::PatchError::Decode(m) => ApiError::bad_request(m),
                    patch::PatchError::Apply(m) => ApiError::new(422, "Invalid", m),
                })?;
                let want_rv = patched["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or_default();
                if !want_rv.is_empty()
                    && want_rv
                        != old["metadata"]["resourceVersion"]
                            .as_str()
                            .unwrap_or_default()
                {
                    return Err(ApiError::conflict(&res, &name));
                }
                Ok(patched)
            })?;
            Ok(json_response(
                StatusCode::OK,
                &wire::object(&res, shape, &updated, store.resource_version()),
            ))
        }
        ("delete", None, Some(name)) => {
            let opts = delete_options(&query, &read_body(req).await?)?;
            let deleted = store.delete(&res, &ns, &name, &opts)?;
            Ok(json_response(
                StatusCode::OK,
                &wire::for_version(&res, &deleted),
            ))
        }
        ("deletecollection", None, None) => {
            let opts = delete_options(&query, &read_body(req).await?)?;
            let labels = LabelSelector::parse(query.get("labelSelector").unwrap_or_default())
                .map_err(selector_error)?;
            let fields =
                FieldSelector::parse(query.get("fieldSelector").unwrap_or_default(), &res.key())
                    .map_err(selector_error)?;
            let key = res.key();
            let victims = store.list(&res, rp.namespace.as_deref(), |o| {
                labels.matches(o) && fields.matches(o, &key)
            });
            let mut deleted = vec![];
            for v in victims {
                let n = v["metadata"]["name"].as_str().unwrap_or_default();
                let vns = v["metadata"]["namespace"].as_str().unwrap_or_default();
                if let Ok(d) = store.delete(&res, vns, n, &opts) {
                    deleted.push(d);
                }
            }
            let meta = json!({"resourceVersion": store.resource_version().to_string()});
            Ok(bytes_response(
                StatusCode::OK,
                wire::list_bytes(&res, Shape::Full, &deleted, meta),
            ))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

fn list(
    state: &Arc<SimState>,
    rp: &ResourcePath,
    query: &Query,
    shape: Shape,
) -> ApiResult<Response> {
    use base64::Engine;
    let res = &rp.res;
    let key = res.key();
    let labels = LabelSelector::parse(query.get("labelSelector").unwrap_or_default())
        .map_err(selector_error)?;
    let fields = FieldSelector::parse(query.get("fieldSelector").unwrap_or_default(), &key)
        .map_err(selector_error)?;
    let limit = query.int("limit")?.filter(|l| *l > 0).map(|l| l as usize);
    let start_after = match query.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => {
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
            Some((ns.to_string(), name.to_string()))
        }
        None => None,
    };
    let page = state.store.list_page(
        res,
        rp.namespace.as_deref(),
        start_after.as_ref(),
        limit,
        |o| labels.matches(o) && fields.matches(o, &key),
    );
    let mut meta = json!({"resourceVersion": page.rv.to_string()});
    if let Some((ns, name)) = &page.next {
        let token = json!({"v": "meta.k8s.io/v1", "rv": page.rv, "start": format!("{ns}/{name}")});
        meta["continue"] =
            json!(base64::engine::general_purpose::STANDARD.encode(token.to_string()));
        meta["remainingItemCount"] = json!(page.remaining);
    }
    Ok(bytes_response(
        StatusCode::OK,
        wire::list_bytes(res, shape, &page.items, meta),
    ))
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

/// The `autoscaling/v1` Scale view of a workload.
fn scale_of(obj: &Value) -> Value {
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

#[allow(clippy::too_many_arguments)]
fn update_scale(
    state: &Arc<SimState>,
    res: &ResourceDef,
    ns: &str,
    name: &str,
    verb: &str,
    headers: &HeaderMap,
    body: &[u8],
    dry_run: bool,
) -> ApiResult<Arc<Value>> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    state
        .store
        .update_with(res, ns, name, UpdateScope::Main, dry_run, |old| {
            let current = scale_of(old);
            let desired = if verb == "patch" {
                let kind = PatchKind::from_content_type(&ct)
                    .ok_or_else(|| ApiError::unsupported_media_type(&ct))?;
                let doc: Value = serde_json::from_slice(body)
                    .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
                patch::apply(&current, &doc, &kind)
                    .map_err(|e| ApiError::bad_request(e.to_string()))?
            } else {
                serde_json::from_slice(body)
                    .map_err(|e| ApiError::bad_request(format!("error decoding Scale: {e}")))?
            };
            let want_rv = desired["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or_default();
            if !want_rv.is_empty()
                && want_rv
                    != old["metadata"]["resourceVersion"]
                        .as_str()
                        .unwrap_or_default()
            {
                return Err(ApiError::conflict(res, name));
            }
            let replicas = &desired["spec"]["replicas"];
            let mut new = old.clone();
            new["spec"]["replicas"] = match replicas.as_i64() {
                Some(n) if n >= 0 => json!(n),
                _ => {
                    return Err(ApiError::invalid(
                        res,
                        name,
                        vec![super::status::FieldError::invalid(
                            "spec.replicas",
                            replicas.to_string(),
                            "must be greater than or equal to 0",
                        )],
                    ));
                }
            };
            Ok(new)
        })
}

/// SelfSubjectAccessReview: may the caller do this? (`kubectl auth can-i`, tug's action gating.)
fn self_review(state: &Arc<SimState>, user: User, mut review: Value) -> Value {
    let ra = &review["spec"]["resourceAttributes"];
    let allowed = if ra.is_object() {
        let registry = state.store.registry();
        let group = ra["group"].as_str().unwrap_or_default();
        let resource = ra["resource"].as_str().unwrap_or_default();
        match registry.preferred(group, resource) {
            Some(def) => auth::allowed(
                user,
                &Attributes {
                    verb: ra["verb"].as_str().unwrap_or_default(),
                    res: &def,
                    sub: ra["subresource"].as_str().filter(|s| !s.is_empty()),
                    namespace: ra["namespace"].as_str().filter(|s| !s.is_empty()),
                    name: ra["name"].as_str().filter(|s| !s.is_empty()),
                },
            ),
            None => user == User::Admin,
        }
    } else {
        user != User::Anonymous
    };
    review["apiVersion"] = json!("authorization.k8s.io/v1");
    review["kind"] = json!("SelfSubjectAccessReview");
    review["metadata"] = json!({"creationTimestamp": null});
    review["status"] = if allowed {
        json!({"allowed": true, "reason": "RBAC: allowed by the sim's role for this user"})
    } else {
        json!({"allowed": false})
    };
    review
}
