//! `uniprov device --softap`: the SoftAP scheme with NetworkManager. The device scans, brings up
//! a hotspot named after the service name (WPA2 with `--service-key`, else open) and serves the
//! HTTP transport on it; the hotspot goes away when provisioning ended or the device stops
//! (`uniprov::device::network::networkmanager::SoftAp` has the details).
//!
//! Without `--softap-interface` the device asks the radio (its nl80211 interface combinations)
//! whether it runs an access point beside the station. If it does, the hotspot gets its own
//! interface (`uapN`, removed again at the end), so the phone apps, which poll `GetStatus` over
//! the hotspot after Apply, read the outcome, as with an ESP32 in AP+STA mode. If it does not,
//! the device warns that the apps will show a failure although provisioning may succeed.

use anyhow::{bail, Context};
use clap::Args;
use uniprov::device::network::softap::{validate_service_key, validate_ssid};

use super::options::{RadioOptions, TransportOptions};
use super::{RadioArg, SecretArg, TransportArg};

/// Options of the SoftAP scheme.
#[derive(Debug, Clone, Default, Args)]
pub struct SoftApArgs {
    /// SoftAP scheme: a Wi-Fi hotspot named after --service-name, HTTP served on it at
    /// 192.168.4.1 (needs --radio networkmanager).
    #[arg(long)]
    pub softap: bool,
    /// WPA2 passphrase of the hotspot, 8 to 63 characters; without it the hotspot is open.
    #[arg(long, requires = "softap", value_name = "KEY")]
    pub service_key: Option<SecretArg>,
    /// Interface of the hotspot. Default: a new AP interface (uap0) beside --wifi-iface when the
    /// radio allows AP+STA (the hotspot stays up while the station connects), else --wifi-iface
    /// itself (hotspot and station one after the other). Name --wifi-iface here to force that.
    #[arg(long, requires = "softap", value_name = "IFACE")]
    pub softap_interface: Option<String>,
    /// Channel of the hotspot (default: NetworkManager's choice). With --softap-interface on a
    /// radio that runs AP and station on one channel, the home network's channel.
    #[arg(long, requires = "softap", value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=14))]
    pub softap_channel: Option<u32>,
}

/// The combination checks of `--softap`; `Ok(false)` without `--softap`. Warns about an open
/// hotspot.
pub(super) fn check(
    radio: &RadioOptions,
    transports: &TransportOptions,
    service_name: &str,
) -> anyhow::Result<bool> {
    let s = &radio.softap;
    if !s.softap {
        return Ok(false);
    }
    if !uses_networkmanager(radio.radio) {
        bail!("--softap needs --radio networkmanager (the hotspot is a NetworkManager connection)");
    }
    if !transports.serves(TransportArg::Http) {
        bail!("--softap serves the HTTP transport: add --transport http");
    }
    validate_ssid(service_name).context("--service-name")?;
    match &s.service_key {
        Some(key) => validate_service_key(&key.0).context("--service-key")?,
        None => tracing::warn!(
            "no --service-key: the hotspot {service_name:?} is an open network; anyone in range \
             can join it (the provisioning session itself is still protected by --sec-ver)"
        ),
    }
    Ok(true)
}

#[cfg(all(target_os = "linux", feature = "networkmanager"))]
fn uses_networkmanager(radio: RadioArg) -> bool {
    radio == RadioArg::Networkmanager
}

#[cfg(all(target_os = "linux", not(feature = "networkmanager")))]
fn uses_networkmanager(radio: RadioArg) -> bool {
    radio == RadioArg::Networkmanager
}

#[cfg(not(target_os = "linux"))]
fn uses_networkmanager(_radio: RadioArg) -> bool {
    false
}

/// Opens the station backend behind a running hotspot: scan, then hotspot (with the captive
/// portal's DNS address when `captive_dns`).
#[cfg(all(target_os = "linux", feature = "networkmanager"))]
pub(super) async fn open(
    radio: &RadioOptions,
    service_name: &str,
    captive_dns: Option<std::net::Ipv4Addr>,
) -> anyhow::Result<std::sync::Arc<uniprov::device::network::networkmanager::SoftAp>> {
    use uniprov::core::Secret;
    use uniprov::device::network::networkmanager::hotspot::HotspotConfig;
    use uniprov::device::network::networkmanager::{NmConfig, SoftAp};

    let s = &radio.softap;
    let station = radio.linux.wifi_iface.clone();
    let (iface, made) = match s.softap_interface.clone() {
        Some(iface) => (iface, None),
        None => ap_interface(&station, s.softap_channel),
    };
    if iface == station {
        tracing::warn!(
            "{station} runs the hotspot and the station one after the other: the hotspot goes \
             down while the station connects, so the phone apps (which read the outcome over \
             the hotspot) will show a failure although provisioning may succeed; this device's \
             log tells the outcome"
        );
    }
    let mut hotspot = HotspotConfig::new(iface.clone(), service_name);
    hotspot.key = s.service_key.as_ref().map(|k| Secret::new(k.0.clone()));
    hotspot.channel = s.softap_channel;
    hotspot.captive_dns = captive_dns;
    let softap = SoftAp::open_with(NmConfig::new(station), hotspot, made)
        .await
        .with_context(|| format!("starting the SoftAP hotspot {service_name:?} on {iface}"))?;
    Ok(std::sync::Arc::new(softap))
}

/// The hotspot's interface when none was named: a new AP interface beside `station` if the
/// radio runs AP+STA (returned to be owned by the SoftAP), else `station` itself.
#[cfg(all(target_os = "linux", feature = "networkmanager"))]
fn ap_interface(
    station: &str,
    channel: Option<u32>,
) -> (
    String,
    Option<uniprov::device::network::softap_iface::ApInterface>,
) {
    use uniprov::device::network::softap_iface::{probe, ApInterface, RadioRoles};
    match probe(station) {
        RadioRoles::ApSta { phy, channels } => match ApInterface::create(station) {
            Ok(ap) => {
                tracing::info!(
                    %phy,
                    channels,
                    iface = ap.name(),
                    "the radio runs AP+STA: the hotspot gets its own interface and stays up \
                     while the station connects"
                );
                if channels == 1 && channel.is_none() {
                    tracing::warn!(
                        "{phy} runs AP and station on one channel only: without \
                         --softap-channel set to the home network's channel the station may \
                         fail to connect"
                    );
                }
                (ap.name().to_owned(), Some(ap))
            }
            Err(e) => {
                tracing::warn!(error = %e, "falling back to one interface");
                (station.to_owned(), None)
            }
        },
        RadioRoles::OneRole(why) => {
            tracing::info!(%why, "the radio has one role at a time");
            (station.to_owned(), None)
        }
    }
}

/// The captive portal's DNS responder on the hotspot (`network::captive_dns`), until `stop`.
#[cfg(all(target_os = "linux", feature = "networkmanager"))]
pub(super) async fn captive_dns(
    stop: tokio::sync::oneshot::Receiver<()>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    use uniprov::device::network::captive_dns::{bind, serve, CAPTIVE_DNS_ADDRESS};
    use uniprov::device::network::softap::DEFAULT_ADDRESS;
    let listen = std::net::SocketAddr::from((CAPTIVE_DNS_ADDRESS, 53));
    let socket = bind(listen)
        .await
        .with_context(|| format!("the captive portal's DNS on {listen}"))?;
    tracing::info!(%listen, answer = %DEFAULT_ADDRESS, "captive portal DNS: every name is this device");
    Ok(tokio::spawn(serve(socket, DEFAULT_ADDRESS, async move {
        let _ = stop.await;
    })))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::super::options::Options;
    use super::super::DeviceArgs;

    #[derive(Debug, Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: DeviceArgs,
    }

    fn parse(args: &[&str]) -> Result<DeviceArgs, clap::Error> {
        Wrapper::try_parse_from(std::iter::once("device").chain(args.iter().copied()))
            .map(|w| w.args)
    }

    /// [`super::check`] with the parts of `args`.
    fn check(args: &DeviceArgs, service_name: &str) -> anyhow::Result<bool> {
        let options = Options::resolve(args.clone());
        super::check(&options.radio, &options.transports, service_name)
    }

    #[test]
    fn softap_options_need_softap() {
        for bad in [
            &["--service-key", "12345678"][..],
            &["--softap-interface", "uap0"],
            &["--softap-channel", "6"],
            &["--softap", "--softap-channel", "15"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn without_softap_there_is_nothing_to_check() {
        let args = parse(&[]).expect("parse");
        assert!(!check(&args, "PROV_1").expect("no softap"));
    }

    #[test]
    fn softap_needs_networkmanager() {
        let args = parse(&["--softap"]).expect("parse");
        let e = check(&args, "PROV_1").expect_err("sim radio");
        assert!(e.to_string().contains("--radio networkmanager"), "{e}");
    }

    #[test]
    fn the_service_key_is_never_echoed() {
        let args = parse(&["--softap", "--service-key", "secret-key-1"]).expect("parse");
        assert!(!format!("{args:?}").contains("secret-key-1"));
    }

    #[cfg(all(target_os = "linux", feature = "networkmanager"))]
    #[test]
    fn softap_with_networkmanager_checks_the_name_key_and_transport() {
        let ok = parse(&[
            "--softap",
            "--radio",
            "networkmanager",
            "--service-key",
            "12345678",
        ])
        .expect("parse");
        assert!(check(&ok, "PROV_1").expect("valid"));
        assert!(check(&ok, &"x".repeat(33)).is_err());
        let short = parse(&[
            "--softap",
            "--radio",
            "networkmanager",
            "--service-key",
            "key1234",
        ])
        .expect("parse");
        let e = check(&short, "PROV_1").expect_err("7 characters");
        assert!(!format!("{e:#}").contains("key1234"), "{e:#}");
        let console = parse(&[
            "--softap",
            "--radio",
            "networkmanager",
            "--transport",
            "console",
        ])
        .expect("parse");
        assert!(check(&console, "PROV_1").is_err());
        let open = parse(&["--softap", "--radio", "networkmanager"]).expect("parse");
        assert!(check(&open, "PROV_1").expect("open hotspot, with a warning"));
    }
}
