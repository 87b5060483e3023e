//! `:xray KIND [NAMESPACE]` (k9s's syntax) and `x` on a row: the tree of a kind's objects — a Deployment's
//! ReplicaSets, their pods and the pods' containers, with the Services (and their Ingresses), ConfigMaps,
//! Secrets, PVCs, ServiceAccount and Node hanging where they belong — built from one list per kind.

use super::relations::{Mode, kinds_for};
use crate::app::{App, Effect};
use tug_cluster::discovery;
use tug_model::relations::{self, Node, Snapshot, Target};

/// The trees of the snapshot's objects of (`group`, `plural`), or of the one object `only` names.
pub fn nodes(
    snap: &Snapshot,
    group: &str,
    plural: &str,
    only: Option<&(String, String)>,
    now: jiff::Timestamp,
) -> Vec<Node> {
    let mut trees = relations::tree(snap, group, plural, now);
    if let Some((ns, name)) = only {
        trees.retain(|n| n.target.namespace == *ns && n.target.name == *name);
    }
    trees
}

impl App {
    /// `:xray KIND [NAMESPACE]`: without a namespace, the current one (or all).
    pub(in crate::app) fn open_xray(&mut self, name: &str, namespace: Option<&str>) -> Vec<Effect> {
        let Some(kind) = discovery::find(&self.kinds, name).cloned() else {
            self.flash(format!("unknown resource \"{name}\""), true);
            return vec![];
        };
        let namespace = match namespace {
            Some("all" | "-A") => None,
            Some(ns) => Some(ns.to_string()),
            None => self.namespace.clone(),
        };
        let mode = Mode::Xray {
            group: kind.group.clone(),
            plural: kind.plural.clone(),
            only: None,
        };
        let title = format!("xray/{}", kind.plural);
        self.open_tree(&kind, mode, title, namespace)
    }

    /// `x` on a row (or a node): the tree of that one object.
    pub(in crate::app) fn xray_object(&mut self, t: &Target) -> Vec<Effect> {
        let Some(kind) = super::relations::kind_of(self, t).cloned() else {
            return vec![];
        };
        if t.name.is_empty() || t.container.is_some() {
            return vec![];
        }
        let mode = Mode::Xray {
            group: kind.group.clone(),
            plural: kind.plural.clone(),
            only: Some((t.namespace.clone(), t.name.clone())),
        };
        let namespace = (!t.namespace.is_empty()).then(|| t.namespace.clone());
        let title = format!("xray/{}", t.name);
        self.open_tree(&kind, mode, title, namespace)
    }

    fn open_tree(
        &mut self,
        kind: &discovery::Kind,
        mode: Mode,
        title: String,
        namespace: Option<String>,
    ) -> Vec<Effect> {
        let root: relations::KindKey = match relations::TREE_KINDS
            .iter()
            .chain(
                [
                    relations::DEPLOYMENTS,
                    relations::STATEFULSETS,
                    relations::DAEMONSETS,
                    relations::CRONJOBS,
                    relations::HPAS,
                ]
                .iter(),
            )
            .find(|(g, p)| kind.is(g, p))
        {
            Some(k) => *k,
            None => ("", ""),
        };
        let mut kinds = vec![kind.clone()];
        kinds.extend(kinds_for(
            self,
            relations::TREE_KINDS.iter().copied().filter(|k| *k != root),
        ));
        if root == relations::DEPLOYMENTS || root == relations::STATEFULSETS {
            kinds.extend(kinds_for(self, [relations::HPAS]));
        }
        self.push_relations(title, mode, kinds, namespace)
    }
}
