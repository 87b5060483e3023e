//! Rollout history (`h`) of a Deployment (its ReplicaSets), a StatefulSet or a DaemonSet (its
//! ControllerRevisions): the history view, a revision's diff against the current template, and the rollback
//! dialog, whose confirmed change is a `Rollback` (Deployments) or a `RollbackRevision` (the others).

use serde_json::Value;

use super::{App, Body, Effect, View};
use tug_cluster::discovery::Kind;
use tug_cluster::mutate::{self, Mutation, ObjectRef, Op};
use tug_model::mutation::history_template;

/// A workload's rollout history, kept with the view that lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub kind: Kind,
    /// The Deployment, StatefulSet or DaemonSet as it is now.
    pub deployment: Value,
    /// Its ReplicaSets (a Deployment) or ControllerRevisions (the others).
    pub sets: Vec<Value>,
}

/// A history entry's revision: a ControllerRevision's `revision`, a ReplicaSet's annotation.
pub fn revision(rs: &Value) -> i64 {
    rs["revision"].as_i64().unwrap_or_else(|| {
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
            .as_str()
            .and_then(|r| r.parse().ok())
            .unwrap_or(0)
    })
}

impl App {
    /// The history view: one row per revision, newest first, the cursor on the previous revision.
    pub(super) fn show_history(&mut self, title: String, history: History) -> Vec<Effect> {
        let id = self.id();
        self.stack.push(View {
            id,
            title,
            body: Body::History(Box::new(super::HistoryView::of(history))),
        });
        vec![]
    }

    /// Enter on a revision: the diff of its template against the current one.
    /// Enter on a revision: its diff against the current template, or, with another revision marked (Space),
    /// the diff from the marked one to it.
    pub(super) fn history_diff(
        &mut self,
        history: &History,
        row_name: &str,
        from: Option<&str>,
    ) -> Vec<Effect> {
        let Some(rs) = history_set(history, row_name) else {
            return vec![];
        };
        let (base, title, same) = match from.and_then(|f| history_set(history, f)) {
            Some(other) => (
                history_template(other),
                format!("diff/revision {}..{}", revision(other), revision(rs)),
                "no difference between these revisions' templates",
            ),
            None => (
                history.deployment["spec"]["template"].clone(),
                format!("diff/revision {}", revision(rs)),
                "no difference: this is the current template",
            ),
        };
        let diff = mutate::template_diff(&base, &history_template(rs));
        let text = if diff.trim().is_empty() {
            same.to_string()
        } else {
            diff
        };
        let id = self.id();
        let mut view = super::TextView::loading();
        view.set_text(&text);
        self.stack.push(View {
            id,
            title,
            body: Body::Text(Box::new(view)),
        });
        vec![]
    }

    pub(super) fn rollback_dialog(&mut self, history: History, row_name: &str) -> Vec<Effect> {
        let Some(rs) = history_set(&history, row_name).cloned() else {
            return vec![];
        };
        let name = history.deployment["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let ns = history.deployment["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let rev = revision(&rs);
        let entry = rs["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let op = if history.kind.is("apps", "deployments") {
            mutate::rollback_deployment(&history.deployment, &rs).map(|deployment| Op::Rollback {
                revision: rev,
                replica_set: entry,
                deployment,
            })
        } else {
            // As `kubectl rollout undo`: the revision's own patch, sent as it is.
            rs["data"].is_object().then(|| Op::RollbackRevision {
                revision: rev,
                controller_revision: entry,
                patch: rs["data"].clone(),
            })
        };
        let Some(op) = op else {
            self.flash(
                format!("revision {rev} has no pod template to roll back to"),
                true,
            );
            return vec![];
        };
        let diff = mutate::template_diff(
            &history.deployment["spec"]["template"],
            &history_template(&rs),
        );
        if diff.trim().is_empty() {
            self.flash(
                format!("revision {rev} is the current template: nothing to roll back"),
                false,
            );
            return vec![];
        }
        let mut lines = vec![
            format!("in namespace {ns}, this changes the pod template:"),
            String::new(),
        ];
        lines.extend(diff.lines().skip(2).map(str::to_string));
        let obj = format!("{}/{name}", history.kind.kind.to_lowercase());
        // If it goes through, Shift-U can put the current template back.
        let target = ObjectRef::new(history.kind.clone(), ns, name.clone());
        self.undo_candidate = Some(Mutation::new(
            target.clone(),
            Op::SetTemplate {
                template: history.deployment["spec"]["template"].clone(),
            },
        ));
        let mutation = Mutation::new(target, op);
        self.confirm(
            format!("Roll back {obj} to revision {rev}?"),
            lines,
            mutation,
        );
        vec![]
    }
}

fn history_set<'h>(history: &'h History, row_name: &str) -> Option<&'h Value> {
    // Row names encode the revision (see `show_history`).
    let rev = row_name
        .parse::<i64>()
        .ok()
        .map(|k| i64::MAX / 1_000_000_000 - k)?;
    history.sets.iter().find(|rs| revision(rs) == rev)
}
