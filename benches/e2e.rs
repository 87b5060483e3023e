//! End-to-end figures at scale (see BENCHMARKS.md): `tug sim --pods N` as its own process, the release `tug`
//! in a 200x50 pseudo-terminal on all namespaces' pods, everything timed through what the terminal shows.
//! Run `scripts/bench-e2e.sh` (or `cargo bench --bench e2e`). Knobs: BENCH_PODS (10000), BENCH_NAMESPACES (the
//! sim's default: 10; the namespaces the load pods are spread over, e.g. 2000 for the `:ns` figures),
//! BENCH_CHURN (100, changes per second; the watch event → row figure is taken again under it), BENCH_SECS
//! (10, length of the idle and churn phases), BENCH_METRICS (on; `off` writes `metrics: off` into tug's
//! settings: the plain pod view), BENCH_SOAK (off; e.g. `30m` or `90s`: after the other phases, a second tab
//! follows a flood-logger pod's logs, churn goes on that long and tug's RSS, threads, open descriptors, live
//! tasks (its `$TUG_STATS_FILE`) and the sim's open watches and log streams are sampled every minute). tug runs with the bench's own
//! `$XDG_CONFIG_HOME`, so no settings or saved tabs of the user's come in.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, Read as _, Write as _};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const TUG: &str = env!("CARGO_BIN_EXE_tug");
const COLS: u16 = 200;
const ROWS: u16 = 50;
const DEADLINE: Duration = Duration::from_secs(120);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The terminal as tug drew it, with the byte count, and a signal for each chunk read.
struct Screen {
    state: Mutex<(vt100::Parser, u64)>,
    changed: Condvar,
}

impl Screen {
    fn bytes(&self) -> u64 {
        self.state.lock().unwrap().1
    }

    /// Blocks until `check` holds for the screen's text; returns when it first did.
    fn wait(&self, what: &str, check: impl Fn(&str) -> bool) -> Instant {
        self.wait_screen(what, |s| check(&s.contents()))
    }

    /// Blocks until `check` holds for the screen (text and attributes); returns when it first did.
    fn wait_screen(&self, what: &str, check: impl Fn(&vt100::Screen) -> bool) -> Instant {
        let start = Instant::now();
        let mut state = self.state.lock().unwrap();
        loop {
            if check(state.0.screen()) {
                return Instant::now();
            }
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what}:\n{}",
                state.0.screen().contents()
            );
            state = self
                .changed
                .wait_timeout(state, Duration::from_millis(100))
                .unwrap()
                .0;
        }
    }
}

/// Resident memory in MB and CPU seconds used so far, from /proc.
fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / ticks
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Sim {
    child: Child,
    kubeconfig: std::path::PathBuf,
}

fn start_sim(dir: &std::path::Path, pods: usize, namespaces: usize) -> Sim {
    let kubeconfig = dir.join("kubeconfig");
    let mut child = Command::new(TUG)
        .args(["sim", "--pods", &pods.to_string()])
        .args(["--namespaces", &namespaces.to_string()])
        .arg("--kubeconfig-out")
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("kubeconfig:") {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the sim exited before serving"
        );
    }
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    Sim { child, kubeconfig }
}

struct Tui {
    pid: u32,
    /// tug's `$TUG_STATS_FILE` (its live task count, rewritten each second).
    stats: std::path::PathBuf,
    screen: Arc<Screen>,
    writer: Box<dyn std::io::Write + Send>,
    _child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Tui {
    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }
}

/// `config` is tug's `$XDG_CONFIG_HOME` for the run (the bench's own, so no saved tabs or settings of the
/// user's come in).
fn start_tui(
    kubeconfig: &std::path::Path,
    config: &std::path::Path,
    stats: std::path::PathBuf,
) -> (Tui, Instant) {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(TUG);
    cmd.arg("--kubeconfig");
    cmd.arg(kubeconfig);
    cmd.arg("-A");
    cmd.env("TERM", "xterm-256color");
    cmd.env("TUG_STATS_FILE", &stats);
    cmd.env("XDG_CONFIG_HOME", config);
    let started = Instant::now();
    let child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let pid = child.process_id().unwrap();
    let mut reader = pair.master.try_clone_reader().unwrap();
    let writer = pair.master.take_writer().unwrap();
    let screen = Arc::new(Screen {
        state: Mutex::new((vt100::Parser::new(ROWS, COLS, 0), 0)),
        changed: Condvar::new(),
    });
    let s = screen.clone();
    std::thread::spawn(move || {
        let _master = pair.master;
        let mut buf = [0u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut state = s.state.lock().unwrap();
            state.0.process(&buf[..n]);
            state.1 += n as u64;
            drop(state);
            s.changed.notify_all();
        }
    });
    (
        Tui {
            pid,
            stats,
            screen,
            writer,
            _child: child,
        },
        started,
    )
}

/// The number in the title's `[N]`.
fn title_count(screen: &str) -> Option<usize> {
    let title = screen.lines().nth(1)?;
    let start = title.find("(all)[")? + 6;
    title[start..].split(']').next()?.parse().ok()
}

/// The number in the title's first `[N]`, whatever the view (`namespaces[2013]`, `…(load-6)[5]`).
fn shown_count(screen: &str) -> Option<usize> {
    let title = screen.lines().nth(1)?;
    let start = title.find('[')? + 1;
    title[start..].split(']').next()?.parse().ok()
}

/// The row drawn as the cursor (reversed, as the default theme draws it), below the tab bar and the title.
fn selected_line(screen: &vt100::Screen) -> Option<String> {
    let (rows, cols) = screen.size();
    (2..rows)
        .find(|&r| screen.cell(r, 0).is_some_and(|c| c.inverse()))
        .map(|r| screen.contents_between(r, 0, r, cols))
}

/// Whether `shown` pods are all of the `total` listed: the world's CronJobs start and reap a pod every couple of
/// minutes, so the count may be a few off from the bench's own list by the time tug shows it.
fn all_of(shown: usize, total: usize) -> bool {
    shown + 5 >= total
}

/// The first data row of the table (the line under the header).
fn first_row(screen: &str) -> String {
    screen.lines().nth(3).unwrap_or_default().to_string()
}

/// The object of the first data row: its namespace and name (the cells that do not tick).
fn first_object(screen: &str) -> String {
    let row = first_row(screen);
    row.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// A count of what `pid` holds open: threads and file descriptors (sockets among them), from /proc.
fn handles(pid: u32) -> (usize, usize) {
    let threads = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    (threads, fds)
}

/// tug's live tokio tasks, from its stats file (0 when it has not written one yet).
fn tasks(tui: &Tui) -> u64 {
    std::fs::read_to_string(&tui.stats)
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("tasks "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// The machine's 1-minute load average, from /proc.
fn load() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .and_then(|l| l.parse().ok())
        .unwrap_or(0.0)
}

/// `30m`, `90s`, `2h` or plain seconds.
fn duration(text: &str) -> Option<Duration> {
    let (n, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = n.parse().ok()?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

/// CPU share of one core and terminal bytes per minute, for `pid`s, over `secs` seconds.
fn phase(tui: &Tui, sim: u32, secs: u64) -> (f64, f64, f64) {
    let (t0, s0, b0) = (cpu_seconds(tui.pid), cpu_seconds(sim), tui.screen.bytes());
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    let wall = start.elapsed().as_secs_f64();
    let (t1, s1, b1) = (cpu_seconds(tui.pid), cpu_seconds(sim), tui.screen.bytes());
    (
        100.0 * (t1 - t0) / wall,
        100.0 * (s1 - s0) / wall,
        (b1 - b0) as f64 * 60.0 / wall,
    )
}

/// Changes one pod's restart count through the API 20 times (`base`, `base + 10`, …: churn only ever adds
/// one), each timed until the new count is on screen; sorted, with what each took after the API answered its
/// PATCH (sorted too: the first without the sim's answer time).
fn time_changes(
    runtime: &tokio::runtime::Runtime,
    client: &kube::Client,
    tui: &Tui,
    (ns, name): (&str, &str),
    base: u32,
) -> (Vec<f64>, Vec<f64>) {
    let (mut events, mut answers) = (vec![], vec![]);
    for k in 0..20u32 {
        let count = base + 10 * k;
        let body = serde_json::to_vec(&serde_json::json!([
            {"op": "replace", "path": "/status/containerStatuses/0/restartCount", "value": count}
        ]))
        .unwrap();
        let req = http::Request::patch(format!("/api/v1/namespaces/{ns}/pods/{name}/status"))
            .header("content-type", "application/json-patch+json")
            .body(body)
            .unwrap();
        let t = Instant::now();
        runtime.block_on(client.request_text(req)).unwrap();
        answers.push(ms(t.elapsed()));
        let wanted = count.to_string();
        let done = tui.screen.wait("the new restart count", |s| {
            s.lines()
                .filter(|l| l.contains(name))
                .any(|l| l.split_whitespace().any(|w| w == wanted))
        });
        events.push(ms(done - t));
    }
    let pairs: Vec<String> = events
        .iter()
        .zip(&answers)
        .map(|(e, a)| format!("{e:.1} (answered {a:.1})"))
        .collect();
    eprintln!("changes → row, ms: {}", pairs.join(", "));
    // What the row took after the PATCH was answered: tug's share, and the watch's.
    let mut after: Vec<f64> = events.iter().zip(&answers).map(|(e, a)| e - a).collect();
    events.sort_by(f64::total_cmp);
    after.sort_by(f64::total_cmp);
    (events, after)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument that does not name us means "not this one".
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"e2e".contains(a.as_str()))
    {
        return;
    }
    let pods: usize = env_or("BENCH_PODS", 10_000);
    let namespaces: usize = env_or("BENCH_NAMESPACES", tug_sim::world::LOAD_NAMESPACES);
    let soak = std::env::var("BENCH_SOAK").ok().and_then(|s| duration(&s));
    let churn: f64 = env_or("BENCH_CHURN", 100.0);
    let secs: u64 = env_or("BENCH_SECS", 10);
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();

    let mut sim = start_sim(dir.path(), pods, namespaces);
    let sim_pid = sim.child.id();
    let client = runtime.block_on(async {
        tug_cluster::connect::connect(Some(&sim.kubeconfig), None)
            .await
            .unwrap()
            .0
    });
    let pod_kind = tug_cluster::discovery::Kind {
        group: String::new(),
        version: "v1".into(),
        plural: "pods".into(),
        kind: "Pod".into(),
        namespaced: true,
        short_names: vec![],
        verbs: vec![],
    };
    let scope = tug_cluster::table_watch::Scope::default();
    // The list tug makes (Table form, pages of 500), timed alone.
    let list_start = Instant::now();
    let (rows, _) = runtime
        .block_on(tug_cluster::table_watch::list(&client, &pod_kind, &scope))
        .unwrap();
    let list_time = list_start.elapsed();
    let total = rows.len();
    drop(rows);

    // BENCH_METRICS=off: `metrics: off` in tug's settings (the plain pod view, no metrics columns or polls).
    let metrics = std::env::var("BENCH_METRICS").unwrap_or_else(|_| "on".into());
    let config = dir.path().join("config");
    std::fs::create_dir_all(config.join("tug")).unwrap();
    if metrics == "off" {
        std::fs::write(config.join("tug").join("settings.yaml"), "metrics: off\n").unwrap();
    }
    let (mut tui, started) = start_tui(&sim.kubeconfig, &config, dir.path().join("tug-stats"));
    let rows_shown = tui.screen.wait("the first rows", |s| {
        title_count(s).is_some_and(|n| n > 0) && !first_row(s).trim().is_empty()
    });
    let first_rows = rows_shown - started;
    let shown = tui.screen.wait("the full pod list", |s| {
        title_count(s).is_some_and(|n| all_of(n, total))
            && s.lines().nth(1).is_some_and(|l| !l.contains("loading"))
            && !first_row(s).trim().is_empty()
    });
    let first_screen = shown - started;
    std::thread::sleep(Duration::from_secs(3));
    let tug_rss = rss_mb(tui.pid);
    let sim_rss = rss_mb(sim_pid);

    // A second tab on the same pods (Ctrl-T n): it shares the first one's watch and rows.
    tui.send("\x14n");
    tui.screen.wait("the second tab with the full list", |s| {
        let mut lines = s.lines();
        lines.next().is_some_and(|bar| bar.contains(" 2 "))
            && lines
                .nth(1)
                .and_then(|title| {
                    title
                        .split("(all)[")
                        .nth(1)?
                        .split(']')
                        .next()?
                        .parse()
                        .ok()
                })
                .is_some_and(|n: usize| all_of(n, total))
    });
    std::thread::sleep(Duration::from_secs(3));
    let tug_rss_two_tabs = rss_mb(tui.pid);
    // Back to one tab, so the rest runs as before.
    tui.send("\x14c");
    tui.screen.wait("one tab again", |s| {
        s.lines().next().is_some_and(|l| l.starts_with(" tug "))
    });

    // Idle: nothing changes in the cluster.
    let (idle_cpu, idle_sim_cpu, idle_bytes) = phase(&tui, sim_pid, secs);

    // Keystrokes: a filter typed one key at a time; each key is timed until the frame shows it.
    let mut keys = vec![];
    for word in ["app-17-0", "load-3", "app-4-00", "coredns"] {
        tui.send("/");
        tui.screen.wait("the filter prompt", |s| {
            s.lines().last().is_some_and(|l| l.starts_with('/'))
        });
        let mut typed = String::new();
        for c in word.chars() {
            typed.push(c);
            let marker = format!("</{typed}>");
            let t = Instant::now();
            tui.send(&c.to_string());
            let done = tui.screen.wait("the filtered frame", |s| {
                s.lines().nth(1).is_some_and(|l| l.contains(&marker))
            });
            keys.push(ms(done - t));
        }
        tui.send("\x1b");
        tui.screen.wait("the filter cleared", |s| {
            s.lines().nth(1).is_some_and(|l| !l.contains("</"))
        });
    }
    keys.sort_by(f64::total_cmp);

    // Watch event → row: one pod's restart count changed through the API, timed until it is on screen.
    let (ns, name) = tug_sim::world::load_pod_name_in(7.min(pods.saturating_sub(1)), namespaces);
    // A whole filter in one write to the terminal, timed until the one matching row is drawn.
    let t = Instant::now();
    tui.send(&format!("/{name}\r"));
    let one_row = tui.screen.wait("one row", |s| {
        s.lines().nth(1).is_some_and(|l| l.contains("(all)[1]")) && first_row(s).contains(&name)
    }) - t;
    let (events, _) = time_changes(&runtime, &client, &tui, (&ns, &name), 1000);
    tui.send("\x1b");

    // Churn: `churn` pod changes per second.
    let req = http::Request::put("/_sim/churn")
        .body(churn.to_string().into_bytes())
        .unwrap();
    runtime.block_on(client.request_text(req)).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let (churn_cpu, churn_sim_cpu, churn_bytes) = phase(&tui, sim_pid, secs);
    let tug_rss_churn = rss_mb(tui.pid);
    // The same 20 single changes while the churn goes on, the one pod filtered as before (all the churn's
    // events still reach tug's rows); tug's CPU over them too.
    tui.send(&format!("/{name}\r"));
    tui.screen.wait("one row under churn", |s| {
        s.lines().nth(1).is_some_and(|l| l.contains("(all)[1]")) && first_row(s).contains(&name)
    });
    let (cpu0, t0) = (cpu_seconds(tui.pid), Instant::now());
    let (churn_events, churn_after) = time_changes(&runtime, &client, &tui, (&ns, &name), 2000);
    let churn_events_cpu = 100.0 * (cpu_seconds(tui.pid) - cpu0) / t0.elapsed().as_secs_f64();
    tui.send("\x1b");
    tui.screen.wait("the filter cleared", |s| {
        s.lines().nth(1).is_some_and(|l| !l.contains("</"))
    });

    // Sorts of the whole list, without churn: each timed until the first row's object changes (name, name
    // reversed, status, reversed).
    let set_churn = |rate: f64| {
        let req = http::Request::put("/_sim/churn")
            .body(rate.to_string().into_bytes())
            .unwrap();
        runtime.block_on(client.request_text(req)).unwrap();
    };
    set_churn(0.0);
    let mut sorts = vec![];
    for (key, what) in [
        ("N", "name"),
        ("N", "name reversed"),
        ("T", "status"),
        ("T", "status reversed"),
    ] {
        let before = first_object(&tui.screen.state.lock().unwrap().0.screen().contents());
        let t = Instant::now();
        tui.send(key);
        let done = tui.screen.wait(what, |s| first_object(s) != before);
        sorts.push((what, ms(done - t)));
    }

    // `:ns`: the namespace table (issue 22: 2,000 namespaces, each key ≤ 16 ms). Opened, cursor keys, a
    // filter typed a key at a time, Enter on the namespace → its pods, Esc back; then `:ns NAME` from the
    // pod view and `:ns all`. Each key is timed until the frame shows its effect.
    let t = Instant::now();
    tui.send(":ns\r");
    let ns_view = tui.screen.wait("the namespace view", |s| {
        s.lines().nth(1).is_some_and(|l| l.contains("namespaces["))
    }) - t;
    let ns_open = tui.screen.wait("the namespace table", |s| {
        s.lines().nth(1).is_some_and(|l| l.contains("namespaces["))
            && shown_count(s).is_some_and(|n| n >= namespaces)
            && !first_row(s).trim().is_empty()
    }) - t;
    let mut ns_cursor = vec![];
    // Pages down only as far as there are pages (a key that moves nothing draws nothing to wait for).
    let pages = (namespaces / 50).min(5);
    for (key, n) in [("j", 10), ("k", 10), ("\x1b[6~", pages), ("\x1b[5~", pages)] {
        for _ in 0..n {
            let before = selected_line(tui.screen.state.lock().unwrap().0.screen());
            let t = Instant::now();
            tui.send(key);
            let done = tui
                .screen
                .wait_screen("the cursor moved", |s| selected_line(s) != before);
            ns_cursor.push(ms(done - t));
        }
    }
    ns_cursor.sort_by(f64::total_cmp);
    let target_ns = format!("load-{}", namespaces * 2 / 3);
    tui.send("/");
    tui.screen.wait("the filter prompt", |s| {
        s.lines().last().is_some_and(|l| l.starts_with('/'))
    });
    let mut ns_keys = vec![];
    let mut typed = String::new();
    for c in target_ns.chars() {
        typed.push(c);
        let marker = format!("</{typed}>");
        let t = Instant::now();
        tui.send(&c.to_string());
        let done = tui.screen.wait("the filtered namespaces", |s| {
            s.lines().nth(1).is_some_and(|l| l.contains(&marker))
        });
        ns_keys.push(ms(done - t));
    }
    ns_keys.sort_by(f64::total_cmp);
    tui.send("\r");
    tui.screen.wait("the one namespace", |s| {
        shown_count(s) == Some(1) && first_row(s).contains(&target_ns)
    });
    let in_ns = format!("({target_ns})[");
    let t = Instant::now();
    tui.send("\r");
    let enter_title = tui.screen.wait("the namespace's pod view", |s| {
        s.lines().nth(1).is_some_and(|l| l.contains(&in_ns))
    }) - t;
    let enter_rows = tui.screen.wait("the namespace's pods", |s| {
        shown_count(s).is_some_and(|n| n > 0) && first_row(s).contains("app-")
    }) - t;
    let t = Instant::now();
    tui.send("\x1b");
    let back = tui.screen.wait("the namespace table again", |s| {
        s.lines().nth(1).is_some_and(|l| l.contains("namespaces["))
            && first_row(s).contains(&target_ns)
    }) - t;
    // From a pod view of all namespaces, `:ns NAME` (the command) and `:ns all`.
    tui.send(":pods -A\r");
    tui.screen.wait("all pods again", |s| {
        title_count(s).is_some_and(|n| all_of(n, total)) && !first_row(s).trim().is_empty()
    });
    let other_ns = format!("load-{}", namespaces / 3);
    let in_other = format!("({other_ns})[");
    let t = Instant::now();
    tui.send(&format!(":ns {other_ns}\r"));
    let command_title = tui.screen.wait(":ns NAME's pod view", |s| {
        s.lines().nth(1).is_some_and(|l| l.contains(&in_other))
    }) - t;
    let command_rows = tui.screen.wait(":ns NAME's pods", |s| {
        shown_count(s).is_some_and(|n| n > 0) && first_row(s).contains("app-")
    }) - t;
    let t = Instant::now();
    tui.send(":ns all\r");
    let all_again = tui.screen.wait("all namespaces' pods", |s| {
        title_count(s).is_some_and(|n| all_of(n, total))
            && s.lines().nth(1).is_some_and(|l| !l.contains("loading"))
            && !first_row(s).trim().is_empty()
    }) - t;

    // Soak: the churn goes on; RSS, threads and descriptors every minute.
    let mut soak_samples = vec![];
    if let Some(soak) = soak {
        // What a user leaves open for hours: the pod view in one tab, and in a second tab (Ctrl-T n) a
        // log view following a flood-logger pod (thousands of lines a second).
        let pod = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "soak-flood", "namespace": "default"},
            "spec": {"containers": [{"name": "flood", "image": "example/flood-logger:1"}]}
        });
        let req = http::Request::post("/api/v1/namespaces/default/pods")
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&pod).unwrap())
            .unwrap();
        runtime.block_on(client.request_text(req)).unwrap();
        tui.send("\x14n");
        tui.send("/soak-flood\r");
        tui.screen.wait("the flood pod running", |s| {
            s.lines()
                .any(|l| l.contains("soak-flood") && l.contains("Running"))
        });
        tui.send("l");
        tui.screen
            .wait("the flood's lines", |s| s.contains("flood line"));
        // Back to the pod view's tab (Ctrl-T [): the pod view on screen under churn, the logs followed behind.
        tui.send("\x14[");
        tui.screen.wait("the pod view again", |s| {
            s.lines().any(|l| l.contains("load-")) && !s.contains("flood line")
        });
        // Open watches and log streams, as the sim counts them.
        let stats = || -> (u64, u64) {
            let req = http::Request::get("/_sim/stats").body(vec![]).unwrap();
            let text = runtime
                .block_on(client.request_text(req))
                .unwrap_or_default();
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let n = |k: &str| v.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
            (n("openWatches"), n("openLogStreams"))
        };
        set_churn(churn);
        let start = Instant::now();
        loop {
            let (threads, fds) = handles(tui.pid);
            let (watches, streams) = stats();
            soak_samples.push((
                start.elapsed().as_secs(),
                rss_mb(tui.pid),
                threads,
                fds,
                watches,
                streams,
                tasks(&tui),
                load(),
            ));
            eprintln!("soak sample: {:?}", soak_samples.last());
            if start.elapsed() >= soak {
                break;
            }
            std::thread::sleep(Duration::from_secs(60).min(soak - start.elapsed()));
        }
    }

    let _ = std::process::Command::new("kill")
        .arg(tui.pid.to_string())
        .status();
    let _ = sim.child.kill();

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "## tug end-to-end, {total} pods ({pods} load pods in {namespaces} namespaces), {COLS}x{ROWS}, {cores} cores, metrics {metrics}\n"
    );
    println!("| figure | measured | target |");
    println!("|---|---|---|");
    println!(
        "| list of all pods (Table form, pages of 500), alone | {:.0} ms | — |",
        ms(list_time)
    );
    println!(
        "| start → first screen with rows | {:.0} ms | ≤ 500 ms |",
        ms(first_rows)
    );
    println!(
        "| start → all rows counted and sortable | {:.0} ms | ≤ 1000 ms at 10k, ≤ 4000 ms at 100k |",
        ms(first_screen)
    );
    println!("| RSS of tug, list loaded | {tug_rss:.1} MB | ≤ 60 MB |");
    println!(
        "| RSS of tug, a second tab on the same pods | {tug_rss_two_tabs:.1} MB (+{:.1} %) | ≤ +10 % |",
        100.0 * (tug_rss_two_tabs - tug_rss) / tug_rss
    );
    println!("| RSS of tug after the churn phase | {tug_rss_churn:.1} MB | ≤ 60 MB |");
    println!(
        "| filter keystroke → frame (p50 / p99 / max, {} keys) | {:.1} / {:.1} / {:.1} ms | p99 ≤ 16 ms |",
        keys.len(),
        percentile(&keys, 0.5),
        percentile(&keys, 0.99),
        keys.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "| watch event → row on screen (p50 / p99, {} changes) | {:.1} / {:.1} ms | ≤ 100 ms |",
        events.len(),
        percentile(&events, 0.5),
        percentile(&events, 0.99)
    );
    println!(
        "| watch event → row on screen under {churn} changes/s (p50 / p99, {} changes; after the PATCH's answer: p50 / p99 {:.1} / {:.1} ms) | {:.1} / {:.1} ms | ≤ 100 ms |",
        churn_events.len(),
        percentile(&churn_after, 0.5),
        percentile(&churn_after, 0.99),
        percentile(&churn_events, 0.5),
        percentile(&churn_events, 0.99)
    );
    println!(
        "| tug CPU while those changes were timed (one row shown) | {churn_events_cpu:.1} % | ≤ 30 % |"
    );
    println!(
        "| a filter in one write ({} characters) → the one matching row drawn | {:.1} ms | ≤ 50 ms |",
        name.len(),
        ms(one_row)
    );
    for (what, t) in &sorts {
        println!("| sort by {what} → first row redrawn | {t:.0} ms | ≤ 150 ms |");
    }
    println!(
        "| `:ns` → the namespace view / its rows, all listed | {:.1} / {:.1} ms | ≤ 16 ms a key |",
        ms(ns_view),
        ms(ns_open)
    );
    println!(
        "| `:ns` cursor j/k/PageDown/PageUp → frame (p50 / p99 / max, {} keys) | {:.1} / {:.1} / {:.1} ms | ≤ 16 ms |",
        ns_cursor.len(),
        percentile(&ns_cursor, 0.5),
        percentile(&ns_cursor, 0.99),
        ns_cursor.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "| `:ns` filter keystroke → frame (p50 / max, {} keys of `{target_ns}`) | {:.1} / {:.1} ms | ≤ 16 ms |",
        ns_keys.len(),
        percentile(&ns_keys, 0.5),
        ns_keys.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "| `:ns` Enter on a namespace → its pod view / its rows | {:.1} / {:.1} ms | ≤ 16 ms |",
        ms(enter_title),
        ms(enter_rows)
    );
    println!(
        "| its pods, Esc → the namespace table | {:.1} ms | ≤ 16 ms |",
        ms(back)
    );
    println!(
        "| `:ns {other_ns}` from all pods → its pod view / its rows | {:.1} / {:.1} ms | ≤ 16 ms |",
        ms(command_title),
        ms(command_rows)
    );
    println!(
        "| `:ns all` → all {total} pods again | {:.0} ms | — |",
        ms(all_again)
    );
    println!("| tug CPU while idle ({secs} s) | {idle_cpu:.2} % | < 1 % |");
    println!("| tug CPU with {churn} pod changes/s ({secs} s) | {churn_cpu:.1} % | < 10 % |");
    println!("| terminal bytes per idle minute | {idle_bytes:.0} | ≈ 0 (Age ticks only) |");
    println!("| terminal bytes per minute under churn | {churn_bytes:.0} | — |");
    println!("| sim RSS | {sim_rss:.1} MB | — |");
    println!("| sim CPU idle / under churn | {idle_sim_cpu:.1} % / {churn_sim_cpu:.1} % | — |");
    if let [first, .., last] = soak_samples.as_slice() {
        // Growth is measured from the first minute on (the first sample after it, when there is one).
        let base = soak_samples.get(1).unwrap_or(first);
        println!(
            "| soak ({} s of {churn} changes/s): RSS at 1 min → end | {:.1} → {:.1} MB ({:+.1} %) | ≤ +5 % |",
            last.0,
            base.1,
            last.1,
            100.0 * (last.1 - base.1) / base.1
        );
        println!(
            "| soak: threads / open descriptors at start → end | {} / {} → {} / {} | no growth |",
            first.2, first.3, last.2, last.3
        );
        println!(
            "| soak: open watches / log streams (the sim's count) at start → end | {} / {} → {} / {} | no growth |",
            first.4, first.5, last.4, last.5
        );
        println!(
            "| soak: tug's live tasks at start → end | {} → {} | no growth |",
            first.6, last.6
        );
        println!(
            "\n| soak sample (s) | RSS (MB) | threads | descriptors | watches | log streams | tasks | load |"
        );
        println!("|---|---|---|---|---|---|---|---|");
        for s in &soak_samples {
            println!(
                "| {} | {:.1} | {} | {} | {} | {} | {} | {:.1} |",
                s.0, s.1, s.2, s.3, s.4, s.5, s.6, s.7
            );
        }
    }
}
