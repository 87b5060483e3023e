//! `:who-can VERB RESOURCE [NAME] [-n NS | -A]` (and the row key "who can delete this?"): every subject the
//! cluster's RBAC objects grant the request to, with the binding and the role rule that grant it (aggregated
//! ClusterRoles included); Enter opens the binding. `system:masters` and authorizers other than RBAC are beyond
//! what these objects show, which the last row says.

use std::sync::Arc;

use super::access_rows::{fill, loading, row};
use super::{Filter, Me, TableView, ViewType};
use crate::app::{App, Effect};
use crate::config::Action;
use tug_model::rbac::{Holder, Policy, Request};

const COLUMNS: &[&str] = &["SUBJECT-KIND", "SUBJECT", "BINDING", "ROLE", "RULE"];

/// What is asked: a verb on a resource (or subresource), in a namespace (empty: cluster-wide), on a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
}

impl Question {
    fn request(&self) -> Request<'_> {
        Request::Resource {
            verb: &self.verb,
            group: &self.group,
            resource: &self.resource,
            subresource: &self.subresource,
            namespace: &self.namespace,
            name: &self.name,
        }
    }

    /// `delete pods/web-1 in shop`.
    pub fn title(&self) -> String {
        let mut what = self.resource.clone();
        if !self.subresource.is_empty() {
            what = format!("{what}/{}", self.subresource);
        }
        if !self.name.is_empty() {
            what = format!("{what} {}", self.name);
        }
        match self.namespace.as_str() {
            "" => format!("who-can {} {what}", self.verb),
            ns => format!("who-can {} {what} in {ns}", self.verb),
        }
    }
}

pub struct WhoCanView {
    pub table: TableView,
    pub question: Question,
    holders: Vec<Holder>,
}

impl WhoCanView {
    pub fn new(question: Question) -> Self {
        Self {
            table: loading(),
            question,
            holders: vec![],
        }
    }

    pub fn show(&mut self, policy: Result<Arc<Policy>, String>) {
        self.holders = policy
            .as_ref()
            .map(|p| p.who_can(&self.question.request()))
            .unwrap_or_default();
        let rows = policy.map(|_| {
            let mut rows: Vec<_> = self
                .holders
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    row(
                        "",
                        &format!("{i:06}"),
                        vec![
                            h.subject.kind.clone(),
                            h.subject.display(),
                            h.binding.display(),
                            h.role.clone(),
                            h.rule.display(),
                        ],
                    )
                })
                .collect();
            rows.push(row(
                "",
                "~note",
                vec![
                    "(note)".into(),
                    tug_model::rbac::MASTERS.into(),
                    "(not an RBAC object)".into(),
                    String::new(),
                    "members bypass RBAC; other authorizers (Node, webhooks) are not in RBAC objects either"
                        .into(),
                ],
            ));
            rows
        });
        fill(&self.table, COLUMNS, rows);
    }
}

impl ViewType for WhoCanView {
    fn table(&self) -> Option<&TableView> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(&mut self.table)
    }

    fn act(&mut self, action: Action, app: &mut App, _me: &Me) -> Vec<Effect> {
        let Some((_, key)) = self.table.selected_row() else {
            return vec![];
        };
        let Some(h) = key.parse::<usize>().ok().and_then(|i| self.holders.get(i)) else {
            return vec![];
        };
        match action {
            Action::Open => app.open_binding(&h.binding.namespace, &h.binding.name),
            _ => vec![],
        }
    }
}

impl App {
    /// The binding's table (its namespace's RoleBindings, or the ClusterRoleBindings) filtered to its name.
    pub(in crate::app) fn open_binding(&mut self, namespace: &str, name: &str) -> Vec<Effect> {
        let plural = if namespace.is_empty() {
            "clusterrolebindings"
        } else {
            "rolebindings"
        };
        let Some(kind) = tug_cluster::discovery::find(&self.kinds, plural).cloned() else {
            self.flash(format!("unknown resource \"{plural}\""), true);
            return vec![];
        };
        let scope = tug_cluster::table_watch::Scope {
            namespace: (!namespace.is_empty()).then(|| namespace.to_string()),
            ..Default::default()
        };
        let effects = self.push_table(kind, scope, format!("{plural}/{name}"));
        if let Some(t) = self.top_mut().and_then(|v| v.body.table_mut())
            && let Ok(f) = Filter::parse(name)
        {
            t.filter = f;
        }
        effects
    }
}
