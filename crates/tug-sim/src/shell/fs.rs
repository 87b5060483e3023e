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
