//! The cluster layer: connecting from a kubeconfig, discovery of every kind the server serves, watch-driven
//! tables, and fetching single objects. Talks only to the Kubernetes API; never imports ratatui.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod access;
pub mod changes;
pub mod connect;
pub mod discovery;
pub mod edit;
pub mod helm;
pub mod logs;
pub mod metrics;
pub mod mutate;
pub mod objects;
pub mod portforward;
pub mod relations;
pub mod shell;
pub mod table_watch;

/// What went wrong talking to the cluster, with the server's own words when it gave any.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The kubeconfig could not be read or used.
    #[error("kubeconfig {path}: {message}")]
    Kubeconfig { path: String, message: String },
    /// The API server answered with an error status.
    #[error("{message}")]
    Api {
        code: u16,
        reason: String,
        message: String,
        /// Seconds the server asked us to wait (429, 503), 0 if it did not say.
        retry_after: u32,
    },
    /// The request never got an answer (connection refused, TLS, timeout).
    #[error("{0}")]
    Transport(String),
    /// The answer could not be decoded.
    #[error("unexpected response: {0}")]
    Decode(String),
}

impl ClusterError {
    pub fn code(&self) -> Option<u16> {
        match self {
            Self::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// How long the server asked us to wait before trying again, if it did.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::Api { retry_after, .. } if *retry_after > 0 => {
                Some(std::time::Duration::from_secs(u64::from(*retry_after)))
            }
            _ => None,
        }
    }
}

pub use tug_model::failure::ApiFailure;

impl From<&ClusterError> for ApiFailure {
    fn from(e: &ClusterError) -> Self {
        match e {
            ClusterError::Api {
                code,
                reason,
                message,
                ..
            } => ApiFailure {
                code: Some(*code),
                reason: reason.clone(),
                message: message.clone(),
            },
            ClusterError::Kubeconfig { .. } => ApiFailure::local("Kubeconfig", e.to_string()),
            ClusterError::Transport(_) => ApiFailure::local("Transport", e.to_string()),
            ClusterError::Decode(_) => ApiFailure::local("Decode", e.to_string()),
        }
    }
}

impl From<ClusterError> for ApiFailure {
    fn from(e: ClusterError) -> Self {
        Self::from(&e)
    }
}

impl From<kube::Error> for ClusterError {
    fn from(e: kube::Error) -> Self {
        match e {
            kube::Error::Api(s) => Self::Api {
                code: s.code,
                reason: s.reason.clone(),
                message: s.message.clone(),
                retry_after: s.details.as_ref().map_or(0, |d| d.retry_after_seconds),
            },
            kube::Error::SerdeError(e) => Self::Decode(e.to_string()),
            other => Self::Transport(chain(&other)),
        }
    }
}

/// An error with its causes (`client error (Connect): invalid peer certificate: UnknownIssuer`): the outer
/// message alone rarely says what to fix.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

pub type Result<T, E = ClusterError> = std::result::Result<T, E>;
