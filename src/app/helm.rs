//! Opening the Helm views: `:helm` (the releases in the current namespace, or all) and a release's history,
//! each kept current by `Effect::Helm` until it closes.

use super::*;
use tug_cluster::helm::HelmState;

impl App {
    pub(super) fn open_helm(&mut self) -> Vec<Effect> {
        let id = self.id();
        let state = HelmState::default();
        let title = match &self.namespace {
            Some(ns) => format!("helm({ns})"),
            None => "helm(all)".into(),
        };
        self.stack.push(View {
            id,
            title,
            body: Body::Helm(Box::new(views::HelmView::new(state.clone()))),
        });
        vec![Effect::Helm {
            view: id,
            namespace: self.namespace.clone(),
            release: None,
            state,
        }]
    }

    pub(super) fn open_helm_history(&mut self, namespace: String, name: String) -> Vec<Effect> {
        let id = self.id();
        let state = HelmState::default();
        self.stack.push(View {
            id,
            title: format!("helm-history/{name}"),
            body: Body::HelmHistory(Box::new(views::HelmHistoryView::new(
                state.clone(),
                namespace.clone(),
                name.clone(),
            ))),
        });
        vec![Effect::Helm {
            view: id,
            namespace: Some(namespace),
            release: Some(name),
            state,
        }]
    }
}
