//! What tug leaves behind for a post-mortem: a log file (`--log-file`/`TUG_LOG`, through `tracing`; never
//! the terminal, which the TUI owns) and a crash report when it panics. Neither ever holds credentials or
//! object data: only what tug's own `tracing` events and panic messages say.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// `--log-file` or `$TUG_LOG`: write `tracing` events to a file (default `<data dir>/tug.log`), at the level
/// `$TUG_LOG` names (`info` by default, or any `tracing` filter such as `tug=debug`). Nothing is logged
/// otherwise.
pub fn init_logging(file: Option<&Path>) -> std::io::Result<Option<PathBuf>> {
    let filter = std::env::var("TUG_LOG")
        .ok()
        .filter(|f| !f.trim().is_empty());
    if file.is_none() && filter.is_none() {
        return Ok(None);
    }
    let path = match file {
        Some(p) => p.to_path_buf(),
        None => crate::config::data_dir()
            .ok_or_else(|| std::io::Error::other("no data directory for the log file"))?
            .join("tug.log"),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    let filter = tracing_subscriber::EnvFilter::try_new(filter.as_deref().unwrap_or("info"))
        .map_err(|e| std::io::Error::other(format!("TUG_LOG: {e}")))?;
    // Another subscriber already set (tests) is fine: the first one wins.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(out))
        .try_init();
    Ok(Some(path))
}

/// `$TUG_CRASH_DIR`, else `<data dir>/crashes`.
pub fn crash_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TUG_CRASH_DIR") {
        return Some(PathBuf::from(p));
    }
    crate::config::data_dir().map(|d| d.join("crashes"))
}

/// Chains a panic hook after the current one (which restores the terminal): writes a crash report with the
/// panic message, where it happened and a backtrace, and says where it is.
pub fn install_crash_reporter() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        previous(info);
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        tracing::error!(%message, %location, "panic");
        match write_report(&message, &location) {
            Ok(path) => eprintln!("tug crashed; a report is in {}", path.display()),
            Err(e) => eprintln!("tug crashed, and the crash report could not be written: {e}"),
        }
    }));
}

fn write_report(message: &str, location: &str) -> std::io::Result<PathBuf> {
    let dir = crash_dir().ok_or_else(|| std::io::Error::other("no data directory"))?;
    std::fs::create_dir_all(&dir)?;
    let now = jiff::Timestamp::now();
    let path = dir.join(format!(
        "crash-{}-{}.txt",
        now.strftime("%Y%m%dT%H%M%SZ"),
        std::process::id()
    ));
    let mut f = std::fs::File::create(&path)?;
    writeln!(f, "tug {} crashed at {now}", env!("CARGO_PKG_VERSION"))?;
    writeln!(f, "panic: {message}")?;
    writeln!(f, "at: {location}")?;
    writeln!(
        f,
        "\nbacktrace:\n{}",
        std::backtrace::Backtrace::force_capture()
    )?;
    Ok(path)
}
