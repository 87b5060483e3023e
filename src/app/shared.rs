//! Shared watches: table views of the same context, kind and scope (namespace, selectors) with the same
//! computed columns hold one watch and one store, whichever tab or pane they are in. The views ask for
//! watches as if alone (`Effect::Watch { view }`, `Effect::Unwatch(view)`); `App::handle` passes its effects
//! through `share`, which gives a second view the first one's store instead of a new watch, keys the runtime's
//! watch by an id of its own (so the first view may close while others still read it), and stops the watch
//! when its last view stops. Each view still filters, sorts and moves over the shared rows on its own.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use tug_model::table::TableData;

use super::{App, Body, Effect, ViewId};

type Store = Arc<Mutex<TableData>>;

/// One watch and the views reading its store.
struct Share {
    /// The id the runtime knows the watch by (not a view's).
    watch: ViewId,
    data: Store,
    holders: BTreeSet<ViewId>,
}

#[derive(Default)]
pub struct SharedWatches {
    by_key: HashMap<String, Share>,
    /// Each holding view's key.
    held: HashMap<ViewId, String>,
}

impl SharedWatches {
    /// How many watches the views hold between them (what the runtime runs for tables).
    pub fn watches(&self) -> usize {
        self.by_key.len()
    }
}

impl App {
    /// Rewrites the table watches in `effects` so equal ones are shared (see the module header).
    pub(super) fn share(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        let mut out = Vec::with_capacity(effects.len());
        for effect in effects {
            match effect {
                Effect::Watch {
                    view,
                    kind,
                    scope,
                    data,
                } if self.is_table_on(view, &data) => {
                    out.extend(self.release(view));
                    let computed = format!("{:?}", data.lock().map(|d| d.computed.clone()).ok());
                    let key = format!(
                        "{}\u{0}{}/{}\u{0}{:?}\u{0}{computed}",
                        self.info.context, kind.group, kind.plural, scope
                    );
                    if let Some(share) = self.shared.by_key.get_mut(&key) {
                        share.holders.insert(view);
                        let store = share.data.clone();
                        self.shared.held.insert(view, key);
                        if let Some(t) = self.table_mut(view) {
                            t.reset(store);
                        }
                        continue;
                    }
                    let watch = self.id();
                    self.shared.held.insert(view, key.clone());
                    self.shared.by_key.insert(
                        key,
                        Share {
                            watch,
                            data: data.clone(),
                            holders: BTreeSet::from([view]),
                        },
                    );
                    out.push(Effect::Watch {
                        view: watch,
                        kind,
                        scope,
                        data,
                    });
                }
                Effect::Unwatch(view) if self.shared.held.contains_key(&view) => {
                    out.extend(self.release(view));
                }
                e => out.push(e),
            }
        }
        out
    }

    /// `view` no longer reads its shared store: the watch stops if it was the last.
    fn release(&mut self, view: ViewId) -> Option<Effect> {
        let key = self.shared.held.remove(&view)?;
        let share = self.shared.by_key.get_mut(&key)?;
        share.holders.remove(&view);
        if !share.holders.is_empty() {
            return None;
        }
        let watch = share.watch;
        self.shared.by_key.remove(&key);
        Some(Effect::Unwatch(watch))
    }

    /// Whether `view` is an object table (live or parked) reading `data`: only those are shared (`:pulse`'s
    /// own watches are not views).
    fn is_table_on(&self, view: ViewId, data: &Store) -> bool {
        self.stack
            .iter()
            .chain(self.workspace.parked_views())
            .any(|v| {
                v.id == view && matches!(&v.body, Body::Table(t) if Arc::ptr_eq(&t.data, data))
            })
    }

    fn table_mut(&mut self, view: ViewId) -> Option<&mut super::TableView> {
        self.view_anywhere_mut(view)
            .and_then(|v| match &mut v.body {
                Body::Table(t) => Some(&mut **t),
                _ => None,
            })
    }
}
