//! Files the runtime writes for the app outside the loop: a log view saved to disk, a view saved by `:save`. Must not touch the
//! terminal.

use std::io::Write as _;
use std::path::PathBuf;

use tokio::sync::mpsc;
use tug_cluster::logs::SharedLog;
use tug_model::logbuf::LogLine;

use crate::app::AppEvent;

/// Saves a log view's lines: copied out under the buffer's lock, written on a blocking task (the feed keeps
/// appending meanwhile); the app hears where they went.
pub fn save_log(title: String, buffer: &SharedLog, events: &mpsc::UnboundedSender<AppEvent>) {
    let (lines, sources): (Vec<LogLine>, Vec<String>) = {
        let b = buffer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (b.iter().cloned().collect(), b.sources.clone())
    };
    let events = events.clone();
    tokio::task::spawn_blocking(move || {
        let _ = events.send(match write_log(&title, &lines, &sources) {
            Ok(path) => AppEvent::Flash(format!("saved to {}", path.display()), false),
            Err(e) => AppEvent::Flash(format!("cannot save the log: {e}"), true),
        });
    });
}

/// `:save`: a view's text under the data dir (`…/tug/saved/<title>-<time>.<csv|txt>`).
pub fn save_text(
    title: &str,
    format: crate::app::copy::SaveFormat,
    text: &str,
) -> std::io::Result<PathBuf> {
    let path = new_file("saved", title, format.extension())?;
    std::fs::write(&path, text)?;
    Ok(path)
}

/// A new file's path under the data dir's `sub`, named after `title` (made safe) and the time.
fn new_file(sub: &str, title: &str, extension: &str) -> std::io::Result<PathBuf> {
    let dir = crate::config::data_dir()
        .map(|d| d.join(sub))
        .ok_or_else(|| std::io::Error::other("no home directory"))?;
    std::fs::create_dir_all(&dir)?;
    let name: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
    Ok(dir.join(format!("{name}-{stamp}.{extension}")))
}

/// Writes log lines under the platform data dir (`…/tug/logs/<title>-<time>.log`).
fn write_log(title: &str, lines: &[LogLine], sources: &[String]) -> std::io::Result<PathBuf> {
    let path = new_file("logs", title, "log")?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    for line in lines {
        let tag = sources
            .get(line.source as usize)
            .map(String::as_str)
            .unwrap_or_default();
        if let Some(t) = &line.time {
            write!(out, "{t} ")?;
        }
        if !tag.is_empty() {
            write!(out, "{tag} ")?;
        }
        writeln!(out, "{}", line.text)?;
    }
    out.flush()?;
    Ok(path)
}
