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

/// `$TUG_STATS_FILE`: once a second, the runtime's live task count written to that file (replaced whole, so a
/// reader never sees half a line), for soak runs that check tasks do not pile up. Off unless the variable is
/// set. A plain thread rather than a task: the sampler must not itself be one of the tasks it counts, nor
/// block a runtime worker on file I/O.
pub fn spawn_stats_writer(handle: tokio::runtime::Handle) {
    let Some(path) = std::env::var_os("TUG_STATS_FILE").filter(|p| !p.is_empty()) else {
        return;
    };
    let path = PathBuf::from(path);
    let spawned = std::thread::Builder::new()
        .name("tug-stats".into())
        .spawn(move || {
            loop {
                if let Err(e) = write_stats(&path, &handle.metrics()) {
                    tracing::warn!(path = %path.display(), error = %e, "cannot write the stats file");
                    return;
                }
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the stats writer");
    }
}

/// The stats as `key value` lines: `tasks` (alive tasks), `workers` (runtime worker threads).
pub fn stats_text(metrics: &tokio::runtime::RuntimeMetrics) -> String {
    format!(
        "tasks {}\nworkers {}\n",
        metrics.num_alive_tasks(),
        metrics.num_workers()
    )
}

fn write_stats(path: &Path, metrics: &tokio::runtime::RuntimeMetrics) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, stats_text(metrics))?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod stats_tests {
    #[tokio::test]
    async fn the_stats_count_a_task_while_it_lives() {
        let handle = tokio::runtime::Handle::current();
        let tasks = |text: String| -> usize {
            text.lines()
                .find_map(|l| l.strip_prefix("tasks "))
                .and_then(|n| n.parse().ok())
                .unwrap_or(usize::MAX)
        };
        let before = tasks(super::stats_text(&handle.metrics()));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = rx.await;
        });
        assert_eq!(tasks(super::stats_text(&handle.metrics())), before + 1);
        let _ = tx.send(());
        let _ = task.await;
        assert_eq!(tasks(super::stats_text(&handle.metrics())), before);
    }
}

/// Keeps glibc's malloc to one arena, unless `$MALLOC_ARENA_MAX` says otherwise. By default glibc gives each
/// new thread an arena of its own (up to 8 per core), and memory freed in an arena stays with it: tug's
/// per-second churn of row strings and its periodic multi-MB transients (the metrics list read whole, then
/// decoded) spread over the tokio workers' arenas left RSS wandering 8–15 MB above a flat live heap (heaptrack:
/// 11.4 → 11.8 MB live while RSS went 48 → 66 MB). With one arena the same churn reuses the same free chunks
/// and RSS stays flat; tug has a handful of threads, so one arena's lock costs nothing measurable. Call it
/// before any thread starts.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; M_ARENA_MAX takes any positive count.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod arena_tests {
    /// glibc's arenas, counted from `malloc_info`'s report (one `<heap nr=…>` element per arena).
    fn arenas() -> usize {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("malloc-info.xml");
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("no NUL");
        // SAFETY: fopen/fclose on a path we own; malloc_info writes its report to that open stream.
        unsafe {
            let file = libc::fopen(c_path.as_ptr(), c"w".as_ptr());
            assert!(!file.is_null(), "cannot open {}", path.display());
            libc::malloc_info(0, file);
            libc::fclose(file);
        }
        std::fs::read_to_string(&path)
            .expect("malloc_info's report")
            .matches("<heap nr=")
            .count()
    }

    #[test]
    fn threads_started_after_the_limit_get_no_arena_of_their_own() {
        // A test process of its own is not needed: arenas already made stay, the limit stops new ones.
        super::limit_malloc_arenas();
        let before = arenas();
        let threads: Vec<_> = (0..4)
            .map(|i| {
                std::thread::spawn(move || {
                    let v: Vec<String> = (0..1000).map(|n| format!("{i}-{n}")).collect();
                    v.len()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().expect("the thread ran"), 1000);
        }
        assert_eq!(arenas(), before, "new threads made arenas of their own");
    }
}
