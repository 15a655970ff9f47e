//! Property tests: every decoder returns a value or an error for any input, never panics
//! (ARCHITECTURE.md invariant), and what decodes re-encodes to a stable form.
#![allow(clippy::unwrap_used, missing_docs)]

use proptest::prelude::*;
use uniprov_core::ble::Uuid128;
use uniprov_core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov_core::messages::ctrl::{CtrlRequest, CtrlResponse};
use uniprov_core::messages::scan::{ScanRequest, ScanResponse};
use uniprov_core::proto_ver::VersionInfo;
use uniprov_core::qr::QrPayload;

/// Bytes that are often valid protobuf of the endpoint payloads: a msg field and a member
/// with a plausible tag, followed by arbitrary bytes.
fn protobuf_like() -> impl Strategy<Value = Vec<u8>> {
    (
        0u8..24,
        10u8..24,
        proptest::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(msg, field, body)| {
            let mut out = vec![0x08, msg];
            let tag = (u32::from(field) << 3) | 2;
            if tag < 0x80 {
                out.push(tag as u8);
            } else {
                out.extend([(tag as u8) | 0x80, (tag >> 7) as u8]);
            }
            out.push(body.len() as u8);
            out.extend(body);
            out
        })
}

fn any_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        protobuf_like()
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// §2, §14: the request decoders never panic; an accepted request re-encodes to bytes that
    /// decode to the same request (encode is a fixed point after one round).
    #[test]
    fn s14_request_decoders_never_panic_and_reencode_stably(bytes in any_input()) {
        if let Ok(r) = ConfigRequest::decode(&bytes) {
            let once = r.encode();
            prop_assert_eq!(ConfigRequest::decode(&once).unwrap().encode(), once);
        }
        if let Ok(r) = ScanRequest::decode(&bytes) {
            prop_assert_eq!(ScanRequest::decode(&r.encode()), Ok(r));
        }
        if let Ok(r) = CtrlRequest::decode(&bytes) {
            prop_assert_eq!(CtrlRequest::decode(&r.encode()), Ok(r));
        }
    }

    /// §2.11: the response decoders never panic; an accepted response survives encode/decode.
    #[test]
    fn s2_11_response_decoders_never_panic_and_roundtrip(bytes in any_input()) {
        if let Ok(r) = ConfigResponse::decode(&bytes) {
            prop_assert_eq!(ConfigResponse::decode(&r.encode()), Ok(r));
        }
        if let Ok(r) = ScanResponse::decode(&bytes) {
            prop_assert_eq!(ScanResponse::decode(&r.encode()), Ok(r));
        }
        if let Ok(r) = CtrlResponse::decode(&bytes) {
            prop_assert_eq!(CtrlResponse::decode(&r.encode()), Ok(r));
        }
    }

    /// §8: the proto-ver parser never panics on bytes or on JSON-ish text, and what it
    /// accepts prints and parses back to the same value.
    #[test]
    fn s8_proto_ver_parser_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..128),
        text in r#"\{("[a-z_]{0,8}":(\{("(ver|cap|sec_ver|sec_patch_ver)":("[a-z0-9.]{0,6}"|[0-9]{1,3}|\[("[a-z_]{0,6}",?){0,3}\]),?){0,4}\}|"x"|1),?){0,3}\}"#,
    ) {
        let _ = VersionInfo::parse(&bytes);
        if let Ok(info) = VersionInfo::parse(text.as_bytes()) {
            let again = VersionInfo::parse(info.to_text().as_bytes());
            // A repeated "prov" key collapses to one, so compare the second round.
            prop_assert_eq!(again.as_ref().map(VersionInfo::to_text), Ok(info.to_text()));
        }
    }

    /// §12, §9.2: the QR and UUID parsers never panic.
    #[test]
    fn s12_qr_and_uuid_parsers_never_panic(
        text in ".{0,80}",
        json in r#"\{("(name|transport|pop|username|password|security|network|ver)":("[A-Za-z_]{0,8}"|[0-9]{1,4}|null),?){0,8}\}"#,
    ) {
        let _ = QrPayload::parse(&text);
        if let Ok(qr) = QrPayload::parse(&json) {
            let back = QrPayload::parse(&qr.to_json()).unwrap();
            prop_assert_eq!(back.to_json(), qr.to_json());
        }
        let _ = Uuid128::parse(&text);
    }
}
