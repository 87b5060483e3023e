//! General settings (`settings.yaml`): command aliases and defaults that are not keys or colours.

use std::collections::BTreeMap;
use std::num::NonZeroU16;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `:alias` → what it stands for (a kind name, or a whole command such as `pods -n kube-system`).
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    /// Start read-only, as `--readonly` does.
    #[serde(default)]
    pub readonly: bool,
    /// Contexts always opened read-only (production, say), whatever the command line.
    #[serde(default)]
    pub readonly_contexts: Vec<String>,
    /// Contexts (glob patterns, `*` and `?`) where destructive changes wait for the object's name to be
    /// typed, bulk changes are capped at `bulk_limit` objects, and the header shows PROTECTED.
    #[serde(default)]
    pub protected_contexts: Vec<String>,
    #[serde(default = "default_bulk_limit")]
    pub bulk_limit: usize,
    /// Context pattern → action ids (as in the keymap file) refused there, e.g. `"prod-*": [drain]`.
    #[serde(default)]
    pub denied_actions: BTreeMap<String, Vec<String>>,
    /// Lines kept per log view (older ones are dropped, and the view says so).
    #[serde(default = "default_log_lines")]
    pub log_lines: usize,
    /// Changes kept by `:changes` (older ones are dropped).
    #[serde(default = "default_change_feed_lines")]
    pub change_feed_lines: usize,
    /// `:changes` lists status-only changes too (controllers' churn; hidden by default).
    #[serde(default)]
    pub change_feed_status: bool,
    /// Read k9s's aliases, hotkeys, plugins and skins from k9s's own directories.
    #[serde(default = "yes")]
    pub import_k9s: bool,
    /// Context (name or glob pattern) → forwards started whenever tug connects to it (not in read-only mode).
    #[serde(default)]
    pub port_forwards: BTreeMap<String, Vec<DeclaredForward>>,
    /// CPU and memory from `metrics.k8s.io`: columns, header usage, trends (`metrics: off` polls nothing).
    #[serde(default)]
    pub metrics: MetricsSettingsField,
    /// Save the open tabs (kind, namespace, filter) at exit and open them again at the next start.
    #[serde(default)]
    pub restore_tabs: bool,
    /// The contexts `:fleet` shows when none are named (all of the kubeconfig's when empty).
    #[serde(default)]
    pub fleet: Vec<String>,
}

/// `metrics:` — `on`/`off` (or `true`/`false`), or `{ enabled, interval, warn, error }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    pub enabled: bool,
    /// Seconds between two polls (the metrics resolution).
    pub interval: f64,
    /// Percent of a limit (or of allocatable) from which a cell is a warning, and an error.
    pub warn: u64,
    pub error: u64,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            interval: tug_cluster::metrics::DEFAULT_INTERVAL.as_secs_f64(),
            warn: 70,
            error: 90,
        }
    }
}

impl MetricsSettings {
    /// The poll interval, at least 100 ms.
    pub fn interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.interval.clamp(0.1, 3600.0))
    }
}

/// `metrics: off` as well as `metrics: { interval: 1 }`.
#[derive(Deserialize)]
#[serde(untagged)]
enum MetricsSpelling {
    Flag(bool),
    Word(String),
    Full(MetricsSettings),
}

impl<'de> Deserialize<'de> for MetricsSettingsField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let enabled = |on| MetricsSettings {
            enabled: on,
            ..MetricsSettings::default()
        };
        Ok(Self(match MetricsSpelling::deserialize(d)? {
            MetricsSpelling::Flag(on) => enabled(on),
            MetricsSpelling::Word(w) if w.eq_ignore_ascii_case("on") => enabled(true),
            MetricsSpelling::Word(w) if w.eq_ignore_ascii_case("off") => enabled(false),
            MetricsSpelling::Word(w) => {
                return Err(serde::de::Error::custom(format!(
                    "metrics: \"{w}\" is not on, off or a map"
                )));
            }
            MetricsSpelling::Full(m) => m,
        }))
    }
}

/// The `metrics` key as written (see [`MetricsSpelling`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsSettingsField(pub MetricsSettings);

/// One forward of `port_forwards`, as `kubectl port-forward -n NAMESPACE TARGET LOCAL:REMOTE` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredForward {
    pub target: ForwardTarget,
    /// The context's namespace when absent.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Port on 127.0.0.1; 0 = any free port.
    #[serde(default)]
    pub local: u16,
    /// A service's port (sent to its targetPort, as kubectl does), else the pod's container port.
    pub remote: NonZeroU16,
}

/// `KIND/NAME`, the kind as `:` takes it (`pod`, `svc`, `deploy`, `sts`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ForwardTarget {
    pub kind: String,
    pub name: String,
}

impl TryFrom<String> for ForwardTarget {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        match text.split_once('/') {
            Some((kind, name)) if !kind.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok(Self {
                    kind: kind.to_string(),
                    name: name.to_string(),
                })
            }
            _ => Err(format!(
                "port-forward target \"{text}\" is not KIND/NAME (e.g. svc/frontend)"
            )),
        }
    }
}

impl std::fmt::Display for ForwardTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

fn yes() -> bool {
    true
}

fn default_bulk_limit() -> usize {
    10
}

fn default_change_feed_lines() -> usize {
    tug_model::change_feed::DEFAULT_CAPACITY
}

fn default_log_lines() -> usize {
    tug_model::logbuf::DEFAULT_CAPACITY
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            aliases: BTreeMap::new(),
            readonly: false,
            readonly_contexts: vec![],
            protected_contexts: vec![],
            bulk_limit: default_bulk_limit(),
            denied_actions: BTreeMap::new(),
            log_lines: default_log_lines(),
            change_feed_lines: default_change_feed_lines(),
            change_feed_status: false,
            import_k9s: true,
            port_forwards: BTreeMap::new(),
            metrics: MetricsSettingsField::default(),
            restore_tabs: false,
            fleet: vec![],
        }
    }
}

impl Settings {
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let settings: Self = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        // A misspelt action would leave the context unguarded without a word: refuse the file instead.
        for (context, names) in &settings.denied_actions {
            if let Some(bad) = names
                .iter()
                .find(|n| crate::config::Action::from_name(n).is_none())
            {
                return Err(format!(
                    "denied_actions for \"{context}\": unknown action \"{bad}\""
                ));
            }
        }
        Ok(settings)
    }

    /// The forwards declared for `context`, from every pattern that matches it, in the file's order of keys.
    pub fn forwards_for(&self, context: &str) -> Vec<DeclaredForward> {
        self.port_forwards
            .iter()
            .filter(|(pattern, _)| crate::app::guard::glob_match(pattern, context))
            .flat_map(|(_, list)| list.iter().cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_report_unknown_keys_with_their_line() {
        let s =
            Settings::parse("aliases:\n  dp: deployments\n  sys: ns kube-system\nreadonly: true\n")
                .unwrap();
        assert_eq!(s.aliases["dp"], "deployments");
        assert!(s.readonly);
        let s = Settings::parse("readonly_contexts: [prod-eu, prod-us]\n").unwrap();
        assert_eq!(s.readonly_contexts, ["prod-eu", "prod-us"]);
        assert!(!s.readonly);
        let err = Settings::parse("denied_actions:\n  prod: [dran]\n").unwrap_err();
        assert_eq!(err, "denied_actions for \"prod\": unknown action \"dran\"");
        assert_eq!(Settings::default().bulk_limit, 10);
        let err = Settings::parse("aliases: {}\nreadnoly: true\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn metrics_settings_read_on_off_and_a_map() {
        assert!(Settings::default().metrics.0.enabled);
        assert!(!Settings::parse("metrics: off\n").unwrap().metrics.0.enabled);
        assert!(
            !Settings::parse("metrics: false\n")
                .unwrap()
                .metrics
                .0
                .enabled
        );
        let m = Settings::parse("metrics: { interval: 1, warn: 50 }\n")
            .unwrap()
            .metrics
            .0;
        assert!(m.enabled);
        assert_eq!(
            (m.interval(), m.warn, m.error),
            (std::time::Duration::from_secs(1), 50, 90)
        );
        assert!(Settings::parse("metrics: maybe\n").is_err());
    }

    #[test]
    fn declared_forwards_parse_per_context_and_bad_ones_name_their_line() {
        let s = Settings::parse(
            "port_forwards: { \"tug-sim\": [ { target: \"svc/frontend\", namespace: shop, local: 8080, remote: 80 }, { target: \"deploy/redis\", local: 0, remote: 6379 } ], \"prod-*\": [ { target: pod/db-0, remote: 5432 } ] }\n",
        )
        .unwrap();
        let sim = s.forwards_for("tug-sim");
        assert_eq!(sim.len(), 2);
        assert_eq!(
            sim[0],
            DeclaredForward {
                target: ForwardTarget {
                    kind: "svc".into(),
                    name: "frontend".into()
                },
                namespace: Some("shop".into()),
                local: 8080,
                remote: NonZeroU16::new(80).unwrap(),
            }
        );
        assert_eq!(sim[1].target.to_string(), "deploy/redis");
        assert_eq!((sim[1].namespace.as_deref(), sim[1].local), (None, 0));
        assert_eq!(s.forwards_for("prod-eu")[0].local, 0);
        assert!(s.forwards_for("staging").is_empty());
        let err = Settings::parse(
            "readonly: false\nport_forwards:\n  x:\n    - target: frontend\n      remote: 80\n",
        )
        .unwrap_err();
        assert!(
            err.contains("line 4") && err.contains("not KIND/NAME"),
            "{err}"
        );
        let err = Settings::parse("port_forwards:\n  x:\n    - target: svc/a\n      remote: 0\n")
            .unwrap_err();
        assert!(err.contains("line 4"), "{err}");
        let err = Settings::parse("port_forwards:\n  x:\n    - target: svc/a\n      remot: 80\n")
            .unwrap_err();
        assert!(err.contains("line 4"), "{err}");
    }
}
