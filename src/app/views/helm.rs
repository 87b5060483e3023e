//! Helm releases without helm: `:helm` (`:releases`) lists them from their storage records; Enter opens a
//! release's history; Ctrl-D uninstalls it (after confirmation). In the history, Enter shows a revision
//! (values, notes, hooks, manifest) — or, with another revision marked (Space), the diff of values and manifests
//! between the two — and `u` rolls back to the revision after a confirmation listing what changes and the
//! hooks that are not run.

use super::{Me, TableView, TextView, View, ViewType};
use crate::app::{App, Body, Effect};
use crate::config::Action;
use tug_cluster::helm::{HelmState, ReleaseRow};
use tug_cluster::mutate::{Mutation, ObjectRef, Op};
use tug_model::helm::{self, Driver, Release};

/// `:helm`: the releases.
pub struct HelmView {
    pub table: TableView,
    pub state: HelmState,
}

/// One release's revisions.
pub struct HelmHistoryView {
    pub table: TableView,
    pub state: HelmState,
    pub namespace: String,
    pub name: String,
}

impl HelmView {
    pub fn new(state: HelmState) -> Self {
        Self {
            table: TableView::new(None, Default::default(), state.rows.clone()),
            state,
        }
    }
}

impl HelmHistoryView {
    pub fn new(state: HelmState, namespace: String, name: String) -> Self {
        Self {
            table: TableView::new(None, Default::default(), state.rows.clone()),
            state,
            namespace,
            name,
        }
    }

    fn revisions(&self) -> Vec<ReleaseRow> {
        self.state
            .releases
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The revision on a row (its name is `history_row_name(version)`).
    fn version_of(&self, row_name: &str) -> Option<i64> {
        self.revisions()
            .iter()
            .map(|r| r.release.version)
            .find(|v| helm::history_row_name(*v) == row_name)
    }
}

/// The kind a release's records are stored as, for the mutation's target.
fn storage_kind(app: &App, driver: Driver) -> Option<tug_cluster::discovery::Kind> {
    let plural = match driver {
        Driver::Secret => "secrets",
        Driver::ConfigMap => "configmaps",
    };
    app.kinds.iter().find(|k| k.is("", plural)).cloned()
}

fn show(app: &mut App, title: String, text: &str) {
    let mut view = TextView::loading();
    view.set_text(text);
    let id = app.id();
    app.stack.push(View {
        id,
        title,
        body: Body::Text(Box::new(view)),
    });
}

impl ViewType for HelmView {
    fn table(&self) -> Option<&TableView> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(&mut self.table)
    }

    fn act(&mut self, action: Action, app: &mut App, _me: &Me) -> Vec<Effect> {
        let Some((ns, name)) = self.table.selected_row() else {
            return vec![];
        };
        let (ns, name) = (ns.to_string(), name.to_string());
        match action {
            Action::Open => app.open_helm_history(ns, name),
            Action::Delete => {
                let found = self
                    .state
                    .releases
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .iter()
                    .find(|r| r.release.namespace == ns && r.release.name == name)
                    .cloned();
                let Some(row) = found else { return vec![] };
                let Some(kind) = storage_kind(app, row.driver) else {
                    return vec![];
                };
                let mut lines = uninstall_lines(&row.release);
                lines.push("pre/post-delete hooks are not run by tug".into());
                app.confirm(
                    format!("Uninstall helm release {name} in {ns}?"),
                    lines,
                    Mutation::new(ObjectRef::new(kind, ns, name), Op::HelmUninstall),
                );
                vec![]
            }
            _ => vec![],
        }
    }
}

/// The confirmation of an uninstall: what goes, from the newest revision (every record of it goes too).
fn uninstall_lines(newest: &Release) -> Vec<String> {
    match helm::uninstall_plan(std::slice::from_ref(newest), "") {
        Ok(plan) => {
            let mut lines = plan.lines();
            lines.retain(|l| !l.starts_with("release records"));
            lines.push(format!(
                "release records: every revision (newest {})",
                newest.version
            ));
            lines
        }
        Err(e) => vec![e.to_string()],
    }
}

impl ViewType for HelmHistoryView {
    fn table(&self) -> Option<&TableView> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(&mut self.table)
    }

    fn act(&mut self, action: Action, app: &mut App, _me: &Me) -> Vec<Effect> {
        let Some(version) = self
            .table
            .selected_row()
            .and_then(|(_, row)| self.version_of(&row))
        else {
            return vec![];
        };
        let revisions = self.revisions();
        let find = |v: i64| revisions.iter().find(|r| r.release.version == v);
        let Some(selected) = find(version) else {
            return vec![];
        };
        match action {
            Action::Open => {
                let marked = self
                    .table
                    .marked
                    .iter()
                    .filter_map(|(_, row)| self.version_of(row))
                    .find(|v| *v != version)
                    .and_then(find);
                match marked {
                    Some(other) => {
                        let (older, newer) = if other.release.version < version {
                            (&other.release, &selected.release)
                        } else {
                            (&selected.release, &other.release)
                        };
                        let title =
                            format!("diff/{} {}..{}", self.name, older.version, newer.version);
                        show(app, title, &helm::revision_diff(older, newer));
                    }
                    None => show(
                        app,
                        format!("{}/revision {version}", self.name),
                        &helm::revision_text(&selected.release),
                    ),
                }
                vec![]
            }
            Action::Undo => {
                let history: Vec<Release> = revisions.iter().map(|r| r.release.clone()).collect();
                let plan = match helm::rollback_plan(&history, version, "") {
                    Ok(plan) => plan,
                    Err(e) => {
                        app.flash = Some(crate::app::Flash {
                            text: e.to_string(),
                            error: true,
                        });
                        return vec![];
                    }
                };
                let Some(kind) = storage_kind(app, selected.driver) else {
                    return vec![];
                };
                let mut lines = plan.lines();
                if plan.hooks.is_empty() {
                    lines.push("no pre/post-rollback hooks".into());
                }
                app.confirm(
                    format!(
                        "Roll back helm release {} to revision {version}?",
                        self.name
                    ),
                    lines,
                    Mutation::new(
                        ObjectRef::new(kind, self.namespace.clone(), self.name.clone()),
                        Op::HelmRollback { revision: version },
                    ),
                );
                vec![]
            }
            _ => vec![],
        }
    }
}
