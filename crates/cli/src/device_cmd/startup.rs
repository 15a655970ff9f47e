//! Start-up failures of `uniprov device` for people: one line of cause, one line of what to do
//! (`error: ...` / `hint: ...`, printed by `main`).

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::path::Path;

use uniprov::device::runtime::StartError;
use uniprov::device::storage::StorageError;

/// An error whose message is complete (no cause chain to append) with what to do about it.
#[derive(Debug)]
pub struct Explained {
    /// The cause, one line.
    pub message: String,
    /// What to do, one line.
    pub hint: Option<String>,
}

impl std::fmt::Display for Explained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Explained {}

impl Explained {
    /// An explained error.
    pub fn error(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Explained {
            message: message.into(),
            hint: Some(hint.into()),
        })
    }
}

/// The error text of `kind` without the `(os error N)` suffix, lower case.
pub fn os_text(error: &std::io::Error) -> String {
    let text = error.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text).to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// Explains a failed [`DeviceBuilder::start`](uniprov::device::runtime::DeviceBuilder::start).
pub fn explain_start(error: StartError, listen: SocketAddr) -> anyhow::Error {
    match &error {
        StartError::Transport { target, source } => {
            explain_transport(target, source, listen).unwrap_or_else(|| anyhow::Error::new(error))
        }
        StartError::Storage(storage) => {
            explain_storage(storage).unwrap_or_else(|| anyhow::Error::new(error))
        }
        _ => anyhow::Error::new(error),
    }
}

fn explain_transport(
    target: &str,
    source: &std::io::Error,
    listen: SocketAddr,
) -> Option<anyhow::Error> {
    let is_listen = target == listen.to_string();
    let other_port = "--listen 127.0.0.1:8080";
    match source.kind() {
        ErrorKind::PermissionDenied if is_listen && listen.port() < 1024 => Some(Explained::error(
            format!(
                "cannot listen on {target}: port {} needs root or the CAP_NET_BIND_SERVICE capability",
                listen.port()
            ),
            format!(
                "run it with sudo, grant the capability (sudo setcap cap_net_bind_service=+ep \"$(command -v uniprov)\"), or use a port above 1023: {other_port}"
            ),
        )),
        ErrorKind::AddrInUse if is_listen => Some(Explained::error(
            format!("cannot listen on {target}: the address is already in use"),
            format!(
                "stop the other program on port {} (`ss -ltnp` names it; another `uniprov device`?) or choose another port: {other_port}",
                listen.port()
            ),
        )),
        ErrorKind::AddrNotAvailable if is_listen => Some(Explained::error(
            format!("cannot listen on {target}: no interface of this machine has that address"),
            "use an address of this machine, 0.0.0.0 for all of them: --listen 0.0.0.0:80",
        )),
        _ => None,
    }
}

/// The explanation of a failure anywhere in `error`'s chain: an [`Explained`] one, or a state
/// directory failure.
pub fn explanation(error: &anyhow::Error) -> Option<Explained> {
    for cause in error.chain() {
        if let Some(explained) = cause.downcast_ref::<Explained>() {
            return Some(Explained {
                message: explained.message.clone(),
                hint: explained.hint.clone(),
            });
        }
        let storage = cause.downcast_ref::<StorageError>().or_else(|| {
            match cause.downcast_ref::<StartError>() {
                Some(StartError::Storage(s)) => Some(s),
                _ => None,
            }
        });
        if let Some(explained) = storage
            .and_then(explain_storage)
            .and_then(|e| e.downcast::<Explained>().ok())
        {
            return Some(explained);
        }
    }
    None
}

fn explain_storage(error: &StorageError) -> Option<anyhow::Error> {
    let (path, step, io) = match error {
        StorageError::Dir { path, step, error } => (path, *step, error),
        StorageError::Io { path, source } => (path, "use", source),
        StorageError::Corrupt { path, reason } => {
            return Some(Explained::error(
                format!("the state file {} is corrupt: {reason}", path.display()),
                format!(
                    "move it away (its device then provisions again) or restore it: mv {} {}.bad",
                    path.display(),
                    path.display()
                ),
            ))
        }
    };
    let subject = format!("cannot {step} the state directory {}", path.display());
    let elsewhere = "--state-dir DIR (a directory you can write; default for non-root users: ~/.local/state/uniprov)";
    Some(match io.kind() {
        ErrorKind::PermissionDenied => Explained::error(
            format!("{subject}: permission denied"),
            format!("run as the user that owns it (root for /var/lib/uniprov), or use {elsewhere}"),
        ),
        ErrorKind::NotADirectory | ErrorKind::AlreadyExists => {
            let blocker = file_in_the_way(path);
            Explained::error(
                format!(
                    "{subject}: {} is a file, not a directory",
                    blocker.display()
                ),
                format!("remove or rename that file, or use {elsewhere}"),
            )
        }
        _ => Explained::error(
            format!("{subject}: {}", os_text(io)),
            format!("use {elsewhere}"),
        ),
    })
}

/// The path itself or the first of its ancestors that exists and is not a directory.
fn file_in_the_way(path: &Path) -> &Path {
    path.ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .find(|p| p.exists() && !p.is_dir())
        .unwrap_or(path)
}

/// A TOML error of `path` in one line (`FILE line 3, column 9: expected ...`) with `hint`.
pub fn toml_error(path: &Path, text: &str, error: &toml::de::Error, hint: &str) -> anyhow::Error {
    let at = error
        .span()
        .and_then(|span| text.get(..span.start))
        .map(|before| {
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!(" line {line}, column {column}")
        })
        .unwrap_or_default();
    let message = error.message().trim().replace('\n', "; ");
    Explained::error(format!("{}{at}: {message}", path.display()), hint)
}
