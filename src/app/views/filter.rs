//! The client-side row and line filter of tables, texts and logs.

use std::sync::Arc;

use tug_model::table::Row;

/// A client-side row filter: substring (case-insensitive), `!` to invert, `re:` for a regular expression.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub text: String,
    pub inverse: bool,
    regex: Option<Arc<regex::Regex>>,
}

impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
            && self.inverse == other.inverse
            && self.regex.is_some() == other.regex.is_some()
    }
}

impl Eq for Filter {}

impl Filter {
    /// `text`, `!text`, `re:pattern`, `!re:pattern`; a bad pattern is an error for the user.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (inverse, rest) = match s.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        if let Some(pattern) = rest.strip_prefix("re:") {
            let regex = regex::RegexBuilder::new(pattern)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| format!("bad regular expression: {e}"))?;
            return Ok(Self {
                text: format!("re:{pattern}"),
                inverse,
                regex: Some(Arc::new(regex)),
            });
        }
        Ok(Self {
            text: rest.to_lowercase(),
            inverse,
            regex: None,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Whether the filter could match a metric cell (`120m`, `45Mi`, `87`, `n/a`, joined by spaces): a plain
    /// filter only if it has a digit or `n/a` and nothing those cells never hold, so `/load-12` skips
    /// formatting every row's metrics on each keystroke; a regex always could.
    pub fn could_match_metric_cells(&self) -> bool {
        if self.inverse || self.text.is_empty() {
            return false;
        }
        if self.regex.is_some() {
            return true;
        }
        (self.text.bytes().any(|b| b.is_ascii_digit()) || self.text.contains("n/a"))
            && self
                .text
                .bytes()
                .all(|b| b.is_ascii_digit() || b" mina/".contains(&b))
    }

    /// Whether one line of text matches (for logs and text views).
    pub fn matches_text(&self, text: &str) -> bool {
        if self.text.is_empty() {
            return true;
        }
        let hit = match &self.regex {
            Some(re) => re.is_match(text),
            None => text.to_lowercase().contains(&self.text),
        };
        hit != self.inverse
    }

    pub fn matches(&self, row: &Row) -> bool {
        if self.text.is_empty() {
            return true;
        }
        let hit = match &self.regex {
            Some(re) => re.is_match(&row.namespace) || row.cells.iter().any(|c| re.is_match(c)),
            None => {
                row.namespace.to_lowercase().contains(&self.text)
                    || row
                        .cells
                        .iter()
                        .any(|c| c.to_lowercase().contains(&self.text))
            }
        };
        hit != self.inverse
    }

    pub fn display(&self) -> String {
        if self.inverse {
            format!("!{}", self.text)
        } else {
            self.text.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Filter;

    fn could(s: &str) -> bool {
        Filter::parse(s).unwrap().could_match_metric_cells()
    }

    #[test]
    fn only_filters_made_of_what_metric_cells_hold_look_at_them() {
        for metric in ["120m", "45Mi", "87", "n/a", "12m 45mi", "re:^9"] {
            assert!(could(metric), "{metric}");
        }
        for name in ["load-12", "pod 7x", "frontend", "!95", "", "mi"] {
            assert!(!could(name), "{name}");
        }
    }
}
