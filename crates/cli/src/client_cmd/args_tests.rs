//! Option parsing: both spellings, esp_prov's flag-only form, QR merging, credentials.

#![allow(clippy::unwrap_used)]

use clap::Parser;
use uniprov::client::{ErrorClass, NetworkCredentials, SecurityLevel, Target};
use uniprov::core::messages::NetworkKind;
use uniprov::core::security::SecVer;

use super::*;

#[derive(Debug, Parser)]
struct TestCli {
    #[command(flatten)]
    conn: ConnArgs,
    #[command(flatten)]
    network: NetworkArgs,
}

impl TestCli {
    fn resolve(&self) -> Result<Resolved, ClientError> {
        self.conn.resolve()
    }
}

fn parse(args: &[&str]) -> TestCli {
    let mut argv = vec!["uniprov"];
    argv.extend_from_slice(args);
    TestCli::try_parse_from(argv).unwrap()
}

#[derive(Debug, Parser)]
struct TestCommands {
    #[command(subcommand)]
    command: super::super::ClientCommand,
}

#[test]
fn subcommands_refuse_the_options_they_would_ignore() {
    let parses =
        |args: &[&str]| TestCommands::try_parse_from([&["uniprov"], args].concat()).is_ok();
    assert!(parses(&["scan", "--pop", "p"]));
    assert!(!parses(&["scan", "--reset"]));
    assert!(!parses(&["status", "--ssid", "x", "--passphrase", "y"]));
    assert!(!parses(&["version", "--dataset-tlvs", "00"]));
    assert!(!parses(&["ctrl", "reset", "--custom-data", "x"]));
    assert!(!parses(&["custom", "--data", "d", "--ssid", "x"]));
    assert!(parses(&[
        "provision",
        "--ssid",
        "x",
        "--passphrase",
        "12345678",
        "--reset"
    ]));
}

#[test]
fn esp_prov_and_dashed_spellings_are_the_same_option() {
    let a = parse(&[
        "--transport",
        "softap",
        "--service_name",
        "10.0.0.2:8080",
        "--sec_ver",
        "2",
        "--sec2_username",
        "u",
        "--sec2_pwd",
        "p",
        "--custom_data",
        "x",
        "--dataset_tlvs",
        "00",
        "--ble_adapter",
        "hci1",
    ]);
    let b = parse(&[
        "--transport",
        "softap",
        "--service-name",
        "10.0.0.2:8080",
        "--sec-ver",
        "2",
        "--sec2-username",
        "u",
        "--sec2-pwd",
        "p",
        "--custom-data",
        "x",
        "--dataset-tlvs",
        "00",
        "--ble-adapter",
        "hci1",
    ]);
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    assert_eq!(a.conn.service_name.as_deref(), Some("10.0.0.2:8080"));
    assert_eq!(a.conn.sec_ver, Some(SecVer::Sec2));
}

#[test]
fn http_defaults_to_the_softap_address() {
    let r = parse(&["--transport", "httpd"]).resolve().unwrap();
    assert_eq!(
        r.target,
        Target::Http {
            authority: "192.168.4.1:80".into()
        }
    );
    let r = parse(&[]).resolve().unwrap();
    assert_eq!(
        r.target,
        Target::Http {
            authority: "192.168.4.1:80".into()
        }
    );
}

#[test]
fn exec_and_serial_imply_the_console_transport() {
    let r = parse(&["--exec", "uniprov device --transport console"])
        .resolve()
        .unwrap();
    assert_eq!(
        r.target,
        Target::ConsoleExec {
            command: "uniprov device --transport console".into()
        }
    );
    let r = parse(&["--serial", "/dev/ttyUSB0", "--baud", "921600"])
        .resolve()
        .unwrap();
    assert_eq!(
        r.target,
        Target::ConsoleSerial {
            path: "/dev/ttyUSB0".into(),
            baud: 921_600
        }
    );
    let r = parse(&["--transport", "console"]).resolve().unwrap();
    assert_eq!(r.target, Target::ConsoleInteractive);
}

#[test]
fn sec_ver_out_of_range_is_rejected_by_the_parser() {
    assert!(TestCli::try_parse_from(["uniprov", "--sec_ver", "3"]).is_err());
}

#[test]
fn qr_fills_transport_name_and_credentials_but_flags_win() {
    let qr = r#"{"ver":"v1","name":"PROV_1A2B3C","username":"wifiprov","pop":"abcd1234","transport":"ble"}"#;
    let r = parse(&["--qr", qr]).resolve().unwrap();
    assert_eq!(
        r.target,
        Target::Ble {
            name: "PROV_1A2B3C".into(),
            adapter: None
        }
    );
    assert_eq!(r.security.username.as_deref(), Some("wifiprov"));
    assert_eq!(
        r.security.pop.as_ref().map(|p| p.expose().clone()),
        Some(b"abcd1234".to_vec())
    );
    assert_eq!(r.security.expected_level(), Some(SecurityLevel::Sec2));
    let r = parse(&[
        "--qr",
        qr,
        "--transport",
        "softap",
        "--service_name",
        "127.0.0.1:9",
        "--pop",
        "other",
    ])
    .resolve()
    .unwrap();
    assert_eq!(
        r.target,
        Target::Http {
            authority: "127.0.0.1:9".into()
        }
    );
    assert_eq!(
        r.security.pop.as_ref().map(|p| p.expose().clone()),
        Some(b"other".to_vec())
    );
}

#[test]
fn a_softap_qr_notes_the_network_to_join() {
    let qr = r#"{"ver":"v1","name":"PROV_AP","pop":"abcd1234","transport":"softap"}"#;
    let r = parse(&["--qr", qr]).resolve().unwrap();
    assert_eq!(
        r.target,
        Target::Http {
            authority: "192.168.4.1:80".into()
        }
    );
    assert!(r.notes[0].contains("PROV_AP"));
}

#[test]
fn credentials_from_flags() {
    let r = parse(&["--ssid", "home", "--passphrase", "mypassword"])
        .network
        .credentials()
        .unwrap();
    assert!(r.as_ref().and_then(NetworkCredentials::ssid) == Some(&b"home"[..]));
    let r = parse(&["--dataset_tlvs", "0e080000000000010000"])
        .network
        .credentials()
        .unwrap();
    assert!(r
        .as_ref()
        .is_some_and(|c| c.network() == NetworkKind::Thread));
    let e = parse(&["--ssid", "home", "--dataset_tlvs", "00"])
        .network
        .credentials()
        .unwrap_err();
    assert_eq!(e.class(), ErrorClass::Usage);
    let e = parse(&["--ssid", "home", "--passphrase", "short"])
        .network
        .credentials()
        .unwrap_err();
    assert_eq!(e.class(), ErrorClass::Usage);
    let e = parse(&["--qr", "{}"]).resolve().unwrap_err();
    assert_eq!(e.class(), ErrorClass::Usage);
}

#[test]
fn timeout_sets_request_and_connect_limits() {
    let r = parse(&["--timeout", "2.5"]).resolve().unwrap();
    assert_eq!(
        r.options.request_timeout,
        std::time::Duration::from_millis(2500)
    );
    assert_eq!(
        r.options.connect_timeout,
        std::time::Duration::from_millis(2500)
    );
    assert!(parse(&["--timeout", "0"]).resolve().is_err());
}
