//! Pod subresources over HTTP: `log` (streamed), `exec`/`attach` (WebSocket upgrade), `eviction` (PDB-aware).
//! Validation and messages follow the real API server and kubelet.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};

use super::exec::{self, ExecSession};
use super::logs::{self, LogOptions, LogSource};
use super::selectors::LabelSelector;
use super::server::{Counter, Query, SimState, json_response};
use super::status::{ApiError, ApiResult, FieldError};
use super::store::DeleteOptions;

fn pods(state: &SimState) -> ApiResult<Arc<super::resources::ResourceDef>> {
    state
        .store
        .registry()
        .preferred("", "pods")
        .ok_or_else(|| ApiError::internal("pods are not registered"))
}

fn get_pod(state: &SimState, ns: &str, name: &str) -> ApiResult<Arc<Value>> {
    let res = pods(state)?;
    state
        .store
        .get(&res, ns, name)
        .ok_or_else(|| ApiError::not_found(&res, name))
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

/// The container a request means: the named one, the pod's default-container annotation, or the only one.
fn pick_container(pod: &Value, name: &str, requested: Option<&str>) -> ApiResult<Value> {
    let spec = &pod["spec"];
    let all = || {
        spec["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(spec["initContainers"].as_array().into_iter().flatten())
            .chain(spec["ephemeralContainers"].as_array().into_iter().flatten())
    };
    let wanted = requested
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .or_else(|| {
            pod["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"]
                .as_str()
                .map(str::to_string)
        });
    match wanted {
        Some(c) => all()
            .find(|x| x["name"].as_str() == Some(&c))
            .cloned()
            .ok_or_else(|| {
                ApiError::bad_request(format!("container {c} is not valid for pod {name}"))
            }),
        None => {
            let containers = names(&spec["containers"]);
            if containers.len() == 1 {
                Ok(spec["containers"][0].clone())
            } else {
                let mut msg = format!(
                    "a container name must be specified for pod {name}, choose one of: [{}]",
                    containers.join(" ")
                );
                let init = names(&spec["initContainers"]);
                if !init.is_empty() {
                    msg.push_str(&format!(
                        " or one of the init containers: [{}]",
                        init.join(" ")
                    ));
                }
                Err(ApiError::bad_request(msg))
            }
        }
    }
}

fn container_status(pod: &Value, container: &str) -> Option<Value> {
    [
        "containerStatuses",
        "initContainerStatuses",
        "ephemeralContainerStatuses",
    ]
    .iter()
    .flat_map(|k| pod["status"][*k].as_array().into_iter().flatten())
    .find(|s| s["name"].as_str() == Some(container))
    .cloned()
}

fn ts(v: &Value) -> Option<jiff::Timestamp> {
    v.as_str().and_then(|s| s.parse().ok())
}

fn waiting_reason(status: Option<&Value>) -> String {
    status
        .and_then(|s| s["state"]["waiting"]["reason"].as_str())
        .unwrap_or("ContainerCreating")
        .to_string()
}

/// `GET pods/{name}/log`.
pub fn logs(state: &Arc<SimState>, ns: &str, name: &str, q: &Query) -> ApiResult<Response> {
    let pod = get_pod(state, ns, name)?;
    let container = pick_container(&pod, name, q.get("container"))?;
    let cname = container["name"].as_str().unwrap_or_default().to_string();
    let image = container["image"].as_str().unwrap_or_default().to_string();
    let status = container_status(&pod, &cname);
    let restarts = status
        .as_ref()
        .and_then(|s| s["restartCount"].as_u64())
        .unwrap_or(0) as u32;
    let last = status
        .as_ref()
        .map(|s| s["lastState"]["terminated"].clone())
        .filter(Value::is_object);
    let state_now = status
        .as_ref()
        .map(|s| s["state"].clone())
        .unwrap_or(Value::Null);
    let (instance, start, end) = if q.flag("previous") {
        let t = last.ok_or_else(|| {
            ApiError::bad_request(format!(
                "previous terminated container \"{cname}\" in pod \"{name}\" not found"
            ))
        })?;
        (
            restarts.saturating_sub(1),
            ts(&t["startedAt"]),
            ts(&t["finishedAt"]),
        )
    } else if state_now["running"].is_object() {
        (restarts, ts(&state_now["running"]["startedAt"]), None)
    } else if state_now["terminated"].is_object() {
        (
            restarts,
            ts(&state_now["terminated"]["startedAt"]),
            ts(&state_now["terminated"]["finishedAt"]),
        )
    } else if let Some(t) = last {
        // Crash-looping: the kubelet still has the last exited container, and serves its logs.
        (
            restarts.saturating_sub(1),
            ts(&t["startedAt"]),
            ts(&t["finishedAt"]),
        )
    } else {
        return Err(ApiError::bad_request(format!(
            "container \"{cname}\" in pod \"{name}\" is waiting to start: {}",
            waiting_reason(status.as_ref())
        )));
    };
    let start = start.unwrap_or_else(jiff::Timestamp::now);
    let source = LogSource::new(state.seed, ns, name, &cname, &image, instance, start, end);
    let opts = LogOptions {
        follow: q.flag("follow"),
        tail_lines: q.int("tailLines")?,
        since_seconds: q.int("sinceSeconds")?,
        since_time: q.get("sinceTime").and_then(|t| t.parse().ok()),
        timestamps: q.flag("timestamps"),
        limit_bytes: q.int("limitBytes")?,
    };
    let uid = pod["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (store, ns_owned, name_owned) = (state.store.clone(), ns.to_string(), name.to_string());
    let res = pods(state)?;
    let alive: Arc<dyn Fn() -> bool + Send + Sync> = Arc::new(move || {
        store
            .get(&res, &ns_owned, &name_owned)
            .is_some_and(|p| p["metadata"]["uid"].as_str() == Some(uid.as_str()))
    });
    let counter = Counter::new(state.clone(), |s| &s.stats.open_log_streams);
    let body = logs::log_stream(source, opts, alive).map(move |chunk| {
        // The counter lives as long as the stream: dropped when the client goes away.
        let _ = &counter;
        Ok::<_, std::convert::Infallible>(chunk)
    });
    let mut resp = (StatusCode::OK, Body::from_stream(body)).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    Ok(resp)
}

/// `pods/{name}/exec` and `attach`: a WebSocket upgrade into the built-in shell.
pub async fn exec(
    state: &Arc<SimState>,
    ns: &str,
    name: &str,
    q: &Query,
    req: Request,
) -> ApiResult<Response> {
    let pod = get_pod(state, ns, name)?;
    let container = pick_container(&pod, name, q.get("container"))?;
    let cname = container["name"].as_str().unwrap_or_default().to_string();
    let phase = pod["status"]["phase"].as_str().unwrap_or_default();
    if phase == "Succeeded" || phase == "Failed" {
        return Err(ApiError::bad_request(format!(
            "cannot exec into a container in a completed pod; current phase is {phase}"
        )));
    }
    let running = container_status(&pod, &cname).is_some_and(|s| s["state"]["running"].is_object());
    if !running {
        return Err(ApiError::bad_request(format!(
            "unable to upgrade connection: container not found (\"{cname}\")"
        )));
    }
    let mut command = q.all("command");
    if command.is_empty() {
        if req.uri().path().ends_with("/attach") {
            command = vec!["sh".into()];
        } else {
            return Err(ApiError::bad_request("you must specify at least 1 command"));
        }
    }
    let (mut parts, _body) = req.into_parts();
    let upgrade = WebSocketUpgrade::from_request_parts(&mut parts, &())
        .await
        .map_err(|e| ApiError::bad_request(format!("Upgrade request required: {e}")))?;
    let env: Vec<(String, String)> = container["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            Some((
                e["name"].as_str()?.to_string(),
                e["value"].as_str().unwrap_or_default().to_string(),
            ))
        })
        .collect();
    let key = format!(
        "{}/{cname}",
        pod["metadata"]["uid"].as_str().unwrap_or(name)
    );
    let files = match state.overlays.lock() {
        Ok(mut o) => o.entry(key).or_default().clone(),
        Err(_) => Default::default(),
    };
    let session = ExecSession {
        files,
        namespace: ns.to_string(),
        pod: name.to_string(),
        container: cname,
        image: container["image"].as_str().unwrap_or_default().to_string(),
        hostname: pod["spec"]["hostname"].as_str().unwrap_or(name).to_string(),
        env,
        command,
        stdin: q.flag("stdin"),
        stdout: q.get("stdout").is_none_or(|v| v == "true" || v == "1"),
        stderr: q.flag("stderr"),
        tty: q.flag("tty"),
    };
    let upgrade = upgrade.protocols(exec::EXEC_PROTOCOLS.iter().copied());
    let protocol = upgrade
        .selected_protocol()
        .and_then(|p| p.to_str().ok())
        .map(str::to_string);
    let state = state.clone();
    Ok(upgrade.on_upgrade(move |socket| async move {
        let stop = state.shutdown.clone();
        let _live = Counter::new(state, |s| &s.stats.exec_sessions);
        // A stopped server drops its sessions (upgraded connections outlive the HTTP server otherwise).
        tokio::select! {
            _ = stop.cancelled() => {}
            _ = exec::serve_exec(socket, protocol, session) => {}
        }
    }))
}

/// `pods/{name}/portforward`: a WebSocket upgrade into per-port responders (HTTP, or Redis on 6379).
/// kubectl's port-forward over WebSocket: SPDY streams tunnelled in binary messages.
const SPDY_WS_PROTOCOL: &str = "SPDY/3.1+portforward.k8s.io";

/// `pods/portforward`: SPDY (kubectl: tunnelled in WebSocket, or a POST upgrade; ports in each stream's
/// headers) or WebSocket channels (kube-rs: ports in `?ports=`).
pub async fn portforward(
    state: &Arc<SimState>,
    ns: &str,
    name: &str,
    q: &Query,
    req: Request,
) -> ApiResult<Response> {
    let pod = get_pod(state, ns, name)?;
    if pod["status"]["phase"].as_str() != Some("Running") {
        return Err(ApiError::bad_request(format!(
            "pod {name} is not running and cannot be port-forwarded"
        )));
    }
    let image = pod["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (spdy_over_ws, spdy_upgrade) = {
        let header = |h: &str| {
            req.headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        (
            header("sec-websocket-protocol")
                .split(',')
                .any(|p| p.trim() == SPDY_WS_PROTOCOL.to_ascii_lowercase()),
            header("upgrade").starts_with("spdy/3.1"),
        )
    };
    if spdy_over_ws || spdy_upgrade {
        let declared: Vec<u16> = pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["ports"].as_array().into_iter().flatten())
            .filter_map(|p| p["containerPort"].as_u64())
            .filter_map(|p| u16::try_from(p).ok())
            .collect();
        let target = super::portforward::Target {
            pod: name.to_string(),
            uid: pod["metadata"]["uid"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            image,
            open_ports: (!declared.is_empty()).then_some(declared),
        };
        if spdy_upgrade {
            // The POST upgrade kubectl falls back to: 101, then SPDY on the connection itself.
            let mut req = req;
            let on_upgrade = hyper::upgrade::on(&mut req);
            tokio::spawn(async move {
                if let Ok(io) = on_upgrade.await {
                    let tunnel =
                        super::portforward::Tunnel::Upgraded(hyper_util::rt::TokioIo::new(io));
                    super::portforward::serve_spdy(tunnel, target).await;
                }
            });
            let mut resp = StatusCode::SWITCHING_PROTOCOLS.into_response();
            let h = resp.headers_mut();
            h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
            h.insert(header::UPGRADE, HeaderValue::from_static("SPDY/3.1"));
            h.insert(
                "X-Stream-Protocol-Version",
                HeaderValue::from_static("portforward.k8s.io"),
            );
            return Ok(resp);
        }
        let (mut parts, _body) = req.into_parts();
        let upgrade = WebSocketUpgrade::from_request_parts(&mut parts, &())
            .await
            .map_err(|e| ApiError::bad_request(format!("Upgrade request required: {e}")))?
            .protocols([SPDY_WS_PROTOCOL]);
        return Ok(upgrade.on_upgrade(move |socket| {
            super::portforward::serve_spdy(
                super::portforward::Tunnel::WebSocket(Box::new(socket)),
                target,
            )
        }));
    }
    let mut ports = Vec::new();
    for p in q.all("ports").iter().flat_map(|v| v.split(',')) {
        let port = p
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| ApiError::bad_request(format!("invalid port {p:?}")))?;
        ports.push(port);
    }
    if ports.is_empty() {
        return Err(ApiError::bad_request("at least one port must be specified"));
    }
    let (mut parts, _body) = req.into_parts();
    let upgrade = WebSocketUpgrade::from_request_parts(&mut parts, &())
        .await
        .map_err(|e| ApiError::bad_request(format!("Upgrade request required: {e}")))?
        .protocols(exec::EXEC_PROTOCOLS.iter().copied());
    let pod_name = name.to_string();
    Ok(upgrade.on_upgrade(move |socket| {
        super::portforward::serve_portforward(socket, ports, pod_name, image)
    }))
}

/// Pods healthy (Ready) among those a PDB selects.
fn pdb_allows(state: &SimState, ns: &str, pod: &Value) -> ApiResult<Option<String>> {
    let registry = state.store.registry();
    let (Some(pdbs), Some(pods)) = (
        registry.preferred("policy", "poddisruptionbudgets"),
        registry.preferred("", "pods"),
    ) else {
        return Ok(None);
    };
    for pdb in state.store.list(&pdbs, Some(ns), |_| true) {
        let sel = LabelSelector::from_spec(&pdb["spec"]["selector"]);
        if !sel.matches(pod) {
            continue;
        }
        let members = state.store.list(&pods, Some(ns), |p| {
            sel.matches(p) && p["metadata"]["deletionTimestamp"].is_null()
        });
        let ready = |p: &Value| {
            p["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        };
        let healthy = members.iter().filter(|p| ready(p)).count() as i64;
        let total = members.len() as i64;
        let resolve = |v: &Value| -> i64 {
            match v {
                Value::Number(n) => n.as_i64().unwrap_or(0),
                Value::String(s) => s
                    .strip_suffix('%')
                    .and_then(|p| p.parse::<i64>().ok())
                    .map(|p| (p * total + 99) / 100)
                    .unwrap_or(0),
                _ => 0,
            }
        };
        let desired = if !pdb["spec"]["minAvailable"].is_null() {
            resolve(&pdb["spec"]["minAvailable"])
        } else if !pdb["spec"]["maxUnavailable"].is_null() {
            total - resolve(&pdb["spec"]["maxUnavailable"])
        } else {
            0
        };
        if healthy - 1 < desired {
            let pname = pdb["metadata"]["name"].as_str().unwrap_or_default();
            return Ok(Some(format!(
                "The disruption budget {pname} needs {desired} healthy pods and has {healthy} currently"
            )));
        }
    }
    Ok(None)
}

/// `POST pods/{name}/eviction`: deletes the pod unless a PodDisruptionBudget forbids it (429).
pub fn evict(state: &Arc<SimState>, ns: &str, name: &str, body: &[u8]) -> ApiResult<Response> {
    let pod = get_pod(state, ns, name)?;
    let eviction: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if let Some(cause) = pdb_allows(state, ns, &pod)? {
        let mut err = ApiError::new(
            429,
            "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.",
        );
        err.details = Some(json!({"causes": [{"reason": "DisruptionBudget", "message": cause}]}));
        return Err(err);
    }
    let opts = DeleteOptions {
        grace_period_seconds: eviction["deleteOptions"]["gracePeriodSeconds"].as_i64(),
        dry_run: eviction["deleteOptions"]["dryRun"]
            .as_array()
            .is_some_and(|d| !d.is_empty()),
        ..Default::default()
    };
    let res = pods(state)?;
    state.store.delete(&res, ns, name, &opts)?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    ))
}

/// `pods/{name}/ephemeralcontainers` (PATCH or PUT of the Pod): of the candidate pod only
/// `spec.ephemeralContainers` counts, and only additions are allowed, as the apiserver's strategy has it. The
/// kubelet's part happens at once: each new container starts running (in `ephemeralContainerStatuses`), so
/// `kubectl debug` attaches to it straight away and exec reaches it.
pub fn with_ephemeral(
    res: &super::resources::ResourceDef,
    old: &Value,
    candidate: &Value,
) -> ApiResult<Value> {
    let name = old["metadata"]["name"].as_str().unwrap_or_default();
    let list = |v: &Value| -> Vec<Value> {
        v["spec"]["ephemeralContainers"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let (before, after) = (list(old), list(candidate));
    let mut errs = vec![];
    for c in &before {
        let cname = c["name"].as_str().unwrap_or_default();
        match after.iter().find(|n| n["name"] == c["name"]) {
            Some(n) if strip_defaults(n) == strip_defaults(c) => {}
            Some(_) => errs.push(FieldError::forbidden(
                "spec.ephemeralContainers",
                format!("existing ephemeral containers \"{cname}\" may not be changed"),
            )),
            None => errs.push(FieldError::forbidden(
                "spec.ephemeralContainers",
                format!("existing ephemeral containers \"{cname}\" may not be removed"),
            )),
        }
    }
    let taken: Vec<String> = names(&old["spec"]["containers"])
        .into_iter()
        .chain(names(&old["spec"]["initContainers"]))
        .collect();
    let mut added = vec![];
    for (i, c) in after.iter().enumerate() {
        if before.iter().any(|b| b["name"] == c["name"]) {
            continue;
        }
        let path = format!("spec.ephemeralContainers[{i}]");
        let cname = c["name"].as_str().unwrap_or_default();
        if cname.is_empty() {
            errs.push(FieldError::required(&format!("{path}.name"), ""));
        } else if taken.iter().any(|t| t == cname)
            || after.iter().filter(|o| o["name"] == c["name"]).count() > 1
        {
            errs.push(FieldError {
                reason: "FieldValueDuplicate",
                field: format!("{path}.name"),
                value: Some(format!("{cname:?}")),
                detail: String::new(),
            });
        }
        if c["image"].as_str().is_none_or(str::is_empty) {
            errs.push(FieldError::required(&format!("{path}.image"), ""));
        }
        for forbidden in [
            "ports",
            "livenessProbe",
            "readinessProbe",
            "startupProbe",
            "lifecycle",
        ] {
            if !c[forbidden].is_null() {
                errs.push(FieldError::forbidden(
                    &format!("{path}.{forbidden}"),
                    "cannot be set for an Ephemeral Container",
                ));
            }
        }
        if let Some(target) = c["targetContainerName"].as_str()
            && !names(&old["spec"]["containers"])
                .iter()
                .any(|t| t == target)
        {
            errs.push(FieldError {
                reason: "FieldValueNotFound",
                field: format!("{path}.targetContainerName"),
                value: Some(format!("{target:?}")),
                detail: "must reference a container in the pod".into(),
            });
        }
        added.push(c.clone());
    }
    if !errs.is_empty() {
        return Err(ApiError::invalid(res, name, errs));
    }
    let mut pod = old.clone();
    let mut all = before;
    let now = crate::store::now_rfc3339();
    let mut statuses = pod["status"]["ephemeralContainerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for mut c in added {
        let image = c["image"].as_str().unwrap_or_default().to_string();
        let defaults = [
            ("terminationMessagePath", json!("/dev/termination-log")),
            ("terminationMessagePolicy", json!("File")),
            (
                "imagePullPolicy",
                json!(if image.ends_with(":latest") || !image.contains(':') {
                    "Always"
                } else {
                    "IfNotPresent"
                }),
            ),
            ("resources", json!({})),
        ];
        if let Some(m) = c.as_object_mut() {
            for (k, v) in defaults {
                m.entry(k).or_insert(v);
            }
        }
        let cname = c["name"].as_str().unwrap_or_default().to_string();
        let full_image = if image.contains('/') {
            image.clone()
        } else {
            format!("docker.io/library/{image}")
        };
        statuses.push(json!({
            "name": cname,
            "image": full_image,
            "imageID": crate::controllers::kubelet::image_id(&image),
            "containerID": crate::controllers::kubelet::container_id(old, &cname, 0),
            "ready": false,
            "restartCount": 0,
            "state": {"running": {"startedAt": now}},
            "lastState": {},
        }));
        all.push(c);
    }
    pod["spec"]["ephemeralContainers"] = Value::Array(all);
    pod["status"]["ephemeralContainerStatuses"] = Value::Array(statuses);
    crate::store::check_resource_version(res, name, candidate, old)?;
    Ok(pod)
}

/// A container as the client may send it back: without the defaults the server filled in.
fn strip_defaults(c: &Value) -> Value {
    let mut c = c.clone();
    if let Some(m) = c.as_object_mut() {
        for k in [
            "terminationMessagePath",
            "terminationMessagePolicy",
            "imagePullPolicy",
            "resources",
        ] {
            m.remove(k);
        }
    }
    c
}
