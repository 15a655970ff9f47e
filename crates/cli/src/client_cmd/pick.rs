//! Choosing a network on the terminal when `provision` runs without `--ssid`.

use std::io::IsTerminal;

use dialoguer::{Input, Password, Select};
use uniprov::client::{ClientError, NetworkCredentials};
use uniprov::core::messages::{AuthMode, WifiScanEntry};
use uniprov::core::Secret;

/// One line of the menu: SSID, signal, channel, security.
pub fn entry_line(e: &WifiScanEntry) -> String {
    let auth = e
        .auth
        .name()
        .map_or_else(|| format!("auth {}", e.auth.0), str::to_owned);
    format!(
        "{:<32}  {:>4} dBm  ch {:>2}  {}",
        String::from_utf8_lossy(&e.ssid),
        e.rssi,
        e.channel,
        auth
    )
}

/// Asks which network to join (and its passphrase unless given or open).
pub fn choose(
    entries: &[WifiScanEntry],
    passphrase: Option<String>,
) -> Result<NetworkCredentials, ClientError> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(ClientError::Usage(
            "no --ssid given and no terminal to choose a network on".into(),
        ));
    }
    let prompt_error = |e: dialoguer::Error| ClientError::Usage(format!("prompt failed: {e}"));
    let mut items: Vec<String> = entries.iter().map(entry_line).collect();
    items.push("(other network: type its SSID)".into());
    let index = Select::new()
        .with_prompt("Wi-Fi network for the device")
        .items(&items)
        .default(0)
        .interact()
        .map_err(prompt_error)?;
    let (ssid, open) = match entries.get(index) {
        Some(e) => (e.ssid.clone(), e.auth == AuthMode::OPEN),
        None => {
            let typed: String = Input::new()
                .with_prompt("SSID")
                .interact_text()
                .map_err(prompt_error)?;
            (typed.into_bytes(), false)
        }
    };
    let passphrase = match passphrase {
        Some(p) => p,
        None if open => String::new(),
        None => Password::new()
            .with_prompt(format!("Passphrase for {}", String::from_utf8_lossy(&ssid)))
            .allow_empty_password(true)
            .interact()
            .map_err(prompt_error)?,
    };
    NetworkCredentials::wifi(ssid, Secret::new(passphrase.into_bytes()))
}
