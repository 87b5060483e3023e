//! The help and the footer hints, read from the action table and the keymap in effect (so a rebound key shows
//! as bound). Plain data: the ui styles it, the app scrolls it.

use super::{Action, Keymap, Scope};

/// One line of the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    Heading(&'static str),
    Binding {
        keys: String,
        about: String,
    },
    /// A binding the user may not use here (RBAC): drawn greyed, with the reason.
    Denied {
        keys: String,
        about: String,
        reason: String,
    },
}

fn binding(keymap: &Keymap, action: Action, denied: &dyn Fn(Action) -> Option<String>) -> HelpLine {
    let keys: Vec<String> = keymap
        .keys(action)
        .iter()
        .map(ToString::to_string)
        .collect();
    let (keys, about) = (keys.join(" "), action.describe().into());
    match denied(action) {
        Some(reason) => HelpLine::Denied {
            keys,
            about,
            reason,
        },
        None => HelpLine::Binding { keys, about },
    }
}

/// The first key of an action, as the hints spell it.
fn first_key(keymap: &Keymap, action: Action) -> Option<String> {
    keymap.keys(action).first().map(|k| k.short())
}

/// The help for a view of scope `view`: how to use the help, then this view's bindings, navigation, the global
/// ones and the commands.
pub fn help_lines(keymap: &Keymap, view: Scope) -> Vec<HelpLine> {
    help_lines_where(keymap, view, |_| true, |_| None)
}

/// The help of a view, with the run-time actions `offered` says it has (k9s plugins and hotkeys) first,
/// under their own heading, so a user's own keys are found without scrolling; the bindings `denied` gives a
/// reason for (RBAC) are greyed with it.
pub fn help_lines_where(
    keymap: &Keymap,
    view: Scope,
    offered: impl Fn(Action) -> bool,
    denied: impl Fn(Action) -> Option<String>,
) -> Vec<HelpLine> {
    let nav = [
        Action::Down,
        Action::Up,
        Action::PageDown,
        Action::PageUp,
        Action::Top,
        Action::Bottom,
    ];
    let scroll: Vec<String> = nav.iter().filter_map(|a| first_key(keymap, *a)).collect();
    let help_keys: Vec<String> = keymap
        .keys(Action::Help)
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut lines = vec![HelpLine::Binding {
        keys: help_keys.join(" "),
        about: format!(
            "{} ({} scroll; any other key closes)",
            Action::Help.describe(),
            scroll.join("/")
        ),
    }];
    let custom = |a: &Action| matches!(a, Action::Custom(_));
    let mine: Vec<Action> = keymap
        .actions_in_effect()
        .into_iter()
        .filter(|a| custom(a) && a.offered_in(view) && offered(*a))
        .collect();
    if !mine.is_empty() {
        lines.push(HelpLine::Heading("plugins and hotkeys"));
        lines.extend(mine.iter().map(|a| binding(keymap, *a, &denied)));
    }
    let group = |lines: &mut Vec<HelpLine>, heading, scope: Scope| {
        lines.push(HelpLine::Heading(heading));
        lines.extend(
            keymap
                .actions_in_effect()
                .into_iter()
                .filter(|a| a.scopes().contains(&scope) && *a != Action::Help && !custom(a))
                .map(|a| binding(keymap, a, &denied)),
        );
    };
    group(&mut lines, "this view", view);
    if view.has_globals() {
        group(&mut lines, "navigation", Scope::Navigation);
        group(&mut lines, "global", Scope::Global);
        group(
            &mut lines,
            "tabs and panes (after the tabs prefix)",
            Scope::Tabs,
        );
        lines.push(HelpLine::Binding {
            keys: ":ns NAME".into(),
            about: "switch namespace; :ctx [NAME] contexts; :q quit".into(),
        });
    }
    lines
}

/// The footer hints of a view of scope `view`, with the keys in effect: the global ones, the view's, then
/// navigation, each in the table's order. Actions without a hint label or without a key are left out.
pub fn hints(keymap: &Keymap, view: Scope) -> Vec<(String, &'static str)> {
    hints_where(keymap, view, |_| true)
}

/// The hints of a view, keeping only the actions `offered` says this view has (a plugin scoped to other
/// kinds is left out).
pub fn hints_where(
    keymap: &Keymap,
    view: Scope,
    offered: impl Fn(Action) -> bool,
) -> Vec<(String, &'static str)> {
    let mut groups = vec![view];
    if view.has_globals() {
        groups.insert(0, Scope::Global);
        groups.push(Scope::Navigation);
    }
    let actions = keymap.actions_in_effect();
    groups
        .iter()
        .flat_map(|scope| actions.iter().filter(move |a| a.scopes().contains(scope)))
        .filter(|a| offered(**a))
        .filter_map(|a| Some((first_key(keymap, *a)?, a.hint()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_hints_its_actions_between_the_prompts_and_the_way_out() {
        let k = Keymap::default_keymap();
        let hints: Vec<String> = hints(&k, Scope::Table)
            .into_iter()
            .map(|(key, label)| format!("{key}:{label}"))
            .collect();
        assert_eq!(
            hints,
            [
                "?:help",
                "::kind",
                "/:filter",
                "⏎:open",
                "y:yaml",
                "d:describe",
                "esc:back",
                "q:quit"
            ]
        );
        let log: Vec<&str> = super::hints(&k, Scope::Log)
            .into_iter()
            .map(|(_, label)| label)
            .collect();
        assert_eq!(
            log,
            ["help", "kind", "filter", "follow", "wrap", "back", "quit"]
        );
        assert!(super::hints(&k, Scope::Editor).is_empty());
    }

    #[test]
    fn the_help_starts_with_this_view_and_shows_the_keys_in_effect() {
        let mut k = Keymap::default_keymap();
        k.overlay("describe: [Shift-X, i]\n").unwrap();
        let lines = help_lines(&k, Scope::Table);
        assert!(matches!(&lines[0], HelpLine::Binding { keys, about }
            if keys == "?" && about.starts_with("this help (j/k/PgDn/PgUp/g/G scroll")));
        assert_eq!(lines[1], HelpLine::Heading("this view"));
        assert!(lines.contains(&HelpLine::Binding {
            keys: "Shift-X i".into(),
            about: "describe the selected object".into(),
        }));
        let headings: Vec<&HelpLine> = lines
            .iter()
            .filter(|l| matches!(l, HelpLine::Heading(_)))
            .collect();
        assert_eq!(
            headings,
            [
                &HelpLine::Heading("this view"),
                &HelpLine::Heading("navigation"),
                &HelpLine::Heading("global"),
                &HelpLine::Heading("tabs and panes (after the tabs prefix)")
            ]
        );
        // A log's help has no table actions; the editor's has only its own.
        let log = help_lines(&k, Scope::Log);
        assert!(
            !log.iter()
                .any(|l| matches!(l, HelpLine::Binding { about, .. }
            if about == "describe the selected object"))
        );
        let editor = help_lines(&k, Scope::Editor);
        assert!(!editor.contains(&HelpLine::Heading("global")));
    }
}
