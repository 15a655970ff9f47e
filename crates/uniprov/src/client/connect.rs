//! Opening the transport a [`Target`] names.

use tokio::process::Command;

use super::error::ClientError;
use super::options::{ClientOptions, Target};
use super::transport::{
    ClientTransport, ConsoleClient, ConsoleClientConfig, HttpClient, HttpClientConfig,
    TransportError,
};

/// Opens the transport for `target`. HTTP connects (TCP) here; BLE scans, connects and
/// discovers the provisioning service; console starts the child or opens the port.
pub async fn open(
    target: &Target,
    options: &ClientOptions,
) -> Result<Box<dyn ClientTransport>, ClientError> {
    // A malformed address is the caller's mistake; everything else means "cannot reach".
    let unreachable = |error: TransportError| match error {
        TransportError::Protocol(message) => ClientError::Usage(message),
        other => ClientError::Unreachable(other),
    };
    let console = ConsoleClientConfig {
        response_timeout: Some(options.request_timeout),
        max_line: options.console_max_line,
        ..ConsoleClientConfig::default()
    };
    match target {
        Target::Http { authority } => {
            let config = HttpClientConfig {
                request_timeout: options.request_timeout,
                ..HttpClientConfig::default()
            };
            let client = HttpClient::connect(authority, config)
                .await
                .map_err(unreachable)?;
            Ok(Box::new(client))
        }
        Target::ConsoleExec { command } => {
            // `exec` lets the shell become the command, so dropping the client ends it.
            let mut child = Command::new("sh");
            child.arg("-c").arg(format!("exec {command}"));
            Ok(Box::new(
                ConsoleClient::exec(child, console).map_err(unreachable)?,
            ))
        }
        Target::ConsoleSerial { path, baud } => Ok(Box::new(
            ConsoleClient::serial(path, *baud, console).map_err(unreachable)?,
        )),
        Target::ConsoleInteractive => {
            // Requests go to stderr so that stdout stays free for `--json`.
            let stdin = tokio::io::BufReader::new(tokio::io::stdin());
            Ok(Box::new(ConsoleClient::interactive(
                stdin,
                tokio::io::stderr(),
            )))
        }
        Target::Ble { name, adapter } => open_ble(name, adapter.as_deref(), options).await,
    }
}

#[cfg(feature = "ble")]
async fn open_ble(
    name: &str,
    adapter: Option<&str>,
    options: &ClientOptions,
) -> Result<Box<dyn ClientTransport>, ClientError> {
    let client = super::ble::BleClient::connect(name, adapter, options.request_timeout).await?;
    Ok(Box::new(client))
}

#[cfg(not(feature = "ble"))]
async fn open_ble(
    name: &str,
    adapter: Option<&str>,
    options: &ClientOptions,
) -> Result<Box<dyn ClientTransport>, ClientError> {
    let _ = (name, adapter, options);
    Err(ClientError::Usage(
        "this uniprov was built without BLE support; rebuild with `--features ble` \
         (needs the libdbus-1-dev and pkg-config packages)"
            .into(),
    ))
}
