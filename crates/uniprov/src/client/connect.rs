//! Opening the transport a [`Target`] names.

use super::error::ClientError;
use super::options::{DeviceOptions, Target};
use super::transport::ClientTransport;

/// Opens the transport for `target`.
pub async fn open(
    target: &Target,
    options: &DeviceOptions,
) -> Result<Box<dyn ClientTransport>, ClientError> {
    let _ = options;
    Err(ClientError::Usage(format!(
        "transport for {target} not available yet"
    )))
}
