//! Used by (`b` on a ConfigMap, Secret, PVC, ServiceAccount, Node or Service row): the pods and workloads
//! that mount or read it, the Ingresses that route to it or hold it as TLS, the pods on a Node — so "can I
//! delete this Secret?" is answered before deleting.

use super::relations::{Mode, kinds_for};
use crate::app::{App, Effect};
use tug_model::relations::{self, Node, Snapshot, Target};

pub fn nodes(snap: &Snapshot, target: &Target, now: jiff::Timestamp) -> Vec<Node> {
    relations::used_by(snap, target, now)
}

impl App {
    pub(in crate::app) fn open_used_by(&mut self, target: Target) -> Vec<Effect> {
        if !relations::has_users(&target.group, &target.plural) || target.name.is_empty() {
            self.flash(
                "used by: on a ConfigMap, Secret, PVC, ServiceAccount, Node or Service",
                false,
            );
            return vec![];
        }
        let key = relations::TREE_KINDS
            .iter()
            .chain(
                [
                    relations::CONFIGMAPS,
                    relations::SECRETS,
                    relations::SERVICE_ACCOUNTS,
                    relations::NODES,
                ]
                .iter(),
            )
            .find(|k| target.is(**k))
            .copied()
            .unwrap_or(("", ""));
        let kinds = kinds_for(self, relations::used_by_kinds(key).iter().copied());
        // A Node's pods are in every namespace; the rest are used from their own.
        let namespace = (!target.namespace.is_empty()).then(|| target.namespace.clone());
        let title = format!("used-by/{}", target.name);
        self.push_relations(title, Mode::UsedBy(target), kinds, namespace)
    }
}
