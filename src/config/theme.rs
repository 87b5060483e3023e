//! Colours and styles of every element, from `themes/*.yaml` (dark, light, mono) and an optional user file
//! that overrides single elements.

use std::collections::BTreeMap;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

const DARK: &str = include_str!("../../themes/dark.yaml");
const LIGHT: &str = include_str!("../../themes/light.yaml");
const MONO: &str = include_str!("../../themes/mono.yaml");

/// Every element the UI styles; a theme file's keys.
pub const ELEMENTS: &[&str] = &[
    "header",
    "header_text",
    "header_dim",
    "title",
    "table_header",
    "selected",
    "status_ok",
    "status_pending",
    "status_error",
    "status_done",
    "crumbs",
    "hints",
    "prompt",
    "flash_info",
    "flash_error",
    "filter",
    "match",
    "readonly",
    "yaml_key",
    "yaml_value",
    "yaml_comment",
    "line_number",
    "cursor",
    "diff_added",
    "diff_removed",
    "diff_hunk",
];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    modifiers: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Theme {
    styles: BTreeMap<String, Style>,
}

fn color(s: &str) -> Result<Color, String> {
    if s.eq_ignore_ascii_case("default") {
        return Ok(Color::Reset);
    }
    s.parse::<Color>()
        .map_err(|_| format!("unknown colour \"{s}\""))
}

fn modifier(s: &str) -> Result<Modifier, String> {
    Ok(match s.to_ascii_lowercase().as_str() {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" | "underline" => Modifier::UNDERLINED,
        "reversed" | "reverse" => Modifier::REVERSED,
        "crossed_out" => Modifier::CROSSED_OUT,
        other => return Err(format!("unknown modifier \"{other}\"")),
    })
}

impl Theme {
    pub fn shipped(name: &str) -> Option<Self> {
        let text = match name {
            "dark" => DARK,
            "light" => LIGHT,
            "mono" => MONO,
            _ => return None,
        };
        let mut t = Self::default();
        t.overlay(text).ok()?;
        Some(t)
    }

    /// Applies a theme file over this theme; all-or-nothing, errors name the line.
    pub fn overlay(&mut self, text: &str) -> Result<(), String> {
        let map: BTreeMap<String, StyleSpec> =
            serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        let line_of = |name: &str| {
            text.lines()
                .position(|l| l.trim_start().starts_with(&format!("{name}:")))
                .map_or(0, |n| n + 1)
        };
        let mut next = self.styles.clone();
        for (name, spec) in map {
            if !ELEMENTS.contains(&name.as_str()) {
                return Err(format!(
                    "line {}: unknown element \"{name}\"",
                    line_of(&name)
                ));
            }
            let fail = |e: String| format!("line {}: {e}", line_of(&name));
            let mut style = Style::new();
            if let Some(fg) = &spec.fg {
                style = style.fg(color(fg).map_err(fail)?);
            }
            if let Some(bg) = &spec.bg {
                style = style.bg(color(bg).map_err(fail)?);
            }
            for m in &spec.modifiers {
                style = style.add_modifier(modifier(m).map_err(fail)?);
            }
            next.insert(name, style);
        }
        self.styles = next;
        Ok(())
    }

    /// Sets one element's style (a k9s skin maps its sections onto elements this way).
    pub fn set(&mut self, element: &str, style: Style) {
        self.styles.insert(element.to_string(), style);
    }

    pub fn style(&self, element: &str) -> Style {
        self.styles.get(element).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_loads_and_styles_every_element() {
        for name in ["dark", "light", "mono"] {
            let mut t = Theme::default();
            let text = match name {
                "dark" => DARK,
                "light" => LIGHT,
                _ => MONO,
            };
            t.overlay(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            for e in ELEMENTS {
                assert!(t.styles.contains_key(*e), "{name} lacks {e}");
            }
        }
        let mono = Theme::shipped("mono").unwrap();
        assert!(
            ELEMENTS
                .iter()
                .all(|e| mono.style(e).fg.is_none() && mono.style(e).bg.is_none()),
            "mono has no colour"
        );
    }

    #[test]
    fn a_user_file_recolours_one_element_and_errors_name_the_line() {
        let mut t = Theme::shipped("dark").unwrap();
        t.overlay("header: {fg: white, bg: \"#ff0000\"}\n").unwrap();
        assert_eq!(t.style("header").bg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(
            t.style("crumbs").fg,
            Some(Color::Cyan),
            "the rest is unchanged"
        );
        assert_eq!(
            t.overlay("title: {fg: red}\nbogus: {fg: red}\n")
                .unwrap_err(),
            "line 2: unknown element \"bogus\""
        );
        assert_eq!(
            t.overlay("title: {fg: notacolour}\n").unwrap_err(),
            "line 1: unknown colour \"notacolour\""
        );
        assert!(t.overlay("title: {fg: red\n").unwrap_err().contains("line"));
        assert_eq!(t.style("title").fg, None, "broken files change nothing");
    }
}
