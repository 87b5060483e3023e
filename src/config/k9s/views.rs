//! k9s custom columns (`views.yaml`): per resource (`v1/pods`, `apps/v1/deployments`, a CRD's
//! `group/version/plural`), `columns:` (server columns by header, plus `NAME:.json.path|FLAGS`) and
//! `sortColumn: NAME:asc|desc`. Parsing the columns is `tug_model::custom_columns`'; this reads the file.

use std::collections::BTreeMap;

use serde::Deserialize;
use tug_model::custom_columns::{CustomColumn, ViewLayout};
use tug_model::kind::Kind;

#[derive(Debug, Deserialize)]
struct ViewsFile {
    #[serde(default)]
    views: Option<BTreeMap<String, ViewEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ViewEntry {
    #[serde(default)]
    sort_column: Option<String>,
    #[serde(default)]
    columns: Vec<String>,
}

/// The layouts by resource name as written, and one message per column whose JSONPath does not parse.
pub fn parse(text: &str) -> Result<(BTreeMap<String, ViewLayout>, Vec<String>), String> {
    if text.trim().is_empty() {
        return Ok(Default::default());
    }
    let f: ViewsFile = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    let mut problems = vec![];
    let layouts = f
        .views
        .unwrap_or_default()
        .into_iter()
        .map(|(resource, entry)| {
            let columns: Vec<CustomColumn> = entry
                .columns
                .iter()
                .map(|c| CustomColumn::parse(c))
                .collect();
            for c in &columns {
                if let Some(e) = c.path.as_ref().and_then(|p| p.error()) {
                    let e = e.lines().next().unwrap_or_default();
                    problems.push(format!(
                        "{resource}: column {}: bad JSONPath {:?} ({e}); it shows <err>",
                        c.name,
                        c.path.as_ref().map_or("", |p| p.source.as_str())
                    ));
                }
            }
            let sort = entry
                .sort_column
                .as_deref()
                .and_then(ViewLayout::parse_sort);
            (resource, ViewLayout { columns, sort })
        })
        .collect();
    Ok((layouts, problems))
}

/// The layout for `kind`: k9s names it `version/plural` (core) or `group/version/plural`; the plural alone
/// is accepted too.
pub fn for_kind<'a, T>(layouts: &'a BTreeMap<String, T>, kind: &Kind) -> Option<&'a T> {
    let gvr = if kind.group.is_empty() {
        format!("{}/{}", kind.version, kind.plural)
    } else {
        format!("{}/{}/{}", kind.group, kind.version, kind.plural)
    };
    layouts.get(&gvr).or_else(|| layouts.get(&kind.plural))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_parse_with_their_columns_sort_and_bad_paths() {
        let (views, problems) = parse(
            "views:\n  v1/pods:\n    sortColumn: NAME:desc\n    columns:\n      - AGE\n      - NAME\n      \
             - IMAGE:.spec.containers[0].image|W\n      - BAD:.spec.containers[0\n  \
             apps/v1/deployments:\n    columns: [NAME, READY]\n",
        )
        .unwrap();
        let pods = &views["v1/pods"];
        assert_eq!(pods.sort, Some(("NAME".into(), true)));
        let names: Vec<&str> = pods.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["AGE", "NAME", "IMAGE", "BAD"]);
        assert!(pods.columns[2].wide);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("v1/pods: column BAD: bad JSONPath"));
        let deploy = Kind {
            group: "apps".into(),
            version: "v1".into(),
            plural: "deployments".into(),
            kind: "Deployment".into(),
            namespaced: true,
            short_names: vec![],
            verbs: vec![],
        };
        assert_eq!(for_kind(&views, &deploy).map(|l| l.columns.len()), Some(2));
        assert!(parse("views:\n").unwrap().0.is_empty());
    }
}
