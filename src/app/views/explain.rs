//! Explain (`w` ("why") on any row or node, Enter in `:problems`): the findings about one object as a tree —
//! each finding, the evidence quoted from the cluster under it, then what to look at next; Enter on a line
//! jumps to the object it names.

use super::relations::{Mode, kinds_for};
use crate::app::{App, Effect};
use tug_cluster::relations::Live;
use tug_model::explain::{self, Evidence};
use tug_model::health::Health;
use tug_model::relations::{Node, Target};

pub fn nodes(data: &Live, target: &Target, now: jiff::Timestamp) -> Vec<Node> {
    let ev = Evidence {
        events: &data.evidence.events,
        previous_logs: &data.evidence.previous_logs,
    };
    explain::explain(&data.snapshot, target, &ev, now)
        .into_iter()
        .map(|f| {
            let line = |text: String, target: &Target| Node {
                target: Target {
                    kind: String::new(),
                    ..target.clone()
                },
                status: String::new(),
                health: Health::Ok,
                detail: text,
                children: vec![],
            };
            let mut children: Vec<Node> = f
                .evidence
                .into_iter()
                .map(|e| line(e, &f.subject))
                .collect();
            children.extend(f.next.iter().map(|n| Node {
                target: n.clone(),
                status: "next".into(),
                health: Health::Ok,
                detail: match (&n.container, n.name.is_empty()) {
                    (Some(c), _) => format!("logs of container {c}"),
                    (None, true) => format!("all {}", n.plural),
                    (None, false) => format!("look at {} {}", n.kind, n.name),
                },
                children: vec![],
            }));
            let health = if f.status == "Ok" {
                Health::Ok
            } else {
                Health::Bad
            };
            Node {
                target: f.subject,
                status: f.status,
                health,
                detail: f.title,
                children,
            }
        })
        .collect()
}

impl App {
    pub(in crate::app) fn open_explain(&mut self, target: Target) -> Vec<Effect> {
        if target.name.is_empty() {
            return vec![];
        }
        let target = Target {
            container: None,
            ..target
        };
        let key = (target.group.as_str(), target.plural.as_str());
        let keys: Vec<(&'static str, &'static str)> = [
            tug_model::relations::PODS,
            tug_model::relations::DEPLOYMENTS,
            tug_model::relations::STATEFULSETS,
            tug_model::relations::DAEMONSETS,
            tug_model::relations::REPLICASETS,
            tug_model::relations::SERVICES,
            tug_model::relations::PVCS,
            tug_model::relations::NODES,
            tug_model::relations::JOBS,
        ]
        .into_iter()
        .filter(|k| *k == key)
        .flat_map(|k| std::iter::once(k).chain(explain::kinds_for(k).iter().copied()))
        .collect();
        if keys.is_empty() {
            self.flash(format!("nothing to explain about a {}", target.kind), false);
            return vec![];
        }
        let kinds = kinds_for(self, keys);
        let namespace = (!target.namespace.is_empty()).then(|| target.namespace.clone());
        let title = format!("explain/{}", target.name);
        self.push_relations(title, Mode::Explain(target), kinds, namespace)
    }
}
