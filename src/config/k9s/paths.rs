//! Where k9s keeps its files, as k9s resolves them: the config dir (`$K9S_CONFIG_DIR`, else
//! `$XDG_CONFIG_HOME/k9s`, else the platform config dir's `k9s/`), the data dir (`$XDG_DATA_HOME/k9s`, with
//! per-context files under `clusters/<cluster>/<context>/` and plugin files under `plugins/`) and
//! `$XDG_DATA_DIRS/k9s/plugins`. Pure: the environment is passed in, so tests need not set it.

use std::path::PathBuf;

/// The places k9s files are read from, lowest precedence first within each list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct K9sDirs {
    pub config: Option<PathBuf>,
    pub data: Option<PathBuf>,
    /// `$XDG_DATA_DIRS` entries, each with `k9s/plugins` appended.
    pub shared_plugins: Vec<PathBuf>,
}

/// What k9s does to cluster and context names before using them as directory names.
pub fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if matches!(c, ':' | '/' | '\\') {
                '-'
            } else {
                c
            }
        })
        .collect()
}

impl K9sDirs {
    /// Resolves the directories from `var` (an environment lookup) and the platform's defaults.
    pub fn resolve(var: impl Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let base = directories::BaseDirs::new();
        let config = set("K9S_CONFIG_DIR").or_else(|| {
            set("XDG_CONFIG_HOME")
                .or_else(|| base.as_ref().map(|b| b.config_dir().to_path_buf()))
                .map(|d| d.join("k9s"))
        });
        let data = set("XDG_DATA_HOME")
            .or_else(|| base.as_ref().map(|b| b.data_dir().to_path_buf()))
            .map(|d| d.join("k9s"));
        let shared = var("XDG_DATA_DIRS")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "/usr/local/share:/usr/share".into());
        let shared_plugins = shared
            .split(':')
            .filter(|d| !d.is_empty())
            .map(|d| PathBuf::from(d).join("k9s").join("plugins"))
            .collect();
        Self {
            config,
            data,
            shared_plugins,
        }
    }

    /// The per-context directory: `clusters/<cluster>/<context>/` under the data dir.
    pub fn context_dir(&self, cluster: &str, context: &str) -> Option<PathBuf> {
        self.data.as_ref().map(|d| {
            d.join("clusters")
                .join(sanitize(cluster))
                .join(sanitize(context))
        })
    }

    /// The directories whose `*.yaml` files each hold one plugin or a `plugins:` map.
    pub fn plugin_dirs(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self.shared_plugins.iter().rev().cloned().collect();
        out.extend(self.data.as_ref().map(|d| d.join("plugins")));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn k9s_config_dir_wins_over_xdg_and_data_follows_xdg() {
        let d = K9sDirs::resolve(env(&[
            ("K9S_CONFIG_DIR", "/k"),
            ("XDG_CONFIG_HOME", "/x"),
            ("XDG_DATA_HOME", "/d"),
            ("XDG_DATA_DIRS", "/s1:/s2"),
        ]));
        assert_eq!(d.config, Some(PathBuf::from("/k")));
        assert_eq!(d.data, Some(PathBuf::from("/d/k9s")));
        assert_eq!(
            d.plugin_dirs(),
            [
                PathBuf::from("/s2/k9s/plugins"),
                PathBuf::from("/s1/k9s/plugins"),
                PathBuf::from("/d/k9s/plugins")
            ]
        );
        let d = K9sDirs::resolve(env(&[("XDG_CONFIG_HOME", "/x")]));
        assert_eq!(d.config, Some(PathBuf::from("/x/k9s")));
        assert_eq!(
            K9sDirs::resolve(env(&[("XDG_DATA_HOME", "/d")])).context_dir("arn:aws/c", "ctx"),
            Some(PathBuf::from("/d/k9s/clusters/arn-aws-c/ctx"))
        );
    }
}
