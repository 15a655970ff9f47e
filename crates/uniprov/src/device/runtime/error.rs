//! [`StartError`]: why [`DeviceBuilder::start`](super::DeviceBuilder::start) failed.

use crate::device::network::NetworkError;
use crate::device::storage::StorageError;
use crate::device::transport::OpenError;

/// Why the device did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The state directory could not be opened or read.
    #[error("state directory: {0}")]
    Storage(#[from] StorageError),
    /// The network backend failed (forgetting credentials).
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// A transport could not be opened.
    #[error("cannot open {target}: {source}")]
    Transport {
        /// The address or port.
        target: String,
        /// Why.
        source: std::io::Error,
    },
    /// A custom endpoint name is empty, reserved or given twice.
    #[error("invalid custom endpoint name {0:?}")]
    Endpoint(String),
    /// An application label is empty, `"prov"` or given twice (§8).
    #[error("invalid app info label {0:?}")]
    AppInfo(String),
}

impl From<OpenError> for StartError {
    fn from(OpenError { target, source }: OpenError) -> Self {
        StartError::Transport { target, source }
    }
}
