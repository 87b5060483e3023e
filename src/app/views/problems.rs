//! `:problems` (alias `:health`): every unhealthy object of the current scope in one list — kind, name, a
//! one-line reason and since when — most severe first, live; Enter explains it. The incident start page.

use super::relations::{Mode, kinds_for};
use crate::app::{App, Effect};
use tug_model::duration::age;
use tug_model::health::{self, Health};
use tug_model::relations::{Node, Snapshot};

pub fn nodes(snap: &Snapshot, now: jiff::Timestamp) -> Vec<Node> {
    health::problems(snap, now)
        .into_iter()
        .map(|p| {
            let detail = match &p.since {
                Some(t) => format!("{} (since {})", p.reason, age(t, now)),
                None => p.reason,
            };
            Node {
                target: p.target,
                status: p.status,
                health: Health::Bad,
                detail,
                children: vec![],
            }
        })
        .collect()
}

impl App {
    pub(in crate::app) fn open_problems(&mut self) -> Vec<Effect> {
        let kinds = kinds_for(self, health::PROBLEM_KINDS.iter().copied());
        let title = match &self.namespace {
            Some(ns) => format!("problems/{ns}"),
            None => "problems".to_string(),
        };
        let namespace = self.namespace.clone();
        self.push_relations(title, Mode::Problems, kinds, namespace)
    }
}
