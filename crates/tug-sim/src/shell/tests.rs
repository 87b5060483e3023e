//! Unit tests of the built-in shell: expansion and chaining, pipes, the TTY line discipline, arithmetic.

use super::parse::arith;
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
            files: Default::default(),
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

#[test]
fn pipes_loops_and_redirections() {
    let mut sh = shell(false);
    assert_eq!(stdout(&sh.run("seq 3 | wc -l")), "3\n");
    assert_eq!(
        stdout(&sh.run("for i in a b; do echo $i; done; echo end")),
        "a\nb\nend\n"
    );
    assert_eq!(
        stdout(&sh.run("for i in 1 2; do for j in x y; do echo $i$j; done; done")),
        "1x\n1y\n2x\n2y\n"
    );
    let out = sh.run("echo oops >&2");
    assert_eq!(out, vec![Chunk::Err(b"oops\n".to_vec())]);
    assert_eq!(
        stdout(&sh.run("echo hi > /tmp/a; echo more >> /tmp/a; cat /tmp/a")),
        "hi\nmore\n"
    );
    assert_eq!(stdout(&sh.run("cat /tmp/a | head -1")), "hi\n");
    assert_eq!(
        stdout(&sh.run("echo x > /nope/a || echo failed")),
        "failed\n"
    );
    assert_eq!(
        stdout(&sh.run("test -d /tmp && echo dir; [ -f /tmp/a ] && echo file")),
        "dir\nfile\n"
    );
    assert_eq!(stdout(&sh.run("test -d /tmp/a || echo notdir")), "notdir\n");
}

#[test]
fn cat_gzip_and_tar_round_trip_through_stdin() {
    let mut sh = shell(false);
    sh.set_stdin(b"piped bytes\n".to_vec());
    assert_eq!(stdout(&sh.run_argv(&["cat".into()])), "piped bytes\n");
    assert_eq!(stdout(&sh.run("echo zipped | gzip | gunzip")), "zipped\n");
    sh.run("mkdir -p /tmp/d/sub; echo one > /tmp/d/one; echo two > /tmp/d/sub/two");
    let archive = sh.run_argv(&["tar".into(), "cf".into(), "-".into(), "/tmp/d".into()]);
    let Some(Chunk::Out(tarball)) = archive.first().cloned() else {
        panic!("no archive: {archive:?}");
    };
    let mut other = shell(false);
    other.run("mkdir /tmp/x");
    other.set_stdin(tarball.clone());
    let argv: Vec<String> = ["tar", "-xmf", "-", "-C", "/tmp/x"]
        .map(String::from)
        .to_vec();
    assert!(Shell::reads_stdin(&argv));
    other.run_argv(&argv);
    assert_eq!(other.status(), 0);
    assert_eq!(stdout(&other.run("cat /tmp/x/tmp/d/sub/two")), "two\n");
    other.set_stdin(tarball);
    let list = stdout(&other.run_argv(&["tar".into(), "tf".into(), "-".into()]));
    assert_eq!(list, "tmp/d/\ntmp/d/one\ntmp/d/sub/\ntmp/d/sub/two\n");
    assert!(!Shell::reads_stdin(&[
        "tar".into(),
        "cf".into(),
        "-".into(),
        "/x".into()
    ]));
}
