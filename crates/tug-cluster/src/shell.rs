//! A shell in a container, through the exec API (kube's `ws` feature; no kubectl): opens the session and
//! hands back its stdin, stdout, resize channel and exit status. Must not touch the terminal: the binary's
//! runtime pumps keys and output (`src/runtime/shell.rs`).

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::api::{Api, AttachParams, TerminalSize};

use super::ClusterError;

/// bash when the image has it, else sh (what operators expect from "shell into a pod").
pub const SHELL: &str = "command -v bash >/dev/null && exec bash || exec sh";

/// An open exec or attach session: the runtime writes `stdin`, reads `stdout`, sends sizes on `resize`
/// and awaits `status` for how the remote process ended.
pub struct ShellSession {
    pub stdin: Box<dyn tokio::io::AsyncWrite + Send + Unpin>,
    pub stdout: Box<dyn tokio::io::AsyncRead + Send + Unpin>,
    pub resize: futures::channel::mpsc::Sender<TerminalSize>,
    pub status: std::pin::Pin<Box<dyn std::future::Future<Output = Option<Status>> + Send>>,
    /// Keeps the WebSocket task alive for as long as the session is used.
    pub process: kube::api::AttachedProcess,
}

/// Opens an interactive TTY session in `pod` (`container`, or the default one): a shell, or with `attach`
/// the container's main process (when it has a TTY and stdin).
pub async fn open(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    container: Option<&str>,
    attach: bool,
) -> Result<ShellSession, ClusterError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut params = AttachParams::interactive_tty();
    if let Some(c) = container {
        params = params.container(c);
    }
    let mut attached = if attach {
        pods.attach(pod, &params).await?
    } else {
        pods.exec(pod, vec!["sh", "-c", SHELL], &params).await?
    };
    let missing = |what: &str| ClusterError::Transport(format!("the exec session has no {what}"));
    let stdin = attached.stdin().ok_or_else(|| missing("stdin"))?;
    let stdout = attached.stdout().ok_or_else(|| missing("stdout"))?;
    let resize = attached
        .terminal_size()
        .ok_or_else(|| missing("resize channel"))?;
    let status = attached.take_status().ok_or_else(|| missing("status"))?;
    Ok(ShellSession {
        stdin: Box::new(stdin),
        stdout: Box::new(stdout),
        resize,
        status: Box::pin(status),
        process: attached,
    })
}

/// What to tell the user about how a session ended (`None`: the connection closed without a status).
pub fn outcome(status: Option<Status>) -> String {
    match status {
        Some(s) if s.status.as_deref() == Some("Success") => "shell exited (status 0)".into(),
        Some(s) => match s.message {
            Some(m) if m.contains("executable file not found") => {
                "no shell in this container's image (executable file not found)".into()
            }
            Some(m) => format!("shell exited: {m}"),
            None => "shell exited with a failure".into(),
        },
        None => "the shell's connection closed".into(),
    }
}
