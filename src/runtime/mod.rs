//! The runtime: owns the terminal (restored on exit, error, panic and SIGTERM/SIGHUP), merges keys, resizes,
//! ticks, cluster notifications and the answers of effects into one loop, performs the app's effects, and
//! redraws at most once a frame when something changed. The loop never awaits the network or a file: every
//! effect runs on a task and answers through a channel (`effects`), except the terminal hand-overs.
//! Must not decide anything the app could decide.

mod access;
mod changes;
mod clipboard;
mod effects;
mod fetch;
mod files;
mod fleet;
mod metrics_poll;
mod plugin;
mod session;
pub mod shell;
mod terminal;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{Event, KeyEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::{App, AppEvent};
use effects::{Effects, Outcome};
pub use terminal::restore_terminal;
use terminal::{Screen, Signals};
use tug_cluster::connect;

/// Ages tick once a second; nothing else is periodic.
const TICK: Duration = Duration::from_secs(1);
/// The shortest time between two draws (about 60 a second): a burst of events costs one draw per frame.
const FRAME: Duration = Duration::from_micros(16_667);
/// Frames the cluster asks for (not keys) are held to a share of a core however costly each one is: every
/// frame's cost counts `DEBT_PER_COST` times against a budget that pays back in real time, and once more than
/// `DEBT_ALLOWED` is owed they wait for it (one frame in, at most 1/DEBT_PER_COST of a core on drawing). A
/// filter over 100,000 rows re-run for each frame under 1,000 watch events a second cost ~5 ms a frame: at 60
/// frames a second that was 27 % of a core (47 % under load). An event after a quiet spell is drawn at once;
/// keys are always drawn at once.
const DEBT_PER_COST: u32 = 5;
const DEBT_ALLOWED: Duration = Duration::from_millis(100);
/// Keys already waiting when a prompt key was handled (a paste, fast typing) are handled before the next
/// frame, but the screen is not left undrawn longer than this however long the paste.
const TYPE_AHEAD: Duration = Duration::from_millis(50);

/// What one turn of the loop got.
enum Flow {
    Events(Vec<AppEvent>),
    /// Nothing to handle (an event tug ignores, a frame falling due).
    Skip,
    Stop,
}

/// A terminal event as the app's events.
fn from_key(key: Option<std::io::Result<Event>>, test_panic: bool, pacer: &mut Pacer) -> Flow {
    match key {
        Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => {
            if test_panic && k.code == crossterm::event::KeyCode::F(12) {
                panic!("test panic requested with F12 (TUG_TEST_PANIC)");
            }
            // The user is waiting for this frame: it is drawn at once, not at the next frame.
            pacer.urgent = true;
            Flow::Events(vec![AppEvent::Key(k)])
        }
        Some(Ok(Event::Resize(w, h))) => Flow::Events(vec![AppEvent::Resize(w, h)]),
        Some(Ok(_)) => Flow::Skip,
        Some(Err(_)) | None => Flow::Stop,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The kubeconfig cannot be read, or the context is not in it.
    #[error(transparent)]
    Cluster(#[from] tug_cluster::ClusterError),
    /// The terminal cannot be set up, drawn on or taken back.
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

pub struct Options {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub all_namespaces: bool,
    pub initial: Option<String>,
    pub readonly: bool,
    pub keymap: Option<String>,
    pub theme: Option<String>,
}

/// The app, owned by the loop; however the loop ends (a panic included), every unsaved edit is written to its
/// recovery file.
struct Running(App);

impl std::ops::Deref for Running {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut App {
        &mut self.0
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for (key, text) in self.0.unsaved_edits() {
            let _ = crate::recovery::write(&key, &text);
        }
    }
}

/// When to draw: only after a change, and at most once a frame for what the cluster sends; a key is drawn at
/// once.
struct Pacer {
    dirty: bool,
    /// A key was handled: the user is waiting for this frame.
    urgent: bool,
    last: Instant,
    /// What frames cost (times DEBT_PER_COST) and is not paid back yet, as of `debt_at`.
    debt: Duration,
    debt_at: Instant,
}

impl Pacer {
    fn new() -> Self {
        Self {
            dirty: true,
            urgent: false,
            last: Instant::now()
                .checked_sub(FRAME)
                .unwrap_or_else(Instant::now),
            debt: Duration::ZERO,
            debt_at: Instant::now(),
        }
    }

    fn due(&self) -> bool {
        self.dirty && (self.urgent || Instant::now() >= self.next())
    }

    /// A frame was prepared and drawn; it took `cost`.
    fn drawn(&mut self, cost: Duration) {
        self.dirty = false;
        self.last = Instant::now();
        let paid = self.last.saturating_duration_since(self.debt_at);
        self.debt = self.debt.saturating_sub(paid);
        // Only the cluster's frames count: a burst of keys (a filter over 100,000 rows each) must not hold
        // back the next watch event's frame.
        if !self.urgent {
            self.debt += cost.saturating_mul(DEBT_PER_COST);
        }
        self.debt_at = self.last;
        self.urgent = false;
    }

    /// When a change the cluster sent may be drawn: a frame after the last, and once what is owed is allowed.
    fn next(&self) -> Instant {
        (self.last + FRAME).max(self.debt_at + self.debt.saturating_sub(DEBT_ALLOWED))
    }
}

/// The CPU time this thread has used (the frame is prepared and drawn without an `.await`, on one thread).
#[cfg(unix)]
fn thread_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

#[cfg(not(unix))]
fn thread_cpu() -> Duration {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}

pub async fn run(opts: Options) -> Result<(), Error> {
    let (client, info) =
        connect::connect(opts.kubeconfig.as_deref(), opts.context.as_deref()).await?;
    let namespace = if opts.all_namespaces {
        None
    } else {
        Some(
            opts.namespace
                .clone()
                .unwrap_or_else(|| info.namespace.clone()),
        )
    };
    let config = crate::config::Config::load_for(
        opts.keymap.as_deref(),
        opts.theme.as_deref(),
        Some(crate::config::k9s::ContextName {
            cluster: &info.cluster,
            context: &info.context,
        }),
    );
    let restore_tabs = config.settings.restore_tabs;
    let mut app =
        Running(App::new(info, namespace, opts.initial.clone(), opts.readonly).with_config(config));
    // `-c KIND` asks for one view: saved tabs are not opened over it (they are still saved at exit).
    if restore_tabs && opts.initial.is_none() {
        match session::load() {
            Ok(saved) => app.restore = saved,
            Err(e) => {
                app.handle(AppEvent::Flash(e.to_string(), true));
            }
        }
    }
    app.handle(AppEvent::Tick(jiff::Timestamp::now()));

    let mut screen = Screen::enter()?;
    // After ratatui's hook, so the terminal is restored before the report is written and announced.
    crate::diagnostics::install_crash_reporter();
    // Test-only: F12 panics, so tests can check what a crash leaves behind.
    let test_panic = std::env::var_os("TUG_TEST_PANIC").is_some();
    if let Some(size) = screen.size() {
        app.size = size;
    }

    let (tx, mut rx) = mpsc::unbounded_channel::<AppEvent>();
    let (done, mut outcomes) = mpsc::unbounded_channel::<Outcome>();
    let mut effects = Effects::start(client, opts.kubeconfig.clone(), tx, done);
    let mut tick = tokio::time::interval(TICK);
    let mut signals = Signals::new();
    let mut pacer = Pacer::new();

    // A key read ahead of the frame (see TYPE_AHEAD).
    let mut ahead: Option<Option<std::io::Result<Event>>> = None;
    while !app.quit {
        // Typing into a prompt filters the table live, and each filter is worked out when the frame is
        // prepared: keys already read (a pasted or fast-typed filter) are handled first, so the table is
        // filtered once for all of them, not once per key. Outside prompts every key gets its frame, so a
        // cursor key always acts on the rows as drawn.
        if ahead.is_none()
            && pacer.due()
            && matches!(
                app.mode,
                crate::app::Mode::Filter(_) | crate::app::Mode::Command(_)
            )
            && pacer.last.elapsed() < TYPE_AHEAD
        {
            // Polled with this task's waker (not `now_or_never`'s no-op one): when nothing is waiting,
            // crossterm's stream hands that waker to its reader thread, which wakes the `select!` below.
            let keys = screen.keys();
            ahead = std::future::poll_fn(|cx| {
                std::task::Poll::Ready(match keys.poll_next_unpin(cx) {
                    std::task::Poll::Ready(key) => Some(key),
                    std::task::Poll::Pending => None,
                })
            })
            .await;
        }
        if ahead.is_none() && pacer.due() {
            // The frame's cost in this thread's CPU time, so a loaded machine's waits do not count.
            let start = thread_cpu();
            app.prepare();
            screen.draw(&app)?;
            pacer.drawn(thread_cpu().saturating_sub(start));
        }
        let (dirty, next_frame) = (pacer.dirty, pacer.next());
        let flow = match ahead.take() {
            Some(key) => from_key(key, test_panic, &mut pacer),
            None => tokio::select! {
                key = screen.keys().next() => from_key(key, test_panic, &mut pacer),
                Some(ev) = rx.recv() => Flow::Events(vec![ev]),
                Some(outcome) = outcomes.recv() => Flow::Events(effects.settle(outcome)),
                _ = tick.tick() => Flow::Events(effects.forwards_now().into_iter().chain([AppEvent::Tick(jiff::Timestamp::now())]).collect()),
                _ = tokio::time::sleep_until(next_frame), if dirty => Flow::Skip,
                _ = signals.recv() => Flow::Stop,
            },
        };
        let events = match flow {
            Flow::Events(events) => events,
            Flow::Skip => continue,
            Flow::Stop => break,
        };
        let mut events = VecDeque::from(events);
        // Effects for another context that waited for its client.
        for effect in effects.take_ready() {
            events.extend(effects.perform(effect, &mut screen, &app).await?);
        }
        while let Some(event) = events.pop_front() {
            pacer.dirty = true;
            if matches!(event, AppEvent::Changed) {
                effects.changes_seen();
            }
            let mut todo = app.handle(event);
            todo.extend(app.access_asks());
            for effect in todo {
                events.extend(effects.perform(effect, &mut screen, &app).await?);
            }
        }
        effects.poll_metrics(&app);
    }
    effects.stop();
    if restore_tabs {
        // At exit, after the terminal loop: nothing waits on this file.
        if let Err(e) = session::save(&app.saved_tabs()) {
            tracing::warn!("{e}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costly_frames_for_the_cluster_are_held_to_a_share_of_a_core_but_keys_are_not() {
        let mut pacer = Pacer::new();
        pacer.dirty = true;
        assert!(pacer.due(), "the first frame is drawn at once");
        // One costly frame after a quiet spell: what it owes is allowed, the next waits only a frame.
        pacer.drawn(Duration::from_millis(10));
        assert_eq!(pacer.next(), pacer.last + FRAME);
        // Costly frames in a row: once more than DEBT_ALLOWED is owed, the next waits for it.
        pacer.drawn(Duration::from_secs(1));
        pacer.dirty = true;
        assert!(!pacer.due(), "a watch event right after a 1 s frame waits");
        let owed = pacer.next().saturating_duration_since(pacer.last);
        assert!(
            owed > Duration::from_secs(4) && owed <= Duration::from_secs(5),
            "{owed:?}"
        );
        pacer.urgent = true;
        assert!(pacer.due(), "a key is drawn at once");
        // A costly key frame owes nothing: the next frame the cluster asks for waits only a frame.
        let mut pacer = Pacer::new();
        pacer.urgent = true;
        pacer.drawn(Duration::from_secs(1));
        assert_eq!(pacer.next(), pacer.last + FRAME);
    }
}
