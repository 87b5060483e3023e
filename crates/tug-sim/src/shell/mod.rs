//! The built-in shell that `exec` runs inside simulated containers: a small busybox-like `sh` over a
//! read-only virtual filesystem. It never touches the host. Pure: bytes in, output chunks out.
//!
//! With a TTY it does the line discipline itself (echo, backspace, Ctrl-C, Ctrl-D, Ctrl-U, CRLF) and prints a
//! prompt; without one it reads commands line by line, silently, like `sh` reading a pipe.

mod commands;
mod fs;
mod parse;
mod tools;

pub use fs::{Overlay, SharedOverlay};

use std::collections::BTreeMap;
use std::time::Duration;

use parse::{split_list, split_pipe};

/// What a command produced, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    Out(Vec<u8>),
    Err(Vec<u8>),
    /// `sleep`: the caller waits before sending what follows.
    Sleep(Duration),
}

/// Who the shell runs as and where.
#[derive(Debug, Clone, Default)]
pub struct ShellContext {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub image: String,
    pub hostname: String,
    pub env: Vec<(String, String)>,
    /// What the container wrote so far (shared by its exec sessions).
    pub files: SharedOverlay,
}

/// The programs the container has (all built into the shell).
const BUILTINS: &[&str] = &[
    "cat", "cd", "clear", "command", "date", "echo", "env", "exit", "export", "false", "hostname",
    "id", "ls", "printenv", "printf", "ps", "pwd", "sh", "ash", "sleep", "stty", "true", "uname",
    "which", "whoami", "exec", "uptime", "test", "[", "seq", "gzip", "gunzip", "zcat", "tar",
    "mkdir", "rm", "touch", "head", "tail", "wc",
];

pub struct Shell {
    ctx: ShellContext,
    env: BTreeMap<String, String>,
    cwd: String,
    status: i32,
    tty: bool,
    size: (u16, u16),
    line: Vec<u8>,
    /// Bytes of an escape sequence being skipped (arrow keys and the like).
    in_escape: bool,
    exited: Option<i32>,
    /// A script ran `exec sh`: what follows is an interactive shell.
    became_shell: bool,
    /// The running command's stdin: the previous pipeline stage's output, or what the client sent.
    stdin: Vec<u8>,
}

impl Shell {
    pub fn new(ctx: ShellContext, tty: bool) -> Self {
        let mut env: BTreeMap<String, String> = [
            (
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ),
            ("HOME", "/root"),
            ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
            ("KUBERNETES_SERVICE_PORT", "443"),
            ("KUBERNETES_SERVICE_PORT_HTTPS", "443"),
            ("KUBERNETES_PORT", "tcp://10.96.0.1:443"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        env.insert("HOSTNAME".into(), ctx.hostname.clone());
        if tty {
            env.insert("TERM".into(), "xterm".into());
        }
        for (k, v) in &ctx.env {
            env.insert(k.clone(), v.clone());
        }
        Self {
            ctx,
            env,
            cwd: "/".into(),
            status: 0,
            tty,
            size: (80, 24),
            line: vec![],
            in_escape: false,
            exited: None,
            became_shell: false,
            stdin: vec![],
        }
    }

    pub fn exit_code(&self) -> Option<i32> {
        self.exited
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.size = (cols, rows);
        self.env.insert("COLUMNS".into(), cols.to_string());
        self.env.insert("LINES".into(), rows.to_string());
    }

    pub fn prompt(&self) -> Vec<u8> {
        format!("{} # ", self.cwd).into_bytes()
    }

    /// Feeds stdin bytes; returns what the terminal (or pipe) shows.
    pub fn feed(&mut self, input: &[u8]) -> Vec<Chunk> {
        let mut out = vec![];
        for &b in input {
            if self.exited.is_some() {
                break;
            }
            if !self.tty {
                if b == b'\n' {
                    let line =
                        String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
                    out.extend(self.run(&line));
                } else {
                    self.line.push(b);
                }
                continue;
            }
            if self.in_escape {
                // CSI sequences end with a byte in @..~; a lone ESC followed by [ or O continues.
                if (0x40..=0x7e).contains(&b) && b != b'[' && b != b'O' {
                    self.in_escape = false;
                }
                continue;
            }
            match b {
                b'\r' | b'\n' => {
                    out.push(Chunk::Out(b"\r\n".to_vec()));
                    let line =
                        String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
                    out.extend(self.run(&line).into_iter().map(crlf));
                    if self.exited.is_none() {
                        out.push(Chunk::Out(self.prompt()));
                    }
                }
                0x7f | 0x08 => {
                    if self.line.pop().is_some() {
                        out.push(Chunk::Out(b"\x08 \x08".to_vec()));
                    }
                }
                0x03 => {
                    self.line.clear();
                    self.status = 130;
                    out.push(Chunk::Out(b"^C\r\n".to_vec()));
                    out.push(Chunk::Out(self.prompt()));
                }
                0x04 => {
                    if self.line.is_empty() {
                        out.push(Chunk::Out(b"\r\n".to_vec()));
                        self.exited = Some(self.status);
                    }
                }
                0x15 => {
                    let n = self.line.len();
                    self.line.clear();
                    out.push(Chunk::Out(b"\x08 \x08".repeat(n)));
                }
                0x1b => self.in_escape = true,
                b'\t' => {}
                b if b < 0x20 => {}
                b => {
                    self.line.push(b);
                    out.push(Chunk::Out(vec![b]));
                }
            }
        }
        out
    }

    /// Stdin closed: a pipe's last line runs, then the shell exits with the last status.
    pub fn end_of_input(&mut self) -> Vec<Chunk> {
        let mut out = vec![];
        if !self.line.is_empty() && !self.tty {
            let line = String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
            out = self.run(&line);
        }
        if self.exited.is_none() {
            self.exited = Some(self.status);
        }
        out
    }

    /// Runs a program directly, as exec does without a shell (no expansion); `true` if it exists.
    pub fn run_argv(&mut self, argv: &[String]) -> Vec<Chunk> {
        self.command(argv)
    }

    /// Whether `program` exists in the container.
    pub fn has_program(program: &str) -> bool {
        BUILTINS.contains(&program.rsplit('/').next().unwrap_or(program))
    }

    /// Whether a script handed over to an interactive shell (`exec sh`).
    pub fn became_shell(&self) -> bool {
        self.became_shell
    }

    pub fn status(&self) -> i32 {
        self.status
    }

    /// Hands the command run next (by `run_argv`) what the client sent on stdin.
    pub fn set_stdin(&mut self, data: Vec<u8>) {
        self.stdin = data;
    }

    /// Whether `argv` reads stdin to its end before it can answer (`tar -x -f -`, `cat`, `gzip`): the
    /// server then collects stdin until the client closes it.
    pub fn reads_stdin(argv: &[String]) -> bool {
        let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
        let Some(first) = argv.first() else {
            return false;
        };
        let files = argv[1..].iter().filter(|a| !a.starts_with('-')).count();
        match base(first).as_str() {
            "cat" | "gzip" | "gunzip" | "zcat" | "wc" | "head" | "tail" => files == 0,
            "tar" => {
                let flags: String = argv[1..]
                    .iter()
                    .filter(|a| !a.starts_with("--"))
                    .take(1)
                    .chain(
                        argv[1..]
                            .iter()
                            .filter(|a| a.starts_with('-') && !a.starts_with("--")),
                    )
                    .cloned()
                    .collect();
                (flags.contains('x') || flags.contains('t')) && argv.iter().any(|a| a == "-")
            }
            "sh" | "ash" => match (argv.get(1).map(String::as_str), argv.get(2)) {
                (Some("-c"), Some(script)) => {
                    let first: Vec<String> = split_pipe(script.trim())
                        .first()
                        .map(|s| s.split_whitespace().map(str::to_string).collect())
                        .unwrap_or_default();
                    !first.is_empty() && Self::reads_stdin(&first)
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Runs one command line (`a; b && c || d`, pipelines, `for … in …; do …; done`).
    pub fn run(&mut self, line: &str) -> Vec<Chunk> {
        let mut out = vec![];
        let mut pending: Option<&str> = None;
        let mut parts = split_list(line).into_iter();
        while let Some((cmd, op)) = parts.next() {
            if self.exited.is_some() {
                break;
            }
            let skip = match pending {
                Some("&&") => self.status != 0,
                Some("||") => self.status == 0,
                _ => false,
            };
            pending = op;
            let head = cmd.trim_start();
            if head.starts_with("for ") {
                // The list splitter cut the loop at its `;`s: gather it again up to the matching `done`.
                let mut body: Vec<(String, Option<&'static str>)> = vec![];
                let mut depth = 1;
                for (piece, piece_op) in parts.by_ref() {
                    let t = piece.trim();
                    let t = t.strip_prefix("do ").map(str::trim_start).unwrap_or(t);
                    if t.starts_with("for ") {
                        depth += 1;
                    }
                    if t == "done" {
                        depth -= 1;
                        if depth == 0 {
                            pending = piece_op;
                            break;
                        }
                    }
                    body.push((piece, piece_op));
                }
                if depth != 0 {
                    out.push(Chunk::Err(
                        b"sh: syntax error: unexpected end of file (expecting \"done\")\n".to_vec(),
                    ));
                    self.status = 2;
                    break;
                }
                if skip {
                    continue;
                }
                out.extend(self.run_for(head, &body));
                continue;
            }
            if skip || cmd.trim().is_empty() {
                continue;
            }
            out.extend(self.pipeline(&cmd));
        }
        out
    }

    /// `for VAR in WORDS` with its body (the pieces between `do` and `done`).
    fn run_for(&mut self, head: &str, body: &[(String, Option<&'static str>)]) -> Vec<Chunk> {
        let words = match self.expand(head) {
            Ok(w) => w,
            Err(e) => {
                self.status = 2;
                return vec![Chunk::Err(format!("sh: {e}\n").into_bytes())];
            }
        };
        let (Some(var), Some("in")) = (words.get(1), words.get(2).map(String::as_str)) else {
            self.status = 2;
            return vec![Chunk::Err(
                b"sh: syntax error: bad for loop variable\n".to_vec(),
            )];
        };
        let mut script = String::new();
        for (i, (piece, op)) in body.iter().enumerate() {
            let piece = if i == 0 {
                let t = piece.trim_start();
                t.strip_prefix("do").unwrap_or(t)
            } else {
                piece.as_str()
            };
            script.push_str(piece);
            script.push_str(op.unwrap_or(";"));
        }
        let mut out = vec![];
        self.status = 0;
        for w in &words[3..] {
            if self.exited.is_some() {
                break;
            }
            self.env.insert(var.clone(), w.clone());
            out.extend(self.run(&script));
        }
        out
    }

    /// One pipeline: each stage's stdout is the next one's stdin; redirections apply per stage.
    fn pipeline(&mut self, cmd: &str) -> Vec<Chunk> {
        let stages = split_pipe(cmd);
        let last = stages.len().saturating_sub(1);
        let mut out = vec![];
        for (i, stage) in stages.iter().enumerate() {
            let words = match self.expand(stage) {
                Ok(w) => w,
                Err(e) => {
                    out.push(Chunk::Err(format!("sh: {e}\n").into_bytes()));
                    self.status = 2;
                    self.stdin.clear();
                    continue;
                }
            };
            let (words, redir) = match tools::redirections(words) {
                Ok(r) => r,
                Err(e) => {
                    out.push(Chunk::Err(format!("sh: {e}\n").into_bytes()));
                    self.status = 2;
                    continue;
                }
            };
            if let Some(path) = &redir.input {
                let path = fs::resolve(&self.cwd, path);
                let data = self.overlay_read(&path);
                match data {
                    Some(d) => self.stdin = d,
                    None => {
                        out.push(Chunk::Err(
                            format!("sh: can't open {path}: no such file\n").into_bytes(),
                        ));
                        self.status = 1;
                        continue;
                    }
                }
            }
            let chunks = self.command(&words);
            let (piped, mut rest) = self.route(chunks, &redir, i < last);
            out.append(&mut rest);
            self.stdin = piped;
        }
        self.stdin.clear();
        out
    }

    pub(super) fn overlay_read(&self, path: &str) -> Option<Vec<u8>> {
        let files = self.ctx.files.lock().ok()?;
        files.read(&self.ctx, path)
    }
}

/// A terminal needs CRLF.
fn crlf(chunk: Chunk) -> Chunk {
    let fix = |v: Vec<u8>| {
        let mut out = Vec::with_capacity(v.len() + 8);
        for b in v {
            if b == b'\n' {
                out.push(b'\r');
            }
            out.push(b);
        }
        out
    };
    match chunk {
        Chunk::Out(v) => Chunk::Out(fix(v)),
        Chunk::Err(v) => Chunk::Err(fix(v)),
        s => s,
    }
}

#[cfg(test)]
mod tests;
