//! One object's timeline: the revisions of it tug observed (from a watch kept while the timeline is open), its
//! managedFields (which manager changed which fields, and when), its events, and a workload's ReplicaSet or
//! ControllerRevision history — merged newest first, each entry with a text that diffs against any other.
//! Pure: the cluster layer feeds it, the app shows `entries()`.

use std::collections::VecDeque;

use serde_json::Value;

use crate::mutation::history_template;
use crate::rollout_changes;

/// Revisions kept per object (a timeline is for one object; older observations are dropped first).
pub const OBSERVED_CAP: usize = 100;

/// Where an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A revision tug saw on its watch.
    Observed,
    /// A managedFields entry: a manager's last write.
    Managed,
    /// An Event about the object.
    Event,
    /// A workload revision (ReplicaSet or ControllerRevision).
    Revision,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Self::Observed => "observed",
            Self::Managed => "fields",
            Self::Event => "event",
            Self::Revision => "revision",
        }
    }
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Which entry this is, whatever came before it: a row's name, so the row under the cursor stays the
    /// same entry when newer ones arrive (an index would move to another).
    pub id: String,
    pub time: Option<jiff::Timestamp>,
    pub source: Source,
    /// The manager, the event's reporter, or the revision's name.
    pub who: String,
    pub summary: String,
    /// What the entry shows and what a diff compares: the object's YAML, a template's YAML, the fields a
    /// manager owns, an event's message.
    pub text: String,
}

/// What is known of one object's history.
#[derive(Debug, Default)]
pub struct Timeline {
    /// Oldest first: (when tug saw it, the object without managedFields, its YAML).
    observed: VecDeque<(jiff::Timestamp, Value, String)>,
    /// The newest object's managedFields.
    managed: Vec<Value>,
    events: Vec<Value>,
    /// ReplicaSets or ControllerRevisions.
    revisions: Vec<Value>,
    /// Set when the object was deleted while watched.
    pub deleted: Option<jiff::Timestamp>,
    /// Bumped on every change, so views rebuild only when it moved.
    pub version: u64,
}

impl Timeline {
    /// Records a revision seen at `at`; the same resourceVersion twice (a relist) is one revision.
    pub fn observe(&mut self, mut obj: Value, at: jiff::Timestamp) {
        if let Some(m) = obj["metadata"]["managedFields"].as_array() {
            self.managed = m.clone();
        }
        if let Some(meta) = obj["metadata"].as_object_mut() {
            meta.remove("managedFields");
        }
        let rv = &obj["metadata"]["resourceVersion"];
        if self
            .observed
            .back()
            .is_some_and(|(_, last, _)| &last["metadata"]["resourceVersion"] == rv)
        {
            return;
        }
        let text = serde_saphyr::to_string(&obj).unwrap_or_default();
        if self.observed.len() >= OBSERVED_CAP {
            self.observed.pop_front();
        }
        self.observed.push_back((at, obj, text));
        self.version += 1;
    }

    pub fn set_events(&mut self, events: Vec<Value>) {
        self.events = events;
        self.version += 1;
    }

    pub fn set_revisions(&mut self, revisions: Vec<Value>) {
        self.revisions = revisions;
        self.version += 1;
    }

    pub fn mark_deleted(&mut self, at: jiff::Timestamp) {
        self.deleted = Some(at);
        self.version += 1;
    }

    /// Every entry, newest first (entries without a time last).
    pub fn entries(&self) -> Vec<Entry> {
        let mut out = vec![];
        if let Some(at) = self.deleted {
            out.push(Entry {
                id: "deleted".into(),
                time: Some(at),
                source: Source::Observed,
                who: String::new(),
                summary: "deleted".into(),
                text: String::new(),
            });
        }
        let mut before: Option<&Value> = None;
        for (i, (at, obj, text)) in self.observed.iter().enumerate() {
            let rv = obj["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or_default();
            let summary = match before {
                None if i == 0 => format!("first seen (resourceVersion {rv})"),
                None => String::new(),
                Some(b) => format!("{} (resourceVersion {rv})", step_summary(b, obj)),
            };
            out.push(Entry {
                id: format!("observed {i} {rv}"),
                time: Some(*at),
                source: Source::Observed,
                who: String::new(),
                summary,
                text: text.clone(),
            });
            before = Some(obj);
        }
        out.extend(self.managed.iter().map(managed_entry));
        out.extend(self.events.iter().map(event_entry));
        let mut revisions: Vec<(i64, &Value)> =
            self.revisions.iter().map(|r| (revision_of(r), r)).collect();
        revisions.sort_by_key(|(n, _)| *n);
        let mut previous: Option<Value> = None;
        for (n, r) in revisions {
            let template = history_template(r);
            let summary = match &previous {
                Some(p) => rollout_changes::summarize(p, &template),
                None => "oldest revision kept".into(),
            };
            out.push(Entry {
                id: format!("revision {n}"),
                time: time_of(&r["metadata"]["creationTimestamp"]),
                source: Source::Revision,
                who: format!(
                    "rev {n} {}",
                    r["metadata"]["name"].as_str().unwrap_or_default()
                ),
                summary,
                text: serde_saphyr::to_string(&template).unwrap_or_default(),
            });
            previous = Some(template);
        }
        // Stable: equal times keep the order above (observed after deletion, revisions in number order).
        out.sort_by_key(|e| std::cmp::Reverse(e.time));
        out
    }
}

/// The entry an Enter on `entries[i]` diffs against: the next older entry of the same kind of state (an
/// observed revision against the one before it, a workload revision against the one before it).
pub fn previous_of(entries: &[Entry], i: usize) -> Option<&Entry> {
    let e = entries.get(i)?;
    if !matches!(e.source, Source::Observed | Source::Revision) || e.text.is_empty() {
        return None;
    }
    entries[i + 1..]
        .iter()
        .find(|o| o.source == e.source && !o.text.is_empty())
}

/// A unified diff of two entries' texts.
pub fn diff(older: &Entry, newer: &Entry) -> String {
    similar::TextDiff::from_lines(&older.text, &newer.text)
        .unified_diff()
        .context_radius(3)
        .header(&header(older), &header(newer))
        .to_string()
}

fn header(e: &Entry) -> String {
    let when = e.time.map(|t| t.to_string()).unwrap_or_default();
    format!("{} {} {when}", e.source.label(), e.who)
        .trim()
        .to_string()
}

/// What changed between two observed revisions, in one line: the pod template's changes, replicas, or which
/// top-level parts moved (spec, status, metadata).
pub fn step_summary(before: &Value, after: &Value) -> String {
    let mut parts = vec![];
    let (bt, at) = (&before["spec"]["template"], &after["spec"]["template"]);
    if bt.is_object() && at.is_object() && bt != at {
        parts.push(rollout_changes::summarize(bt, at));
    }
    let (br, ar) = (&before["spec"]["replicas"], &after["spec"]["replicas"]);
    if br != ar {
        parts.push(format!("replicas {}→{}", show(br), show(ar)));
    }
    let mut spec_b = before["spec"].clone();
    let mut spec_a = after["spec"].clone();
    for s in [&mut spec_b, &mut spec_a] {
        if let Some(m) = s.as_object_mut() {
            m.remove("template");
            m.remove("replicas");
        }
    }
    if spec_b != spec_a {
        parts.push("spec".into());
    }
    let meta = |v: &Value| {
        (
            v["metadata"]["labels"].clone(),
            v["metadata"]["annotations"].clone(),
        )
    };
    if meta(before) != meta(after) {
        parts.push("metadata".into());
    }
    if before["status"] != after["status"] {
        parts.push("status".into());
    }
    for key in ["data", "stringData", "binaryData"] {
        if before[key] != after[key] {
            parts.push(key.into());
        }
    }
    if parts.is_empty() {
        "no change".into()
    } else {
        parts.join(", ")
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "<none>".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn time_of(v: &Value) -> Option<jiff::Timestamp> {
    v.as_str().and_then(|s| s.parse().ok())
}

fn revision_of(r: &Value) -> i64 {
    r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| r["revision"].as_i64())
        .unwrap_or(0)
}

/// A managedFields entry as a timeline line: who, when, and the fields it owns.
fn managed_entry(m: &Value) -> Entry {
    let fields = owned_fields(&m["fieldsV1"]);
    let sub = m["subresource"].as_str().filter(|s| !s.is_empty());
    let op = m["operation"].as_str().unwrap_or("Update");
    let shown: Vec<&str> = fields.iter().take(3).map(String::as_str).collect();
    let more = fields.len().saturating_sub(shown.len());
    let mut summary = format!(
        "{op}{}: {}",
        sub.map(|s| format!(" /{s}")).unwrap_or_default(),
        shown.join(", ")
    );
    if more > 0 {
        summary.push_str(&format!(" +{more} more"));
    }
    let who = m["manager"].as_str().unwrap_or("<unknown>").to_string();
    Entry {
        // A manager has one entry per operation and subresource.
        id: format!("managed {who} {op} {}", sub.unwrap_or_default()),
        time: time_of(&m["time"]),
        source: Source::Managed,
        who,
        summary,
        text: fields.join("\n") + "\n",
    }
}

fn event_entry(e: &Value) -> Entry {
    let time = ["lastTimestamp", "eventTime", "firstTimestamp"]
        .iter()
        .find_map(|k| time_of(&e[*k]))
        .or_else(|| time_of(&e["metadata"]["creationTimestamp"]));
    let who = e["source"]["component"]
        .as_str()
        .or(e["reportingComponent"].as_str())
        .unwrap_or_default()
        .to_string();
    let message = e["message"].as_str().unwrap_or_default();
    let count = e["count"].as_i64().filter(|c| *c > 1);
    let meta = &e["metadata"];
    Entry {
        id: format!(
            "event {}",
            meta["uid"]
                .as_str()
                .or(meta["name"].as_str())
                .unwrap_or(message)
        ),
        time,
        source: Source::Event,
        who,
        summary: format!(
            "{} {}: {message}{}",
            e["type"].as_str().unwrap_or("Normal"),
            e["reason"].as_str().unwrap_or_default(),
            count.map(|c| format!(" (x{c})")).unwrap_or_default()
        ),
        text: format!("{message}\n"),
    }
}

/// The fields a `fieldsV1` tree owns, as dotted paths (`spec.template.spec.containers[name=web].image`).
pub fn owned_fields(tree: &Value) -> Vec<String> {
    let mut out = vec![];
    walk(tree, String::new(), &mut out);
    out
}

fn walk(node: &Value, path: String, out: &mut Vec<String>) {
    let Some(m) = node.as_object().filter(|m| !m.is_empty()) else {
        if !path.is_empty() {
            out.push(path);
        }
        return;
    };
    for (k, v) in m {
        if k == "." {
            // The node itself (a map or list item); its children say more.
            if m.len() == 1 && !path.is_empty() {
                out.push(path.clone());
            }
            continue;
        }
        let seg = if let Some(f) = k.strip_prefix("f:") {
            if path.is_empty() {
                f.to_string()
            } else {
                format!("{path}.{f}")
            }
        } else if let Some(key) = k.strip_prefix("k:") {
            let key: Value = serde_json::from_str(key).unwrap_or(Value::Null);
            let inner = key
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(a, b)| format!("{a}={}", show(b)))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            format!("{path}[{inner}]")
        } else if let Some(v) = k.strip_prefix("v:") {
            format!("{path}[{v}]")
        } else {
            format!("{path}.{k}")
        };
        walk(v, seg, out);
    }
}

/// The timeline view's columns.
pub const COLUMNS: &[&str] = &["Time", "Source", "Who", "Summary"];

/// Table rows for `entries` (newest first): row `i`'s name is `i` zero-padded, so the table keeps the order.
pub fn rows(entries: &[Entry]) -> Vec<crate::table::Row> {
    entries
        .iter()
        .map(|e| crate::table::Row {
            namespace: "".into(),
            name: row_name(e).into(),
            uid: "".into(),
            created: e.time.map(|t| t.as_second()),
            deleting: false,
            cells: vec![
                clock(e.time).into(),
                e.source.label().into(),
                e.who.as_str().into(),
                e.summary.as_str().into(),
            ],
        })
        .collect()
}

/// An entry's row name: newest first in the table's name order (time reversed, then the id), and the same
/// for as long as the entry is there, so newer entries arriving leave the cursor and marks on theirs.
fn row_name(e: &Entry) -> String {
    const LATEST: i128 = 10i128.pow(21) - 1;
    let order = e.time.map_or(LATEST, |t| LATEST / 2 - t.as_nanosecond());
    format!("{order:021} {}", e.id)
}

/// The entry a row (by its name) stands for.
pub fn index_of(entries: &[Entry], name: &str) -> Option<usize> {
    entries.iter().position(|e| row_name(e) == name)
}

/// `2026-01-02 11:59:00` (UTC), or empty.
pub fn clock(t: Option<jiff::Timestamp>) -> String {
    t.map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    fn frontend(rv: &str, image: &str) -> Value {
        json!({"metadata": {"name": "frontend", "resourceVersion": rv,
            "managedFields": [
                {"manager": "kubectl-create", "operation": "Update", "time": "2026-01-01T00:00:00Z",
                 "fieldsV1": {"f:spec": {"f:replicas": {}}}},
                {"manager": "kubectl-set", "operation": "Update", "time": "2026-01-02T00:00:00Z",
                 "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {"f:image": {}}}}}}}}]},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "web", "image": image}]}}}})
    }

    #[test]
    fn observed_revisions_are_newest_first_with_a_diff_per_step() {
        let mut t = Timeline::default();
        t.observe(frontend("5", "web:1"), at("2026-01-03T00:00:00Z"));
        t.observe(frontend("5", "web:1"), at("2026-01-03T00:00:01Z"));
        t.observe(frontend("9", "web:2"), at("2026-01-03T00:01:00Z"));
        let entries = t.entries();
        let observed: Vec<&Entry> = entries
            .iter()
            .filter(|e| e.source == Source::Observed)
            .collect();
        assert_eq!(
            observed.len(),
            2,
            "a relist of the same version is one entry"
        );
        assert_eq!(observed[0].summary, "web: 1→2 (resourceVersion 9)");
        assert!(!observed[0].text.contains("managedFields"));
        let i = entries
            .iter()
            .position(|e| std::ptr::eq(e, observed[0]))
            .unwrap();
        let diff = diff(previous_of(&entries, i).unwrap(), &entries[i]);
        let lines: Vec<&str> = diff.lines().collect();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with('-') && l.contains("image: web:1")),
            "{diff}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with('+') && l.contains("image: web:2")),
            "{diff}"
        );
    }

    #[test]
    fn managed_fields_name_the_manager_and_its_fields() {
        let mut t = Timeline::default();
        t.observe(frontend("5", "web:1"), at("2026-01-03T00:00:00Z"));
        let entries = t.entries();
        let set = entries.iter().find(|e| e.who == "kubectl-set").unwrap();
        assert_eq!(set.source, Source::Managed);
        assert_eq!(set.time, Some(at("2026-01-02T00:00:00Z")));
        assert_eq!(
            set.summary,
            "Update: spec.template.spec.containers[name=web].image"
        );
        // Newest first: the observation, then kubectl-set, then kubectl-create.
        let order: Vec<&str> = entries.iter().map(|e| e.source.label()).collect();
        assert_eq!(order, ["observed", "fields", "fields"]);
    }

    #[test]
    fn events_and_workload_revisions_join_the_timeline() {
        let mut t = Timeline::default();
        t.set_events(vec![json!({"type": "Normal", "reason": "ScalingReplicaSet",
            "message": "Scaled up replica set web-2 to 1", "count": 2,
            "lastTimestamp": "2026-01-02T00:00:05Z", "source": {"component": "deployment-controller"}})]);
        let rs = |n: &str, image: &str, created: &str| {
            json!({"metadata": {"name": format!("web-{n}"),
            "creationTimestamp": created,
            "annotations": {"deployment.kubernetes.io/revision": n}},
            "spec": {"template": {"metadata": {"labels": {"pod-template-hash": n}},
                "spec": {"containers": [{"name": "web", "image": image}]}}}})
        };
        t.set_revisions(vec![
            rs("2", "web:2", "2026-01-02T00:00:04Z"),
            rs("1", "web:1", "2026-01-01T00:00:00Z"),
        ]);
        let entries = t.entries();
        assert_eq!(entries[0].source, Source::Event);
        assert!(
            entries[0].summary.contains("ScalingReplicaSet") && entries[0].summary.contains("(x2)")
        );
        assert_eq!(entries[1].who, "rev 2 web-2");
        assert_eq!(entries[1].summary, "web: 1→2");
        let d = diff(previous_of(&entries, 1).unwrap(), &entries[1]);
        assert!(d.contains("+") && d.contains("web:2"), "{d}");
        assert!(
            previous_of(&entries, 0).is_none(),
            "an event has nothing to diff against"
        );
    }

    #[test]
    fn a_step_summary_names_replicas_and_status() {
        let a = json!({"spec": {"replicas": 1}, "status": {"ready": 1}});
        let b = json!({"spec": {"replicas": 3}, "status": {"ready": 2}});
        assert_eq!(step_summary(&a, &b), "replicas 1→3, status");
    }
}
