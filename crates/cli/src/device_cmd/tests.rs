//! Option parsing and output formatting of `uniprov device`.

use clap::Parser;
use uniprov::core::security::SecVer;
use uniprov::device::manager::ProvEvent;
use uniprov::device::runtime::DeviceEvent;

use super::options::Options;
use super::{banner, events, parse_app_info, security, DeviceArgs, TransportArg};

#[derive(Debug, Parser)]
struct Wrapper {
    #[command(flatten)]
    args: DeviceArgs,
}

fn parse(args: &[&str]) -> Result<DeviceArgs, clap::Error> {
    Wrapper::try_parse_from(std::iter::once("device").chain(args.iter().copied())).map(|w| w.args)
}

#[test]
fn defaults_are_esps() {
    let args = parse(&[]).expect("parse");
    assert_eq!(args.sec_ver, SecVer::Sec2);
    assert_eq!(args.sec_patch_ver, 1);
    assert_eq!(args.transports, [TransportArg::Http]);
    assert_eq!(args.listen.to_string(), "0.0.0.0:80");
    assert_eq!((args.cleanup_delay_ms, args.autostop_timeout_s), (1000, 30));
    assert_eq!((args.scan_max_entries, args.max_sessions), (16, 16));
}

#[test]
fn out_of_range_values_are_refused() {
    for bad in [
        &["--sec-ver", "3"][..],
        &["--cleanup-delay-ms", "99"],
        &["--autostop-timeout-s", "4"],
        &["--scan-max-entries", "0"],
        &["--max-sessions", "0"],
        &["--sec-patch-ver", "2"],
        &["--reset", "--force-provisioning"],
        &["--sec2-salt", "00"],
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
    let both = parse(&[
        "--transport",
        "http",
        "--transport",
        "console",
        "--sim",
        "w.toml",
    ]);
    assert_eq!(both.expect("parse").transports.len(), 2);
}

#[test]
fn secrets_do_not_show_in_debug() {
    let args = parse(&[
        "--sec-ver",
        "1",
        "--pop",
        "hunter2-pop",
        "--sec2-pwd",
        "pw-hunter2",
    ]);
    let text = format!("{:?}", args.expect("parse"));
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn app_info_is_label_version_and_caps() {
    let app = parse_app_info("rmaker:1.0:claim,ota").expect("parse");
    assert_eq!((app.label.as_str(), app.ver.as_str()), ("rmaker", "1.0"));
    assert_eq!(app.cap, ["claim", "ota"]);
    assert!(parse_app_info("plain:2").expect("parse").cap.is_empty());
    assert!(parse_app_info("prov:1").is_err());
    assert!(parse_app_info("nover").is_err());
}

#[test]
fn default_service_name_is_stable_and_esp_shaped() {
    let name = banner::default_service_name();
    assert_eq!(name, banner::default_service_name());
    assert!(name.starts_with("PROV_") && name.len() == 11, "{name}");
}

#[test]
fn events_are_flat_json_objects() {
    let event = DeviceEvent::Prov(ProvEvent::CredRecv {
        ssid: "HomeNetwork".into(),
    });
    let json = events::to_json(&event);
    assert_eq!(json["event"], "cred_recv");
    assert_eq!(json["ssid"], "HomeNetwork");
}

#[test]
fn hardening_defaults_are_the_documented_ones_and_zero_limits_are_refused() {
    let h = parse(&[]).expect("parse").hardening;
    assert_eq!((h.auth_max_failures, h.auth_global_max_failures), (5, 20));
    assert_eq!((h.auth_backoff_cap_s, h.session_idle_timeout_s), (30, 900));
    assert_eq!(h.max_connections, 32);
    assert_eq!(h.show_secrets, super::hardening::ShowSecrets::Auto);
    for bad in [
        &["--auth-max-failures", "0"][..],
        &["--auth-backoff-cap-s", "0"],
        &["--session-idle-timeout-s", "0"],
        &["--max-connections", "0"],
        &["--show-secrets", "sometimes"],
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn sec2_username_defaults_to_the_apps_name_for_the_network() {
    let name = |args: &[&str]| {
        Options::resolve(parse(args).expect("parse"))
            .security
            .username
    };
    assert_eq!(name(&[]), "wifiprov");
    assert_eq!(name(&["--network", "thread"]), "threadprov");
    assert_eq!(
        name(&["--network", "thread", "--sec2-username", "alice"]),
        "alice",
        "an explicit username wins"
    );
    assert_eq!(name(&["--sec2-username", "bob"]), "bob");
}

#[test]
fn reset_on_failure_is_on_by_default_and_the_last_flag_wins() {
    let on = |args: &[&str]| !parse(args).expect("parse").no_reset_on_failure;
    assert!(on(&[]));
    assert!(!on(&["--no-reset-on-failure"]));
    assert!(on(&["--no-reset-on-failure", "--reset-on-failure"]));
    assert!(!on(&["--reset-on-failure", "--no-reset-on-failure"]));
}

#[test]
fn the_printed_commands_show_the_thread_default_username() {
    let args = parse(&["--network", "thread", "--sec2-pwd", "pw-for-test"]).expect("parse");
    let configured = security::configure(&Options::resolve(args).security).expect("security");
    let command = banner::client_security(&configured.shown, "uniprov", false);
    assert!(command.contains("--sec2-username threadprov"), "{command}");
    let esp = banner::client_security(&configured.shown, "esp_prov", false);
    assert!(esp.contains("--sec2_username threadprov"), "{esp}");
}

/// Moved from the manager's tests with the manager into the core (the JSON form is the CLI's).
#[test]
fn events_serialize_without_secrets() {
    let json = |e: ProvEvent| serde_json::to_string(&events::ProvEventJson(&e)).expect("json");
    assert_eq!(json(ProvEvent::Init), r#"{"event":"init"}"#);
    assert_eq!(
        json(ProvEvent::CredRecv {
            ssid: "HomeNetwork".into()
        }),
        r#"{"event":"cred_recv","ssid":"HomeNetwork"}"#
    );
    assert_eq!(
        json(ProvEvent::CredFail {
            reason: uniprov::core::messages::WifiFailReason::AuthError
        }),
        r#"{"event":"cred_fail","reason":"auth_error"}"#
    );
    assert_eq!(
        json(ProvEvent::ThreadDatasetFail {
            reason: uniprov::core::messages::ThreadFailReason::NetworkNotFound
        }),
        r#"{"event":"thread_dataset_fail","reason":"network_not_found"}"#
    );
}

/// Every event and reason keeps the JSON the serde derives wrote before the move.
#[test]
fn event_json_names_are_the_derived_ones() {
    use uniprov::device::network::{DisconnectReason, NetworkEvent};
    let names = [
        (ProvEvent::Start, r#"{"event":"start"}"#),
        (ProvEvent::SetStaConfig, r#"{"event":"set_sta_config"}"#),
        (ProvEvent::CredSuccess, r#"{"event":"cred_success"}"#),
        (
            ProvEvent::ThreadDatasetRecv,
            r#"{"event":"thread_dataset_recv"}"#,
        ),
        (
            ProvEvent::ThreadDatasetSuccess,
            r#"{"event":"thread_dataset_success"}"#,
        ),
        (ProvEvent::End, r#"{"event":"end"}"#),
        (ProvEvent::Deinit, r#"{"event":"deinit"}"#),
    ];
    for (event, want) in names {
        assert_eq!(events::to_json(&DeviceEvent::Prov(event)).to_string(), want);
    }
    let reason = |reason| {
        let event = DeviceEvent::Network(NetworkEvent::Disconnected { reason });
        events::to_json(&event)["reason"].to_string()
    };
    assert_eq!(
        reason(DisconnectReason::AuthFailed),
        r#"{"kind":"auth_failed"}"#
    );
    assert_eq!(
        reason(DisconnectReason::NoApFound),
        r#"{"kind":"no_ap_found"}"#
    );
    assert_eq!(
        reason(DisconnectReason::Other(3)),
        r#"{"code":3,"kind":"other"}"#
    );
}
