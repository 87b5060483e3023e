//! `tug sim --state-dir DIR`: what a real apiserver keeps in its PKI and in etcd, kept in a directory so a
//! restarted sim is the same cluster — the same CA and server certificate (clients' kubeconfigs stay valid),
//! the same address, and every object as it was (names, uids, resourceVersions; the version counter goes on
//! from there). Tokens are fixed (`auth`), so they need no keeping.
//!
//! Layout: `ca.crt`, `ca.key` (PEM), `server.der`, `server.key.der`, `ca.der`, `addr`, `objects.json`. The
//! objects are written atomically (a temporary file renamed over the old one) every few seconds while they
//! change and once more when the sim stops, so a crash loses at most the last few seconds.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::store::Store;
use crate::tls::TlsMaterial;

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("cannot {what} {path}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a sim snapshot")]
    Snapshot {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path} holds no socket address")]
    Addr { path: PathBuf },
}

/// A state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    path: PathBuf,
}

const OBJECTS: &str = "objects.json";

impl StateDir {
    /// Opens (creating it if need be) the directory; owner-only, as it holds the CA's key.
    pub fn open(path: &Path) -> Result<Self, PersistError> {
        std::fs::create_dir_all(path).map_err(|source| PersistError::Io {
            what: "create",
            path: path.to_path_buf(),
            source,
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700));
        }
        Ok(Self {
            path: path.to_path_buf(),
        })
    }

    fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, PersistError> {
        let path = self.file(name);
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(PersistError::Io {
                what: "read",
                path,
                source,
            }),
        }
    }

    /// Writes `data` to `name` through a temporary file, so a reader never sees half a file.
    fn write(&self, name: &str, data: &[u8]) -> Result<(), PersistError> {
        let path = self.file(name);
        let tmp = self.file(&format!(".{name}.tmp"));
        std::fs::write(&tmp, data).map_err(io_error("write", &tmp))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600));
        }
        std::fs::rename(&tmp, &path).map_err(io_error("replace", &path))
    }

    /// The kept PKI, or `None` on a first start.
    pub fn load_tls(&self) -> Result<Option<TlsMaterial>, PersistError> {
        let parts = (
            self.read("ca.crt")?,
            self.read("ca.key")?,
            self.read("ca.der")?,
            self.read("server.der")?,
            self.read("server.key.der")?,
        );
        let (Some(ca), Some(ca_key), Some(ca_der), Some(server), Some(key)) = parts else {
            return Ok(None);
        };
        Ok(Some(TlsMaterial {
            ca_pem: String::from_utf8_lossy(&ca).into_owned(),
            ca_key_pem: String::from_utf8_lossy(&ca_key).into_owned(),
            ca_der,
            server_der: server,
            server_key_der: key,
        }))
    }

    pub fn save_tls(&self, m: &TlsMaterial) -> Result<(), PersistError> {
        self.write("ca.crt", m.ca_pem.as_bytes())?;
        self.write("ca.key", m.ca_key_pem.as_bytes())?;
        self.write("ca.der", &m.ca_der)?;
        self.write("server.der", &m.server_der)?;
        self.write("server.key.der", &m.server_key_der)
    }

    /// The address the last run listened on (kubeconfigs name it).
    pub fn load_addr(&self) -> Result<Option<std::net::SocketAddr>, PersistError> {
        let Some(text) = self.read("addr")? else {
            return Ok(None);
        };
        String::from_utf8_lossy(&text)
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| PersistError::Addr {
                path: self.file("addr"),
            })
    }

    pub fn save_addr(&self, addr: std::net::SocketAddr) -> Result<(), PersistError> {
        self.write("addr", format!("{addr}\n").as_bytes())
    }

    /// Puts the kept objects into `store` (if there are any); returns whether there were.
    pub fn restore(&self, store: &Store) -> Result<bool, PersistError> {
        let Some(bytes) = self.read(OBJECTS)? else {
            return Ok(false);
        };
        #[derive(serde::Deserialize)]
        struct Snapshot {
            #[serde(rename = "resourceVersion")]
            rv: String,
            objects: Vec<Entry>,
        }
        #[derive(serde::Deserialize)]
        struct Entry {
            kind: String,
            object: Value,
        }
        let snap: Snapshot =
            serde_json::from_slice(&bytes).map_err(|source| PersistError::Snapshot {
                path: self.file(OBJECTS),
                source,
            })?;
        let rv = snap.rv.parse().unwrap_or(1);
        let dropped = store.restore(
            rv,
            snap.objects
                .into_iter()
                .map(|e| (e.kind, e.object))
                .collect(),
        );
        if !dropped.is_empty() {
            tracing::warn!(
                ?dropped,
                "state dir: kinds no longer served, their objects dropped"
            );
        }
        Ok(true)
    }

    /// Writes every object of `store`, streamed to the file (no copy of the world in memory); returns the
    /// resourceVersion written.
    pub fn save(&self, store: &Store) -> Result<u64, PersistError> {
        #[derive(serde::Serialize)]
        struct Entry<'a> {
            kind: &'a str,
            object: &'a Value,
        }
        #[derive(serde::Serialize)]
        struct Snapshot<'a> {
            #[serde(rename = "resourceVersion")]
            rv: String,
            objects: Vec<Entry<'a>>,
        }
        let (rv, objects) = store.snapshot();
        let doc = Snapshot {
            rv: rv.to_string(),
            objects: objects
                .iter()
                .map(|(k, o)| Entry {
                    kind: k.as_ref(),
                    object: o,
                })
                .collect(),
        };
        let path = self.file(OBJECTS);
        let tmp = self.file(&format!(".{OBJECTS}.tmp"));
        let file = std::fs::File::create(&tmp).map_err(io_error("write", &tmp))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        serde_json::to_writer(&mut out, &doc).map_err(|source| PersistError::Snapshot {
            path: path.clone(),
            source,
        })?;
        use std::io::Write;
        out.flush().map_err(io_error("write", &tmp))?;
        drop(out);
        std::fs::rename(&tmp, &path).map_err(io_error("replace", &path))?;
        Ok(rv)
    }
}

/// How often changed objects are written while the sim runs.
pub const SAVE_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Writes the store whenever it changed, every `SAVE_EVERY`, until `stop`.
pub async fn keep(
    dir: StateDir,
    store: std::sync::Arc<Store>,
    stop: tokio_util::sync::CancellationToken,
) {
    let mut saved = store.resource_version();
    let mut tick = tokio::time::interval(SAVE_EVERY);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        if store.resource_version() == saved {
            continue;
        }
        let (dir, store2) = (dir.clone(), store.clone());
        // Serialising thousands of objects is CPU work: off the async workers.
        match tokio::task::spawn_blocking(move || dir.save(&store2)).await {
            Ok(Ok(rv)) => saved = rv,
            Ok(Err(e)) => tracing::warn!("state dir: {e}"),
            Err(e) => tracing::warn!("state dir: the save task failed: {e}"),
        }
    }
}

/// What an I/O failure on `path` becomes: a `PersistError` naming what was being done and where.
fn io_error(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> PersistError {
    let path = path.to_path_buf();
    move |source| PersistError::Io { what, path, source }
}
