//! Acting for another context than the current one: `:fleet` opens its views here, and `for_context` runs a
//! piece of the app (an action on a fleet row, a dialog it opened, an answer to it) as if the row's context
//! were current — its read-only and protected-context rules, its `denied_actions` — and sends whatever that
//! asks of a cluster to that context's client (`Effect::OnContext`). Views opened that way remember their
//! context (`contexts_of`), so nothing they do later goes to the current cluster by mistake.

use super::*;

/// Effects that never reach a cluster: they run the same whichever context asked.
fn local(effect: &Effect) -> bool {
    matches!(
        effect,
        Effect::Unwatch(_)
            | Effect::Journal(_)
            | Effect::SaveLog { .. }
            | Effect::Copy(_)
            | Effect::SaveText { .. }
            | Effect::SwitchContext(_)
            | Effect::Suspend
            | Effect::StopForward(_)
            | Effect::SaveRecovery { .. }
            | Effect::DropRecovery(_)
            | Effect::ReadRecovery { .. }
            | Effect::ExternalEdit { .. }
            | Effect::OnContext { .. }
            | Effect::Quit
    )
}

/// Core kinds the summary watches, for when the current context has not answered discovery (it may be the
/// unreachable one).
fn core_kind(name: &str) -> Option<Kind> {
    let (plural, kind, namespaced) = match name {
        "nodes" => ("nodes", "Node", false),
        "pods" => ("pods", "Pod", true),
        "events" => ("events", "Event", true),
        _ => return None,
    };
    Some(Kind {
        group: String::new(),
        version: "v1".into(),
        plural: plural.into(),
        kind: kind.into(),
        namespaced,
        short_names: vec![],
        verbs: ["get", "list", "watch"].map(String::from).to_vec(),
    })
}

impl App {
    /// `effect` as one for `context`: unchanged for the current context.
    pub(super) fn on_context(&self, context: &str, effect: Effect) -> Effect {
        if context == self.info.context || local(&effect) {
            effect
        } else {
            Effect::OnContext {
                context: context.to_string(),
                effect: Box::new(effect),
            }
        }
    }

    /// The kind called `name` as discovery found it, else the core kind of that name.
    pub(super) fn fleet_kind(&self, name: &str) -> Option<Kind> {
        discovery::find(&self.kinds, name)
            .cloned()
            .or_else(|| core_kind(name))
    }

    /// The context the view on top talks to when it is not the current one: a view opened from a fleet row,
    /// or the selected row of a merged list.
    pub(super) fn top_context(&self) -> Option<String> {
        let top = self.top()?;
        let context = match &top.body {
            Body::FleetList(f) => f.selected_context(),
            _ => self.contexts_of.get(&top.id).cloned(),
        }?;
        (context != self.info.context).then_some(context)
    }

    /// The context of view `id` if it is not the current one.
    pub(super) fn view_context(&self, id: ViewId) -> Option<String> {
        self.contexts_of
            .get(&id)
            .filter(|c| **c != self.info.context)
            .cloned()
    }

    /// Runs `f` for an answer to view `id`: in that view's pane (it may be in another tab or pane) and as
    /// that view's context (it may be another cluster's, opened from a fleet row).
    pub(super) fn answer_for(
        &mut self,
        id: ViewId,
        f: impl FnOnce(&mut App) -> Vec<Effect>,
    ) -> Vec<Effect> {
        self.in_pane_of(id, |app| match app.view_context(id) {
            Some(context) => app.for_context(&context, f),
            None => f(app),
        })
    }

    /// Runs `f` as if `context` were current: its guardrails and read-only rule decide, the cluster effects it
    /// returns go to that context's client, the views it opens belong to that context (their titles say so),
    /// and a dialog it opens is answered as that context's.
    pub(super) fn for_context(
        &mut self,
        context: &str,
        f: impl FnOnce(&mut App) -> Vec<Effect>,
    ) -> Vec<Effect> {
        if context == self.info.context {
            return f(self);
        }
        let guardrails = std::mem::replace(
            &mut self.guardrails,
            guard::Guardrails::for_context(&self.guard_settings, context),
        );
        let readonly = std::mem::replace(
            &mut self.readonly,
            self.readonly_cli
                || self.guard_settings.readonly
                || self.readonly_contexts.iter().any(|c| c == context),
        );
        let current = std::mem::replace(&mut self.info.context, context.to_string());
        let before: std::collections::HashSet<ViewId> = self.stack.iter().map(|v| v.id).collect();
        let (flash, mode) = (self.flash.clone(), self.mode.clone());
        let effects = f(self);
        self.info.context = current;
        self.readonly = readonly;
        self.guardrails = guardrails;
        for v in self.stack.iter_mut().filter(|v| !before.contains(&v.id)) {
            self.contexts_of.insert(v.id, context.to_string());
            v.title = format!("{context}: {}", v.title);
            // The metrics poll follows the current context: another cluster's rows would get its numbers.
            if let Some(t) = v.body.table_mut() {
                t.metrics = None;
            }
        }
        // Only a dialog `f` opened (or moved on) is this context's: an answer arriving while the current
        // context's dialog is open leaves that one alone.
        if self.mode != mode {
            self.dialog_context = matches!(self.mode, Mode::Dialog(_)).then(|| context.to_string());
        }
        if self.flash != flash
            && let Some(f) = &mut self.flash
            && !f.text.starts_with(context)
        {
            f.text = format!("{context}: {}", f.text);
        }
        effects
            .into_iter()
            .map(|e| self.on_context(context, e))
            .collect()
    }

    /// The contexts `:fleet` shows: those named (`a,b`), else the `fleet` setting's, else all of the
    /// kubeconfig's.
    fn fleet_contexts(&mut self, named: Option<&str>) -> Option<Vec<String>> {
        let wanted: Vec<String> = match named {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect(),
            None if !self.guard_settings.fleet.is_empty() => self.guard_settings.fleet.clone(),
            None => self.info.contexts.clone(),
        };
        if let Some(missing) = wanted.iter().find(|c| !self.info.contexts.contains(c)) {
            self.flash(format!("no context \"{missing}\" in the kubeconfig"), true);
            return None;
        }
        if wanted.is_empty() {
            self.flash("no contexts to show", true);
            return None;
        }
        Some(wanted)
    }

    /// `:fleet [KIND] [CONTEXT,CONTEXT…]`: the summary, or one kind merged across the contexts. Replaces the
    /// stack, as opening a kind does.
    pub(super) fn open_fleet(&mut self, args: &[&str]) -> Vec<Effect> {
        let (mut kind, mut named) = (None, None);
        for a in args {
            if a.contains(',') || self.info.contexts.iter().any(|c| c == a) {
                named = Some(*a);
            } else {
                kind = Some(*a);
            }
        }
        let Some(contexts) = self.fleet_contexts(named) else {
            return vec![];
        };
        let kind = match kind {
            None => None,
            Some(name) => match self.fleet_kind(name) {
                Some(k) => Some(k),
                None => {
                    self.flash(format!("unknown resource \"{name}\""), true);
                    return vec![];
                }
            },
        };
        let mut effects = self.clear_stack();
        let id = self.id();
        let (title, body, opened) = match kind {
            None => {
                let (view, opened) = views::FleetView::open(self, &contexts);
                ("fleet".to_string(), Body::Fleet(Box::new(view)), opened)
            }
            Some(kind) => {
                let title = format!("fleet/{}", kind.display());
                let (view, opened) = views::FleetListView::open(self, kind, &contexts);
                (title, Body::FleetList(Box::new(view)), opened)
            }
        };
        self.stack.push(View { id, title, body });
        effects.extend(opened);
        effects
    }

    /// Before a draw: the fleet views recount and merge what their watches hold.
    pub(super) fn prepare_fleet(v: &mut View) {
        match &mut v.body {
            Body::Fleet(f) => f.recount(),
            Body::FleetList(f) => {
                if let Some(problems) = f.merge() {
                    let base = format!("fleet/{}", f.kind.display());
                    v.title = if problems.is_empty() {
                        base
                    } else {
                        format!("{base} — {problems}")
                    };
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use tug_model::table::{Column, Row};

    fn key(code: KeyCode, modifiers: KeyModifiers) -> AppEvent {
        AppEvent::Key(KeyEvent::new(code, modifiers))
    }

    fn pods() -> Kind {
        core_kind("pods").unwrap()
    }

    /// An app on `alpha` with `settings`, showing `:fleet pods` of alpha and beta, each with one pod.
    fn fleet(settings: &str) -> App {
        let config = crate::config::Config {
            keymap: crate::config::Keymap::default_keymap(),
            theme: crate::config::Theme::default(),
            settings: crate::config::Settings::parse(settings).unwrap(),
            customs: vec![],
            views: Default::default(),
            errors: vec![],
        };
        let info = ClusterInfo {
            context: "alpha".into(),
            contexts: vec!["alpha".into(), "beta".into()],
            ..Default::default()
        };
        let mut app = App::new(info, Some("shop".into()), None, false).with_config(config);
        app.handle(AppEvent::Discovered(Ok(vec![pods()])));
        let effects = app.command("fleet pods alpha,beta");
        // The current context's watch goes to the current client, beta's to beta's.
        let mut datas = vec![];
        for e in effects {
            match e {
                Effect::Watch { data, .. } => datas.push(("alpha", data)),
                Effect::OnContext { context, effect } => match *effect {
                    Effect::Watch { data, .. } if context == "beta" => datas.push(("beta", data)),
                    other => panic!("unexpected {other:?}"),
                },
                _ => {}
            }
        }
        assert_eq!(datas.len(), 2);
        for (context, data) in datas {
            data.lock().unwrap().replace_all(
                vec![Column {
                    name: "Name".into(),
                    kind: "string".into(),
                    priority: 0,
                }],
                vec![Row {
                    namespace: "shop".into(),
                    name: format!("web-{context}").into(),
                    uid: "".into(),
                    created: None,
                    deleting: false,
                    cells: vec![format!("web-{context}").into()],
                }],
            );
        }
        app.prepare();
        app
    }

    /// Moves the cursor to the merged row of `context` (rows come in context order).
    fn select(app: &mut App, context: &str) {
        if context == "beta" {
            app.handle(key(KeyCode::Down, KeyModifiers::NONE));
            app.prepare();
        }
        assert_eq!(
            app.top_context().as_deref(),
            (context == "beta").then_some("beta")
        );
    }

    fn delete(app: &mut App) -> Vec<Effect> {
        app.handle(key(KeyCode::Char('d'), KeyModifiers::CONTROL))
    }

    #[test]
    fn a_delete_confirmed_on_another_contexts_row_is_sent_to_that_context_only() {
        let mut app = fleet("");
        select(&mut app, "beta");
        assert!(delete(&mut app).is_empty());
        let effects = app.handle(key(KeyCode::Enter, KeyModifiers::NONE));
        match effects.as_slice() {
            [Effect::OnContext { context, effect }] => {
                assert_eq!(context, "beta");
                assert!(
                    matches!(&**effect, Effect::Mutate(m) if m.target.name == "web-beta"),
                    "{effect:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        // The current context's row goes to the current client, unwrapped.
        app.handle(key(KeyCode::Up, KeyModifiers::NONE));
        app.prepare();
        delete(&mut app);
        let effects = app.handle(key(KeyCode::Enter, KeyModifiers::NONE));
        assert!(
            matches!(effects.as_slice(), [Effect::Mutate(m)] if m.target.name == "web-alpha"),
            "{effects:?}"
        );
    }

    #[test]
    fn the_fleet_setting_chooses_the_contexts_when_none_are_named() {
        let mut app = fleet("fleet: [beta]\n");
        let effects = app.command("fleet");
        assert!(matches!(app.top().map(|v| &v.body), Some(Body::Fleet(_))));
        let contexts: std::collections::BTreeSet<&str> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::OnContext { context, .. } => Some(context.as_str()),
                Effect::Watch { .. } | Effect::Probe { .. } => Some("alpha"),
                _ => None,
            })
            .collect();
        assert_eq!(contexts, ["beta"].into());
        // Named ones win over the setting.
        let effects = app.command("fleet alpha");
        assert!(
            effects.iter().any(|e| matches!(e, Effect::Probe { .. }))
                && !effects
                    .iter()
                    .any(|e| matches!(e, Effect::OnContext { .. })),
            "{effects:?}"
        );
    }

    #[test]
    fn read_only_applies_by_the_rows_context() {
        let mut app = fleet("readonly_contexts: [beta]\n");
        select(&mut app, "beta");
        assert!(delete(&mut app).is_empty());
        assert!(matches!(app.mode, Mode::Normal), "refused, no dialog");
        assert!(
            app.flash
                .as_ref()
                .is_some_and(|f| f.text.contains("read-only")),
            "{:?}",
            app.flash
        );
        assert!(!app.readonly, "the current context stays writable");
        app.handle(key(KeyCode::Up, KeyModifiers::NONE));
        app.prepare();
        delete(&mut app);
        assert!(matches!(app.mode, Mode::Dialog(_)), "alpha's row asks");
    }

    #[test]
    fn an_answer_from_another_context_leaves_the_current_contexts_dialog_its_own() {
        let mut app = fleet("");
        select(&mut app, "alpha");
        delete(&mut app);
        assert!(matches!(app.mode, Mode::Dialog(_)));
        let done = tug_cluster::mutate::Mutation::new(
            tug_cluster::mutate::ObjectRef::new(pods(), "shop", "x"),
            tug_cluster::mutate::Op::Restart,
        );
        app.handle(AppEvent::OnContext {
            context: "beta".into(),
            event: Box::new(AppEvent::Mutated {
                mutation: Box::new(done),
                result: Ok(()),
            }),
        });
        let effects = app.handle(key(KeyCode::Enter, KeyModifiers::NONE));
        assert!(
            matches!(effects.as_slice(), [Effect::Mutate(m)] if m.target.name == "web-alpha"),
            "{effects:?}"
        );
    }
}
