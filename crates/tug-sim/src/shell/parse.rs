//! Parsing a command line: splitting `a; b && c || d` into commands, word splitting with quotes and `$`
//! expansion, and `$((…))` integer arithmetic.

use super::Shell;

impl Shell {
    /// Word splitting and expansion: quotes, `$VAR`, `${VAR}`, `$?`, `$((arithmetic))`.
    pub(super) fn expand(&self, cmd: &str) -> Result<Vec<String>, String> {
        let mut words = vec![];
        let mut cur = String::new();
        let mut has_word = false;
        let chars: Vec<char> = cmd.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                ' ' | '\t' => {
                    if has_word {
                        words.push(std::mem::take(&mut cur));
                        has_word = false;
                    }
                }
                '\'' => {
                    let end = chars[i + 1..]
                        .iter()
                        .position(|&x| x == '\'')
                        .ok_or("syntax error: unterminated quoted string")?;
                    cur.extend(&chars[i + 1..i + 1 + end]);
                    has_word = true;
                    i += end + 1;
                }
                '"' => {
                    let end = chars[i + 1..]
                        .iter()
                        .position(|&x| x == '"')
                        .ok_or("syntax error: unterminated quoted string")?;
                    let inner: String = chars[i + 1..i + 1 + end].iter().collect();
                    cur.push_str(&self.substitute(&inner)?);
                    has_word = true;
                    i += end + 1;
                }
                '$' => {
                    let rest: String = chars[i..].iter().collect();
                    let (value, used) = self.dollar(&rest)?;
                    cur.push_str(&value);
                    has_word = true;
                    i += used - 1;
                }
                '\\' if i + 1 < chars.len() => {
                    cur.push(chars[i + 1]);
                    has_word = true;
                    i += 1;
                }
                c => {
                    cur.push(c);
                    has_word = true;
                }
            }
            i += 1;
        }
        if has_word {
            words.push(cur);
        }
        Ok(words)
    }

    fn substitute(&self, s: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut i = 0;
        while i < s.len() {
            let rest = &s[i..];
            if rest.starts_with('$') {
                let (v, used) = self.dollar(rest)?;
                out.push_str(&v);
                i += used;
            } else {
                let ch = rest.chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
        Ok(out)
    }

    /// Expands the `$...` at the start of `s`; returns (value, bytes used).
    fn dollar(&self, s: &str) -> Result<(String, usize), String> {
        if let Some(rest) = s.strip_prefix("$((") {
            let end = rest.find("))").ok_or("syntax error: missing '))'")?;
            let expr = self.substitute(&rest[..end])?;
            let v = arith(&expr).ok_or_else(|| format!("arithmetic syntax error: {expr}"))?;
            return Ok((v.to_string(), 3 + end + 2));
        }
        if let Some(rest) = s.strip_prefix("${") {
            let end = rest.find('}').ok_or("syntax error: bad substitution")?;
            let name = &rest[..end];
            return Ok((self.var(name), 2 + end + 1));
        }
        if s.starts_with("$?") {
            return Ok((self.status.to_string(), 2));
        }
        let name: String = s[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            return Ok(("$".into(), 1));
        }
        Ok((self.var(&name), 1 + name.len()))
    }

    fn var(&self, name: &str) -> String {
        match name {
            "PWD" => self.cwd.clone(),
            _ => self.env.get(name).cloned().unwrap_or_default(),
        }
    }
}

/// Splits `a; b && c || d` into (command, operator after it), respecting quotes.
pub(super) fn split_list(line: &str) -> Vec<(String, Option<&'static str>)> {
    let mut parts = vec![];
    let mut cur = String::new();
    let (mut single, mut double) = (false, false);
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            _ => {}
        }
        let quoted = single || double;
        if !quoted && c == ';' {
            parts.push((std::mem::take(&mut cur), Some(";")));
        } else if !quoted && c == '&' && next == Some('&') {
            parts.push((std::mem::take(&mut cur), Some("&&")));
            i += 1;
        } else if !quoted && c == '|' && next == Some('|') {
            parts.push((std::mem::take(&mut cur), Some("||")));
            i += 1;
        } else if !quoted && c == '#' && (cur.is_empty() || cur.ends_with(' ')) {
            break;
        } else {
            cur.push(c);
        }
        i += 1;
    }
    parts.push((cur, None));
    parts
}

/// Integer arithmetic with + - * / % and parentheses.
pub(super) fn arith(expr: &str) -> Option<i64> {
    fn expr_(t: &[char], i: &mut usize) -> Option<i64> {
        let mut v = term(t, i)?;
        while let Some(&op) = t.get(*i).filter(|c| **c == '+' || **c == '-') {
            *i += 1;
            let r = term(t, i)?;
            v = if op == '+' {
                v.checked_add(r)?
            } else {
                v.checked_sub(r)?
            };
        }
        Some(v)
    }
    fn term(t: &[char], i: &mut usize) -> Option<i64> {
        let mut v = atom(t, i)?;
        while let Some(&op) = t.get(*i).filter(|c| matches!(c, '*' | '/' | '%')) {
            *i += 1;
            let r = atom(t, i)?;
            v = match op {
                '*' => v.checked_mul(r)?,
                '/' => v.checked_div(r)?,
                _ => v.checked_rem(r)?,
            };
        }
        Some(v)
    }
    fn atom(t: &[char], i: &mut usize) -> Option<i64> {
        match t.get(*i)? {
            '(' => {
                *i += 1;
                let v = expr_(t, i)?;
                (t.get(*i) == Some(&')')).then(|| *i += 1)?;
                Some(v)
            }
            '-' => {
                *i += 1;
                atom(t, i)?.checked_neg()
            }
            c if c.is_ascii_digit() => {
                let start = *i;
                while t.get(*i).is_some_and(char::is_ascii_digit) {
                    *i += 1;
                }
                t[start..*i].iter().collect::<String>().parse().ok()
            }
            _ => None,
        }
    }
    let t: Vec<char> = expr.chars().filter(|c| !c.is_whitespace()).collect();
    let mut i = 0;
    let v = expr_(&t, &mut i)?;
    (i == t.len()).then_some(v)
}

/// Splits a pipeline `a | b | c` at its unquoted single `|`s (`||` was taken by `split_list`).
pub(super) fn split_pipe(cmd: &str) -> Vec<String> {
    let mut stages = vec![];
    let mut cur = String::new();
    let (mut single, mut double) = (false, false);
    for c in cmd.chars() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            _ => {}
        }
        if c == '|' && !single && !double {
            stages.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    stages.push(cur);
    stages
}
