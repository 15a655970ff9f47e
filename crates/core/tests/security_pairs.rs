//! Client and device in memory with seeded randomness: many handshakes over random
//! credentials (so the 1-in-256 leading-zero cases of B, S, K and M occur), wrong credentials,
//! and a tamper hook for bit flips, truncation, reordering and replays.
//!
//! Iteration counts are lower in debug builds; the crypto dependencies are optimised even
//! there (see the root `Cargo.toml`), so `cargo test` stays within a few seconds and
//! `cargo test --release` runs the larger counts.

mod common;

use common::Seeded;
use rand_chacha::rand_core::RngCore;
use uniprov_core::security::{
    generate_sec2_credentials, ClientHandshake, ClientSecurity, ClientSession, ClientStep,
    CryptoError, DeviceSecurity, DeviceSession, HandshakeError, Sec2Patch,
};
use uniprov_core::Secret;

const RELEASE: bool = !cfg!(debug_assertions);
const SEC1_PAIRS: usize = if RELEASE { 5000 } else { 2000 };
const SEC2_PAIRS: usize = if RELEASE { 2000 } else { 120 };

/// Which message of the handshake a tamper hook sees.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Leg {
    Cmd0,
    Resp0,
    Cmd1,
    Resp1,
}

/// Outcome of one handshake run.
enum Outcome {
    Established(DeviceSession, ClientSession),
    Device(HandshakeError),
    Client(HandshakeError),
}

/// Runs a handshake, letting `tamper` rewrite each message in flight.
fn handshake(
    device: &mut DeviceSession,
    client: ClientSecurity,
    rng: &mut Seeded,
    tamper: &mut dyn FnMut(Leg, &mut Vec<u8>),
) -> Outcome {
    let mut client = ClientHandshake::new(client);
    let mut msg = client.start(rng);
    let mut legs = [Leg::Cmd0, Leg::Cmd1].into_iter();
    loop {
        let leg = legs.next().expect("at most two round trips");
        tamper(leg, &mut msg);
        let mut resp = match device.handle_session_data(&msg, rng) {
            Ok(r) => r,
            Err(e) => return Outcome::Device(e),
        };
        tamper(if leg == Leg::Cmd0 { Leg::Resp0 } else { Leg::Resp1 }, &mut resp);
        match client.receive(&resp, rng) {
            Ok(ClientStep::Send(next)) => msg = next,
            Ok(ClientStep::Established(session)) => {
                let placeholder = DeviceSession::new(&DeviceSecurity::Sec0);
                let dev = std::mem::replace(device, placeholder);
                return Outcome::Established(dev, session);
            }
            Err(e) => return Outcome::Client(e),
        }
    }
}

fn established(outcome: Outcome, what: &str) -> (DeviceSession, ClientSession) {
    match outcome {
        Outcome::Established(d, c) => {
            assert!(d.is_established(), "{what}: device not established");
            (d, c)
        }
        Outcome::Device(e) => panic!("{what}: device refused: {e}"),
        Outcome::Client(e) => panic!("{what}: client refused: {e}"),
    }
}

fn random_bytes(rng: &mut Seeded, max_len: usize) -> Vec<u8> {
    let len = (rng.0.next_u32() as usize) % (max_len + 1);
    let mut v = vec![0u8; len];
    rng.0.fill_bytes(&mut v);
    v
}

/// Exchanges a few requests and responses of random lengths in wire order.
fn data_phase(rng: &mut Seeded, dev: &mut DeviceSession, cli: &mut ClientSession, rounds: usize) {
    for _ in 0..rounds {
        let req = random_bytes(rng, 100);
        let wire = cli.encrypt(&req).expect("client encrypt");
        assert_eq!(dev.decrypt(&wire).expect("device decrypt"), req);
        let resp = random_bytes(rng, 100);
        let wire = dev.encrypt(&resp).expect("device encrypt");
        assert_eq!(cli.decrypt(&wire).expect("client decrypt"), resp);
    }
}

fn no_tamper(_: Leg, _: &mut Vec<u8>) {}

fn sec1_pop(rng: &mut Seeded) -> Option<Secret<Vec<u8>>> {
    match rng.0.next_u32() % 4 {
        0 => None,
        _ => Some(Secret::new(random_bytes(rng, 40))),
    }
}

fn copy(pop: &Option<Secret<Vec<u8>>>) -> Option<Secret<Vec<u8>>> {
    pop.as_ref().map(Secret::duplicate)
}

#[test]
fn sec1_pairs_with_random_pops_agree_section5() {
    let mut rng = Seeded::new(1);
    for i in 0..SEC1_PAIRS {
        let pop = sec1_pop(&mut rng);
        let mut device = DeviceSession::new(&DeviceSecurity::Sec1 { pop: copy(&pop) });
        let outcome = handshake(&mut device, ClientSecurity::Sec1 { pop }, &mut rng, &mut no_tamper);
        let (mut dev, mut cli) = established(outcome, &format!("sec1 pair {i}"));
        data_phase(&mut rng, &mut dev, &mut cli, 3);
    }
}

#[test]
fn sec1_wrong_pop_is_a_credentials_mismatch_on_the_device() {
    let mut rng = Seeded::new(2);
    for _ in 0..200 {
        let pop = random_bytes(&mut rng, 20);
        let mut other = pop.clone();
        other.push(b'!');
        let mut device = DeviceSession::new(&DeviceSecurity::Sec1 { pop: Some(Secret::new(pop)) });
        let client = ClientSecurity::Sec1 { pop: Some(Secret::new(other)) };
        match handshake(&mut device, client, &mut rng, &mut no_tamper) {
            Outcome::Device(e) => assert_eq!(e, HandshakeError::CredentialsMismatch),
            _ => panic!("a wrong PoP must be refused by the device at Cmd1"),
        }
        assert_eq!(device.decrypt(b"req"), Err(CryptoError::NotEstablished));
    }
}

#[test]
fn sec2_pairs_with_random_credentials_agree_section6() {
    let mut rng = Seeded::new(3);
    for i in 0..SEC2_PAIRS {
        let username = {
            let mut u = random_bytes(&mut rng, 40);
            u.push(b'u');
            u
        };
        let password = random_bytes(&mut rng, 40);
        let salt_len = 1 + (rng.0.next_u32() as usize % 64);
        let creds = generate_sec2_credentials(&username, &password, salt_len, &mut rng);
        assert_ne!(creds.salt[0], 0);
        assert_eq!(creds.salt.len(), salt_len);
        let patch = if i % 2 == 0 { Sec2Patch::V1 } else { Sec2Patch::V0 };
        let mut device = DeviceSession::new(&DeviceSecurity::Sec2 {
            salt: creds.salt,
            verifier: creds.verifier,
            patch,
        });
        let client = ClientSecurity::Sec2 { username, password: Secret::new(password), patch };
        let outcome = handshake(&mut device, client, &mut rng, &mut no_tamper);
        let (mut dev, mut cli) = established(outcome, &format!("sec2 pair {i}"));
        data_phase(&mut rng, &mut dev, &mut cli, 2);
    }
}

fn fixture_device(patch: Sec2Patch) -> DeviceSession {
    let mut rng = Seeded::new(99);
    let c = generate_sec2_credentials(b"wifiprov", b"abcd1234", 16, &mut rng);
    DeviceSession::new(&DeviceSecurity::Sec2 { salt: c.salt, verifier: c.verifier, patch })
}

fn fixture_client(password: &[u8], patch: Sec2Patch) -> ClientSecurity {
    ClientSecurity::Sec2 {
        username: b"wifiprov".to_vec(),
        password: Secret::new(password.to_vec()),
        patch,
    }
}

#[test]
fn sec2_wrong_password_is_a_credentials_mismatch_on_the_device() {
    let mut rng = Seeded::new(4);
    let mut device = fixture_device(Sec2Patch::V1);
    let outcome = handshake(&mut device, fixture_client(b"abcd1235", Sec2Patch::V1), &mut rng, &mut no_tamper);
    assert!(matches!(outcome, Outcome::Device(HandshakeError::CredentialsMismatch)));
    // Poisoned until a new Cmd0; then a good client gets through on the same session.
    assert_eq!(device.encrypt(b"x"), Err(CryptoError::NotEstablished));
    let outcome = handshake(&mut device, fixture_client(b"abcd1234", Sec2Patch::V1), &mut rng, &mut no_tamper);
    established(outcome, "retry after a failed handshake");
}

#[test]
fn sec2_patch_mismatch_is_refused() {
    // The client expects patch 1 but the device runs patch 0 (16-byte nonce).
    let mut rng = Seeded::new(5);
    let mut device = fixture_device(Sec2Patch::V0);
    let outcome = handshake(&mut device, fixture_client(b"abcd1234", Sec2Patch::V1), &mut rng, &mut no_tamper);
    assert!(matches!(outcome, Outcome::Client(HandshakeError::InvalidParameters(_))));
}

/// Flips `bit` of the message at `leg`; records whether the message was long enough.
fn flipper(leg: Leg, bit: usize, hit: &mut Option<usize>) -> impl FnMut(Leg, &mut Vec<u8>) + '_ {
    move |l, msg| {
        if l == leg && bit / 8 < msg.len() {
            msg[bit / 8] ^= 1 << (bit % 8);
            *hit = Some(msg.len() - bit / 8);
        }
    }
}

/// A tampered handshake must not end in a working session: either a side refuses a
/// message, or the first request fails to decrypt to what was sent.
fn tampering_detected(outcome: Outcome) -> bool {
    match outcome {
        Outcome::Device(_) | Outcome::Client(_) => true,
        Outcome::Established(mut dev, mut cli) => {
            let wire = cli.encrypt(b"request").expect("encrypt");
            dev.decrypt(&wire).map_or(true, |p| p != b"request")
        }
    }
}

#[test]
fn sec1_every_single_bit_flip_in_the_handshake_is_detected() {
    let mut rng = Seeded::new(6);
    let pop = || Some(Secret::new(b"abcd1234".to_vec()));
    for leg in [Leg::Cmd0, Leg::Resp0, Leg::Cmd1, Leg::Resp1] {
        for bit in 0..(0x3b * 8) {
            let mut hit = None;
            let mut device = DeviceSession::new(&DeviceSecurity::Sec1 { pop: pop() });
            let client = ClientSecurity::Sec1 { pop: pop() };
            let outcome = handshake(&mut device, client, &mut rng, &mut flipper(leg, bit, &mut hit));
            if hit.is_some() {
                assert!(tampering_detected(outcome), "{leg:?} bit {bit}");
            }
        }
    }
}

#[test]
fn sec2_bit_flips_in_the_handshake_are_detected() {
    let mut rng = Seeded::new(7);
    let lengths = [(Leg::Cmd0, 407), (Leg::Resp0, 413), (Leg::Cmd1, 73), (Leg::Resp1, 89)];
    let samples = if RELEASE { 200 } else { 12 };
    for (leg, len) in lengths {
        for _ in 0..samples {
            let bit = rng.0.next_u32() as usize % (len * 8);
            let mut hit = None;
            let mut device = fixture_device(Sec2Patch::V1);
            let client = fixture_client(b"abcd1234", Sec2Patch::V1);
            let outcome = handshake(&mut device, client, &mut rng, &mut flipper(leg, bit, &mut hit));
            // The last four bytes of the patch-1 nonce are always BE32(1) and both sides
            // count from 1 whatever they say (§6.4), so a flip there changes nothing.
            let ignored = leg == Leg::Resp1 && hit.is_some_and(|from_end| from_end <= 4);
            if hit.is_some() && !ignored {
                assert!(tampering_detected(outcome), "{leg:?} bit {bit}");
            }
        }
    }
}

#[test]
fn truncated_handshake_messages_are_refused_without_panicking() {
    let mut rng = Seeded::new(8);
    for leg in [Leg::Cmd0, Leg::Resp0, Leg::Cmd1, Leg::Resp1] {
        for keep in 0..60 {
            let mut hit = false;
            let mut cut = |l: Leg, m: &mut Vec<u8>| {
                if l == leg && keep < m.len() {
                    m.truncate(keep);
                    hit = true;
                }
            };
            let mut device = DeviceSession::new(&DeviceSecurity::Sec1 { pop: None });
            let outcome = handshake(&mut device, ClientSecurity::Sec1 { pop: None }, &mut rng, &mut cut);
            assert!(!hit || tampering_detected(outcome), "sec1 {leg:?} cut to {keep}");
        }
        for keep in [0, 1, 5, 40, 72, 200, 403] {
            let mut hit = false;
            let mut cut = |l: Leg, m: &mut Vec<u8>| {
                if l == leg && keep < m.len() {
                    m.truncate(keep);
                    hit = true;
                }
            };
            let mut device = fixture_device(Sec2Patch::V1);
            let client = fixture_client(b"abcd1234", Sec2Patch::V1);
            let outcome = handshake(&mut device, client, &mut rng, &mut cut);
            assert!(!hit || tampering_detected(outcome), "sec2 {leg:?} cut to {keep}");
        }
    }
}

#[test]
fn sec1_reordered_requests_break_the_shared_keystream_section5() {
    let mut rng = Seeded::new(9);
    let mut device = DeviceSession::new(&DeviceSecurity::Sec1 { pop: None });
    let (mut dev, mut cli) =
        established(handshake(&mut device, ClientSecurity::Sec1 { pop: None }, &mut rng, &mut no_tamper), "sec1");
    let first = cli.encrypt(b"first request").expect("encrypt");
    let second = cli.encrypt(b"second request").expect("encrypt");
    assert_ne!(dev.decrypt(&second).expect("ctr never fails"), b"second request");
    assert_ne!(dev.decrypt(&first).expect("ctr never fails"), b"first request");
}

#[test]
fn sec1_ciphertext_is_malleable_as_documented_section7() {
    // No integrity in sec1 (§7 item 4): a flipped ciphertext bit flips the plaintext bit.
    let mut rng = Seeded::new(10);
    let mut device = DeviceSession::new(&DeviceSecurity::Sec1 { pop: None });
    let (mut dev, mut cli) =
        established(handshake(&mut device, ClientSecurity::Sec1 { pop: None }, &mut rng, &mut no_tamper), "sec1");
    let mut wire = cli.encrypt(b"ssid").expect("encrypt");
    wire[0] ^= 0x20;
    assert_eq!(dev.decrypt(&wire).expect("decrypt"), b"Ssid");
}

fn sec2_pair(patch: Sec2Patch, seed: u64) -> (DeviceSession, ClientSession) {
    let mut rng = Seeded::new(seed);
    let mut device = fixture_device(patch);
    established(handshake(&mut device, fixture_client(b"abcd1234", patch), &mut rng, &mut no_tamper), "sec2")
}

#[test]
fn sec2_tampered_truncated_replayed_and_reordered_messages_are_rejected_section6_4() {
    let (mut dev, mut cli) = sec2_pair(Sec2Patch::V1, 11);
    let req = cli.encrypt(b"request one").expect("encrypt");
    // Bit flips anywhere (ciphertext or tag) and truncations fail authentication...
    for bit in 0..req.len() * 8 {
        let mut bad = req.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(dev.decrypt(&bad), Err(CryptoError::Authentication), "bit {bit}");
    }
    for keep in 0..req.len() {
        assert_eq!(dev.decrypt(&req[..keep]), Err(CryptoError::Authentication), "cut {keep}");
    }
    // ...without advancing the counter: the genuine request still decrypts.
    assert_eq!(dev.decrypt(&req).expect("genuine"), b"request one");
    // A replay is rejected (the counter moved on).
    assert_eq!(dev.decrypt(&req), Err(CryptoError::Authentication));
    let resp = dev.encrypt(b"").expect("empty response is still encrypted");
    assert_eq!(resp.len(), 16, "empty plaintext: tag only");
    assert_eq!(cli.decrypt(&resp).expect("response"), b"");
    assert_eq!(cli.decrypt(&resp), Err(CryptoError::Authentication), "replayed response");
    // Reordering: two requests in a row use counters 3 and 4; the device expects 3 first.
    let r3 = cli.encrypt(b"three").expect("encrypt");
    let r4 = cli.encrypt(b"four").expect("encrypt");
    assert_eq!(dev.decrypt(&r4), Err(CryptoError::Authentication));
    assert_eq!(dev.decrypt(&r3).expect("in order"), b"three");
    assert_eq!(dev.decrypt(&r4).expect("in order"), b"four");
}

#[test]
fn sec2_patch0_reuses_one_iv_so_replays_decrypt_section7() {
    // Documented weakness of patch 0 (§7 item 5): no counter, a replay decrypts again.
    let (mut dev, mut cli) = sec2_pair(Sec2Patch::V0, 12);
    let req = cli.encrypt(b"again").expect("encrypt");
    assert_eq!(dev.decrypt(&req).expect("first"), b"again");
    assert_eq!(dev.decrypt(&req).expect("replay"), b"again");
    let mut bad = req.clone();
    bad[0] ^= 1;
    assert_eq!(dev.decrypt(&bad), Err(CryptoError::Authentication));
}

#[test]
fn handshake_api_misuse_is_reported_as_such() {
    let mut rng = Seeded::new(13);
    let mut client = ClientHandshake::new(ClientSecurity::Sec1 { pop: None });
    let err = client.receive(b"", &mut rng).expect_err("receive before start");
    assert_eq!(err.fault(), uniprov_core::security::Fault::Caller);
    let mut device = DeviceSession::new(&DeviceSecurity::Sec1 { pop: None });
    assert_eq!(device.encrypt(b"x"), Err(CryptoError::NotEstablished));
    // A Cmd1 before any Cmd0 is out of order.
    let mut client = ClientHandshake::new(ClientSecurity::Sec1 { pop: None });
    let mut other = DeviceSession::new(&DeviceSecurity::Sec1 { pop: None });
    let cmd0 = client.start(&mut rng);
    let resp0 = other.handle_session_data(&cmd0, &mut rng).expect("cmd0");
    let ClientStep::Send(cmd1) = client.receive(&resp0, &mut rng).expect("resp0") else {
        panic!("expected Cmd1");
    };
    let err = device.handle_session_data(&cmd1, &mut rng).expect_err("cmd1 first");
    assert!(matches!(err, HandshakeError::UnexpectedMessage(_)));
    // Once finished, the handshake refuses further input until restarted.
    let ClientStep::Established(_) = client.receive(&other.handle_session_data(&cmd1, &mut rng).expect("cmd1"), &mut rng).expect("resp1") else {
        panic!("expected Established");
    };
    assert!(matches!(client.receive(b"", &mut rng), Err(HandshakeError::Misuse(_))));
}

#[test]
fn debug_output_never_shows_secrets() {
    let sec = DeviceSecurity::Sec1 { pop: Some(Secret::new(b"hunter2".to_vec())) };
    assert!(!format!("{sec:?}").contains("hunter2"));
    let cli = ClientSecurity::Sec2 {
        username: b"u".to_vec(),
        password: Secret::new(b"hunter2".to_vec()),
        patch: Sec2Patch::V1,
    };
    assert!(!format!("{cli:?}").contains("hunter2"));
    assert!(!format!("{:?}", ClientHandshake::new(cli)).contains("hunter2"));
}
