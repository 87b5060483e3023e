//! Configuration: the keymap and the theme, embedded as defaults (`keymaps/`, `themes/`) and overridable by
//! files under the platform config dir or given on the command line. A broken file never stops tug: its
//! error (file, line, column) is reported and the defaults are used.

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
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let base = match theme_arg {
            Some(name) if Theme::shipped(name).is_some() => name,
            _ if no_color => "mono",
            _ => "dark",
        };
        let mut theme = Theme::shipped(base).unwrap_or_default();
        if let Some(path) = resolve(theme_arg, dir.as_deref(), "theme.yaml") {
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
        let mut settings = Settings::default();
        if let Some(path) = dir.as_ref().map(|d| d.join("settings.yaml")) {
            apply_file(&path, false, &mut errors, |text| {
                settings = Settings::parse(text)?;
                Ok(())
            });
        }
        Self {
            keymap,
            theme,
            settings,
            errors,
        }
    }
}
