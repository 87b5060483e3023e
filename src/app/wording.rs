//! What the user reads when a request fails: the runtime hands over typed failures (`ApiFailure`, with the
//! server's code and message), and the words are chosen here, once, from what was asked and the code.

use tug_cluster::ApiFailure;
use tug_cluster::mutate::Mutation;

/// The local failure a successful change can still have: its journal entry was not written.
pub const JOURNAL: &str = "Journal";

/// A change the server refused, or that never reached it.
pub fn mutation_failed(m: &Mutation, f: &ApiFailure) -> String {
    match f.code {
        _ if f.reason == JOURNAL => f.message.clone(),
        Some(403) => format!("not allowed: {f}"),
        Some(409) => {
            format!("conflict: {f} — nothing was changed; reopen to see the current state")
        }
        _ => format!("{} failed: {f}", m.verb()),
    }
}

/// Discovery (which kinds the server has) failed: tug keeps retrying.
pub fn disconnected(f: &ApiFailure) -> String {
    format!("disconnected, retrying: {f}")
}

/// Which request of a fetch failed: the object itself, or what its purpose needed beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Object,
    Events,
    ReplicaSets,
    /// A ready pod to forward to, behind a Service or Deployment.
    ForwardTarget,
}

/// A fetch that failed, and at which request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchFailure {
    pub request: Request,
    pub failure: ApiFailure,
}

impl FetchFailure {
    pub fn of(request: Request, failure: impl Into<ApiFailure>) -> Self {
        Self {
            request,
            failure: failure.into(),
        }
    }

    /// The message for the user.
    pub fn text(&self) -> String {
        let f = &self.failure;
        match self.request {
            Request::Object => f.to_string(),
            Request::Events => format!("cannot list events: {f}"),
            Request::ReplicaSets => format!("cannot read the history: {f}"),
            Request::ForwardTarget => format!("cannot port-forward: {f}"),
        }
    }
}

/// An RBAC question (rules review, impersonation, reading RBAC objects) the server did not answer.
pub fn access_failed(f: &ApiFailure) -> String {
    match f.code {
        Some(403) => format!("not allowed: {f}"),
        _ => format!("cannot ask the server: {f}"),
    }
}
