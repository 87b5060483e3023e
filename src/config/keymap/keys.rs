//! Key names as k9s spells them (`Ctrl-D`, `Shift-N`, `Enter`): parsing, printing and normalising terminal
//! events. Knows nothing of actions.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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

impl Key {
    /// The key as the footer hints spell it: shorter than its keymap name for the common ones.
    pub fn short(&self) -> String {
        match (self.code, self.ctrl, self.alt) {
            (KeyCode::Enter, false, false) => "⏎".into(),
            (KeyCode::Esc, false, false) => "esc".into(),
            (KeyCode::Char(c), false, false) if c.is_ascii_uppercase() => c.into(),
            _ => self.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_print_round_trip() {
        for s in [
            "q",
            "Shift-N",
            "Ctrl-C",
            "Enter",
            "Esc",
            "Tab",
            "PgDn",
            "PgUp",
            "F5",
            "F12",
            "Space",
            "Alt-x",
            ":",
            "0",
            "Ctrl-]",
            "Ctrl-5",
            "Up",
            "Home",
            "Delete",
            "Backspace",
        ] {
            assert_eq!(Key::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Key::parse("G").unwrap(), Key::parse("Shift-G").unwrap());
        assert_eq!(Key::parse("ctrl-c").unwrap(), Key::parse("Ctrl-C").unwrap());
        assert_eq!(Key::parse("return").unwrap().to_string(), "Enter");
        assert!(Key::parse("Hyper-Q").is_err());
        assert!(Key::parse("F13").is_err());
        assert!(Key::parse("").is_err());
    }

    #[test]
    fn a_terminal_event_normalises_to_the_parsed_key() {
        let shift_n = KeyEvent::new(KeyCode::Char('N'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&shift_n), Key::parse("Shift-N").unwrap());
        let ctrl_c = KeyEvent::new(KeyCode::Char('C'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(&ctrl_c), Key::parse("Ctrl-C").unwrap());
    }

    #[test]
    fn hints_spell_enter_esc_and_capitals_short() {
        assert_eq!(Key::parse("Enter").unwrap().short(), "⏎");
        assert_eq!(Key::parse("Esc").unwrap().short(), "esc");
        assert_eq!(Key::parse("Ctrl-D").unwrap().short(), "Ctrl-D");
        assert_eq!(Key::parse("Shift-G").unwrap().short(), "G");
    }
}
