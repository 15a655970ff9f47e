use super::*;

const A: Peer = [1, 2, 3, 4, 5, 6];
const B: Peer = [6, 5, 4, 3, 2, 1];

fn dispatch(links: &mut Links, peer: Peer) -> (SessionId, Option<SessionId>) {
    match links.on_write(peer, 0, 10) {
        Ok(Write::Dispatch { session, opened }) => (session, opened),
        other => panic!("expected a dispatch, got {other:?}"),
    }
}

#[test]
fn s3_2_one_session_per_connection_opened_by_the_first_write() {
    let mut l = Links::default();
    let (sa, opened) = dispatch(&mut l, A);
    assert_eq!(opened, Some(sa));
    assert_eq!(
        dispatch(&mut l, A),
        (sa, None),
        "same connection, same session"
    );
    let (sb, opened) = dispatch(&mut l, B);
    assert_ne!(sa, sb);
    assert_eq!(opened, Some(sb));
    assert_eq!(session_id::kind(sa), Some(session_id::Kind::Ble));
}

#[test]
fn s9_2_read_after_write_returns_the_stored_response_per_characteristic() {
    let mut l = Links::default();
    let (s, _) = dispatch(&mut l, A);
    assert!(l.on_answer(A, s, 2, Some(b"resp-2".to_vec())));
    assert!(l.on_answer(A, s, 4, Some(b"resp-4".to_vec())));
    assert_eq!(l.on_read(A, 2, 0), Ok(b"resp-2".to_vec()));
    assert_eq!(l.on_read(A, 4, 0), Ok(b"resp-4".to_vec()));
    assert_eq!(l.on_read(A, 3, 0), Ok(vec![]), "never written");
    assert_eq!(
        l.on_read(B, 2, 0),
        Ok(vec![]),
        "other connections see nothing"
    );
}

#[test]
fn s9_2_long_reads_are_served_by_offset() {
    let mut l = Links::default();
    let (s, _) = dispatch(&mut l, A);
    let big: Vec<u8> = (0..=255u8).cycle().take(416).collect();
    l.on_answer(A, s, 0, Some(big.clone()));
    assert_eq!(l.on_read(A, 0, 0), Ok(big.clone()));
    assert_eq!(l.on_read(A, 0, 22), Ok(big[22..].to_vec()));
    assert_eq!(l.on_read(A, 0, 416), Ok(vec![]));
    assert_eq!(l.on_read(A, 0, 417), Err(AccessError::InvalidOffset));
}

#[test]
fn s3_3_a_refused_request_keeps_the_previous_value() {
    let mut l = Links::default();
    let (s, _) = dispatch(&mut l, A);
    l.on_answer(A, s, 1, Some(b"old".to_vec()));
    assert!(!l.on_answer(A, s, 1, None));
    assert_eq!(l.on_read(A, 1, 0), Ok(b"old".to_vec()));
}

#[test]
fn s9_2_disconnect_closes_the_session_and_clears_values() {
    let mut l = Links::default();
    let (s, _) = dispatch(&mut l, A);
    l.on_answer(A, s, 1, Some(b"v".to_vec()));
    assert_eq!(l.on_disconnect(A), Some(s));
    assert!(!l.is_connected(A));
    assert_eq!(l.on_read(A, 1, 0), Ok(vec![]));
    assert_eq!(l.on_disconnect(A), None);
    let (s2, opened) = dispatch(&mut l, A);
    assert_ne!(s, s2, "a new connection gets a new session");
    assert_eq!(opened, Some(s2));
    assert!(
        !l.on_answer(A, s, 1, Some(b"late".to_vec())),
        "an answer for the old session is dropped"
    );
}

#[test]
fn s9_2_writes_empty_long_and_offset() {
    let mut l = Links::default();
    assert_eq!(l.on_write(A, 0, 0), Ok(Write::Ignore));
    assert!(!l.is_connected(A), "an empty write opens nothing");
    assert_eq!(l.on_write(A, 0, MAX_VALUE + 1), Err(AccessError::TooLong));
    assert_eq!(l.on_write(A, 18, 10), Err(AccessError::InvalidOffset));
    assert!(matches!(
        l.on_write(A, 0, MAX_VALUE),
        Ok(Write::Dispatch { .. })
    ));
}

#[test]
fn s9_2_manufacturer_data_is_trimmed_to_the_advertising_packet() {
    // flags (3) + 128-bit UUID list (18) + manufacturer AD header (2) leave 8 bytes
    let data: Vec<u8> = (0..16).collect();
    let (company, rest) = manufacturer_entry(&data).expect("room");
    assert_eq!(company, u16::from_le_bytes([0, 1]));
    assert_eq!(rest, (2..8).collect::<Vec<u8>>());
    let used = ADV_DATA_FIXED + 2 + 2 + rest.len();
    assert_eq!(used, ADV_DATA_MAX, "the advertisement is full, not over");
    assert_eq!(
        manufacturer_entry(&data[..8]),
        Some((0x0100, (2..8).collect()))
    );
    assert_eq!(
        manufacturer_entry(&[0xe5, 0x02]),
        None,
        "a company id alone: BlueZ refuses an empty ManufacturerData value"
    );
    assert_eq!(
        manufacturer_entry(&[0xe5, 0x02, 7]),
        Some((0x02e5, vec![7]))
    );
    assert_eq!(manufacturer_entry(&[0xe5]), None, "no company id");
}
