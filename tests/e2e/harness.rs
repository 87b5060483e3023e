//! A pseudo-terminal running `tug`, with the screen as a VT100 emulator sees it.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use crate::common::DEADLINE;

pub struct Tui {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Everything tug wrote, to check how it left the terminal.
    pub raw: Arc<Mutex<Vec<u8>>>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Tui {
    pub fn start(kubeconfig: &Path, args: &[&str], cols: u16, rows: u16) -> Self {
        Self::start_with_env(kubeconfig, args, cols, rows, &[])
    }

    pub fn start_with_env(
        kubeconfig: &Path,
        args: &[&str],
        cols: u16,
        rows: u16,
        env: &[(&str, &Path)],
    ) -> Self {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tug"));
        cmd.arg("--kubeconfig");
        cmd.arg(kubeconfig);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("KUBECONFIG");
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p, r) = (parser.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Self {
            child,
            writer,
            parser,
            raw,
            _master: pair.master,
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Resizes the pseudo-terminal (tug gets SIGWINCH) and the emulated screen.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self._master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        self.parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(rows, cols);
    }

    /// The background colour of one cell.
    pub fn bg(&self, row: u16, col: u16) -> Option<vt100::Color> {
        self.parser
            .lock()
            .unwrap()
            .screen()
            .cell(row, col)
            .map(|c| c.bgcolor())
    }

    /// The foreground colour of one cell.
    pub fn fg(&self, row: u16, col: u16) -> Option<vt100::Color> {
        self.parser
            .lock()
            .unwrap()
            .screen()
            .cell(row, col)
            .map(|c| c.fgcolor())
    }

    /// The text of the row drawn as selected (reversed, as the default theme draws the cursor), below the
    /// header and the title.
    pub fn selected_line(&self) -> Option<String> {
        let parser = self.parser.lock().unwrap();
        let screen = parser.screen();
        let (rows, cols) = screen.size();
        (2..rows)
            .find(|&r| screen.cell(r, 0).is_some_and(|c| c.inverse()))
            .map(|r| screen.contents_between(r, 0, r, cols))
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Polls the screen until `check` holds; panics with the screen after the deadline.
    pub async fn wait(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        self.wait_within(DEADLINE, what, check).await
    }

    /// `wait` with another deadline, for what is slow by design (a reconnect after a long backoff).
    pub async fn wait_within(
        &self,
        deadline: Duration,
        what: &str,
        check: impl Fn(&str) -> bool,
    ) -> String {
        let start = tokio::time::Instant::now();
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn wait_for(&self, text: &str) -> String {
        self.wait(text, |s| s.contains(text)).await
    }

    /// The terminal is back in cooked mode (line editing and echo on), as a shell needs it.
    pub fn cooked(&self) -> bool {
        use nix::sys::termios::LocalFlags;
        self._master.get_termios().is_some_and(|t| {
            t.local_flags
                .contains(LocalFlags::ICANON | LocalFlags::ECHO)
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().unwrap()
    }

    /// Whether the last thing tug did to the alternate screen was to leave it.
    pub fn left_alternate_screen(&self) -> bool {
        let raw = self.raw.lock().unwrap();
        let raw = String::from_utf8_lossy(&raw);
        match (raw.rfind("\x1b[?1049h"), raw.rfind("\x1b[?1049l")) {
            (Some(entered), Some(left)) => left > entered,
            (None, Some(_)) => true,
            _ => false,
        }
    }

    /// Waits for tug to exit, and for its last output to be read; returns whether it exited successfully.
    pub async fn exit(&mut self) -> bool {
        let start = tokio::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // The reader thread may still be behind the process: let it drain what tug wrote last.
                while !self.left_alternate_screen() && start.elapsed() < DEADLINE {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                return status.success();
            }
            assert!(
                start.elapsed() < DEADLINE,
                "tug did not exit; screen:\n{}",
                self.screen()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// The screen's lines that mention `needle`.
pub fn lines_with<'a>(screen: &'a str, needle: &str) -> Vec<&'a str> {
    screen.lines().filter(|l| l.contains(needle)).collect()
}
