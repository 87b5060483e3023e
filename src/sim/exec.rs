//! placeholder
// TEMPORARY STUB by the lead so the crate compiles; helper-2 replaces this whole file.
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
}
pub const EXEC_PROTOCOLS: &[&str] = &["v5.channel.k8s.io", "v4.channel.k8s.io"];
pub async fn serve_exec(
    _socket: axum::extract::ws::WebSocket,
    _protocol: Option<String>,
    _session: ExecSession,
) {
}
