//! The `:` command and `/` filter prompts: typing, completion, live filtering, and what each command opens.

use super::*;

impl App {
    pub(super) fn prompt_key(
        &mut self,
        key: KeyEvent,
        mut input: String,
        command: bool,
    ) -> Vec<Effect> {
        let wrap = |s: String| {
            if command {
                Mode::Command(s)
            } else {
                Mode::Filter(s)
            }
        };
        match key.code {
            KeyCode::Esc => {
                self.mode = Mode::Normal;
                if !command {
                    self.restore_filter();
                }
                vec![]
            }
            KeyCode::Enter => {
                self.mode = Mode::Normal;
                if command {
                    self.command_in_tab(input.trim())
                } else {
                    self.apply_filter(input.trim())
                }
            }
            KeyCode::Backspace => {
                if input.pop().is_none() {
                    self.mode = Mode::Normal;
                } else {
                    if !command {
                        self.live_filter(&input);
                    }
                    self.mode = wrap(input);
                }
                vec![]
            }
            KeyCode::Tab if command => {
                if let Some(done) = self.complete(&input) {
                    input = done;
                }
                self.mode = wrap(input);
                vec![]
            }
            KeyCode::Char(c) => {
                input.push(c);
                if !command {
                    self.live_filter(&input);
                }
                self.mode = wrap(input);
                vec![]
            }
            _ => vec![],
        }
    }

    /// Puts back the table's filter from before the prompt opened (Esc, or a pattern that does not parse).
    pub(super) fn restore_filter(&mut self) {
        let Some(f) = self.filter_before.take() else {
            return;
        };
        match self.stack.last_mut().map(|v| &mut v.body) {
            Some(Body::Log(l)) => l.search = (!f.is_empty()).then_some(f),
            Some(b) => {
                if let Some(t) = b.table_mut() {
                    t.filter = f;
                }
            }
            None => {}
        }
    }

    /// A table filters, and a log searches, as the text is typed (Enter keeps it, Esc puts back what was
    /// there). Server-side selectors (`-l`) wait for Enter, and so does a regular expression that does not
    /// parse yet.
    pub(super) fn live_filter(&mut self, text: &str) {
        let page = self.page();
        match self.stack.last_mut().map(|v| &mut v.body) {
            // An unfinished regular expression keeps the last good search.
            Some(Body::Log(l)) if Filter::parse(text.trim()).is_ok() => {
                let _ = l.search(text.trim(), page);
            }
            Some(b) => {
                if let Some(t) = b.table_mut()
                    && !text.trim_start().starts_with("-l")
                    && let Ok(f) = Filter::parse(text.trim())
                {
                    t.filter = f;
                    t.cursor = 0;
                    t.offset = 0;
                }
            }
            None => {}
        }
    }

    /// Completes a kind name typed after `:` (plural, short name or kind).
    pub fn complete(&self, input: &str) -> Option<String> {
        if input.is_empty() || input.contains(' ') {
            return None;
        }
        let mut names: Vec<&str> = self
            .kinds
            .iter()
            .map(|k| k.plural.as_str())
            .filter(|p| p.starts_with(input))
            .collect();
        names.sort_unstable();
        names.first().map(|n| n.to_string())
    }

    pub(super) fn command(&mut self, line: &str) -> Vec<Effect> {
        // A user alias expands into its command (once: aliases do not chain).
        let first = line.split_whitespace().next().unwrap_or_default();
        let expanded;
        let line = match self.aliases.get(first) {
            Some(target) => {
                expanded = format!("{target}{}", &line[first.len()..]);
                expanded.as_str()
            }
            None => line,
        };
        let mut words = line.split_whitespace();
        let Some(cmd) = words.next() else {
            return vec![];
        };
        let arg = words.next();
        match (cmd, arg) {
            ("q" | "q!" | "quit" | "exit", _) => {
                self.quit = true;
                vec![Effect::Quit]
            }
            ("ns" | "namespace" | "namespaces", Some(ns)) => {
                self.namespace = if ns == "all" || ns == "-A" {
                    None
                } else {
                    Some(ns.to_string())
                };
                self.reopen_root()
            }
            ("tab", Some("ctx" | "context")) => match words.next() {
                Some(name) => self.tab_on_context(name),
                None => {
                    self.flash("usage: :tab ctx NAME", true);
                    vec![]
                }
            },
            ("tab", _) => self.tab_new(),
            ("ctx" | "context" | "contexts", Some(name)) => self.switch_context(name),
            ("ctx" | "context" | "contexts", None) => self.contexts_view(),
            ("pulse" | "pulses" | "overview", _) => self.open_pulse(),
            ("fleet", _) => {
                let args: Vec<&str> = arg.into_iter().chain(words).collect();
                self.open_fleet(&args)
            }
            ("sort", Some(column)) => self.sort_by(column, words.next() == Some("desc")),
            ("pf" | "portforward" | "portforwards", _) => {
                let id = self.id();
                let view = views::ForwardsView::of(&self.forwards);
                self.stack.push(View {
                    id,
                    title: "port-forwards".into(),
                    body: Body::Forwards(Box::new(view)),
                });
                vec![]
            }
            ("save", _) => self.save_view(),
            ("changes" | "whatchanged", _) => self.open_changes(),
            ("helm" | "releases", _) => self.open_helm(),
            ("xray", Some(kind)) => self.open_xray(kind, words.next()),
            ("problems" | "health", _) => self.open_problems(),
            ("journal", _) => {
                let id = self.id();
                self.stack.push(View {
                    id,
                    title: "journal".into(),
                    body: Body::Text(Box::new(TextView::loading())),
                });
                vec![Effect::Journal(id)]
            }
            ("help", _) => {
                self.mode = Mode::Help { scroll: 0 };
                vec![]
            }
            (c, _) if rbac_commands::COMMANDS.contains(&c) => self.rbac_command(line),
            ("create", Some(kind)) => self.open_create(kind),
            ("create", None) => {
                self.flash("usage: :create <kind> (e.g. :create deploy)", true);
                vec![]
            }
            (name, None) => self.open_kind(name),
            // `pods -n kube-system`, `pods -A`, `deploy kube-system` (k9s's spellings, used by its hotkeys
            // and aliases): the kind in that namespace.
            (name, Some(first)) => {
                let namespace = match first {
                    "-A" | "--all-namespaces" => None,
                    "-n" | "--namespace" => words.next().map(str::to_string),
                    a => Some(
                        a.trim_start_matches("--namespace=")
                            .trim_start_matches("-n=")
                            .to_string(),
                    ),
                };
                self.namespace = namespace.filter(|n| n != "all");
                self.open_kind(name)
            }
        }
    }

    /// Re-opens the bottom view in the current namespace (after `:ns x` or `0`).
    pub(super) fn reopen_root(&mut self) -> Vec<Effect> {
        let root = self.stack.first().and_then(|v| match &v.body {
            Body::Table(t) => t.kind.clone(),
            _ => None,
        });
        match root {
            Some(kind) => {
                let name = kind.display();
                self.open_kind(&name)
            }
            None => vec![],
        }
    }

    pub(super) fn apply_filter(&mut self, text: &str) -> Vec<Effect> {
        let page = self.page();
        let before = self.filter_before.take();
        let Some(view) = self.stack.last_mut() else {
            return vec![];
        };
        let id = view.id;
        match &mut view.body {
            Body::Log(l) => {
                if let Err(e) = l.search(text, page) {
                    self.flash = Some(Flash {
                        text: e,
                        error: true,
                    });
                }
                vec![]
            }
            Body::Editor(_) => vec![],
            Body::Text(tv) => {
                tv.search(text);
                vec![]
            }
            b => {
                let Some(t) = b.table_mut() else {
                    return vec![];
                };
                if let Some(sel) = text.strip_prefix("-l").map(str::trim) {
                    // Server-side: restart the watch with the label selector.
                    let Some(kind) = t.kind.clone() else {
                        return vec![];
                    };
                    t.scope.label_selector = (!sel.is_empty()).then(|| sel.to_string());
                    t.reset(Arc::new(Mutex::new(TableData::default())));
                    return vec![
                        Effect::Unwatch(id),
                        Effect::Watch {
                            view: id,
                            kind,
                            scope: t.scope.clone(),
                            data: t.data.clone(),
                        },
                    ];
                }
                match Filter::parse(text) {
                    Ok(f) => t.filter = f,
                    Err(e) => {
                        if let Some(f) = before {
                            t.filter = f;
                        }
                        self.flash = Some(Flash {
                            text: e,
                            error: true,
                        });
                        return vec![];
                    }
                }
                t.cursor = 0;
                t.offset = 0;
                vec![]
            }
        }
    }

    /// `:sort COLUMN [desc]`: sorts the table by any column, by its header name.
    pub(super) fn sort_by(&mut self, column: &str, descending: bool) -> Vec<Effect> {
        let Some(t) = self.stack.last_mut().and_then(|v| v.body.table_mut()) else {
            return vec![];
        };
        let metric = t
            .metrics
            .as_ref()
            .and_then(|l| metrics::MetricColumn::named(&l.rows, column));
        let index = t.lock().column(column);
        match (metric, index) {
            (Some(c), _) => t.sort = Some((views::Sort::Metric(c), descending)),
            (None, Some(i)) => t.sort = Some((views::Sort::Column(i), descending)),
            (None, None) => self.flash(format!("no column \"{column}\""), true),
        }
        vec![]
    }

    /// `:pulse`: replaces the stack, as opening a kind does.
    pub(super) fn open_pulse(&mut self) -> Vec<Effect> {
        let mut effects = self.clear_stack();
        let (view, watches) = views::PulseView::open(self);
        let id = self.id();
        self.stack.push(View {
            id,
            title: "pulse".into(),
            body: Body::Pulse(Box::new(view)),
        });
        effects.extend(watches);
        effects
    }

    /// `:ctx`: the kubeconfig's contexts as a table; Enter (or `:ctx name`) switches.
    pub(super) fn contexts_view(&mut self) -> Vec<Effect> {
        let id = self.id();
        self.stack.push(View {
            id,
            title: "contexts".into(),
            body: Body::Contexts(Box::new(views::ContextsView::of(&self.info))),
        });
        vec![]
    }
}
