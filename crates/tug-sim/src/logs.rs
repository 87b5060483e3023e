//! Generated container logs: deterministic, computed lazily by line index, so a pod that has run for days
//! (or 10,000 of them) costs nothing until someone reads its logs. Line `i` of a container instance is
//! written at `start + i·period + jitter(i)`, which makes "which lines exist at time t" a division.
//!
//! The content follows the image: nginx access logs, redis, postgres, coredns, envoy, JSON app logs, logfmt;
//! `payments` crashes (its last line is the fatal error); images named `chaos-logger` emit ANSI escapes,
//! invalid UTF-8, `\r` and 1 MB lines, and `flood-logger` thousands of lines per second (for the TUI's tests).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;

use super::controllers::{fnv1a, fnv1a_more};

/// Lines kept by the "runtime" per container, as if older ones had been rotated away.
const ROTATED_AFTER: u64 = 5_000;
/// How often a follow stream checks that its container still exists.
const ALIVE_CHECK: Duration = Duration::from_secs(1);
/// Bytes per chunk sent to the client.
const CHUNK: usize = 64 * 1024;
/// A crash-looping container writes this many lines and then dies (the last one says why).
const CRASH_LINES: u64 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Nginx,
    Redis,
    Postgres,
    CoreDns,
    Envoy,
    JsonApp,
    Logfmt,
    Crash,
    Task,
    Chaos,
    Flood,
}

impl Flavor {
    fn of(image: &str) -> Self {
        let has = |s: &str| image.contains(s);
        if has("chaos-logger") {
            Self::Chaos
        } else if has("flood-logger") {
            Self::Flood
        } else if has("payments") {
            Self::Crash
        } else if has("nginx") {
            Self::Nginx
        } else if has("redis") {
            Self::Redis
        } else if has("postgres") {
            Self::Postgres
        } else if has("coredns") {
            Self::CoreDns
        } else if has("envoy") {
            Self::Envoy
        } else if has("shop-backend") || has("importer") || has("recommender") {
            Self::JsonApp
        } else if has("busybox") || has("migrations") || has("reports") {
            Self::Task
        } else {
            Self::Logfmt
        }
    }

    /// Mean time between lines.
    fn period(self) -> Duration {
        match self {
            Self::Flood => Duration::from_millis(1),
            Self::Crash => Duration::from_millis(300),
            Self::Nginx | Self::CoreDns => Duration::from_millis(1_200),
            _ => Duration::from_millis(2_000),
        }
    }
}

/// One container instance's log.
#[derive(Debug, Clone)]
pub struct LogSource {
    key: u64,
    instance: u32,
    flavor: Flavor,
    pod: String,
    container: String,
    start: jiff::Timestamp,
    end: Option<jiff::Timestamp>,
}

impl LogSource {
    #[allow(clippy::too_many_arguments)] // the identity of a container instance has this many parts
    pub fn new(
        seed: u64,
        namespace: &str,
        pod: &str,
        container: &str,
        image: &str,
        instance: u32,
        start: jiff::Timestamp,
        end: Option<jiff::Timestamp>,
    ) -> Self {
        let mut key = fnv1a(&seed.to_le_bytes());
        for part in [namespace, pod, container] {
            key = fnv1a_more(fnv1a_more(key, part.as_bytes()), b"/");
        }
        key = fnv1a_more(key, &instance.to_le_bytes());
        Self {
            key,
            instance,
            flavor: Flavor::of(image),
            pod: pod.to_string(),
            container: container.to_string(),
            start,
            end,
        }
    }

    fn period_ns(&self) -> i128 {
        self.flavor.period().as_nanos() as i128
    }

    fn rand(&self, i: u64, salt: u64) -> u64 {
        // splitmix-style finaliser over (key, i, salt): cheap and well spread.
        let mut z = self.key
            ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ salt.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// When line `i` is written.
    pub fn time_of(&self, i: u64) -> jiff::Timestamp {
        let p = self.period_ns();
        let jitter = (self.rand(i, 1) % p.max(1) as u64) as i128;
        let ns = self.start.as_nanosecond() + i as i128 * p + jitter;
        jiff::Timestamp::from_nanosecond(ns).unwrap_or(self.start)
    }

    /// Number of lines written at or before `t` (and before the instance ended).
    pub fn count_at(&self, t: jiff::Timestamp) -> u64 {
        let t = match self.end {
            Some(end) if end < t => end,
            _ => t,
        };
        if t < self.start {
            return 0;
        }
        let p = self.period_ns().max(1);
        let n = ((t.as_nanosecond() - self.start.as_nanosecond()) / p) as u64;
        let n = n + u64::from(self.time_of(n) <= t);
        match self.flavor {
            Flavor::Crash => n.min(CRASH_LINES),
            _ => n,
        }
    }

    /// No line after `i` will ever be written.
    fn exhausted(&self, i: u64) -> bool {
        self.flavor == Flavor::Crash && i >= CRASH_LINES
    }

    /// Line `i`, without its newline.
    pub fn line(&self, i: u64) -> Vec<u8> {
        let t = self.time_of(i);
        let r = |salt| self.rand(i, salt);
        let pick =
            |salt, options: &[&'static str]| options[(r(salt) % options.len() as u64) as usize];
        let ip = format!("10.244.{}.{}", r(2) % 3, 2 + r(3) % 250);
        let trace = format!("{:016x}{:016x}", r(4), r(5));
        let ms = 1 + r(6) % 250;
        let path = pick(
            7,
            &[
                "/",
                "/api/products",
                "/api/cart",
                "/api/checkout",
                "/healthz",
                "/static/app.js",
                "/api/products/42",
                "/favicon.ico",
            ],
        );
        let method = pick(8, &["GET", "GET", "GET", "POST", "GET", "PUT"]);
        let status = pick(9, &["200", "200", "200", "200", "304", "201", "404", "500"]);
        match self.flavor {
            Flavor::Nginx => {
                if i < 4 {
                    return [
                        "/docker-entrypoint.sh: Configuration complete; ready for start up",
                        "2026/01/01 00:00:00 [notice] 1#1: using the \"epoll\" event method",
                        "2026/01/01 00:00:00 [notice] 1#1: nginx/1.27.3",
                        "2026/01/01 00:00:00 [notice] 1#1: start worker processes",
                    ][i as usize]
                        .as_bytes()
                        .to_vec();
                }
                let stamp = t.strftime("%d/%b/%Y:%H:%M:%S +0000");
                format!("{ip} - - [{stamp}] \"{method} {path} HTTP/1.1\" {status} {} \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"", 200 + r(10) % 40_000).into_bytes()
            }
            Flavor::Redis => {
                let stamp = t.strftime("%d %b %Y %H:%M:%S%.3f");
                let msg = pick(
                    11,
                    &[
                        "* 100 changes in 300 seconds. Saving...",
                        "* Background saving started by pid 47",
                        "* DB saved on disk",
                        "* Fork CoW for RDB: current 1 MB, peak 1 MB, average 0 MB",
                        "* Background saving terminated with success",
                    ],
                );
                format!("1:M {stamp} {msg}").into_bytes()
            }
            Flavor::Postgres => {
                let stamp = t.strftime("%Y-%m-%d %H:%M:%S%.3f UTC");
                let msg = pick(
                    12,
                    &[
                        "LOG:  checkpoint starting: time",
                        "LOG:  checkpoint complete: wrote 42 buffers (0.3%); 0 WAL file(s) added, 0 removed, 0 recycled",
                        "LOG:  connection received: host=10.244.1.12 port=51532",
                        "LOG:  connection authorized: user=shop database=shop application_name=backend",
                        "ERROR:  duplicate key value violates unique constraint \"orders_pkey\"",
                    ],
                );
                format!("{stamp} [{}] {msg}", 40 + r(13) % 400).into_bytes()
            }
            Flavor::CoreDns => {
                let name = pick(
                    14,
                    &[
                        "backend.shop.svc.cluster.local.",
                        "redis.shop.svc.cluster.local.",
                        "postgres.shop.svc.cluster.local.",
                        "api.example.com.",
                    ],
                );
                format!("[INFO] {ip}:{} - {} \"A IN {name} udp 52 false 512\" NOERROR qr,aa,rd 104 0.000{ms:03}s", 30_000 + r(15) % 30_000, r(16) % 65_536).into_bytes()
            }
            Flavor::Envoy => {
                let stamp = t.strftime("%Y-%m-%d %H:%M:%S%.3f");
                format!("[{stamp}][1][info][upstream] cds: added/updated {} cluster(s), skipped {} unmodified cluster(s)", 1 + r(17) % 3, r(18) % 5).into_bytes()
            }
            Flavor::JsonApp => {
                let level = pick(19, &["info", "info", "info", "debug", "warn", "error"]);
                let msg = match level {
                    "warn" => "slow query",
                    "error" => "upstream request failed",
                    _ => "request completed",
                };
                format!(
                    "{{\"time\":\"{}\",\"level\":\"{level}\",\"msg\":\"{msg}\",\"method\":\"{method}\",\"path\":\"{path}\",\"status\":{status},\"duration_ms\":{ms},\"trace_id\":\"{trace}\"}}",
                    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
                )
                .into_bytes()
            }
            Flavor::Logfmt => {
                let level = pick(20, &["info", "info", "info", "debug", "warn"]);
                let msg = pick(
                    21,
                    &[
                        "Completed loading of configuration file",
                        "Compaction completed",
                        "HTTP request",
                        "Rule evaluation finished",
                        "Scrape completed",
                    ],
                );
                format!("ts={} caller=main.go:{} level={level} component={} msg=\"{msg}\" duration={ms}ms",
                    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"), 100 + r(22) % 900, self.container).into_bytes()
            }
            Flavor::Task => {
                let step = pick(
                    23,
                    &[
                        "processed batch",
                        "scanned directory",
                        "wrote rows",
                        "uploaded chunk",
                        "checkpoint saved",
                    ],
                );
                format!(
                    "{} {step} #{i} ({} items)",
                    t.strftime("%H:%M:%S"),
                    r(24) % 1000
                )
                .into_bytes()
            }
            Flavor::Crash => {
                let attempt = self.instance + 1;
                let line = match i {
                    0 => format!(
                        "starting payments service v1.8.0 (pod {}, attempt #{attempt})",
                        self.pod
                    ),
                    1 => "loading configuration from /etc/payments/config.yaml".to_string(),
                    2 => "connecting to database postgres:5432/payments".to_string(),
                    n if n + 1 < CRASH_LINES => format!(
                        "database not reachable, retrying ({}/{})",
                        n - 2,
                        CRASH_LINES - 4
                    ),
                    _ => format!(
                        "panic: dial tcp 10.96.0.12:5432: connect: connection refused (attempt #{attempt})"
                    ),
                };
                line.into_bytes()
            }
            Flavor::Flood => format!("flood line {i} level=debug value={}", r(25)).into_bytes(),
            Flavor::Chaos => match i % 10 {
                0 => b"\x1b[31mERROR\x1b[0m red alert \x1b[1;32mgreen bold\x1b[0m".to_vec(),
                1 => b"cursor games \x1b[2J\x1b[H\x1b[10;10Hmoved \x1b]0;title\x07 done".to_vec(),
                2 => b"invalid utf-8: \xff\xfe\xc3\x28 end".to_vec(),
                3 => b"progress 10%\rprogress 50%\rprogress 100%".to_vec(),
                4 if i % 50 == 4 => {
                    let mut v = format!("huge line {i}: ").into_bytes();
                    v.resize(1024 * 1024, b'x');
                    v
                }
                5 => "tabs\tand\tunicode: caf\u{e9} \u{1f680} \u{202e}reversed"
                    .as_bytes()
                    .to_vec(),
                _ => format!("chaos line {i}").into_bytes(),
            },
        }
    }
}

/// What the client asked for (`pods/log` query parameters).
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    pub follow: bool,
    pub tail_lines: Option<i64>,
    pub since_seconds: Option<i64>,
    pub since_time: Option<jiff::Timestamp>,
    pub timestamps: bool,
    pub limit_bytes: Option<i64>,
}

/// RFC 3339 with nanoseconds, as the kubelet prefixes lines with `timestamps=true`.
fn stamp(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S.%fZ").to_string()
}

/// Lines `from..to` as one buffer each per ~64 KiB.
fn render(source: &LogSource, range: std::ops::Range<u64>, timestamps: bool, out: &mut Vec<u8>) {
    for i in range {
        if timestamps {
            out.extend_from_slice(stamp(source.time_of(i)).as_bytes());
            out.push(b' ');
        }
        out.extend_from_slice(&source.line(i));
        out.push(b'\n');
    }
}

/// The body of a `pods/log` response: the existing lines (per tail/since), then, when following, each new
/// line as it is written, until the instance ends or `alive` says the container is gone.
pub fn log_stream(
    source: LogSource,
    opts: LogOptions,
    alive: Arc<dyn Fn() -> bool + Send + Sync>,
) -> impl Stream<Item = Bytes> + Send + 'static {
    async_stream::stream! {
        let now = jiff::Timestamp::now();
        let total = source.count_at(now);
        let mut first = total.saturating_sub(ROTATED_AFTER);
        let since = opts
            .since_seconds
            .map(|s| now - jiff::SignedDuration::from_secs(s.max(0)))
            .or(opts.since_time);
        if let Some(since) = since {
            let before = since.checked_sub(jiff::SignedDuration::from_nanos(1)).unwrap_or(since);
            first = first.max(source.count_at(before));
        }
        if let Some(tail) = opts.tail_lines.filter(|t| *t >= 0) {
            first = first.max(total.saturating_sub(tail as u64));
        }
        let mut budget = opts.limit_bytes.filter(|l| *l > 0).map(|l| l as usize);
        let mut i = first;
        let mut buf = Vec::with_capacity(CHUNK);
        while i < total {
            let end = (i + 256).min(total);
            render(&source, i..end, opts.timestamps, &mut buf);
            i = end;
            if buf.len() >= CHUNK || i == total {
                if let Some(left) = budget.as_mut() {
                    if buf.len() >= *left {
                        buf.truncate(*left);
                        yield Bytes::from(std::mem::take(&mut buf));
                        return;
                    }
                    *left -= buf.len();
                }
                yield Bytes::from(std::mem::take(&mut buf));
            }
        }
        if !opts.follow || source.end.is_some_and(|e| e <= now) {
            return;
        }
        loop {
            if source.exhausted(i) {
                return;
            }
            let next_at = source.time_of(i);
            let wait = next_at.duration_since(jiff::Timestamp::now()).unsigned_abs().min(ALIVE_CHECK);
            if next_at > jiff::Timestamp::now() {
                tokio::time::sleep(wait).await;
            }
            if !alive() {
                return;
            }
            let now = jiff::Timestamp::now();
            let upto = source.count_at(now);
            if upto > i {
                // Everything written since the last wake-up goes out together (a flood stays one chunk per wake).
                render(&source, i..upto, opts.timestamps, &mut buf);
                i = upto;
                if let Some(left) = budget.as_mut() {
                    if buf.len() >= *left {
                        buf.truncate(*left);
                        yield Bytes::from(std::mem::take(&mut buf));
                        return;
                    }
                    *left -= buf.len();
                }
                yield Bytes::from(std::mem::take(&mut buf));
            }
            if source.end.is_some_and(|e| e <= now) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    fn source(image: &str, start_secs_ago: i64) -> LogSource {
        let start = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(start_secs_ago);
        LogSource::new(1, "shop", "web-1", "nginx", image, 0, start, None)
    }

    async fn collect(source: LogSource, opts: LogOptions) -> String {
        let chunks: Vec<Bytes> = log_stream(source, opts, Arc::new(|| true)).collect().await;
        String::from_utf8_lossy(&chunks.concat()).into_owned()
    }

    #[test]
    fn the_same_identity_gives_the_same_lines() {
        let start = jiff::Timestamp::from_second(1_700_000_000).unwrap();
        let a = LogSource::new(1, "shop", "p", "c", "nginx:1", 0, start, None);
        let b = LogSource::new(1, "shop", "p", "c", "nginx:1", 0, start, None);
        let c = LogSource::new(2, "shop", "p", "c", "nginx:1", 0, start, None);
        assert_eq!(a.line(10), b.line(10));
        assert_eq!(a.time_of(10), b.time_of(10));
        assert_ne!(a.line(10), c.line(10));
    }

    #[test]
    fn line_times_increase_and_count_agrees_with_them() {
        let s = source("redis:7", 3600);
        for i in 0..500 {
            assert!(s.time_of(i) < s.time_of(i + 1));
            assert_eq!(s.count_at(s.time_of(i)), i + 1, "line {i}");
        }
    }

    #[tokio::test]
    async fn tail_and_timestamps() {
        let out = collect(
            source("nginx:1.27", 600),
            LogOptions {
                tail_lines: Some(5),
                timestamps: true,
                ..Default::default()
            },
        )
        .await;
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 5);
        for l in lines {
            let (ts, _) = l.split_once(' ').unwrap();
            assert!(ts.parse::<jiff::Timestamp>().is_ok(), "{ts}");
            // Go's RFC3339Nano: up to nine fraction digits, trailing zeros dropped.
            let fraction = ts
                .split_once('.')
                .map(|(_, f)| f.trim_end_matches('Z'))
                .unwrap_or_default();
            assert!(fraction.len() <= 9 && !fraction.ends_with('0'), "{ts}");
        }
    }

    #[tokio::test]
    async fn since_seconds_keeps_only_recent_lines() {
        let all = collect(source("redis:7", 600), LogOptions::default())
            .await
            .lines()
            .count();
        let recent = collect(
            source("redis:7", 600),
            LogOptions {
                since_seconds: Some(60),
                ..Default::default()
            },
        )
        .await
        .lines()
        .count();
        assert!(all > 250, "{all}");
        assert!((20..=40).contains(&recent), "{recent}");
    }

    #[tokio::test]
    async fn limit_bytes_truncates() {
        let out = collect(
            source("redis:7", 600),
            LogOptions {
                limit_bytes: Some(100),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(out.len(), 100);
    }

    #[tokio::test]
    async fn follow_delivers_new_lines_until_the_container_is_gone() {
        let alive = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let flag = alive.clone();
        let stream = log_stream(
            source("flood-logger", 1),
            LogOptions {
                follow: true,
                tail_lines: Some(0),
                ..Default::default()
            },
            Arc::new(move || flag.load(std::sync::atomic::Ordering::SeqCst)),
        );
        futures::pin_mut!(stream);
        let first = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .unwrap()
            .unwrap();
        assert!(String::from_utf8_lossy(&first).starts_with("flood line"));
        alive.store(false, std::sync::atomic::Ordering::SeqCst);
        let rest = tokio::time::timeout(Duration::from_secs(5), async {
            while stream.next().await.is_some() {}
        })
        .await;
        assert!(rest.is_ok(), "the stream ends once the container is gone");
    }

    #[test]
    fn a_crashing_instance_ends_with_its_fatal_error() {
        let start = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(60);
        let s = LogSource::new(
            1,
            "shop",
            "payments-x",
            "payments",
            "ghcr.io/tug-demo/payments:1.8.0",
            3,
            start,
            None,
        );
        assert_eq!(s.count_at(jiff::Timestamp::now()), CRASH_LINES);
        let last = String::from_utf8(s.line(CRASH_LINES - 1)).unwrap();
        assert!(
            last.starts_with("panic:") && last.contains("attempt #4"),
            "{last}"
        );
    }
}
