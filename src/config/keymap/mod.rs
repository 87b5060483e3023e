//! Keys → actions. Every action is declared once in `actions.rs`, with its default keys; a user keymap lists
//! only the actions it changes, and the help and the footer hints are read from the keymap in effect.
//! Must not depend on the app or on rendering.

mod actions;
mod help;
mod keys;

use std::collections::{BTreeMap, HashMap};

use crossterm::event::KeyEvent;

pub use actions::{Action, CustomSpec, Scope};
pub use help::{HelpLine, help_lines, help_lines_where, hints, hints_where};
pub use keys::Key;

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: BTreeMap<Action, Vec<Key>>,
    index: HashMap<Key, Vec<Action>>,
}

/// The line of a keymap file where `name` is set, for error messages (0 if it cannot be found).
fn line_of(text: &str, name: &str) -> usize {
    let prefix = format!("{name}:");
    text.lines()
        .position(|l| l.trim_start().starts_with(&prefix))
        .map_or(0, |n| n + 1)
}

/// Whether some view offers both actions.
fn shares_a_view(a: Action, b: Action) -> bool {
    Scope::VIEWS
        .iter()
        .any(|v| a.offered_in(*v) && b.offered_in(*v))
}

impl Keymap {
    /// The keys declared with each action (`keymaps/default.yaml` documents them and is tested to match).
    pub fn default_keymap() -> Self {
        let bindings = Action::ALL
            .iter()
            .map(|a| {
                // Every default key is tested to parse.
                let keys = a.default_keys().iter().filter_map(|k| Key::parse(k).ok());
                (*a, keys.collect())
            })
            .collect();
        let mut k = Self {
            bindings,
            index: HashMap::new(),
        };
        k.reindex();
        k
    }

    fn reindex(&mut self) {
        self.index.clear();
        for (action, keys) in &self.bindings {
            for k in keys {
                self.index.entry(*k).or_default().push(*action);
            }
        }
    }

    /// Applies a keymap file: each action it names gets exactly the keys it lists. All-or-nothing: a file with
    /// any error changes nothing, and the error names its line and column.
    pub fn overlay(&mut self, text: &str) -> Result<(), String> {
        let map: BTreeMap<String, Vec<String>> =
            serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        let mut next = self.bindings.clone();
        for (name, keys) in map {
            let action = Action::from_name(&name).ok_or_else(|| {
                format!("line {}: unknown action \"{name}\"", line_of(text, &name))
            })?;
            let keys = keys
                .iter()
                .map(|k| Key::parse(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("line {}: {e}", line_of(text, &name)))?;
            next.insert(action, keys);
        }
        self.bindings = next;
        self.reindex();
        Ok(())
    }

    /// All the actions bound to this key, whatever their scope.
    pub fn actions(&self, key: &KeyEvent) -> &[Action] {
        self.index
            .get(&Key::from_event(key))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The action this key means in a view of scope `view` (the first declared, should a user keymap bind a
    /// key twice there).
    pub fn action(&self, key: &KeyEvent, view: Scope) -> Option<Action> {
        self.actions(key)
            .iter()
            .copied()
            .find(|a| a.offered_in(view))
    }

    /// The built-ins, then the run-time actions bound in this keymap (in the order they were added).
    pub fn actions_in_effect(&self) -> Vec<Action> {
        Action::every()
            .into_iter()
            .filter(|a| !matches!(a, Action::Custom(_)) || self.bindings.contains_key(a))
            .collect()
    }

    /// Binds a run-time action. A key some built-in offered in one of its views already has is not taken
    /// unless `take_over` (k9s's `override: true`) is set, in which case the built-in loses that key in
    /// those views' scopes; either way the clash is returned for reporting, as `(key, built-in)`.
    pub fn bind_custom(
        &mut self,
        action: Action,
        keys: &[Key],
        take_over: bool,
    ) -> Vec<(Key, Action)> {
        let mut clashes = vec![];
        let mut kept = vec![];
        for key in keys {
            let rivals: Vec<Action> = self
                .index
                .get(key)
                .into_iter()
                .flatten()
                .copied()
                .filter(|b| !matches!(b, Action::Custom(_)) && shares_a_view(*b, action))
                .collect();
            clashes.extend(rivals.iter().map(|b| (*key, *b)));
            if rivals.is_empty() || take_over {
                for b in rivals {
                    if let Some(ks) = self.bindings.get_mut(&b) {
                        ks.retain(|k| k != key);
                    }
                }
                kept.push(*key);
            }
        }
        self.bindings.entry(action).or_default().extend(kept);
        self.reindex();
        clashes
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.bindings
            .get(&action)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Keys bound to two actions that one view offers (a scoped action and a global one included).
    pub fn conflicts(&self) -> Vec<(Scope, Key, Vec<Action>)> {
        let mut out = vec![];
        for view in Scope::VIEWS {
            for (key, actions) in &self.index {
                let here: Vec<Action> = actions
                    .iter()
                    .copied()
                    .filter(|a| a.offered_in(*view))
                    .collect();
                if here.len() > 1 {
                    out.push((*view, *key, here));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
