//! The terminal: set up and restored (however tug exits), drawn, and handed over while something else owns
//! it (Ctrl-Z, a shell in a container, `$EDITOR`). The only part of the runtime that may block the loop, and
//! only while the terminal is handed over. Must not decide anything for the app.

use crossterm::event::EventStream;

use crate::app::App;

/// The terminal tug draws on and the key reader on it; dropping it leaves the alternate screen and raw mode.
pub struct Screen {
    terminal: ratatui::DefaultTerminal,
    /// `None` while `$EDITOR` owns the terminal's input.
    keys: Option<EventStream>,
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Where a shell goes: a pod (one of its containers, or the default one), exec'd into or attached to.
pub struct ShellTarget<'a> {
    pub namespace: &'a str,
    pub pod: &'a str,
    pub container: Option<&'a str>,
    pub attach: bool,
}

impl Screen {
    /// Raw mode and the alternate screen (ratatui's panic hook restores them on a panic).
    pub fn enter() -> std::io::Result<Self> {
        Ok(Self {
            terminal: ratatui::try_init()?,
            keys: Some(EventStream::new()),
        })
    }

    pub fn keys(&mut self) -> &mut EventStream {
        self.keys.get_or_insert_with(EventStream::new)
    }

    pub fn size(&self) -> Option<(u16, u16)> {
        self.terminal.size().ok().map(|s| (s.width, s.height))
    }

    /// Writes an escape sequence that draws nothing (OSC 52) straight to the terminal, between frames.
    pub fn write_sequence(&mut self, sequence: &str) -> std::io::Result<()> {
        use std::io::Write as _;
        let out = self.terminal.backend_mut();
        out.write_all(sequence.as_bytes())?;
        out.flush()
    }

    pub fn draw(&mut self, app: &App) -> std::io::Result<()> {
        self.terminal.draw(|f| crate::ui::render(app, f))?;
        Ok(())
    }

    /// Ctrl-Z: restore the terminal, stop as the shell expects, and take the terminal back on `fg`.
    pub fn suspend(&mut self) -> std::io::Result<()> {
        restore_terminal();
        #[cfg(unix)]
        // SAFETY: raising a signal on our own process; SIGTSTP's default action stops us until SIGCONT.
        unsafe {
            libc::raise(libc::SIGTSTP);
        }
        self.take_back()
    }

    /// Hands the terminal to a shell in a container (main screen, raw mode), then takes it back with a full
    /// repaint. Returns how the session ended, for the app to word.
    pub async fn shell(
        &mut self,
        client: &kube::Client,
        target: &ShellTarget<'_>,
        keymap: &crate::config::Keymap,
    ) -> std::io::Result<Result<String, tug_cluster::ClusterError>> {
        let ShellTarget {
            namespace,
            pod,
            container,
            attach,
        } = *target;
        let detach_key = keymap
            .keys(crate::config::Action::ShellDetach)
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        restore_terminal();
        crossterm::terminal::enable_raw_mode()?;
        {
            use std::io::Write as _;
            let mut out = std::io::stdout();
            let shown = container
                .map(|c| format!("{pod}/{c}"))
                .unwrap_or_else(|| pod.to_string());
            let _ = write!(
                out,
                "tug: shell in {namespace}/{shown} ({detach_key} to detach)\r\n"
            );
            let _ = out.flush();
        }
        let detach = |k: &crossterm::event::KeyEvent| {
            keymap
                .actions(k)
                .contains(&crate::config::Action::ShellDetach)
        };
        let result = super::shell::run(
            client,
            namespace,
            pod,
            container,
            attach,
            self.keys.get_or_insert_with(EventStream::new),
            &detach,
        )
        .await;
        self.take_back()?;
        Ok(result)
    }

    /// Runs `$VISUAL`/`$EDITOR` (else `vi`) on a temporary copy of `text` with the terminal handed over, and
    /// returns the file's text afterwards.
    pub fn external_edit(&mut self, text: &str) -> Result<String, String> {
        // The key reader must not compete with the editor for the terminal's input: stop it, and start a
        // fresh one afterwards. (Dropped before the new one is made: both take the same global reader lock.)
        self.keys = None;
        let result = self.run_editor(text);
        self.keys = Some(EventStream::new());
        result
    }

    /// Runs a foreground plugin with the terminal handed over, and takes it back with a full repaint.
    pub fn run_plugin(&mut self, run: &crate::app::PluginRun) -> Result<Option<i32>, String> {
        // As for the editor: the key reader must not compete with the plugin for the input.
        self.keys = None;
        restore_terminal();
        let status = super::plugin::command(run).status();
        let back = self.take_back();
        self.keys = Some(EventStream::new());
        back.map_err(|e| format!("cannot take the terminal back: {e}"))?;
        status.map(|s| s.code()).map_err(|e| e.to_string())
    }

    fn run_editor(&mut self, text: &str) -> Result<String, String> {
        let editor = std::env::var("VISUAL")
            .ok()
            .filter(|e| !e.trim().is_empty())
            .or_else(|| {
                std::env::var("EDITOR")
                    .ok()
                    .filter(|e| !e.trim().is_empty())
            })
            .unwrap_or_else(|| "vi".into());
        let dir = crate::recovery::dir()
            .map(|d| d.join("external"))
            .ok_or("no data directory for the temporary file")?;
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let path = dir.join(format!("tug-edit-{}.yaml", std::process::id()));
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        restore_terminal();
        // Through the shell, as kubectl does: `$EDITOR` may carry arguments (`code --wait`).
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("tug-edit")
            .arg(&path)
            .status();
        self.take_back()
            .map_err(|e| format!("cannot take the terminal back: {e}"))?;
        let result = match status {
            Err(e) => Err(format!("cannot run the editor \"{editor}\": {e}")),
            Ok(s) if !s.success() => Err(format!(
                "the editor \"{editor}\" failed ({s}); nothing was changed"
            )),
            Ok(_) => std::fs::read(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
                .and_then(|b| {
                    String::from_utf8(b)
                        .map_err(|_| "the edited file is not UTF-8 text".to_string())
                }),
        };
        let _ = std::fs::remove_file(&path);
        result
    }

    /// Takes the terminal back after handing it over: raw mode, alternate screen, and a full repaint on the
    /// next draw.
    fn take_back(&mut self) -> std::io::Result<()> {
        crossterm::terminal::enable_raw_mode()?;
        crossterm::execute!(
            std::io::stdout(),
            crossterm::terminal::EnterAlternateScreen,
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
            crossterm::cursor::Hide
        )?;
        // A fresh terminal has no previous frame, so the next draw repaints everything. (`Terminal::clear`
        // would ask the terminal for the cursor position, which a slow SSH link may not answer in time.)
        self.terminal =
            ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))?;
        Ok(())
    }
}

pub fn restore_terminal() {
    ratatui::restore();
    let _ = crossterm::execute!(std::io::stdout(), crossterm::cursor::Show);
}

/// SIGTERM and SIGHUP end the loop (and so restore the terminal).
pub struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    hup: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    pub fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                term: signal(SignalKind::terminate()).ok(),
                hup: signal(SignalKind::hangup()).ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            async fn one(s: Option<&mut tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                _ = one(self.term.as_mut()) => {}
                _ = one(self.hup.as_mut()) => {}
            }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    }
}
