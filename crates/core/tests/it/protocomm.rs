//! The device endpoint router (§1, §3): dispatch, sessions, LRU eviction, refusals.

use uniprov_core::protocomm::{EndpointError, EndpointKind, Protocomm, Refusal, Routed};
use uniprov_core::security::{
    ClientHandshake, ClientSecurity, ClientSession, ClientStep, CryptoError, DeviceSecurity,
    HandshakeError, Sec2Patch,
};
use uniprov_core::Secret;
use uniprov_testkit::entropy::Seeded;

const VERSION: &[u8] = b"{\"prov\":{\"ver\":\"v1.1\"}}";

fn router(security: DeviceSecurity, max_sessions: usize) -> Protocomm {
    let mut p = Protocomm::new(security, max_sessions);
    p.set_version(VERSION.to_vec());
    p.add_endpoint("proto-ver", EndpointKind::Version)
        .expect("add");
    p.add_endpoint("prov-session", EndpointKind::Session)
        .expect("add");
    p.add_endpoint("prov-config", EndpointKind::Request)
        .expect("add");
    p
}

fn pop() -> Option<Secret<Vec<u8>>> {
    Some(Secret::new(b"abcd1234".to_vec()))
}

fn sec1() -> (DeviceSecurity, ClientSecurity) {
    (
        DeviceSecurity::Sec1 { pop: pop() },
        ClientSecurity::Sec1 { pop: pop() },
    )
}

fn reply(r: Result<Routed, Refusal>) -> Vec<u8> {
    match r.expect("accepted") {
        Routed::Reply(b) => b,
        other => panic!("expected a reply, got {other:?}"),
    }
}

fn request(r: Result<Routed, Refusal>) -> (String, Vec<u8>) {
    match r.expect("accepted") {
        Routed::Request {
            endpoint,
            plaintext,
        } => (endpoint, plaintext),
        other => panic!("expected a request, got {other:?}"),
    }
}

/// Runs a client handshake for `session` through the router.
fn connect(
    p: &mut Protocomm,
    session: u64,
    client: ClientSecurity,
    rng: &mut Seeded,
) -> ClientSession {
    let mut hs = ClientHandshake::new(client);
    let mut msg = hs.start(rng);
    loop {
        let resp = reply(p.receive(session, "prov-session", &msg, rng));
        match hs.receive(&resp, rng).expect("handshake") {
            ClientStep::Send(next) => msg = next,
            ClientStep::Established(s) => return s,
        }
    }
}

/// One request/response round trip through the router.
fn round_trip(p: &mut Protocomm, session: u64, client: &mut ClientSession, rng: &mut Seeded) {
    let wire = client.encrypt(b"set config").expect("encrypt");
    let (endpoint, plaintext) = request(p.receive(session, "prov-config", &wire, rng));
    assert_eq!(
        (endpoint.as_str(), plaintext.as_slice()),
        ("prov-config", &b"set config"[..])
    );
    let answer = p.respond(session, b"ok").expect("respond");
    assert_eq!(client.decrypt(&answer).expect("decrypt"), b"ok");
}

#[test]
fn proto_ver_answers_verbatim_without_a_session_section3_1() {
    let (dev, _) = sec1();
    let mut p = router(dev, 4);
    let mut rng = Seeded::new(1);
    assert_eq!(
        reply(p.receive(9, "proto-ver", b"ignored", &mut rng)),
        VERSION
    );
    assert_eq!(p.session_count(), 0, "proto-ver opens no session");
}

#[test]
fn unknown_and_removed_endpoints_are_refused_section3_1() {
    let mut p = router(DeviceSecurity::Sec0, 1);
    let mut rng = Seeded::new(2);
    assert_eq!(
        p.receive(1, "prov-nope", b"", &mut rng).err(),
        Some(Refusal::UnknownEndpoint)
    );
    assert!(p.has_endpoint("prov-config"));
    p.remove_endpoint("prov-config");
    assert!(!p.has_endpoint("prov-config"));
    assert_eq!(
        p.receive(1, "prov-config", b"", &mut rng).err(),
        Some(Refusal::UnknownEndpoint)
    );
    assert_eq!(
        p.add_endpoint("proto-ver", EndpointKind::Request),
        Err(EndpointError::Duplicate)
    );
    assert_eq!(
        p.add_endpoint("", EndpointKind::Request),
        Err(EndpointError::EmptyName)
    );
}

#[test]
fn sec0_requests_need_no_handshake_section1() {
    let mut p = router(DeviceSecurity::Sec0, 1);
    let mut rng = Seeded::new(3);
    let (endpoint, plaintext) = request(p.receive(5, "prov-config", b"\x08\x02", &mut rng));
    assert_eq!(
        (endpoint.as_str(), plaintext.as_slice()),
        ("prov-config", &b"\x08\x02"[..])
    );
    assert_eq!(p.respond(5, b"\x08\x03").expect("plaintext"), b"\x08\x03");
    // The optional sec0 handshake works too.
    let sec0 = connect(&mut p, 5, ClientSecurity::Sec0, &mut rng);
    drop(sec0);
    assert_eq!(
        reply(p.receive(5, "prov-session", b"\x52\x03\xa2\x01\x00", &mut rng)),
        b"\x52\x05\x08\x01\xaa\x01\x00"
    );
}

#[test]
fn sec1_and_sec2_requests_before_the_handshake_are_refused_section3_2() {
    let secs = [
        DeviceSecurity::Sec1 { pop: None },
        DeviceSecurity::Sec2 {
            salt: vec![1; 16],
            verifier: Secret::new(vec![2; 384]),
            patch: Sec2Patch::V1,
        },
    ];
    let mut rng = Seeded::new(4);
    for dev in secs {
        let mut p = router(dev, 2);
        assert_eq!(
            p.receive(1, "prov-config", b"x", &mut rng).err(),
            Some(Refusal::NoSession)
        );
        assert_eq!(p.respond(1, b"x").err(), Some(Refusal::NoSession));
        p.open_session(1);
        assert_eq!(
            p.receive(1, "prov-config", b"x", &mut rng).err(),
            Some(Refusal::Crypto(CryptoError::NotEstablished))
        );
    }
}

#[test]
fn sec1_and_sec2_sessions_carry_requests_after_the_handshake() {
    let mut rng = Seeded::new(5);
    let (dev, cli) = sec1();
    let mut p = router(dev, 1);
    let mut client = connect(&mut p, 77, cli, &mut rng);
    assert!(p.is_established(77));
    for _ in 0..3 {
        round_trip(&mut p, 77, &mut client, &mut rng);
    }
    let creds =
        uniprov_core::security::generate_sec2_credentials(b"wifiprov", b"abcd1234", 16, &mut rng);
    let mut p = router(
        DeviceSecurity::Sec2 {
            salt: creds.salt,
            verifier: creds.verifier,
            patch: Sec2Patch::V1,
        },
        1,
    );
    let cli = ClientSecurity::Sec2 {
        username: b"wifiprov".to_vec(),
        password: Secret::new(b"abcd1234".to_vec()),
        patch: Sec2Patch::V1,
    };
    let mut client = connect(&mut p, 78, cli, &mut rng);
    for _ in 0..3 {
        round_trip(&mut p, 78, &mut client, &mut rng);
    }
}

#[test]
fn concurrent_sessions_are_independent() {
    let mut rng = Seeded::new(6);
    let (dev, _) = sec1();
    let mut p = router(dev, 3);
    let mut a = connect(&mut p, 1, sec1().1, &mut rng);
    let mut b = connect(&mut p, 2, sec1().1, &mut rng);
    let mut c = connect(&mut p, 3, sec1().1, &mut rng);
    for _ in 0..2 {
        round_trip(&mut p, 2, &mut b, &mut rng);
        round_trip(&mut p, 1, &mut a, &mut rng);
        round_trip(&mut p, 3, &mut c, &mut rng);
    }
    // A session's ciphertext is meaningless in another session.
    let wire = a.encrypt(b"set config").expect("encrypt");
    let (_, plaintext) = request(p.receive(2, "prov-config", &wire, &mut rng));
    assert_ne!(plaintext, b"set config");
}

#[test]
fn a_full_table_evicts_the_least_recently_used_session() {
    let mut rng = Seeded::new(7);
    let (dev, _) = sec1();
    let mut p = router(dev, 2);
    let mut one = connect(&mut p, 1, sec1().1, &mut rng);
    let _two = connect(&mut p, 2, sec1().1, &mut rng);
    // Session 1 is used again (any receive counts, proto-ver included), so 2 is the LRU.
    round_trip(&mut p, 1, &mut one, &mut rng);
    let _three = connect(&mut p, 3, sec1().1, &mut rng);
    assert_eq!(p.session_count(), 2);
    assert!(p.has_session(1) && !p.has_session(2) && p.has_session(3));
    assert_eq!(
        p.receive(2, "prov-config", b"x", &mut rng).err(),
        Some(Refusal::NoSession)
    );
    round_trip(&mut p, 1, &mut one, &mut rng);
    // proto-ver refreshes recency as well: now 3 is the LRU.
    reply(p.receive(1, "proto-ver", b"", &mut rng));
    p.open_session(4);
    assert!(p.has_session(1) && !p.has_session(3) && p.has_session(4));
}

#[test]
fn max_sessions_one_gives_the_esp_behaviour_section3_2() {
    let mut rng = Seeded::new(8);
    let (dev, _) = sec1();
    let mut p = router(dev, 1);
    let _old = connect(&mut p, 1, sec1().1, &mut rng);
    let mut new = connect(&mut p, 2, sec1().1, &mut rng);
    assert!(!p.has_session(1), "the new session replaced the old one");
    assert_eq!(
        p.receive(1, "prov-config", b"x", &mut rng).err(),
        Some(Refusal::NoSession)
    );
    round_trip(&mut p, 2, &mut new, &mut rng);
    p.close_session(2);
    assert_eq!(p.session_count(), 0);
    assert_eq!(p.respond(2, b"x").err(), Some(Refusal::NoSession));
}

#[test]
fn cmd0_restarts_an_established_session_section3_2() {
    let mut rng = Seeded::new(9);
    let (dev, _) = sec1();
    let mut p = router(dev, 1);
    let mut first = connect(&mut p, 1, sec1().1, &mut rng);
    round_trip(&mut p, 1, &mut first, &mut rng);
    // A new SessionCmd0 on the same transport session restarts the handshake...
    let mut hs = ClientHandshake::new(sec1().1);
    let cmd0 = hs.start(&mut rng);
    reply(p.receive(1, "prov-session", &cmd0, &mut rng));
    assert!(!p.is_established(1));
    let wire = first.encrypt(b"stale").expect("encrypt");
    assert_eq!(
        p.receive(1, "prov-config", &wire, &mut rng).err(),
        Some(Refusal::Crypto(CryptoError::NotEstablished))
    );
    // ...and the new client can finish it.
    let mut second = connect(&mut p, 1, sec1().1, &mut rng);
    round_trip(&mut p, 1, &mut second, &mut rng);
}

#[test]
fn a_failed_handshake_is_refused_and_poisons_the_session() {
    let mut rng = Seeded::new(10);
    let (dev, _) = sec1();
    let mut p = router(dev, 1);
    let mut hs = ClientHandshake::new(ClientSecurity::Sec1 {
        pop: Some(Secret::new(b"wrong".to_vec())),
    });
    let cmd0 = hs.start(&mut rng);
    let resp0 = reply(p.receive(1, "prov-session", &cmd0, &mut rng));
    let ClientStep::Send(cmd1) = hs.receive(&resp0, &mut rng).expect("resp0") else {
        panic!("expected Cmd1");
    };
    assert_eq!(
        p.receive(1, "prov-session", &cmd1, &mut rng).err(),
        Some(Refusal::Handshake(HandshakeError::CredentialsMismatch))
    );
    assert_eq!(
        p.receive(1, "prov-config", b"x", &mut rng).err(),
        Some(Refusal::Crypto(CryptoError::NotEstablished))
    );
    assert!(matches!(
        p.receive(1, "prov-session", &cmd1, &mut rng).err(),
        Some(Refusal::Handshake(HandshakeError::UnexpectedMessage(_)))
    ));
    let mut good = connect(&mut p, 1, sec1().1, &mut rng);
    round_trip(&mut p, 1, &mut good, &mut rng);
}

#[test]
fn garbage_on_any_endpoint_is_refused_without_panicking() {
    let mut rng = Seeded::new(11);
    let (dev, _) = sec1();
    let mut p = router(dev, 4);
    for len in 0..64usize {
        let body: Vec<u8> = (0..len).map(|i| (i * 37 + len) as u8).collect();
        let _ = p.receive(len as u64, "prov-session", &body, &mut rng);
        let _ = p.receive(len as u64, "prov-config", &body, &mut rng);
    }
    assert!(p.session_count() <= 4);
}
