//! Keys → actions. Every action is declared once in `actions.rs`, with its default keys; a user keymap lists
//! only the actions it changes, and the help and the footer hints are read from the keymap in effect.
//! Must not depend on the app or on rendering.

mod actions;
mod help;
mod keys;

use std::collections::{BTreeMap, HashMap};

use crossterm::event::KeyEvent;

pub use actions::{Action, Scope};
pub use help::{HelpLine, help_lines, hints};
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
