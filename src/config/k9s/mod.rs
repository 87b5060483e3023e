//! k9s's own files, read as they are: aliases, hotkeys, plugins, custom columns (`views.yaml`) and skins from k9s's config and data dirs
//! (`paths`), with tug's copies under its own config dir taking precedence. Every file that fails to load is
//! reported once (file, line, what) and the rest still loads. Reads files only: binding the keys is
//! `config::Config`'s, running plugins the runtime's.

pub mod aliases;
pub mod hotkeys;
pub mod paths;
pub mod plugins;
pub mod skin;
pub mod views;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use hotkeys::Hotkey;
pub use paths::K9sDirs;
pub use plugins::Plugin;

use super::ConfigError;

/// An entry and the file it came from (for messages about it later, such as a key clash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub file: String,
}

/// What was read from k9s's files.
#[derive(Debug, Default)]
pub struct K9sFiles {
    pub aliases: BTreeMap<String, String>,
    pub hotkeys: BTreeMap<String, Sourced<Hotkey>>,
    pub plugins: BTreeMap<String, Sourced<Plugin>>,
    /// The directories `skins/NAME.yaml` is looked up in, highest precedence first.
    pub skin_dirs: Vec<PathBuf>,
    /// Custom column layouts (`views.yaml`) by resource name as k9s writes it (`v1/pods`).
    pub views: BTreeMap<String, std::sync::Arc<tug_model::custom_columns::ViewLayout>>,
    /// `k9s.ui.skin` from k9s's `config.yaml` (the context's, else the global one).
    pub skin: Option<String>,
    pub errors: Vec<ConfigError>,
}

/// The cluster and context whose per-context files apply.
#[derive(Debug, Clone, Copy)]
pub struct ContextName<'a> {
    pub cluster: &'a str,
    pub context: &'a str,
}

/// The skin named in a k9s `config.yaml` (`k9s: {ui: {skin: NAME}}`).
#[derive(Debug, serde::Deserialize)]
struct MainConfig {
    #[serde(default)]
    k9s: Option<MainK9s>,
}

#[derive(Debug, serde::Deserialize)]
struct MainK9s {
    #[serde(default)]
    ui: Option<MainUi>,
}

#[derive(Debug, serde::Deserialize)]
struct MainUi {
    #[serde(default)]
    skin: Option<String>,
}

/// Reads `path` with `parse`, merging what it holds into `into`; a missing file is no error.
fn merge<T>(
    path: &Path,
    errors: &mut Vec<ConfigError>,
    parse: impl FnOnce(&str) -> Result<BTreeMap<String, T>, String>,
    into: &mut BTreeMap<String, Sourced<T>>,
) {
    let file = path.display().to_string();
    match super::read(path) {
        Ok(None) => {}
        Ok(Some(text)) => match parse(&text) {
            Ok(map) => into.extend(map.into_iter().map(|(k, value)| {
                let file = file.clone();
                (k, Sourced { value, file })
            })),
            Err(message) => errors.push(ConfigError {
                file,
                message: first_line(&message),
            }),
        },
        Err(e) => errors.push(e),
    }
}

/// A parser's message without the source snippet it appends (the flash has one line; the line number is in
/// the first).
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default();
    line.trim_start_matches("error: ").to_string()
}

/// The `*.yaml` files of a directory, sorted by name (a missing directory has none).
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
        })
        .collect();
    out.sort();
    out
}

impl K9sFiles {
    /// Reads k9s's files from `dirs` (and the per-context ones of `context`), then tug's copies in `tug_dir`,
    /// each later file overriding earlier entries of the same name.
    pub fn load(dirs: &K9sDirs, tug_dir: Option<&Path>, context: Option<ContextName>) -> Self {
        let context_dir = context.and_then(|c| dirs.context_dir(c.cluster, c.context));
        // Lowest precedence first.
        let roots: Vec<PathBuf> = [
            dirs.config.clone(),
            context_dir.clone(),
            tug_dir.map(Path::to_path_buf),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut out = Self::default();
        let mut aliases = BTreeMap::new();
        for root in &roots {
            merge(
                &root.join("aliases.yaml"),
                &mut out.errors,
                aliases::parse,
                &mut aliases,
            );
            merge(
                &root.join("hotkeys.yaml"),
                &mut out.errors,
                hotkeys::parse,
                &mut out.hotkeys,
            );
        }
        out.aliases = aliases.into_iter().map(|(k, v)| (k, v.value)).collect();
        // k9s: the global file, the plugin dirs, then the context's; tug's copy last.
        let mut plugin_files: Vec<(PathBuf, bool)> = vec![];
        plugin_files.extend(
            dirs.config
                .as_ref()
                .map(|d| (d.join("plugins.yaml"), false)),
        );
        for dir in dirs.plugin_dirs() {
            plugin_files.extend(yaml_files(&dir).into_iter().map(|f| (f, true)));
        }
        plugin_files.extend(
            context_dir
                .as_ref()
                .map(|d| (d.join("plugins.yaml"), false)),
        );
        plugin_files.extend(tug_dir.map(|d| (d.join("plugins.yaml"), false)));
        for (path, in_dir) in plugin_files {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let parse = |text: &str| {
                if in_dir {
                    plugins::parse_dir_file(&stem, text)
                } else {
                    plugins::parse_file(text)
                }
            };
            merge(&path, &mut out.errors, parse, &mut out.plugins);
        }
        for root in &roots {
            let path = root.join("config.yaml");
            if let Ok(Some(text)) = super::read(&path) {
                match serde_saphyr::from_str::<MainConfig>(&text) {
                    Ok(c) => {
                        if let Some(s) = c.k9s.and_then(|k| k.ui).and_then(|u| u.skin) {
                            out.skin = Some(s);
                        }
                    }
                    Err(e) => out.errors.push(ConfigError {
                        file: path.display().to_string(),
                        message: first_line(&e.to_string()),
                    }),
                }
            }
        }
        // k9s reads `views.yaml` from its config dir only; tug's copy wins per resource.
        for root in [dirs.config.as_deref(), tug_dir].into_iter().flatten() {
            out.read_views(&root.join("views.yaml"));
        }
        out.skin_dirs = roots.iter().rev().map(|r| r.join("skins")).collect();
        out
    }
}

/// What a run-time action does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Custom {
    /// Runs its `:` command.
    Hotkey(Hotkey),
    Plugin(Box<Plugin>),
}

impl K9sFiles {
    /// Merges one `views.yaml`; a bad JSONPath is reported once here, and its column shows `<err>`.
    fn read_views(&mut self, path: &Path) {
        let file = path.display().to_string();
        let report = |message: String| ConfigError {
            file: file.clone(),
            message,
        };
        match super::read(path) {
            Ok(None) => {}
            Ok(Some(text)) => match views::parse(&text) {
                Ok((layouts, problems)) => {
                    self.errors.extend(problems.into_iter().map(report));
                    self.views.extend(
                        layouts
                            .into_iter()
                            .map(|(k, v)| (k, std::sync::Arc::new(v))),
                    );
                }
                Err(e) => self.errors.push(report(first_line(&e))),
            },
            Err(e) => self.errors.push(e),
        }
    }

    /// The file of skin `name`, from the highest-precedence directory that has one.
    pub fn find_skin(&self, name: &str) -> Option<PathBuf> {
        self.skin_dirs
            .iter()
            .flat_map(|d| {
                [
                    d.join(format!("{name}.yaml")),
                    d.join(format!("{name}.yml")),
                ]
            })
            .find(|p| p.is_file())
    }
}

/// Registers every hotkey and plugin as a run-time action and binds its key. A key a built-in has in one of
/// the same views stays the built-in's unless the entry says `override: true`; either way it is reported.
pub fn bind(
    files: &K9sFiles,
    keymap: &mut super::Keymap,
    errors: &mut Vec<ConfigError>,
) -> Vec<(super::Action, Custom)> {
    use super::keymap::{CustomSpec, Scope};
    let entries = files
        .hotkeys
        .iter()
        .map(|(name, h)| {
            let spec = CustomSpec {
                name: format!("hotkey_{name}"),
                about: format!("{} (:{})", h.value.description, h.value.command),
                scopes: vec![Scope::Global],
                hint: (!h.value.description.is_empty()).then(|| h.value.description.clone()),
                mutates: false,
            };
            let key = (h.value.short_cut.as_str(), h.value.take_over);
            (name, key, spec, &h.file, Custom::Hotkey(h.value.clone()))
        })
        .chain(files.plugins.iter().map(|(name, p)| {
            let spec = CustomSpec {
                name: format!("plugin_{name}"),
                about: format!(
                    "{} (plugin {name}: {})",
                    p.value.description,
                    p.value.scopes.join(", ")
                ),
                scopes: vec![Scope::Table],
                hint: (!p.value.description.is_empty()).then(|| p.value.description.clone()),
                mutates: p.value.dangerous,
            };
            let key = (p.value.short_cut.as_str(), p.value.take_over);
            (
                name,
                key,
                spec,
                &p.file,
                Custom::Plugin(Box::new(p.value.clone())),
            )
        }));
    let mut out = vec![];
    for (name, (short_cut, take_over), spec, file, custom) in entries {
        let key = match parse_key(short_cut) {
            Ok(k) => k,
            Err(e) => {
                errors.push(ConfigError {
                    file: file.clone(),
                    message: format!("{name}: shortCut: {e}"),
                });
                continue;
            }
        };
        let action = super::Action::register(spec);
        for (key, builtin) in keymap.bind_custom(action, &[key], take_over) {
            let winner = if take_over {
                name.as_str()
            } else {
                builtin.name()
            };
            errors.push(ConfigError {
                file: file.clone(),
                message: format!(
                    "{name}: {key} is {}'s key; {winner} wins{}",
                    builtin.name(),
                    if take_over {
                        " (override: true)"
                    } else {
                        " (override: true would take it)"
                    }
                ),
            });
        }
        out.push((action, custom));
    }
    out
}

/// A key as k9s spells it (`Shift-0`, `shift-l`, `Ctrl-K`), in tug's terms. k9s reads `Shift-<digit>` as the
/// symbol above the digit on a US keyboard (`Shift-0` is `)`), which is what the terminal sends.
pub fn parse_key(s: &str) -> Result<super::keymap::Key, String> {
    const SHIFTED: &[u8] = b")!@#$%^&*(";
    let lower = s.trim().to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("shift-")
        && let [d @ b'0'..=b'9'] = rest.as_bytes()
    {
        let symbol = char::from(SHIFTED[usize::from(d - b'0')]);
        return super::keymap::Key::parse(&symbol.to_string());
    }
    super::keymap::Key::parse(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/k9s")
    }

    #[test]
    fn the_fixture_files_load_and_the_broken_one_is_reported_with_its_line() {
        let dirs = K9sDirs {
            config: Some(fixtures().join("config")),
            data: Some(fixtures().join("data/k9s")),
            shared_plugins: vec![],
        };
        let files = K9sFiles::load(
            &dirs,
            None,
            Some(ContextName {
                cluster: "tug-sim",
                context: "tug-sim",
            }),
        );
        assert_eq!(files.aliases["pp"], "pods");
        assert_eq!(files.aliases["crs"], "pods -n kube-system");
        assert_eq!(files.hotkeys["shift-0"].value.command, "pods -A");
        assert_eq!(files.plugins["record-env"].value.scopes, ["po"]);
        assert!(files.plugins["force-delete"].value.dangerous);
        // From the plugin dir, named after its file.
        assert!(files.plugins.contains_key("dir-plugin"));
        // The per-context file adds one.
        assert!(files.plugins.contains_key("context-echo"));
        let pods = &files.views["v1/pods"];
        assert_eq!(pods.sort, Some(("NAME".into(), true)));
        assert_eq!(pods.computed().len(), 2, "IMAGE and NODE");
        assert_eq!(files.errors.len(), 1, "{:?}", files.errors);
        assert!(files.errors[0].file.ends_with("broken.yaml"));
        assert!(
            files.errors[0].message.contains("line 4"),
            "{}",
            files.errors[0]
        );
    }

    #[test]
    fn a_clash_with_a_built_in_key_is_reported_and_the_built_in_wins_unless_overridden() {
        use crate::config::{Action, Keymap};
        let files = K9sFiles {
            plugins: ["node-debug", "take-yaml"]
                .into_iter()
                .map(|name| {
                    let text = match name {
                        "node-debug" => "shortCut: Shift-D\ncommand: echo\nscopes: [nodes]\n",
                        _ => "shortCut: y\ncommand: echo\nscopes: [pods]\noverride: true\n",
                    };
                    let p = plugins::parse_dir_file(name, text)
                        .unwrap()
                        .remove(name)
                        .unwrap();
                    let file = format!("{name}.yaml");
                    (name.to_string(), Sourced { value: p, file })
                })
                .collect(),
            ..Default::default()
        };
        let mut keymap = Keymap::default_keymap();
        let mut errors = vec![];
        let customs = bind(&files, &mut keymap, &mut errors);
        assert_eq!(customs.len(), 2);
        let shift_d = super::super::keymap::Key::parse("Shift-D").unwrap();
        assert_eq!(keymap.keys(Action::Drain), [shift_d], "drain keeps its key");
        assert!(
            keymap.keys(Action::Yaml).is_empty(),
            "override: true takes y"
        );
        assert_eq!(errors.len(), 2);
        assert!(
            errors[0]
                .message
                .contains("Shift-D is drain's key; drain wins"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1]
                .message
                .contains("take-yaml wins (override: true)"),
            "{}",
            errors[1]
        );
    }

    #[test]
    fn shifted_digits_are_the_symbols_a_terminal_sends() {
        assert_eq!(parse_key("Shift-0"), super::super::keymap::Key::parse(")"));
        assert_eq!(parse_key("shift-1"), super::super::keymap::Key::parse("!"));
        assert_eq!(parse_key("Shift-L"), super::super::keymap::Key::parse("L"));
    }
}
