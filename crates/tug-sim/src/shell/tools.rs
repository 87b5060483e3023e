//! The shell's file tools and plumbing: redirections (`>`, `>>`, `>&2`, `2>&1`, `<`), routing a command's
//! output through them, and `tar`, `gzip`, `seq`, `test`, `mkdir`, `rm`, `touch`, `head`, `tail`, `wc` —
//! enough for what `kubectl cp` runs (`tar cf - PATH`, `tar -xmf - -C DIR`, `test -d PATH`). Archives are
//! read and written with the `tar` and `flate2` crates, never by hand.

use std::io::{Read, Write};

use super::fs::{parent, resolve};
use super::{Chunk, Shell};

/// Where one of a command's streams goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) enum Target {
    #[default]
    Inherit,
    /// `>&2` for stdout, `2>&1` for stderr.
    Other,
    Null,
    File {
        path: String,
        append: bool,
    },
}

#[derive(Debug, Default)]
pub(super) struct Redirections {
    pub stdout: Target,
    pub stderr: Target,
    pub input: Option<String>,
}

/// Takes the redirections out of a command's words.
pub(super) fn redirections(words: Vec<String>) -> Result<(Vec<String>, Redirections), String> {
    let mut r = Redirections::default();
    let mut kept = vec![];
    let mut it = words.into_iter();
    while let Some(w) = it.next() {
        let (fd, rest) = match w.as_bytes().first() {
            Some(b'1') if w[1..].starts_with('>') => (1, &w[1..]),
            Some(b'2') if w[1..].starts_with('>') => (2, &w[1..]),
            Some(b'>') => (1, &w[..]),
            Some(b'<') => (0, &w[..]),
            _ => {
                kept.push(w);
                continue;
            }
        };
        let (append, rest) = match rest.strip_prefix(">>") {
            Some(r) => (true, r),
            None => (false, rest.trim_start_matches(['>', '<'])),
        };
        let target = if rest.is_empty() {
            it.next()
                .ok_or("syntax error: unexpected newline".to_string())?
        } else {
            rest.to_string()
        };
        let t = match target.as_str() {
            "&2" if fd == 1 => Target::Other,
            "&1" if fd == 2 => Target::Other,
            "&1" | "&2" => Target::Inherit,
            "/dev/null" => Target::Null,
            _ => Target::File {
                path: target.clone(),
                append,
            },
        };
        match fd {
            0 => r.input = Some(target),
            1 => r.stdout = t,
            _ => r.stderr = t,
        }
    }
    Ok((kept, r))
}

impl Shell {
    /// Sends a command's chunks where its redirections say; returns (what goes down the pipe, the rest).
    pub(super) fn route(
        &mut self,
        chunks: Vec<Chunk>,
        r: &Redirections,
        piping: bool,
    ) -> (Vec<u8>, Vec<Chunk>) {
        let mut piped = vec![];
        let mut rest = vec![];
        let mut files: Vec<(String, bool, Vec<u8>)> = vec![];
        for chunk in chunks {
            let (is_out, data) = match chunk {
                Chunk::Out(v) => (true, v),
                Chunk::Err(v) => (false, v),
                s => {
                    rest.push(s);
                    continue;
                }
            };
            let (own, other) = if is_out {
                (&r.stdout, &r.stderr)
            } else {
                (&r.stderr, &r.stdout)
            };
            // `>&2` sends stdout where stderr goes (and the reverse), one hop only.
            let (target, lands_out) = match own {
                Target::Other => (other, !is_out),
                t => (t, is_out),
            };
            match target {
                Target::Null => {}
                Target::File { path, append } => match files.iter_mut().find(|f| f.0 == *path) {
                    Some(f) => f.2.extend(data),
                    None => files.push((path.clone(), *append, data)),
                },
                _ if lands_out && piping => piped.extend(data),
                _ if lands_out => rest.push(Chunk::Out(data)),
                _ => rest.push(Chunk::Err(data)),
            }
        }
        for (path, append, data) in files {
            let path = resolve(&self.cwd, &path);
            let Ok(mut fs) = self.ctx.files.lock() else {
                continue;
            };
            let mut content = if append {
                fs.read(&self.ctx, &path).unwrap_or_default()
            } else {
                vec![]
            };
            content.extend(data);
            if let Err(e) = fs.write(&path, content) {
                rest.push(Chunk::Err(
                    format!("sh: can't create {path}: {e}\n").into_bytes(),
                ));
                self.status = 1;
            }
        }
        (piped, rest)
    }

    /// The tools in this module; `None` if `name` is none of them.
    pub(super) fn tool(&mut self, name: &str, args: &[&str]) -> Option<(i32, Vec<Chunk>)> {
        Some(match name {
            "seq" => seq(args),
            "test" => (i32::from(!self.test(args)), vec![]),
            "[" => match args.split_last() {
                Some((&"]", inner)) => (i32::from(!self.test(inner)), vec![]),
                _ => (2, vec![err("sh: [: missing ]\n")]),
            },
            "mkdir" => self.mkdir(args),
            "rm" => self.rm(args),
            "touch" => self.touch(args),
            "gzip" | "gunzip" | "zcat" => self.gzip(name, args),
            "tar" => self.tar(args),
            "head" | "tail" | "wc" => self.text_tool(name, args),
            _ => return None,
        })
    }

    fn exists(&self, path: &str) -> (bool, bool) {
        match self.ctx.files.lock() {
            Ok(fs) => (fs.is_dir(path), fs.read(&self.ctx, path).is_some()),
            Err(_) => (false, false),
        }
    }

    /// `test` / `[`: file tests, string tests, integer comparisons, `!`.
    fn test(&self, args: &[&str]) -> bool {
        if let Some((&"!", rest)) = args.split_first() {
            return !self.test(rest);
        }
        let int = |s: &str| s.trim().parse::<i64>().unwrap_or(0);
        match args {
            [] => false,
            [s] => !s.is_empty(),
            ["-n", s] => !s.is_empty(),
            ["-z", s] => s.is_empty(),
            [op @ ("-d" | "-f" | "-e" | "-r" | "-s"), p] => {
                let (dir, file) = self.exists(&resolve(&self.cwd, p));
                match *op {
                    "-d" => dir,
                    "-f" | "-r" | "-s" => file,
                    _ => dir || file,
                }
            }
            [a, "=" | "==", b] => a == b,
            [a, "!=", b] => a != b,
            [a, "-eq", b] => int(a) == int(b),
            [a, "-ne", b] => int(a) != int(b),
            [a, "-lt", b] => int(a) < int(b),
            [a, "-le", b] => int(a) <= int(b),
            [a, "-gt", b] => int(a) > int(b),
            [a, "-ge", b] => int(a) >= int(b),
            _ => false,
        }
    }

    fn mkdir(&mut self, args: &[&str]) -> (i32, Vec<Chunk>) {
        let parents = args.iter().any(|a| a.starts_with('-') && a.contains('p'));
        let mut chunks = vec![];
        let mut status = 0;
        let Ok(mut fs) = self.ctx.files.lock() else {
            return (1, vec![]);
        };
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            let path = resolve(&self.cwd, a);
            let fail = if fs.is_dir(&path) {
                (!parents).then_some("File exists")
            } else if !parents && !fs.is_dir(parent(&path)) {
                Some("No such file or directory")
            } else {
                fs.mkdir_all(&path).err()
            };
            if let Some(e) = fail {
                status = 1;
                chunks.push(err(&format!("mkdir: can't create directory '{a}': {e}\n")));
            }
        }
        (status, chunks)
    }

    fn rm(&mut self, args: &[&str]) -> (i32, Vec<Chunk>) {
        let force = args.iter().any(|a| a.starts_with('-') && a.contains('f'));
        let mut chunks = vec![];
        let mut status = 0;
        let Ok(mut fs) = self.ctx.files.lock() else {
            return (1, vec![]);
        };
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            let path = resolve(&self.cwd, a);
            if !fs.remove(&path) && !force {
                status = 1;
                let why = if fs.read(&self.ctx, &path).is_some() || fs.is_dir(&path) {
                    "Read-only file system"
                } else {
                    "No such file or directory"
                };
                chunks.push(err(&format!("rm: can't remove '{a}': {why}\n")));
            }
        }
        (status, chunks)
    }

    fn touch(&mut self, args: &[&str]) -> (i32, Vec<Chunk>) {
        let Ok(mut fs) = self.ctx.files.lock() else {
            return (1, vec![]);
        };
        let mut chunks = vec![];
        let mut status = 0;
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            let path = resolve(&self.cwd, a);
            if fs.read(&self.ctx, &path).is_some() {
                continue;
            }
            if let Err(e) = fs.write(&path, vec![]) {
                status = 1;
                chunks.push(err(&format!("touch: {a}: {e}\n")));
            }
        }
        (status, chunks)
    }

    /// The named files' bytes, or stdin when there are none; errors as `prog: can't open`.
    fn inputs(&mut self, prog: &str, files: &[&str]) -> Result<Vec<u8>, (i32, Vec<Chunk>)> {
        if files.is_empty() || files == ["-"] {
            return Ok(std::mem::take(&mut self.stdin));
        }
        let mut data = vec![];
        for f in files {
            let path = resolve(&self.cwd, f);
            match self.overlay_read(&path) {
                Some(d) => data.extend(d),
                None => {
                    return Err((
                        1,
                        vec![err(&format!(
                            "{prog}: can't open '{f}': No such file or directory\n"
                        ))],
                    ));
                }
            }
        }
        Ok(data)
    }

    fn gzip(&mut self, name: &str, args: &[&str]) -> (i32, Vec<Chunk>) {
        let flags: String = args
            .iter()
            .filter(|a| a.starts_with('-') && **a != "-")
            .flat_map(|a| a.chars())
            .collect();
        let files: Vec<&str> = args
            .iter()
            .copied()
            .filter(|a| !a.starts_with('-') || *a == "-")
            .collect();
        let decompress = name != "gzip" || flags.contains('d');
        let to_stdout = name == "zcat" || flags.contains('c') || files.is_empty();
        if !to_stdout {
            // `gzip FILE` replaces FILE with FILE.gz (and `gunzip FILE.gz` the reverse).
            let mut chunks = vec![];
            let mut status = 0;
            for f in files {
                let path = resolve(&self.cwd, f);
                let (s, mut c) = self.gzip_in_place(&path, f, decompress);
                status = status.max(s);
                chunks.append(&mut c);
            }
            return (status, chunks);
        }
        let data = match self.inputs(name, &files) {
            Ok(d) => d,
            Err(e) => return e,
        };
        match gz(&data, decompress) {
            Ok(v) => (0, vec![Chunk::Out(v)]),
            Err(e) => (1, vec![err(&format!("{name}: {e}\n"))]),
        }
    }

    fn gzip_in_place(&mut self, path: &str, shown: &str, decompress: bool) -> (i32, Vec<Chunk>) {
        let Ok(mut fs) = self.ctx.files.lock() else {
            return (1, vec![]);
        };
        let Some(data) = fs.read(&self.ctx, path) else {
            return (
                1,
                vec![err(&format!(
                    "gzip: can't open '{shown}': No such file or directory\n"
                ))],
            );
        };
        let target = if decompress {
            match path.strip_suffix(".gz") {
                Some(t) => t.to_string(),
                None => return (1, vec![err(&format!("gzip: {shown}: unknown suffix\n"))]),
            }
        } else {
            format!("{path}.gz")
        };
        let result = gz(&data, decompress)
            .map_err(|e| e.to_string())
            .and_then(|v| {
                fs.write(&target, v).map_err(str::to_string)?;
                fs.remove(path);
                Ok(())
            });
        match result {
            Ok(()) => (0, vec![]),
            Err(e) => (1, vec![err(&format!("gzip: {shown}: {e}\n"))]),
        }
    }

    fn text_tool(&mut self, name: &str, args: &[&str]) -> (i32, Vec<Chunk>) {
        // `-n N`, `-N`, `-c +N` (kubectl cp --retries runs `tail -c+N`), `-l`/`-c` for wc.
        let mut lines: Option<usize> = None;
        let mut bytes_from: Option<usize> = None;
        let mut files = vec![];
        let mut wc_flags = String::new();
        let mut it = args.iter().copied();
        while let Some(a) = it.next() {
            if name == "wc" && a.starts_with('-') {
                wc_flags.push_str(&a[1..]);
            } else if a == "-n" {
                lines = it.next().and_then(|n| n.parse().ok());
            } else if let Some(n) = a.strip_prefix("-c") {
                let n = if n.is_empty() {
                    it.next().unwrap_or("")
                } else {
                    n
                };
                bytes_from = n.trim_start_matches('+').parse().ok();
            } else if let Some(n) = a.strip_prefix('-').filter(|n| !n.is_empty()) {
                lines = n.parse().ok();
            } else {
                files.push(a);
            }
        }
        let data = match self.inputs(name, &files) {
            Ok(d) => d,
            Err(e) => return e,
        };
        let out = match name {
            "wc" => {
                let text = String::from_utf8_lossy(&data);
                let l = data.iter().filter(|b| **b == b'\n').count();
                let w = text.split_whitespace().count();
                let s = match wc_flags.as_str() {
                    "l" => format!("{l}\n"),
                    "c" => format!("{}\n", data.len()),
                    "w" => format!("{w}\n"),
                    _ => format!("{l:>7} {w:>7} {:>7}\n", data.len()),
                };
                s.into_bytes()
            }
            "tail" if bytes_from.is_some() => {
                let from = bytes_from.unwrap_or(1).saturating_sub(1);
                data.get(from..).unwrap_or_default().to_vec()
            }
            _ => {
                let n = lines.unwrap_or(10);
                let all: Vec<&[u8]> = data.split_inclusive(|b| *b == b'\n').collect();
                let picked = if name == "head" {
                    &all[..n.min(all.len())]
                } else {
                    &all[all.len().saturating_sub(n)..]
                };
                picked.concat()
            }
        };
        (0, vec![Chunk::Out(out)])
    }

    /// `tar` with `c`, `x`, `t`, `f FILE|-`, `z`, `C DIR` in old (`cf`) or dashed (`-xmf`) form; other
    /// flags (`m`, `v`, `o`, `p`, `--no-same-owner`, `--no-same-permissions`) are accepted and ignored.
    fn tar(&mut self, args: &[&str]) -> (i32, Vec<Chunk>) {
        let mut mode = None;
        let mut archive: Option<String> = None;
        let mut dir: Option<String> = None;
        let mut gzip = false;
        let mut verbose = false;
        let mut paths = vec![];
        let mut wanted: Vec<char> = vec![]; // options still waiting for their argument, in order
        for (i, a) in args.iter().enumerate() {
            if let Some(opt) = a.strip_prefix("--") {
                if let Some(d) = opt.strip_prefix("directory=") {
                    dir = Some(d.to_string());
                } else if opt == "gzip" {
                    gzip = true;
                }
                continue;
            }
            let letters = match a.strip_prefix('-') {
                Some(l) if !l.is_empty() => Some(l),
                _ if i == 0 => Some(*a),
                _ => None,
            };
            if let Some(letters) = letters.filter(|_| wanted.is_empty()) {
                for (j, c) in letters.char_indices() {
                    match c {
                        'c' | 'x' | 't' => mode = Some(c),
                        'z' => gzip = true,
                        'v' => verbose = true,
                        'f' | 'C' => {
                            let attached = &letters[j + 1..];
                            if !attached.is_empty() && a.starts_with('-') {
                                if c == 'f' {
                                    archive = Some(attached.to_string());
                                } else {
                                    dir = Some(attached.to_string());
                                }
                                break;
                            }
                            wanted.push(c);
                        }
                        _ => {}
                    }
                }
                continue;
            }
            match wanted.first() {
                Some('f') => archive = Some(a.to_string()),
                Some(_) => dir = Some(a.to_string()),
                None => {
                    paths.push(a.to_string());
                    continue;
                }
            }
            wanted.remove(0);
        }
        let base = dir
            .as_deref()
            .map(|d| resolve(&self.cwd, d))
            .unwrap_or_else(|| self.cwd.clone());
        let archive = archive.unwrap_or_else(|| "-".into());
        match mode {
            Some('c') => self.tar_create(&base, &archive, &paths, gzip, verbose),
            Some(m) => {
                let data = match self.inputs("tar", &[archive.as_str()]) {
                    Ok(d) => d,
                    Err(e) => return e,
                };
                let data = if gzip {
                    match gz(&data, true) {
                        Ok(d) => d,
                        Err(e) => return (1, vec![err(&format!("tar: {e}\n"))]),
                    }
                } else {
                    data
                };
                self.tar_read(&base, &data, m == 'x', verbose)
            }
            None => (1, vec![err("tar: need to specify one of -c, -t, -x\n")]),
        }
    }

    fn tar_create(
        &mut self,
        base: &str,
        archive: &str,
        paths: &[String],
        gzip: bool,
        verbose: bool,
    ) -> (i32, Vec<Chunk>) {
        let Ok(fs) = self.ctx.files.lock() else {
            return (1, vec![]);
        };
        let mut builder = tar::Builder::new(Vec::new());
        let mut chunks = vec![];
        let mut status = 0;
        let mut listed = String::new();
        let mut warned = false;
        for p in paths {
            let full = resolve(base, p);
            // Members are named as given, less a leading `/` (as busybox and GNU tar do, saying so).
            let shown = p.trim_start_matches('/');
            if shown.len() != p.len() && !warned {
                warned = true;
                chunks.push(err("tar: removing leading '/' from member names\n"));
            }
            let mut todo = vec![(full, shown.trim_end_matches('/').to_string())];
            if todo[0].1.is_empty() {
                todo[0].1 = ".".into();
            }
            let mut found_any = false;
            while let Some((path, name)) = todo.pop() {
                let added = if let Some(entries) = fs.list(&path) {
                    let mut h = tar::Header::new_gnu();
                    h.set_entry_type(tar::EntryType::Directory);
                    h.set_mode(0o755);
                    h.set_size(0);
                    h.set_mtime(MTIME);
                    let r = builder.append_data(&mut h, format!("{name}/"), std::io::empty());
                    for e in entries.iter().rev() {
                        todo.push((resolve(&path, e), format!("{name}/{e}")));
                    }
                    r
                } else if let Some(data) = fs.read(&self.ctx, &path) {
                    let mut h = tar::Header::new_gnu();
                    h.set_mode(0o644);
                    h.set_size(data.len() as u64);
                    h.set_mtime(MTIME);
                    builder.append_data(&mut h, &name, data.as_slice())
                } else {
                    if !found_any {
                        status = 1;
                        chunks.push(err(&format!("tar: {p}: No such file or directory\n")));
                    }
                    break;
                };
                found_any = true;
                if verbose {
                    listed.push_str(&name);
                    listed.push('\n');
                }
                if let Err(e) = added {
                    return (1, vec![err(&format!("tar: {e}\n"))]);
                }
            }
        }
        drop(fs);
        let data = match builder.into_inner() {
            Ok(d) => d,
            Err(e) => return (1, vec![err(&format!("tar: {e}\n"))]),
        };
        let data = if gzip {
            match gz(&data, false) {
                Ok(d) => d,
                Err(e) => return (1, vec![err(&format!("tar: {e}\n"))]),
            }
        } else {
            data
        };
        if !listed.is_empty() {
            chunks.push(err(&listed));
        }
        if archive == "-" {
            chunks.insert(0, Chunk::Out(data));
        } else {
            let path = resolve(&self.cwd, archive);
            let written = match self.ctx.files.lock() {
                Ok(mut fs) => fs.write(&path, data),
                Err(_) => Err("I/O error"),
            };
            if let Err(e) = written {
                return (1, vec![err(&format!("tar: can't open '{archive}': {e}\n"))]);
            }
        }
        (status, chunks)
    }

    fn tar_read(
        &mut self,
        base: &str,
        data: &[u8],
        extract: bool,
        verbose: bool,
    ) -> (i32, Vec<Chunk>) {
        let mut archive = tar::Archive::new(data);
        let entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => return (1, vec![err(&format!("tar: {e}\n"))]),
        };
        let Ok(mut fs) = self.ctx.files.lock() else {
            return (1, vec![]);
        };
        if extract && !fs.is_dir(base) {
            return (
                1,
                vec![err(&format!(
                    "tar: can't change directory to '{base}': No such file or directory\n"
                ))],
            );
        }
        let mut listing = String::new();
        for entry in entries {
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => return (1, vec![err(&format!("tar: invalid tar magic: {e}\n"))]),
            };
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            if !extract || verbose {
                listing.push_str(&name);
                listing.push('\n');
            }
            if !extract {
                continue;
            }
            let path = resolve(base, &name);
            let kind = entry.header().entry_type();
            let result = if kind.is_dir() {
                fs.mkdir_all(&path)
            } else if kind.is_file() {
                let mut content = vec![];
                if let Err(e) = entry.read_to_end(&mut content) {
                    return (1, vec![err(&format!("tar: short read: {e}\n"))]);
                }
                fs.mkdir_all(parent(&path))
                    .and_then(|()| fs.write(&path, content))
            } else {
                Ok(()) // links and devices: the simulated filesystem has none
            };
            if let Err(e) = result {
                return (1, vec![err(&format!("tar: can't create '{name}': {e}\n"))]);
            }
        }
        if extract {
            (
                0,
                if listing.is_empty() {
                    vec![]
                } else {
                    vec![err(&listing)]
                },
            )
        } else {
            (0, vec![Chunk::Out(listing.into_bytes())])
        }
    }
}

/// The simulated image's build time, for archive members.
const MTIME: u64 = 1_732_528_800;

fn err(s: &str) -> Chunk {
    Chunk::Err(s.as_bytes().to_vec())
}

fn gz(data: &[u8], decompress: bool) -> std::io::Result<Vec<u8>> {
    let mut out = vec![];
    if decompress {
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut out)
            .map_err(|_| std::io::Error::other("invalid magic"))?;
    } else {
        let mut enc = flate2::write::GzEncoder::new(&mut out, flate2::Compression::default());
        enc.write_all(data)?;
        enc.finish()?;
    }
    Ok(out)
}

/// `seq LAST`, `seq FIRST LAST`, `seq FIRST INCREMENT LAST` (integers).
fn seq(args: &[&str]) -> (i32, Vec<Chunk>) {
    let nums: Result<Vec<i64>, _> = args.iter().map(|a| a.parse::<i64>()).collect();
    let (first, step, last) = match nums.as_deref() {
        Ok([l]) => (1, 1, *l),
        Ok([f, l]) => (*f, 1, *l),
        Ok([f, s, l]) if *s != 0 => (*f, *s, *l),
        Ok(_) => return (1, vec![err("seq: invalid arguments\n")]),
        Err(_) => {
            let bad = args
                .iter()
                .find(|a| a.parse::<i64>().is_err())
                .unwrap_or(&"");
            return (1, vec![err(&format!("seq: invalid number '{bad}'\n"))]);
        }
    };
    let mut out = String::new();
    let mut i = first;
    while (step > 0 && i <= last) || (step < 0 && i >= last) {
        out.push_str(&format!("{i}\n"));
        i += step;
        if out.len() > 8 << 20 {
            break; // a runaway `seq` stops at 8 MiB rather than fill the sim's memory
        }
    }
    (0, vec![Chunk::Out(out.into_bytes())])
}
