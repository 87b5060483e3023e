//! The simulated Kubernetes API server (`tug sim`, `tug --demo`): real HTTP on loopback, real wire format.
//! Must not depend on the TUI (`ui`, `app`).
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod apply;
pub mod auth;
pub mod bootstrap;
pub mod churn;
pub mod controllers;
pub mod convert;
pub mod discovery;
pub mod exec;
pub mod faults;
pub mod helm_demo;
pub mod kubeconfig;
pub mod logs;
pub mod managed_fields;
pub mod metrics;
pub mod openapi;
pub mod patch;
pub mod persist;
pub mod pod_api;
pub mod portforward;
pub mod protobuf;
mod protobuf_schema;
pub mod resources;
pub mod reviews;
pub mod selectors;
pub mod server;
pub mod shell;
pub mod spdy;
pub mod status;
pub mod store;
pub mod strategy;
pub mod table;
pub mod tls;
pub mod watch;
pub mod wire;
pub mod world;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

pub use faults::FaultSpec;
pub use server::SimState;
pub use store::Store;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The demo world could not be built (a bug in the world definition).
    #[error("cannot build the demo world: {0}")]
    World(#[from] status::ApiError),
    #[error(transparent)]
    Kubeconfig(#[from] kubeconfig::KubeconfigError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("state dir")]
    Persist(#[from] persist::PersistError),
}

/// How to start a sim.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Listen address; port 0 picks a free one.
    pub addr: SocketAddr,
    pub seed: u64,
    /// Extra load pods on top of the demo world (`--pods`).
    pub pods: usize,
    /// How many namespaces the load pods are spread over (`--namespaces`).
    pub namespaces: usize,
    /// Changes per second to the load pods (`--churn`).
    pub churn: f64,
    pub faults: FaultSpec,
    /// Where to write the kubeconfig (default: a fresh file under the temp dir).
    pub kubeconfig_out: Option<PathBuf>,
    /// Serve `metrics.k8s.io` (as metrics-server would); off, the API is absent (`--metrics off`).
    pub metrics: bool,
    /// Certificates to reuse (a restart on the same address keeps clients' kubeconfigs valid); new if `None`.
    pub tls: Option<tls::SimTls>,
    /// Keep the CA, the address and every object here across restarts (`--state-dir`); `None`: nothing kept.
    pub state_dir: Option<PathBuf>,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 1,
            pods: 0,
            namespaces: world::LOAD_NAMESPACES,
            churn: 0.0,
            faults: FaultSpec::default(),
            kubeconfig_out: None,
            metrics: true,
            tls: None,
            state_dir: None,
        }
    }
}

/// A running sim: its address, kubeconfig and state; stops when dropped or on `stop`.
pub struct SimHandle {
    pub addr: SocketAddr,
    pub kubeconfig: PathBuf,
    pub state: Arc<SimState>,
    /// This run's certificates, to restart a sim that clients already trust.
    pub tls: tls::SimTls,
    shutdown: CancellationToken,
    server: tokio::task::JoinHandle<()>,
    state_dir: Option<persist::StateDir>,
}

impl SimHandle {
    pub fn store(&self) -> &Arc<Store> {
        &self.state.store
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Stops serving and waits for the server task (open streams are cut).
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        let _ = (&mut self.server).await;
        // The last changes, so a restart serves exactly the world this run left.
        if let Some(dir) = self.state_dir.take() {
            let store = self.state.store.clone();
            match tokio::task::spawn_blocking(move || dir.save(&store)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!("state dir: {e}"),
                Err(e) => tracing::warn!("state dir: the save task failed: {e}"),
            }
        }
    }

    /// Resolves when the sim has been told to stop.
    pub async fn stopped(&self) {
        self.shutdown.cancelled().await;
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Builds the world, starts the controllers and serves the API on `opts.addr`.
pub async fn start(opts: SimOptions) -> Result<SimHandle, SimError> {
    let shutdown = CancellationToken::new();
    let store = Arc::new(Store::new(opts.seed));
    let controllers = world::build(&store, opts.seed, opts.pods, opts.namespaces)?;
    if opts.metrics {
        store.register(metrics::resource_defs());
        let apiservices = store
            .registry()
            .preferred("apiregistration.k8s.io", "apiservices")
            .ok_or_else(|| status::ApiError::internal("APIService kind missing"))?;
        store.create(&apiservices, "", metrics::api_service(), false)?;
    }
    // After the metrics API: the read-only role covers every kind served at start.
    bootstrap::seed(&store)?;
    let state_dir = opts
        .state_dir
        .as_deref()
        .map(persist::StateDir::open)
        .transpose()?;
    if let Some(dir) = &state_dir {
        // A kept world replaces the fresh one before any controller or client sees it.
        dir.restore(&store)?;
    }
    let mut addr_wanted = opts.addr;
    if let Some(dir) = &state_dir
        && addr_wanted.port() == 0
        && let Some(kept) = dir.load_addr()?
    {
        addr_wanted = kept;
    }
    let churn = Arc::new(churn::ChurnRate::new(opts.churn));
    churn::spawn(
        store.clone(),
        controllers.kinds.pods.clone(),
        opts.pods,
        opts.namespaces,
        churn.clone(),
        shutdown.child_token(),
    );
    controllers::spawn(controllers, shutdown.child_token());
    let listener = tokio::net::TcpListener::bind(addr_wanted)
        .await
        .map_err(|source| SimError::Bind {
            addr: addr_wanted,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind {
        addr: addr_wanted,
        source,
    })?;
    let state = Arc::new(SimState::new(
        store,
        opts.faults.clone(),
        opts.seed,
        shutdown.clone(),
    ));
    let _ = state.addr.set(addr);
    let _ = state.churn.set(churn);
    let kubeconfig = opts
        .kubeconfig_out
        .clone()
        .unwrap_or_else(|| kubeconfig::default_path(addr));
    let tls = match (opts.tls.clone(), &state_dir) {
        (Some(t), _) => t,
        (None, None) => tls::generate()?,
        (None, Some(dir)) => {
            let material = match dir.load_tls()? {
                Some(m) => m,
                None => {
                    let m = tls::generate_material()?;
                    dir.save_tls(&m)?;
                    m
                }
            };
            tls::acceptor(&material)?
        }
    };
    if let Some(dir) = &state_dir {
        dir.save_addr(addr)?;
        dir.save(&state.store)?;
        tokio::spawn(persist::keep(
            dir.clone(),
            state.store.clone(),
            shutdown.child_token(),
        ));
    }
    kubeconfig::write(&kubeconfig, addr, &tls.ca_pem)?;
    // The `gone` fault follows the spec in force (it may be changed at run time through `/_sim/faults`).
    {
        let (state, token) = (state.clone(), shutdown.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_millis(250));
            let mut last = tokio::time::Instant::now();
            loop {
                tokio::select! {
                    _ = token.cancelled() => break,
                    _ = tick.tick() => {}
                }
                match state.faults.spec().gone {
                    Some(every) if last.elapsed() >= every => {
                        last = tokio::time::Instant::now();
                        state.inject_gone();
                    }
                    Some(_) => {}
                    None => last = tokio::time::Instant::now(),
                }
            }
        });
    }
    let app = axum::Router::new()
        .fallback(server::handle)
        .with_state(state.clone());
    let server = tokio::spawn(serve(listener, tls.acceptor.clone(), app, shutdown.clone()));
    Ok(SimHandle {
        addr,
        kubeconfig,
        state,
        tls,
        shutdown,
        server,
        state_dir,
    })
}

/// How long open connections get to finish after a stop (follow streams and watches are cut after that).
const DRAIN: std::time::Duration = std::time::Duration::from_secs(1);

/// Accepts TLS connections and serves HTTP/1.1 (with upgrades, for exec) until `shutdown`.
async fn serve(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    app: axum::Router,
    shutdown: CancellationToken,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    loop {
        let (tcp, _) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!("sim accept failed: {e}");
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let (acceptor, app, shutdown) = (acceptor.clone(), app.clone(), shutdown.clone());
        tokio::spawn(async move {
            let Ok(Ok(stream)) =
                tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(tcp))
                    .await
            else {
                return;
            };
            let service = hyper_util::service::TowerToHyperService::new(app);
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = shutdown.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(DRAIN, conn).await;
                }
            }
        });
    }
}
