//! Every kind the server serves (built-ins and CRDs) as tug names it: its API group, version and plural, the
//! names a user may type for it, and its URL paths. Pure: discovery itself lives in the cluster crate.

/// One listable resource kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    pub group: String,
    pub version: String,
    pub plural: String,
    pub kind: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub verbs: Vec<String>,
}

impl Kind {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The URL path of this kind's collection, in a namespace or across all.
    pub fn collection_path(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace.filter(|_| self.namespaced) {
            Some(ns) => format!("{base}/namespaces/{ns}/{}", self.plural),
            None => format!("{base}/{}", self.plural),
        }
    }

    pub fn object_path(&self, namespace: &str, name: &str) -> String {
        let ns = (!namespace.is_empty()).then_some(namespace);
        format!("{}/{name}", self.collection_path(ns))
    }

    pub fn is(&self, group: &str, plural: &str) -> bool {
        self.group == group && self.plural == plural
    }

    /// The name shown in titles: `pods`, `deployments.apps`, `backups.shop.example.com`.
    pub fn display(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Does `name` (as typed after `:`) mean this kind?
    pub fn answers_to(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        name == self.plural
            || name == self.kind.to_ascii_lowercase()
            || self.short_names.contains(&name)
            || name == self.display()
            || name == format!("{}.{}", self.kind.to_ascii_lowercase(), self.group)
    }
}

/// k9s-style aliases on top of the server's short names.
const ALIASES: &[(&str, &str, &str)] = &[
    ("dp", "apps", "deployments"),
    ("deploy", "apps", "deployments"),
    ("sec", "", "secrets"),
    ("crd", "apiextensions.k8s.io", "customresourcedefinitions"),
    ("ev", "", "events"),
];

/// Finds the kind a user means (`po`, `pods`, `pod`, `deploy`, `backups.shop.example.com`).
pub fn find<'a>(kinds: &'a [Kind], name: &str) -> Option<&'a Kind> {
    let name = name.trim().to_ascii_lowercase();
    if let Some((_, g, p)) = ALIASES.iter().find(|(a, _, _)| *a == name) {
        return kinds.iter().find(|k| k.is(g, p));
    }
    // Built-ins first: `events` must not resolve to `events.events.k8s.io`.
    kinds.iter().find(|k| k.answers_to(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(group: &str, plural: &str, kind: &str, short: &[&str]) -> Kind {
        Kind {
            group: group.into(),
            version: "v1".into(),
            plural: plural.into(),
            kind: kind.into(),
            namespaced: true,
            short_names: short.iter().map(|s| s.to_string()).collect(),
            verbs: vec!["list".into()],
        }
    }

    #[test]
    fn names_resolve_like_kubectl() {
        let kinds = vec![
            kind("", "pods", "Pod", &["po"]),
            kind("apps", "deployments", "Deployment", &["deploy"]),
            kind("", "events", "Event", &["ev"]),
            kind("events.k8s.io", "events", "Event", &["ev"]),
            kind("shop.example.com", "backups", "Backup", &["bk"]),
        ];
        assert_eq!(find(&kinds, "po").map(|k| k.plural.as_str()), Some("pods"));
        assert_eq!(find(&kinds, "Pod").map(|k| k.plural.as_str()), Some("pods"));
        assert_eq!(
            find(&kinds, "dp").map(|k| k.plural.as_str()),
            Some("deployments")
        );
        assert_eq!(find(&kinds, "ev").map(|k| k.group.as_str()), Some(""));
        assert_eq!(
            find(&kinds, "backups.shop.example.com").map(|k| k.kind.as_str()),
            Some("Backup")
        );
        assert_eq!(find(&kinds, "bk").map(|k| k.kind.as_str()), Some("Backup"));
        assert!(find(&kinds, "nope").is_none());
        assert_eq!(
            kinds[1].collection_path(Some("shop")),
            "/apis/apps/v1/namespaces/shop/deployments"
        );
        assert_eq!(kinds[0].collection_path(None), "/api/v1/pods");
    }
}
