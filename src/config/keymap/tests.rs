use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

/// The header of `keymaps/default.yaml`; the rest of the file is generated from the declarations.
const HEADER: &str = "\
# tug's default keymap (k9s-compatible). Each action lists the keys that trigger it.
# Keys: a character (`q`, `G`, `/`), or a name (Enter, Esc, Tab, Backspace, Space, Up, Down, Left, Right,
# PgUp, PgDn, Home, End, F1..F12), optionally with Ctrl-, Alt- or Shift- (`Ctrl-C`, `Shift-N`).
# A user keymap (~/.config/tug/keymap.yaml, or --keymap FILE) lists only what it changes.
# Generated from the declarations in src/config/keymap/actions.rs (the one source of default keys): after
# adding or rebinding an action, regenerate it with `TUG_BLESS=1 cargo test --lib default_keymap_file`.
";

/// The default keymap as a keymap file: every action, in declaration order, with its declared keys.
fn default_keymap_file() -> String {
    let mut out = HEADER.to_string();
    for a in Action::ALL {
        let keys: Vec<String> = a
            .default_keys()
            .iter()
            .map(|k| {
                let plain = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                if plain {
                    k.to_string()
                } else {
                    format!("{k:?}")
                }
            })
            .collect();
        out.push_str(&format!("{}: [{}]\n", a.name(), keys.join(", ")));
    }
    out
}

/// `keymaps/default.yaml` documents the defaults declared with each action; it is generated (so adding an
/// action edits no second list) and checked here, and it loads as a keymap giving exactly the declared keys.
#[test]
fn the_shipped_default_keymap_file_is_generated_from_the_declarations() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/keymaps/default.yaml");
    let generated = default_keymap_file();
    if std::env::var_os("TUG_BLESS").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text == generated,
        "keymaps/default.yaml is stale: regenerate it with `TUG_BLESS=1 cargo test --lib default_keymap_file`"
    );
    let mut from_file = Keymap {
        bindings: BTreeMap::new(),
        index: HashMap::new(),
    };
    from_file.overlay(&text).unwrap();
    let declared = Keymap::default_keymap();
    for a in Action::ALL {
        assert_eq!(
            a.default_keys().len(),
            declared.keys(*a).len(),
            "{}: a default key does not parse",
            a.name()
        );
        assert!(!declared.keys(*a).is_empty(), "{} unbound", a.name());
        assert_eq!(from_file.keys(*a), declared.keys(*a), "{}", a.name());
    }
}

#[test]
fn the_default_keymap_binds_no_key_twice_in_one_view() {
    let k = Keymap::default_keymap();
    assert!(k.conflicts().is_empty(), "{:?}", k.conflicts());
    // The check sees a scoped action against a global one.
    let mut clash = Keymap::default_keymap();
    clash.overlay("describe: [\"?\"]\n").unwrap();
    let found = clash.conflicts();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Scope::Table);
    assert_eq!(found[0].2, [Action::Help, Action::Describe]);
}

#[test]
fn a_key_means_the_action_of_the_view_it_is_pressed_in() {
    let k = Keymap::default_keymap();
    let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    assert_eq!(k.action(&key('p'), Scope::Table), Some(Action::Pause));
    assert_eq!(k.action(&key('p'), Scope::Log), Some(Action::LogPrevious));
    assert_eq!(k.action(&key('p'), Scope::Text), None);
    assert_eq!(
        k.action(&key('0'), Scope::Table),
        Some(Action::AllNamespaces)
    );
    assert_eq!(k.action(&key('n'), Scope::Text), Some(Action::NextMatch));
    assert_eq!(k.action(&key('j'), Scope::Log), Some(Action::Down));
    assert_eq!(k.action(&key('y'), Scope::Dialog), Some(Action::ConfirmYes));
    assert_eq!(k.action(&key('y'), Scope::Table), Some(Action::Yaml));
    // Globals do not reach the editor, a dialog or a shell.
    assert_eq!(k.action(&key('q'), Scope::Editor), None);
    assert_eq!(k.action(&key('q'), Scope::Dialog), Some(Action::ConfirmNo));
    assert_eq!(k.action(&key('?'), Scope::Shell), None);
}

#[test]
fn a_user_keymap_rebinds_and_errors_name_the_line() {
    let mut k = Keymap::default_keymap();
    k.overlay("describe: [o]\n").unwrap();
    let o = KeyEvent::new(KeyCode::Char('o'), KeyModifiers::NONE);
    assert_eq!(k.action(&o, Scope::Table), Some(Action::Describe));
    let d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::NONE);
    assert_eq!(k.action(&d, Scope::Table), None);
    let err = k.overlay("yaml: [y]\nfrobnicate: [z]\n").unwrap_err();
    assert_eq!(err, "line 2: unknown action \"frobnicate\"");
    let err = k.overlay("yaml: [y\n  z]: \n").unwrap_err();
    assert!(err.contains("line"), "{err}");
    let err = k.overlay("yaml: [Hyper-Q]\n").unwrap_err();
    assert_eq!(err, "line 1: unknown key \"Hyper-Q\"");
    // Nothing of a broken file was applied.
    let y = KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE);
    assert_eq!(k.action(&y, Scope::Table), Some(Action::Yaml));
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

#[test]
fn a_user_key_that_clashes_with_another_action_is_reported_and_the_first_declared_wins() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keymap.yaml");
    std::fs::write(&path, "describe: [y]\n").unwrap();
    let config = crate::config::Config::load(path.to_str(), None);
    let report: Vec<String> = config.errors.iter().map(ToString::to_string).collect();
    assert!(
        report
            .iter()
            .any(|e| e.contains("y is bound to yaml and describe in Table views; yaml wins")),
        "{report:?}"
    );
    let y = KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE);
    assert_eq!(config.keymap.action(&y, Scope::Table), Some(Action::Yaml));
}

/// The duplicate check runs over `Scope::VIEWS`; every scope an action can be declared in is either one of them
/// or reaches them (global, navigation), so no scope escapes the check. The match has no wildcard: a new scope
/// does not compile here until it is placed.
#[test]
fn every_scope_is_covered_by_the_duplicate_check() {
    fn reaches_views(s: Scope) -> bool {
        match s {
            Scope::Global | Scope::Navigation => true,
            Scope::Table
            | Scope::Text
            | Scope::Log
            | Scope::Editor
            | Scope::Dialog
            | Scope::Shell
            | Scope::Tabs => false,
        }
    }
    for a in Action::ALL {
        for s in a.scopes() {
            assert!(
                reaches_views(*s) || Scope::VIEWS.contains(s),
                "{}: scope {s:?} is not checked for duplicate keys",
                a.name()
            );
        }
    }
    // The tab commands come after a prefix, so they may reuse view keys (`n`, `c`, digits) but not each other's.
    let k = Keymap::default_keymap();
    let mut clash = k.clone();
    clash.overlay("tab_close: [n]\n").unwrap();
    assert!(
        clash
            .conflicts()
            .iter()
            .any(|(s, _, a)| *s == Scope::Tabs && a.contains(&Action::TabNew))
    );
    // The prefix takes no key a view already uses.
    let ctrl_t = KeyEvent::new(KeyCode::Char('t'), KeyModifiers::CONTROL);
    for view in [Scope::Table, Scope::Text, Scope::Log] {
        assert_eq!(k.actions(&ctrl_t), [Action::TabPrefix], "{view:?}");
    }
}
