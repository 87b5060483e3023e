//! k9s skins (`skins/NAME.yaml`) as tug themes: each k9s section's colours go to the tug elements that play
//! the same part (`views.table.header` → the table header, `frame.crumbs` → the crumbs, and so on). Colours
//! are named as k9s names them (W3C names such as `dodgerblue`, `#rrggbb`, `default`); YAML anchors are the
//! YAML parser's. Unmapped elements keep the base theme's style.

use ratatui::style::Color;
use serde_json::Value;

use crate::config::Theme;

/// tug element ← (k9s path of the foreground, k9s path of the background); paths under `k9s.`.
const MAP: &[(&str, &str, &str)] = &[
    ("header", "info.fgColor", "body.bgColor"),
    ("header_text", "info.fgColor", ""),
    ("header_dim", "info.sectionColor", ""),
    ("title", "frame.title.fgColor", "frame.title.bgColor"),
    (
        "table_header",
        "views.table.header.fgColor",
        "views.table.header.bgColor",
    ),
    (
        "selected",
        "views.table.cursorFgColor",
        "views.table.cursorBgColor",
    ),
    ("status_ok", "views.table.fgColor", "views.table.bgColor"),
    // Rows of every status on the table's background.
    (
        "status_pending",
        "frame.status.pendingColor",
        "views.table.bgColor",
    ),
    (
        "status_error",
        "frame.status.errorColor",
        "views.table.bgColor",
    ),
    (
        "status_done",
        "frame.status.completedColor",
        "views.table.bgColor",
    ),
    ("crumbs", "frame.crumbs.fgColor", "frame.crumbs.bgColor"),
    ("hints", "frame.menu.fgColor", ""),
    ("prompt", "prompt.fgColor", "prompt.bgColor"),
    ("flash_info", "info.fgColor", ""),
    ("flash_error", "frame.status.errorColor", ""),
    ("filter", "frame.title.filterColor", ""),
    ("match", "frame.title.highlightColor", ""),
    ("yaml_key", "views.yaml.keyColor", ""),
    ("yaml_value", "views.yaml.valueColor", ""),
    ("yaml_comment", "views.yaml.colonColor", ""),
    ("line_number", "views.logs.fgColor", ""),
    (
        "cursor",
        "views.table.cursorFgColor",
        "views.table.cursorBgColor",
    ),
    ("diff_added", "frame.status.addColor", ""),
    ("diff_removed", "frame.status.killColor", ""),
    ("diff_hunk", "frame.status.modifyColor", ""),
];

/// A k9s colour: `default` (the terminal's), `#rrggbb`, or a W3C name as tcell knows it.
fn color(s: &str) -> Result<Color, String> {
    if s.eq_ignore_ascii_case("default") || s.is_empty() {
        return Ok(Color::Reset);
    }
    let c = csscolorparser::parse(s).map_err(|_| format!("unknown colour \"{s}\""))?;
    let [r, g, b, _] = c.to_rgba8();
    Ok(Color::Rgb(r, g, b))
}

fn at<'a>(root: &'a Value, path: &str) -> Option<&'a str> {
    path.split('.')
        .try_fold(root, |v, key| v.get(key))
        .and_then(Value::as_str)
}

/// The line of the first mention of `value` in `text`, for error messages.
fn line_of(text: &str, value: &str) -> usize {
    text.lines()
        .position(|l| l.contains(value))
        .map_or(0, |n| n + 1)
}

/// Loads a k9s skin over `base`. All-or-nothing: a bad colour names its line and changes nothing.
pub fn load(text: &str, base: &Theme) -> Result<Theme, String> {
    let root: Value = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    let k9s = root
        .get("k9s")
        .ok_or("not a k9s skin: no top-level \"k9s\" section")?;
    let mut theme = base.clone();
    for (element, fg, bg) in MAP {
        let mut style = base.style(element);
        for (path, is_fg) in [(*fg, true), (*bg, false)] {
            if path.is_empty() {
                continue;
            }
            if let Some(s) = at(k9s, path) {
                let c = color(s).map_err(|e| format!("line {}: {e}", line_of(text, s)))?;
                style = if is_fg {
                    style.fg(c)
                } else {
                    // A cursor with its own colours is drawn in them, not reversed.
                    style
                        .remove_modifier(ratatui::style::Modifier::REVERSED)
                        .bg(c)
                };
            }
        }
        theme.set(element, style);
    }
    Ok(theme)
}

/// Whether `--theme` names a k9s skin (`k9s:NAME`), and which.
pub fn skin_name(arg: &str) -> Option<&str> {
    arg.strip_prefix("k9s:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skin_with_anchors_colours_the_header_and_the_table() {
        let text = "\
foreground: &fg \"#f8f8f2\"
blue: &blue dodgerblue
k9s:
  body:
    bgColor: default
  info:
    fgColor: *blue
  views:
    table:
      fgColor: *fg
      header:
        fgColor: orange
        bgColor: default
";
        let base = Theme::shipped("dark").unwrap_or_default();
        let t = load(text, &base).unwrap();
        assert_eq!(t.style("header").fg, Some(Color::Rgb(30, 144, 255)));
        assert_eq!(t.style("header").bg, Some(Color::Reset));
        assert_eq!(t.style("status_ok").fg, Some(Color::Rgb(0xf8, 0xf8, 0xf2)));
        assert_eq!(t.style("table_header").fg, Some(Color::Rgb(255, 165, 0)));
        assert_eq!(
            t.style("crumbs"),
            base.style("crumbs"),
            "unmapped: as the base"
        );
        let err = load("k9s:\n  info:\n    fgColor: nosuchcolour\n", &base).unwrap_err();
        assert_eq!(err, "line 3: unknown colour \"nosuchcolour\"");
    }
}
