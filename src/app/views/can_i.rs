//! `:can-i [-n NS] [--as USER] [--as-group GROUP]`: what the caller (or whom it impersonates) may do in a
//! namespace, as the server's rules review says: every listable kind × get, list, watch, create, update,
//! patch, delete and the exec, log, portforward, scale and eviction subresources. `/` filters the kinds.

use super::access_rows::{fill, loading, row};
use super::{Me, TableView, ViewType};
use crate::app::{App, Effect};
use crate::config::Action;
use tug_cluster::access::Impersonate;
use tug_cluster::discovery::Kind;
use tug_model::access::{Access, matrix_columns, matrix_row};

pub struct CanIView {
    pub table: TableView,
    pub namespace: String,
    pub as_: Option<Impersonate>,
}

impl CanIView {
    pub fn new(namespace: String, as_: Option<Impersonate>) -> Self {
        Self {
            table: loading(),
            namespace,
            as_,
        }
    }

    /// The matrix for the kinds discovery found (each once, by its preferred version), or the refusal.
    pub fn show(&mut self, kinds: &[Kind], access: Result<Access, String>) {
        let columns = matrix_columns();
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        let rows = access.map(|access| {
            let mut seen = std::collections::HashSet::new();
            kinds
                .iter()
                .filter(|k| {
                    k.verbs.iter().any(|v| v == "list")
                        && seen.insert((k.group.as_str(), k.plural.as_str()))
                })
                .map(|k| {
                    let name = if k.group.is_empty() {
                        k.plural.clone()
                    } else {
                        format!("{}.{}", k.plural, k.group)
                    };
                    let mut cells = vec![name.clone()];
                    cells.extend(matrix_row(&access, &k.group, &k.plural, &k.verbs));
                    row("", &name, cells)
                })
                .collect()
        });
        fill(&self.table, &columns, rows);
    }
}

/// `-n NS`, `--as USER`, `--as-group GROUP` (repeatable) after `:can-i`; the namespace defaults to `current`.
pub fn parse_args(args: &[&str], current: &str) -> Result<(String, Option<Impersonate>), String> {
    let mut namespace = current.to_string();
    let mut user = None;
    let mut groups = vec![];
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .map(|v| v.to_string())
                .ok_or_else(|| format!("{a} needs a value"))
        };
        match *a {
            "-n" | "--namespace" => namespace = value()?,
            "-A" | "--all-namespaces" => namespace = String::new(),
            "--as" => user = Some(value()?),
            "--as-group" => groups.push(value()?),
            other => {
                return Err(format!(
                    "unknown argument \"{other}\" (usage: :can-i [-n NS] [--as USER] [--as-group GROUP])"
                ));
            }
        }
    }
    let as_ = match (user, groups.is_empty()) {
        (Some(user), _) => Some(Impersonate { user, groups }),
        (None, true) => None,
        (None, false) => return Err("--as-group needs --as USER too (as kubectl)".into()),
    };
    Ok((namespace, as_))
}

impl ViewType for CanIView {
    fn table(&self) -> Option<&TableView> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(&mut self.table)
    }

    fn act(&mut self, _action: Action, _app: &mut App, _me: &Me) -> Vec<Effect> {
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_name_the_namespace_and_whom_to_impersonate() {
        assert_eq!(parse_args(&[], "shop"), Ok(("shop".into(), None)));
        let (ns, as_) = parse_args(
            &["-n", "kube-system", "--as", "bob", "--as-group", "ops"],
            "shop",
        )
        .unwrap();
        assert_eq!(ns, "kube-system");
        assert_eq!(
            as_,
            Some(Impersonate {
                user: "bob".into(),
                groups: vec!["ops".into()]
            })
        );
        assert!(parse_args(&["--as-group", "ops"], "shop").is_err());
        assert!(parse_args(&["--as"], "shop").is_err());
        assert!(parse_args(&["x"], "shop").is_err());
    }
}
