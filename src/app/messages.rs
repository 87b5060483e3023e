//! The app's messages: the events it handles (keys, time, results from the cluster) and the effects it asks
//! the runtime to perform. Every request that is answered carries the id of the view that asked.

use std::sync::{Arc, Mutex};

use crossterm::event::KeyEvent;

use super::wording::FetchFailure;
use super::{ForwardRow, ViewId, actions};
use tug_cluster::ApiFailure;
use tug_cluster::connect::ClusterInfo;
use tug_cluster::discovery::Kind;
use tug_cluster::logs::LogTarget;
use tug_cluster::objects::DrillDown;
use tug_cluster::table_watch::Scope;
use tug_model::table::TableData;

/// Something that happened: a key, a resize, time passing, or a result from the cluster.
#[derive(Debug)]
pub enum AppEvent {
    Key(KeyEvent),
    Resize(u16, u16),
    /// Time passed: the clock as the runtime read it (the app never reads the clock itself).
    Tick(jiff::Timestamp),
    /// Some table's data changed (the runtime coalesces these into one redraw).
    Changed,
    Discovered(Result<Vec<Kind>, ApiFailure>),
    ServerVersion(String),
    /// A change was sent: what, and how it went.
    Mutated {
        mutation: Box<tug_cluster::mutate::Mutation>,
        result: Result<(), ApiFailure>,
    },
    /// The running port-forwards (after a change, and every tick while any run).
    Forwards(Vec<ForwardRow>),
    /// A message for the user from the runtime (a file saved, an I/O error).
    Flash(String, bool),
    /// A context switch is done: the new cluster's identity (discovery follows).
    Connected(ClusterInfo),
    /// A context switch did not reach its cluster; the current context stays.
    SwitchFailed {
        context: String,
        error: ApiFailure,
    },
    Fetched {
        view: ViewId,
        result: Result<Fetched, FetchFailure>,
    },
    /// An answer to an RBAC question (identity, rules, access review, policy).
    Access(super::access::Answer),
    /// An edited object was sent (or dry-run): the server's answer.
    EditSent {
        view: ViewId,
        dry_run: bool,
        result: Result<serde_json::Value, ApiFailure>,
    },
    /// A background plugin ended: what it printed (stdout, then stderr) and its exit code (`None`: it could
    /// not start, or a signal ended it; `output` says which).
    PluginDone {
        title: String,
        output: String,
        code: Option<i32>,
    },
    /// `$EDITOR` returned: the file's text, or why it could not be run or read.
    ExternalEdited {
        view: ViewId,
        result: Result<String, String>,
    },
    /// An answer from another context's cluster (to an `Effect::OnContext`): handled as that context's.
    OnContext {
        context: String,
        event: Box<AppEvent>,
    },
}

#[derive(Debug)]
pub enum Fetched {
    Text(String),
    /// A Deployment's rollout history.
    History(actions::History),
    /// A pod with one container: straight into it.
    ShellInto {
        namespace: String,
        pod: String,
        attach: bool,
    },
    /// A pod's first container port (to prefill the port-forward dialog).
    ForwardPort {
        namespace: String,
        pod: String,
        port: u16,
    },
    /// Whether a Deployment is paused (to offer pause or resume).
    Paused {
        kind: Kind,
        namespace: String,
        name: String,
        paused: bool,
    },
    /// An object's containers and their images, for the set-image dialog.
    Images {
        target: tug_cluster::mutate::ObjectRef,
        images: Vec<tug_model::mutation::ContainerImage>,
    },
    /// A workload's pods to stream logs from.
    Logs(LogTarget),
    /// The object itself, for views that render it (YAML with its toggles).
    Object(serde_json::Value),
    Drill {
        target: DrillDown,
        object: serde_json::Value,
    },
    /// An object to edit.
    Edit(serde_json::Value),
    /// The object as it is now, after a conflict.
    Latest(serde_json::Value),
    /// An editor's unsaved buffer found on disk, and when it was saved, if there is one.
    Recovered(Option<(String, jiff::Timestamp)>),
}

/// What the runtime must do for the app.
#[derive(Debug)]
pub enum Effect {
    Watch {
        view: ViewId,
        kind: Kind,
        scope: Scope,
        data: Arc<Mutex<TableData>>,
    },
    Unwatch(ViewId),
    /// Watch one object for its timeline view (stopped by `Unwatch` of that view).
    Timeline {
        view: ViewId,
        kind: Kind,
        namespace: String,
        name: String,
        feed: tug_cluster::changes::TimelineFeed,
    },
    /// Keep a Helm view current: the releases (`release: None`) or one release's revisions.
    Helm {
        view: ViewId,
        namespace: Option<String>,
        release: Option<String>,
        state: tug_cluster::helm::HelmState,
    },
    /// Watch `kinds` for the change feed view (stopped by `Unwatch` of that view).
    Changes {
        view: ViewId,
        kinds: Vec<Kind>,
        namespace: Option<String>,
        state: tug_cluster::changes::ChangeFeedState,
    },
    Fetch {
        view: ViewId,
        kind: Kind,
        namespace: String,
        name: String,
        purpose: Purpose,
    },
    /// Keep a relations view's snapshot `live`: list each of `kinds` once (in `namespace`, or across all),
    /// then watch them; with `explain`, also the evidence about that object (stopped by `Unwatch` of that
    /// view).
    Relations {
        view: ViewId,
        kinds: Vec<Kind>,
        namespace: Option<String>,
        explain: Option<tug_model::relations::Target>,
        live: tug_cluster::relations::SharedLive,
    },
    /// Stream logs into a view's buffer (stopped by `Unwatch` of that view).
    Logs {
        view: ViewId,
        target: LogTarget,
        buffer: tug_cluster::logs::SharedLog,
    },
    /// Read the journal into a text view.
    Journal(ViewId),
    /// Send a change the user confirmed (journaled by the runtime).
    Mutate(tug_cluster::mutate::Mutation),
    /// Write a log view's buffered lines to a file (the runtime reports where).
    SaveLog {
        title: String,
        buffer: tug_cluster::logs::SharedLog,
    },
    /// Put text on the clipboard: OSC 52 to the terminal (works over SSH and in tmux), and a local clipboard
    /// tool when there is one.
    Copy(String),
    /// Write a view's text to a file under the data dir (the runtime reports where).
    SaveText {
        name: String,
        format: super::copy::SaveFormat,
        text: String,
    },
    /// Reconnect with another kubeconfig context.
    SwitchContext(String),
    /// Give the terminal back and stop (Ctrl-Z); resumes with a full redraw.
    Suspend,
    /// Start forwarding a local address to a pod's port.
    PortForward {
        namespace: String,
        pod: String,
        local: std::net::SocketAddr,
        remote: u16,
    },
    /// Start a forward declared in the settings: to the pod, or a ready pod of the service or workload, named
    /// (the runtime reads it first); a failure stays in `:pf` with its error.
    DeclaredForward {
        /// One already running for this context, target and ports is not started twice (`:ctx` back).
        context: String,
        kind: Kind,
        namespace: String,
        name: String,
        local: std::net::SocketAddr,
        remote: u16,
    },
    /// Stop the forward with this id.
    StopForward(u64),
    /// Hand the terminal to a shell in a container; the TUI comes back as it was when it ends.
    Shell {
        namespace: String,
        pod: String,
        container: Option<String>,
        /// Attach to the main process instead of starting a shell.
        attach: bool,
    },
    /// Send an edited object: PUT (`name`) or POST (`None`), possibly as a dry run.
    SendEdit {
        view: ViewId,
        kind: Kind,
        namespace: String,
        name: Option<String>,
        object: serde_json::Value,
        dry_run: bool,
    },
    /// Keep an edit's buffer in its recovery file.
    SaveRecovery {
        key: crate::recovery::EditKey,
        text: String,
    },
    /// The edit was saved or discarded: its recovery file goes.
    DropRecovery(crate::recovery::EditKey),
    /// Look for an editor's unsaved buffer on disk; answered with `Fetched::Recovered`.
    ReadRecovery {
        view: ViewId,
        key: crate::recovery::EditKey,
    },
    /// Run a k9s plugin: in the foreground with the terminal handed over, or in the background (answered with
    /// `AppEvent::PluginDone`).
    Plugin(Box<super::PluginRun>),
    /// Ask the server an RBAC question (answered with `AppEvent::Access`).
    Access(super::access::Ask),
    /// Hand the text to `$VISUAL`/`$EDITOR` (the TUI steps aside meanwhile).
    ExternalEdit {
        view: ViewId,
        text: String,
    },
    /// Perform `effect` on the cluster of `context` (a fleet row's, or a view opened from one) instead of the
    /// current one; its answers come back as `AppEvent::OnContext`.
    OnContext {
        context: String,
        effect: Box<Effect>,
    },
    /// Keep `reach` current (does the cluster answer, which version), until `Unwatch` of `view`.
    Probe {
        view: ViewId,
        reach: super::views::SharedReach,
    },
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Yaml,
    Describe,
    Events,
    DrillDown,
    Logs,
    History,
    Pause,
    SetImage,
    PortForward,
    Shell,
    Attach,
    Edit,
    /// The newest version of an object being edited (after a 409).
    EditLatest,
}
