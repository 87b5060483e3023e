//! A pod's containers (Enter on a pod): `l` logs, `s` shell and `a` attach go to the chosen container, and
//! the choice is remembered for the next shell into that pod.

use super::{Me, TableView, ViewType};
use crate::app::{App, Effect};
use crate::config::Action;
use tug_cluster::logs::{DEFAULT_TAIL, LogTarget, PodSet};

pub struct ContainersView {
    pub table: TableView,
    /// The pod (namespace, name).
    pub namespace: String,
    pub pod: String,
}

impl ContainersView {
    /// The containers of `pod` (its object as fetched), one row each.
    pub fn of(pod: &serde_json::Value) -> Self {
        let (columns, rows) = tug_cluster::objects::containers(pod);
        let table = TableView::new(None, Default::default(), Default::default());
        table.lock().replace_all(columns, rows);
        Self {
            table,
            namespace: pod["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .into(),
            pod: pod["metadata"]["name"].as_str().unwrap_or_default().into(),
        }
    }
}

impl ViewType for ContainersView {
    fn table(&self) -> Option<&TableView> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(&mut self.table)
    }

    fn act(&mut self, action: Action, app: &mut App, me: &Me) -> Vec<Effect> {
        let (namespace, pod) = (self.namespace.clone(), self.pod.clone());
        match action {
            Action::Shell | Action::Attach if !app.refuse_in_readonly(action) => {
                let Some((_, container)) = self.table.selected_row() else {
                    return vec![];
                };
                let container = container.to_string();
                app.last_container
                    .insert((namespace.clone(), pod.clone()), container.clone());
                vec![Effect::Shell {
                    namespace,
                    pod,
                    container: Some(container),
                    attach: action == Action::Attach,
                }]
            }
            Action::Logs => {
                let Some((_, container)) = self.table.selected_row() else {
                    return vec![];
                };
                let target = LogTarget {
                    namespace,
                    pods: PodSet::One(pod.clone()),
                    container: Some(container.to_string()),
                    previous: false,
                    tail: DEFAULT_TAIL,
                    since: None,
                };
                app.open_logs(format!("logs/{pod}/{container}"), target)
            }
            a if a.mutates() || a == Action::History => app.object_mutation(a, &self.table, me.id),
            _ => vec![],
        }
    }
}
