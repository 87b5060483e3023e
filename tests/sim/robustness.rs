//! The sim never panics and always answers in the API's own terms: random paths, methods, queries and bodies
//! get a `Status` (4xx) or a success, never a 5xx, a hang or a dropped connection.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{TestSim, send};

const SEGMENTS: &[&str] = &[
    "api",
    "apis",
    "v1",
    "v2",
    "apps",
    "batch",
    "namespaces",
    "shop",
    "default",
    "pods",
    "deployments",
    "scale",
    "status",
    "log",
    "exec",
    "eviction",
    "configmaps",
    "nodes",
    "shop.example.com",
    "backups",
    "..",
    "%zz",
    "%00",
    "",
    "_sim",
    "version",
    "openapi",
    "v3",
    "watch",
    "LONG",
];
const QUERIES: &[&str] = &[
    "",
    "labelSelector=app%3Dweb",
    "labelSelector=a%20in%20(",
    "labelSelector=%3D%3D",
    "fieldSelector=nope%3Dx",
    "fieldSelector=metadata.name",
    "limit=-1",
    "limit=abc",
    "limit=2",
    "continue=garbage",
    "resourceVersion=abc",
    "resourceVersion=999999999",
    "resourceVersionMatch=Exact",
    "timeoutSeconds=1&watch=true",
    "watch=1&timeoutSeconds=0",
    "tailLines=-5",
    "sinceSeconds=x",
    "container=nope",
    "dryRun=All",
    "fieldManager=fuzz",
    "propagationPolicy=Sideways",
    "gracePeriodSeconds=-3",
    "pretty=true",
];
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/json-patch+json",
    "application/apply-patch+yaml",
    "application/vnd.kubernetes.protobuf",
    "text/plain",
];

fn random_body(rng: &mut ChaCha8Rng) -> Vec<u8> {
    match rng.random_range(0..8) {
        0 => Vec::new(),
        1 => (0..rng.random_range(1..200)).map(|_| rng.random()).collect(),
        2 => br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fz"#.to_vec(),
        3 => br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"fz-pod"},"spec":{"containers":"nope"}}"#.to_vec(),
        4 => br#"[{"op":"replace","path":"/spec/replicas","value":"many"}]"#.to_vec(),
        5 => b"kind: ConfigMap\napiVersion: v1\nmetadata: {name: [unclosed\n".to_vec(),
        6 => br#"{"metadata":{"name":null,"labels":{"a":{"b":1}}},"spec":{"replicas":-1}}"#.to_vec(),
        _ => {
            // Deeply nested JSON: must not overflow the stack.
            let depth = 5000;
            let mut v = "[".repeat(depth).into_bytes();
            v.extend("]".repeat(depth).bytes());
            v
        }
    }
}

#[tokio::test]
async fn random_requests_never_crash_the_sim_or_get_a_5xx() {
    let sim = TestSim::start().await;
    let client = sim.client().await;
    let mut rng = ChaCha8Rng::seed_from_u64(0x7u64);
    for i in 0..400 {
        let depth = rng.random_range(0..6);
        let mut path = String::new();
        for _ in 0..depth {
            path.push('/');
            let seg = SEGMENTS[rng.random_range(0..SEGMENTS.len())];
            path.push_str(&if seg == "LONG" {
                "x".repeat(300)
            } else {
                seg.to_string()
            });
        }
        if path.is_empty() {
            path.push('/');
        }
        let query = QUERIES[rng.random_range(0..QUERIES.len())];
        let uri = if query.is_empty() {
            path.clone()
        } else {
            format!("{path}?{query}")
        };
        let method = METHODS[rng.random_range(0..METHODS.len())];
        let ct = CONTENT_TYPES[rng.random_range(0..CONTENT_TYPES.len())];
        let body = random_body(&mut rng);
        let Ok(req) = http::Request::builder()
            .method(method)
            .uri(&uri)
            .header("content-type", ct)
            .body(body)
        else {
            continue; // not even a valid HTTP request line; nothing to send
        };
        let (code, body) = send(&client, req).await;
        // A list at a resourceVersion from the future is 504 Timeout, as a real server answers it.
        let future_version = code == 504 && uri.contains("resourceVersion=999999999");
        assert!(
            code < 500 || future_version,
            "request {i}: {method} {uri} ({ct}) → {code}: {}",
            String::from_utf8_lossy(&body)
        );
        if code >= 400 && method != "HEAD" {
            let status: serde_json::Value = serde_json::from_slice(&body)
                .unwrap_or_else(|e| panic!("{method} {uri} → {code} without a Status body ({e})"));
            assert_eq!(status["kind"], "Status", "{method} {uri}");
            assert_eq!(status["code"], code, "{method} {uri}");
        }
    }
    // Still healthy.
    let out = sim.kubectl_ok(&["get", "ns", "-o", "name"]).await;
    assert!(out.contains("namespace/default"), "{out}");
}

#[tokio::test]
async fn an_oversized_body_is_413_and_the_sim_keeps_serving() {
    let sim = TestSim::start().await;
    let client = sim.client().await;
    let mut big =
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"k":""#
            .to_vec();
    big.extend(std::iter::repeat_n(b'x', 8 * 1024 * 1024));
    big.extend(br#""}}"#);
    let req = http::Request::post("/api/v1/namespaces/default/configmaps")
        .header("content-type", "application/json")
        .body(big)
        .unwrap();
    let (code, body) = send(&client, req).await;
    assert_eq!(code, 413, "{}", String::from_utf8_lossy(&body));
    let status: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status["reason"], "RequestEntityTooLarge");
    sim.kubectl_ok(&["get", "ns"]).await;
}
