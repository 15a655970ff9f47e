//! The negotiation table (docs/protocol.md §7 item 1, §8, §13).

#![allow(clippy::unwrap_used)]

use super::*;

fn secret(s: &str) -> Option<Secret<Vec<u8>>> {
    Some(Secret::new(s.as_bytes().to_vec()))
}

fn offer(sec_ver: Option<u32>, patch: Option<u32>, caps: &[&str]) -> SecurityOffer {
    SecurityOffer {
        sec_ver: sec_ver.map(SecVer::from),
        sec_patch_ver: patch,
        capabilities: Capabilities::parse(caps),
    }
}

fn sec2_request() -> SecurityRequest {
    SecurityRequest {
        username: Some("wifiprov".into()),
        password: secret("abcd1234"),
        ..SecurityRequest::default()
    }
}

#[test]
fn sec_ver_from_proto_ver_selects_sec2_without_explicit_flag() {
    let n = negotiate(sec2_request(), &offer(Some(2), Some(1), &[])).unwrap();
    assert!(matches!(
        n.security,
        ClientSecurity::Sec2 {
            patch: Sec2Patch::V1,
            ..
        }
    ));
    assert_eq!(n.source, ChoiceSource::SecVer);
    assert!(n.warnings.is_empty());
}

#[test]
fn absent_sec_patch_ver_means_patch_0() {
    let n = negotiate(sec2_request(), &offer(Some(2), None, &[])).unwrap();
    assert!(matches!(
        n.security,
        ClientSecurity::Sec2 {
            patch: Sec2Patch::V0,
            ..
        }
    ));
}

#[test]
fn unknown_patch_uses_counter_and_warns() {
    let n = negotiate(sec2_request(), &offer(Some(2), Some(7), &[])).unwrap();
    assert!(matches!(
        n.security,
        ClientSecurity::Sec2 {
            patch: Sec2Patch::V1,
            ..
        }
    ));
    assert_eq!(n.warnings, vec![Warning::UnknownPatch { sec_patch_ver: 7 }]);
}

#[test]
fn absent_sec_ver_falls_back_to_capabilities_like_esp_prov() {
    let n = negotiate(SecurityRequest::default(), &offer(None, None, &["no_sec"])).unwrap();
    assert!(matches!(n.security, ClientSecurity::Sec0));
    assert_eq!(n.source, ChoiceSource::Capabilities);
    let r = SecurityRequest {
        pop: secret("abcd1234"),
        ..SecurityRequest::default()
    };
    let n = negotiate(r, &offer(None, None, &["wifi_scan"])).unwrap();
    assert_eq!(SecurityLevel::of(&n.security), SecurityLevel::Sec1Pop);
    assert!(n.warnings.is_empty());
}

#[test]
fn explicit_choice_wins_and_is_reported() {
    let r = SecurityRequest {
        sec_ver: Some(SecVer::Sec1),
        pop: secret("x"),
        ..SecurityRequest::default()
    };
    let n = negotiate(r, &offer(Some(2), Some(1), &[])).unwrap();
    assert_eq!(n.security.sec_ver(), SecVer::Sec1);
    assert_eq!(n.source, ChoiceSource::Explicit);
    assert_eq!(
        n.warnings,
        vec![Warning::Overridden {
            requested: SecVer::Sec1,
            advertised: SecVer::Sec2
        }]
    );
}

#[test]
fn qr_expecting_sec2_but_device_offers_sec0_is_a_downgrade() {
    let r = SecurityRequest {
        expected: Some(SecurityLevel::Sec2),
        ..sec2_request()
    };
    let n = negotiate(r, &offer(Some(0), Some(0), &["no_sec"])).unwrap();
    assert!(matches!(n.security, ClientSecurity::Sec0));
    assert_eq!(
        n.warnings,
        vec![Warning::Downgrade {
            expected: SecurityLevel::Sec2,
            chosen: SecurityLevel::Sec0
        }]
    );
}

#[test]
fn pop_given_but_device_says_no_pop_is_a_downgrade() {
    let r = SecurityRequest {
        pop: secret("abcd1234"),
        ..SecurityRequest::default()
    };
    let n = negotiate(r, &offer(Some(1), Some(0), &["no_pop", "wifi_scan"])).unwrap();
    assert!(matches!(n.security, ClientSecurity::Sec1 { pop: None }));
    assert_eq!(
        n.warnings,
        vec![Warning::Downgrade {
            expected: SecurityLevel::Sec1Pop,
            chosen: SecurityLevel::Sec1NoPop
        }]
    );
}

#[test]
fn old_firmware_without_sec_ver_downgrades_a_sec2_qr_to_sec1() {
    let r = SecurityRequest {
        pop: secret("abcd1234"),
        username: Some("wifiprov".into()),
        ..SecurityRequest::default()
    };
    let n = negotiate(r, &offer(None, None, &["wifi_scan"])).unwrap();
    assert_eq!(SecurityLevel::of(&n.security), SecurityLevel::Sec1Pop);
    assert_eq!(
        n.warnings,
        vec![Warning::Downgrade {
            expected: SecurityLevel::Sec2,
            chosen: SecurityLevel::Sec1Pop
        }]
    );
}

#[test]
fn no_credentials_and_no_expectation_means_no_warning() {
    let n = negotiate(
        SecurityRequest::default(),
        &offer(Some(0), Some(0), &["no_sec"]),
    )
    .unwrap();
    assert!(n.warnings.is_empty());
    let n = negotiate(
        SecurityRequest::default(),
        &offer(Some(1), Some(0), &["no_pop"]),
    )
    .unwrap();
    assert!(matches!(n.security, ClientSecurity::Sec1 { pop: None }));
    assert!(n.warnings.is_empty());
}

#[test]
fn sec1_with_pop_required_but_missing_is_a_usage_error() {
    let e = negotiate(SecurityRequest::default(), &offer(Some(1), Some(0), &[])).unwrap_err();
    assert_eq!(e.class(), crate::client::ErrorClass::Usage);
}

#[test]
fn an_empty_pop_is_given_not_missing() {
    // §5: a device started with PoP "" lists no `no_pop` and skips the XOR; so does `--pop ''`.
    let r = SecurityRequest {
        pop: secret(""),
        ..SecurityRequest::default()
    };
    let n = negotiate(r, &offer(Some(1), Some(0), &["wifi_scan"])).unwrap();
    assert!(matches!(n.security, ClientSecurity::Sec1 { pop: None }));
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    let summary = SecuritySummary::new(&n.security, n.source);
    assert!(!summary.pop);
    // The same without sec_ver (ESP-IDF v4.x) and against a device that also says no_pop.
    let r = SecurityRequest {
        pop: secret(""),
        ..SecurityRequest::default()
    };
    let n = negotiate(r, &offer(None, None, &["wifi_scan"])).unwrap();
    assert!(matches!(n.security, ClientSecurity::Sec1 { pop: None }));
    let r = SecurityRequest {
        pop: secret(""),
        ..SecurityRequest::default()
    };
    let n = negotiate(r, &offer(Some(1), Some(0), &["no_pop"])).unwrap();
    assert!(matches!(n.security, ClientSecurity::Sec1 { pop: None }));
    // An empty PoP is no security 2 password.
    let r = SecurityRequest {
        pop: secret(""),
        username: Some("wifiprov".into()),
        ..SecurityRequest::default()
    };
    let e = negotiate(r, &offer(Some(2), Some(1), &[])).unwrap_err();
    assert_eq!(e.class(), crate::client::ErrorClass::Usage);
}

#[test]
fn sec2_needs_username_and_password() {
    let r = SecurityRequest {
        password: secret("p"),
        ..SecurityRequest::default()
    };
    let e = negotiate(r, &offer(Some(2), Some(1), &[])).unwrap_err();
    assert_eq!(e.class(), crate::client::ErrorClass::Usage);
    let r = SecurityRequest {
        username: Some("u".into()),
        ..SecurityRequest::default()
    };
    assert!(negotiate(r, &offer(Some(2), Some(1), &[])).is_err());
}

#[test]
fn sec2_takes_the_qr_pop_as_password() {
    let r = SecurityRequest {
        username: Some("wifiprov".into()),
        pop: secret("abcd1234"),
        ..SecurityRequest::default()
    };
    let n = negotiate(r, &offer(Some(2), Some(1), &[])).unwrap();
    match n.security {
        ClientSecurity::Sec2 { password, .. } => assert_eq!(password.expose(), b"abcd1234"),
        other => panic!("expected sec2, got {other:?}"),
    }
}

#[test]
fn unknown_scheme_is_refused() {
    let e = negotiate(SecurityRequest::default(), &offer(Some(3), None, &[])).unwrap_err();
    assert!(matches!(e, ClientError::UnsupportedSecurity(3)));
}

#[test]
fn summary_never_contains_secrets() {
    let n = negotiate(sec2_request(), &offer(Some(2), Some(1), &[])).unwrap();
    let summary = format!("{:?}", SecuritySummary::new(&n.security, n.source));
    assert!(!summary.contains("abcd1234"), "{summary}");
    assert!(summary.contains("wifiprov"));
    assert!(!format!("{:?}", n.security).contains("abcd1234"));
}
