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
