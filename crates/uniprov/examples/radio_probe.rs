//! Drives one Linux network backend directly, without the provisioning manager: the radio tests
//! use it to check a backend against the real daemon (`tests/radio/guest/backend-*.sh`).
//!
//! ```text
//! radio_probe wpa-supplicant CTRL_PATH [--dhcp CMD...] -- scan
//! radio_probe wpa-supplicant CTRL_PATH -- connect SSID PASSPHRASE [persist]
//! radio_probe networkmanager IFACE -- connect SSID PASSPHRASE [persist]
//! ```
//! Prints one line per result: `scan <ssid> ch=<n> rssi=<n> auth=<n>`, `event <Debug>`,
//! `persisted`. Exit status 0 when the command did what it was asked.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Duration;

use uniprov::core::messages::{WifiCredentials, WifiScanParams};
use uniprov::core::Secret;
use uniprov::device::network::{NetworkBackend, NetworkEvent};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let split = args.iter().position(|a| a == "--").ok_or("missing --")?;
    let (setup, cmd) = (&args[..split], &args[split + 1..]);
    let backend = open(setup).await?;
    match cmd.first().map(String::as_str) {
        Some("scan") => {
            for e in backend.scan_wifi(WifiScanParams::default()).await? {
                let ssid = String::from_utf8_lossy(&e.ssid);
                println!(
                    "scan {ssid} ch={} rssi={} auth={}",
                    e.channel, e.rssi, e.auth.0
                );
            }
        }
        Some("connect") => {
            let (ssid, pass) = (cmd.get(1).ok_or("ssid")?, cmd.get(2).ok_or("passphrase")?);
            let creds = WifiCredentials {
                ssid: ssid.as_bytes().to_vec(),
                passphrase: Secret::new(pass.as_bytes().to_vec()),
                bssid: vec![],
                channel: 0,
            };
            let mut rx = backend.subscribe();
            backend.connect_wifi(&creds).await?;
            let ev = tokio::time::timeout(Duration::from_secs(120), rx.recv()).await??;
            println!("event {ev:?}");
            if matches!(ev, NetworkEvent::Connected(_))
                && cmd.get(3).is_some_and(|c| c == "persist")
            {
                backend.persist_wifi(&creds).await?;
                println!("persisted");
            }
        }
        _ => return Err("usage: see the source".into()),
    }
    Ok(())
}

async fn open(setup: &[String]) -> Result<Arc<dyn NetworkBackend>, Box<dyn std::error::Error>> {
    match setup.first().map(String::as_str) {
        #[cfg(target_os = "linux")]
        Some("wpa-supplicant") => {
            use uniprov::device::network::wpa_supplicant::{WpaConfig, WpaSupplicant};
            let mut cfg = WpaConfig::new(setup.get(1).ok_or("control socket path")?);
            if setup.get(2).is_some_and(|a| a == "--dhcp") {
                cfg.dhcp_command = Some(setup[3..].to_vec());
            }
            Ok(Arc::new(WpaSupplicant::open(cfg).await?))
        }
        #[cfg(all(target_os = "linux", feature = "networkmanager"))]
        Some("networkmanager") => {
            use uniprov::device::network::networkmanager::{NetworkManager, NmConfig};
            let cfg = NmConfig::new(setup.get(1).ok_or("interface")?);
            Ok(Arc::new(NetworkManager::open(cfg).await?))
        }
        _ => Err("unknown radio".into()),
    }
}
