//! The table of one kind's objects (`:pods`, `:deploy`, any CRD): Enter drills down (a CronJob to its Jobs), `y`/`d`/`v` inspect,
//! `e` edits, `l` logs, `s`/`a` shell and attach, `f` port-forwards, and the mutating keys open their dialogs.

use super::{Me, TableView, TextView, View, ViewType};
use crate::app::{App, Body, Effect, Flash, Purpose};
use crate::config::Action;
use tug_cluster::logs::{DEFAULT_TAIL, LogTarget, PodSet};

impl ViewType for TableView {
    fn table(&self) -> Option<&TableView> {
        Some(self)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(self)
    }

    fn act(&mut self, action: Action, app: &mut App, me: &Me) -> Vec<Effect> {
        if action.mutates() || action == Action::History {
            return app.object_mutation(action, self, me.id);
        }
        let Some(kind) = self.kind.clone() else {
            return vec![];
        };
        match action {
            Action::PortForward | Action::Shell | Action::Attach
                if app.refuse_in_readonly(action) =>
            {
                return vec![];
            }
            Action::PortForward
                if !(kind.is("", "pods")
                    || kind.is("", "services")
                    || kind.is("apps", "deployments")) =>
            {
                app.flash = Some(Flash {
                    text: "port-forward works on pods, services and deployments".into(),
                    error: false,
                });
                return vec![];
            }
            _ => {}
        }
        let Some((ns, name)) = self.selected_row() else {
            return vec![];
        };
        let (ns, name) = (ns.to_string(), name.to_string());
        if matches!(action, Action::Xray | Action::Explain | Action::UsedBy) {
            let target = tug_model::relations::Target::object(
                &kind.group,
                &kind.plural,
                &kind.kind,
                &ns,
                &name,
            );
            return match action {
                Action::Xray => app.xray_object(&target),
                Action::Explain => app.open_explain(target),
                _ => app.open_used_by(target),
            };
        }
        let fetch = |purpose| {
            vec![Effect::Fetch {
                view: me.id,
                kind: kind.clone(),
                namespace: ns.clone(),
                name: name.clone(),
                purpose,
            }]
        };
        match action {
            Action::WhoCan => app.who_can_delete(&kind, &ns, &name),
            Action::Logs if kind.is("", "pods") => {
                let target = LogTarget {
                    namespace: ns.clone(),
                    pods: PodSet::One(name.clone()),
                    container: None,
                    previous: false,
                    tail: DEFAULT_TAIL,
                    since: None,
                };
                app.open_logs(format!("logs/{name}"), target)
            }
            // A workload's pods: its selector comes with the object.
            Action::Logs => fetch(Purpose::Logs),
            Action::PortForward => fetch(Purpose::PortForward),
            Action::Shell | Action::Attach => {
                let attach = action == Action::Attach;
                if !kind.is("", "pods") {
                    return vec![];
                }
                // The container chosen last time for this pod, else ask the server how many there are.
                if let Some(c) = app.last_container.get(&(ns.clone(), name.clone())) {
                    return vec![Effect::Shell {
                        namespace: ns.clone(),
                        pod: name.clone(),
                        container: Some(c.clone()),
                        attach,
                    }];
                }
                fetch(if attach {
                    Purpose::Attach
                } else {
                    Purpose::Shell
                })
            }
            Action::Edit | Action::EditExternal => {
                app.open_editor(kind, ns, name, action == Action::EditExternal)
            }
            Action::Timeline => app.open_timeline(kind, ns, name),
            Action::Open if kind.is("batch", "cronjobs") => app.cronjob_jobs(me.title, &ns, &name),
            // A namespace's or a node's pods follow from its name: opened at once, no GET first.
            Action::Open => match tug_model::scope::drill_down_by_name(&kind, &name) {
                Some(tug_model::scope::DrillDown::Pods(scope)) => {
                    app.drill_to_pods(me.title, &name, scope)
                }
                _ => fetch(Purpose::DrillDown),
            },
            Action::Yaml | Action::Describe | Action::Events => {
                let (purpose, what) = match action {
                    Action::Yaml => (Purpose::Yaml, "yaml"),
                    Action::Describe => (Purpose::Describe, "describe"),
                    _ => (Purpose::Events, "events"),
                };
                let id = app.id();
                let mut text = TextView::loading();
                text.secret = kind.is("", "secrets");
                text.origin = Some((kind.clone(), ns.clone(), name.clone()));
                app.stack.push(View {
                    id,
                    title: format!("{what}/{name}"),
                    body: Body::Text(Box::new(text)),
                });
                vec![Effect::Fetch {
                    view: id,
                    kind,
                    namespace: ns,
                    name,
                    purpose,
                }]
            }
            _ => vec![],
        }
    }
}
