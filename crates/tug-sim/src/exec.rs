//! `pods/exec` and `attach` over WebSocket: the Kubernetes remotecommand channel protocols
//! (`v5.channel.k8s.io`, `v4.channel.k8s.io`), wired to the built-in shell.
//!
//! Frames are binary; the first byte is the channel: 0 stdin, 1 stdout, 2 stderr, 3 status (a JSON `Status`
//! sent once, at exit), 4 terminal resize (`{"Width":..,"Height":..}`), and in v5 255 = "close stream n".

use axum::extract::ws::{Message, WebSocket};
use serde_json::json;

use super::shell::{Chunk, Shell, ShellContext};

pub const EXEC_PROTOCOLS: &[&str] = &["v5.channel.k8s.io", "v4.channel.k8s.io"];

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const STATUS: u8 = 3;
const RESIZE: u8 = 4;
const CLOSE: u8 = 255;

/// How long the container runtime takes to start the process after the upgrade, as runc's exec does (tens of
/// milliseconds). Without it a command that exits at once answers within microseconds of the upgrade, and
/// client-go before 1.33 (kubectl 1.32) reads that frame before it has made its streams: it logs "Unknown
/// stream id 3, discarding message", loses the exit status and fails with "closed all streams".
const PROCESS_START: std::time::Duration = std::time::Duration::from_millis(100);

/// What the client asked to run, and where.
pub struct ExecSession {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub image: String,
    pub hostname: String,
    pub env: Vec<(String, String)>,
    pub command: Vec<String>,
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    pub tty: bool,
    /// The container's written files, shared with its other sessions.
    pub files: crate::shell::SharedOverlay,
}

/// The status the kubelet reports when the process exits, in the API server's words.
pub fn exit_status(command: &[String], code: i32) -> serde_json::Value {
    if code == 0 {
        return json!({"metadata": {}, "status": "Success"});
    }
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!(
            "command terminated with non-zero exit code: error executing command [{}], exit code {code}",
            command.join(" ")
        ),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
    })
}

fn not_found_status(program: &str) -> serde_json::Value {
    let message = format!(
        "Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: \
         OCI runtime exec failed: exec failed: unable to start container process: exec: \"{program}\": executable file not found in $PATH: unknown"
    );
    json!({"metadata": {}, "status": "Failure", "message": message, "reason": "InternalError",
           "details": {"causes": [{"message": message}]}, "code": 500})
}

struct Conn {
    socket: WebSocket,
    tty: bool,
    stdout: bool,
    stderr: bool,
}

impl Conn {
    async fn send(&mut self, channel: u8, data: &[u8]) -> bool {
        let mut frame = Vec::with_capacity(data.len() + 1);
        frame.push(channel);
        frame.extend_from_slice(data);
        self.socket
            .send(Message::Binary(frame.into()))
            .await
            .is_ok()
    }

    /// A normal closure (1000): clients treat a close without a code as a broken stream.
    async fn close(&mut self) {
        let frame = axum::extract::ws::CloseFrame {
            code: axum::extract::ws::close_code::NORMAL,
            reason: "".into(),
        };
        let _ = self.socket.send(Message::Close(Some(frame))).await;
    }

    /// Sends what the shell produced; false if the client is gone.
    async fn emit(&mut self, chunks: Vec<Chunk>) -> bool {
        for chunk in chunks {
            let ok = match chunk {
                Chunk::Out(v) if self.stdout && !v.is_empty() => self.send(STDOUT, &v).await,
                // With a TTY, stderr is the terminal too.
                Chunk::Err(v) if self.tty && self.stdout && !v.is_empty() => {
                    self.send(STDOUT, &v).await
                }
                Chunk::Err(v) if self.stderr && !v.is_empty() => self.send(STDERR, &v).await,
                Chunk::Sleep(d) => {
                    tokio::time::sleep(d).await;
                    true
                }
                _ => true,
            };
            if !ok {
                return false;
            }
        }
        true
    }
}

/// Reads stdin frames until the client closes stdin (v5's CLOSE frame, or the socket's end); `None` if the
/// client went away without saying so under v4 (there is no EOF signal there: the process would hang).
async fn read_stdin(socket: &mut WebSocket, v5: bool) -> Option<Vec<u8>> {
    let mut data = vec![];
    loop {
        let frame = match socket.recv().await {
            Some(Ok(Message::Binary(b))) => b.to_vec(),
            Some(Ok(Message::Text(t))) => t.as_bytes().to_vec(),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                return (!v5).then_some(data);
            }
            Some(Ok(_)) => continue,
        };
        match frame.split_first() {
            Some((&STDIN, payload)) => data.extend_from_slice(payload),
            Some((&CLOSE, [STDIN, ..])) if v5 => return Some(data),
            _ => {}
        }
    }
}

pub async fn serve_exec(socket: WebSocket, protocol: Option<String>, session: ExecSession) {
    tokio::time::sleep(PROCESS_START).await;
    let v5 = protocol.as_deref() == Some("v5.channel.k8s.io");
    let mut conn = Conn {
        socket,
        tty: session.tty,
        stdout: session.stdout,
        stderr: session.stderr,
    };
    let ctx = ShellContext {
        namespace: session.namespace.clone(),
        pod: session.pod.clone(),
        container: session.container.clone(),
        image: session.image.clone(),
        hostname: session.hostname.clone(),
        env: session.env.clone(),
        files: session.files.clone(),
    };
    let mut shell = Shell::new(ctx, session.tty);
    let program = session.command.first().cloned().unwrap_or_default();
    let base = program.rsplit('/').next().unwrap_or(&program).to_string();
    // Distroless images have no shell and no tools at all.
    if !Shell::has_program(&base) || session.image.contains("distroless") {
        conn.send(STATUS, not_found_status(&program).to_string().as_bytes())
            .await;
        conn.close().await;
        return;
    }
    let mut interactive = matches!(base.as_str(), "sh" | "ash") && session.command.len() == 1;
    if !interactive {
        if session.stdin && Shell::reads_stdin(&session.command) {
            // `tar -xmf -` and friends read stdin to its end first (kubectl cp closes it when done).
            let Some(data) = read_stdin(&mut conn.socket, v5).await else {
                return;
            };
            shell.set_stdin(data);
        }
        let out = shell.run_argv(&session.command);
        if !conn.emit(out).await {
            return;
        }
        // `sh -c 'command -v bash && exec bash || exec sh'` (what shells-in-pods run): now an interactive shell.
        interactive = shell.became_shell() && shell.exit_code().is_none() && session.stdin;
    }
    if interactive {
        if session.tty && !conn.emit(vec![Chunk::Out(shell.prompt())]).await {
            return;
        }
        if !session.stdin {
            let out = shell.end_of_input();
            conn.emit(out).await;
        }
        while shell.exit_code().is_none() {
            let Some(Ok(msg)) = conn.socket.recv().await else {
                // The client went away: the process gets EOF and exits.
                return;
            };
            let data = match msg {
                Message::Binary(b) => b.to_vec(),
                // The Python client sends stdin and resize as text frames: the same channel byte, then data.
                Message::Text(t) => t.as_bytes().to_vec(),
                Message::Close(_) => return,
                _ => continue,
            };
            let Some((&channel, payload)) = data.split_first() else {
                continue;
            };
            let out = match channel {
                STDIN => shell.feed(payload),
                RESIZE => {
                    if let Ok(size) = serde_json::from_slice::<serde_json::Value>(payload) {
                        let dim = |k: &str| size[k].as_u64().and_then(|v| u16::try_from(v).ok());
                        if let (Some(w), Some(h)) = (dim("Width"), dim("Height")) {
                            shell.resize(w, h);
                        }
                    }
                    vec![]
                }
                CLOSE if v5 && payload.first() == Some(&STDIN) => shell.end_of_input(),
                _ => vec![],
            };
            if !conn.emit(out).await {
                return;
            }
        }
    }
    let code = shell.exit_code().unwrap_or_else(|| shell.status());
    conn.send(
        STATUS,
        exit_status(&session.command, code).to_string().as_bytes(),
    )
    .await;
    conn.close().await;
}
