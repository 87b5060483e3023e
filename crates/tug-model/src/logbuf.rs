//! A bounded buffer of log lines: a ring that drops the oldest lines (and counts them), so a chatty pod can
//! never eat the machine's memory. Lines are stored sanitised and capped in length.

use std::collections::VecDeque;

/// Default lines kept per log view.
pub const DEFAULT_CAPACITY: usize = 20_000;
/// Longest line kept; the rest is replaced by a marker (a 1 MB line is not readable in a terminal anyway).
pub const MAX_LINE: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Index of the source (pod/container) in `LogBuffer::sources`, for the coloured tag.
    pub source: u16,
    /// RFC 3339 timestamp from the kubelet, if any.
    pub time: Option<Box<str>>,
    pub text: Box<str>,
    /// A marker line of tug's own (stream ended, reconnected, pod gone), not container output.
    pub marker: bool,
}

#[derive(Debug)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    capacity: usize,
    /// Lines dropped from the front since the view opened.
    pub dropped: u64,
    /// Tags of the sources (`pod/container`), indexed by `LogLine::source`.
    pub sources: Vec<String>,
    /// Bumped on every change, for cheap redraw checks.
    pub version: u64,
}

impl LogBuffer {
    pub fn new(capacity: usize) -> Self {
        Self {
            lines: VecDeque::with_capacity(capacity.min(4096)),
            capacity: capacity.max(1),
            dropped: 0,
            sources: vec![],
            version: 0,
        }
    }

    pub fn source(&mut self, tag: &str) -> u16 {
        match self.sources.iter().position(|s| s == tag) {
            Some(i) => i as u16,
            None => {
                self.sources.push(tag.to_string());
                (self.sources.len() - 1) as u16
            }
        }
    }

    pub fn push(&mut self, line: LogLine) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(line);
        self.version += 1;
    }

    /// Splits raw bytes from the log API into lines (kubelet timestamps first when present) and appends them.
    pub fn push_raw(&mut self, source: u16, raw: &[u8], timestamps: bool) {
        let text = String::from_utf8_lossy(raw);
        let (time, rest) = match timestamps.then(|| text.split_once(' ')).flatten() {
            Some((t, rest)) if t.len() >= 20 && t.as_bytes()[4] == b'-' => (Some(t.into()), rest),
            _ => (None, text.as_ref()),
        };
        self.push(LogLine {
            source,
            time,
            text: sanitize(rest).into(),
            marker: false,
        });
    }

    pub fn marker(&mut self, source: u16, text: String) {
        self.push(LogLine {
            source,
            time: None,
            text: text.into(),
            marker: true,
        });
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&LogLine> {
        self.lines.get(i)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogLine> {
        self.lines.iter()
    }
}

/// Makes container output safe for the terminal: escape sequences removed, `\r` and other control characters
/// neutralised, tabs expanded, length capped.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_LINE));
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if out.len() >= MAX_LINE {
            let rest = chars.count();
            out.push_str(&format!(" …[{rest} more characters]"));
            break;
        }
        match c {
            '\u{1b}' => {
                // CSI (ESC [ ... final), OSC (ESC ] ... BEL/ST) or a two-byte escape: dropped whole.
                match chars.peek() {
                    Some('[') => {
                        chars.next();
                        for c in chars.by_ref() {
                            if ('@'..='~').contains(&c) {
                                break;
                            }
                        }
                    }
                    Some(']') => {
                        chars.next();
                        while let Some(c) = chars.next() {
                            if c == '\u{7}' || (c == '\u{1b}' && chars.peek() == Some(&'\\')) {
                                if c == '\u{1b}' {
                                    chars.next();
                                }
                                break;
                            }
                        }
                    }
                    Some(_) => {
                        chars.next();
                    }
                    None => {}
                }
            }
            '\t' => out.push_str("    "),
            '\r' => out.push('⏎'),
            // Control characters, undecodable bytes (shown as `?`: terminals disagree on U+FFFD's width) and
            // bidirectional overrides, which can make a line lie about its content.
            c if c.is_control()
                || c == '\u{fffd}'
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c) =>
            {
                out.push('?')
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hundred_thousand_lines_keep_only_the_capacity() {
        let mut b = LogBuffer::new(DEFAULT_CAPACITY);
        let src = b.source("web-1/nginx");
        for i in 0..100_000 {
            b.push_raw(src, format!("line {i}").as_bytes(), false);
        }
        assert_eq!(b.len(), DEFAULT_CAPACITY);
        assert_eq!(b.dropped, 100_000 - DEFAULT_CAPACITY as u64);
        assert_eq!(&*b.get(0).unwrap().text, "line 80000");
        assert_eq!(&*b.iter().next_back().unwrap().text, "line 99999");
    }

    #[test]
    fn hostile_output_is_neutralised() {
        assert_eq!(sanitize("\u{1b}[31mERROR\u{1b}[0m red"), "ERROR red");
        assert_eq!(sanitize("a\u{1b}[2J\u{1b}[Hb\u{1b}]0;title\u{7}c"), "abc");
        assert_eq!(sanitize("10%\r50%\r100%"), "10%⏎50%⏎100%");
        assert_eq!(sanitize("nul\0bell\u{7}del\u{7f}"), "nul?bell?del?");
        let invalid = String::from_utf8_lossy(b"bad \xff\xfe end").into_owned();
        assert_eq!(sanitize(&invalid), "bad ?? end");
        assert_eq!(sanitize("a\u{202e}b"), "a?b");
        let huge = "x".repeat(1024 * 1024);
        let s = sanitize(&huge);
        assert!(
            s.len() < MAX_LINE + 64 && s.ends_with("more characters]"),
            "{}",
            s.len()
        );
    }

    #[test]
    fn kubelet_timestamps_are_split_off() {
        let mut b = LogBuffer::new(10);
        b.push_raw(0, b"2026-11-25T10:00:00.123Z hello world", true);
        let l = b.get(0).unwrap();
        assert_eq!(l.time.as_deref(), Some("2026-11-25T10:00:00.123Z"));
        assert_eq!(&*l.text, "hello world");
    }
}
