//! k9s hotkeys and plugins as actions: which views offer them, the environment a plugin sees (as k9s builds
//! it: `$NAMESPACE`, `$NAME`, `$COL-<COLUMN>`…), and the command it asks the runtime to run. Values from the
//! cluster never become shell syntax: for a shell command, a value holding any is refused with the reason.
//! Starts no process itself.

use std::collections::BTreeMap;

use super::{App, Body, Effect, Mode};
use crate::config::Action;
use crate::config::k9s::aliases::tug_kind_name;
use crate::config::k9s::plugins::{self, Plugin};
use crate::config::k9s::{Custom, Hotkey};

/// A plugin ready to run: the program, its arguments, the variables to add to its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRun {
    pub title: String,
    pub command: String,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub background: bool,
}

/// What the plugin is run on: the kind's names and the selected (or marked) rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Target {
    pub(super) env: BTreeMap<String, String>,
    /// The rows' names, one per marked row (or the selected one).
    pub(super) names: Vec<String>,
}

/// Names that are safe in a shell word: what Kubernetes allows in object names.
fn plain_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':'))
}

impl App {
    /// Whether the view on top offers run-time action `action` (a plugin only in the kinds it names).
    pub(super) fn custom_offered(&self, action: Action) -> bool {
        match self.customs.get(&action) {
            Some(Custom::Plugin(p)) => self.plugin_applies(p),
            Some(Custom::Hotkey(_)) => true,
            None => false,
        }
    }

    fn plugin_applies(&self, p: &Plugin) -> bool {
        let Some(view) = self.top() else { return false };
        let names: Vec<String> = p.scopes.iter().map(|s| s.to_ascii_lowercase()).collect();
        if names.iter().any(|s| s == "all") {
            return matches!(view.body, Body::Table(_) | Body::Containers(_));
        }
        match &view.body {
            Body::Containers(_) => names.iter().any(|s| s == "containers" || s == "co"),
            Body::Table(t) => t.kind.as_ref().is_some_and(|k| {
                names.iter().any(|s| {
                    tug_cluster::discovery::find(std::slice::from_ref(k), &tug_kind_name(s))
                        .is_some()
                })
            }),
            _ => false,
        }
    }

    /// A run-time action's key: a hotkey runs its command, a plugin runs (or is refused, and says why).
    pub(super) fn custom_action(&mut self, action: Action) -> Vec<Effect> {
        match self.customs.get(&action).cloned() {
            Some(Custom::Hotkey(Hotkey { command, .. })) => self.command(&command),
            Some(Custom::Plugin(p)) => self.plugin(&p),
            None => vec![],
        }
    }

    fn plugin(&mut self, p: &Plugin) -> Vec<Effect> {
        let what = if p.description.is_empty() {
            p.command.clone()
        } else {
            p.description.clone()
        };
        if p.dangerous && self.readonly {
            self.flash(
                format!("read-only mode: {what} is disabled (dangerous plugin)"),
                true,
            );
            return vec![];
        }
        let Some(target) = self.plugin_target() else {
            self.flash(format!("{what}: no row selected"), true);
            return vec![];
        };
        if !p.inputs.is_empty() {
            let form = super::plugin_form::PluginForm::new(what, p, target);
            self.mode = Mode::Dialog(Box::new(super::actions::Dialog::PluginInputs(Box::new(
                form,
            ))));
            return vec![];
        }
        self.plugin_with(p, &what, &target)
    }

    /// Runs `p` on `target` (after its form, if it has one), or asks first if it says `confirm`.
    pub(super) fn plugin_with(&mut self, p: &Plugin, what: &str, target: &Target) -> Vec<Effect> {
        match build(p, what, target) {
            // In a protected context a dangerous plugin waits for the name (or the count of marked rows).
            Ok(run) if p.dangerous && self.guardrails.protected => {
                let expected = match &target.names[..] {
                    [one] => one.clone(),
                    many => many.len().to_string(),
                };
                let line = std::iter::once(run.command.as_str())
                    .chain(run.args.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" ");
                self.type_name(
                    format!("Run {what}?"),
                    vec![line],
                    expected,
                    super::guard::Guarded::Plugin(Box::new(run)),
                );
                vec![]
            }
            Ok(run) if p.confirm => {
                let line = std::iter::once(run.command.as_str())
                    .chain(run.args.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" ");
                self.mode = Mode::Dialog(Box::new(super::actions::Dialog::RunPlugin {
                    title: format!("Run {what}?"),
                    lines: vec![line],
                    run: Box::new(run),
                }));
                vec![]
            }
            Ok(run) => vec![Effect::Plugin(Box::new(run))],
            Err(e) => {
                self.flash(format!("{what} not run: {e}"), true);
                vec![]
            }
        }
    }

    /// The environment k9s gives a plugin for the top view's selection (`Table.defaultEnv` and `k8sEnv`).
    fn plugin_target(&self) -> Option<Target> {
        let view = self.top()?;
        let t = view.body.table()?;
        let selected = t.selected_row()?;
        let mut env = BTreeMap::new();
        let info = &self.info;
        env.insert("CONTEXT".into(), info.context.clone());
        env.insert("CLUSTER".into(), info.cluster.clone());
        env.insert("USER".into(), info.user.clone());
        env.insert("GROUPS".into(), String::new());
        let kubeconfig = info
            .kubeconfig
            .as_ref()
            .map(|p| p.display().to_string())
            .or_else(|| std::env::var("KUBECONFIG").ok())
            .unwrap_or_default();
        env.insert("KUBECONFIG".into(), kubeconfig);
        let keys: Vec<_> = if t.marked.is_empty() {
            vec![selected.clone()]
        } else {
            t.marked.iter().cloned().collect()
        };
        let names: Vec<String> = keys.iter().map(|(_, n)| n.to_string()).collect();
        {
            let data = t.lock();
            if let Some(row) = data.get(&selected) {
                for (col, cell) in data.columns.iter().zip(&row.cells) {
                    let name = col.name.to_ascii_uppercase().replace(' ', "-");
                    env.insert(format!("COL-{name}"), cell.to_string());
                }
            }
        }
        env.insert("NAMESPACE".into(), selected.0.to_string());
        env.insert("NAME".into(), names.join(" "));
        env.insert("FILTER".into(), t.filter.text.clone());
        if t.filter.text.is_empty() {
            env.insert("FILTER".into(), selected.1.to_string());
        }
        match &view.body {
            Body::Containers(c) => {
                env.insert("NAMESPACE".into(), c.namespace.clone());
                env.insert("POD".into(), c.pod.clone());
                env.insert("CONTAINER".into(), selected.1.to_string());
                env.insert("RESOURCE_GROUP".into(), String::new());
                env.insert("RESOURCE_VERSION".into(), "v1".into());
                env.insert("RESOURCE_NAME".into(), "containers".into());
            }
            _ => {
                if let Some(k) = &t.kind {
                    if k.is("", "pods") {
                        env.insert("POD".into(), names.join(" "));
                    }
                    env.insert("RESOURCE_GROUP".into(), k.group.clone());
                    env.insert("RESOURCE_VERSION".into(), k.version.clone());
                    env.insert("RESOURCE_NAME".into(), k.plural.clone());
                }
            }
        }
        Some(Target { env, names })
    }
}

impl App {
    /// A background plugin ended: its output in a view of its own, and the exit code said.
    pub(super) fn plugin_done(
        &mut self,
        title: String,
        output: String,
        code: Option<i32>,
    ) -> Vec<Effect> {
        let id = self.id();
        let mut view = super::TextView::loading();
        view.set_text(&output);
        view.loading = false;
        self.stack.push(super::View {
            id,
            title: format!("plugin: {title}"),
            body: Body::Text(Box::new(view)),
        });
        match code {
            Some(0) => self.flash(format!("{title}: done (exit code 0)"), false),
            Some(n) => self.flash(format!("{title}: failed (exit code {n})"), true),
            None => self.flash(format!("{title}: did not finish normally"), true),
        }
        vec![]
    }
}

/// Substitutes the target into the plugin's arguments. An argument that is exactly `$NAME` (or `$POD`) gives
/// one argument per marked row; elsewhere the names are joined by spaces.
fn build(p: &Plugin, what: &str, target: &Target) -> Result<PluginRun, plugins::SubstituteError> {
    // A shell anywhere in the command line counts: `env bash -c …`, `kubectl exec … -- sh -c …` (the
    // container's shell parses it there).
    let shell = std::iter::once(&p.command)
        .chain(&p.args)
        .find(|a| plugins::is_shell(a))
        .map(String::as_str);
    let names_plain = target.names.iter().all(|n| plain_name(n));
    // Values the user set (kubeconfig, contexts) are theirs; everything read from the cluster is checked.
    let from_cluster = |key: &str| match key {
        "KUBECONFIG" | "CONTEXT" | "CLUSTER" | "USER" | "GROUPS" => false,
        // Typed by the user in the plugin's form.
        k if k.starts_with("INPUT_") => false,
        "NAME" | "POD" => !names_plain,
        _ => true,
    };
    let mut args = vec![];
    for a in &p.args {
        if target.names.len() > 1 && matches!(a.as_str(), "$NAME" | "$POD") {
            args.extend(target.names.iter().cloned());
            continue;
        }
        args.push(plugins::substitute(a, &target.env, &from_cluster, shell)?);
    }
    Ok(PluginRun {
        title: what.to_string(),
        command: p.command.clone(),
        args,
        env: target.env.clone(),
        background: p.background,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(note: &str) -> Target {
        let env = [("NAME", "web-1"), ("NAMESPACE", "shop"), ("COL-NOTE", note)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Target {
            env,
            names: vec!["web-1".into()],
        }
    }

    fn plugin(command: &str, args: &[&str]) -> Plugin {
        Plugin {
            short_cut: "Shift-X".into(),
            take_over: false,
            description: "x".into(),
            scopes: vec!["pods".into()],
            command: command.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            background: false,
            confirm: false,
            dangerous: false,
            overwrite_output: false,
            inputs: vec![],
        }
    }

    #[test]
    fn a_hostile_cell_is_refused_for_a_shell_and_passed_as_one_argument_otherwise() {
        let p = plugin("bash", &["-c", "echo $COL-NOTE"]);
        assert!(build(&p, "x", &target("x; touch pwned")).is_err());
        assert!(build(&p, "x", &target("$(touch pwned)")).is_err());
        assert_eq!(
            build(&p, "x", &target("fine")).unwrap().args,
            ["-c", "echo fine"]
        );
        let p = plugin(
            "kubectl",
            &["exec", "$NAME", "--", "sh", "-c", "echo $COL-NOTE"],
        );
        assert!(
            build(&p, "x", &target("x; touch pwned")).is_err(),
            "a shell in the container"
        );
        let p = plugin("echo", &["$COL-NOTE", "$NAMESPACE/$NAME"]);
        assert_eq!(
            build(&p, "x", &target("x; touch pwned")).unwrap().args,
            ["x; touch pwned", "shop/web-1"]
        );
    }

    /// An app on a pods table of one row, with these plugins bound.
    fn app_with(plugins_yaml: &str, readonly: bool) -> App {
        use crate::config::k9s::{K9sFiles, Sourced, bind};
        let files = K9sFiles {
            plugins: plugins::parse_file(plugins_yaml)
                .unwrap()
                .into_iter()
                .map(|(k, value)| {
                    (
                        k,
                        Sourced {
                            value,
                            file: "plugins.yaml".into(),
                        },
                    )
                })
                .collect(),
            ..Default::default()
        };
        let mut keymap = crate::config::Keymap::default_keymap();
        let customs = bind(&files, &mut keymap, &mut vec![]);
        let config = crate::config::Config {
            keymap,
            theme: crate::config::Theme::default(),
            settings: crate::config::Settings::default(),
            customs,
            views: Default::default(),
            errors: vec![],
        };
        let info = tug_cluster::connect::ClusterInfo {
            context: "ctx".into(),
            ..Default::default()
        };
        let mut app = App::new(info, Some("shop".into()), None, readonly).with_config(config);
        let pods = tug_cluster::discovery::Kind {
            group: String::new(),
            version: "v1".into(),
            plural: "pods".into(),
            kind: "Pod".into(),
            namespaced: true,
            short_names: vec!["po".into()],
            verbs: vec![],
        };
        app.handle(super::super::AppEvent::Discovered(Ok(vec![pods])));
        let t = app.top().and_then(|v| v.body.table()).unwrap();
        let row = tug_model::table::Row {
            namespace: "shop".into(),
            name: "web-1".into(),
            uid: "".into(),
            created: None,
            deleting: false,
            cells: vec!["web-1".into()],
        };
        let column = tug_model::table::Column {
            name: "Name".into(),
            kind: "string".into(),
            priority: 0,
        };
        t.lock().replace_all(vec![column], vec![row]);
        app.prepare();
        app
    }

    fn press(app: &mut App, c: char) -> Vec<Effect> {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let code = KeyCode::Char(c);
        app.handle(super::super::AppEvent::Key(KeyEvent::new(
            code,
            KeyModifiers::NONE,
        )))
    }

    const PLUGINS: &str = "plugins:
  on-pods:
    shortCut: Shift-O
    description: On pods
    scopes: [po]
    command: echo
    args: [$NAMESPACE, $NAME, $CONTEXT]
  on-deploys:
    shortCut: Shift-Y
    description: On deploys
    scopes: [deploy]
    command: echo
  careful:
    shortCut: Shift-X
    description: Careful
    scopes: [all]
    command: echo
    confirm: true
    dangerous: true
";

    #[test]
    fn a_plugin_runs_only_where_its_scopes_say_and_is_hinted_there() {
        let mut app = app_with(PLUGINS, false);
        let hints: Vec<&str> = app.hints().into_iter().map(|(_, l)| l).collect();
        assert!(
            hints.contains(&"On pods") && !hints.contains(&"On deploys"),
            "{hints:?}"
        );
        let effects = press(&mut app, 'O');
        let [Effect::Plugin(run)] = effects.as_slice() else {
            panic!("{effects:?}")
        };
        assert_eq!(run.args, ["shop", "web-1", "ctx"]);
        assert!(press(&mut app, 'Y').is_empty(), "not offered on pods");
    }

    #[test]
    fn a_dangerous_plugin_is_refused_read_only_and_a_confirmed_one_asks_first() {
        let mut app = app_with(PLUGINS, true);
        assert!(press(&mut app, 'X').is_empty());
        let flash = app.flash.clone().unwrap();
        assert!(flash.error && flash.text.contains("read-only mode: Careful is disabled"));
        let mut app = app_with(PLUGINS, false);
        assert!(press(&mut app, 'X').is_empty());
        assert!(
            matches!(&app.mode, Mode::Dialog(d) if matches!(**d, super::super::actions::Dialog::RunPlugin { .. }))
        );
        let effects = press(&mut app, 'y');
        assert!(
            matches!(effects.as_slice(), [Effect::Plugin(_)]),
            "{effects:?}"
        );
    }

    #[test]
    fn in_a_protected_context_a_dangerous_plugin_runs_only_once_the_name_is_typed() {
        let mut app = app_with(PLUGINS, false);
        app.guardrails.protected = true;
        assert!(press(&mut app, 'X').is_empty());
        assert!(
            matches!(&app.mode, Mode::Dialog(d) if matches!(**d, super::super::actions::Dialog::TypeName { .. }))
        );
        // `y` is only a letter here, and a wrong name runs nothing.
        assert!(press(&mut app, 'y').is_empty());
        let enter = |app: &mut App| {
            use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
            app.handle(super::super::AppEvent::Key(KeyEvent::new(
                KeyCode::Enter,
                KeyModifiers::NONE,
            )))
        };
        assert!(enter(&mut app).is_empty());
        let Mode::Dialog(d) = &app.mode else {
            panic!("the dialog stays")
        };
        let super::super::actions::Dialog::TypeName { expected, .. } = d.as_ref() else {
            panic!("{d:?}")
        };
        let expected = expected.clone();
        press(&mut app, '\u{8}');
        let mut app2 = app_with(PLUGINS, false);
        app2.guardrails.protected = true;
        press(&mut app2, 'X');
        for c in expected.chars() {
            assert!(press(&mut app2, c).is_empty(), "nothing runs while typing");
        }
        let effects = enter(&mut app2);
        assert!(
            matches!(effects.as_slice(), [Effect::Plugin(_)]),
            "{effects:?}"
        );
    }

    #[test]
    fn marked_rows_give_one_argument_each() {
        let mut t = target("n");
        t.names = vec!["a".into(), "b".into()];
        t.env.insert("NAME".into(), "a b".into());
        let p = plugin("kubectl", &["delete", "pod", "$NAME", "-n", "$NAMESPACE"]);
        assert_eq!(
            build(&p, "x", &t).unwrap().args,
            ["delete", "pod", "a", "b", "-n", "shop"]
        );
        // In a shell, plain names joined by spaces are words, not syntax.
        let p = plugin("sh", &["-c", "kubectl delete pod $NAME"]);
        assert_eq!(
            build(&p, "x", &t).unwrap().args[1],
            "kubectl delete pod a b"
        );
    }
}
