//! The tabs kept between runs (`restore_tabs: true` in the settings): read once at start and written once at
//! exit, as `tabs.json` in tug's data directory (`$XDG_DATA_HOME/tug`, beside the journal and recovery files).

use std::path::PathBuf;

use crate::app::tabs::SavedTabs;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("no data directory to keep the tabs in")]
    NoDir,
    #[error("saved tabs {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("saved tabs {path} are unreadable (starting without them): {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

fn path() -> Result<PathBuf, SessionError> {
    crate::config::data_dir()
        .map(|d| d.join("tabs.json"))
        .ok_or(SessionError::NoDir)
}

/// The tabs saved at the last exit; none if nothing was saved yet.
pub fn load() -> Result<Option<SavedTabs>, SessionError> {
    let path = path()?;
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(SessionError::Io { path, source }),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|source| SessionError::Parse { path, source })
}

pub fn save(tabs: &SavedTabs) -> Result<(), SessionError> {
    let path = path()?;
    let io = |source| SessionError::Io {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    // `SavedTabs` is plain strings: serialising it cannot fail.
    let text = serde_json::to_string_pretty(tabs).unwrap_or_default();
    std::fs::write(&path, text).map_err(io)
}
