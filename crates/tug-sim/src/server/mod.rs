//! The sim's HTTP front: the state every handler shares (store, faults, gauges, the request log), query
//! parameters, JSON responses, and the single entry point — authentication, fault injection, then discovery,
//! OpenAPI, `/_sim` controls or the REST verbs (`rest`). Pod subresources (log, exec, eviction) live in `pod_api`.

mod body;
mod rest;
mod routing;
mod scale;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::auth::{self, User};
use super::discovery;
use super::faults::{FaultSpec, Faults, Injected};
use super::openapi;
use super::status::{ApiError, ApiResult};
use super::store::Store;
use body::read_body;
use routing::{Route, route};

pub use routing::ResourcePath;

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
    pub user: String,
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
    /// Each container's written files (`kubectl cp`, `> file`), by pod uid and container name.
    pub overlays: Mutex<std::collections::HashMap<String, crate::shell::SharedOverlay>>,
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
            overlays: Mutex::new(std::collections::HashMap::new()),
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

/// Runs a long synchronous answer (every pod's metrics, a list without `limit`: seconds of CPU at 100,000 pods)
/// off the async workers. On the multi-thread runtime the worker hands its queue to another thread while the
/// job runs; without that, a PATCH arriving meanwhile waited for the whole job (2.4 s behind a PodMetrics list
/// at 100,000 pods), which a real API server, with metrics-server in another process, never does. A
/// current-thread runtime (a `#[tokio::test]` sim) has no other worker: the job just runs.
pub fn off_the_workers<T>(job: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(job),
        _ => job(),
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

/// The single entry point: every request goes through here.
pub async fn handle(State(state): State<Arc<SimState>>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or_default().to_string();
    let mut verb = String::new();
    let who = auth::authenticate(req.headers())
        .and_then(|caller| auth::impersonate(&state.store, caller, req.headers()));
    let (user, resp) = match who {
        Err(e) => (User::anonymous(), e.into_response()),
        Ok(user) => {
            let resp = serve(&state, user.clone(), req, &mut verb)
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
            user: user.name().to_string(),
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
    if !matches!(route, Route::Resource(_)) {
        let verb = req.method().as_str().to_ascii_lowercase();
        auth::authorize_path(&state.store, &user, &verb, req.uri().path())?;
    }
    let aggregated = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(discovery::wants_aggregated);
    Ok(match route {
        Route::CoreVersions | Route::Groups if aggregated => {
            let doc = discovery::aggregated(&registry, matches!(route, Route::CoreVersions));
            let mut resp = json_response(StatusCode::OK, &doc);
            let headers = resp.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(discovery::AGGREGATED),
            );
            headers.insert(header::VARY, HeaderValue::from_static("Accept"));
            resp
        }
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
        Route::OpenApiV2 if !accepts_json(&req) => {
            // kubectl's v2 reader asks for the protobuf form only, which the sim does not encode.
            return Err(ApiError::new(
                406,
                "NotAcceptable",
                "only the following media types are accepted: application/json",
            ));
        }
        Route::OpenApiV2 => json_response(StatusCode::OK, &openapi::swagger_v2(&registry)),
        Route::OpenApi(g, v) => json_response(
            StatusCode::OK,
            &openapi::group_version(&registry, &g, &v).ok_or_else(ApiError::path_not_found)?,
        ),
        Route::Resource(rp) => rest::resource(state, user, rp, req, verb).await?,
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

/// Whether the request's Accept allows JSON (no Accept does).
fn accepts_json(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|a| {
            a.split(',').any(|m| {
                let m = m.split(';').next().unwrap_or_default().trim();
                matches!(m, "application/json" | "*/*" | "application/*" | "")
            })
        })
}
