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
                contains_folded(&row.namespace, &self.text)
                    || row.cells.iter().any(|c| contains_folded(c, &self.text))
            }
        };
        hit != self.inverse
    }

    /// A searcher for rows' `TableData::search_text`, when this filter is plain text that can be matched
    /// there (not empty, not a regex, ASCII without NUL); `None`: match with `matches`.
    pub fn plain_finder(&self) -> Option<memchr::memmem::Finder<'_>> {
        (!self.text.is_empty()
            && self.regex.is_none()
            && self.text.is_ascii()
            && !self.text.contains('\0'))
        .then(|| memchr::memmem::Finder::new(self.text.as_bytes()))
    }

    /// `matches`, reading the row's search text with `finder` (from `plain_finder`) when it has one.
    pub fn matches_with(
        &self,
        finder: Option<&memchr::memmem::Finder<'_>>,
        row: &Row,
        text: Option<&[u8]>,
    ) -> bool {
        match (finder, text) {
            (Some(f), Some(text)) => f.find(text).is_some() != self.inverse,
            _ => self.matches(row),
        }
    }

    /// Whether every row this filter keeps is kept by `narrower` too, read the other way: `narrower` only
    /// removes rows from this filter's (a plain text extended as the user types), so the rows it keeps can
    /// be found among the ones shown rather than among all.
    pub fn narrows_to(&self, narrower: &Self) -> bool {
        !self.inverse
            && !narrower.inverse
            && self.regex.is_none()
            && narrower.regex.is_none()
            && narrower.text.contains(&self.text)
    }

    pub fn display(&self) -> String {
        if self.inverse {
            format!("!{}", self.text)
        } else {
            self.text.clone()
        }
    }
}

/// Whether `hay` contains `needle` (already lowercase) ignoring case, without allocating when both are ASCII
/// (cells nearly always are): a keystroke over 100,000 rows must not lowercase a copy of every cell.
fn contains_folded(hay: &str, needle: &str) -> bool {
    if !hay.is_ascii() || !needle.is_ascii() {
        return hay.to_lowercase().contains(needle);
    }
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let mut at = 0;
    while hay.len() - at >= needle.len() {
        let Some(i) = memchr::memchr2(
            first,
            first.to_ascii_uppercase(),
            &hay[at..=hay.len() - needle.len()],
        ) else {
            return false;
        };
        let start = at + i + 1;
        if hay[start..start + rest.len()].eq_ignore_ascii_case(rest) {
            return true;
        }
        at = start;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{Filter, contains_folded};

    #[test]
    fn folded_search_agrees_with_lowercasing() {
        let hays = [
            "",
            "a",
            "Running",
            "CrashLoopBackOff",
            "load-12/app-3-00012",
            "ÉTÉ été",
            "aaab",
            "xAb",
        ];
        let needles = [
            "",
            "a",
            "ab",
            "b",
            "run",
            "loopb",
            "app-3-0001",
            "2",
            "été",
            "zz",
            "aab",
        ];
        for hay in hays {
            for needle in needles {
                assert_eq!(
                    contains_folded(hay, needle),
                    hay.to_lowercase().contains(needle),
                    "{hay:?} / {needle:?}"
                );
            }
        }
    }

    #[test]
    fn a_longer_text_narrows_a_plain_filter() {
        let f = |s: &str| Filter::parse(s).unwrap();
        assert!(f("app").narrows_to(&f("app-1")));
        assert!(f("").narrows_to(&f("x")));
        assert!(f("pp-").narrows_to(&f("app-1")));
        assert!(!f("app-1").narrows_to(&f("app")), "backspace widens");
        assert!(!f("!app").narrows_to(&f("!app-1")));
        assert!(!f("re:a").narrows_to(&f("re:ab")));
    }

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
