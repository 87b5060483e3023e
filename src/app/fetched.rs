//! Answers to the app's fetches: each goes to the view that asked (dropped if it was closed meanwhile),
//! or opens what it was fetched for (logs, history, a dialog, the containers of a pod).

use super::*;

impl App {
    /// Pushes the pods that Enter on `name` (in the view titled `parent`) leads to.
    pub(super) fn drill_to_pods(&mut self, parent: &str, name: &str, scope: Scope) -> Vec<Effect> {
        let Some(pods) = discovery::find(&self.kinds, "pods").cloned() else {
            return vec![];
        };
        self.push_table(pods, scope, format!("{parent}/{name}"))
    }

    pub(super) fn fetched(
        &mut self,
        id: ViewId,
        result: Result<Fetched, wording::FetchFailure>,
    ) -> Vec<Effect> {
        let Some(pos) = self.stack.iter().position(|v| v.id == id) else {
            return vec![]; // the view was closed meanwhile: drop the stale answer
        };
        match result {
            // What a view's purpose needed beside the object could not be read: said where it was wanted.
            Err(e) if e.request == wording::Request::Events => {
                if let Body::Text(t) = &mut self.stack[pos].body {
                    t.set_text(&e.text());
                }
                vec![]
            }
            Err(e) => {
                let e = e.text();
                match &mut self.stack[pos].body {
                    Body::Editor(ed) if !matches!(ed.stage, editor::Stage::Loading) => {
                        ed.stage = editor::Stage::Editing;
                        ed.message = Some((format!("cannot read the object: {e}"), true));
                        return vec![];
                    }
                    Body::Text(_) | Body::Editor(_) => {
                        self.stack.remove(pos);
                    }
                    _ => {}
                }
                self.flash(e, true);
                vec![]
            }
            Ok(Fetched::Edit(object)) => self.editor_loaded(id, object),
            Ok(Fetched::Latest(object)) => self.editor_latest(id, object),
            Ok(Fetched::Recovered(found)) => self.editor_recovered(id, found),
            Ok(Fetched::Text(text)) => {
                match &mut self.stack[pos].body {
                    Body::Text(t) => t.set_text(&text),
                    // An answer meant as a message (e.g. a workload without pods to show logs of).
                    _ => self.flash(text, false),
                }
                vec![]
            }
            Ok(Fetched::ShellInto {
                namespace,
                pod,
                attach,
            }) => {
                vec![Effect::Shell {
                    namespace,
                    pod,
                    container: None,
                    attach,
                }]
            }
            Ok(Fetched::ForwardPort {
                namespace,
                pod,
                port,
            }) => {
                self.mode = Mode::Dialog(Box::new(actions::Dialog::Forward {
                    namespace,
                    pod,
                    input: format!("{}:{port}", if port < 1024 { port + 8000 } else { port }),
                    error: None,
                }));
                vec![]
            }
            Ok(Fetched::Paused {
                kind,
                namespace,
                name,
                paused,
            }) => {
                if self.readonly {
                    return vec![];
                }
                self.pause_dialog(kind, namespace, name, paused);
                vec![]
            }
            Ok(Fetched::Images { target, images }) => {
                if !self.readonly {
                    self.set_image_dialog(target, images);
                }
                vec![]
            }
            Ok(Fetched::History(history)) => {
                let name = history.deployment["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                self.show_history(format!("history/{name}"), history)
            }
            Ok(Fetched::Logs(target)) => {
                let title = match &target.pods {
                    PodSet::One(p) => format!("logs/{p}"),
                    PodSet::Selector(sel) => format!("logs/{sel}"),
                };
                self.open_logs(title, target)
            }
            Ok(Fetched::Object(obj)) => {
                if let Body::Text(t) = &mut self.stack[pos].body {
                    t.set_object(obj);
                }
                vec![]
            }
            Ok(Fetched::Drill { target, object }) => {
                let name = object["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                match target {
                    DrillDown::Pods(scope) => {
                        let parent = self.stack[pos].title.clone();
                        self.drill_to_pods(&parent, &name, scope)
                    }
                    DrillDown::Containers => {
                        let id = self.id();
                        self.flash = Some(Flash {
                            text: "choose a container: s shell, a attach, l logs".into(),
                            error: false,
                        });
                        let mut containers = views::ContainersView::of(&object);
                        containers.table.metrics = self.containers_metrics(&containers);
                        self.stack.push(View {
                            id,
                            title: format!("containers/{name}"),
                            body: Body::Containers(Box::new(containers)),
                        });
                        vec![]
                    }
                    DrillDown::Nothing => {
                        self.flash(format!("nothing to open under {name}"), false);
                        vec![]
                    }
                }
            }
        }
    }
}
