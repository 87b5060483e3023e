//! The editor's keys: editing, find and go-to-line prompts, and the answers to its save, leave, restore and
//! conflict questions.

use super::*;

impl App {
    /// Keys while the top view is an editor.
    pub(in crate::app) fn editor_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let page = self.page();
        let Some(view) = self.stack.last().map(|v| v.id) else {
            return vec![];
        };
        let action = self.keymap.action(&key, KeyScope::Editor);
        let answer = self.keymap.action(&key, KeyScope::Dialog);
        let Some(ed) = self.editor(view) else {
            return vec![];
        };
        let plain = key.modifiers.difference(KeyModifiers::SHIFT).is_empty();
        let ch = match key.code {
            KeyCode::Char(c) if plain => Some(c),
            _ => None,
        };
        match std::mem::replace(&mut ed.stage, Stage::Editing) {
            Stage::Loading => {
                ed.stage = Stage::Loading;
                if key.code == KeyCode::Esc {
                    return self.close_editor(view, false);
                }
                vec![]
            }
            // Busy with the server: keys wait (Esc leaves; the buffer is kept).
            s @ (Stage::Checking { .. } | Stage::Sending { .. } | Stage::Reloading { .. }) => {
                ed.stage = s;
                if key.code == KeyCode::Esc {
                    return self.close_editor(view, true);
                }
                vec![]
            }
            Stage::Restore { text, when } => match ch {
                Some('r') => {
                    ed.set_text(&text);
                    ed.message = Some((
                        "restored the unsaved edit (Ctrl-S saves, Ctrl-Z undoes)".into(),
                        false,
                    ));
                    vec![]
                }
                Some('d') => {
                    ed.message = Some(("discarded the unsaved edit".into(), false));
                    vec![Effect::DropRecovery(ed.recovery.clone())]
                }
                _ if key.code == KeyCode::Esc => vec![],
                _ => {
                    ed.stage = Stage::Restore { text, when };
                    vec![]
                }
            },
            Stage::Leave => match ch {
                Some('y') => {
                    ed.message = Some((
                        "left without saving; the edit is kept and offered on the next edit".into(),
                        false,
                    ));
                    self.close_editor(view, true)
                }
                _ => vec![],
            },
            Stage::Prompt { find, mut input } => {
                match key.code {
                    KeyCode::Esc => {}
                    KeyCode::Enter => {
                        if find {
                            let pattern = format!("(?i){}", regex::escape(&input));
                            if input.is_empty() {
                                let _ = ed.area.set_search_pattern("");
                            } else if ed.area.set_search_pattern(&pattern).is_ok()
                                && !ed.area.search_forward(true)
                            {
                                ed.message = Some((format!("not found: {input}"), true));
                            }
                        } else {
                            match input.trim().parse::<usize>() {
                                Ok(n) if n >= 1 => ed.jump(n, 1),
                                _ => ed.message = Some(("not a line number".into(), true)),
                            }
                        }
                    }
                    KeyCode::Backspace => {
                        input.pop();
                        ed.stage = Stage::Prompt { find, input };
                    }
                    KeyCode::Char(c) if plain => {
                        input.push(c);
                        ed.stage = Stage::Prompt { find, input };
                    }
                    _ => ed.stage = Stage::Prompt { find, input },
                }
                vec![]
            }
            Stage::Confirm {
                diff,
                object,
                mut scroll,
            } => {
                match answer {
                    Some(Action::ConfirmYes) => {
                        ed.stage = Stage::Sending {
                            object: object.clone(),
                        };
                        return vec![send(ed, view, object, false)];
                    }
                    Some(Action::ConfirmNo) => return vec![],
                    _ => scroll = scrolled(scroll, ch, key.code, page, diff.len()),
                }
                ed.stage = Stage::Confirm {
                    diff,
                    object,
                    scroll,
                };
                vec![]
            }
            Stage::Conflict {
                theirs,
                changes,
                merged,
                mut scroll,
            } => {
                match (ch, key.code) {
                    (Some('r'), _) => {
                        if let Ok(m) = &merged {
                            ed.set_text(&manifest::to_yaml(m));
                            ed.live = Some(theirs);
                            ed.reapply = true;
                            return self.editor_save(view);
                        }
                    }
                    (Some('o'), _) => {
                        ed.live = Some(theirs);
                        return self.editor_save(view);
                    }
                    (Some('k'), _) | (_, KeyCode::Esc) => {
                        ed.message = Some((
                            "still based on the version you opened: saving will conflict again"
                                .into(),
                            true,
                        ));
                        return vec![];
                    }
                    _ => scroll = scrolled(scroll, ch, key.code, page, changes.len()),
                }
                ed.stage = Stage::Conflict {
                    theirs,
                    changes,
                    merged,
                    scroll,
                };
                vec![]
            }
            Stage::Editing => self.editing_key(view, key, action),
        }
    }

    fn editing_key(&mut self, view: ViewId, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
        let Some(ed) = self.editor(view) else {
            return vec![];
        };
        ed.message = None;
        ed.reapply = false;
        match action {
            Some(Action::EditorSave) => return self.editor_save(view),
            Some(Action::EditorLeave) => {
                if ed.modified() && !ed.readonly {
                    ed.stage = Stage::Leave;
                    return vec![];
                }
                return self.close_editor(view, false);
            }
            Some(Action::EditorFind) => {
                ed.stage = Stage::Prompt {
                    find: true,
                    input: String::new(),
                };
                return vec![];
            }
            Some(Action::EditorGoto) => {
                ed.stage = Stage::Prompt {
                    find: false,
                    input: String::new(),
                };
                return vec![];
            }
            Some(Action::EditorFindNext) => {
                if !ed.area.search_forward(false) {
                    ed.message = Some(("no match".into(), false));
                }
                return vec![];
            }
            Some(Action::EditorUndo) if !ed.readonly => {
                ed.area.undo();
                return vec![];
            }
            Some(Action::EditorRedo) if !ed.readonly => {
                ed.area.redo();
                return vec![];
            }
            _ => {}
        }
        if ed.readonly {
            let nav = match key.code {
                KeyCode::Up => Some(CursorMove::Up),
                KeyCode::Down => Some(CursorMove::Down),
                KeyCode::Left => Some(CursorMove::Back),
                KeyCode::Right => Some(CursorMove::Forward),
                KeyCode::Home => Some(CursorMove::Head),
                KeyCode::End => Some(CursorMove::End),
                KeyCode::PageDown | KeyCode::PageUp => None,
                _ => {
                    ed.message = Some(("read-only mode: view only".into(), true));
                    return vec![];
                }
            };
            match nav {
                Some(m) => ed.area.move_cursor(m),
                None => {
                    let _ = ed.area.input(key);
                }
            }
            return vec![];
        }
        match key.code {
            // YAML indents with spaces: a new line keeps the indentation (one level more after `key:`).
            KeyCode::Enter if key.modifiers.is_empty() => {
                let (row, col) = (ed.area.cursor().0, ed.area.cursor().1);
                let line = ed.area.lines().get(row).cloned().unwrap_or_default();
                let indent: String = line.chars().take_while(|c| *c == ' ').collect();
                let before: String = line.chars().take(col).collect();
                let extra = if before.trim_end().ends_with(':') {
                    "  "
                } else {
                    ""
                };
                ed.area.insert_newline();
                ed.area.insert_str(format!("{indent}{extra}"));
            }
            KeyCode::Tab => {
                ed.area.insert_str("  ");
            }
            _ => {
                let _ = ed.area.input(key);
            }
        }
        vec![]
    }
}

/// A diff's first shown line after a key: j/k or arrows a line, PgDn/PgUp a page, within `len` lines.
fn scrolled(scroll: usize, ch: Option<char>, code: KeyCode, page: usize, len: usize) -> usize {
    let next = match (ch, code) {
        (Some('j'), _) | (_, KeyCode::Down) => scroll + 1,
        (Some('k'), _) | (_, KeyCode::Up) => scroll.saturating_sub(1),
        (_, KeyCode::PageDown) => scroll + page,
        (_, KeyCode::PageUp) => scroll.saturating_sub(page),
        _ => scroll,
    };
    next.min(len.saturating_sub(1))
}
