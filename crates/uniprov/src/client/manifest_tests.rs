//! Manifest parsing.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::client::ErrorClass;

const GOOD: &str = "\
# devices of batch 7
transport,service_name,sec_ver,pop,username,password,ssid,passphrase,network,dataset_tlvs
softap,127.0.0.1:8001,1,abcd1234,,,home,mypassword,,
httpd,,2,,wifiprov,abcd1234,home,mypassword,wifi,
ble,PROV_1A2B3C,,,,,,,,0e080000000000010000
";

#[test]
fn rows_become_targets_security_and_credentials() {
    let entries = parse(GOOD.as_bytes()).unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(
        entries[0].target,
        Target::Http {
            authority: "127.0.0.1:8001".into()
        }
    );
    assert_eq!(entries[0].security.sec_ver, Some(SecVer::Sec1));
    assert_eq!(
        entries[0].security.pop.as_ref().unwrap().expose(),
        b"abcd1234"
    );
    assert_eq!(
        entries[1].target,
        Target::Http {
            authority: DEFAULT_HTTP_SERVICE.into()
        }
    );
    assert_eq!(entries[1].security.username.as_deref(), Some("wifiprov"));
    assert!(entries[1].credentials.ssid() == Some(&b"home"[..]));
    assert_eq!(
        entries[2].target,
        Target::Ble {
            name: "PROV_1A2B3C".into(),
            adapter: None
        }
    );
    assert!(entries[2]
        .credentials
        .dataset()
        .is_some_and(|dataset| dataset.expose().len() == 10));
    assert_eq!(entries[2].security.sec_ver, None);
}

#[test]
fn minimal_columns_and_console_rows() {
    let text = "transport,ssid,passphrase,exec\nconsole,home,,uniprov device --transport console\n";
    let entries = parse(text.as_bytes()).unwrap();
    assert_eq!(
        entries[0].target,
        Target::ConsoleExec {
            command: "uniprov device --transport console".into()
        }
    );
    let text = "transport,ssid,serial,baud\nconsole,home,/dev/ttyUSB0,\n";
    let entries = parse(text.as_bytes()).unwrap();
    assert_eq!(
        entries[0].target,
        Target::ConsoleSerial {
            path: "/dev/ttyUSB0".into(),
            baud: DEFAULT_BAUD
        }
    );
}

fn usage_error(text: &str) -> String {
    let e = parse(text.as_bytes()).unwrap_err();
    assert_eq!(e.class(), ErrorClass::Usage);
    e.to_string()
}

#[test]
fn bad_rows_are_usage_errors_with_line_numbers() {
    let e = usage_error("transport,ssid\nsoftap,home\nwifi,home\n");
    assert!(
        e.contains("line 3") && e.contains("unknown transport"),
        "{e}"
    );
    let e = usage_error("transport,ssid,sec_ver\nsoftap,home,3\n");
    assert!(e.contains("line 2") && e.contains("sec_ver"), "{e}");
    let e = usage_error("transport,ssid,passphrase\nsoftap,home,short\n");
    assert!(e.contains("passphrase"), "{e}");
    let e = usage_error("transport,ssid\nsoftap,\n");
    assert!(e.contains("ssid"), "{e}");
    let e = usage_error("transport,network\nsoftap,thread\n");
    assert!(e.contains("dataset_tlvs"), "{e}");
    let e = usage_error("transport,ssid,dataset_tlvs\nsoftap,x,zz\n");
    assert!(e.contains("hex"), "{e}");
    let e = usage_error("transport\nble\n");
    assert!(e.contains("device name"), "{e}");
}

#[test]
fn unknown_columns_and_empty_manifests_are_refused() {
    let e = usage_error("transport,ssid,passwrod\nsoftap,home,x\n");
    assert!(e.contains("passwrod"), "{e}");
    let e = usage_error("transport,ssid\n");
    assert!(e.contains("no devices"), "{e}");
}

#[test]
fn secrets_do_not_show_in_debug_output() {
    let entries = parse(GOOD.as_bytes()).unwrap();
    let debug = format!("{entries:?}");
    assert!(
        !debug.contains("abcd1234") && !debug.contains("mypassword"),
        "{debug}"
    );
}

#[test]
fn hex_accepts_spaces_and_prefix() {
    assert_eq!(parse_hex("0x0e 08 00").unwrap(), vec![0x0e, 0x08, 0x00]);
    assert!(parse_hex("0e0").is_err());
}
