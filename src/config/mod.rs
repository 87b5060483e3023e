//! Configuration: the keymap and the theme, embedded as defaults (`keymaps/`, `themes/`) and overridable by
//! files under the platform config dir or given on the command line. A broken file never stops tug: its
//! error (file, line, column) is reported and the defaults are used.

pub mod k9s;
pub mod keymap;
pub mod settings;
pub mod theme;

use std::path::{Path, PathBuf};

pub use keymap::{Action, Keymap};
pub use settings::Settings;
pub use theme::Theme;

/// What a config file did wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub message: String,
}

/// tug's config directory (`$XDG_CONFIG_HOME/tug` on Linux).
pub fn config_dir() -> Option<PathBuf> {
    dirs().map(|d| d.config_dir().to_path_buf())
}

/// tug's data directory (`$XDG_DATA_HOME/tug` on Linux): journal, recovery files, logs, crash reports.
pub fn data_dir() -> Option<PathBuf> {
    dirs().map(|d| d.data_dir().to_path_buf())
}

fn dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("dev", "tug", "tug")
}

/// Loaded configuration, and what went wrong loading it (shown to the user at start).
pub struct Config {
    pub keymap: Keymap,
    pub theme: Theme,
    pub settings: Settings,
    /// What each run-time action (k9s hotkeys and plugins) does.
    pub customs: Vec<(Action, k9s::Custom)>,
    /// k9s custom column layouts (`views.yaml`), by resource name as k9s writes it.
    pub views:
        std::collections::BTreeMap<String, std::sync::Arc<tug_model::custom_columns::ViewLayout>>,
    pub errors: Vec<ConfigError>,
}

/// Reads a user file if it exists; a missing file is not an error.
fn read(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError {
            file: path.display().to_string(),
            message: e.to_string(),
        }),
    }
}

/// `--keymap`/`--theme` take a shipped name (`dark`) or a file path.
fn resolve(arg: Option<&str>, dir: Option<&Path>, default_file: &str) -> Option<PathBuf> {
    match arg {
        Some(a) if a.contains('/') || a.ends_with(".yaml") => Some(PathBuf::from(a)),
        Some(_) => None,
        None => dir.map(|d| d.join(default_file)),
    }
}

/// Applies a user file with `apply` if it exists; a missing file is an error only when it was asked for by name.
fn apply_file(
    path: &Path,
    required: bool,
    errors: &mut Vec<ConfigError>,
    apply: impl FnOnce(&str) -> Result<(), String>,
) {
    let fail = |message: String| ConfigError {
        file: path.display().to_string(),
        message,
    };
    match read(path) {
        Ok(Some(text)) => {
            if let Err(e) = apply(&text) {
                errors.push(fail(e));
            }
        }
        Ok(None) if required => errors.push(fail("no such file".into())),
        Ok(None) => {}
        Err(e) => errors.push(e),
    }
}

impl Config {
    pub fn load(keymap_arg: Option<&str>, theme_arg: Option<&str>) -> Self {
        Self::load_for(keymap_arg, theme_arg, None)
    }

    /// Loads tug's files and, unless the settings turn it off, k9s's (those of `context` included).
    pub fn load_for(
        keymap_arg: Option<&str>,
        theme_arg: Option<&str>,
        context: Option<k9s::ContextName>,
    ) -> Self {
        let dir = config_dir();
        let mut errors = vec![];
        let mut keymap = Keymap::default_keymap();
        if let Some(path) = resolve(keymap_arg, dir.as_deref(), "keymap.yaml") {
            apply_file(&path, keymap_arg.is_some(), &mut errors, |text| {
                keymap.overlay(text)
            });
            // A key the user bound where another action already has it: said, never silently shadowed.
            for (view, key, actions) in keymap.conflicts() {
                let names: Vec<&str> = actions.iter().map(|a| a.name()).collect();
                errors.push(ConfigError {
                    file: path.display().to_string(),
                    message: format!(
                        "{key} is bound to {} in {view:?} views; {} wins",
                        names.join(" and "),
                        names[0]
                    ),
                });
            }
        }
        let mut settings = Settings::default();
        if let Some(path) = dir.as_ref().map(|d| d.join("settings.yaml")) {
            apply_file(&path, false, &mut errors, |text| {
                settings = Settings::parse(text)?;
                Ok(())
            });
        }
        let k9s_files = if settings.import_k9s {
            let dirs = k9s::K9sDirs::resolve(|name| std::env::var(name).ok());
            k9s::K9sFiles::load(&dirs, dir.as_deref(), context)
        } else {
            k9s::K9sFiles::default()
        };
        errors.extend(k9s_files.errors.iter().cloned());
        let customs = k9s::bind(&k9s_files, &mut keymap, &mut errors);
        for (alias, target) in &k9s_files.aliases {
            // tug's own aliases win.
            settings
                .aliases
                .entry(alias.clone())
                .or_insert_with(|| target.clone());
        }
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let base = match theme_arg {
            Some(name) if Theme::shipped(name).is_some() => name,
            _ if no_color => "mono",
            _ => "dark",
        };
        let mut theme = Theme::shipped(base).unwrap_or_default();
        let skin = match theme_arg.and_then(k9s::skin::skin_name) {
            Some(name) => Some((name.to_string(), true)),
            None if theme_arg.is_none() && !no_color => {
                k9s_files.skin.clone().map(|name| (name, false))
            }
            None => None,
        };
        if let Some((name, asked)) = skin {
            match k9s_files.find_skin(&name) {
                Some(path) => apply_file(&path, true, &mut errors, |text| {
                    theme = k9s::skin::load(text, &theme)?;
                    Ok(())
                }),
                None if asked || !k9s_files.skin_dirs.is_empty() => errors.push(ConfigError {
                    file: format!("k9s skin {name}"),
                    message: format!(
                        "no skins/{name}.yaml in {}",
                        k9s_files
                            .skin_dirs
                            .iter()
                            .map(|d| d.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }),
                None => {}
            }
        }
        if theme_arg.is_some_and(|a| k9s::skin::skin_name(a).is_some()) {
            // A k9s skin asked for by name: tug's theme file does not apply over it.
        } else if let Some(path) = resolve(theme_arg, dir.as_deref(), "theme.yaml") {
            apply_file(&path, theme_arg.is_some(), &mut errors, |text| {
                theme.overlay(text)
            });
        } else if let Some(name) = theme_arg
            && Theme::shipped(name).is_none()
        {
            errors.push(ConfigError {
                file: format!("--theme {name}"),
                message: "no such theme (dark, light, mono)".into(),
            });
        }
        // The flash shows the first; the log (`--log-file`) has them all.
        for e in &errors {
            tracing::warn!(file = %e.file, "config: {}", e.message);
        }
        Self {
            keymap,
            theme,
            settings,
            customs,
            views: k9s_files.views,
            errors,
        }
    }
}
