//! `pods/portforward` into small responders that stand in for what a container listens on: HTTP (an
//! nginx-looking page for nginx images, JSON otherwise), Redis on 6379. Spoken three ways: WebSocket channels
//! (`v4.channel.k8s.io`, kube-rs), and SPDY streams (kubectl) tunnelled in WebSocket
//! (`SPDY/3.1+portforward.k8s.io`) or over a POST upgrade (`Upgrade: SPDY/3.1`). Must not touch the host
//! network.

use std::collections::HashMap;

use axum::extract::ws::{Message, WebSocket};
use bytes::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::spdy::{self, Frame, Session};

fn frame(channel: u8, data: &[u8]) -> Message {
    let mut v = Vec::with_capacity(data.len() + 1);
    v.push(channel);
    v.extend_from_slice(data);
    Message::Binary(Bytes::from(v))
}

/// What listens on a forwarded port: a tiny HTTP server, or Redis for the Redis port.
pub struct PortResponder {
    port: u16,
    pod: String,
    image: String,
    buf: Vec<u8>,
}

impl PortResponder {
    pub fn new(port: u16, pod: &str, image: &str) -> Self {
        Self {
            port,
            pod: pod.to_string(),
            image: image.to_string(),
            buf: Vec::new(),
        }
    }

    /// Bytes from the client in; whatever the "server" answers out.
    pub fn feed(&mut self, data: &[u8]) -> Vec<u8> {
        self.buf.extend_from_slice(data);
        let mut out = Vec::new();
        if self.port == 6379 || self.image.contains("redis") {
            while let Some(end) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=end).collect();
                let text = String::from_utf8_lossy(&line).trim().to_ascii_uppercase();
                // Inline commands only (what `redis-cli` sends is RESP arrays; their command lines reply too).
                if text.starts_with('*') || text.starts_with('$') {
                    continue;
                }
                out.extend_from_slice(if text == "PING" {
                    b"+PONG\r\n"
                } else {
                    b"+OK\r\n"
                });
            }
            return out;
        }
        while let Some(end) = find(&self.buf, b"\r\n\r\n") {
            let head: Vec<u8> = self.buf.drain(..end + 4).collect();
            let head = String::from_utf8_lossy(&head).into_owned();
            let body_len = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            let take = body_len.min(self.buf.len());
            self.buf.drain(..take);
            let mut parts = head.split_whitespace();
            let (method, path) = (parts.next().unwrap_or("GET"), parts.next().unwrap_or("/"));
            let (ctype, body) = if self.image.contains("nginx") {
                (
                    "text/html",
                    "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n".to_string(),
                )
            } else {
                (
                    "application/json",
                    format!(
                        "{}\n",
                        json!({"status": "ok", "pod": self.pod, "method": method, "path": path, "port": self.port})
                    ),
                )
            };
            let body = if method == "HEAD" {
                String::new()
            } else {
                body
            };
            out.extend_from_slice(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nServer: tug-sim\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
        out
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `pods/portforward` over WebSocket (what kube-rs speaks): port `i` uses data channel `2i` and error channel
/// `2i+1`; the server first writes each channel's port number (little-endian u16) on it.
pub async fn serve_portforward(mut socket: WebSocket, ports: Vec<u16>, pod: String, image: String) {
    let mut responders: Vec<PortResponder> = ports
        .iter()
        .map(|p| PortResponder::new(*p, &pod, &image))
        .collect();
    for (i, port) in ports.iter().enumerate() {
        for ch in [2 * i, 2 * i + 1] {
            let Ok(ch) = u8::try_from(ch) else { return };
            if socket.send(frame(ch, &port.to_le_bytes())).await.is_err() {
                return;
            }
        }
    }
    while let Some(Ok(msg)) = socket.recv().await {
        let Message::Binary(data) = msg else {
            if matches!(msg, Message::Close(_)) {
                return;
            }
            continue;
        };
        let Some((&ch, payload)) = data.split_first() else {
            continue;
        };
        let Some(responder) = responders
            .get_mut(usize::from(ch / 2))
            .filter(|_| ch % 2 == 0)
        else {
            continue;
        };
        let reply = responder.feed(payload);
        if !reply.is_empty() && socket.send(frame(ch, &reply)).await.is_err() {
            return;
        }
    }
}

/// What a SPDY port-forward reaches: the pod, and the ports its containers declare (`None`: it declares none,
/// so every port answers).
pub struct Target {
    pub pod: String,
    pub uid: String,
    pub image: String,
    pub open_ports: Option<Vec<u16>>,
}

impl Target {
    fn is_open(&self, port: u16) -> bool {
        self.open_ports.as_ref().is_none_or(|p| p.contains(&port))
    }

    /// What the kubelet (through containerd) writes on the error stream when nothing listens on `port`.
    fn refused(&self, port: u16) -> String {
        format!(
            "error forwarding port {port} to pod {uid}, uid : failed to execute portforward in network namespace \"/var/run/netns/cni-{uid}\": failed to connect to localhost:{port} inside namespace \"{uid}\", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused ",
            uid = self.uid
        )
    }
}

/// The byte pipe a SPDY session runs over.
pub enum Tunnel {
    /// WebSocket binary messages carry the SPDY byte stream, cut anywhere.
    WebSocket(Box<WebSocket>),
    /// The connection itself, after `101 Switching Protocols`.
    Upgraded(TokioIo<hyper::upgrade::Upgraded>),
}

impl Tunnel {
    async fn recv(&mut self, buf: &mut [u8]) -> Option<Vec<u8>> {
        match self {
            Self::WebSocket(ws) => loop {
                match ws.recv().await? {
                    Ok(Message::Binary(b)) => return Some(b.to_vec()),
                    Ok(Message::Close(_)) | Err(_) => return None,
                    Ok(_) => {}
                }
            },
            Self::Upgraded(io) => match io.read(buf).await {
                Ok(0) | Err(_) => None,
                Ok(n) => Some(buf[..n].to_vec()),
            },
        }
    }

    async fn send(&mut self, bytes: Vec<u8>) -> bool {
        if bytes.is_empty() {
            return true;
        }
        match self {
            Self::WebSocket(ws) => ws.send(Message::Binary(Bytes::from(bytes))).await.is_ok(),
            Self::Upgraded(io) => io.write_all(&bytes).await.is_ok() && io.flush().await.is_ok(),
        }
    }
}

/// One forwarded connection: kubectl's error and data streams for a port, paired by `requestID`.
#[derive(Default)]
struct Pair {
    error: Option<u32>,
    data: Option<u32>,
    port: u16,
    responder: Option<PortResponder>,
}

/// Serves kubectl's port-forward protocol (`portforward.k8s.io`) on a SPDY session: each SYN_STREAM is
/// answered; once a connection's data stream arrives, its bytes go to the port's responder, or, for a port
/// nothing listens on, `connection refused` goes on its error stream and both streams close.
pub async fn serve_spdy(mut tunnel: Tunnel, target: Target) {
    let mut session = Session::new();
    let mut pairs: HashMap<String, Pair> = HashMap::new();
    let mut buf = vec![0u8; 16 * 1024];
    while let Some(bytes) = tunnel.recv(&mut buf).await {
        session.feed(&bytes);
        loop {
            let frame = match session.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!("port-forward session ends: {e}");
                    return;
                }
            };
            let mut out = Vec::new();
            match frame {
                Frame::SynStream { id, headers, .. } => {
                    out.extend(session.syn_reply(id));
                    let get = |k: &str| {
                        headers
                            .iter()
                            .find(|(n, _)| n == k)
                            .map(|(_, v)| v.as_str())
                            .unwrap_or_default()
                    };
                    let port = get("port").parse::<u16>().unwrap_or(0);
                    let pair = pairs.entry(get("requestid").to_string()).or_default();
                    pair.port = port;
                    match get("streamtype") {
                        "error" => pair.error = Some(id),
                        "data" => pair.data = Some(id),
                        _ => {}
                    }
                    if let (Some(err), Some(data), None) = (pair.error, pair.data, &pair.responder)
                    {
                        if target.is_open(port) && port != 0 {
                            pair.responder =
                                Some(PortResponder::new(port, &target.pod, &target.image));
                        } else {
                            out.extend(spdy::data(err, target.refused(port).as_bytes(), true));
                            out.extend(spdy::data(data, &[], true));
                        }
                    }
                }
                Frame::Data { id, data, fin } => {
                    if fin {
                        // The connection's bytes are all in: answer them, close both streams, forget it.
                        pairs.retain(|_, p| {
                            if p.data != Some(id) {
                                return true;
                            }
                            if let Some(r) = p.responder.as_mut() {
                                let reply = r.feed(&data);
                                if !reply.is_empty() {
                                    out.extend(spdy::data(id, &reply, false));
                                }
                            }
                            out.extend(spdy::data(id, &[], true));
                            if let Some(err) = p.error {
                                out.extend(spdy::data(err, &[], true));
                            }
                            false
                        });
                    } else if let Some(r) = pairs
                        .values_mut()
                        .find(|p| p.data == Some(id))
                        .and_then(|p| p.responder.as_mut())
                    {
                        let reply = r.feed(&data);
                        if !reply.is_empty() {
                            out.extend(spdy::data(id, &reply, false));
                        }
                    }
                }
                Frame::RstStream { id } => {
                    pairs.retain(|_, p| p.data != Some(id) && p.error != Some(id));
                }
                Frame::Ping(n) => out.extend(spdy::ping(n)),
                Frame::Other => {}
            }
            if !tunnel.send(out).await {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_responder_answers_http_and_redis() {
        let mut http = PortResponder::new(80, "web-0", "nginx:1.27");
        assert!(
            http.feed(b"GET / HTTP/1.1\r\nHost: x\r\n").is_empty(),
            "waits for the full head"
        );
        let reply = String::from_utf8(http.feed(b"\r\n")).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200 OK\r\n") && reply.contains("Welcome to nginx!"));
        let mut redis = PortResponder::new(6379, "redis-0", "redis:7.4");
        assert_eq!(redis.feed(b"PING\r\n"), b"+PONG\r\n");
    }
}
