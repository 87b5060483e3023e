//! Runs k9s plugins: the program with its arguments as a list (no shell unless the plugin names one), the
//! k9s variables added to the environment tug itself was given (tug adds no credentials of its own). A
//! background plugin runs on a task and answers with its output; a foreground one gets the terminal
//! (`Screen::run_plugin`).

use std::process::Stdio;

use tokio::sync::mpsc;

use crate::app::{AppEvent, PluginRun};

/// Output beyond this is cut (the end is kept: that is where errors are).
const MAX_OUTPUT: usize = 4 << 20;

/// The command as `std::process` runs it.
pub fn command(run: &PluginRun) -> std::process::Command {
    let mut c = std::process::Command::new(&run.command);
    c.args(&run.args).envs(&run.env);
    c
}

/// What a finished process printed, stdout then stderr, at most `MAX_OUTPUT` bytes.
fn text(out: &std::process::Output) -> String {
    let mut all = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.stderr.is_empty() {
        all.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    if all.len() > MAX_OUTPUT {
        let mut cut = all.len() - MAX_OUTPUT;
        while !all.is_char_boundary(cut) {
            cut += 1;
        }
        all = format!("[… the first {cut} bytes were cut]\n{}", &all[cut..]);
    }
    all
}

/// Starts a background plugin; the app hears `PluginDone` when it ends.
pub fn spawn_background(run: PluginRun, events: &mpsc::UnboundedSender<AppEvent>) {
    let events = events.clone();
    tokio::spawn(async move {
        let mut c = tokio::process::Command::from(command(&run));
        c.stdin(Stdio::null());
        let (output, code) = match c.output().await {
            Ok(out) => (text(&out), out.status.code()),
            Err(e) => (format!("cannot run {}: {e}", run.command), None),
        };
        let _ = events.send(AppEvent::PluginDone {
            title: run.title,
            output,
            code,
        });
    });
}
