//! RBAC in the app: who the server says we are (for the header), the rules we hold in the namespace on screen
//! (asked once per context and namespace, with an access review per action where the rules are incomplete),
//! the verb and resource each action needs, and the refusal, with its reason, of an action the rules deny,
//! before anything is sent. Decides; never calls the API (the runtime answers the `Ask`s).

use std::collections::HashMap;
use std::sync::Arc;

use super::{App, Body, Effect, ViewId};
use crate::config::Action;
use crate::config::keymap::Scope as KeyScope;
use tug_cluster::access::Impersonate;
use tug_cluster::discovery::Kind;
use tug_model::access::{Access, Identity, Need};
use tug_model::rbac::Policy;

/// A question for the runtime to ask the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    Whoami {
        context: String,
    },
    /// The rules held in `namespace` (empty: cluster-wide).
    Rules {
        context: String,
        namespace: String,
    },
    /// One action's need, where the rules review said it was incomplete.
    Check {
        context: String,
        namespace: String,
        need: Need,
    },
    /// The rules for a `:can-i` view, possibly as someone else.
    Matrix {
        view: ViewId,
        namespace: String,
        as_: Option<Impersonate>,
    },
    /// The cluster's RBAC objects, for `:who-can` and `:subjects`.
    Policy {
        view: ViewId,
    },
}

/// The server's answer to an `Ask` (errors worded for the user).
pub enum Answer {
    Identity {
        context: String,
        result: Result<Option<Identity>, String>,
    },
    Rules {
        context: String,
        namespace: String,
        result: Result<Access, String>,
    },
    Checked {
        context: String,
        namespace: String,
        need: Need,
        result: Result<bool, String>,
    },
    Matrix {
        view: ViewId,
        result: Result<Access, String>,
    },
    Policy {
        view: ViewId,
        result: Result<Arc<Policy>, String>,
    },
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Identity { result, .. } => write!(f, "Identity({result:?})"),
            Answer::Rules {
                namespace, result, ..
            } => write!(
                f,
                "Rules({namespace}: {:?})",
                result.as_ref().map(|a| a.rules.len())
            ),
            Answer::Checked { need, result, .. } => write!(f, "Checked({need:?}: {result:?})"),
            Answer::Matrix { view, .. } => write!(f, "Matrix(view {view})"),
            Answer::Policy { view, .. } => write!(f, "Policy(view {view})"),
        }
    }
}

/// What is known of the current context's access. `None` entries were asked and are not answered (or failed):
/// not known, so nothing is refused on their account.
#[derive(Debug, Default)]
pub struct AccessState {
    context: String,
    /// The namespace on screen when the rules were asked: another one asks again (the rules may have
    /// changed since), objects of other namespaces in an all-namespaces view keep theirs meanwhile.
    namespace: Option<String>,
    asked_identity: bool,
    /// `None`: not answered, or the server has no SelfSubjectReview (the kubeconfig's name is shown).
    pub identity: Option<Identity>,
    rules: HashMap<String, Option<Access>>,
    checks: HashMap<(String, Need), Option<bool>>,
}

/// The actions whose need the app knows, besides those declared `.mutates()`.
const GUARDED: &[Action] = &[
    Action::Edit,
    Action::EditExternal,
    Action::Shell,
    Action::Attach,
    Action::PortForward,
    Action::Logs,
];

/// What `action` needs on an object of `kind` (`None`: tug does not know, or the action does not apply).
pub fn need_of(action: Action, kind: &Kind) -> Option<Need> {
    let own = |verb| Some(Need::new(verb, &kind.group, &kind.plural, ""));
    let pods = kind.is("", "pods");
    let pod = |verb, sub| pods.then(|| Need::new(verb, "", "pods", sub));
    let workload = kind.is("apps", "deployments")
        || kind.is("apps", "statefulsets")
        || kind.is("apps", "daemonsets");
    match action {
        Action::Delete => own("delete"),
        Action::Kill => pod("delete", ""),
        Action::Scale
            if kind.is("apps", "deployments")
                || kind.is("apps", "replicasets")
                || kind.is("apps", "statefulsets") =>
        {
            Some(Need::new("patch", &kind.group, &kind.plural, "scale"))
        }
        Action::Restart | Action::UndoRollback if workload => own("patch"),
        Action::Pause if kind.is("apps", "deployments") => own("patch"),
        Action::SetImage if pods || workload || kind.is("batch", "cronjobs") => own("patch"),
        Action::SuspendCronJob if kind.is("batch", "cronjobs") => own("patch"),
        Action::Cordon | Action::Drain if kind.is("", "nodes") => own("patch"),
        Action::Trigger if kind.is("batch", "cronjobs") => {
            Some(Need::new("create", "batch", "jobs", ""))
        }
        Action::Edit | Action::EditExternal => own("update"),
        Action::Shell => pod("create", "exec"),
        Action::Attach => pod("create", "attach"),
        Action::PortForward => pod("create", "portforward"),
        Action::Logs => pod("get", "log"),
        _ => None,
    }
}

impl App {
    /// The namespace whose rules the top view needs, the object its cursor is on, and its kind.
    fn access_target(&self) -> Option<(&Kind, String, String)> {
        let Some(Body::Table(t)) = self.top().map(|v| &v.body) else {
            return None;
        };
        let kind = t.kind.as_ref()?;
        let (ns, name) = match t.selected_row() {
            Some((ns, name)) => (ns.to_string(), name.to_string()),
            None => (t.scope.namespace.clone().unwrap_or_default(), String::new()),
        };
        let ns = if kind.namespaced { ns } else { String::new() };
        Some((kind, ns, name))
    }

    /// Why `action` would be refused on the top view's selected object, if the rules say it would be.
    pub fn rbac_denial(&self, action: Action) -> Option<String> {
        let (kind, ns, name) = self.access_target()?;
        self.denial_in(action, kind, &ns, &name)
    }

    fn denial_in(&self, action: Action, kind: &Kind, ns: &str, name: &str) -> Option<String> {
        if self.access.context != self.info.context {
            return None;
        }
        let need = need_of(action, kind)?;
        let access = self.access.rules.get(ns)?.as_ref()?;
        let allowed = match access.allows(&need, name) {
            Some(known) => known,
            None => (*self.access.checks.get(&(ns.to_string(), need.clone()))?)?,
        };
        (!allowed).then(|| need.denial(ns))
    }

    /// Refuses an action the rules deny, saying why; true if refused (nothing is sent).
    pub(super) fn rbac_refuses(&mut self, action: Action) -> bool {
        match self.rbac_denial(action) {
            Some(reason) => {
                self.flash(reason, true);
                true
            }
            None => false,
        }
    }

    /// The actions of the top view the rules deny, with their first key, for the footer (drawn greyed).
    pub fn denied_hints(&self) -> Vec<(String, &'static str)> {
        let Some((kind, ns, name)) = self.access_target() else {
            return vec![];
        };
        self.keymap
            .actions_in_effect()
            .into_iter()
            .filter(|a| (a.mutates() || GUARDED.contains(a)) && a.offered_in(KeyScope::Table))
            .filter(|a| self.denial_in(*a, kind, &ns, &name).is_some())
            .filter_map(|a| Some((self.keymap.keys(a).first()?.short(), a.name())))
            .collect()
    }

    /// The user as the server sees them (with groups), or the kubeconfig's user name.
    pub fn identity_text(&self) -> String {
        match &self.access.identity {
            Some(id) if self.access.context == self.info.context => id.display(),
            _ => self.info.user.clone(),
        }
    }

    /// Why listing the kind `name` would be refused in the current namespace, for the `:` prompt.
    pub fn list_denial(&self, name: &str) -> Option<String> {
        let kind = tug_cluster::discovery::find(&self.kinds, name)?;
        let ns = match (&self.namespace, kind.namespaced) {
            (Some(ns), true) => ns.as_str(),
            _ => "",
        };
        if self.access.context != self.info.context {
            return None;
        }
        let need = Need::new("list", &kind.group, &kind.plural, "");
        let access = self.access.rules.get(ns)?.as_ref()?;
        (access.allows(&need, "") == Some(false)).then(|| need.denial(ns))
    }

    /// What to ask the server now: the identity once per context, the rules of the namespace on screen (and
    /// of the selected object's, across namespaces), and where those are incomplete, the top view's needs.
    /// Called by the runtime after each event; asks nothing twice.
    pub fn access_asks(&mut self) -> Vec<Effect> {
        if self.kinds.is_empty() {
            return vec![];
        }
        let context = self.info.context.clone();
        if self.access.context != context {
            self.access = AccessState {
                context: context.clone(),
                ..AccessState::default()
            };
        }
        if self.access.namespace != self.namespace {
            self.access.namespace = self.namespace.clone();
            self.access.rules.clear();
            self.access.checks.clear();
        }
        let mut asks = vec![];
        if !self.access.asked_identity {
            self.access.asked_identity = true;
            asks.push(Ask::Whoami {
                context: context.clone(),
            });
        }
        let target = self.access_target().map(|(kind, ns, _)| (kind.clone(), ns));
        let current = self.namespace.clone().unwrap_or_default();
        let mut namespaces = vec![current];
        if let Some((_, ns)) = &target {
            namespaces.push(ns.clone());
        }
        for ns in namespaces {
            if let std::collections::hash_map::Entry::Vacant(slot) =
                self.access.rules.entry(ns.clone())
            {
                slot.insert(None);
                asks.push(Ask::Rules {
                    context: context.clone(),
                    namespace: ns,
                });
            }
        }
        if let Some((kind, ns)) = target
            && let Some(Some(access)) = self.access.rules.get(&ns)
            && access.incomplete
        {
            let needs: Vec<Need> = Action::every()
                .into_iter()
                .filter_map(|a| need_of(a, &kind))
                .filter(|n| access.allows(n, "").is_none())
                .collect();
            for need in needs {
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    self.access.checks.entry((ns.clone(), need.clone()))
                {
                    slot.insert(None);
                    asks.push(Ask::Check {
                        context: context.clone(),
                        namespace: ns.clone(),
                        need,
                    });
                }
            }
        }
        asks.into_iter().map(Effect::Access).collect()
    }

    /// An answer from the server; one for another context (switched meanwhile) is dropped.
    pub(super) fn access_answer(&mut self, answer: Answer) -> Vec<Effect> {
        let current = |app: &Self, context: &str| app.access.context == context;
        match answer {
            Answer::Identity { context, result } if current(self, &context) => {
                match result {
                    Ok(id) => self.access.identity = id,
                    Err(e) => tracing::debug!(error = %e, "no identity from the server"),
                }
                vec![]
            }
            Answer::Rules {
                context,
                namespace,
                result,
            } if current(self, &context) => {
                self.access.rules.insert(namespace, result.ok());
                vec![]
            }
            Answer::Checked {
                context,
                namespace,
                need,
                result,
            } if current(self, &context) => {
                self.access.checks.insert((namespace, need), result.ok());
                vec![]
            }
            Answer::Matrix { view, result } => {
                let kinds = self.kinds.clone();
                if let Some(Body::CanI(v)) = self.body_of(view) {
                    v.show(&kinds, result);
                }
                vec![]
            }
            Answer::Policy { view, result } => {
                match self.body_of(view) {
                    Some(Body::WhoCan(v)) => v.show(result),
                    Some(Body::Subjects(v)) => v.show(result),
                    _ => {}
                }
                vec![]
            }
            _ => vec![],
        }
    }

    fn body_of(&mut self, view: ViewId) -> Option<&mut Body> {
        self.view_anywhere_mut(view).map(|v| &mut v.body)
    }
}

#[cfg(test)]
#[path = "access_tests.rs"]
mod tests;
