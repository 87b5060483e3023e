//! The container's read-only virtual filesystem: its directories, the files it can show (made up from the
//! pod's context) and path resolution. Nothing here touches the host.

use super::ShellContext;

/// Every directory and what it lists.
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

pub(super) fn dir_entries(path: &str) -> Option<&'static [&'static str]> {
    DIRS.iter().find(|(d, _)| *d == path).map(|(_, e)| *e)
}

pub(super) fn is_dir(path: &str) -> bool {
    dir_entries(path).is_some()
}

/// `cwd` + `p`, normalised (`.`, `..`, repeated slashes).
pub(super) fn resolve(cwd: &str, p: &str) -> String {
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

/// The content of the file at `path`, or `None` if there is none (directories have none).
pub(super) fn file(c: &ShellContext, path: &str) -> Option<String> {
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

/// What a container wrote (`tar -x`, `> file`, `mkdir`): files and directories over the read-only image,
/// kept per container by the server so `kubectl cp` into a pod and back out again sees the same bytes.
#[derive(Debug, Default)]
pub struct Overlay {
    files: std::collections::BTreeMap<String, Vec<u8>>,
    dirs: std::collections::BTreeSet<String>,
}

/// One container's overlay, shared by its exec sessions.
pub type SharedOverlay = std::sync::Arc<std::sync::Mutex<Overlay>>;

impl Overlay {
    pub(super) fn is_dir(&self, path: &str) -> bool {
        is_dir(path) || self.dirs.contains(path)
    }

    pub(super) fn read(&self, c: &ShellContext, path: &str) -> Option<Vec<u8>> {
        self.files
            .get(path)
            .cloned()
            .or_else(|| file(c, path).map(String::into_bytes))
    }

    /// A directory's entries (the image's, then what was written), or `None` if it is no directory.
    pub(super) fn list(&self, path: &str) -> Option<Vec<String>> {
        if !self.is_dir(path) {
            return None;
        }
        let mut out: Vec<String> = dir_entries(path)
            .unwrap_or_default()
            .iter()
            .map(|s| s.to_string())
            .collect();
        let prefix = if path == "/" {
            "/".to_string()
        } else {
            format!("{path}/")
        };
        let children = self.dirs.iter().chain(self.files.keys());
        for child in children {
            if let Some(name) = child.strip_prefix(&prefix)
                && !name.is_empty()
                && !name.contains('/')
                && !out.iter().any(|e| e == name)
            {
                out.push(name.to_string());
            }
        }
        out.sort(); // as `ls` and `tar` list them
        Some(out)
    }

    /// Writes a file; its directory must exist (as `open(O_CREAT)` wants).
    pub(super) fn write(&mut self, path: &str, data: Vec<u8>) -> Result<(), &'static str> {
        if self.is_dir(path) {
            return Err("Is a directory");
        }
        if !self.is_dir(parent(path)) {
            return Err("No such file or directory");
        }
        self.files.insert(path.to_string(), data);
        Ok(())
    }

    /// `mkdir -p`: every missing directory up to `path`.
    pub(super) fn mkdir_all(&mut self, path: &str) -> Result<(), &'static str> {
        if self.files.contains_key(path) {
            return Err("File exists");
        }
        let mut cur = String::new();
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            cur.push('/');
            cur.push_str(seg);
            if self.files.contains_key(&cur) {
                return Err("Not a directory");
            }
            if !is_dir(&cur) {
                self.dirs.insert(cur.clone());
            }
        }
        Ok(())
    }

    /// Removes a written file or directory (the image's own files stay: it is read-only).
    pub(super) fn remove(&mut self, path: &str) -> bool {
        let prefix = format!("{path}/");
        let before = self.files.len() + self.dirs.len();
        self.files
            .retain(|k, _| k != path && !k.starts_with(&prefix));
        self.dirs.retain(|k| k != path && !k.starts_with(&prefix));
        before != self.files.len() + self.dirs.len()
    }
}

/// The directory a path is in.
pub(super) fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}
