//! `:ctx`: the kubeconfig's contexts, the current one starred; Enter switches to the selected one.

use super::{Me, TableView, ViewType};
use crate::app::{App, Effect};
use crate::config::Action;
use tug_cluster::connect::ClusterInfo;
use tug_model::table::Row;

pub struct ContextsView {
    pub table: TableView,
}

impl ContextsView {
    pub fn of(info: &ClusterInfo) -> Self {
        let rows = info
            .contexts
            .iter()
            .map(|c| Row {
                namespace: "".into(),
                name: c.as_str().into(),
                uid: "".into(),
                created: None,
                deleting: false,
                cells: vec![
                    c.as_str().into(),
                    (if *c == info.context { "*" } else { "" }).into(),
                ],
            })
            .collect();
        Self {
            table: TableView::fixed(&["Name", "Current"], rows),
        }
    }
}

impl ViewType for ContextsView {
    fn table(&self) -> Option<&TableView> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(&mut self.table)
    }

    fn act(&mut self, action: Action, app: &mut App, me: &Me) -> Vec<Effect> {
        match (action, self.table.selected_row()) {
            (Action::Open, Some((_, name))) => app.switch_context(&name),
            (a, _) if a.mutates() || a == Action::History => {
                app.object_mutation(a, &self.table, me.id)
            }
            _ => vec![],
        }
    }
}
