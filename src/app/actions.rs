//! Actions that change the cluster: the dialogs that ask first (scale, restart, delete, kill, cordon, drain,
//! cronjob trigger and suspend), and read-only mode (the rollout history is `rollout.rs`). Keys here only ever
//! produce an `Effect::Mutate` after a confirmation.

use super::{App, Effect, Flash, Mode, Purpose};
use crate::config::Action;
use crate::config::keymap::Scope as KeyScope;
use tug_cluster::discovery::Kind;
use tug_cluster::mutate::{Mutation, ObjectRef, Op};
use tug_model::table::{Column, Row};

/// A question on screen; nothing is sent until it is answered yes.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    Confirm {
        title: String,
        lines: Vec<String>,
        mutation: Mutation,
    },
    /// The same question for several objects (a bulk delete of marked rows).
    ConfirmMany {
        title: String,
        lines: Vec<String>,
        mutations: Vec<Mutation>,
    },
    /// A k9s plugin with `confirm: true`: its command line, asked about before it runs.
    RunPlugin {
        title: String,
        lines: Vec<String>,
        run: Box<super::plugins::PluginRun>,
    },
    /// A k9s plugin's `inputs`, filled in before it runs.
    PluginInputs(Box<super::plugin_form::PluginForm>),
    /// Local and remote ports for a port-forward (`LOCAL:REMOTE`, or one port for both).
    Forward {
        namespace: String,
        pod: String,
        input: String,
        error: Option<String>,
    },
    /// Each container's image, editable; Enter previews the diff as a `Confirm`.
    SetImage {
        target: ObjectRef,
        fields: Vec<super::set_image::ImageField>,
        cursor: usize,
        error: Option<String>,
    },
    /// A protected context's question: nothing is sent until `expected` (the object's name, or the count of a
    /// bulk change) is typed.
    TypeName {
        title: String,
        lines: Vec<String>,
        expected: String,
        input: String,
        error: Option<String>,
        then: super::guard::Guarded,
    },
    /// Replicas, typed; checked before anything is sent.
    Scale {
        kind: Kind,
        namespace: String,
        name: String,
        current: i64,
        input: String,
        error: Option<String>,
    },
}

pub use super::rollout::{History, revision};

const PROPAGATIONS: [&str; 3] = ["Background", "Foreground", "Orphan"];
/// Replicas beyond this are almost certainly a typo.
const MAX_REPLICAS: i64 = 10_000;

impl App {
    /// Read-only mode refuses every mutating key (and shells, forwards, history) before anything is sent;
    /// Shift-U undoes the last rollback from any table. True if the key was dealt with here.
    pub(super) fn mutation_guard(&mut self, action: Action) -> Option<Vec<Effect>> {
        if self.readonly {
            self.flash(
                format!("read-only mode: {} is disabled", action.name()),
                true,
            );
            return Some(vec![]);
        }
        if action != Action::UndoRollback {
            return None;
        }
        Some(match self.last_undo.clone() {
            Some(m) => {
                let (ns, name) = (m.target.ns().to_string(), m.target.name.clone());
                self.confirm(
                    format!(
                        "Undo the last rollback of {}/{name}?",
                        m.target.kind.kind.to_lowercase()
                    ),
                    vec![format!(
                        "in namespace {ns}: puts back the pod template it had before the rollback"
                    )],
                    m,
                );
                vec![]
            }
            None => {
                self.flash("no rollback to undo", false);
                vec![]
            }
        })
    }

    /// A mutating key on the selected row of a table of objects: opens the matching dialog (or says why not).
    pub(super) fn object_mutation(
        &mut self,
        action: Action,
        t: &super::TableView,
        view: super::ViewId,
    ) -> Vec<Effect> {
        let Some((ns, name)) = t.selected_row() else {
            return vec![];
        };
        let (ns, name) = (ns.to_string(), name.to_string());
        if action == Action::Undo {
            self.flash("u rolls back from a deployment's history (h)", false);
            return vec![];
        }
        let Some(kind) = t.kind.clone() else {
            return vec![];
        };
        let obj = format!("{}/{name}", kind.kind.to_lowercase());
        let scalable = kind.is("apps", "deployments")
            || kind.is("apps", "replicasets")
            || kind.is("apps", "statefulsets")
            || kind.is("", "replicationcontrollers");
        match action {
            Action::Scale if scalable => {
                let current = {
                    let data = t.lock();
                    data.get(&(ns.as_str().into(), name.as_str().into()))
                        .map(|r| desired(&data.columns, r))
                        .unwrap_or(0)
                };
                self.mode = Mode::Dialog(Box::new(Dialog::Scale {
                    kind,
                    namespace: ns,
                    name,
                    current,
                    input: current.to_string(),
                    error: None,
                }));
            }
            Action::Restart
                if kind.is("apps", "deployments")
                    || kind.is("apps", "statefulsets")
                    || kind.is("apps", "daemonsets") =>
            {
                let mutation = Mutation::new(ObjectRef::new(kind, ns.clone(), name), Op::Restart);
                self.confirm(
                    format!("Restart {obj}?"),
                    vec![
                        format!("in namespace {ns}: every pod is replaced by a rolling update"),
                        "(sets the kubectl.kubernetes.io/restartedAt template annotation)".into(),
                    ],
                    mutation,
                );
            }
            Action::History
                if kind.is("apps", "deployments")
                    || kind.is("apps", "statefulsets")
                    || kind.is("apps", "daemonsets") =>
            {
                return vec![Effect::Fetch {
                    view,
                    kind,
                    namespace: ns,
                    name,
                    purpose: Purpose::History,
                }];
            }
            Action::SetImage if tug_model::mutation::has_images(&kind) => {
                // The containers are not in the row: read the object, then open the dialog.
                return vec![Effect::Fetch {
                    view,
                    kind,
                    namespace: ns,
                    name,
                    purpose: Purpose::SetImage,
                }];
            }
            Action::Trigger if kind.is("batch", "cronjobs") => {
                let seed = self.now.as_millisecond().unsigned_abs();
                let job = tug_model::mutation::manual_job_name(&name, seed);
                let lines = vec![
                    format!("in namespace {ns}: creates job {job} from its jobTemplate"),
                    "(annotated cronjob.kubernetes.io/instantiate: manual, owned by the cronjob)"
                        .into(),
                ];
                let target = ObjectRef::new(kind, ns, name);
                self.confirm(
                    format!("Run {obj} now?"),
                    lines,
                    Mutation::new(target, Op::Trigger { job }),
                );
            }
            Action::SuspendCronJob if kind.is("batch", "cronjobs") => {
                let suspended = {
                    let data = t.lock();
                    let column = data.column("suspend");
                    data.get(&(ns.as_str().into(), name.as_str().into()))
                        .and_then(|r| column.and_then(|i| r.cells.get(i)))
                        .is_some_and(|c| c.eq_ignore_ascii_case("true"))
                };
                let (verb, what) = if suspended {
                    ("Resume", "its schedule creates jobs again")
                } else {
                    ("Suspend", "no new jobs are scheduled; running jobs go on")
                };
                let target = ObjectRef::new(kind, ns.clone(), name);
                let op = Op::Suspend {
                    suspended: !suspended,
                };
                self.confirm(
                    format!("{verb} {obj}?"),
                    vec![format!("in namespace {ns}: {what}")],
                    Mutation::new(target, op),
                );
            }
            Action::Delete if !t.marked.is_empty() => {
                let keys: Vec<_> = t.marked.iter().cloned().collect();
                let mutations: Vec<Mutation> = keys
                    .iter()
                    .map(|(ns, n)| {
                        Mutation::new(
                            ObjectRef::new(kind.clone(), ns.to_string(), n.to_string()),
                            Op::Delete {
                                propagation: PROPAGATIONS[0].into(),
                                grace: None,
                            },
                        )
                    })
                    .collect();
                let mut lines: Vec<String> = keys
                    .iter()
                    .take(10)
                    .map(|(ns, n)| format!("  {}/{n} in {ns}", kind.kind.to_lowercase()))
                    .collect();
                if keys.len() > 10 {
                    lines.push(format!("  … and {} more", keys.len() - 10));
                }
                let title = format!("Delete {} marked {}?", keys.len(), kind.plural);
                if self.over_bulk_limit(mutations.len()) {
                    return vec![];
                }
                let Some(mutations) = self.guard_mutations(&title, &lines, mutations) else {
                    return vec![];
                };
                self.mode = Mode::Dialog(Box::new(Dialog::ConfirmMany {
                    title,
                    lines,
                    mutations,
                }));
            }
            Action::Drain if kind.is("", "nodes") => {
                let mutation = Mutation::new(ObjectRef::new(kind, "", name), Op::Drain);
                self.confirm(format!("Drain {obj}?"), vec![
                    "cordons it, then evicts its pods (DaemonSet pods stay);".into(),
                    "PodDisruptionBudgets are honoured: pods they protect are reported, not forced".into(),
                ], mutation);
            }
            Action::Delete => {
                let mutation = Mutation::new(
                    ObjectRef::new(kind, ns.clone(), name),
                    Op::Delete {
                        propagation: PROPAGATIONS[0].into(),
                        grace: None,
                    },
                );
                self.confirm(
                    format!("Delete {obj}?"),
                    delete_lines_with(&ns, PROPAGATIONS[0], None),
                    mutation,
                );
            }
            Action::Kill if kind.is("", "pods") => {
                let mutation = Mutation::new(
                    ObjectRef::new(kind, ns.clone(), name),
                    Op::Delete {
                        propagation: "Background".into(),
                        grace: Some(0),
                    },
                );
                self.confirm(
                    format!("Kill {obj} now?"),
                    vec![
                        format!("in namespace {ns}, with grace period 0:"),
                        "its containers get no time to shut down cleanly".into(),
                    ],
                    mutation,
                );
            }
            Action::Pause if kind.is("apps", "deployments") => {
                // Whether it is paused is not in the row: ask the server, then ask the user.
                return vec![Effect::Fetch {
                    view,
                    kind,
                    namespace: ns,
                    name,
                    purpose: Purpose::Pause,
                }];
            }
            Action::Cordon if kind.is("", "nodes") => {
                let cordoned = {
                    let data = t.lock();
                    let status = data.column("status");
                    data.get(&("".into(), name.as_str().into()))
                        .and_then(|r| status.and_then(|i| r.cells.get(i)))
                        .is_some_and(|c| c.contains("SchedulingDisabled"))
                };
                let (verb, what) = if cordoned {
                    ("Uncordon", "new pods may be scheduled on it again")
                } else {
                    (
                        "Cordon",
                        "no new pods will be scheduled on it; running pods stay",
                    )
                };
                let mutation = Mutation::new(
                    ObjectRef::new(kind, "", name),
                    Op::Cordon {
                        unschedulable: !cordoned,
                    },
                );
                self.confirm(format!("{verb} {obj}?"), vec![what.into()], mutation);
            }
            _ => self.flash(
                format!("{} does not apply to {}", action.name(), kind.plural),
                false,
            ),
        }
        vec![]
    }

    /// Enter on a CronJob: the Jobs it made. Nothing in a Job's labels names its CronJob, so they are picked by
    /// the names the CronJob controller (`<cronjob>-<scheduled minute>`) and a manual trigger
    /// (`<cronjob>-manual-<suffix>`) give them, as a filter the user sees and can clear.
    pub(super) fn cronjob_jobs(&mut self, parent: &str, ns: &str, cronjob: &str) -> Vec<Effect> {
        let Some(jobs) = tug_cluster::discovery::find(&self.kinds, "jobs").cloned() else {
            return vec![];
        };
        let scope = tug_cluster::table_watch::Scope {
            namespace: Some(ns.to_string()),
            ..Default::default()
        };
        let title = format!("{parent}/{cronjob}");
        let effects = self.push_table(jobs, scope, title);
        let pattern = format!("re:^{}-(manual-[a-z0-9]+|[0-9]+)$", regex::escape(cronjob));
        if let (Some(t), Ok(f)) = (
            self.stack.last_mut().and_then(|v| v.body.table_mut()),
            super::Filter::parse(&pattern),
        ) {
            t.filter = f;
        }
        effects
    }

    /// After the server said whether the deployment is paused: ask to resume or to pause.
    pub(super) fn pause_dialog(
        &mut self,
        kind: Kind,
        namespace: String,
        name: String,
        paused: bool,
    ) {
        let (verb, what) = if paused {
            ("Resume", "rollouts continue from where they stopped")
        } else {
            ("Pause", "template changes will not roll out until resumed")
        };
        let mutation = Mutation::new(
            ObjectRef::new(kind, namespace.clone(), name.clone()),
            Op::Pause { paused: !paused },
        );
        self.confirm(
            format!("{verb} deployment/{name}?"),
            vec![format!("in namespace {namespace}: {what}")],
            mutation,
        );
    }

    /// A dialog answered no: nothing is sent, and the user is told so.
    pub(super) fn cancel_dialog(&mut self) -> Vec<Effect> {
        self.mode = Mode::Normal;
        self.flash = Some(Flash {
            text: "cancelled: nothing was sent".into(),
            error: false,
        });
        vec![]
    }

    /// Asks yes or no; in a protected context a destructive change asks for the name instead.
    pub(super) fn confirm(&mut self, title: String, lines: Vec<String>, mutation: Mutation) {
        let Some(mutation) = self
            .guard_mutations(&title, &lines, vec![mutation])
            .and_then(|mut ms| ms.pop())
        else {
            return;
        };
        self.mode = Mode::Dialog(Box::new(Dialog::Confirm {
            title,
            lines,
            mutation,
        }));
    }

    /// After a bulk change is let through, the marks that chose its objects go.
    pub(super) fn clear_marks(&mut self) {
        if let Some(t) = self.stack.last_mut().and_then(|v| v.body.table_mut()) {
            t.marked.clear();
        }
    }

    /// Keys while a dialog is open.
    pub(super) fn dialog_key(
        &mut self,
        key: crossterm::event::KeyEvent,
        dialog: Dialog,
    ) -> Vec<Effect> {
        use crossterm::event::KeyCode;
        // Confirmations answer through the keymap; the text fields below take keys as typed.
        let action = self.keymap.action(&key, KeyScope::Dialog);
        match dialog {
            Dialog::PluginInputs(form) => self.plugin_form_key(key, *form),
            Dialog::RunPlugin { run, .. } => match action {
                Some(Action::ConfirmYes) => {
                    self.mode = Mode::Normal;
                    vec![Effect::Plugin(run)]
                }
                Some(Action::ConfirmNo) => self.cancel_dialog(),
                _ => vec![],
            },
            Dialog::Confirm {
                title,
                lines,
                mutation,
            } => match action {
                Some(Action::ConfirmYes) => {
                    self.mode = Mode::Normal;
                    vec![Effect::Mutate(mutation)]
                }
                Some(Action::ConfirmNo) => self.cancel_dialog(),
                Some(Action::DeleteGrace) => {
                    // Deletions: cycle the grace period (the object's default, 5 s, 30 s).
                    if let Mutation {
                        target,
                        op: Op::Delete { propagation, grace },
                    } = mutation
                    {
                        let grace = match grace {
                            None => Some(5),
                            Some(5) => Some(30),
                            Some(0) => Some(0),
                            _ => None,
                        };
                        let lines = delete_lines_with(target.ns(), &propagation, grace);
                        self.confirm(
                            title,
                            lines,
                            Mutation::new(target, Op::Delete { propagation, grace }),
                        );
                    } else {
                        self.confirm(title, lines, mutation);
                    }
                    vec![]
                }
                Some(Action::DeletePropagation) => {
                    // Deletions: cycle the propagation policy.
                    if let Mutation {
                        target,
                        op:
                            Op::Delete {
                                propagation,
                                grace: None,
                            },
                    } = mutation
                    {
                        let next = PROPAGATIONS[(PROPAGATIONS
                            .iter()
                            .position(|p| *p == propagation)
                            .unwrap_or(0)
                            + 1)
                            % 3];
                        let lines = delete_lines_with(target.ns(), next, None);
                        let mutation = Mutation::new(
                            target,
                            Op::Delete {
                                propagation: next.into(),
                                grace: None,
                            },
                        );
                        self.confirm(title, lines, mutation);
                    } else {
                        self.confirm(title, lines, mutation);
                    }
                    vec![]
                }
                _ => {
                    self.confirm(title, lines, mutation);
                    vec![]
                }
            },
            Dialog::ConfirmMany {
                title,
                lines,
                mutations,
            } => match action {
                Some(Action::ConfirmYes) => {
                    self.mode = Mode::Normal;
                    self.clear_marks();
                    mutations.into_iter().map(Effect::Mutate).collect()
                }
                Some(Action::ConfirmNo) => self.cancel_dialog(),
                _ => {
                    self.mode = Mode::Dialog(Box::new(Dialog::ConfirmMany {
                        title,
                        lines,
                        mutations,
                    }));
                    vec![]
                }
            },
            Dialog::Forward {
                namespace,
                pod,
                mut input,
                ..
            } => {
                let mut error = None;
                match key.code {
                    KeyCode::Esc => {
                        self.mode = Mode::Normal;
                        return vec![];
                    }
                    KeyCode::Enter => match parse_ports(&input) {
                        Ok((local, remote)) => {
                            self.mode = Mode::Normal;
                            return vec![Effect::PortForward {
                                namespace,
                                pod,
                                local,
                                remote,
                            }];
                        }
                        Err(e) => error = Some(e),
                    },
                    KeyCode::Backspace => {
                        input.pop();
                    }
                    KeyCode::Char(c) if input.len() < 32 => input.push(c),
                    _ => {}
                }
                self.mode = Mode::Dialog(Box::new(Dialog::Forward {
                    namespace,
                    pod,
                    input,
                    error,
                }));
                vec![]
            }
            Dialog::SetImage {
                target,
                fields,
                cursor,
                ..
            } => self.set_image_key(key, target, fields, cursor),
            Dialog::TypeName {
                title,
                lines,
                expected,
                input,
                then,
                ..
            } => self.type_name_key(key, title, lines, expected, input, then),
            Dialog::Scale {
                kind,
                namespace,
                name,
                current,
                mut input,
                ..
            } => {
                let mut error = None;
                match key.code {
                    KeyCode::Esc => {
                        return self.cancel_dialog();
                    }
                    KeyCode::Enter => match input.trim().parse::<i64>() {
                        Ok(n) if (0..=MAX_REPLICAS).contains(&n) => {
                            self.mode = Mode::Normal;
                            let title =
                                format!("Scale {}/{name} to {n}?", kind.kind.to_lowercase());
                            let lines =
                                vec![format!("in namespace {namespace}: from {current} replicas")];
                            let m = Mutation::new(
                                ObjectRef::new(kind, namespace, name),
                                Op::Scale { replicas: n },
                            );
                            return self
                                .guard_mutations(&title, &lines, vec![m])
                                .into_iter()
                                .flatten()
                                .map(Effect::Mutate)
                                .collect();
                        }
                        Ok(_) => {
                            error = Some(format!("replicas must be between 0 and {MAX_REPLICAS}"))
                        }
                        Err(_) => error = Some("replicas must be a whole number".into()),
                    },
                    KeyCode::Backspace => {
                        input.pop();
                    }
                    KeyCode::Char('+') | KeyCode::Up => {
                        input = (input.trim().parse::<i64>().unwrap_or(current) + 1)
                            .min(MAX_REPLICAS)
                            .to_string();
                    }
                    KeyCode::Char('-') | KeyCode::Down => {
                        input = (input.trim().parse::<i64>().unwrap_or(current) - 1)
                            .max(0)
                            .to_string();
                    }
                    KeyCode::Char(c) if input.len() < 12 => input.push(c),
                    _ => {}
                }
                self.mode = Mode::Dialog(Box::new(Dialog::Scale {
                    kind,
                    namespace,
                    name,
                    current,
                    input,
                    error,
                }));
                vec![]
            }
        }
    }
}

fn delete_lines_with(ns: &str, propagation: &str, grace: Option<i64>) -> Vec<String> {
    let mut lines = delete_lines(ns, propagation);
    lines.push(match grace {
        None => "grace period: the object's default  (g: 5s / 30s / default)".into(),
        Some(g) => format!("grace period: {g}s  (g: 5s / 30s / default)"),
    });
    lines
}

fn delete_lines(ns: &str, propagation: &str) -> Vec<String> {
    vec![
        format!("in namespace {ns}"),
        format!("propagation: {propagation}  (Tab: Background / Foreground / Orphan)"),
    ]
}

/// Desired replicas from a printed row: `DESIRED`, or the `n` of READY `x/n`.
fn desired(columns: &[Column], row: &Row) -> i64 {
    let cell = |name: &str| {
        columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
            .and_then(|i| row.cells.get(i))
    };
    if let Some(d) = cell("desired").and_then(|c| c.parse().ok()) {
        return d;
    }
    cell("ready")
        .and_then(|c| c.split('/').nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// `8080:80`, `80` (the same port locally), or `127.0.0.1:8080:80`; ports 1..=65535 (0 locally: any free port).
pub fn parse_ports(input: &str) -> Result<(std::net::SocketAddr, u16), String> {
    let parts: Vec<&str> = input.trim().split(':').collect();
    let port = |s: &str| {
        s.trim()
            .parse::<u16>()
            .map_err(|_| format!("\"{s}\" is not a port"))
    };
    let (host, local, remote) = match parts[..] {
        [r] => ("127.0.0.1", port(r)?, port(r)?),
        [l, r] => ("127.0.0.1", port(l)?, port(r)?),
        [h, l, r] => (h, port(l)?, port(r)?),
        _ => return Err("use LOCAL:REMOTE, e.g. 8080:80".into()),
    };
    if remote == 0 {
        return Err("the remote port must be between 1 and 65535".into());
    }
    let ip: std::net::IpAddr = host
        .parse()
        .map_err(|_| format!("\"{host}\" is not an IP address"))?;
    Ok((std::net::SocketAddr::new(ip, local), remote))
}
