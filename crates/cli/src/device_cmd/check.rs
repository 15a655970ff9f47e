//! `uniprov device --check-config`: validate the options (usually `--config FILE`) the way a
//! start would, without opening a transport, a radio or the state directory, then exit.
//!
//! Besides every error a start would report (unknown keys, bad values, a radio or transport
//! this build lacks, SoftAP and BLE combinations, malformed security 2 salt / verifier), it
//! refuses a security 2 configuration without credentials: as a service nobody could read the
//! random per-run password, so such a device could never be provisioned. The systemd unit runs
//! it before every start (`packaging/uniprov.service`). Weak but explicit choices (security 0,
//! security 1 without a PoP) are warnings. It prints no secret.

use anyhow::{bail, Context};
use uniprov::core::security::SecVer;
use uniprov::device::network::sim::SimConfig;

use super::options::{Options, SecurityOptions};
use super::{softap, RadioArg};

/// Checks the merged options; `Ok` carries the one-line summary printed on success.
pub(super) fn check(options: &Options) -> anyhow::Result<String> {
    let security = security(&options.security)?;
    let radio = &options.radio;
    // The option is always accepted; a start without the feature would fail.
    #[cfg(target_os = "linux")]
    if radio.radio == RadioArg::Networkmanager && !cfg!(feature = "networkmanager") {
        bail!(
            "this uniprov was built without the networkmanager radio (cargo feature \
             `networkmanager`)"
        );
    }
    let service_name = &options.output.service_name;
    softap::check(radio, &options.transports, service_name)?;
    if let Some(path) = &radio.sim_config {
        SimConfig::load(path).with_context(|| format!("reading {}", path.display()))?;
    }
    options.refuse_conflicts()?;
    // The builder checks the transports' own options (BLE name, UUIDs); nothing is started.
    super::builder(
        super::security::DeviceSide::Given(uniprov::core::security::DeviceSecurity::Sec0),
        &options.manager,
        &options.transports,
        service_name,
    )?;
    let transports: Vec<String> = options
        .transports
        .kinds
        .iter()
        .map(|t| format!("{t:?}").to_lowercase())
        .collect();
    Ok(format!(
        "configuration OK: {security}, transports {}, radio {}, service name {service_name:?}",
        transports.join("+"),
        radio_name(radio.radio),
    ))
}

/// The security scheme's summary, or why it cannot serve.
fn security(args: &SecurityOptions) -> anyhow::Result<String> {
    match args.sec_ver {
        SecVer::Sec0 => {
            tracing::warn!("security 0: no encryption, no authentication (asked for explicitly)");
            Ok("security 0".into())
        }
        SecVer::Sec1 => {
            if args.pop.as_ref().is_none_or(|p| p.0.is_empty()) {
                tracing::warn!(
                    "security 1 without a PoP: anyone in range can provision this device"
                );
                return Ok("security 1 without PoP".into());
            }
            Ok("security 1 with PoP".into())
        }
        _ => {
            if let Some((salt, verifier)) = &args.salt_verifier {
                let salt = hex::decode(salt.trim()).context("--sec2-salt is not hex")?;
                let verifier =
                    hex::decode(verifier.0.trim()).context("--sec2-verifier is not hex")?;
                if salt.is_empty() || verifier.is_empty() {
                    bail!("--sec2-salt and --sec2-verifier must not be empty");
                }
                return Ok(format!(
                    "security 2 (user {:?}, salt and verifier)",
                    args.username
                ));
            }
            match &args.password {
                Some(p) if !p.0.is_empty() => {
                    Ok(format!("security 2 (user {:?}, password)", args.username))
                }
                _ => bail!(
                    "security 2 without credentials: set sec2-salt and sec2-verifier (from \
                     `uniprov sec2-gen-cred`) or sec2-pwd (or UNIPROV_SEC2_PWD); a random \
                     per-run password could never be read from a service"
                ),
            }
        }
    }
}

fn radio_name(radio: RadioArg) -> &'static str {
    match radio {
        RadioArg::Sim => "sim",
        #[cfg(target_os = "linux")]
        RadioArg::WpaSupplicant => "wpa-supplicant",
        #[cfg(target_os = "linux")]
        RadioArg::Networkmanager => "networkmanager",
    }
}
