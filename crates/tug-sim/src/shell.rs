//! The built-in shell that `exec` runs inside simulated containers: a small busybox-like `sh` over a
//! read-only virtual filesystem. It never touches the host. Pure: bytes in, output chunks out.
//!
//! With a TTY it does the line discipline itself (echo, backspace, Ctrl-C, Ctrl-D, Ctrl-U, CRLF) and prints a
//! prompt; without one it reads commands line by line, silently, like `sh` reading a pipe.

use std::collections::BTreeMap;
use std::time::Duration;

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
}

const BUILTINS: &[&str] = &[
    "cat", "cd", "clear", "command", "date", "echo", "env", "exit", "export", "false", "hostname",
    "id", "ls", "printenv", "printf", "ps", "pwd", "sh", "ash", "sleep", "stty", "true", "uname",
    "which", "whoami", "exec", "uptime", "test", "[",
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

    /// Runs one command line (`a; b && c || d`).
    pub fn run(&mut self, line: &str) -> Vec<Chunk> {
        let mut out = vec![];
        let mut pending: Option<&str> = None;
        for (cmd, op) in split_list(line) {
            if self.exited.is_some() {
                break;
            }
            let skip = match pending {
                Some("&&") => self.status != 0,
                Some("||") => self.status == 0,
                _ => false,
            };
            pending = op;
            if skip || cmd.trim().is_empty() {
                continue;
            }
            let words = match self.expand(&cmd) {
                Ok(w) => w,
                Err(e) => {
                    out.push(Chunk::Err(format!("sh: {e}\n").into_bytes()));
                    self.status = 2;
                    continue;
                }
            };
            out.extend(self.command(&words));
        }
        out
    }

    fn command(&mut self, words: &[String]) -> Vec<Chunk> {
        let mut words: Vec<String> = words.to_vec();
        // Leading assignments: `A=b` alone sets a variable.
        while let Some(w) = words.first() {
            match w.split_once('=') {
                Some((k, v))
                    if !k.is_empty()
                        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    self.env.insert(k.to_string(), v.to_string());
                    words.remove(0);
                }
                _ => break,
            }
        }
        let Some(name) = words.first().cloned() else {
            self.status = 0;
            return vec![];
        };
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        let base = name.rsplit('/').next().unwrap_or(&name).to_string();
        let out = |s: String| Chunk::Out(s.into_bytes());
        let err = |s: String| Chunk::Err(s.into_bytes());
        let (status, chunks) = match base.as_str() {
            "echo" => {
                let (newline, rest) = match args.first() {
                    Some(&"-n") => (false, &args[1..]),
                    _ => (true, &args[..]),
                };
                (
                    0,
                    vec![out(format!(
                        "{}{}",
                        rest.join(" "),
                        if newline { "\n" } else { "" }
                    ))],
                )
            }
            "printf" => {
                let fmt = args.first().copied().unwrap_or_default();
                let mut rest = args.iter().skip(1);
                let mut s = String::new();
                let mut chars = fmt.chars().peekable();
                while let Some(c) = chars.next() {
                    match (c, chars.peek()) {
                        ('\\', Some('n')) => {
                            chars.next();
                            s.push('\n');
                        }
                        ('\\', Some('t')) => {
                            chars.next();
                            s.push('\t');
                        }
                        ('%', Some('s' | 'd')) => {
                            chars.next();
                            s.push_str(rest.next().copied().unwrap_or_default());
                        }
                        _ => s.push(c),
                    }
                }
                (0, vec![out(s)])
            }
            "true" | ":" => (0, vec![]),
            "false" => (1, vec![]),
            "pwd" => (0, vec![out(format!("{}\n", self.cwd))]),
            "cd" => {
                let target = resolve(&self.cwd, args.first().copied().unwrap_or("/root"));
                if is_dir(&target) {
                    self.cwd = target;
                    (0, vec![])
                } else {
                    (
                        1,
                        vec![err(format!(
                            "sh: cd: can't cd to {}: No such file or directory\n",
                            args.first().copied().unwrap_or_default()
                        ))],
                    )
                }
            }
            "hostname" => (0, vec![out(format!("{}\n", self.ctx.hostname))]),
            "whoami" => (0, vec![out("root\n".into())]),
            "id" => (
                0,
                vec![out(
                    "uid=0(root) gid=0(root) groups=0(root),10(wheel)\n".into()
                )],
            ),
            "uname" => {
                let all = "Linux {h} 6.1.0-27-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 x86_64 GNU/Linux";
                let s = match args.first().copied() {
                    Some("-a") => all.replace("{h}", &self.ctx.hostname),
                    Some("-r") => "6.1.0-27-amd64".into(),
                    Some("-n") => self.ctx.hostname.clone(),
                    Some("-m") => "x86_64".into(),
                    _ => "Linux".into(),
                };
                (0, vec![out(format!("{s}\n"))])
            }
            "date" => (
                0,
                vec![out(format!(
                    "{}\n",
                    jiff::Timestamp::now().strftime("%a %b %e %H:%M:%S UTC %Y")
                ))],
            ),
            "uptime" => (
                0,
                vec![out(
                    " 10:00:00 up 3 days,  4:12,  0 users,  load average: 0.15, 0.10, 0.05\n"
                        .into(),
                )],
            ),
            "env" | "printenv" => match args.first() {
                Some(var) => match self.env.get(*var) {
                    Some(v) => (0, vec![out(format!("{v}\n"))]),
                    None => (1, vec![]),
                },
                None => (
                    0,
                    vec![out(self
                        .env
                        .iter()
                        .map(|(k, v)| format!("{k}={v}\n"))
                        .collect())],
                ),
            },
            "export" => {
                for a in &args {
                    if let Some((k, v)) = a.split_once('=') {
                        self.env.insert(k.to_string(), v.to_string());
                    }
                }
                (0, vec![])
            }
            "ps" => {
                let main = self
                    .ctx
                    .image
                    .rsplit('/')
                    .next()
                    .unwrap_or("app")
                    .split(':')
                    .next()
                    .unwrap_or("app")
                    .to_string();
                (
                    0,
                    vec![out(format!(
                        "PID   USER     TIME  COMMAND\n    1 root      0:42 {main}\n   17 root      0:00 sh\n   23 root      0:00 ps {}\n",
                        args.join(" ")
                    ))],
                )
            }
            "sleep" => {
                let secs: f64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(0.0);
                (
                    0,
                    vec![Chunk::Sleep(Duration::from_secs_f64(
                        secs.clamp(0.0, 3600.0),
                    ))],
                )
            }
            "stty" => match args.first().copied() {
                Some("size") => (0, vec![out(format!("{} {}\n", self.size.1, self.size.0))]),
                _ => (0, vec![]),
            },
            "clear" => (0, vec![out("\x1b[H\x1b[2J".into())]),
            "ls" => self.ls(&args),
            "cat" => {
                let mut chunks = vec![];
                let mut status = 0;
                for a in &args {
                    let path = resolve(&self.cwd, a);
                    match self.file(&path) {
                        Some(content) => chunks.push(out(content)),
                        None if is_dir(&path) => {
                            status = 1;
                            chunks.push(err("cat: read error: Is a directory\n".to_string()));
                        }
                        None => {
                            status = 1;
                            chunks.push(err(format!(
                                "cat: can't open '{a}': No such file or directory\n"
                            )));
                        }
                    }
                }
                (status, chunks)
            }
            "command" | "which" => {
                let names: Vec<&&str> = args.iter().filter(|a| !a.starts_with('-')).collect();
                let mut found = vec![];
                let mut status = 0;
                for n in names {
                    if BUILTINS.contains(n) {
                        found.push(format!("/bin/{n}\n"));
                    } else {
                        status = 1;
                    }
                }
                (status, vec![out(found.concat())])
            }
            "test" | "[" => (0, vec![]),
            "exit" => {
                let code = args
                    .first()
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(self.status);
                self.exited = Some(code);
                (code, vec![])
            }
            "exec" => {
                let rest: Vec<String> = words[1..].to_vec();
                let chunks = self.command(&rest);
                if matches!(
                    rest.first().map(String::as_str),
                    Some("sh" | "/bin/sh" | "ash")
                ) {
                    // The process becomes an interactive shell (`sh -c '… exec sh'`).
                    self.became_shell = true;
                } else {
                    self.exited = Some(self.status);
                }
                (self.status, chunks)
            }
            "sh" | "ash" => match (args.first().copied(), args.get(1)) {
                (Some("-c"), Some(script)) => {
                    let script = script.to_string();
                    let chunks = self.run(&script);
                    let code = self.exited.take().unwrap_or(self.status);
                    (code, chunks)
                }
                _ => (0, vec![]), // a nested interactive shell: keep going in this one
            },
            other => (127, vec![err(format!("sh: {other}: not found\n"))]),
        };
        self.status = status;
        chunks
    }

    fn ls(&self, args: &[&str]) -> (i32, Vec<Chunk>) {
        let long = args.iter().any(|a| a.starts_with('-') && a.contains('l'));
        let all = args.iter().any(|a| a.starts_with('-') && a.contains('a'));
        let paths: Vec<&str> = args
            .iter()
            .copied()
            .filter(|a| !a.starts_with('-'))
            .collect();
        let paths = if paths.is_empty() { vec!["."] } else { paths };
        let mut out = String::new();
        let mut errs = String::new();
        let mut status = 0;
        for p in &paths {
            let path = resolve(&self.cwd, p);
            if paths.len() > 1 && is_dir(&path) {
                out.push_str(&format!("{p}:\n"));
            }
            if let Some(entries) = dir_entries(&path) {
                let mut entries: Vec<&str> = entries.to_vec();
                if all {
                    entries.splice(0..0, [".", ".."]);
                }
                if long {
                    for e in entries {
                        let child = resolve(&path, e);
                        let (mode, size) = if is_dir(&child) || e == "." || e == ".." {
                            ("drwxr-xr-x", 4096)
                        } else {
                            (
                                "-rw-r--r--",
                                self.file(&child).map(|c| c.len()).unwrap_or(0),
                            )
                        };
                        out.push_str(&format!(
                            "{mode}    2 root     root     {size:>8} Nov 25 10:00 {e}\n"
                        ));
                    }
                } else {
                    out.push_str(&entries.join("\n"));
                    out.push('\n');
                }
            } else if self.file(&path).is_some() {
                out.push_str(&format!("{p}\n"));
            } else {
                status = 1;
                errs.push_str(&format!("ls: {p}: No such file or directory\n"));
            }
        }
        let mut chunks = vec![Chunk::Out(out.into_bytes())];
        if !errs.is_empty() {
            chunks.push(Chunk::Err(errs.into_bytes()));
        }
        (status, chunks)
    }

    fn file(&self, path: &str) -> Option<String> {
        let c = &self.ctx;
        Some(match path {
            "/etc/hostname" => format!("{}\n", c.hostname),
            "/etc/hosts" => format!(
                "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.244.1.7\t{}\n",
                c.hostname
            ),
            "/etc/os-release" => "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n".into(),
            "/etc/resolv.conf" => format!(
                "search {}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
                c.namespace
            ),
            "/etc/passwd" => "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n".into(),
            "/proc/1/cmdline" => c.image.rsplit('/').next().unwrap_or_default().split(':').next().unwrap_or_default().to_string(),
            "/proc/cpuinfo" => "processor\t: 0\nmodel name\t: Simulated CPU @ 2.40GHz\n".into(),
            "/proc/meminfo" => "MemTotal:       32859416 kB\nMemFree:        20480000 kB\n".into(),
            "/var/run/secrets/kubernetes.io/serviceaccount/namespace" => c.namespace.clone(),
            "/var/run/secrets/kubernetes.io/serviceaccount/token" => "eyJhbGciOiJSUzI1NiJ9.c2ltdWxhdGVk.c2lnbmF0dXJl".into(),
            "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt" => "-----BEGIN CERTIFICATE-----\nMIIBsim\n-----END CERTIFICATE-----\n".into(),
            "/app/README" => format!("{} ({})\n", c.container, c.image),
            _ => return None,
        })
    }

    /// Word splitting and expansion: quotes, `$VAR`, `${VAR}`, `$?`, `$((arithmetic))`.
    fn expand(&self, cmd: &str) -> Result<Vec<String>, String> {
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
fn split_list(line: &str) -> Vec<(String, Option<&'static str>)> {
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
fn arith(expr: &str) -> Option<i64> {
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

const DIRS: &[(&str, &[&str])] = &[
    (
        "/",
        &[
            "app", "bin", "dev", "etc", "home", "lib", "proc", "root", "run", "sbin", "sys", "tmp",
            "usr", "var",
        ],
    ),
    ("/app", &["README"]),
    (
        "/bin",
        &[
            "ash", "busybox", "cat", "date", "echo", "env", "hostname", "ls", "ps", "pwd", "sh",
            "sleep", "stty", "uname",
        ],
    ),
    (
        "/etc",
        &["hostname", "hosts", "os-release", "passwd", "resolv.conf"],
    ),
    ("/proc", &["1", "cpuinfo", "meminfo"]),
    ("/proc/1", &["cmdline"]),
    ("/var", &["run", "log"]),
    ("/var/run", &["secrets"]),
    ("/var/run/secrets", &["kubernetes.io"]),
    ("/var/run/secrets/kubernetes.io", &["serviceaccount"]),
    (
        "/var/run/secrets/kubernetes.io/serviceaccount",
        &["ca.crt", "namespace", "token"],
    ),
    ("/var/log", &[]),
    (
        "/dev",
        &["null", "stderr", "stdin", "stdout", "tty", "zero"],
    ),
    ("/home", &[]),
    ("/lib", &["ld-musl-x86_64.so.1"]),
    ("/root", &[]),
    ("/run", &[]),
    ("/sbin", &[]),
    ("/sys", &[]),
    ("/tmp", &[]),
    ("/usr", &["bin", "lib", "local", "share"]),
];

fn dir_entries(path: &str) -> Option<&'static [&'static str]> {
    DIRS.iter().find(|(d, _)| *d == path).map(|(_, e)| *e)
}

fn is_dir(path: &str) -> bool {
    dir_entries(path).is_some()
}

/// `cwd` + `p`, normalised (`.`, `..`, repeated slashes).
fn resolve(cwd: &str, p: &str) -> String {
    let joined = if p.starts_with('/') {
        p.to_string()
    } else {
        format!("{cwd}/{p}")
    };
    let mut parts: Vec<&str> = vec![];
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
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
mod tests {
    use super::*;

    fn shell(tty: bool) -> Shell {
        Shell::new(
            ShellContext {
                namespace: "shop".into(),
                pod: "web-1".into(),
                container: "nginx".into(),
                image: "nginx:1.27".into(),
                hostname: "web-1".into(),
                env: vec![("APP_MODE".into(), "blue".into())],
            },
            tty,
        )
    }

    fn stdout(chunks: &[Chunk]) -> String {
        chunks
            .iter()
            .filter_map(|c| match c {
                Chunk::Out(v) => Some(String::from_utf8_lossy(v).into_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn commands_expand_and_chain() {
        let mut sh = shell(false);
        assert_eq!(stdout(&sh.run("echo $((6*7))")), "42\n");
        assert_eq!(
            stdout(&sh.run("echo \"mode=$APP_MODE\" '$HOME'")),
            "mode=blue $HOME\n"
        );
        assert_eq!(
            stdout(&sh.run("false && echo no || echo yes; echo $?")),
            "yes\n0\n"
        );
        assert_eq!(stdout(&sh.run("hostname")), "web-1\n");
        assert_eq!(
            stdout(&sh.run("cd /etc; pwd; cat hostname")),
            "/etc\nweb-1\n"
        );
        assert!(stdout(&sh.run("ls /")).contains("proc\n"));
        assert!(stdout(&sh.run("env")).contains("APP_MODE=blue\n"));
        let missing = sh.run("bash");
        assert_eq!(missing, vec![Chunk::Err(b"sh: bash: not found\n".to_vec())]);
        assert_eq!(
            sh.run("echo $?").first(),
            Some(&Chunk::Out(b"127\n".to_vec()))
        );
    }

    #[test]
    fn the_kubectl_shell_fallback_lands_in_sh() {
        let mut sh = shell(true);
        let out = sh.run("sh -c 'command -v bash && exec bash || exec sh'");
        assert!(stdout(&out).is_empty());
        assert_eq!(sh.exit_code(), None, "still in a shell");
    }

    #[test]
    fn a_pipe_runs_lines_and_exits_with_the_last_status() {
        let mut sh = shell(false);
        let out = sh.feed(b"echo hi; exit 3\necho never\n");
        assert_eq!(stdout(&out), "hi\n");
        assert_eq!(sh.exit_code(), Some(3));
    }

    #[test]
    fn the_tty_echoes_edits_and_reports_its_size() {
        let mut sh = shell(true);
        sh.resize(120, 40);
        let out = stdout(&sh.feed(b"stty sizx\x7fe\r"));
        assert!(
            out.starts_with("stty sizx\x08 \x08e\r\n40 120\r\n/ # "),
            "{out:?}"
        );
        let out = stdout(&sh.feed(b"sleep\x03"));
        assert!(out.ends_with("^C\r\n/ # "), "{out:?}");
        sh.feed(b"\x04");
        assert_eq!(sh.exit_code(), Some(130));
    }

    #[test]
    fn arithmetic_handles_precedence_and_errors() {
        assert_eq!(arith("1+2*3"), Some(7));
        assert_eq!(arith("(1+2)*3"), Some(9));
        assert_eq!(arith("7/0"), None);
        assert_eq!(arith("2+"), None);
    }
}
