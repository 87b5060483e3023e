//! The clipboard: OSC 52 (the terminal sets its clipboard; works over SSH, and inside tmux with
//! `set-clipboard on`; a terminal without it ignores the sequence, which is not an error) and, where one is
//! installed, a local clipboard tool too. Runs the tool off the UI loop.

use std::io::Write as _;
use std::process::{Command, Stdio};

use base64::Engine as _;

/// The OSC 52 sequence that sets the clipboard (`c`) to `text`.
pub fn osc52(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{encoded}\x07")
}

/// The local tools tried, in order, with what says the session can use each (a display server for the
/// X11/Wayland ones; none for macOS's).
const TOOLS: &[(&str, &[&str], Option<&str>)] = &[
    ("wl-copy", &[], Some("WAYLAND_DISPLAY")),
    ("xclip", &["-selection", "clipboard"], Some("DISPLAY")),
    ("xsel", &["--clipboard", "--input"], Some("DISPLAY")),
    ("pbcopy", &[], None),
];

/// Hands `text` to the first local clipboard tool that runs; none found is fine (OSC 52 was sent).
pub fn to_local_tool(text: &str) {
    for (tool, args, needs) in TOOLS {
        if needs.is_some_and(|var| std::env::var_os(var).is_none()) {
            continue;
        }
        let Ok(mut child) = Command::new(tool)
            .args(*args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        else {
            continue;
        };
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(text.as_bytes());
        }
        // wl-copy and xclip stay behind to serve the selection; they detach themselves, so this returns.
        let _ = child.wait();
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_carries_the_text_in_base64() {
        assert_eq!(osc52("shop/web"), "\x1b]52;c;c2hvcC93ZWI=\x07");
    }
}
