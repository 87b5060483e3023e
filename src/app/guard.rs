//! Guardrails per context, from the settings: in a protected context every destructive change (delete, kill,
//! scale to 0, drain, rollback, undo of a rollback, edit, a plugin marked dangerous) waits for the object's name to be typed, bulk changes
//! are capped, and the header says PROTECTED; `denied_actions` refuses named actions outright. Everything here
//! is decided before an effect exists, so a refusal sends nothing.

use crossterm::event::{KeyCode, KeyEvent};

use super::actions::Dialog;
use super::{App, Effect, Mode};
use crate::config::Action;
use crate::config::settings::Settings;
use tug_cluster::discovery::Kind;
use tug_cluster::mutate::{Mutation, Op};

/// The rules in force for the current context.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Guardrails {
    pub protected: bool,
    /// Objects one bulk change may touch in a protected context.
    pub bulk_limit: usize,
    pub denied: Vec<Action>,
}

/// What a typed name lets through.
#[derive(Debug, Clone, PartialEq)]
pub enum Guarded {
    Mutations(Vec<Mutation>),
    Edit {
        kind: Kind,
        namespace: String,
        name: String,
        external: bool,
    },
    /// A plugin marked dangerous.
    Plugin(Box<super::PluginRun>),
}

/// `*` any run of characters, `?` one; everything else literal (context names hold `.`, `-`, `_`, `@`, `:`).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Classic two-pointer wildcard match: on a mismatch, retry from the last `*` one character further.
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

impl Guardrails {
    /// The rules `settings` sets for `context`.
    pub fn for_context(settings: &Settings, context: &str) -> Self {
        let denied = settings
            .denied_actions
            .iter()
            .filter(|(pattern, _)| glob_match(pattern, context))
            .flat_map(|(_, names)| names.iter().filter_map(|n| Action::from_name(n)))
            .collect();
        Self {
            protected: settings
                .protected_contexts
                .iter()
                .any(|p| glob_match(p, context)),
            bulk_limit: settings.bulk_limit,
            denied,
        }
    }
}

/// The changes a protected context asks the name for: those that remove, stop or rewind something.
fn destructive(m: &Mutation) -> bool {
    matches!(
        m.op,
        Op::Delete { .. }
            | Op::Drain
            | Op::Rollback { .. }
            | Op::RollbackRevision { .. }
            | Op::SetTemplate { .. }
            | Op::Scale { replicas: 0 }
    )
}

impl App {
    /// A denied action is refused with a message; true if it was.
    pub(super) fn denied(&mut self, action: Action) -> bool {
        let denied = self.guardrails.denied.contains(&action);
        if denied {
            let context = self.info.context.clone();
            self.flash(
                format!(
                    "{} is denied in context {context} (settings: denied_actions)",
                    action.name()
                ),
                true,
            );
        }
        denied
    }

    /// Bulk changes beyond the limit are refused in a protected context; true if refused.
    pub(super) fn over_bulk_limit(&mut self, count: usize) -> bool {
        let limit = self.guardrails.bulk_limit;
        let over = self.guardrails.protected && count > limit;
        if over {
            self.flash(
                format!("protected context: at most {limit} objects at once ({count} marked); nothing was sent"),
                true,
            );
        }
        over
    }

    /// In a protected context, opens the type-the-name dialog for destructive `mutations` and returns
    /// `None`; otherwise hands them back to be confirmed or sent as usual.
    pub(super) fn guard_mutations(
        &mut self,
        title: &str,
        lines: &[String],
        mutations: Vec<Mutation>,
    ) -> Option<Vec<Mutation>> {
        if !self.guardrails.protected || !mutations.iter().any(destructive) {
            return Some(mutations);
        }
        let expected = match &mutations[..] {
            [one] => one.target.name.clone(),
            many => many.len().to_string(),
        };
        self.type_name(
            title.to_string(),
            lines.to_vec(),
            expected,
            Guarded::Mutations(mutations),
        );
        None
    }

    /// In a protected context an edit starts only once the object's name is typed; true if it waits.
    pub(super) fn guard_edit(
        &mut self,
        kind: &Kind,
        namespace: &str,
        name: &str,
        external: bool,
    ) -> bool {
        if !self.guardrails.protected || self.readonly {
            return false;
        }
        let then = Guarded::Edit {
            kind: kind.clone(),
            namespace: namespace.to_string(),
            name: name.to_string(),
            external,
        };
        let title = format!("Edit {}/{name}?", kind.kind.to_lowercase());
        let lines = vec![format!(
            "in namespace {namespace}: saving replaces the object"
        )];
        self.type_name(title, lines, name.to_string(), then);
        true
    }

    pub(super) fn type_name(
        &mut self,
        title: String,
        lines: Vec<String>,
        expected: String,
        then: Guarded,
    ) {
        self.mode = Mode::Dialog(Box::new(Dialog::TypeName {
            title,
            lines,
            expected,
            input: String::new(),
            error: None,
            then,
        }));
    }

    /// Keys in the type-the-name dialog: they are typed; Enter lets the change through only on an exact match.
    pub(super) fn type_name_key(
        &mut self,
        key: KeyEvent,
        title: String,
        lines: Vec<String>,
        expected: String,
        mut input: String,
        then: Guarded,
    ) -> Vec<Effect> {
        let mut error = None;
        match key.code {
            KeyCode::Esc => return self.cancel_dialog(),
            KeyCode::Enter if input == expected => {
                self.mode = Mode::Normal;
                return match then {
                    Guarded::Mutations(ms) => {
                        self.clear_marks();
                        ms.into_iter().map(Effect::Mutate).collect()
                    }
                    Guarded::Edit {
                        kind,
                        namespace,
                        name,
                        external,
                    } => self.open_editor_now(kind, namespace, name, external),
                    Guarded::Plugin(run) => vec![Effect::Plugin(run)],
                };
            }
            KeyCode::Enter => error = Some(format!("type {expected} exactly; nothing was sent")),
            KeyCode::Backspace => {
                input.pop();
            }
            KeyCode::Char(c) if input.len() < 253 => input.push(c),
            _ => {}
        }
        self.mode = Mode::Dialog(Box::new(Dialog::TypeName {
            title,
            lines,
            expected,
            input,
            error,
            then,
        }));
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_context_names() {
        assert!(glob_match("prod-*", "prod-eu"));
        assert!(glob_match("*prod*", "gke_acme_prod_1"));
        assert!(glob_match("tug-sim", "tug-sim"));
        assert!(glob_match("t?g-*", "tug-sim"));
        assert!(!glob_match("prod-*", "staging-prod"));
        assert!(!glob_match("prod", "prod-eu"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn the_settings_rules_apply_to_the_contexts_they_name() {
        let s = Settings::parse(
            "protected_contexts: [\"prod-*\"]\nbulk_limit: 3\ndenied_actions:\n  \"prod-*\": [drain]\n",
        )
        .unwrap();
        let prod = Guardrails::for_context(&s, "prod-eu");
        assert!(prod.protected);
        assert_eq!(prod.bulk_limit, 3);
        assert_eq!(prod.denied, [Action::Drain]);
        let dev = Guardrails::for_context(&s, "dev");
        assert!(!dev.protected && dev.denied.is_empty());
    }
}
