//! Why a request to the cluster failed, as it crosses from the runtime to the app: the server's status when
//! it answered (code, reason, message — as kube's `Error::Api(Status)` keeps them), so the app decides the
//! wording and tests match on codes, not on strings.

/// A failed request. `code` is `None` when no answer came (connection, TLS, timeout) or the answer could
/// not be read; `message` is then what went wrong, with its cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiFailure {
    pub code: Option<u16>,
    /// The server's `reason` (`Forbidden`, `Conflict`, `NotFound`…), or the kind of local failure.
    pub reason: String,
    pub message: String,
}

impl ApiFailure {
    /// A failure that never reached the server, or came back unreadable.
    pub fn local(reason: &str, message: impl Into<String>) -> Self {
        Self {
            code: None,
            reason: reason.into(),
            message: message.into(),
        }
    }

    pub fn is(&self, code: u16) -> bool {
        self.code == Some(code)
    }
}
