//! The in-app manifest editor: a YAML buffer (ratatui-textarea) over the object as it was read, and the steps
//! of a save: parse → server-side dry run → diff → confirm → PUT with the original resourceVersion, with the
//! conflict (409) flow when the object changed meanwhile. Nothing is ever lost: the runtime writes the buffer
//! to a recovery file on every save attempt and whenever it is left unsaved.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};
use serde_json::Value;

use super::{App, Body, Effect, Purpose, View, ViewId};
use crate::config::Action;
use crate::config::keymap::Scope as KeyScope;
use crate::recovery::EditKey;
use tug_cluster::discovery::Kind;
use tug_model::manifest::{self, EditError};
use tug_model::merge::{self, DiffLine};

/// Where the editor is in its life.
#[derive(Debug, Clone)]
pub enum Stage {
    Loading,
    Editing,
    /// An unsaved buffer of this object was found: restore it?
    Restore {
        text: String,
        when: jiff::Timestamp,
    },
    /// A find or go-to-line prompt on the status line.
    Prompt {
        find: bool,
        input: String,
    },
    /// The server is checking the object (dry run); then the diff is shown.
    Checking {
        object: Value,
    },
    /// What will change; sent on `y`.
    Confirm {
        diff: Vec<DiffLine>,
        object: Value,
        scroll: usize,
    },
    Sending {
        object: Value,
    },
    /// The object changed on the server since it was read (409): reading the new version.
    Reloading {
        confirmed: bool,
    },
    /// The new version differs in what the user edits: what changed there, and the merge of both.
    Conflict {
        theirs: Value,
        changes: Vec<DiffLine>,
        merged: Result<Value, Vec<String>>,
        scroll: usize,
    },
    /// Leave with unsaved changes?
    Leave,
}

pub struct EditorView {
    pub kind: Kind,
    pub namespace: String,
    /// `None`: a new object (`:create`).
    pub name: Option<String>,
    pub recovery: EditKey,
    /// The object as read from the server: the base of the diff, the merge and the resourceVersion.
    pub live: Option<Value>,
    /// The buffer as opened, to tell unsaved changes.
    original: Vec<String>,
    pub area: TextArea<'static>,
    pub stage: Stage,
    /// The status line: a message, and whether it is an error.
    pub message: Option<(String, bool)>,
    /// Read-only mode: view, search, never save.
    pub readonly: bool,
    /// Opened with `E`: handed to `$EDITOR` once loaded.
    pub external: bool,
    /// An unsaved buffer found on disk before the object arrived: offered once it has.
    found: Option<(String, jiff::Timestamp)>,
    /// The user chose "reload and re-apply": later conflicts that merge cleanly (a controller bumping an
    /// annotation meanwhile) are re-applied without asking again. Cleared when editing resumes.
    reapply: bool,
    /// First visible line and column (kept around the cursor by `scroll_to_cursor`).
    pub top: usize,
    pub left: usize,
}

impl EditorView {
    fn new(kind: Kind, namespace: String, name: Option<String>, recovery: EditKey) -> Self {
        Self {
            kind,
            namespace,
            name,
            recovery,
            live: None,
            original: vec![],
            area: TextArea::default(),
            stage: Stage::Loading,
            message: None,
            readonly: false,
            external: false,
            found: None,
            reapply: false,
            top: 0,
            left: 0,
        }
    }

    /// Replaces the buffer (and its undo history).
    pub fn set_text(&mut self, text: &str) {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        self.area = TextArea::new(if lines.is_empty() {
            vec![String::new()]
        } else {
            lines
        });
        self.area.set_tab_length(2);
        self.area.set_max_histories(1000);
        self.top = 0;
        self.left = 0;
    }

    pub fn text(&self) -> String {
        let mut s = self.area.lines().join("\n");
        s.push('\n');
        s
    }

    /// Whether the buffer differs from what was opened.
    pub fn modified(&self) -> bool {
        !matches!(self.stage, Stage::Loading) && self.area.lines() != self.original.as_slice()
    }

    fn mark_saved(&mut self) {
        self.original = self.area.lines().to_vec();
    }

    /// Columns the line numbers take: the widest number and a space.
    pub fn gutter(&self) -> usize {
        self.area.lines().len().to_string().len() + 1
    }

    /// Keeps the cursor within a `rows` x `cols` window.
    pub fn scroll_to_cursor(&mut self, rows: usize, cols: usize) {
        let (row, col) = (self.area.cursor().0, self.area.cursor().1);
        let rows = rows.max(1);
        if row < self.top {
            self.top = row;
        } else if row >= self.top + rows {
            self.top = row + 1 - rows;
        }
        let cols = cols.max(1);
        if col < self.left {
            self.left = col;
        } else if col >= self.left + cols {
            self.left = col + 1 - cols;
        }
    }

    fn jump(&mut self, line: usize, column: usize) {
        let row = line
            .saturating_sub(1)
            .min(self.area.lines().len().saturating_sub(1));
        let col = column.saturating_sub(1);
        self.area.move_cursor(CursorMove::Jump(
            u16::try_from(row).unwrap_or(u16::MAX),
            u16::try_from(col).unwrap_or(u16::MAX),
        ));
    }

    pub fn title(&self) -> String {
        let name = self.name.as_deref().unwrap_or("(new)");
        let verb = if self.name.is_none() {
            "create"
        } else if self.readonly {
            "view"
        } else {
            "edit"
        };
        format!("{verb} {}/{name}", self.kind.display())
    }

    /// The object the buffer would become, or why it cannot be sent. `Ok(None)`: an empty buffer.
    fn prepare_save(&self) -> Result<Option<Value>, EditError> {
        let Some(edited) = manifest::parse(&self.text())? else {
            return Ok(None);
        };
        match &self.live {
            Some(live) => {
                manifest::check_identity(&edited, live)?;
                Ok(Some(manifest::with_server_fields(&edited, live)))
            }
            None => Ok(Some(edited)),
        }
    }

    /// The diff from the live object to `object`, both in their editable form.
    fn diff_to(&self, object: &Value) -> Vec<DiffLine> {
        let old = self
            .live
            .as_ref()
            .map(|l| manifest::to_yaml(&manifest::editable(l)))
            .unwrap_or_default();
        let new = manifest::to_yaml(&manifest::editable(object));
        merge::unified(&old, &new, "live", "edited")
    }
}

impl App {
    fn edit_key(&self, kind: &Kind, namespace: &str, name: &str) -> EditKey {
        EditKey {
            context: self.info.context.clone(),
            group: kind.group.clone(),
            kind: kind.kind.clone(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    /// `e` / `E` on an object: read it, then edit it here or in `$EDITOR` (in a protected context once its
    /// name is typed).
    pub(super) fn open_editor(
        &mut self,
        kind: Kind,
        namespace: String,
        name: String,
        external: bool,
    ) -> Vec<Effect> {
        if self.guard_edit(&kind, &namespace, &name, external) {
            return vec![];
        }
        self.open_editor_now(kind, namespace, name, external)
    }

    pub(in crate::app) fn open_editor_now(
        &mut self,
        kind: Kind,
        namespace: String,
        name: String,
        external: bool,
    ) -> Vec<Effect> {
        let key = self.edit_key(&kind, &namespace, &name);
        let mut ed = EditorView::new(kind.clone(), namespace.clone(), Some(name.clone()), key);
        ed.readonly = self.readonly;
        ed.external = external && !self.readonly;
        let (id, mut effects) = self.push_editor(ed);
        effects.push(Effect::Fetch {
            view: id,
            kind,
            namespace,
            name,
            purpose: Purpose::Edit,
        });
        effects
    }

    /// Pushes an editor view; asks for its recovery file (an unsaved buffer to offer back) unless read-only.
    fn push_editor(&mut self, ed: EditorView) -> (ViewId, Vec<Effect>) {
        let id = self.id();
        let effects = if ed.readonly {
            vec![]
        } else {
            vec![Effect::ReadRecovery {
                view: id,
                key: ed.recovery.clone(),
            }]
        };
        self.stack.push(View {
            id,
            title: ed.title(),
            body: Body::Editor(Box::new(ed)),
        });
        (id, effects)
    }

    /// `:create <kind>`: a template of the kind, sent with a POST.
    pub(super) fn open_create(&mut self, kind_name: &str) -> Vec<Effect> {
        let Some(kind) = tug_cluster::discovery::find(&self.kinds, kind_name).cloned() else {
            self.flash(format!("unknown resource \"{kind_name}\""), true);
            return vec![];
        };
        if self.readonly {
            self.flash("read-only mode: create is disabled", true);
            return vec![];
        }
        let namespace = if kind.namespaced {
            self.namespace.clone().unwrap_or_else(|| "default".into())
        } else {
            String::new()
        };
        let key = self.edit_key(&kind, &namespace, "(new)");
        let mut ed = EditorView::new(kind.clone(), namespace.clone(), None, key);
        let text = manifest::template(
            &kind.api_version(),
            &kind.kind,
            kind.namespaced.then_some(namespace.as_str()),
        );
        ed.set_text(&text);
        ed.mark_saved();
        ed.stage = Stage::Editing;
        ed.message = Some(("Ctrl-S creates it; Esc leaves".into(), false));
        self.push_editor(ed).1
    }

    /// The editor's recovery file, if one was found: offered now, or once the object has arrived.
    pub(super) fn editor_recovered(
        &mut self,
        view: ViewId,
        recovered: Option<(String, jiff::Timestamp)>,
    ) -> Vec<Effect> {
        let (Some(ed), Some((text, when))) = (self.editor(view), recovered) else {
            return vec![];
        };
        match ed.stage {
            Stage::Loading => ed.found = Some((text, when)),
            Stage::Editing if !ed.modified() && text.lines().ne(ed.original.iter()) => {
                ed.stage = Stage::Restore { text, when };
            }
            _ => {}
        }
        vec![]
    }

    fn editor(&mut self, view: ViewId) -> Option<&mut EditorView> {
        self.view_anywhere_mut(view)
            .and_then(|v| match &mut v.body {
                Body::Editor(e) => Some(e.as_mut()),
                _ => None,
            })
    }

    /// The object was read: fill the buffer (offering an unsaved one found on disk).
    pub(super) fn editor_loaded(&mut self, view: ViewId, object: Value) -> Vec<Effect> {
        let Some(ed) = self.editor(view) else {
            return vec![];
        };
        let recovered = ed.found.take();
        ed.set_text(&manifest::to_yaml(&manifest::editable(&object)));
        ed.mark_saved();
        ed.live = Some(object);
        ed.stage = Stage::Editing;
        match recovered {
            Some((text, when)) if !ed.readonly && text.lines().ne(ed.original.iter()) => {
                ed.stage = Stage::Restore { text, when };
                vec![]
            }
            _ if ed.external => {
                ed.external = false;
                vec![Effect::ExternalEdit {
                    view,
                    text: ed.text(),
                }]
            }
            _ => {
                if ed.readonly {
                    ed.message = Some(("read-only mode: view only (Esc leaves)".into(), false));
                }
                vec![]
            }
        }
    }

    /// `$EDITOR` is done: take its text and save it as if typed here.
    pub(super) fn editor_external_done(
        &mut self,
        view: ViewId,
        result: Result<String, String>,
    ) -> Vec<Effect> {
        let Some(ed) = self.editor(view) else {
            return vec![];
        };
        match result {
            Err(e) => {
                ed.message = Some((e, true));
                vec![]
            }
            Ok(text) => {
                if text.lines().eq(ed.original.iter()) {
                    ed.message = Some(("no changes".into(), false));
                    return self.close_editor(view, false);
                }
                ed.set_text(&text);
                self.editor_save(view)
            }
        }
    }

    /// Closes the editor view; `keep` writes the buffer to its recovery file first.
    fn close_editor(&mut self, view: ViewId, keep: bool) -> Vec<Effect> {
        let Some(pos) = self.stack.iter().position(|v| v.id == view) else {
            return vec![];
        };
        let mut effects = vec![];
        if let Body::Editor(ed) = &self.stack[pos].body {
            if keep && ed.modified() {
                effects.push(Effect::SaveRecovery {
                    key: ed.recovery.clone(),
                    text: ed.text(),
                });
            }
            if let Some((m, error)) = &ed.message {
                self.flash = Some(super::Flash {
                    text: m.clone(),
                    error: *error,
                });
            }
        }
        self.stack.remove(pos);
        effects
    }

    /// Ctrl-S: parse, check, and ask the server to validate (dry run) before showing the diff.
    fn editor_save(&mut self, view: ViewId) -> Vec<Effect> {
        let Some(ed) = self.editor(view) else {
            return vec![];
        };
        if ed.readonly {
            ed.message = Some(("read-only mode: this editor cannot save".into(), true));
            return vec![];
        }
        let mut effects = vec![];
        if ed.modified() {
            effects.push(Effect::SaveRecovery {
                key: ed.recovery.clone(),
                text: ed.text(),
            });
        }
        match ed.prepare_save() {
            Err(e) => {
                if let EditError::Syntax { line, column, .. } = &e {
                    let (line, column) = (*line, *column);
                    ed.jump(line, column);
                }
                ed.message = Some((e.to_string(), true));
                ed.stage = Stage::Editing;
            }
            Ok(None) => {
                ed.message = Some(("empty buffer: edit cancelled".into(), false));
                let key = ed.recovery.clone();
                effects.clear();
                effects.push(Effect::DropRecovery(key));
                effects.extend(self.close_editor(view, false));
            }
            Ok(Some(object)) => {
                if let Some(live) = &ed.live
                    && manifest::editable(live) == manifest::editable(&object)
                {
                    ed.message = Some(("no changes to save".into(), false));
                    ed.stage = Stage::Editing;
                    return effects;
                }
                ed.message = None;
                ed.stage = Stage::Checking {
                    object: object.clone(),
                };
                effects.push(send(ed, view, object, true));
            }
        }
        effects
    }

    /// The runtime's answer to a send.
    pub(super) fn editor_sent(
        &mut self,
        view: ViewId,
        dry_run: bool,
        result: Result<Value, tug_cluster::ApiFailure>,
    ) -> Vec<Effect> {
        let Some(ed) = self.editor(view) else {
            return vec![];
        };
        match (result, std::mem::replace(&mut ed.stage, Stage::Editing)) {
            (Ok(_), Stage::Checking { object }) if dry_run => {
                ed.stage = Stage::Confirm {
                    diff: ed.diff_to(&object),
                    object,
                    scroll: 0,
                };
                vec![]
            }
            (Ok(saved), _) => {
                let what = format!(
                    "{} {}/{}",
                    if ed.name.is_some() {
                        "saved"
                    } else {
                        "created"
                    },
                    ed.kind.display(),
                    saved["metadata"]["name"].as_str().unwrap_or_default()
                );
                ed.message = Some((what, false));
                let key = ed.recovery.clone();
                let mut effects = vec![Effect::DropRecovery(key)];
                effects.extend(self.close_editor(view, false));
                effects
            }
            (Err(e), stage) if e.code == Some(409) && ed.name.is_some() => {
                ed.stage = Stage::Reloading {
                    confirmed: matches!(stage, Stage::Sending { .. }),
                };
                ed.message = Some((
                    "the object changed on the server meanwhile; reading the new version…".into(),
                    true,
                ));
                vec![Effect::Fetch {
                    view,
                    kind: ed.kind.clone(),
                    namespace: ed.namespace.clone(),
                    name: ed.name.clone().unwrap_or_default(),
                    purpose: Purpose::EditLatest,
                }]
            }
            (Err(e), _) => {
                let text = match e.code {
                    Some(403) => format!("not allowed: {}", e.message),
                    Some(422) => format!("invalid: {}", e.message),
                    _ => e.message,
                };
                ed.message = Some((text, true));
                vec![]
            }
        }
    }

    /// After a 409: the object as it is now. If only server-owned fields moved (status, a controller's
    /// bookkeeping outside what is edited), the edit is re-sent on the new version; else the user chooses.
    pub(super) fn editor_latest(&mut self, view: ViewId, theirs: Value) -> Vec<Effect> {
        let Some(ed) = self.editor(view) else {
            return vec![];
        };
        let Stage::Reloading { confirmed } = ed.stage else {
            return vec![];
        };
        let Some(live) = ed.live.clone() else {
            return vec![];
        };
        let mine = match manifest::parse(&ed.text()) {
            Ok(Some(m)) => m,
            _ => {
                ed.stage = Stage::Editing;
                return vec![];
            }
        };
        let (base, newer) = (manifest::editable(&live), manifest::editable(&theirs));
        if base == newer {
            let object = manifest::with_server_fields(&mine, &theirs);
            ed.live = Some(theirs);
            ed.message = None;
            return if confirmed {
                ed.stage = Stage::Sending {
                    object: object.clone(),
                };
                vec![send(ed, view, object, false)]
            } else {
                ed.stage = Stage::Checking {
                    object: object.clone(),
                };
                vec![send(ed, view, object, true)]
            };
        }
        let changes = merge::unified(
            &manifest::to_yaml(&base),
            &manifest::to_yaml(&newer),
            "as you opened it",
            "on the server now",
        );
        let merged = merge::three_way(&base, &manifest::editable(&mine), &newer);
        if ed.reapply
            && let Ok(m) = &merged
        {
            ed.set_text(&manifest::to_yaml(m));
            ed.live = Some(theirs);
            return self.editor_save(view);
        }
        ed.message = None;
        ed.stage = Stage::Conflict {
            theirs,
            changes,
            merged,
            scroll: 0,
        };
        vec![]
    }

    /// Edits that would be lost if tug stopped now (written to recovery files on exit and on panic).
    pub fn unsaved_edits(&self) -> Vec<(EditKey, String)> {
        // Every tab's and pane's editors, not only the one on screen.
        self.stack
            .iter()
            .chain(self.workspace.parked_views())
            .filter_map(|v| match &v.body {
                Body::Editor(ed) if ed.modified() && !ed.readonly => {
                    Some((ed.recovery.clone(), ed.text()))
                }
                _ => None,
            })
            .collect()
    }
}

pub(super) fn send(ed: &EditorView, view: ViewId, object: Value, dry_run: bool) -> Effect {
    let namespace = if ed.name.is_none() && ed.kind.namespaced {
        object["metadata"]["namespace"]
            .as_str()
            .map_or_else(|| ed.namespace.clone(), str::to_string)
    } else {
        ed.namespace.clone()
    };
    Effect::SendEdit {
        view,
        kind: ed.kind.clone(),
        namespace,
        name: ed.name.clone(),
        object,
        dry_run,
    }
}

mod keys;

#[cfg(test)]
mod tests;
