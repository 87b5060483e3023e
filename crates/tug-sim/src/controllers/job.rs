//! The Job and CronJob controllers: Jobs run `parallelism` pods until `completions` succeed (or `backoffLimit`
//! failures), with the conditions and counts kubectl shows; CronJobs create Jobs on their five-field schedule
//! and keep the configured history.

use serde_json::{Value, json};

use super::replicaset::owned_pods;
use super::{
    Ctx, controller_uid, is_deleting, name, namespace, owner_ref, parse_time, pod_ready, uid,
};

pub fn reconcile(ctx: &mut Ctx) {
    let res = ctx.kinds.jobs.clone();
    for job in ctx.store.list(&res, None, |j| !is_deleting(j)) {
        sync_job(ctx, &job);
    }
}

fn finished(job: &Value) -> Option<&'static str> {
    job["status"]["conditions"]
        .as_array()?
        .iter()
        .find_map(|c| {
            if c["status"] != "True" {
                return None;
            }
            match c["type"].as_str() {
                Some("Complete") => Some("Complete"),
                Some("Failed") => Some("Failed"),
                _ => None,
            }
        })
}

fn sync_job(ctx: &mut Ctx, job: &Value) {
    let pods_res = ctx.kinds.pods.clone();
    let job_res = ctx.kinds.jobs.clone();
    let ns = namespace(job).to_string();
    let job_name = name(job).to_string();
    let pods = owned_pods(ctx, job);
    let succeeded = pods
        .iter()
        .filter(|p| p["status"]["phase"] == "Succeeded")
        .count() as i64;
    let failed = pods
        .iter()
        .filter(|p| p["status"]["phase"] == "Failed")
        .count() as i64;
    let active: Vec<&Value> = pods
        .iter()
        .filter(|p| {
            !is_deleting(p)
                && p["status"]["phase"] != "Succeeded"
                && p["status"]["phase"] != "Failed"
        })
        .map(|p| &**p)
        .collect();
    let completions = job["spec"]["completions"].as_i64().unwrap_or(1);
    let parallelism = job["spec"]["parallelism"].as_i64().unwrap_or(1);
    let backoff_limit = job["spec"]["backoffLimit"].as_i64().unwrap_or(6);
    let suspended = job["spec"]["suspend"].as_bool() == Some(true);
    let done = finished(job);
    let now = ctx.now_str();

    if done.is_none() && !suspended && failed <= backoff_limit {
        let want = parallelism.min(completions - succeeded).max(0);
        for _ in active.len() as i64..want {
            let pod_name = format!(
                "{job_name}-{}",
                ctx.child_suffix(&format!("{ns}/{job_name}"))
            );
            let uid_s = uid(job).to_string();
            let mut pod = super::pod_from_template(
                job,
                &job["spec"]["template"],
                &pod_name,
                &[
                    ("batch.kubernetes.io/controller-uid", &uid_s),
                    ("batch.kubernetes.io/job-name", &job_name),
                    ("controller-uid", &uid_s),
                    ("job-name", &job_name),
                ],
            );
            pod["metadata"]["generateName"] = json!(format!("{job_name}-"));
            if ctx.create(&pods_res, &ns, pod).is_ok() {
                ctx.event(
                    job,
                    "Normal",
                    "SuccessfulCreate",
                    "job-controller",
                    format!("Created pod: {pod_name}"),
                );
            }
        }
    }

    let mut status = job["status"].clone();
    if !status.is_object() {
        status = json!({});
    }
    let active_now = owned_pods(ctx, job)
        .iter()
        .filter(|p| {
            !is_deleting(p)
                && p["status"]["phase"] != "Succeeded"
                && p["status"]["phase"] != "Failed"
        })
        .count() as i64;
    let ready = active.iter().filter(|p| pod_ready(p)).count() as i64;
    set_count(&mut status, "active", active_now);
    set_count(&mut status, "succeeded", succeeded);
    set_count(&mut status, "failed", failed);
    status["ready"] = json!(ready);
    status["terminating"] = json!(0);
    status["uncountedTerminatedPods"] = json!({});
    if status["startTime"].is_null() && !suspended {
        status["startTime"] = json!(now);
    }
    if done.is_none() {
        if succeeded >= completions {
            status["completionTime"] = json!(now);
            status["conditions"] = json!([
                cond(
                    "SuccessCriteriaMet",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                    &now
                ),
                cond(
                    "Complete",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                    &now
                ),
            ]);
            ctx.event(
                job,
                "Normal",
                "Completed",
                "job-controller",
                "Job completed".into(),
            );
        } else if failed > backoff_limit {
            status["conditions"] = json!([
                cond(
                    "FailureTarget",
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    &now
                ),
                cond(
                    "Failed",
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    &now
                ),
            ]);
            ctx.event(
                job,
                "Warning",
                "BackoffLimitExceeded",
                "job-controller",
                "Job has reached the specified backoff limit".into(),
            );
        }
    }
    if status != job["status"] {
        let _ = ctx.update(&job_res, job, |j| j["status"] = status);
    }
}

fn set_count(status: &mut Value, key: &str, n: i64) {
    match status.as_object_mut() {
        Some(m) if n == 0 => {
            m.remove(key);
        }
        _ => status[key] = json!(n),
    }
}

fn cond(kind: &str, reason: &str, message: &str, now: &str) -> Value {
    json!({"type": kind, "status": "True", "reason": reason, "message": message,
           "lastProbeTime": now, "lastTransitionTime": now})
}

pub fn reconcile_cronjobs(ctx: &mut Ctx) {
    let res = ctx.kinds.cronjobs.clone();
    for cj in ctx.store.list(&res, None, |c| !is_deleting(c)) {
        sync_cronjob(ctx, &cj);
    }
}

fn sync_cronjob(ctx: &mut Ctx, cj: &Value) {
    let jobs_res = ctx.kinds.jobs.clone();
    let cj_res = ctx.kinds.cronjobs.clone();
    let ns = namespace(cj).to_string();
    let cj_uid = uid(cj).to_string();
    let Some(schedule) = cj["spec"]["schedule"].as_str().and_then(Schedule::parse) else {
        return;
    };
    let now = ctx.now();
    let last = parse_time(&cj["status"]["lastScheduleTime"])
        .or_else(|| parse_time(&cj["metadata"]["creationTimestamp"]))
        .unwrap_or(now);
    let mut status = cj["status"].clone();
    if !status.is_object() {
        status = json!({});
    }
    if cj["spec"]["suspend"].as_bool() != Some(true)
        && let Some(due) = schedule.latest_between(last, now)
    {
        let minutes = due.as_second() / 60;
        let job_name = format!("{}-{minutes}", name(cj));
        let template = &cj["spec"]["jobTemplate"];
        let mut labels = template["metadata"]["labels"].clone();
        if !labels.is_object() {
            labels = json!({});
        }
        let job = json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": job_name,
                "namespace": ns,
                "labels": labels,
                "annotations": {"batch.kubernetes.io/cronjob-scheduled-timestamp": super::format_time(due)},
                "ownerReferences": [owner_ref(cj)],
            },
            "spec": template["spec"],
        });
        if ctx.create(&jobs_res, &ns, job).is_ok() {
            ctx.event(
                cj,
                "Normal",
                "SuccessfulCreate",
                "cronjob-controller",
                format!("Created job {job_name}"),
            );
        }
        status["lastScheduleTime"] = json!(super::format_time(due));
    }
    // History: keep the configured number of finished jobs, newest first.
    let mut jobs = ctx.store.list(&jobs_res, Some(&ns), |j| {
        controller_uid(j) == Some(cj_uid.as_str())
    });
    jobs.sort_by_key(|j| {
        j["metadata"]["creationTimestamp"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    });
    for (kind, limit) in [
        (
            "Complete",
            cj["spec"]["successfulJobsHistoryLimit"]
                .as_i64()
                .unwrap_or(3),
        ),
        (
            "Failed",
            cj["spec"]["failedJobsHistoryLimit"].as_i64().unwrap_or(1),
        ),
    ] {
        let done: Vec<&std::sync::Arc<Value>> =
            jobs.iter().filter(|j| finished(j) == Some(kind)).collect();
        let excess = done.len().saturating_sub(limit.max(0) as usize);
        for j in done.into_iter().take(excess) {
            ctx.delete(&jobs_res, j);
        }
    }
    let active: Vec<Value> = jobs
        .iter()
        .filter(|j| finished(j).is_none() && !is_deleting(j))
        .map(|j| json!({"apiVersion": "batch/v1", "kind": "Job", "name": name(j), "namespace": ns, "uid": uid(j), "resourceVersion": j["metadata"]["resourceVersion"]}))
        .collect();
    match status.as_object_mut() {
        Some(m) if active.is_empty() => {
            m.remove("active");
        }
        _ => status["active"] = json!(active),
    }
    if let Some(t) = jobs
        .iter()
        .filter(|j| finished(j) == Some("Complete"))
        .filter_map(|j| j["status"]["completionTime"].as_str())
        .max()
    {
        status["lastSuccessfulTime"] = json!(t);
    }
    // Only the job refs' names matter for equality; resourceVersions churn.
    let strip = |s: &Value| {
        let mut s = s.clone();
        if let Some(a) = s["active"].as_array_mut() {
            a.iter_mut()
                .for_each(|r| r["resourceVersion"] = Value::Null);
        }
        s
    };
    if strip(&status) != strip(&cj["status"]) {
        let _ = ctx.update(&cj_res, cj, |c| c["status"] = status);
    }
}

/// A five-field cron schedule (minute hour day-of-month month day-of-week), as the CronJob controller reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    fields: [Vec<bool>; 5],
    dom_star: bool,
    dow_star: bool,
}

impl Schedule {
    pub fn parse(spec: &str) -> Option<Self> {
        let spec = match spec.trim() {
            "@hourly" => "0 * * * *",
            "@daily" | "@midnight" => "0 0 * * *",
            "@weekly" => "0 0 * * 0",
            "@monthly" => "0 0 1 * *",
            "@yearly" | "@annually" => "0 0 1 1 *",
            s => s,
        };
        let parts: Vec<&str> = spec.split_whitespace().collect();
        if parts.len() != 5 {
            return None;
        }
        let ranges = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
        let mut fields: [Vec<bool>; 5] = Default::default();
        for (i, (part, (lo, hi))) in parts.iter().zip(ranges).enumerate() {
            fields[i] = parse_field(part, lo, hi)?;
        }
        if fields[4][7] {
            fields[4][0] = true; // 7 is Sunday too
        }
        Some(Self {
            fields,
            dom_star: parts[2] == "*",
            dow_star: parts[4] == "*",
        })
    }

    pub fn matches(&self, t: jiff::Timestamp) -> bool {
        let dt = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
        let f = &self.fields;
        let dom = f[2][dt.day() as usize];
        let dow = f[4][dt.weekday().to_sunday_zero_offset() as usize];
        let day = match (self.dom_star, self.dow_star) {
            (false, false) => dom || dow,
            _ => dom && dow,
        };
        f[0][dt.minute() as usize] && f[1][dt.hour() as usize] && f[3][dt.month() as usize] && day
    }

    /// The latest scheduled minute in (after, until], looking back at most a day (the controller's horizon).
    pub fn latest_between(
        &self,
        after: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> Option<jiff::Timestamp> {
        let mut t = jiff::Timestamp::from_second(until.as_second() / 60 * 60).ok()?;
        for _ in 0..24 * 60 {
            if t <= after {
                return None;
            }
            if self.matches(t) {
                return Some(t);
            }
            t = t.checked_sub(jiff::SignedDuration::from_secs(60)).ok()?;
        }
        None
    }
}

fn parse_field(field: &str, lo: usize, hi: usize) -> Option<Vec<bool>> {
    let mut set = vec![false; hi + 1];
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, s.parse::<usize>().ok().filter(|s| *s > 0)?),
            None => (item, 1),
        };
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (a.parse().ok()?, b.parse().ok()?)
        } else {
            let a: usize = range.parse().ok()?;
            (a, if step > 1 { hi } else { a })
        };
        if a < lo || b > hi || a > b {
            return None;
        }
        for v in (a..=b).step_by(step) {
            set[v] = true;
        }
    }
    Some(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn cron_fields_match_like_the_controller() {
        let every_5 = Schedule::parse("*/5 * * * *").unwrap();
        assert!(every_5.matches(at("2026-11-25T10:05:00Z")));
        assert!(!every_5.matches(at("2026-11-25T10:06:00Z")));
        let nightly = Schedule::parse("30 2 * * 1-5").unwrap();
        assert!(nightly.matches(at("2026-11-25T02:30:00Z"))); // a Wednesday
        assert!(!nightly.matches(at("2026-11-29T02:30:00Z"))); // a Sunday
        assert!(Schedule::parse("61 * * * *").is_none());
        assert!(Schedule::parse("* * *").is_none());
        assert!(
            Schedule::parse("@hourly")
                .unwrap()
                .matches(at("2026-11-25T07:00:00Z"))
        );
    }

    #[test]
    fn latest_between_finds_the_most_recent_missed_run_only() {
        let s = Schedule::parse("*/15 * * * *").unwrap();
        let due = s.latest_between(at("2026-11-25T09:00:00Z"), at("2026-11-25T10:07:30Z"));
        assert_eq!(due, Some(at("2026-11-25T10:00:00Z")));
        assert_eq!(
            s.latest_between(at("2026-11-25T10:00:00Z"), at("2026-11-25T10:07:30Z")),
            None
        );
    }
}
