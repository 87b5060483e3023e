//! core/v1 Events as the kubelet and controllers record them: deduplicated (a repeat bumps `count` and
//! `lastTimestamp`) and bounded (the oldest go first, as the apiserver's TTL would drop them).

use std::collections::{HashMap, VecDeque};

use serde_json::{Value, json};

use super::{Ctx, fnv1a, fnv1a_more, name, namespace, uid};

/// Events kept at most; a crash-looping pod must not grow the store forever.
const MAX_EVENTS: usize = 2_000;

#[derive(Default)]
pub struct EventRecorder {
    /// (involved uid, reason, message) → (namespace, event name).
    seen: HashMap<(String, String, String), (String, String)>,
    order: VecDeque<(String, String)>,
    made: u64,
}

impl EventRecorder {
    pub fn record(
        &mut self,
        ctx: &mut Ctx,
        obj: &Value,
        kind: &str,
        reason: &str,
        component: &str,
        message: String,
    ) {
        let ns = match namespace(obj) {
            "" => "default".to_string(),
            ns => ns.to_string(),
        };
        let key = (uid(obj).to_string(), reason.to_string(), message.clone());
        let now = ctx.now_str();
        let res = ctx.kinds.events.clone();
        if let Some((ens, ename)) = self.seen.get(&key)
            && let Some(existing) = ctx.store.get(&res, ens, ename)
        {
            let _ = ctx.update(&res, &existing, |e| {
                e["count"] = json!(e["count"].as_i64().unwrap_or(1) + 1);
                e["lastTimestamp"] = json!(now);
            });
            return;
        }
        self.made += 1;
        let hash = fnv1a_more(fnv1a(&ctx.seed.to_le_bytes()), &self.made.to_le_bytes());
        let ename = format!("{}.{:016x}", name(obj), hash);
        let (source_component, host) = match component.split_once('/') {
            Some((c, h)) => (c, Some(h)),
            None => (component, None),
        };
        let mut source = json!({"component": source_component});
        if let Some(h) = host {
            source["host"] = json!(h);
        }
        let event = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": ename, "namespace": ns},
            "involvedObject": {
                "apiVersion": obj["apiVersion"],
                "kind": obj["kind"],
                "name": name(obj),
                "namespace": namespace(obj),
                "uid": uid(obj),
                "resourceVersion": obj["metadata"]["resourceVersion"],
            },
            "reason": reason,
            "message": message,
            "type": kind,
            "count": 1,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "eventTime": null,
            "source": source,
            "reportingComponent": source_component,
            "reportingInstance": host.unwrap_or_default(),
        });
        if ctx.create(&res, &ns, event).is_ok() {
            self.seen.insert(key, (ns.clone(), ename.clone()));
            self.order.push_back((ns, ename));
        }
        while self.order.len() > MAX_EVENTS {
            if let Some((ns, n)) = self.order.pop_front() {
                self.seen.retain(|_, v| !(v.0 == ns && v.1 == n));
                if let Some(old) = ctx.store.get(&res, &ns, &n) {
                    ctx.remove(&res, &old);
                }
            }
        }
    }
}
