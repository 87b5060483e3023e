//! `:subjects` (`:users`, `:groups` keep one kind): every User, Group and ServiceAccount a RoleBinding or
//! ClusterRoleBinding names, with those bindings; Enter shows the rules it holds by them, per namespace.

use std::sync::Arc;

use super::access_rows::{fill, loading, row};
use super::{Me, TableView, TextView, View, ViewType};
use crate::app::{App, Body, Effect};
use crate::config::Action;
use tug_model::rbac::{Named, Policy};

const COLUMNS: &[&str] = &["KIND", "NAME", "BINDINGS"];

pub struct SubjectsView {
    pub table: TableView,
    /// `User` or `Group` for `:users`/`:groups`; `None`: every kind.
    pub only: Option<&'static str>,
    policy: Option<Arc<Policy>>,
    subjects: Vec<Named>,
}

impl SubjectsView {
    pub fn new(only: Option<&'static str>) -> Self {
        Self {
            table: loading(),
            only,
            policy: None,
            subjects: vec![],
        }
    }

    pub fn show(&mut self, policy: Result<Arc<Policy>, String>) {
        let rows = policy.map(|p| {
            let all = p.subjects();
            self.policy = Some(p);
            self.subjects.clear();
            all.into_iter()
                .filter(|(s, _)| self.only.is_none_or(|k| s.kind == k))
                .enumerate()
                .map(|(i, (s, bindings))| {
                    let names: Vec<String> = bindings.iter().map(|b| b.display()).collect();
                    let r = row(
                        "",
                        &format!("{i:06}"),
                        vec![s.kind.clone(), s.display(), names.join(", ")],
                    );
                    self.subjects.push(s);
                    r
                })
                .collect()
        });
        fill(&self.table, COLUMNS, rows);
    }
}

/// The rules `subject` holds, cluster-wide then per namespace, with the binding and role of each.
pub fn rules_text(policy: &Policy, subject: &Named) -> String {
    let mut out = format!(
        "{} {}: the rules its bindings grant (not those of groups it may be in)\n",
        subject.kind,
        subject.display()
    );
    for (ns, held) in policy.effective_rules(subject) {
        let place = if ns.is_empty() {
            "cluster-wide (every namespace)".to_string()
        } else {
            format!("namespace {ns}")
        };
        out.push_str(&format!("\n{place}:\n"));
        if held.is_empty() {
            out.push_str("  (nothing)\n");
        }
        for h in held {
            out.push_str(&format!(
                "  {}    by {} of {}\n",
                h.rule.display(),
                h.binding,
                h.role
            ));
        }
    }
    out
}

impl ViewType for SubjectsView {
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
        let (Some(subject), Some(policy)) = (
            key.parse::<usize>().ok().and_then(|i| self.subjects.get(i)),
            &self.policy,
        ) else {
            return vec![];
        };
        if action != Action::Open {
            return vec![];
        }
        let mut text = TextView::loading();
        text.set_text(&rules_text(policy, subject));
        let id = app.id();
        app.stack.push(View {
            id,
            title: format!("rules/{}", subject.display()),
            body: Body::Text(Box::new(text)),
        });
        vec![]
    }
}
