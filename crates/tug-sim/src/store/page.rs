//! Lists, one page at a time and as of a resourceVersion: what etcd's MVCC reads give the real API server.
//! A page continues from the first page's snapshot (the store's current objects with every change since that
//! version undone from the event history), so a paged list is consistent while objects change; a version whose
//! history has been compacted away cannot be read. Must not depend on HTTP.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use serde_json::Value;

use super::{EventType, Inner, ObjKey, ResKey, Store};
use crate::resources::ResourceDef;

/// What a page of a list asks for.
#[derive(Clone, Copy, Default)]
pub struct PageRequest<'a> {
    /// One namespace, or all.
    pub namespace: Option<&'a str>,
    /// The page starts after this key (from a `continue` token).
    pub start_after: Option<&'a (String, String)>,
    /// At most this many items; `None` for all.
    pub limit: Option<usize>,
    /// Read the objects as they were at this resourceVersion; `None` reads the latest.
    pub at: Option<u64>,
    /// How many objects of this list precede `start_after` (the previous page's `position`), when known: the
    /// page then says what remains without counting the rest.
    pub position: Option<usize>,
    /// Only the objects it accepts (label and field selectors). Without one the page says how many items
    /// remain, as the real server does only when there is nothing to filter (its count would be wrong).
    pub keep: Option<&'a dyn Fn(&Value) -> bool>,
}

/// A page of a list.
#[derive(Debug)]
pub struct ListPage {
    /// The resourceVersion the page was read at (the first page's, for every page of one list).
    pub rv: u64,
    pub items: Vec<Arc<Value>>,
    /// Resume point for the next page (`continue`), when more objects remain.
    pub next: Option<(String, String)>,
    /// How many objects remain after this page, when the request had no filter.
    pub remaining: Option<usize>,
    /// How many objects of the list precede the next page, when the request had no filter.
    pub position: Option<usize>,
}

/// Why a list cannot be read at the version it asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// The changes since that version have been compacted away.
    #[error("resource version {asked} is compacted (the history starts at {floor})")]
    Compacted { asked: u64, floor: u64 },
    /// The store has not reached that version yet.
    #[error("resource version {asked} is newer than the store's {current}")]
    TooLarge { asked: u64, current: u64 },
}

impl Store {
    /// One page of a list, read at `req.at` (or now).
    pub fn list_page(
        &self,
        res: &ResourceDef,
        req: PageRequest<'_>,
    ) -> Result<ListPage, SnapshotError> {
        let inner = self.lock();
        let key = res.key();
        let (rv, then) = match req.at {
            None => (inner.rv, BTreeMap::new()),
            Some(at) => (at, inner.changed_since(&key, req.namespace, at)?),
        };
        let empty = BTreeMap::new();
        let table = inner.objects.get(&key).unwrap_or(&empty);
        let lower = match (req.start_after, req.namespace) {
            (Some(k), _) => Bound::Excluded(k.clone()),
            (None, Some(ns)) => Bound::Included((ns.to_string(), String::new())),
            (None, None) => Bound::Unbounded,
        };
        // No namespace name holds a NUL: (ns + "\0", "") sorts after every key of `ns` and before the next one.
        let upper = match req.namespace {
            Some(ns) => Bound::Excluded((format!("{ns}\0"), String::new())),
            None => Bound::Unbounded,
        };
        let mut objects = as_of(table, &then, (lower, upper));
        let limit = req.limit.filter(|l| *l > 0).unwrap_or(usize::MAX);
        let mut items = vec![];
        let mut last = None;
        for (k, obj) in objects.by_ref() {
            if req.keep.is_none_or(|keep| keep(obj)) {
                items.push(obj.clone());
                if items.len() == limit {
                    last = Some(k);
                    break;
                }
            }
        }
        // The real server continues while keys remain, whether or not they match a filter.
        let Some(next) = last.filter(|_| objects.next().is_some()).cloned() else {
            return Ok(ListPage {
                rv,
                items,
                next: None,
                remaining: None,
                position: None,
            });
        };
        if req.keep.is_some() {
            return Ok(ListPage {
                rv,
                items,
                next: Some(next),
                remaining: None,
                position: None,
            });
        }
        let total = inner.snapshot_len(&key, table, req.namespace, &then);
        // The first page starts at the list's beginning: nothing precedes it.
        let before = req.position.or(req.start_after.is_none().then_some(0));
        let position = match before {
            Some(before) => before + items.len(),
            // Counted once (one more was taken above); later pages carry the position in their token.
            None => total.saturating_sub(objects.count() + 1),
        };
        Ok(ListPage {
            rv,
            items,
            next: Some(next),
            remaining: Some(total.saturating_sub(position)),
            position: Some(position),
        })
    }
}

impl Inner {
    /// How many objects of `res` (in `ns`, or all) the snapshot holds: the count now, with `then`'s changes
    /// undone.
    fn snapshot_len(
        &self,
        res: &ResKey,
        table: &BTreeMap<ObjKey, Arc<Value>>,
        ns: Option<&str>,
        then: &BTreeMap<ObjKey, Option<Arc<Value>>>,
    ) -> usize {
        let now = match ns {
            None => table.len(),
            Some(ns) => self
                .counts
                .get(res)
                .and_then(|c| c.get(ns))
                .copied()
                .unwrap_or_default(),
        };
        let (mut gone, mut new) = (0, 0);
        for (k, was) in then {
            match (was.is_some(), table.contains_key(k)) {
                (true, false) => gone += 1,
                (false, true) => new += 1,
                _ => {}
            }
        }
        (now + gone).saturating_sub(new)
    }

    /// For every object of `res` (in `ns`, or all) changed after `at`: what it was at `at` (`None`: absent).
    fn changed_since(
        &self,
        res: &ResKey,
        ns: Option<&str>,
        at: u64,
    ) -> Result<BTreeMap<ObjKey, Option<Arc<Value>>>, SnapshotError> {
        if at > self.rv {
            return Err(SnapshotError::TooLarge {
                asked: at,
                current: self.rv,
            });
        }
        // The history must hold every change after `at`.
        if at < self.floor.saturating_sub(1) {
            return Err(SnapshotError::Compacted {
                asked: at,
                floor: self.floor,
            });
        }
        let first = self.history.partition_point(|e| e.rv <= at);
        let mut then = BTreeMap::new();
        for e in self.history.range(first..) {
            if e.res != *res || ns.is_some_and(|n| e.namespace() != n) {
                continue;
            }
            let meta = &e.object["metadata"];
            let key = (
                meta["namespace"].as_str().unwrap_or_default().to_string(),
                meta["name"].as_str().unwrap_or_default().to_string(),
            );
            // The earliest change after `at` knows what the object was before it.
            then.entry(key).or_insert_with(|| match e.kind {
                EventType::Added => None,
                EventType::Modified | EventType::Deleted => e.old.clone(),
            });
        }
        Ok(then)
    }
}

/// The objects of `table` in `range`, in key order, with the changes in `then` undone.
fn as_of<'a>(
    table: &'a BTreeMap<ObjKey, Arc<Value>>,
    then: &'a BTreeMap<ObjKey, Option<Arc<Value>>>,
    range: (Bound<ObjKey>, Bound<ObjKey>),
) -> impl Iterator<Item = (&'a ObjKey, &'a Arc<Value>)> {
    let mut now = table.range(range.clone()).peekable();
    // Objects deleted since: in the snapshot, not in the table.
    let mut gone = then
        .range(range)
        .filter(|(k, v)| v.is_some() && !table.contains_key(*k))
        .peekable();
    std::iter::from_fn(move || {
        loop {
            let from_gone = match (now.peek(), gone.peek()) {
                (None, None) => return None,
                (Some(_), None) => false,
                (None, Some(_)) => true,
                (Some((a, _)), Some((b, _))) => b < a,
            };
            if from_gone {
                let (k, v) = gone.next()?;
                return v.as_ref().map(|v| (k, v));
            }
            let (k, v) = now.next()?;
            match then.get(k) {
                None => return Some((k, v)),
                Some(Some(old)) => return Some((k, old)),
                // Created since: not in the snapshot.
                Some(None) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::UpdateScope;

    fn store_with(names: &[&str]) -> (Store, Arc<ResourceDef>) {
        let store = Store::new(1);
        let reg = store.registry();
        let (ns, cms) = (
            reg.preferred("", "namespaces").unwrap(),
            reg.preferred("", "configmaps").unwrap(),
        );
        store
            .create(&ns, "", json!({"metadata": {"name": "a"}}), false)
            .unwrap();
        for n in names {
            store
                .create(&cms, "a", json!({"metadata": {"name": n}}), false)
                .unwrap();
        }
        (store, cms)
    }

    fn names(page: &ListPage) -> Vec<&str> {
        page.items
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn a_snapshot_undoes_creations_changes_and_deletions_since() {
        let (store, cms) = store_with(&["b", "d", "f"]);
        let at = store.resource_version();
        store
            .create(&cms, "a", json!({"metadata": {"name": "c"}}), false)
            .unwrap();
        store.delete(&cms, "a", "d", &Default::default()).unwrap();
        store
            .update_with(&cms, "a", "f", UpdateScope::All, false, |o| {
                let mut o = o.clone();
                o["data"] = json!({"k": "v"});
                Ok(o)
            })
            .unwrap();
        let req = PageRequest {
            at: Some(at),
            ..Default::default()
        };
        let page = store.list_page(&cms, req).unwrap();
        assert_eq!(names(&page), ["b", "d", "f"]);
        assert!(page.items[2]["data"].is_null());
        assert_eq!(page.rv, at);
        let now = store.list_page(&cms, PageRequest::default()).unwrap();
        assert_eq!(names(&now), ["b", "c", "f"]);
    }

    #[test]
    fn pages_say_what_remains_only_without_a_filter() {
        let (store, cms) = store_with(&["b", "c", "d"]);
        let req = PageRequest {
            limit: Some(1),
            ..Default::default()
        };
        let page = store.list_page(&cms, req).unwrap();
        assert_eq!((names(&page), page.remaining), (vec!["b"], Some(2)));
        // The next page, at the first one's version, knows what remains from the position it is given.
        let at = page.rv;
        store
            .create(&cms, "a", json!({"metadata": {"name": "bb"}}), false)
            .unwrap();
        let start = page.next.clone().unwrap();
        let second = PageRequest {
            start_after: Some(&start),
            position: page.position,
            at: Some(at),
            ..req
        };
        let page2 = store.list_page(&cms, second).unwrap();
        assert_eq!((names(&page2), page2.remaining), (vec!["c"], Some(1)));
        assert_eq!(page2.position, Some(2));
        let keep = |o: &Value| o["metadata"]["name"] != "x";
        let filtered = PageRequest {
            keep: Some(&keep),
            ..req
        };
        let page = store.list_page(&cms, filtered).unwrap();
        assert_eq!(page.remaining, None);
        assert_eq!(page.next, Some(("a".into(), "b".into())));
    }

    #[test]
    fn compacted_and_future_versions_cannot_be_read() {
        let (store, cms) = store_with(&["b"]);
        let at = store.resource_version();
        let future = PageRequest {
            at: Some(at + 5),
            ..Default::default()
        };
        assert!(matches!(
            store.list_page(&cms, future),
            Err(SnapshotError::TooLarge { .. })
        ));
        store
            .create(&cms, "a", json!({"metadata": {"name": "c"}}), false)
            .unwrap();
        store.compact();
        let old = PageRequest {
            at: Some(at),
            ..Default::default()
        };
        assert!(matches!(
            store.list_page(&cms, old),
            Err(SnapshotError::Compacted { .. })
        ));
    }
}
