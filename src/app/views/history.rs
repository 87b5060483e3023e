//! A workload's rollout history (`h`): a Deployment's ReplicaSets, a StatefulSet's or DaemonSet's
//! ControllerRevisions, one row per revision, newest first, each with what it changed against the one before
//! (images, env var names, resources); Enter shows a revision's diff against the current
//! template (or against the revision marked with Space), `u` rolls back to it after confirmation.

use super::{Me, TableView, ViewType};
use crate::app::actions::{History, revision};
use crate::app::{App, Effect};
use crate::config::Action;
use tug_model::mutation::history_template;
use tug_model::rollout_changes;
use tug_model::table::Row;

const COLUMNS: &[&str] = &[
    "Revision",
    "ReplicaSet",
    "Images",
    "Change-Cause",
    "Replicas",
    "Age",
    "Current",
    "Changes",
];

/// A StatefulSet's or DaemonSet's: its ControllerRevisions hold no replicas.
const REVISION_COLUMNS: &[&str] = &[
    "Revision",
    "ControllerRevision",
    "Images",
    "Change-Cause",
    "Replicas",
    "Age",
    "Current",
    "Changes",
];

pub struct HistoryView {
    pub table: TableView,
    /// The Deployment and its ReplicaSets, as fetched.
    pub history: History,
}

impl HistoryView {
    pub fn of(history: History) -> Self {
        let mut sets = history.sets.clone();
        sets.sort_by_key(|rs| std::cmp::Reverse(revision(rs)));
        let deployment = history.kind.is("apps", "deployments");
        // A ControllerRevision's number is raised when its template is rolled back to: the newest is current.
        let current = if deployment {
            history.deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        } else {
            sets.first()
                .map(|r| revision(r).to_string())
                .unwrap_or_default()
        };
        let templates: Vec<_> = sets.iter().map(history_template).collect();
        let rows: Vec<Row> = sets
            .iter()
            .zip(&templates)
            .enumerate()
            .map(|(i, (rs, template))| {
                // Against the revision before it; the oldest one kept has nothing to compare with.
                let changes = templates
                    .get(i + 1)
                    .map(|before| rollout_changes::summarize(before, template))
                    .unwrap_or_default();
                let images: Vec<&str> = template["spec"]["containers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c["image"].as_str())
                    .collect();
                let rev = revision(rs);
                Row {
                    namespace: "".into(),
                    // Sorted newest first by a zero-padded key; the cells show the plain revision.
                    name: format!("{:09}", i64::MAX / 1_000_000_000 - rev).into(),
                    uid: rs["metadata"]["name"].as_str().unwrap_or_default().into(),
                    created: rs["metadata"]["creationTimestamp"]
                        .as_str()
                        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                        .map(|t| t.as_second()),
                    deleting: false,
                    cells: vec![
                        rev.to_string().into(),
                        rs["metadata"]["name"].as_str().unwrap_or_default().into(),
                        images.join(",").into(),
                        rs["metadata"]["annotations"]["kubernetes.io/change-cause"]
                            .as_str()
                            .unwrap_or("<none>")
                            .into(),
                        rs["spec"]["replicas"]
                            .as_i64()
                            .map_or(String::new(), |n| n.to_string())
                            .into(),
                        "".into(),
                        (if rev.to_string() == current { "*" } else { "" }).into(),
                        changes.into(),
                    ],
                }
            })
            .collect();
        let columns = if deployment {
            COLUMNS
        } else {
            REVISION_COLUMNS
        };
        let mut table = TableView::fixed(columns, rows);
        // The default rollback target is the previous revision: the second row.
        table.cursor = 1;
        Self { table, history }
    }
}

impl ViewType for HistoryView {
    fn table(&self) -> Option<&TableView> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(&mut self.table)
    }

    fn act(&mut self, action: Action, app: &mut App, _me: &Me) -> Vec<Effect> {
        let Some((_, row)) = self.table.selected_row() else {
            return vec![];
        };
        match action {
            Action::Open => {
                // One other revision marked: diff between the two.
                let marked: Vec<_> = self.table.marked.iter().filter(|k| k.1 != row).collect();
                let from = match marked[..] {
                    [one] => Some(one.1.to_string()),
                    _ => None,
                };
                app.history_diff(&self.history, &row, from.as_deref())
            }
            Action::Undo => app.rollback_dialog(self.history.clone(), &row),
            _ => vec![],
        }
    }
}
