//! The shell's commands: busybox-like builtins (`echo`, `printf`, `cd`, `ls`, `cat`, `env`, `ps`, `sleep`,
//! `exec`, `sh -c`, …) run against the virtual filesystem in `fs`.

use std::time::Duration;

use super::fs::resolve;
use super::{BUILTINS, Chunk, Shell};

impl Shell {
    pub(super) fn command(&mut self, words: &[String]) -> Vec<Chunk> {
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
        if let Some((status, chunks)) = self.tool(&base, &args) {
            self.status = status;
            return chunks;
        }
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
                if self.exists_dir(&target) {
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
                let files: Vec<&str> = args.iter().copied().filter(|a| *a != "-u").collect();
                if files.is_empty() {
                    // No files: stdin (the pipe's, or what the client sent).
                    (0, vec![Chunk::Out(std::mem::take(&mut self.stdin))])
                } else {
                    let mut chunks = vec![];
                    let mut status = 0;
                    for a in files {
                        let path = resolve(&self.cwd, a);
                        match self.overlay_read(&path) {
                            Some(content) => chunks.push(Chunk::Out(content)),
                            None if self.exists_dir(&path) => {
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
            let Ok(fs) = self.ctx.files.lock() else {
                continue;
            };
            if paths.len() > 1 && fs.is_dir(&path) {
                out.push_str(&format!("{p}:\n"));
            }
            if let Some(entries) = fs.list(&path) {
                let mut entries: Vec<&str> = entries.iter().map(String::as_str).collect();
                if all {
                    entries.splice(0..0, [".", ".."]);
                }
                if long {
                    for e in entries {
                        let child = resolve(&path, e);
                        let (mode, size) = if fs.is_dir(&child) || e == "." || e == ".." {
                            ("drwxr-xr-x", 4096)
                        } else {
                            (
                                "-rw-r--r--",
                                fs.read(&self.ctx, &child).map(|c| c.len()).unwrap_or(0),
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
            } else if fs.read(&self.ctx, &path).is_some() {
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

    fn exists_dir(&self, path: &str) -> bool {
        self.ctx.files.lock().is_ok_and(|fs| fs.is_dir(path))
    }
}
