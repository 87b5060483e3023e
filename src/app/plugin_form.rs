//! A plugin's `inputs` form: string, number, bool and dropdown fields, filled in before the plugin runs
//! (required ones must be given, numbers must parse); each value becomes `$INPUT_<NAME>`. State and keys
//! only: `ui` draws `PluginForm::lines`.

use crossterm::event::{KeyCode, KeyEvent};

use super::plugins::Target;
use super::{App, Effect, Mode};
use crate::config::k9s::Plugin;
use crate::config::k9s::plugins::InputKind;

/// The form, with what the plugin will run on (read when the key was pressed).
#[derive(Debug, Clone, PartialEq)]
pub struct PluginForm {
    pub title: String,
    pub plugin: Box<Plugin>,
    pub(super) target: Target,
    /// One value per input, in the plugin's order.
    pub values: Vec<String>,
    pub focus: usize,
    pub error: Option<String>,
}

impl PluginForm {
    pub(super) fn new(title: String, plugin: &Plugin, target: Target) -> Self {
        let values = plugin
            .inputs
            .iter()
            .map(|i| match (&i.default, i.kind) {
                (Some(d), _) => d.clone(),
                (None, InputKind::Bool) => "false".into(),
                (None, InputKind::Dropdown) => i.options.first().cloned().unwrap_or_default(),
                (None, _) => String::new(),
            })
            .collect();
        Self {
            title,
            plugin: Box::new(plugin.clone()),
            target,
            values,
            focus: 0,
            error: None,
        }
    }

    /// The form as the dialog shows it: one line per field, the focused one marked.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .plugin
            .inputs
            .iter()
            .zip(&self.values)
            .enumerate()
            .map(|(n, (input, value))| {
                let label = if input.label.is_empty() {
                    &input.name
                } else {
                    &input.label
                };
                let star = if input.required { "*" } else { "" };
                let here = n == self.focus;
                let shown = match input.kind {
                    InputKind::Bool => format!("[{}]", if value == "true" { "x" } else { " " }),
                    InputKind::Dropdown => format!("‹ {value} ›"),
                    _ if here => format!("{value}▏"),
                    _ => value.clone(),
                };
                format!("{} {label}{star}: {shown}", if here { "›" } else { " " })
            })
            .collect();
        if let Some(e) = &self.error {
            out.push(String::new());
            out.push(format!("⚠ {e}"));
        }
        out
    }

    /// Checks the values; the environment with `INPUT_<NAME>` added if they hold.
    fn submit(&self) -> Result<Target, String> {
        let mut target = self.target.clone();
        for (input, value) in self.plugin.inputs.iter().zip(&self.values) {
            if input.required && value.trim().is_empty() {
                return Err(format!("{} is required", input.name));
            }
            if input.kind == InputKind::Number
                && !value.is_empty()
                && value.trim().parse::<f64>().is_err()
            {
                return Err(format!("{} must be a number", input.name));
            }
            let key = format!("INPUT_{}", input.name.to_ascii_uppercase());
            target.env.insert(key, value.clone());
        }
        Ok(target)
    }

    /// One key: moves between fields, edits the focused one; `Some(target)` when submitted and valid.
    fn key(&mut self, key: &KeyEvent) -> Option<Target> {
        let n = self.values.len();
        let input = self.plugin.inputs.get(self.focus)?;
        let value = &mut self.values[self.focus];
        self.error = None;
        match (key.code, input.kind) {
            (KeyCode::Enter, _) => match self.submit() {
                Ok(t) => return Some(t),
                Err(e) => self.error = Some(e),
            },
            (KeyCode::Tab | KeyCode::Down, _) => self.focus = (self.focus + 1) % n.max(1),
            (KeyCode::BackTab | KeyCode::Up, _) => {
                self.focus = (self.focus + n.max(1) - 1) % n.max(1)
            }
            (KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right, InputKind::Bool) => {
                *value = (value != "true").to_string();
            }
            (KeyCode::Left | KeyCode::Right | KeyCode::Char(' '), InputKind::Dropdown) => {
                let options = &input.options;
                if !options.is_empty() {
                    let at = options.iter().position(|o| o == value).unwrap_or(0);
                    let next = if key.code == KeyCode::Left {
                        (at + options.len() - 1) % options.len()
                    } else {
                        (at + 1) % options.len()
                    };
                    *value = options[next].clone();
                }
            }
            (KeyCode::Backspace, InputKind::String | InputKind::Number) => {
                value.pop();
            }
            (KeyCode::Char(c), InputKind::String | InputKind::Number) if value.len() < 256 => {
                value.push(c);
            }
            _ => {}
        }
        None
    }
}

impl App {
    /// A key in a plugin's form: Esc cancels, Enter runs (or asks first, if the plugin says `confirm`).
    pub(super) fn plugin_form_key(&mut self, key: KeyEvent, mut form: PluginForm) -> Vec<Effect> {
        if key.code == KeyCode::Esc {
            self.mode = Mode::Normal;
            self.flash("cancelled: the plugin was not run", false);
            return vec![];
        }
        match form.key(&key) {
            Some(target) => {
                self.mode = Mode::Normal;
                self.plugin_with(&form.plugin, &form.title, &target)
            }
            None => {
                self.mode = Mode::Dialog(Box::new(super::actions::Dialog::PluginInputs(Box::new(
                    form,
                ))));
                vec![]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn press(form: &mut PluginForm, code: KeyCode) -> Option<Target> {
        form.key(&KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn required_and_number_fields_are_checked_before_anything_runs() {
        let text = "shortCut: f\ncommand: echo\ninputs:\n  - name: count\n    type: number\n    required: true\n";
        let plugin = crate::config::k9s::plugins::parse_dir_file("f", text)
            .unwrap()
            .remove("f")
            .unwrap();
        let target = Target {
            env: Default::default(),
            names: vec![],
        };
        let mut form = PluginForm::new("f".into(), &plugin, target);
        assert_eq!(press(&mut form, KeyCode::Enter), None);
        assert_eq!(form.error.as_deref(), Some("count is required"));
        press(&mut form, KeyCode::Char('x'));
        assert_eq!(press(&mut form, KeyCode::Enter), None);
        assert_eq!(form.error.as_deref(), Some("count must be a number"));
        press(&mut form, KeyCode::Backspace);
        press(&mut form, KeyCode::Char('7'));
        let done = press(&mut form, KeyCode::Enter).unwrap();
        assert_eq!(done.env["INPUT_COUNT"], "7");
    }
}
