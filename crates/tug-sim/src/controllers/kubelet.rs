//! The kubelets: pods bound to a node go ContainerCreating → Running; scenario pods crash-loop or complete;
//! terminating pods go away after their (shortened) grace period. State lives in the pod's status timestamps,
//! so there is no hidden state to lose.
//!
//! Scenarios, by pod annotation `sim.tug.dev/scenario`: `crashloop` (the first container exits 1 after a few
//! seconds, then backs off), `oomkill` (the same, killed for memory: `OOMKilled`, exit code 137), `complete`
//! (exits 0 after `sim.tug.dev/run-seconds`, default 3), `fail` (exits 1 and stays failed). Pods owned by a Job
//! complete unless told to fail. An image the sim's registry does not hold ([`unpullable`]) never starts:
//! `ErrImagePull`, then `ImagePullBackOff`, and the pod stays Pending.

use serde_json::{Value, json};

use super::scheduler::set_condition;
use super::{Ctx, fnv1a, int, is_deleting, name, namespace, parse_time, since};

pub const SCENARIO: &str = "sim.tug.dev/scenario";
pub const RUN_SECONDS: &str = "sim.tug.dev/run-seconds";
/// How long a crash-looping container runs before it exits.
const CRASH_AFTER_SECS: i64 = 3;
/// Real kubelets wait up to the grace period (30 s by default); the sim caps it so demos and tests move.
const MAX_GRACE_SECS: i64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Serve,
    CrashLoop,
    OomKill,
    Complete,
    Fail,
}

/// A pod whose containers follow a script (crash loop, completion, failure) rather than serve forever.
pub fn scripted(pod: &Value) -> bool {
    scenario(pod) != Scenario::Serve
}

fn scenario(pod: &Value) -> Scenario {
    match pod["metadata"]["annotations"][SCENARIO].as_str() {
        Some("crashloop") => Scenario::CrashLoop,
        Some("oomkill") => Scenario::OomKill,
        Some("complete") => Scenario::Complete,
        Some("fail") => Scenario::Fail,
        _ if owned_by_job(pod) => Scenario::Complete,
        _ => Scenario::Serve,
    }
}

fn owned_by_job(pod: &Value) -> bool {
    pod["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|r| r["kind"] == "Job")
}

pub fn reconcile(ctx: &mut Ctx) {
    // Steady serving pods need nothing: only the pods needing attention are read (10,000 load pods must cost
    // nothing per pass).
    let pods = ctx.pods_in(super::POD_ATTENTION, super::YES, |p| {
        p["spec"]["nodeName"].is_string()
            && (is_deleting(p)
                || p["status"]["phase"] == "Pending"
                || (p["status"]["phase"] == "Running" && scenario(p) != Scenario::Serve))
    });
    for pod in pods {
        step(ctx, &pod);
    }
}

fn step(ctx: &mut Ctx, pod: &Value) {
    let res = ctx.kinds.pods.clone();
    if is_deleting(pod) {
        let grace = int(&pod["metadata"]["deletionGracePeriodSeconds"]);
        let requested = since(ctx, &pod["metadata"]["deletionTimestamp"]).unwrap_or(0) + grace;
        if ctx.is_virtual() || requested >= grace.min(MAX_GRACE_SECS) {
            ctx.remove(&res, pod);
        }
        return;
    }
    let now = ctx.now_str();
    let node = pod["spec"]["nodeName"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if pod["status"]["startTime"].is_null() {
        let host_ip = node_ip(ctx, &node);
        let images: Vec<String> = containers(pod)
            .map(|c| c["image"].as_str().unwrap_or_default().to_string())
            .collect();
        let names: Vec<String> = containers(pod)
            .map(|c| c["name"].as_str().unwrap_or_default().to_string())
            .collect();
        let started = ctx.update(&res, pod, |p| {
            p["status"]["phase"] = json!("Pending");
            p["status"]["startTime"] = json!(now);
            p["status"]["hostIP"] = json!(host_ip);
            p["status"]["hostIPs"] = json!([{"ip": host_ip}]);
            set_condition(p, "PodReadyToStartContainers", "False", None, None, &now);
            set_condition(p, "Initialized", "True", None, None, &now);
            let unready = format!("containers with unready status: [{}]", names.join(" "));
            set_condition(
                p,
                "Ready",
                "False",
                Some("ContainersNotReady"),
                Some(&unready),
                &now,
            );
            set_condition(
                p,
                "ContainersReady",
                "False",
                Some("ContainersNotReady"),
                Some(&unready),
                &now,
            );
            set_condition(p, "PodScheduled", "True", None, None, &now);
            let statuses: Vec<Value> = names
                .iter()
                .zip(&images)
                .map(|(n, i)| {
                    json!({"name": n, "image": i, "imageID": "", "ready": false, "restartCount": 0,
                           "started": false, "state": {"waiting": {"reason": "ContainerCreating"}},
                           "lastState": {}})
                })
                .collect();
            p["status"]["containerStatuses"] = json!(statuses);
        });
        if let Ok(p) = started {
            for image in images {
                ctx.event(
                    &p,
                    "Normal",
                    "Pulling",
                    &format!("kubelet/{node}"),
                    format!("Pulling image \"{image}\""),
                );
            }
        }
        return;
    }
    let statuses = pod["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let creating = statuses
        .iter()
        .any(|s| s["state"]["waiting"]["reason"] == "ContainerCreating");
    if (creating || pull_failing(&statuses))
        && let Some(image) = containers(pod)
            .filter_map(|c| c["image"].as_str())
            .find(|i| unpullable(i))
    {
        let image = image.to_string();
        image_pull_failed(ctx, pod, &node, &image);
        return;
    }
    if creating {
        if ctx.is_virtual() || since(ctx, &pod["status"]["startTime"]).unwrap_or(0) >= 1 {
            start_containers(ctx, pod, &node, &now);
        }
        return;
    }
    match scenario(pod) {
        Scenario::Serve => {}
        Scenario::CrashLoop => crash_loop(ctx, pod, &node, &now, (1, "Error")),
        Scenario::OomKill => crash_loop(ctx, pod, &node, &now, (137, "OOMKilled")),
        Scenario::Complete | Scenario::Fail => {
            let run = pod["metadata"]["annotations"][RUN_SECONDS]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(3);
            let ran = statuses
                .first()
                .and_then(|s| since(ctx, &s["state"]["running"]["startedAt"]))
                .unwrap_or(0);
            if ran >= run {
                finish(ctx, pod, scenario(pod) == Scenario::Complete, &now);
            }
        }
    }
}

fn containers(pod: &Value) -> impl Iterator<Item = &Value> {
    pod["spec"]["containers"].as_array().into_iter().flatten()
}

fn node_ip(ctx: &Ctx, node: &str) -> String {
    ctx.store
        .get(&ctx.kinds.nodes, "", node)
        .and_then(|n| {
            n["status"]["addresses"]
                .as_array()?
                .iter()
                .find(|a| a["type"] == "InternalIP")
                .and_then(|a| a["address"].as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "10.0.0.10".to_string())
}

/// A stable pod IP in the cluster's pod CIDR, derived from the pod's uid and node.
fn pod_ip(pod: &Value, node: &str) -> String {
    let h = fnv1a(
        pod["metadata"]["uid"]
            .as_str()
            .unwrap_or_default()
            .as_bytes(),
    );
    let subnet = node.bytes().last().map(|b| b % 10).unwrap_or(0);
    format!("10.244.{}.{}", subnet, 2 + h % 250)
}

pub(crate) fn container_id(pod: &Value, cname: &str, restarts: i64) -> String {
    let h = fnv1a(
        format!(
            "{}/{cname}/{restarts}",
            pod["metadata"]["uid"].as_str().unwrap_or_default()
        )
        .as_bytes(),
    );
    format!(
        "containerd://{h:016x}{:016x}{h:016x}{:016x}",
        h.rotate_left(17),
        h.rotate_left(31)
    )
}

pub(crate) fn image_id(image: &str) -> String {
    let h = fnv1a(image.as_bytes());
    let repo = image.split(':').next().unwrap_or(image);
    format!(
        "docker.io/library/{repo}@sha256:{h:016x}{:016x}{:016x}{:016x}",
        h.rotate_left(7),
        h.rotate_left(19),
        h.rotate_left(43)
    )
}

fn start_containers(ctx: &mut Ctx, pod: &Value, node: &str, now: &str) {
    let res = ctx.kinds.pods.clone();
    let ip = pod_ip(pod, node);
    let specs: Vec<(String, String)> = containers(pod)
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_string(),
                c["image"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let pod_clone = pod.clone();
    let running = ctx.update(&res, pod, |p| {
        p["status"]["phase"] = json!("Running");
        p["status"]["podIP"] = json!(ip);
        p["status"]["podIPs"] = json!([{"ip": ip}]);
        let statuses: Vec<Value> = specs
            .iter()
            .map(|(n, i)| {
                json!({"name": n, "image": i, "imageID": image_id(i), "containerID": container_id(&pod_clone, n, 0),
                       "ready": true, "restartCount": 0, "started": true,
                       "state": {"running": {"startedAt": now}}, "lastState": {}})
            })
            .collect();
        p["status"]["containerStatuses"] = json!(statuses);
        set_condition(p, "PodReadyToStartContainers", "True", None, None, now);
        set_condition(p, "Ready", "True", None, None, now);
        set_condition(p, "ContainersReady", "True", None, None, now);
    });
    if let Ok(p) = running {
        let component = format!("kubelet/{node}");
        for (n, i) in &specs {
            let size = 20_000_000 + fnv1a(i.as_bytes()) % 80_000_000;
            ctx.event(&p, "Normal", "Pulled", &component, format!(
                "Successfully pulled image \"{i}\" in 1.2s (1.2s including waiting). Image size: {size} bytes."
            ));
            ctx.event(
                &p,
                "Normal",
                "Created",
                &component,
                format!("Created container: {n}"),
            );
            ctx.event(
                &p,
                "Normal",
                "Started",
                &component,
                format!("Started container {n}"),
            );
        }
    }
}

/// Image references the sim's registry does not hold: hosts under the reserved `.invalid` domain and the tags
/// the demo world pretends were never pushed.
const UNPUBLISHED_IMAGES: &[&str] = &["ghcr.io/tug-demo/checkout:3.2.0"];

pub fn unpullable(image: &str) -> bool {
    let host = image.split('/').next().unwrap_or_default();
    (image.contains('/') && host.ends_with(".invalid")) || UNPUBLISHED_IMAGES.contains(&image)
}

fn pull_failing(statuses: &[Value]) -> bool {
    statuses.iter().any(|s| {
        matches!(
            s["state"]["waiting"]["reason"].as_str(),
            Some("ErrImagePull" | "ImagePullBackOff")
        )
    })
}

/// The first attempt fails (`ErrImagePull`), the next ones back off (`ImagePullBackOff`); both are written
/// once, so a stuck pull costs no write per pass.
fn image_pull_failed(ctx: &mut Ctx, pod: &Value, node: &str, image: &str) {
    let res = ctx.kinds.pods.clone();
    let backing_off = pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|s| s["state"]["waiting"]["reason"] == "ImagePullBackOff");
    if backing_off {
        return;
    }
    let first = !pull_failing(
        pod["status"]["containerStatuses"]
            .as_array()
            .map_or(&[], |v| v),
    );
    let (reason, message) = if first {
        (
            "ErrImagePull",
            format!(
                "failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": {image}: not found"
            ),
        )
    } else {
        (
            "ImagePullBackOff",
            format!("Back-off pulling image \"{image}\""),
        )
    };
    let updated = ctx.update(&res, pod, |p| {
        if let Some(statuses) = p["status"]["containerStatuses"].as_array_mut() {
            for s in statuses.iter_mut().filter(|s| s["image"] == image) {
                s["state"] = json!({"waiting": {"reason": reason, "message": message}});
            }
        }
    });
    let Ok(p) = updated else { return };
    let component = format!("kubelet/{node}");
    if first {
        ctx.event(&p, "Warning", "Failed", &component, format!(
            "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": {image}: not found"
        ));
        ctx.event(
            &p,
            "Warning",
            "Failed",
            &component,
            "Error: ErrImagePull".to_string(),
        );
    } else {
        ctx.event(
            &p,
            "Normal",
            "BackOff",
            &component,
            format!("Back-off pulling image \"{image}\""),
        );
        ctx.event(
            &p,
            "Warning",
            "Failed",
            &component,
            "Error: ImagePullBackOff".to_string(),
        );
    }
}

/// Back-off before restarting a crashed container (the kubelet doubles from 10 s to 5 min; the sim stays short).
fn back_off_secs(restarts: i64) -> i64 {
    (5 * restarts).clamp(5, 30)
}

/// `exit`: the exit code and termination reason of each crash.
fn crash_loop(ctx: &mut Ctx, pod: &Value, node: &str, now: &str, exit: (i64, &str)) {
    let (exit_code, exit_reason) = exit;
    let res = ctx.kinds.pods.clone();
    let Some(first) = pod["status"]["containerStatuses"].get(0).cloned() else {
        return;
    };
    let cname = first["name"].as_str().unwrap_or_default().to_string();
    let image = first["image"].as_str().unwrap_or_default().to_string();
    let restarts = int(&first["restartCount"]);
    let component = format!("kubelet/{node}");
    let pod_key = format!(
        "{}_{}({})",
        name(pod),
        namespace(pod),
        pod["metadata"]["uid"].as_str().unwrap_or_default()
    );
    if let Some(started) = parse_time(&first["state"]["running"]["startedAt"]) {
        if ctx.now().duration_since(started).as_secs() < CRASH_AFTER_SECS {
            return;
        }
        let started = first["state"]["running"]["startedAt"].clone();
        let back_off = back_off_secs(restarts + 1);
        let cid = first["containerID"].clone();
        let c = cname.clone();
        let pk = pod_key.clone();
        let updated = ctx.update(&res, pod, |p| {
            let s = &mut p["status"]["containerStatuses"][0];
            s["restartCount"] = json!(restarts + 1);
            s["ready"] = json!(false);
            s["started"] = json!(false);
            s["lastState"] = json!({"terminated": {"exitCode": exit_code, "reason": exit_reason, "startedAt": started,
                                                    "finishedAt": now, "containerID": cid}});
            s["state"] = json!({"waiting": {"reason": "CrashLoopBackOff",
                "message": format!("back-off {back_off}s restarting failed container={c} pod={pk}")}});
            let unready = format!("containers with unready status: [{c}]");
            set_condition(p, "Ready", "False", Some("ContainersNotReady"), Some(&unready), now);
            set_condition(p, "ContainersReady", "False", Some("ContainersNotReady"), Some(&unready), now);
        });
        if let Ok(p) = updated {
            ctx.event(
                &p,
                "Warning",
                "BackOff",
                &component,
                format!("Back-off restarting failed container {cname} in pod {pod_key}"),
            );
        }
        return;
    }
    let finished = parse_time(&first["lastState"]["terminated"]["finishedAt"]);
    let waited = finished
        .map(|f| ctx.now().duration_since(f).as_secs())
        .unwrap_or(i64::MAX);
    if first["state"]["waiting"]["reason"] == "CrashLoopBackOff"
        && waited >= back_off_secs(restarts)
    {
        let cid = container_id(pod, &cname, restarts);
        let updated = ctx.update(&res, pod, |p| {
            let s = &mut p["status"]["containerStatuses"][0];
            s["state"] = json!({"running": {"startedAt": now}});
            s["containerID"] = json!(cid);
            s["started"] = json!(true);
            s["ready"] = json!(true);
            set_condition(p, "Ready", "True", None, None, now);
            set_condition(p, "ContainersReady", "True", None, None, now);
        });
        if let Ok(p) = updated {
            ctx.event(
                &p,
                "Normal",
                "Pulled",
                &component,
                format!("Container image \"{image}\" already present on machine"),
            );
            ctx.event(
                &p,
                "Normal",
                "Created",
                &component,
                format!("Created container: {cname}"),
            );
            ctx.event(
                &p,
                "Normal",
                "Started",
                &component,
                format!("Started container {cname}"),
            );
        }
    }
}

/// All containers exit: 0 (`Completed`, phase Succeeded) or 1 (`Error`, phase Failed).
fn finish(ctx: &mut Ctx, pod: &Value, success: bool, now: &str) {
    let res = ctx.kinds.pods.clone();
    let (code, reason, phase) = if success {
        (0, "Completed", "Succeeded")
    } else {
        (1, "Error", "Failed")
    };
    let _ = ctx.update(&res, pod, |p| {
        p["status"]["phase"] = json!(phase);
        if let Some(statuses) = p["status"]["containerStatuses"].as_array_mut() {
            for s in statuses {
                let started = s["state"]["running"]["startedAt"].clone();
                s["state"] = json!({"terminated": {"exitCode": code, "reason": reason, "startedAt": started,
                                                   "finishedAt": now, "containerID": s["containerID"]}});
                s["ready"] = json!(false);
                s["started"] = json!(false);
            }
        }
        set_condition(p, "PodReadyToStartContainers", "False", None, None, now);
        set_condition(p, "Ready", "False", Some("PodCompleted"), None, now);
        set_condition(p, "ContainersReady", "False", Some("PodCompleted"), None, now);
    });
}
