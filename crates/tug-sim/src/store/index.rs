//! Secondary indexes over one kind's objects, as client-go's `Indexers`: a function names the bucket an object
//! belongs to and the store keeps each bucket's keys in key order, so a controller reads the few objects it may
//! act on instead of scanning every pod each pass. Must not depend on HTTP or on the controllers.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::Value;

use super::ObjKey;

/// The bucket an object belongs to, or `None` (not in this index). Must be a pure function of the object: the
/// store calls it on the stored version before and after every write.
pub type IndexFn = fn(&Value) -> Option<String>;

pub(super) struct Index {
    pub(super) name: &'static str,
    bucket_of: IndexFn,
    buckets: HashMap<String, BTreeSet<ObjKey>>,
}

impl Index {
    /// An index over the objects already stored.
    pub(super) fn build(
        name: &'static str,
        bucket_of: IndexFn,
        objects: Option<&BTreeMap<ObjKey, Arc<Value>>>,
    ) -> Self {
        let mut index = Self {
            name,
            bucket_of,
            buckets: HashMap::new(),
        };
        for (key, obj) in objects.into_iter().flatten() {
            index.update(key, None, Some(obj));
        }
        index
    }

    /// Moves `key` from the bucket of `old` (the stored version, if any) to the bucket of `new` (if any).
    pub(super) fn update(&mut self, key: &ObjKey, old: Option<&Value>, new: Option<&Value>) {
        let from = old.and_then(self.bucket_of);
        let to = new.and_then(self.bucket_of);
        if from == to {
            return;
        }
        if let Some(from) = from
            && let Some(keys) = self.buckets.get_mut(&from)
        {
            keys.remove(key);
            if keys.is_empty() {
                self.buckets.remove(&from);
            }
        }
        if let Some(to) = to {
            self.buckets.entry(to).or_default().insert(key.clone());
        }
    }

    /// The keys in one bucket, in key order.
    pub(super) fn bucket(&self, value: &str) -> impl Iterator<Item = &ObjKey> {
        self.buckets.get(value).into_iter().flatten()
    }

    pub(super) fn len(&self, value: &str) -> usize {
        self.buckets.get(value).map_or(0, BTreeSet::len)
    }

    pub(super) fn clear(&mut self) {
        self.buckets.clear();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::store::{Store, UpdateScope};

    fn colour(cm: &serde_json::Value) -> Option<String> {
        cm["data"]["colour"].as_str().map(str::to_string)
    }

    #[test]
    fn an_index_follows_creates_updates_and_deletes() {
        let store = Store::new(1);
        let reg = store.registry();
        let (ns, cms) = (
            reg.preferred("", "namespaces").unwrap(),
            reg.preferred("", "configmaps").unwrap(),
        );
        store
            .create(&ns, "", json!({"metadata": {"name": "a"}}), false)
            .unwrap();
        let cm = |name: &str, colour: &str| json!({"metadata": {"name": name}, "data": {"colour": colour}});
        store.create(&cms, "a", cm("x", "red"), false).unwrap();
        // Built from what is stored, then kept current.
        store.add_index(&cms, "colour", colour);
        store.create(&cms, "a", cm("y", "red"), false).unwrap();
        store.create(&cms, "a", cm("z", "blue"), false).unwrap();
        let names = |colour: &str| -> Vec<String> {
            store
                .list_indexed(&cms, "colour", colour, |_| true)
                .unwrap()
                .iter()
                .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(names("red"), ["x", "y"]);
        store
            .update_with(&cms, "a", "x", UpdateScope::All, false, |o| {
                let mut o = o.clone();
                o["data"]["colour"] = json!("blue");
                Ok(o)
            })
            .unwrap();
        store.delete(&cms, "a", "z", &Default::default()).unwrap();
        assert_eq!(names("red"), ["y"]);
        assert_eq!(names("blue"), ["x"]);
        assert_eq!(store.count_indexed(&cms, "colour", "blue"), Some(1));
        assert_eq!(store.count_indexed(&cms, "shape", "round"), None);
    }
}
