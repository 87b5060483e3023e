//! The terminal side of a shell or attach session: the local terminal (raw, main screen) is wired to a
//! `tug_cluster::shell::ShellSession` — keys are sent as a terminal would send them, output is written
//! through, resizes go on the resize channel. The cluster crate never sees the terminal.

use std::io::Write as _;

use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures::{SinkExt, StreamExt};
use kube::api::TerminalSize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tug_cluster::ClusterError;
use tug_cluster::shell::{ShellSession, outcome};

/// The bytes a terminal sends for a key.
pub fn key_bytes(k: &KeyEvent) -> Vec<u8> {
    let mut out = if k.modifiers.contains(KeyModifiers::ALT) {
        vec![0x1b]
    } else {
        vec![]
    };
    match k.code {
        KeyCode::Char(c) if k.modifiers.contains(KeyModifiers::CONTROL) => {
            let b = match c {
                'a'..='z' => c as u8 - b'a' + 1,
                'A'..='Z' => c as u8 - b'A' + 1,
                '@' | ' ' | '2' => 0,
                '[' | '3' => 0x1b,
                '\\' | '4' => 0x1c,
                ']' | '5' => 0x1d,
                '^' | '6' => 0x1e,
                '_' | '7' => 0x1f,
                _ => return out,
            };
            out.push(b);
        }
        KeyCode::Char(c) => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        KeyCode::Enter => out.push(b'\r'),
        KeyCode::Backspace => out.push(0x7f),
        KeyCode::Tab => out.push(b'\t'),
        KeyCode::BackTab => out.extend_from_slice(b"\x1b[Z"),
        KeyCode::Esc => out.push(0x1b),
        KeyCode::Up => out.extend_from_slice(b"\x1b[A"),
        KeyCode::Down => out.extend_from_slice(b"\x1b[B"),
        KeyCode::Right => out.extend_from_slice(b"\x1b[C"),
        KeyCode::Left => out.extend_from_slice(b"\x1b[D"),
        KeyCode::Home => out.extend_from_slice(b"\x1b[H"),
        KeyCode::End => out.extend_from_slice(b"\x1b[F"),
        KeyCode::Delete => out.extend_from_slice(b"\x1b[3~"),
        KeyCode::PageUp => out.extend_from_slice(b"\x1b[5~"),
        KeyCode::PageDown => out.extend_from_slice(b"\x1b[6~"),
        _ => {}
    }
    out
}

/// Runs an interactive session in `pod` on the current terminal, which the caller has put in raw mode on the
/// main screen. Returns how it ended, for the TUI to show.
pub async fn run(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    container: Option<&str>,
    attach: bool,
    keys: &mut EventStream,
    // The detach key (the keymap's `shell_detach`) leaves the session, whatever runs inside.
    detach: &(dyn Fn(&KeyEvent) -> bool + Sync),
) -> Result<String, ClusterError> {
    let ShellSession {
        mut stdin,
        mut stdout,
        mut resize,
        mut status,
        process: _process,
    } = tug_cluster::shell::open(client, namespace, pod, container, attach).await?;
    let mut size = crossterm::terminal::size().ok();
    if let Some((width, height)) = size {
        let _ = resize.send(TerminalSize { width, height }).await;
    }
    // Besides resize events, look at the size now and then: a SIGWINCH can be missed under load.
    let mut check = tokio::time::interval(std::time::Duration::from_millis(500));
    let mut out = std::io::stdout();
    let mut buf = [0u8; 8192];
    let ended = loop {
        tokio::select! {
            n = stdout.read(&mut buf) => match n {
                Ok(0) | Err(_) => break None,
                Ok(n) => {
                    let _ = out.write_all(&buf[..n]);
                    let _ = out.flush();
                }
            },
            ev = keys.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => {
                    if detach(&k) {
                        return Ok("detached from the shell".into());
                    }
                    if stdin.write_all(&key_bytes(&k)).await.is_err() {
                        break None;
                    }
                }
                Some(Ok(Event::Paste(text))) => {
                    let _ = stdin.write_all(text.as_bytes()).await;
                }
                Some(Ok(Event::Resize(width, height))) => {
                    size = Some((width, height));
                    let _ = resize.send(TerminalSize { width, height }).await;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break None,
            },
            s = &mut status => break Some(s),
            _ = check.tick() => {
                let now = crossterm::terminal::size().ok();
                if now != size
                    && let Some((width, height)) = now
                {
                    size = now;
                    let _ = resize.send(TerminalSize { width, height }).await;
                }
            }
        }
    };
    // Output ended first: the status is usually just behind it.
    let ended = match ended {
        Some(s) => Some(s),
        None => tokio::time::timeout(std::time::Duration::from_secs(1), &mut status)
            .await
            .ok(),
    };
    // Output still in flight after the status.
    while let Ok(Ok(n)) =
        tokio::time::timeout(std::time::Duration::from_millis(50), stdout.read(&mut buf)).await
    {
        if n == 0 {
            break;
        }
        let _ = out.write_all(&buf[..n]);
    }
    let _ = out.flush();
    Ok(outcome(ended.flatten()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_the_bytes_a_terminal_sends() {
        let k = |code, m| KeyEvent::new(code, m);
        assert_eq!(key_bytes(&k(KeyCode::Char('a'), KeyModifiers::NONE)), b"a");
        assert_eq!(
            key_bytes(&k(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            [3]
        );
        assert_eq!(
            key_bytes(&k(KeyCode::Char('é'), KeyModifiers::NONE)),
            "é".as_bytes()
        );
        assert_eq!(key_bytes(&k(KeyCode::Enter, KeyModifiers::NONE)), b"\r");
        assert_eq!(key_bytes(&k(KeyCode::Up, KeyModifiers::NONE)), b"\x1b[A");
        assert_eq!(
            key_bytes(&k(KeyCode::Char('b'), KeyModifiers::ALT)),
            b"\x1bb"
        );
    }
}
