//! A scrollable text (YAML, describe, events, diffs, the journal) with search highlighting.

use super::{Me, ViewType};
use crate::app::{App, Effect};
use crate::config::Action;
use crate::config::keymap::Scope as KeyScope;
use tug_cluster::discovery::Kind;

/// Scrollable text with search highlighting.
pub struct TextView {
    pub lines: Vec<String>,
    pub scroll: usize,
    pub loading: bool,
    pub search: Option<String>,
    /// For YAML: the object, re-rendered when a toggle changes.
    pub source: Option<serde_json::Value>,
    pub show_managed_fields: bool,
    /// A Secret: its data is masked until decoded on request.
    pub secret: bool,
    pub decoded: bool,
    /// The object this text is of (kind, namespace, name): `e` edits it from its YAML or description.
    pub origin: Option<(Kind, String, String)>,
}

impl TextView {
    pub fn loading() -> Self {
        Self {
            lines: vec![],
            scroll: 0,
            loading: true,
            search: None,
            source: None,
            show_managed_fields: false,
            secret: false,
            decoded: false,
            origin: None,
        }
    }

    pub fn set_object(&mut self, obj: serde_json::Value) {
        self.source = Some(obj);
        self.render_source();
        self.loading = false;
    }

    fn render_source(&mut self) {
        use tug_cluster::objects::SecretData;
        let Some(obj) = &self.source else { return };
        let secrets = match (self.secret, self.decoded) {
            (false, _) => SecretData::Raw,
            (true, false) => SecretData::Masked,
            (true, true) => SecretData::Decoded,
        };
        let text = tug_cluster::objects::to_yaml(obj, self.show_managed_fields, secrets);
        self.lines = text.lines().map(str::to_string).collect();
        self.scroll = self.scroll.min(self.lines.len().saturating_sub(1));
    }

    pub fn set_text(&mut self, text: &str) {
        self.lines = text.lines().map(str::to_string).collect();
        self.loading = false;
        self.scroll = 0;
    }

    /// Jumps to the first line containing `text` (case-insensitive) and highlights matches.
    pub fn search(&mut self, text: &str) {
        if text.is_empty() {
            self.search = None;
            return;
        }
        let needle = text.to_lowercase();
        if let Some(i) = self
            .lines
            .iter()
            .position(|l| l.to_lowercase().contains(&needle))
        {
            self.scroll = i;
        }
        self.search = Some(needle);
    }

    fn next_match(&mut self, forward: bool) {
        let Some(needle) = &self.search else { return };
        let n = self.lines.len();
        let hit = |i: &usize| self.lines[*i].to_lowercase().contains(needle.as_str());
        let found = if forward {
            (self.scroll + 1..n).find(hit)
        } else {
            (0..self.scroll).rev().find(hit)
        };
        if let Some(i) = found {
            self.scroll = i;
        }
    }

    pub fn act(&mut self, action: Action, page: usize) {
        let max = self.lines.len().saturating_sub(1);
        match action {
            Action::Down => self.scroll = (self.scroll + 1).min(max),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = (self.scroll + page).min(max),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(page),
            Action::Top => self.scroll = 0,
            Action::Bottom => self.scroll = max,
            Action::NextMatch => self.next_match(true),
            Action::PreviousMatch => self.next_match(false),
            Action::ToggleManagedFields => {
                self.show_managed_fields = !self.show_managed_fields;
                self.render_source();
            }
            Action::DecodeSecret if self.secret => {
                self.decoded = !self.decoded;
                self.render_source();
            }
            _ => {}
        }
    }
}

impl ViewType for TextView {
    fn key_scope(&self) -> KeyScope {
        KeyScope::Text
    }

    fn act(&mut self, action: Action, app: &mut App, _me: &Me) -> Vec<Effect> {
        if matches!(action, Action::Edit | Action::EditExternal) {
            return match self.origin.clone() {
                Some((kind, ns, name)) => {
                    app.open_editor(kind, ns, name, action == Action::EditExternal)
                }
                None => vec![],
            };
        }
        self.act(action, app.page());
        vec![]
    }
}
