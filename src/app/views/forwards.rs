//! `:pf`: the port-forwards running in the runtime, with their traffic, reconnects and last error; Ctrl-D stops the selected one
//! (a local action: nothing is sent to the cluster).

use super::{Me, TableView, ViewType};
use crate::app::{App, Effect};
use crate::config::Action;
use tug_model::table::Row;

/// One running port-forward, as `:pf` lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForwardRow {
    pub id: u64,
    pub target: String,
    pub local: String,
    pub sent: u64,
    pub received: u64,
    pub connections: u64,
    /// Times another pod took over (the first one was replaced).
    pub reconnects: u64,
    pub last_error: String,
}

const COLUMNS: &[&str] = &[
    "Local",
    "Target",
    "Reconnects",
    "Last-Error",
    "Connections",
    "Bytes-Sent",
    "Bytes-Received",
];

pub struct ForwardsView {
    pub table: TableView,
}

impl ForwardsView {
    pub fn of(forwards: &[ForwardRow]) -> Self {
        let view = Self {
            table: TableView::fixed(COLUMNS, vec![]),
        };
        view.update(forwards);
        view
    }

    /// The runtime's latest snapshot of the forwards.
    pub fn update(&self, forwards: &[ForwardRow]) {
        let rows = forwards
            .iter()
            .map(|f| Row {
                namespace: "".into(),
                name: f.id.to_string().into(),
                uid: "".into(),
                created: None,
                deleting: false,
                cells: vec![
                    f.local.as_str().into(),
                    f.target.as_str().into(),
                    f.reconnects.to_string().into(),
                    f.last_error.as_str().into(),
                    f.connections.to_string().into(),
                    f.sent.to_string().into(),
                    f.received.to_string().into(),
                ],
            })
            .collect();
        self.table.set_rows(COLUMNS, rows);
    }
}

impl ViewType for ForwardsView {
    fn table(&self) -> Option<&TableView> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(&mut self.table)
    }

    fn act(&mut self, action: Action, _app: &mut App, _me: &Me) -> Vec<Effect> {
        match (action, self.table.selected_row()) {
            (Action::Delete, Some((_, id))) => id
                .parse()
                .map(|id| vec![Effect::StopForward(id)])
                .unwrap_or_default(),
            _ => vec![],
        }
    }
}
