//! The RBAC commands: `:can-i`, `:who-can VERB RESOURCE [NAME]` (and the row key that asks it of the selected
//! object), `:subjects`, `:users`, `:groups`. Each opens its view and asks the runtime for what it shows.

use super::access::Ask;
use super::views::{CanIView, Question, SubjectsView, WhoCanView, can_i_args};
use super::*;

/// The commands this module answers (after `:`).
pub const COMMANDS: &[&str] = &["can-i", "who-can", "subjects", "users", "groups"];

impl App {
    /// `line` begins with one of `COMMANDS`.
    pub(super) fn rbac_command(&mut self, line: &str) -> Vec<Effect> {
        let mut words = line.split_whitespace();
        let cmd = words.next().unwrap_or_default();
        let args: Vec<&str> = words.collect();
        match cmd {
            "can-i" => self.can_i(&args),
            "who-can" => self.who_can(&args),
            "users" => self.subjects(Some("User")),
            "groups" => self.subjects(Some("Group")),
            _ => self.subjects(None),
        }
    }

    fn push_access_view(
        &mut self,
        title: String,
        body: Body,
        ask: impl FnOnce(ViewId) -> Ask,
    ) -> Vec<Effect> {
        let id = self.id();
        self.stack.push(View { id, title, body });
        vec![Effect::Access(ask(id))]
    }

    fn can_i(&mut self, args: &[&str]) -> Vec<Effect> {
        let current = self.namespace.clone().unwrap_or_default();
        let (namespace, as_) = match can_i_args(args, &current) {
            Ok(parsed) => parsed,
            Err(e) => {
                self.flash(e, true);
                return vec![];
            }
        };
        let whom = as_
            .as_ref()
            .map_or_else(|| self.identity_text(), |a| a.user.clone());
        let place = if namespace.is_empty() {
            "cluster-wide".to_string()
        } else {
            namespace.clone()
        };
        let title = format!("can-i {whom} in {place}");
        let view = CanIView::new(namespace.clone(), as_.clone());
        self.push_access_view(title, Body::CanI(Box::new(view)), |view| Ask::Matrix {
            view,
            namespace,
            as_,
        })
    }

    fn who_can(&mut self, args: &[&str]) -> Vec<Effect> {
        const USAGE: &str = "usage: :who-can VERB RESOURCE [NAME] [-n NS | -A]";
        let mut namespace = self.namespace.clone().unwrap_or_default();
        let mut plain = vec![];
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match *a {
                "-n" | "--namespace" => match it.next() {
                    Some(ns) => namespace = ns.to_string(),
                    None => {
                        self.flash(USAGE, true);
                        return vec![];
                    }
                },
                "-A" | "--all-namespaces" => namespace.clear(),
                other => plain.push(other),
            }
        }
        let (verb, resource, name) = match plain[..] {
            [verb, resource] => (verb, resource, ""),
            [verb, resource, name] => (verb, resource, name),
            _ => {
                self.flash(USAGE, true);
                return vec![];
            }
        };
        let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
        let Some(kind) = discovery::find(&self.kinds, resource).cloned() else {
            self.flash(format!("unknown resource \"{resource}\""), true);
            return vec![];
        };
        let question = Question {
            verb: verb.to_string(),
            group: kind.group.clone(),
            resource: kind.plural.clone(),
            subresource: subresource.to_string(),
            namespace: if kind.namespaced {
                namespace
            } else {
                String::new()
            },
            name: name.to_string(),
        };
        self.open_who_can(question)
    }

    fn open_who_can(&mut self, question: Question) -> Vec<Effect> {
        let title = question.title();
        let view = WhoCanView::new(question);
        self.push_access_view(title, Body::WhoCan(Box::new(view)), |view| Ask::Policy {
            view,
        })
    }

    /// "Who can delete this?" for the selected object of a table of `kind`.
    pub(super) fn who_can_delete(
        &mut self,
        kind: &Kind,
        namespace: &str,
        name: &str,
    ) -> Vec<Effect> {
        self.open_who_can(Question {
            verb: "delete".into(),
            group: kind.group.clone(),
            resource: kind.plural.clone(),
            subresource: String::new(),
            namespace: if kind.namespaced {
                namespace.to_string()
            } else {
                String::new()
            },
            name: name.to_string(),
        })
    }

    fn subjects(&mut self, only: Option<&'static str>) -> Vec<Effect> {
        let title = match only {
            Some("User") => "users",
            Some(_) => "groups",
            None => "subjects",
        };
        let view = SubjectsView::new(only);
        self.push_access_view(title.into(), Body::Subjects(Box::new(view)), |view| {
            Ask::Policy { view }
        })
    }
}
