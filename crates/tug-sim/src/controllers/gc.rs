//! Garbage collection and namespace teardown: dependents whose owner is gone are deleted (background),
//! foreground deletions wait for their dependents, orphaning strips owner references; a Terminating namespace
//! is emptied, then removed.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::{Ctx, POD_ATTENTION, YES, has_owner, is_deleting, name, uid};

fn finalizers(obj: &Value) -> Vec<&str> {
    obj["metadata"]["finalizers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Deletes orphans, completes foreground and orphan deletions of owners.
pub fn owners(ctx: &mut Ctx) {
    let registry = ctx.store.registry();
    let kinds: Vec<_> = registry.all().to_vec();
    // Every live uid (owners are few kinds, but any object may own another).
    let mut live: HashSet<String> = HashSet::new();
    let mut dependents = vec![];
    let mut owners_finishing = vec![];
    for res in &kinds {
        if !res.verbs.iter().any(|v| v == "list") {
            continue;
        }
        // Pods own nothing in practice and are the bulk (10,000 load pods): only look at those that matter.
        let pods = res.is("", "pods");
        let keep = |o: &Value| !pods || has_owner(o) || is_deleting(o);
        let objects = if pods {
            ctx.pods_in(POD_ATTENTION, YES, keep)
        } else {
            ctx.store.list(res, None, keep)
        };
        for obj in objects {
            if !pods {
                live.insert(uid(&obj).to_string());
            }
            if has_owner(&obj) {
                dependents.push((res.clone(), obj.clone()));
            }
            if is_deleting(&obj) {
                let f = finalizers(&obj);
                if f.contains(&"foregroundDeletion") || f.contains(&"orphan") {
                    owners_finishing.push((res.clone(), obj.clone()));
                }
            }
        }
    }
    for (res, obj) in &dependents {
        let refs = obj["metadata"]["ownerReferences"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if refs
            .iter()
            .all(|r| !live.contains(r["uid"].as_str().unwrap_or_default()))
            && !is_deleting(obj)
        {
            ctx.delete(res, obj);
        }
    }
    for (res, owner) in owners_finishing {
        let owner_uid = uid(&owner).to_string();
        let mine: Vec<_> = dependents
            .iter()
            .filter(|(_, d)| {
                d["metadata"]["ownerReferences"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|r| r["uid"].as_str() == Some(owner_uid.as_str()))
            })
            .cloned()
            .collect();
        let f = finalizers(&owner);
        if f.contains(&"orphan") {
            for (dres, dep) in &mine {
                let _ = ctx.update(dres, dep, |d| {
                    if let Some(refs) = d["metadata"]["ownerReferences"].as_array_mut() {
                        refs.retain(|r| r["uid"].as_str() != Some(owner_uid.as_str()));
                    }
                });
            }
            drop_finalizer(ctx, &res, &owner, "orphan");
        } else if mine.is_empty() {
            drop_finalizer(ctx, &res, &owner, "foregroundDeletion");
        } else {
            for (dres, dep) in &mine {
                if !is_deleting(dep) {
                    ctx.delete(dres, dep);
                }
            }
        }
    }
}

fn drop_finalizer(ctx: &mut Ctx, res: &crate::resources::ResourceDef, obj: &Value, which: &str) {
    let _ = ctx.update(res, obj, |o| {
        if let Some(f) = o["metadata"]["finalizers"].as_array_mut() {
            f.retain(|x| x.as_str() != Some(which));
        }
    });
}

/// Terminating namespaces: delete everything in them, then let them go.
pub fn namespaces(ctx: &mut Ctx) {
    let ns_res = ctx.kinds.namespaces.clone();
    let terminating = ctx.store.list(&ns_res, None, is_deleting);
    if terminating.is_empty() {
        return;
    }
    let kinds: Vec<_> = ctx
        .store
        .registry()
        .all()
        .iter()
        .filter(|r| r.namespaced)
        .cloned()
        .collect();
    for ns in terminating {
        let mut left = 0;
        for res in &kinds {
            if !res.verbs.iter().any(|v| v == "list") {
                continue;
            }
            for obj in ctx.store.list(res, Some(name(&ns)), |_| true) {
                left += 1;
                if !is_deleting(&obj) {
                    ctx.delete(res, &obj);
                }
            }
        }
        if left == 0 {
            let _ = ctx.update(&ns_res, &ns, |n| {
                n["spec"]["finalizers"] = json!([]);
                n["status"]["phase"] = json!("Terminating");
            });
        }
    }
}
