use super::*;
use uniprov_core::messages::AuthMode;

fn creds(ssid: &[u8], pass: &[u8]) -> WifiCredentials {
    WifiCredentials {
        ssid: ssid.to_vec(),
        passphrase: Secret::new(pass.to_vec()),
        bssid: vec![],
        channel: 0,
    }
}

#[test]
fn ok_and_fail_replies() {
    assert_eq!(expect_ok("OK\n"), Ok(()));
    assert_eq!(expect_ok("FAIL-BUSY\n"), Err(Refused("FAIL-BUSY".into())));
    assert_eq!(network_id("3\n"), Ok(3));
    assert!(network_id("FAIL\n").is_err());
}

#[test]
fn ssid_escapes_are_undone() {
    assert_eq!(
        decode_ssid(r#"a\"b\\c\x00\xffd\te"#),
        b"a\"b\\c\x00\xffd\te"
    );
    assert_eq!(decode_ssid("plain"), b"plain");
    // malformed escapes stay as they are; a trailing backslash too
    assert_eq!(decode_ssid(r"x\q\xZZ\"), b"x\\q\\xZZ\\");
}

#[test]
fn scan_results_are_parsed_and_sorted_by_rssi() {
    let text = "bssid / frequency / signal level / flags / ssid\n\
        02:00:00:00:00:00\t2437\t-30\t[WPA2-PSK-CCMP][ESS]\tuniprov-lab\n\
        02:00:00:00:01:00\t5180\t-20\t[WPA2-PSK+SAE-CCMP][ESS]\tmixed\n\
        02:00:00:00:02:00\t2412\t-80\t[ESS]\t\n\
        garbage line\n\
        02:00:00:00:03:00\t2462\t-50\t[WPA-PSK-TKIP][WPA2-PSK-CCMP][ESS]\tcaf\\xc3\\xa9\n";
    let r = parse_scan_results(text);
    assert_eq!(r.len(), 4);
    assert_eq!(r[0].ssid, b"mixed");
    assert_eq!(
        (r[0].channel, r[0].rssi, r[0].auth),
        (36, -20, AuthMode::WPA2_WPA3_PSK)
    );
    assert_eq!(r[1].ssid, b"uniprov-lab");
    assert_eq!(r[1].bssid, vec![2, 0, 0, 0, 0, 0]);
    assert_eq!((r[1].channel, r[1].auth), (6, AuthMode::WPA2_PSK));
    assert_eq!(r[2].ssid, "café".as_bytes());
    assert_eq!(r[2].auth, AuthMode::WPA_WPA2_PSK);
    assert_eq!((r[3].ssid.len(), r[3].auth), (0, AuthMode::OPEN));
}

#[test]
fn scan_flags_cover_wep_eap_sae_owe() {
    assert_eq!(parse_flags("[WEP][ESS]").auth_mode(), AuthMode::WEP);
    assert_eq!(
        parse_flags("[WPA2-EAP-CCMP][ESS]").auth_mode(),
        AuthMode::WPA2_ENTERPRISE
    );
    assert_eq!(
        parse_flags("[RSN-SAE-CCMP][ESS]").auth_mode(),
        AuthMode::WPA3_PSK
    );
    assert_eq!(parse_flags("[WPA2-OWE-CCMP][ESS]").auth_mode(), AuthMode(9));
    assert_eq!(
        parse_flags("[WPA2-FT/PSK+PSK-CCMP][ESS]").auth_mode(),
        AuthMode::WPA2_PSK
    );
}

#[test]
fn bssid_must_have_six_octets() {
    assert_eq!(parse_bssid("02:00:00:00:00:0a"), Some([2, 0, 0, 0, 0, 10]));
    assert_eq!(parse_bssid("02:00:00:00:00"), None);
    assert_eq!(parse_bssid("02:00:00:00:00:00:00"), None);
    assert_eq!(parse_bssid("02:00:00:00:00:0"), None);
}

#[test]
fn status_fields_are_read() {
    let text = "bssid=02:00:00:00:00:00\nfreq=2437\nssid=uniprov-lab\nid=0\nmode=station\n\
        pairwise_cipher=CCMP\ngroup_cipher=CCMP\nkey_mgmt=WPA2-PSK\nwpa_state=COMPLETED\n\
        ip_address=192.168.77.23\naddress=02:00:00:00:01:00\n";
    let s = parse_status(text);
    assert_eq!(s.wpa_state, "COMPLETED");
    assert_eq!(s.ssid.as_deref(), Some(&b"uniprov-lab"[..]));
    assert_eq!(s.bssid, Some([2, 0, 0, 0, 0, 0]));
    assert_eq!((s.freq, s.id), (Some(2437), Some(0)));
    assert_eq!(s.ip_address, Some(Ipv4Addr::new(192, 168, 77, 23)));
    assert_eq!(s.key_mgmt.as_deref(), Some("WPA2-PSK"));
    let idle = parse_status("wpa_state=DISCONNECTED\naddress=02:00:00:00:01:00\n");
    assert_eq!((idle.ssid, idle.ip_address), (None, None));
}

#[test]
fn events_are_recognised() {
    assert_eq!(
        parse_event(
            "<3>CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:00:00 completed [id=2 id_str=]"
        ),
        Some(Event::Connected { id: Some(2) })
    );
    assert_eq!(
        parse_event("<3>CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid=\"uniprov-lab\" auth_failures=1 duration=10 reason=WRONG_KEY"),
        Some(Event::TempDisabled { id: Some(0), reason: "WRONG_KEY".into() })
    );
    assert_eq!(
        parse_event("<3>CTRL-EVENT-NETWORK-NOT-FOUND"),
        Some(Event::NetworkNotFound)
    );
    assert_eq!(
        parse_event(
            "<3>CTRL-EVENT-DISCONNECTED bssid=02:00:00:00:00:00 reason=3 locally_generated=1"
        ),
        Some(Event::Disconnected {
            reason: Some(3),
            locally_generated: true
        })
    );
    assert_eq!(
        parse_event("<3>CTRL-EVENT-SCAN-RESULTS "),
        Some(Event::ScanResults)
    );
    assert_eq!(
        parse_event("<3>CTRL-EVENT-SCAN-FAILED ret=-16"),
        Some(Event::ScanFailed)
    );
    assert_eq!(
        parse_event("<2>CTRL-EVENT-TERMINATING"),
        Some(Event::Terminating)
    );
    assert_eq!(
        parse_event("<3>Trying to associate with 02:00:00:00:00:00"),
        None
    );
    assert_eq!(parse_event(""), None);
    assert_eq!(parse_event("<3"), None);
}

#[test]
fn settings_hex_encode_the_ssid_and_quote_the_passphrase() {
    let s = network_settings(&creds(b"lab \"x\"", b"correct-horse\"battery")).expect("valid");
    let s: Vec<&str> = s.iter().map(|v| v.expose().as_str()).collect();
    assert_eq!(s[0], "ssid 6c616220227822");
    assert!(s.contains(&"psk \"correct-horse\"battery\""));
    assert!(s.contains(&"key_mgmt WPA-PSK WPA-PSK-SHA256 SAE"));
}

#[test]
fn settings_for_an_open_network() {
    let s = network_settings(&creds(b"open", b"")).expect("valid");
    let s: Vec<&str> = s.iter().map(|v| v.expose().as_str()).collect();
    assert!(s.contains(&"key_mgmt NONE"));
    assert!(!s.iter().any(|l| l.starts_with("psk")));
}

#[test]
fn settings_reject_bad_credentials() {
    assert_eq!(
        network_settings(&creds(b"", b"12345678")).err(),
        Some(CredentialError::Ssid)
    );
    assert_eq!(
        network_settings(&creds(&[b'a'; 33], b"12345678")).err(),
        Some(CredentialError::Ssid)
    );
    assert_eq!(
        network_settings(&creds(b"x", b"short")).err(),
        Some(CredentialError::Passphrase)
    );
    assert_eq!(
        network_settings(&creds(b"x", &[b'g'; 64])).err(),
        Some(CredentialError::Passphrase)
    );
    assert_eq!(
        network_settings(&creds(b"x", &[b'a'; 65])).err(),
        Some(CredentialError::Passphrase)
    );
    // A raw PSK of 64 hex digits goes to wpa_supplicant unquoted.
    let psk = [b'a'; 64];
    let lines = network_settings(&creds(b"x", &psk)).expect("a raw PSK");
    let expected = format!("psk {}", "a".repeat(64));
    assert!(lines.iter().any(|l| l.expose() == &expected));
    assert_eq!(
        network_settings(&creds(b"x", b"new\nline!")).err(),
        Some(CredentialError::Passphrase)
    );
}

#[test]
fn verdicts_of_an_attempt() {
    let wrong = Event::TempDisabled {
        id: Some(1),
        reason: "WRONG_KEY".into(),
    };
    assert_eq!(
        judge(1, &wrong),
        Some(Verdict::Failed(WifiFailReason::AuthError))
    );
    assert_eq!(judge(2, &wrong), None, "another network's event");
    let conn = Event::TempDisabled {
        id: Some(1),
        reason: "CONN_FAILED".into(),
    };
    assert_eq!(judge(1, &conn), None);
    assert_eq!(
        judge(1, &Event::NetworkNotFound),
        Some(Verdict::Failed(WifiFailReason::NetworkNotFound))
    );
    assert_eq!(
        judge(1, &Event::Connected { id: Some(1) }),
        Some(Verdict::Associated)
    );
    assert_eq!(
        judge(1, &Event::Connected { id: None }),
        Some(Verdict::Associated)
    );
    assert_eq!(
        judge(
            1,
            &Event::Disconnected {
                reason: Some(15),
                locally_generated: false
            }
        ),
        None
    );
}
