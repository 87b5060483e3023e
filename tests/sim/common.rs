//! Shared fixtures for the sim's integration tests: a sim per test, `kubectl` pointed at it, a kube client,
//! and polling with a deadline (never fixed sleeps: CI machines are small and shared).

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use tug_sim::{self as sim, FaultSpec, SimHandle, SimOptions};

/// Generous: a loaded 2-core machine can be slow, but a healthy sim answers in well under a second.
pub const DEADLINE: Duration = Duration::from_secs(30);

pub struct TestSim {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
}

impl TestSim {
    pub async fn start() -> Self {
        Self::start_with(SimOptions::default()).await
    }

    pub async fn with_faults(spec: &str) -> Self {
        Self::start_with(SimOptions {
            faults: FaultSpec::parse(spec).expect("valid fault spec"),
            ..Default::default()
        })
        .await
    }

    pub async fn start_with(mut opts: SimOptions) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        opts.kubeconfig_out = Some(dir.path().join("kubeconfig"));
        let sim = sim::start(opts).await.expect("sim starts");
        Self { sim, dir }
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.sim.kubeconfig.clone()
    }

    /// Runs kubectl against the sim; returns (success, stdout, stderr).
    pub async fn kubectl(&self, args: &[&str]) -> (bool, String, String) {
        self.kubectl_stdin(args, None).await
    }

    pub async fn kubectl_stdin(
        &self,
        args: &[&str],
        stdin: Option<&str>,
    ) -> (bool, String, String) {
        use tokio::io::AsyncWriteExt;
        let mut cmd = tokio::process::Command::new("kubectl");
        cmd.env("KUBECONFIG", self.kubeconfig())
            .arg(format!(
                "--cache-dir={}",
                self.dir.path().join("cache").display()
            ))
            .args(args)
            .stdin(if stdin.is_some() {
                std::process::Stdio::piped()
            } else {
                std::process::Stdio::null()
            })
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("kubectl is installed");
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input.as_bytes()).await.expect("write stdin");
            drop(pipe);
        }
        let out = tokio::time::timeout(DEADLINE, child.wait_with_output())
            .await
            .expect("kubectl finished in time")
            .expect("kubectl ran");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// kubectl that must succeed; returns stdout.
    pub async fn kubectl_ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.kubectl(args).await;
        assert!(ok, "kubectl {args:?} failed:\nstdout: {out}\nstderr: {err}");
        out
    }

    pub async fn client(&self) -> kube::Client {
        client_for(&self.kubeconfig(), None).await
    }

    /// Raw GET of a sim path (control endpoints or API), as admin.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let client = self.client().await;
        let req = http::Request::get(path).body(Vec::new()).expect("request");
        let text = client.request_text(req).await.expect("GET succeeds");
        serde_json::from_str(&text).expect("JSON body")
    }

    /// The sim's request counter now: a mark for `watched_since`.
    #[allow(dead_code)] // the e2e tests' (this file is theirs too)
    pub async fn request_count(&self) -> u64 {
        self.get_json("/_sim/stats").await["requests"]
            .as_u64()
            .expect("a request count")
    }

    /// Waits until a watch on a path ending in `/{plural}` was asked for since request `since`: a client's
    /// list is in and its watch is on, so a change made now is seen as an event, not in the initial list.
    #[allow(dead_code)] // the e2e tests'
    pub async fn watched_since(&self, since: u64, plural: &str) {
        let suffix = format!("/{plural}");
        eventually(&format!("a watch on {plural}"), || async {
            let log = self
                .get_json(&format!("/_sim/requests?since={since}"))
                .await;
            log.as_array()
                .into_iter()
                .flatten()
                .any(|r| {
                    r["verb"] == "watch" && r["path"].as_str().is_some_and(|p| p.ends_with(&suffix))
                })
                .then_some(())
        })
        .await
    }
}

pub async fn client_for(kubeconfig: &std::path::Path, context: Option<&str>) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).expect("kubeconfig readable");
    let opts = kube::config::KubeConfigOptions {
        context: context.map(str::to_string),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .expect("kubeconfig valid");
    kube::Client::try_from(config).expect("client")
}

/// Polls `check` until it returns `Some`, or panics with `what` after the deadline.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = tokio::time::Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends a raw request and returns (status code, body) whatever the status: for asserting error answers.
pub async fn send(client: &kube::Client, req: http::Request<Vec<u8>>) -> (u16, Vec<u8>) {
    use http_body_util::BodyExt;
    let resp = client
        .send(req.map(kube::client::Body::from))
        .await
        .expect("the sim answers");
    let code = resp.status().as_u16();
    let body = tokio::time::timeout(DEADLINE, resp.into_body().collect())
        .await
        .expect("body in time")
        .expect("body readable")
        .to_bytes()
        .to_vec();
    (code, body)
}
