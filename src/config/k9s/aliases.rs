//! k9s aliases (`aliases.yaml`: `aliases: {dp: deployments, pp: v1/pods, crs: "pods -n kube-system"}`),
//! translated to tug's spelling of kinds (`v1/pods` → `pods`, `apps/v1/deployments` → `deployments.apps`).

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct AliasesFile {
    /// `None` for `aliases:` with every entry commented out.
    #[serde(default)]
    aliases: Option<BTreeMap<String, String>>,
}

/// A k9s resource name as tug's `:` prompt spells it: `group/version/plural` → `plural.group`,
/// `version/plural` → `plural`; anything else as it is.
pub fn tug_kind_name(name: &str) -> String {
    let parts: Vec<&str> = name.split('/').collect();
    match parts.as_slice() {
        [group, _version, plural] => format!("{plural}.{group}"),
        [_version, plural] => (*plural).to_string(),
        _ => name.to_string(),
    }
}

/// An alias's target with its first word (the kind) in tug's spelling; the rest (`-n kube-system`) stays.
fn translate(target: &str) -> String {
    let target = target.trim();
    match target.split_once(char::is_whitespace) {
        Some((kind, rest)) => format!("{} {}", tug_kind_name(kind), rest.trim()),
        None => tug_kind_name(target),
    }
}

pub fn parse(text: &str) -> Result<BTreeMap<String, String>, String> {
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    let f: AliasesFile = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    Ok(f.aliases
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, translate(&v)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_name_kinds_as_tug_does_and_keep_their_arguments() {
        let a = parse(
            "aliases:\n  pp: v1/pods\n  dp: apps/v1/deployments\n  crs: \"pods -n kube-system\"\n",
        )
        .unwrap();
        assert_eq!(a["pp"], "pods");
        assert_eq!(a["dp"], "deployments.apps");
        assert_eq!(a["crs"], "pods -n kube-system");
        assert!(parse("aliases:\n").unwrap().is_empty());
    }
}
