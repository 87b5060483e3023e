//! Recovery files: an edit's buffer, kept under the platform data dir whenever it might otherwise be lost (on
//! every save attempt, when the editor is left unsaved, when tug exits or panics), and offered back on the
//! next edit of the same object.

use std::path::PathBuf;

/// Which object an edit is of; also names its recovery file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EditKey {
    pub context: String,
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl EditKey {
    fn file_name(&self) -> String {
        let clean = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        format!(
            "{}__{}.{}__{}__{}.yaml",
            clean(&self.context),
            clean(&self.kind),
            clean(&self.group),
            clean(&self.namespace),
            clean(&self.name)
        )
    }
}

/// `$TUG_RECOVERY_DIR`, else `<data dir>/recovery`.
pub fn dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TUG_RECOVERY_DIR") {
        return Some(PathBuf::from(p));
    }
    crate::config::data_dir().map(|d| d.join("recovery"))
}

pub fn path(key: &EditKey) -> Option<PathBuf> {
    dir().map(|d| d.join(key.file_name()))
}

pub fn write(key: &EditKey, text: &str) -> std::io::Result<PathBuf> {
    let path = path(key).ok_or_else(|| std::io::Error::other("no data directory"))?;
    if let Some(d) = path.parent() {
        private_dir(d)?;
    }
    // Written aside and renamed, so a crash mid-write never leaves half a buffer; readable by its owner
    // only, as an edit may hold a Secret's data.
    let tmp = path.with_extension("yaml.tmp");
    {
        use std::io::Write as _;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// The saved buffer and when it was saved, if there is one.
pub fn read(key: &EditKey) -> Option<(String, jiff::Timestamp)> {
    let path = path(key)?;
    let text = std::fs::read_to_string(&path).ok()?;
    let when = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
        .unwrap_or_else(jiff::Timestamp::now);
    Some((text, when))
}

pub fn remove(key: &EditKey) {
    if let Some(p) = path(key) {
        let _ = std::fs::remove_file(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_round_trips_through_its_file() {
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: this is the only test in the binary that reads or writes TUG_RECOVERY_DIR.
        unsafe { std::env::set_var("TUG_RECOVERY_DIR", dir.path()) };
        let key = EditKey {
            context: "sim/admin".into(),
            group: "apps".into(),
            kind: "Deployment".into(),
            namespace: "shop".into(),
            name: "web".into(),
        };
        assert!(read(&key).is_none());
        let p = write(&key, "spec:\n  replicas: 9\n").unwrap();
        assert!(p.starts_with(dir.path()));
        assert!(!p.file_name().unwrap().to_string_lossy().contains('/'));
        assert_eq!(read(&key).unwrap().0, "spec:\n  replicas: 9\n");
        remove(&key);
        assert!(read(&key).is_none());
    }
}
