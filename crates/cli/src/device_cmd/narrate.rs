//! What `uniprov device` tells the person watching it (stderr), besides the banner: the
//! outcome of each step, in words. Quiet otherwise; `-v` adds the logs. Never a secret: the
//! events carry none.

use tokio::sync::broadcast;
use uniprov::core::messages::{ThreadFailReason, WifiFailReason};
use uniprov::device::manager::ProvEvent;
use uniprov::device::runtime::{DeviceBuilder, DeviceEvent};

/// Prints the outcome lines of `builder`'s events until the device is torn down.
pub(super) fn spawn(builder: &DeviceBuilder) {
    let events = builder.subscribe();
    tokio::spawn(narrate(events));
}

async fn narrate(mut events: broadcast::Receiver<DeviceEvent>) {
    loop {
        match events.recv().await {
            Ok(DeviceEvent::Prov(ProvEvent::Deinit)) | Err(broadcast::error::RecvError::Closed) => {
                return
            }
            Ok(event) => {
                if let Some(line) = line(&event) {
                    eprintln!("{line}");
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {}
        }
    }
}

/// The line for `event`, if it is an outcome a person waits for.
pub(super) fn line(event: &DeviceEvent) -> Option<String> {
    let DeviceEvent::Prov(event) = event else {
        return None;
    };
    Some(match event {
        ProvEvent::CredRecv { ssid } => format!("Received Wi-Fi credentials for {ssid:?}: connecting"),
        ProvEvent::CredFail { reason } => format!(
            "Could not join the network: {}; the client may send new credentials after `uniprov ctrl reset`",
            match reason {
                WifiFailReason::AuthError => "wrong passphrase",
                WifiFailReason::NetworkNotFound => "network not found",
            }
        ),
        ProvEvent::CredSuccess => "Joined the network: provisioning succeeded".to_owned(),
        ProvEvent::ThreadDatasetRecv => "Received a Thread dataset: attaching".to_owned(),
        ProvEvent::ThreadDatasetFail { reason } => format!(
            "Could not attach to the Thread network: {}; the client may send a new dataset after `uniprov ctrl reset`",
            match reason {
                ThreadFailReason::DatasetInvalid => "invalid dataset",
                ThreadFailReason::NetworkNotFound => "network not found",
            }
        ),
        ProvEvent::ThreadDatasetSuccess => {
            "Attached to the Thread network: provisioning succeeded".to_owned()
        }
        ProvEvent::End => "Provisioning ended".to_owned(),
        _ => return None,
    })
}
