//! Every action tug offers, declared once: its keymap id, what it does, where it applies, its default keys,
//! whether it changes the cluster, and its footer hint. The enum, `ALL`, the default keymap, the help and the
//! hints are all derived from the table below. Knows nothing of the app's state.

/// Where an action is offered. Keys may repeat across scopes that never meet, never within one view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The prompts, help and suspend: in tables, text and logs.
    Global,
    /// Moving through a view and the view stack: in tables, text and logs.
    Navigation,
    Table,
    /// An object's YAML or description, the journal.
    Text,
    Log,
    /// The manifest editor: it takes every key but its own, so globals do not apply there.
    Editor,
    /// A confirmation: only its own keys.
    Dialog,
    /// A shell or attach session: every key goes to the container but this scope's.
    Shell,
    /// The key after the tabs prefix (Ctrl-T): only the tab and pane commands.
    Tabs,
}

impl Scope {
    /// The scopes a view can be in (what `App::key_scope` returns), as opposed to `Global` and `Navigation`.
    pub const VIEWS: &[Scope] = &[
        Scope::Table,
        Scope::Text,
        Scope::Log,
        Scope::Editor,
        Scope::Dialog,
        Scope::Shell,
        Scope::Tabs,
    ];

    /// Whether the global and navigation actions apply in a view of this scope.
    pub fn has_globals(self) -> bool {
        matches!(self, Scope::Table | Scope::Text | Scope::Log)
    }
}

/// One action's declaration.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The keymap file's id.
    pub name: &'static str,
    /// The views that offer it (besides `Global` and `Navigation`, which reach every view with globals).
    pub scopes: &'static [Scope],
    /// Default keys, spelled as in a keymap file.
    pub keys: &'static [&'static str],
    pub about: &'static str,
    /// The footer's label; actions without one are not hinted.
    pub hint: Option<&'static str>,
    /// It changes the cluster: refused in read-only mode.
    pub mutates: bool,
}

const fn spec(
    name: &'static str,
    scopes: &'static [Scope],
    keys: &'static [&'static str],
    about: &'static str,
) -> Spec {
    Spec {
        name,
        scopes,
        keys,
        about,
        hint: None,
        mutates: false,
    }
}

impl Spec {
    const fn hint(mut self, label: &'static str) -> Self {
        self.hint = Some(label);
        self
    }

    const fn mutates(mut self) -> Self {
        self.mutates = true;
        self
    }
}

/// Declares `Action` with one variant per row, `Action::ALL` in row order and the rows as `SPECS`.
macro_rules! actions {
    ($($variant:ident => $spec:expr,)*) => {
        /// Everything a key can do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($variant,)*
            /// An action declared at run time (a k9s hotkey or plugin): its spec is in the run-time table.
            Custom(u16),
        }

        impl Action {
            pub const ALL: &[Action] = &[$(Action::$variant,)*];
        }

        /// In variant order by construction, as `ALL` is.
        const SPECS: &[Spec] = &[$($spec,)*];
    };
}

use Scope::{Dialog, Editor, Global, Log, Navigation, Shell, Table, Tabs, Text};

// The footer shows hints in this order within each group (global, then the view's, then navigation).
actions! {
    Back => spec("back", &[Navigation], &["Esc"], "back (clears a filter first)").hint("back"),
    Quit => spec("quit", &[Navigation], &["q", "Ctrl-C"], "back, or quit at the first view").hint("quit"),
    Up => spec("up", &[Navigation], &["k", "Up"], "up"),
    Down => spec("down", &[Navigation], &["j", "Down"], "down"),
    PageUp => spec("page_up", &[Navigation], &["PgUp", "Ctrl-B"], "page up"),
    PageDown => spec("page_down", &[Navigation], &["PgDn", "Ctrl-F"], "page down"),
    Top => spec("top", &[Navigation], &["g", "Home"], "top"),
    Bottom => spec("bottom", &[Navigation], &["G", "End"], "bottom"),
    Open => spec("open", &[Table], &["Enter"], "open: pods of a workload/node/namespace/service, containers of a pod").hint("open"),
    Help => spec("help", &[Global], &["?"], "this help").hint("help"),
    Command => spec("command", &[Global], &[":"], "command: a kind (po, deploy, crd...), ns <name>, ctx <name>, q").hint("kind"),
    Filter => spec("filter", &[Global], &["/"], "filter rows (!text inverts, re:regex, -l a=b asks the server)").hint("filter"),
    AllNamespaces => spec("all_namespaces", &[Table], &["0"], "all namespaces"),
    Yaml => spec("yaml", &[Table], &["y"], "YAML of the selected object").hint("yaml"),
    Describe => spec("describe", &[Table], &["d"], "describe the selected object").hint("describe"),
    Events => spec("events", &[Table], &["v"], "events of the selected object"),
    WhoCan => spec("who_can", &[Table], &["Shift-W"], "who can delete the selected object (RBAC subjects, bindings, rules)"),
    ToggleManagedFields => spec("toggle_managed_fields", &[Text], &["m"], "show/hide managedFields in YAML"),
    DecodeSecret => spec("decode_secret", &[Text], &["x"], "reveal/mask a Secret's data in YAML"),
    SortName => spec("sort_name", &[Table], &["Shift-N"], "sort by name (again: reverse)"),
    SortAge => spec("sort_age", &[Table], &["Shift-A"], "sort by age (again: reverse)"),
    SortStatus => spec("sort_status", &[Table], &["Shift-T"], "sort by status (again: reverse)"),
    ToggleWide => spec("toggle_wide", &[Table], &["Ctrl-W"], "show/hide the wide columns (as kubectl -o wide)"),
    ToggleTrends => spec("toggle_trends", &[Table], &["Shift-M"], "show/hide CPU and memory trends beside CPU and MEM"),
    Suspend => spec("suspend", &[Global], &["Ctrl-Z"], "suspend tug (fg resumes)"),
    Logs => spec("logs", &[Table], &["l"], "logs of a pod, container or workload"),
    LogPrevious => spec("log_previous", &[Log], &["p"], "logs: previous container on/off"),
    LogFollow => spec("log_follow", &[Log], &["s"], "logs: follow on/off").hint("follow"),
    LogTimestamps => spec("log_timestamps", &[Log], &["t"], "logs: timestamps on/off"),
    LogWrap => spec("log_wrap", &[Log], &["w"], "logs: wrap long lines on/off").hint("wrap"),
    LogSave => spec("log_save", &[Log], &["Ctrl-S"], "logs: save the buffered lines to a file"),
    LogTail => spec("log_tail", &[Log], &["0"], "logs: the last lines (tail)"),
    LogSince1m => spec("log_since_1m", &[Log], &["1"], "logs: since 1 minute ago"),
    LogSince5m => spec("log_since_5m", &[Log], &["2"], "logs: since 5 minutes ago"),
    LogSince15m => spec("log_since_15m", &[Log], &["3"], "logs: since 15 minutes ago"),
    LogSince1h => spec("log_since_1h", &[Log], &["4"], "logs: since 1 hour ago"),
    LogFilterOnly => spec("log_filter_only", &[Log], &["Shift-F"], "logs: show only lines matching the search, or all"),
    LogJson => spec("log_json", &[Log], &["Shift-J"], "logs: JSON lines pretty/raw"),
    Scale => spec("scale", &[Table], &["S"], "scale a deployment, replicaset or statefulset").mutates(),
    Restart => spec("restart", &[Table], &["r"], "restart a deployment, statefulset or daemonset").mutates(),
    History => spec("history", &[Table], &["h"], "rollout history of a deployment, statefulset or daemonset"),
    Timeline => spec("timeline", &[Table], &["Shift-H"], "timeline of the selected object: observed changes with diffs, managedFields, events, revisions"),
    Undo => spec("undo", &[Table], &["u"], "roll back to the selected revision (in history)").mutates(),
    Delete => spec("delete", &[Table], &["Ctrl-D"], "delete, after confirmation").mutates(),
    Kill => spec("kill", &[Table], &["Ctrl-K"], "kill a pod (grace period 0), after confirmation").mutates(),
    Pause => spec("pause", &[Table], &["p"], "pause or resume a deployment's rollouts").mutates(),
    SetImage => spec("set_image", &[Table], &["i"], "set container images of a pod, workload or cronjob (diff, then confirm)").mutates(),
    Trigger => spec("trigger", &[Table], &["t"], "run a cronjob now: a job from its template, after confirmation").mutates(),
    SuspendCronJob => spec("suspend_cronjob", &[Table], &["Ctrl-S"], "suspend or resume a cronjob's schedule").mutates(),
    Cordon => spec("cordon", &[Table], &["c"], "cordon or uncordon a node").mutates(),
    Drain => spec("drain", &[Table], &["Shift-D"], "drain a node (evictions honour PodDisruptionBudgets)").mutates(),
    Mark => spec("mark", &[Table], &["Space"], "mark/unmark the row for a bulk delete"),
    Xray => spec("xray", &[Table], &["x"], "xray: the tree of what the object owns, runs, mounts and is routed by (:xray KIND [NS])"),
    Explain => spec("explain", &[Table], &["w"], "explain: why the object is unhealthy, with the evidence (:problems lists them all)"),
    UsedBy => spec("used_by", &[Table], &["b"], "used by: what mounts, reads or routes to a ConfigMap, Secret, PVC, ServiceAccount, Node or Service"),
    Collapse => spec("collapse", &[Table], &["Tab"], "in a tree (xray, explain): collapse or expand the node"),
    UndoRollback => spec("undo_rollback", &[Table], &["Shift-U"], "undo the last rollback (asks first)").mutates(),
    Shell => spec("shell", &[Table], &["s"], "shell into a pod or container (Ctrl-] detaches)"),
    PortForward => spec("port_forward", &[Table], &["f"], "port-forward to a pod (:pf lists and stops forwards)"),
    Attach => spec("attach", &[Table], &["a"], "attach to the container's main process (Ctrl-] detaches)"),
    CopyName => spec("copy_name", &[Table], &["Shift-C"], "copy the selected (or marked) rows' names to the clipboard"),
    CopyPath => spec("copy_path", &[Table], &["Shift-P"], "copy namespace/name of the selected (or marked) rows"),
    CopyRow => spec("copy_row", &[Table], &["Shift-R"], "copy the selected (or marked) rows, cells tab-separated"),
    CopyText => spec("copy_text", &[Text, Log], &["c"], "copy the text (a log: the lines on screen, or those matching the search)"),
    NextMatch => spec("next_match", &[Text, Log], &["n"], "next match"),
    PreviousMatch => spec("previous_match", &[Text, Log], &["N"], "previous match"),
    // From a table row, or from the object's YAML or description.
    Edit => spec("edit", &[Table, Text], &["e"], "edit the object's YAML here (diff and confirm before saving)"),
    EditExternal => spec("edit_external", &[Table, Text], &["E"], "edit the object's YAML in $VISUAL/$EDITOR"),
    EditorSave => spec("editor_save", &[Editor], &["Ctrl-S"], "editor: save (check, diff, confirm)"),
    EditorLeave => spec("editor_leave", &[Editor], &["Esc"], "editor: leave (asks if unsaved; the edit is kept for recovery)"),
    EditorFind => spec("editor_find", &[Editor], &["Ctrl-F"], "editor: find"),
    EditorFindNext => spec("editor_find_next", &[Editor], &["F3", "Ctrl-N"], "editor: next match"),
    EditorGoto => spec("editor_goto", &[Editor], &["Ctrl-G"], "editor: go to line"),
    EditorUndo => spec("editor_undo", &[Editor], &["Ctrl-Z", "Ctrl-U"], "editor: undo"),
    EditorRedo => spec("editor_redo", &[Editor], &["Ctrl-R"], "editor: redo"),
    ConfirmYes => spec("confirm_yes", &[Dialog], &["Enter", "y"], "in a confirmation: yes, send it").hint("yes"),
    ConfirmNo => spec("confirm_no", &[Dialog], &["Esc", "n", "q"], "in a confirmation: no, send nothing").hint("no"),
    DeleteGrace => spec("delete_grace", &[Dialog], &["g"], "confirming a delete: grace period 5 s, 30 s or the object's default"),
    DeletePropagation => spec("delete_propagation", &[Dialog], &["Tab"], "confirming a delete: propagation Background, Foreground or Orphan"),
    ShellDetach => spec("shell_detach", &[Shell], &["Ctrl-]", "Ctrl-5"], "in a shell or attach session: leave it (the container keeps running)"),
    // Tabs and panes: a prefix, then one key of the `Tabs` scope (so no view's key is taken).
    TabPrefix => spec("tab_prefix", &[Global], &["Ctrl-T"], "tabs and panes: the next key is a tab or pane command"),
    TabNew => spec("tab_new", &[Tabs], &["n"], "a new tab with the current view (its kind, namespace, filter)").hint("new tab"),
    TabClose => spec("tab_close", &[Tabs], &["c"], "close the tab (its watches stop)").hint("close tab"),
    TabNext => spec("tab_next", &[Tabs], &["]"], "next tab").hint("next"),
    TabPrevious => spec("tab_previous", &[Tabs], &["["], "previous tab").hint("previous"),
    TabGo1 => spec("tab_go_1", &[Tabs], &["1"], "tab 1"),
    TabGo2 => spec("tab_go_2", &[Tabs], &["2"], "tab 2"),
    TabGo3 => spec("tab_go_3", &[Tabs], &["3"], "tab 3"),
    TabGo4 => spec("tab_go_4", &[Tabs], &["4"], "tab 4"),
    TabGo5 => spec("tab_go_5", &[Tabs], &["5"], "tab 5"),
    TabGo6 => spec("tab_go_6", &[Tabs], &["6"], "tab 6"),
    TabGo7 => spec("tab_go_7", &[Tabs], &["7"], "tab 7"),
    TabGo8 => spec("tab_go_8", &[Tabs], &["8"], "tab 8"),
    TabGo9 => spec("tab_go_9", &[Tabs], &["9"], "tab 9"),
    PaneSplitRight => spec("pane_split_right", &[Tabs], &["v"], "split the tab side by side: a new pane with the current view").hint("split"),
    PaneSplitDown => spec("pane_split_down", &[Tabs], &["s"], "split the tab one pane above the other"),
    PaneFocus => spec("pane_focus", &[Tabs], &["o", "Tab"], "focus the other pane").hint("other pane"),
    PaneSwap => spec("pane_swap", &[Tabs], &["r"], "swap the two panes"),
    PaneGrow => spec("pane_grow", &[Tabs], &[">"], "give the focused pane more room"),
    PaneShrink => spec("pane_shrink", &[Tabs], &["<"], "give the focused pane less room"),
    PaneClose => spec("pane_close", &[Tabs], &["x"], "close the focused pane (its watches stop)"),
    PaneFollow => spec("pane_follow", &[Tabs], &["f"], "follow selection on/off: a log pane shows the logs of the pod selected in the other pane"),
}

/// The run-time table behind `Action::Custom`: specs registered once, at start-up, from user files. Entries are
/// leaked so that they are `&'static` like the built-ins; there are a few per config file, never per event.
static CUSTOM: std::sync::RwLock<Vec<&'static Spec>> = std::sync::RwLock::new(Vec::new());

/// What a run-time action is, as the user's file declared it.
#[derive(Debug, Clone)]
pub struct CustomSpec {
    pub name: String,
    pub about: String,
    pub scopes: Vec<Scope>,
    /// The footer's label (the hotkey's or plugin's description).
    pub hint: Option<String>,
    pub mutates: bool,
}

/// What stands in for a run-time action whose entry is gone (never happens: entries are never removed).
const UNKNOWN: Spec = spec("unknown", &[], &[], "unknown action");

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

impl Action {
    /// Registers a run-time action; hints, help and the read-only check treat it as a built-in.
    pub fn register(custom: CustomSpec) -> Action {
        let spec: &'static Spec = Box::leak(Box::new(Spec {
            name: leak(custom.name),
            scopes: Box::leak(custom.scopes.into_boxed_slice()),
            keys: &[],
            about: leak(custom.about),
            hint: custom.hint.map(leak),
            mutates: custom.mutates,
        }));
        let mut table = CUSTOM.write().unwrap_or_else(|e| e.into_inner());
        table.push(spec);
        Action::Custom(u16::try_from(table.len() - 1).unwrap_or(u16::MAX))
    }

    /// The built-ins, then the run-time actions registered so far.
    pub fn every() -> Vec<Action> {
        let n = CUSTOM.read().map_or(0, |t| t.len());
        let customs = (0..n).filter_map(|i| u16::try_from(i).ok().map(Action::Custom));
        Self::ALL.iter().copied().chain(customs).collect()
    }

    fn spec(self) -> &'static Spec {
        match self {
            Action::Custom(i) => CUSTOM
                .read()
                .ok()
                .and_then(|t| t.get(usize::from(i)).copied())
                .unwrap_or(&UNKNOWN),
            // Built-ins: the rows are in variant order (tested).
            _ => SPECS
                .iter()
                .zip(Self::ALL)
                .find(|(_, a)| **a == self)
                .map_or(&UNKNOWN, |(s, _)| s),
        }
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn describe(self) -> &'static str {
        self.spec().about
    }

    /// The views that offer it besides the ones `Global` and `Navigation` reach.
    pub fn scopes(self) -> &'static [Scope] {
        self.spec().scopes
    }

    /// Whether a view of scope `view` offers this action.
    pub fn offered_in(self, view: Scope) -> bool {
        self.scopes().iter().any(|s| {
            *s == view || (matches!(s, Scope::Global | Scope::Navigation) && view.has_globals())
        })
    }

    /// Changes the cluster: refused in read-only mode.
    pub fn mutates(self) -> bool {
        self.spec().mutates
    }

    pub fn hint(self) -> Option<&'static str> {
        self.spec().hint
    }

    pub fn default_keys(self) -> &'static [&'static str] {
        self.spec().keys
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_variant_order_and_names_are_unique_snake_case() {
        assert_eq!(SPECS.len(), Action::ALL.len());
        for (i, a) in Action::ALL.iter().enumerate() {
            assert_eq!(Action::ALL.iter().position(|b| b == a), Some(i));
            assert!(!a.scopes().is_empty(), "{} has no scope", a.name());
            assert!(
                a.name()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                a.name()
            );
            assert_eq!(Action::from_name(a.name()), Some(*a));
        }
    }

    #[test]
    fn the_mutations_are_the_ones_read_only_mode_refuses() {
        let mutating: Vec<&str> = Action::ALL
            .iter()
            .filter(|a| a.mutates())
            .map(|a| a.name())
            .collect();
        assert_eq!(
            mutating,
            [
                "scale",
                "restart",
                "undo",
                "delete",
                "kill",
                "pause",
                "set_image",
                "trigger",
                "suspend_cronjob",
                "cordon",
                "drain",
                "undo_rollback"
            ]
        );
    }
}

#[cfg(test)]
mod custom_tests {
    use super::*;

    #[test]
    fn a_run_time_action_answers_like_a_built_in() {
        let a = Action::register(CustomSpec {
            name: "plugin_test_dangerous".into(),
            about: "Test plugin".into(),
            scopes: vec![Scope::Table],
            hint: Some("Test plugin".into()),
            mutates: true,
        });
        assert_eq!(a.name(), "plugin_test_dangerous");
        assert_eq!(a.describe(), "Test plugin");
        assert!(a.mutates());
        assert!(a.offered_in(Scope::Table));
        assert!(!a.offered_in(Scope::Log));
        assert_eq!(a.hint(), Some("Test plugin"));
        assert!(Action::every().contains(&a));
        assert_eq!(Action::Describe.name(), "describe");
    }
}
