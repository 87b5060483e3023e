//! `:changes` (`:whatchanged`): a live feed of the objects created, modified or deleted in the current scope
//! since the view opened (and those managedFields say changed in the hour before), newest first, status-only
//! churn hidden unless the settings ask for it. `/` filters; Enter opens the object's timeline.

use super::{Me, TableView, ViewType};
use crate::app::{App, Effect};
use crate::config::Action;
use tug_cluster::changes::ChangeFeedState;
use tug_model::change_feed::{KIND_CELL, NAME_CELL, NAMESPACE_CELL};

pub struct ChangesView {
    pub table: TableView,
    pub state: ChangeFeedState,
}

impl ChangesView {
    pub fn new(state: ChangeFeedState) -> Self {
        Self {
            table: TableView::new(None, Default::default(), state.rows.clone()),
            state,
        }
    }

    /// The selected change's kind (as `kind.display()`), namespace and name.
    fn selected(&self) -> Option<(String, String, String)> {
        let key = self.table.selected_row()?;
        let data = self.table.lock();
        let row = data.get(&key)?;
        let cell = |i: usize| row.cells.get(i).map(|c| c.to_string()).unwrap_or_default();
        Some((cell(KIND_CELL), cell(NAMESPACE_CELL), cell(NAME_CELL)))
    }
}

impl ViewType for ChangesView {
    fn table(&self) -> Option<&TableView> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(&mut self.table)
    }

    fn act(&mut self, action: Action, app: &mut App, _me: &Me) -> Vec<Effect> {
        if !matches!(action, Action::Open | Action::Timeline) {
            return vec![];
        }
        let Some((kind, ns, name)) = self.selected() else {
            return vec![];
        };
        let Some(kind) = app.kinds.iter().find(|k| k.display() == kind).cloned() else {
            return vec![];
        };
        app.open_timeline(kind, ns, name)
    }
}
