//! General settings (`settings.yaml`): command aliases and defaults that are not keys or colours.

use std::collections::BTreeMap;

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
    /// Read k9s's aliases, hotkeys, plugins and skins from k9s's own directories.
    #[serde(default = "yes")]
    pub import_k9s: bool,
}

fn yes() -> bool {
    true
}

fn default_bulk_limit() -> usize {
    10
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
            import_k9s: true,
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
}
