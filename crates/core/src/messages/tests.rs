//! Boundary rules of the endpoint codecs (§2.11, §10.3, §14): what is accepted, what is
//! rejected and with which error. The vector replays live in `tests/it/vectors`.
#![allow(clippy::unwrap_used)]

use alloc::vec;
use alloc::vec::Vec;

use super::config::{ConfigRequest, ConfigResponse};
use super::ctrl::{CtrlRequest, CtrlResponse};
use super::scan::{ScanReply, ScanRequest, ScanResponse};
use super::{
    AuthMode, DecodeError, Status, ThreadStatus, WifiConnected, WifiCredentials, WifiFailReason,
    WifiScanParams, WifiStatus,
};
use crate::Secret;

fn h(s: &str) -> Vec<u8> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("bad hex"),
    };
    s.as_bytes()
        .chunks(2)
        .map(|p| digit(p[0]) << 4 | digit(p[1]))
        .collect()
}

fn config_req(hex: &str) -> Result<ConfigRequest, DecodeError> {
    ConfigRequest::decode(&h(hex))
}

#[test]
fn s14_empty_sub_message_requests_dispatch_on_msg_alone() {
    assert!(matches!(config_req(""), Ok(ConfigRequest::GetWifiStatus)));
    assert!(matches!(
        config_req("0804"),
        Ok(ConfigRequest::ApplyWifiConfig)
    ));
    assert!(matches!(
        config_req("08047200"),
        Ok(ConfigRequest::ApplyWifiConfig)
    ));
    assert!(matches!(
        config_req("0806"),
        Ok(ConfigRequest::GetThreadStatus)
    ));
    assert!(matches!(
        config_req("080a"),
        Ok(ConfigRequest::ApplyThreadConfig)
    ));
    assert!(matches!(
        config_req("080aa20100"),
        Ok(ConfigRequest::ApplyThreadConfig)
    ));
    assert_eq!(ScanRequest::decode(&h("0802")), Ok(ScanRequest::WifiStatus));
    assert_eq!(
        ScanRequest::decode(&h("0808")),
        Ok(ScanRequest::ThreadStatus)
    );
    assert_eq!(
        ScanRequest::decode(&h("0808920100")),
        Ok(ScanRequest::ThreadStatus)
    );
    for (hex, req) in [
        ("0801", CtrlRequest::WifiReset),
        ("08015a00", CtrlRequest::WifiReset),
        ("0803", CtrlRequest::WifiReprov),
        ("08036a00", CtrlRequest::WifiReprov),
        ("0805", CtrlRequest::ThreadReset),
        ("0807", CtrlRequest::ThreadReprov),
        ("08078a0100", CtrlRequest::ThreadReprov),
    ] {
        assert_eq!(CtrlRequest::decode(&h(hex)), Ok(req), "{hex}");
    }
}

#[test]
fn s14_requests_with_content_need_their_payload() {
    assert_eq!(config_req("0802").unwrap_err(), DecodeError::MissingPayload);
    assert_eq!(config_req("0808").unwrap_err(), DecodeError::MissingPayload);
    assert_eq!(ScanRequest::decode(&[]), Err(DecodeError::MissingPayload));
    assert_eq!(
        ScanRequest::decode(&h("0804")),
        Err(DecodeError::MissingPayload)
    );
    assert_eq!(
        ScanRequest::decode(&h("0806")),
        Err(DecodeError::MissingPayload)
    );
    assert_eq!(
        ScanRequest::decode(&h("080a")),
        Err(DecodeError::MissingPayload)
    );
}

#[test]
fn s2_msg_that_disagrees_with_the_payload_is_a_mismatch() {
    // Apply msg carrying GetStatus; SetConfig member under msg 0; a response member under a
    // request msg.
    assert_eq!(
        config_req("08045200").unwrap_err(),
        DecodeError::MsgMismatch
    );
    assert_eq!(
        config_req("62140a066d7973736964120a6d7970617373776f7264").unwrap_err(),
        DecodeError::MsgMismatch
    );
    assert_eq!(
        config_req("08047a00").unwrap_err(),
        DecodeError::MsgMismatch
    );
    assert_eq!(
        ScanRequest::decode(&h("08027200")),
        Err(DecodeError::MsgMismatch)
    );
    assert_eq!(
        CtrlRequest::decode(&h("08016a00")),
        Err(DecodeError::MsgMismatch)
    );
    assert_eq!(
        CtrlRequest::decode(&h("08016200")),
        Err(DecodeError::MsgMismatch)
    );
    assert!(ConfigResponse::decode(&h("08036a00")).is_ok());
    assert_eq!(
        ConfigResponse::decode(&h("08037a00")),
        Err(DecodeError::MsgMismatch)
    );
    assert_eq!(
        ScanResponse::decode(&h("08035a00")),
        Err(DecodeError::MsgMismatch)
    );
    assert_eq!(
        CtrlResponse::decode(&h("08027200")),
        Err(DecodeError::MsgMismatch)
    );
}

#[test]
fn s2_response_sent_as_request_and_unknown_msg_are_unknown() {
    assert_eq!(config_req("0805").unwrap_err(), DecodeError::UnknownMsg(5));
    assert_eq!(
        config_req("08057a00").unwrap_err(),
        DecodeError::UnknownMsg(5)
    );
    assert_eq!(config_req("080c").unwrap_err(), DecodeError::UnknownMsg(12));
    assert_eq!(
        config_req("08ffffffffffffffffff01").unwrap_err(),
        DecodeError::UnknownMsg(-1)
    );
    assert_eq!(
        ScanRequest::decode(&h("08015a00")),
        Err(DecodeError::UnknownMsg(1))
    );
    assert_eq!(CtrlRequest::decode(&[]), Err(DecodeError::UnknownMsg(0)));
    assert_eq!(
        CtrlRequest::decode(&h("08026200")),
        Err(DecodeError::UnknownMsg(2))
    );
    assert_eq!(
        CtrlRequest::decode(&h("0809")),
        Err(DecodeError::UnknownMsg(9))
    );
    // And the other way round: a request is not a response.
    assert_eq!(
        ConfigResponse::decode(&h("0804")),
        Err(DecodeError::UnknownMsg(4))
    );
    assert_eq!(
        ScanResponse::decode(&h("0802")),
        Err(DecodeError::UnknownMsg(2))
    );
    assert_eq!(
        CtrlResponse::decode(&h("0801")),
        Err(DecodeError::UnknownMsg(1))
    );
    assert_eq!(CtrlResponse::decode(&[]), Err(DecodeError::UnknownMsg(0)));
}

#[test]
fn s2_bad_protobuf_is_malformed() {
    for hex in ["ff", "0802620a", "62", "08", "0a"] {
        assert_eq!(
            config_req(hex).unwrap_err(),
            DecodeError::Malformed,
            "{hex}"
        );
        assert_eq!(
            ScanRequest::decode(&h(hex)),
            Err(DecodeError::Malformed),
            "{hex}"
        );
        assert_eq!(
            CtrlRequest::decode(&h(hex)),
            Err(DecodeError::Malformed),
            "{hex}"
        );
    }
    // Status and state values outside their enums.
    assert_eq!(
        ConfigResponse::decode(&h("08036a020809")),
        Err(DecodeError::Malformed)
    );
    assert_eq!(
        ConfigResponse::decode(&h("08015a021007")),
        Err(DecodeError::Malformed)
    );
    assert_eq!(
        ConfigResponse::decode(&h("08015a0410035002")),
        Err(DecodeError::Malformed)
    );
    assert_eq!(
        CtrlResponse::decode(&h("080210086200")),
        Err(DecodeError::Malformed)
    );
    // ip4_addr is a protobuf string: invalid UTF-8 is malformed.
    assert_eq!(
        ConfigResponse::decode(&h("08015a055a030a01ff")),
        Err(DecodeError::Malformed)
    );
}

#[test]
fn s10_3_status_state_member_must_agree_with_sta_state() {
    // Connected + fail_reason; Disconnected + attempt_failed; Failed + connected details.
    for hex in [
        "08015a025000",
        "08015a0410026200",
        "08015a0810035a040a02312e",
    ] {
        assert_eq!(
            ConfigResponse::decode(&h(hex)),
            Err(DecodeError::MsgMismatch),
            "{hex}"
        );
    }
}

#[test]
fn s10_3_client_reads_status_like_protobuf_readers() {
    let state = |hex: &str| match ConfigResponse::decode(&h(hex)).unwrap() {
        ConfigResponse::WifiStatus { state, .. } => state,
        other => panic!("{other:?}"),
    };
    assert_eq!(state("08015a021002"), WifiStatus::Disconnected);
    assert_eq!(
        state("08015a021003"),
        WifiStatus::Failed(WifiFailReason::AuthError)
    );
    assert_eq!(
        state("08015a0410015a00"),
        WifiStatus::Connecting {
            attempts_remaining: None
        }
    );
    assert_eq!(
        state("08015a0410016200"),
        WifiStatus::Connecting {
            attempts_remaining: Some(0)
        }
    );
    assert_eq!(
        ConfigResponse::decode(&h("0801")),
        Err(DecodeError::MissingPayload)
    );
}

#[test]
fn s2_11_device_status_encodings_follow_the_firmware_quirks() {
    let enc = |state: WifiStatus| {
        ConfigResponse::WifiStatus {
            status: Status::Success,
            state,
        }
        .encode()
    };
    assert_eq!(
        enc(WifiStatus::Connecting {
            attempts_remaining: None
        }),
        h("08015a021001")
    );
    assert_eq!(
        enc(WifiStatus::Connecting {
            attempts_remaining: Some(2)
        }),
        h("08015a06100162020802")
    );
    assert_eq!(
        enc(WifiStatus::Failed(WifiFailReason::AuthError)),
        h("08015a0410035000")
    );
    assert_eq!(
        ConfigResponse::wifi_status_unavailable(Status::InternalError).encode(),
        h("08015a020805")
    );
    assert_eq!(
        ConfigResponse::ThreadStatus {
            status: Status::Success,
            state: ThreadStatus::Attaching
        }
        .encode(),
        h("08078a01021001")
    );
}

#[test]
fn s2_6_unknown_auth_modes_survive_both_directions() {
    let c = WifiConnected {
        ip4_addr: "10.0.0.2".into(),
        auth_mode: AuthMode(14),
        ssid: b"ent".to_vec(),
        bssid: vec![2, 0, 0, 0, 0, 1],
        channel: 11,
    };
    let resp = ConfigResponse::WifiStatus {
        status: Status::Success,
        state: WifiStatus::Connected(c),
    };
    assert_eq!(ConfigResponse::decode(&resp.encode()), Ok(resp));
}

#[test]
fn s2_7_set_config_roundtrips_through_client_and_device() {
    let req = ConfigRequest::SetWifiConfig(WifiCredentials {
        ssid: b"myssid".to_vec(),
        passphrase: Secret::new(b"mypassword".to_vec()),
        bssid: vec![],
        channel: 0,
    });
    let bytes = req.encode();
    assert_eq!(bytes, h("080262140a066d7973736964120a6d7970617373776f7264"));
    let Ok(ConfigRequest::SetWifiConfig(c)) = ConfigRequest::decode(&bytes) else {
        panic!("not SetWifiConfig");
    };
    assert_eq!(c.passphrase.expose(), b"mypassword");
}

#[test]
fn s10_6_scan_requests_and_responses_roundtrip() {
    let start = ScanRequest::WifiStart(WifiScanParams {
        blocking: true,
        passive: false,
        group_channels: 5,
        period_ms: 120,
    });
    assert_eq!(start.encode(), h("5206080118052078"));
    assert_eq!(ScanRequest::decode(&start.encode()), Ok(start));
    let resp = ScanResponse {
        status: Status::InternalError,
        reply: ScanReply::WifiResult(vec![]),
    };
    assert_eq!(resp.encode(), h("080510057a00"));
    assert_eq!(ScanResponse::decode(&resp.encode()), Ok(resp));
    // RespScanStart with msg alone is still a start reply.
    assert_eq!(
        ScanResponse::decode(&h("0801")).map(|r| r.reply),
        Ok(ScanReply::WifiStarted)
    );
    assert_eq!(
        ScanResponse::decode(&h("0803")),
        Err(DecodeError::MissingPayload)
    );
}

#[test]
fn s2_9_ctrl_response_names_the_request_it_answers() {
    let r = CtrlResponse {
        request: CtrlRequest::ThreadReset,
        status: Status::InvalidArgument,
    };
    assert_eq!(r.encode(), h("08061004820100"));
    assert_eq!(CtrlResponse::decode(&r.encode()), Ok(r));
    assert_eq!(
        CtrlResponse::decode(&h("0804")).map(|r| r.request),
        Ok(CtrlRequest::WifiReprov)
    );
}
