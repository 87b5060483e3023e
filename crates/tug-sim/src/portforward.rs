//! `pods/portforward` over WebSocket, as kube-rs speaks it, into small responders that stand in for what a
//! container listens on: HTTP (an nginx-looking page for nginx images, JSON otherwise), Redis on 6379.
//! Must not touch the host network.

use axum::extract::ws::{Message, WebSocket};
use bytes::Bytes;
use serde_json::json;

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
