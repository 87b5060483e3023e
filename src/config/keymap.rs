//! Keys → actions. Keys are spelled as k9s spells them (`Ctrl-D`, `Shift-N`, `Enter`); every action can be
//! rebound. A user keymap lists only the actions it changes.

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const DEFAULT: &str = include_str!("../../keymaps/default.yaml");

/// Everything a key can do. Names are the keymap file's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Command,
    Filter,
    Help,
    AllNamespaces,
    Yaml,
    Describe,
    Events,
    ToggleManagedFields,
    DecodeSecret,
    SortName,
    SortAge,
    SortStatus,
    ToggleWide,
    Suspend,
    Logs,
    LogPrevious,
    LogFollow,
    LogTimestamps,
    LogWrap,
    LogSave,
    LogTail,
    LogSince1m,
    LogSince5m,
    LogSince15m,
    LogSince1h,
    LogFilterOnly,
    LogJson,
    Scale,
    Restart,
    History,
    Undo,
    Delete,
    Kill,
    Pause,
    Cordon,
    Drain,
    Mark,
    UndoRollback,
    Shell,
    PortForward,
    Attach,
    NextMatch,
    PreviousMatch,
    Edit,
    EditExternal,
    EditorSave,
    EditorLeave,
    EditorFind,
    EditorFindNext,
    EditorGoto,
    EditorUndo,
    EditorRedo,
    ShellDetach,
}

/// Which view an action belongs to: keys may repeat across scopes, never within one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Table,
    Text,
    /// The manifest editor: it takes every key but its own, so globals do not apply there.
    Editor,
    /// A shell or attach session: every key goes to the container but this scope's.
    Shell,
}

impl Action {
    pub const ALL: &[Action] = &[
        Self::Quit,
        Self::Back,
        Self::Up,
        Self::Down,
        Self::PageUp,
        Self::PageDown,
        Self::Top,
        Self::Bottom,
        Self::Open,
        Self::Command,
        Self::Filter,
        Self::Help,
        Self::AllNamespaces,
        Self::Yaml,
        Self::Describe,
        Self::Events,
        Self::ToggleManagedFields,
        Self::DecodeSecret,
        Self::SortName,
        Self::SortAge,
        Self::SortStatus,
        Self::ToggleWide,
        Self::Suspend,
        Self::Logs,
        Self::LogPrevious,
        Self::LogFollow,
        Self::LogTimestamps,
        Self::LogWrap,
        Self::LogSave,
        Self::LogTail,
        Self::LogSince1m,
        Self::LogSince5m,
        Self::LogSince15m,
        Self::LogSince1h,
        Self::LogFilterOnly,
        Self::LogJson,
        Self::Scale,
        Self::Restart,
        Self::History,
        Self::Undo,
        Self::Delete,
        Self::Kill,
        Self::Pause,
        Self::Cordon,
        Self::Drain,
        Self::Mark,
        Self::UndoRollback,
        Self::Shell,
        Self::PortForward,
        Self::Attach,
        Self::NextMatch,
        Self::PreviousMatch,
        Self::Edit,
        Self::EditExternal,
        Self::EditorSave,
        Self::EditorLeave,
        Self::EditorFind,
        Self::EditorFindNext,
        Self::EditorGoto,
        Self::EditorUndo,
        Self::EditorRedo,
        Self::ShellDetach,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Quit => "quit",
            Self::Back => "back",
            Self::Up => "up",
            Self::Down => "down",
            Self::PageUp => "page_up",
            Self::PageDown => "page_down",
            Self::Top => "top",
            Self::Bottom => "bottom",
            Self::Open => "open",
            Self::Command => "command",
            Self::Filter => "filter",
            Self::Help => "help",
            Self::AllNamespaces => "all_namespaces",
            Self::Yaml => "yaml",
            Self::Describe => "describe",
            Self::Events => "events",
            Self::ToggleManagedFields => "toggle_managed_fields",
            Self::DecodeSecret => "decode_secret",
            Self::SortName => "sort_name",
            Self::SortAge => "sort_age",
            Self::SortStatus => "sort_status",
            Self::ToggleWide => "toggle_wide",
            Self::Suspend => "suspend",
            Self::Logs => "logs",
            Self::LogPrevious => "log_previous",
            Self::LogFollow => "log_follow",
            Self::LogTimestamps => "log_timestamps",
            Self::LogWrap => "log_wrap",
            Self::LogSave => "log_save",
            Self::LogTail => "log_tail",
            Self::LogSince1m => "log_since_1m",
            Self::LogSince5m => "log_since_5m",
            Self::LogSince15m => "log_since_15m",
            Self::LogSince1h => "log_since_1h",
            Self::LogFilterOnly => "log_filter_only",
            Self::LogJson => "log_json",
            Self::Scale => "scale",
            Self::Restart => "restart",
            Self::History => "history",
            Self::Undo => "undo",
            Self::Delete => "delete",
            Self::Kill => "kill",
            Self::Pause => "pause",
            Self::Cordon => "cordon",
            Self::Drain => "drain",
            Self::Mark => "mark",
            Self::UndoRollback => "undo_rollback",
            Self::Shell => "shell",
            Self::PortForward => "port_forward",
            Self::Attach => "attach",
            Self::NextMatch => "next_match",
            Self::PreviousMatch => "previous_match",
            Self::Edit => "edit",
            Self::EditExternal => "edit_external",
            Self::EditorSave => "editor_save",
            Self::EditorLeave => "editor_leave",
            Self::EditorFind => "editor_find",
            Self::EditorFindNext => "editor_find_next",
            Self::EditorGoto => "editor_goto",
            Self::EditorUndo => "editor_undo",
            Self::EditorRedo => "editor_redo",
            Self::ShellDetach => "shell_detach",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::Quit => "back, or quit at the first view",
            Self::Back => "back (clears a filter first)",
            Self::Up => "up",
            Self::Down => "down",
            Self::PageUp => "page up",
            Self::PageDown => "page down",
            Self::Top => "top",
            Self::Bottom => "bottom",
            Self::Open => "open: pods of a workload/node/namespace/service, containers of a pod",
            Self::Command => "command: a kind (po, deploy, crd...), ns <name>, ctx <name>, q",
            Self::Filter => "filter rows (!text inverts, re:regex, -l a=b asks the server)",
            Self::Help => "this help",
            Self::AllNamespaces => "all namespaces",
            Self::Yaml => "YAML of the selected object",
            Self::Describe => "describe the selected object",
            Self::Events => "events of the selected object",
            Self::ToggleManagedFields => "show/hide managedFields in YAML",
            Self::DecodeSecret => "reveal/mask a Secret's data in YAML",
            Self::SortName => "sort by name (again: reverse)",
            Self::SortAge => "sort by age (again: reverse)",
            Self::SortStatus => "sort by status (again: reverse)",
            Self::ToggleWide => "show/hide the wide columns (as kubectl -o wide)",
            Self::Suspend => "suspend tug (fg resumes)",
            Self::Logs => "logs of a pod, container or workload",
            Self::LogPrevious => "logs: previous container on/off",
            Self::LogFollow => "logs: follow on/off",
            Self::LogTimestamps => "logs: timestamps on/off",
            Self::LogWrap => "logs: wrap long lines on/off",
            Self::LogSave => "logs: save the buffered lines to a file",
            Self::LogTail => "logs: the last lines (tail)",
            Self::LogSince1m => "logs: since 1 minute ago",
            Self::LogSince5m => "logs: since 5 minutes ago",
            Self::LogSince15m => "logs: since 15 minutes ago",
            Self::LogSince1h => "logs: since 1 hour ago",
            Self::LogFilterOnly => "logs: show only lines matching the search, or all",
            Self::LogJson => "logs: JSON lines pretty/raw",
            Self::Scale => "scale a deployment, replicaset or statefulset",
            Self::Restart => "restart a deployment, statefulset or daemonset",
            Self::History => "rollout history of a deployment",
            Self::Undo => "roll back to the selected revision (in history)",
            Self::Delete => "delete, after confirmation",
            Self::Kill => "kill a pod (grace period 0), after confirmation",
            Self::Pause => "pause or resume a deployment's rollouts",
            Self::Cordon => "cordon or uncordon a node",
            Self::Drain => "drain a node (evictions honour PodDisruptionBudgets)",
            Self::Mark => "mark/unmark the row for a bulk delete",
            Self::UndoRollback => "undo the last rollback (asks first)",
            Self::Shell => "shell into a pod or container (Ctrl-] detaches)",
            Self::PortForward => "port-forward to a pod (:pf lists and stops forwards)",
            Self::Attach => "attach to the container's main process (Ctrl-] detaches)",
            Self::NextMatch => "next match",
            Self::PreviousMatch => "previous match",
            Self::Edit => "edit the object's YAML here (diff and confirm before saving)",
            Self::EditExternal => "edit the object's YAML in $VISUAL/$EDITOR",
            Self::EditorSave => "editor: save (check, diff, confirm)",
            Self::EditorLeave => "editor: leave (asks if unsaved; the edit is kept for recovery)",
            Self::EditorFind => "editor: find",
            Self::EditorFindNext => "editor: next match",
            Self::EditorGoto => "editor: go to line",
            Self::EditorUndo => "editor: undo",
            Self::EditorRedo => "editor: redo",
            Self::ShellDetach => {
                "in a shell or attach session: leave it (the container keeps running)"
            }
        }
    }

    pub fn scope(self) -> Scope {
        match self {
            Self::NextMatch
            | Self::PreviousMatch
            | Self::ToggleManagedFields
            | Self::DecodeSecret
            | Self::LogPrevious
            | Self::LogFollow
            | Self::LogTimestamps
            | Self::LogWrap
            | Self::LogSave
            | Self::LogTail
            | Self::LogSince1m
            | Self::LogSince5m
            | Self::LogSince15m
            | Self::LogSince1h
            | Self::LogFilterOnly
            | Self::LogJson => Scope::Text,
            Self::Open
            | Self::AllNamespaces
            | Self::Yaml
            | Self::Describe
            | Self::Events
            | Self::SortName
            | Self::SortAge
            | Self::SortStatus
            | Self::ToggleWide
            | Self::Logs
            | Self::Scale
            | Self::Restart
            | Self::History
            | Self::Undo
            | Self::Delete
            | Self::Kill
            | Self::Pause
            | Self::Cordon
            | Self::Drain
            | Self::Mark
            | Self::UndoRollback
            | Self::Shell
            | Self::PortForward
            | Self::Attach => Scope::Table,
            Self::EditorSave
            | Self::EditorLeave
            | Self::EditorFind
            | Self::EditorFindNext
            | Self::EditorGoto
            | Self::EditorUndo
            | Self::EditorRedo => Scope::Editor,
            Self::ShellDetach => Scope::Shell,
            // Edit and EditExternal among them: from a table row, or from the object's YAML or description.
            _ => Scope::Global,
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.name() == name)
    }
}

/// A key with its modifiers, normalised (an uppercase letter is `Shift-` whatever the terminal reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Self {
        let code = match e.code {
            KeyCode::Char(c) if e.modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        Self {
            code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parses `q`, `G`, `Ctrl-C`, `Shift-N`, `Enter`, `PgDn`, `F5`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut shift = false;
        let mut rest = s.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if lower.starts_with("ctrl-") && rest.len() > 5 {
                ctrl = true;
                rest = &rest[5..];
            } else if lower.starts_with("alt-") && rest.len() > 4 {
                alt = true;
                rest = &rest[4..];
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                shift = true;
                rest = &rest[6..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backspace" => KeyCode::Backspace,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() > 1
                && f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => {
                        let c = if ctrl {
                            c.to_ascii_lowercase()
                        } else if shift {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        };
                        KeyCode::Char(c)
                    }
                    _ => return Err(format!("unknown key \"{s}\"")),
                }
            }
        };
        Ok(Self { code, ctrl, alt })
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.ctrl {
            write!(f, "Ctrl-")?;
        }
        if self.alt {
            write!(f, "Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => write!(f, "Space"),
            KeyCode::Char(c) if self.ctrl => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCode::Char(c) if c.is_ascii_uppercase() => write!(f, "Shift-{c}"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => write!(f, "Enter"),
            KeyCode::Esc => write!(f, "Esc"),
            KeyCode::Tab => write!(f, "Tab"),
            KeyCode::Backspace => write!(f, "Backspace"),
            KeyCode::Up => write!(f, "Up"),
            KeyCode::Down => write!(f, "Down"),
            KeyCode::Left => write!(f, "Left"),
            KeyCode::Right => write!(f, "Right"),
            KeyCode::PageUp => write!(f, "PgUp"),
            KeyCode::PageDown => write!(f, "PgDn"),
            KeyCode::Home => write!(f, "Home"),
            KeyCode::End => write!(f, "End"),
            KeyCode::Delete => write!(f, "Delete"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: BTreeMap<Action, Vec<Key>>,
    index: HashMap<Key, Vec<Action>>,
}

impl Keymap {
    pub fn default_keymap() -> Self {
        let mut k = Self {
            bindings: BTreeMap::new(),
            index: HashMap::new(),
        };
        // The shipped file is tested to load without errors.
        let _ = k.overlay(DEFAULT);
        k
    }

    /// Applies a keymap file: each action it names gets exactly the keys it lists. All-or-nothing: a file with
    /// any error changes nothing, and the error names its line and column.
    pub fn overlay(&mut self, text: &str) -> Result<(), String> {
        let map: BTreeMap<String, Vec<String>> =
            serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        let mut next = self.bindings.clone();
        for (name, keys) in map {
            let action = Action::from_name(&name).ok_or_else(|| {
                let line = text
                    .lines()
                    .position(|l| l.trim_start().starts_with(&format!("{name}:")))
                    .map(|n| n + 1);
                format!("line {}: unknown action \"{name}\"", line.unwrap_or(0))
            })?;
            let keys = keys
                .iter()
                .map(|k| Key::parse(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| {
                    let line = text
                        .lines()
                        .position(|l| l.trim_start().starts_with(&format!("{name}:")))
                        .map(|n| n + 1);
                    format!("line {}: {e}", line.unwrap_or(0))
                })?;
            next.insert(action, keys);
        }
        self.bindings = next;
        self.index.clear();
        for (action, keys) in &self.bindings {
            for k in keys {
                self.index.entry(*k).or_default().push(*action);
            }
        }
        Ok(())
    }

    /// The actions bound to this key (at most one per scope in a sane keymap).
    pub fn actions(&self, key: &KeyEvent) -> &[Action] {
        self.index
            .get(&Key::from_event(key))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.bindings
            .get(&action)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Keys bound twice within one scope (or to a global and a scoped action).
    pub fn conflicts(&self) -> Vec<(Key, Vec<Action>)> {
        self.index
            .iter()
            .filter(|(_, actions)| {
                actions.iter().enumerate().any(|(i, a)| {
                    actions[i + 1..].iter().any(|b| {
                        // The editor and a shell take every key but their own: globals do not reach them.
                        let exclusive = [a.scope(), b.scope()]
                            .iter()
                            .any(|s| matches!(s, Scope::Editor | Scope::Shell));
                        a.scope() == b.scope()
                            || (!exclusive
                                && (a.scope() == Scope::Global || b.scope() == Scope::Global))
                    })
                })
            })
            .map(|(k, a)| (*k, a.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_keymap_loads_binds_everything_once() {
        let mut k = Keymap {
            bindings: BTreeMap::new(),
            index: HashMap::new(),
        };
        k.overlay(DEFAULT).unwrap();
        for a in Action::ALL {
            assert!(!k.keys(*a).is_empty(), "{} unbound", a.name());
        }
        assert!(k.conflicts().is_empty(), "{:?}", k.conflicts());
    }

    #[test]
    fn keys_parse_and_print_round_trip() {
        for s in [
            "q", "Shift-N", "Ctrl-C", "Enter", "PgDn", "F5", "Space", "Alt-x", ":", "0",
        ] {
            assert_eq!(Key::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Key::parse("G").unwrap(), Key::parse("Shift-G").unwrap());
        assert!(Key::parse("Ctrl-").is_err() || Key::parse("Ctrl-").is_ok());
        assert!(Key::parse("Hyper-Q").is_err());
    }

    #[test]
    fn a_user_keymap_rebinds_and_errors_name_the_line() {
        let mut k = Keymap::default_keymap();
        k.overlay("describe: [i]\n").unwrap();
        let i = KeyEvent::new(KeyCode::Char('i'), KeyModifiers::NONE);
        assert_eq!(k.actions(&i), [Action::Describe]);
        let d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::NONE);
        assert!(k.actions(&d).is_empty());
        let err = k.overlay("yaml: [y]\nfrobnicate: [z]\n").unwrap_err();
        assert_eq!(err, "line 2: unknown action \"frobnicate\"");
        let err = k.overlay("yaml: [y\n  z]: \n").unwrap_err();
        assert!(err.contains("line"), "{err}");
        let err = k.overlay("yaml: [Hyper-Q]\n").unwrap_err();
        assert_eq!(err, "line 1: unknown key \"Hyper-Q\"");
        // Nothing of a broken file was applied.
        let y = KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE);
        assert_eq!(k.actions(&y), [Action::Yaml]);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(k.actions(&ctrl_c), [Action::Quit]);
        let shift_n = KeyEvent::new(KeyCode::Char('N'), KeyModifiers::SHIFT);
        assert!(k.actions(&shift_n).contains(&Action::SortName));
    }

    #[test]
    fn ctrl_bracket_and_ctrl_5_detach_from_a_shell_and_can_be_rebound() {
        let mut k = Keymap::default_keymap();
        for c in [']', '5'] {
            let e = KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
            assert_eq!(k.actions(&e), [Action::ShellDetach]);
        }
        k.overlay("shell_detach: [Ctrl-Q]\n").unwrap();
        let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert!(k.actions(&q).contains(&Action::ShellDetach));
        let b = KeyEvent::new(KeyCode::Char(']'), KeyModifiers::CONTROL);
        assert!(k.actions(&b).is_empty());
    }
}
