//! The state directory: proven network credentials and the sec2 salt and verifier.
//!
//! Layout (all files JSON, bytes as lowercase hex, mode 0600, directory mode 0700):
//!
//! * `wifi.json`: `{"ssid": hex, "passphrase": hex}`
//! * `thread.json`: `{"dataset": hex}` (the operational dataset TLVs)
//! * `sec2.json`: `{"salt": hex, "verifier": hex}`
//!
//! Every write goes to a temp file in the same directory, which is fsynced, renamed over the real
//! file, and then the directory is fsynced: a crash leaves either the old or the new file, never a
//! torn one. Leftover temp files (`.*.tmp`) are removed by [`StateDir::open`]. A file that does not
//! parse is reported as [`StorageError::Corrupt`], never a panic.
//!
//! **Architecture Invariant:** credentials reach this directory only after the connection with them
//! succeeded (the manager emits `PersistWifi` / `PersistThread` on success only).

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use uniprov_core::security::{generate_sec2_credentials, sec2_verifier, Sec2Credentials};
use uniprov_core::{Entropy, Secret};

#[cfg(test)]
#[path = "storage_tests.rs"]
mod tests;

const WIFI_FILE: &str = "wifi.json";
const THREAD_FILE: &str = "thread.json";
const SEC2_FILE: &str = "sec2.json";

/// Salt length of generated security 2 credentials (esp_prov's default).
pub const SEC2_SALT_LEN: usize = 16;

/// A state directory failure.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The directory itself could not be created, set to mode 0700 or listed.
    #[error("cannot {step} {path}: {error}")]
    Dir {
        /// The directory.
        path: PathBuf,
        /// What was being done: `create`, `chmod 0700`, `list`.
        step: &'static str,
        /// The error (its text is part of the message).
        error: io::Error,
    },
    /// A file exists but is not what this version writes (torn, edited, foreign).
    #[error("{path}: corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong (never the content).
        reason: String,
    },
}

/// Proven Wi-Fi credentials. (bssid and channel are not kept: the ESP manager ignores them.)
#[derive(Debug)]
pub struct StoredWifi {
    /// SSID bytes.
    pub ssid: Vec<u8>,
    /// Passphrase bytes (empty for an open network).
    pub passphrase: Secret<Vec<u8>>,
}

/// A proven Thread operational dataset.
#[derive(Debug)]
pub struct StoredThread {
    /// The dataset TLVs.
    pub dataset: Secret<Vec<u8>>,
}

/// The security 2 credentials (docs/protocol.md §6.2).
#[derive(Debug)]
pub struct StoredSec2 {
    /// SRP salt.
    pub salt: Vec<u8>,
    /// SRP verifier.
    pub verifier: Secret<Vec<u8>>,
}

/// The device's state directory.
#[derive(Debug)]
pub struct StateDir {
    path: PathBuf,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WifiFile {
    ssid: String,
    passphrase: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThreadFile {
    dataset: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sec2File {
    salt: String,
    verifier: String,
}

impl StateDir {
    /// Opens (creating, mode 0700) the state directory and removes leftover temp files.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, StorageError> {
        let path = path.into();
        let dir_err = |step| {
            let path = path.clone();
            move |error| StorageError::Dir { path, step, error }
        };
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&path)
            .map_err(dir_err("create"))?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o700))
            .map_err(dir_err("chmod 0700"))?;
        for entry in fs::read_dir(&path).map_err(dir_err("list"))? {
            let name = entry.map_err(dir_err("list"))?.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.ends_with(".tmp") {
                // Best effort: a temp file we cannot remove is harmless.
                let _ = fs::remove_file(path.join(&*name));
            }
        }
        Ok(StateDir { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored Wi-Fi credentials, if any.
    pub fn load_wifi(&self) -> Result<Option<StoredWifi>, StorageError> {
        let Some((path, file)) = self.read::<WifiFile>(WIFI_FILE)? else {
            return Ok(None);
        };
        let file = Scrub(file);
        let ssid = unhex(&path, &file.0.ssid)?;
        let passphrase = Secret::new(unhex(&path, &file.0.passphrase)?);
        // 64: a raw PSK of 64 hex digits.
        if ssid.len() > 32 || passphrase.expose().len() > 64 {
            return Err(corrupt(&path, "ssid or passphrase too long"));
        }
        Ok(Some(StoredWifi { ssid, passphrase }))
    }

    /// Stores Wi-Fi credentials (replacing the previous ones atomically).
    pub fn store_wifi(
        &self,
        ssid: &[u8],
        passphrase: &Secret<Vec<u8>>,
    ) -> Result<(), StorageError> {
        let file = Scrub(WifiFile {
            ssid: hex::encode(ssid),
            passphrase: hex::encode(passphrase.expose()),
        });
        self.write(WIFI_FILE, &file.0)
    }

    /// The stored Thread dataset, if any.
    pub fn load_thread(&self) -> Result<Option<StoredThread>, StorageError> {
        let Some((path, file)) = self.read::<ThreadFile>(THREAD_FILE)? else {
            return Ok(None);
        };
        let file = Scrub(file);
        let dataset = Secret::new(unhex(&path, &file.0.dataset)?);
        Ok(Some(StoredThread { dataset }))
    }

    /// Stores a Thread dataset.
    pub fn store_thread(&self, dataset: &Secret<Vec<u8>>) -> Result<(), StorageError> {
        let file = Scrub(ThreadFile {
            dataset: hex::encode(dataset.expose()),
        });
        self.write(THREAD_FILE, &file.0)
    }

    /// The stored sec2 salt and verifier, if any.
    pub fn load_sec2(&self) -> Result<Option<StoredSec2>, StorageError> {
        let Some((path, file)) = self.read::<Sec2File>(SEC2_FILE)? else {
            return Ok(None);
        };
        let file = Scrub(file);
        let salt = unhex(&path, &file.0.salt)?;
        let verifier = Secret::new(unhex(&path, &file.0.verifier)?);
        Ok(Some(StoredSec2 { salt, verifier }))
    }

    /// Stores the sec2 salt and verifier.
    pub fn store_sec2(&self, salt: &[u8], verifier: &Secret<Vec<u8>>) -> Result<(), StorageError> {
        let file = Scrub(Sec2File {
            salt: hex::encode(salt),
            verifier: hex::encode(verifier.expose()),
        });
        self.write(SEC2_FILE, &file.0)
    }

    /// The security 2 credentials of `username` / `password` with the salt kept here: the
    /// stored salt when there is one, a new salt of [`SEC2_SALT_LEN`] bytes from `entropy`
    /// otherwise; stored when they changed (first start, new password). So the salt stays the
    /// same across restarts and the verifier only changes with the password.
    ///
    /// A stored salt starting with 0x00 (written before such salts were refused) is replaced,
    /// with a warning: the Android app and esp_prov strip leading zero bytes of the salt and
    /// could never log in (docs/apps.md §3, §6.2). Clients that log in with the password notice
    /// nothing; a verifier copied elsewhere must be redone.
    pub fn sec2_credentials(
        &self,
        username: &[u8],
        password: &[u8],
        entropy: &mut dyn Entropy,
    ) -> Result<Sec2Credentials, StorageError> {
        let stored = self.load_sec2()?.filter(|s| {
            let usable = s.salt.first().is_some_and(|&b| b != 0);
            if !usable {
                tracing::warn!(
                    "the stored security 2 salt starts with 0x00, with which the Android app and esp_prov can never log in: generating a new salt and verifier"
                );
            }
            usable
        });
        let credentials = match &stored {
            Some(s) => Sec2Credentials {
                salt: s.salt.clone(),
                verifier: sec2_verifier(username, password, &s.salt),
            },
            None => generate_sec2_credentials(username, password, SEC2_SALT_LEN, entropy),
        };
        let unchanged = stored
            .as_ref()
            .is_some_and(|s| s.verifier.expose() == credentials.verifier.expose());
        if !unchanged {
            self.store_sec2(&credentials.salt, &credentials.verifier)?;
        }
        Ok(credentials)
    }

    /// Removes the stored Wi-Fi credentials and Thread dataset (not the sec2 credentials).
    pub fn clear_network(&self) -> Result<(), StorageError> {
        for name in [WIFI_FILE, THREAD_FILE] {
            let path = self.path.join(name);
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(StorageError::Io { path, source }),
            }
        }
        self.sync_dir()
    }

    /// Reads and parses `name`; `None` if it does not exist.
    fn read<T: for<'de> Deserialize<'de>>(
        &self,
        name: &str,
    ) -> Result<Option<(PathBuf, T)>, StorageError> {
        let path = self.path.join(name);
        let bytes = match fs::read(&path) {
            Ok(bytes) => Secret::new(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StorageError::Io { path, source }),
        };
        match serde_json::from_slice(bytes.expose()) {
            Ok(value) => Ok(Some((path, value))),
            // Only the category and position: serde_json's message may quote file content.
            Err(e) => Err(corrupt(
                &path,
                &format!(
                    "{:?} error at line {} column {}",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            )),
        }
    }

    /// Writes `value` to `name` atomically with mode 0600.
    fn write<T: Serialize>(&self, name: &str, value: &T) -> Result<(), StorageError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = self
            .path
            .join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        let target = self.path.join(name);
        let bytes =
            Secret::new(
                serde_json::to_vec_pretty(value).map_err(|e| StorageError::Io {
                    path: target.clone(),
                    source: io::Error::other(e),
                })?,
            );
        let result = write_synced(&tmp, bytes.expose()).and_then(|()| fs::rename(&tmp, &target));
        if let Err(source) = result {
            let _ = fs::remove_file(&tmp);
            return Err(StorageError::Io {
                path: target,
                source,
            });
        }
        self.sync_dir()
    }

    fn sync_dir(&self) -> Result<(), StorageError> {
        File::open(&self.path)
            .and_then(|dir| dir.sync_all())
            .map_err(|source| StorageError::Io {
                path: self.path.clone(),
                source,
            })
    }
}

/// Creates `path` (mode 0600, must not exist), writes `bytes` and fsyncs it.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn unhex(path: &Path, text: &str) -> Result<Vec<u8>, StorageError> {
    hex::decode(text).map_err(|_| corrupt(path, "a field is not hex"))
}

fn corrupt(path: &Path, reason: &str) -> StorageError {
    StorageError::Corrupt {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// A file image whose strings are zeroized on drop (they hold hex of secrets).
struct Scrub<T: Strings>(T);

/// File images whose strings may hold secrets.
trait Strings {
    fn strings(&mut self) -> Vec<&mut String>;
}

impl<T: Strings> Drop for Scrub<T> {
    fn drop(&mut self) {
        for s in self.0.strings() {
            drop(Secret::new(std::mem::take(s)));
        }
    }
}

impl Strings for WifiFile {
    fn strings(&mut self) -> Vec<&mut String> {
        vec![&mut self.ssid, &mut self.passphrase]
    }
}

impl Strings for ThreadFile {
    fn strings(&mut self) -> Vec<&mut String> {
        vec![&mut self.dataset]
    }
}

impl Strings for Sec2File {
    fn strings(&mut self) -> Vec<&mut String> {
        vec![&mut self.salt, &mut self.verifier]
    }
}

/// The default state directory: `/var/lib/uniprov` for root, else `$XDG_STATE_HOME/uniprov`, else
/// `~/.local/state/uniprov`; `None` if neither variable is set for a non-root user.
pub fn default_state_dir() -> Option<PathBuf> {
    let env = StateDirEnv {
        is_root: effective_uid() == Some(0),
        xdg_state_home: std::env::var_os("XDG_STATE_HOME").map(PathBuf::from),
        home: std::env::var_os("HOME").map(PathBuf::from),
    };
    env.state_dir()
}

/// What [`default_state_dir`] looks at.
#[derive(Debug, Clone, Default)]
pub struct StateDirEnv {
    /// Whether the process runs as root.
    pub is_root: bool,
    /// `$XDG_STATE_HOME`.
    pub xdg_state_home: Option<PathBuf>,
    /// `$HOME`.
    pub home: Option<PathBuf>,
}

impl StateDirEnv {
    /// The state directory for this environment (XDG: a relative `XDG_STATE_HOME` is ignored).
    pub fn state_dir(&self) -> Option<PathBuf> {
        if self.is_root {
            return Some(PathBuf::from("/var/lib/uniprov"));
        }
        if let Some(xdg) = self.xdg_state_home.as_ref().filter(|p| p.is_absolute()) {
            return Some(xdg.join("uniprov"));
        }
        let home = self.home.as_ref().filter(|p| p.is_absolute())?;
        Some(home.join(".local/state/uniprov"))
    }
}

/// The effective uid, from `/proc/self/status` (no `unsafe` `geteuid` call).
fn effective_uid() -> Option<u32> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}
