//! The journal: one JSON line per change tug sent (who, where, what, the result), appended under the platform
//! data dir, so an operator can later say exactly what was done. Never holds credentials.

use std::io::Write as _;
use std::path::PathBuf;

use serde_json::json;

pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TUG_JOURNAL") {
        return Some(PathBuf::from(p));
    }
    crate::config::data_dir().map(|d| d.join("journal.jsonl"))
}

/// Appends one entry; errors are returned for the caller to show (a journal that cannot be written is news).
pub fn append(
    user: &str,
    context: &str,
    verb: &str,
    summary: &str,
    detail: &str,
    result: &Result<(), String>,
) -> std::io::Result<()> {
    let path = path().ok_or_else(|| std::io::Error::other("no data directory"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let entry = json!({
        "time": jiff::Timestamp::now().to_string(),
        "user": user,
        "context": context,
        "verb": verb,
        "summary": summary,
        "detail": detail,
        "result": match result { Ok(()) => "ok".to_string(), Err(e) => format!("error: {e}") },
    });
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(f, "{entry}")
}

/// The last `n` entries, oldest first, as readable lines.
pub fn tail(n: usize) -> String {
    let Some(path) = path() else {
        return "no data directory".into();
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return format!("no journal yet ({})", path.display());
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut out = format!("{}\n\n", path.display());
    for line in &lines[lines.len().saturating_sub(n)..] {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        out.push_str(&format!(
            "{}  {}@{}  {}  → {}\n",
            s("time"),
            s("user"),
            s("context"),
            s("summary"),
            s("result")
        ));
        for d in s("detail").lines() {
            out.push_str(&format!("    {d}\n"));
        }
    }
    out
}
