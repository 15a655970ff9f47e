//! Client and device in memory with seeded randomness: many handshakes over random
//! credentials (so the 1-in-256 leading-zero cases of B, S, K and M occur), and wrong
//! credentials.
//!
//! Iteration counts are lower in debug builds; the crypto dependencies are optimised even
//! there (see the root `Cargo.toml`), so `cargo test` stays within seconds and
//! `cargo test --release` runs the larger counts. The leading-zero edge cases are also pinned
//! deterministically by the vectors (short_B, short_S, K_leading_zero, M_leading_zero).

use rand_chacha::rand_core::RngCore;
use uniprov_core::security::{
    generate_sec2_credentials, ClientHandshake, ClientSecurity, ClientStep, CryptoError,
    DeviceSecurity, DeviceSession, HandshakeError, Sec2Patch,
};
use uniprov_core::Secret;
use uniprov_testkit::entropy::Seeded;
use uniprov_testkit::pair::*;

const RELEASE: bool = !cfg!(debug_assertions);
const SEC1_PAIRS: usize = if RELEASE { 5000 } else { 2000 };
// 1,500 random sec2 pairs (in three parallel tests) make the 1-in-256 leading-zero cases of
// B, S, K and M occur several times each; the vectors also pin each of them deterministically.
const SEC2_PAIRS: usize = if RELEASE { 3000 } else { 1500 };

#[test]
fn sec1_pairs_with_random_pops_agree_section5() {
    let mut rng = Seeded::new(1);
    for i in 0..SEC1_PAIRS {
        let pop = sec1_pop(&mut rng);
        let mut device = DeviceSession::new(&DeviceSecurity::Sec1 { pop: copy(&pop) });
        let outcome = handshake(
            &mut device,
            ClientSecurity::Sec1 { pop },
            &mut rng,
            &mut no_tamper,
        );
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
        let mut device = DeviceSession::new(&DeviceSecurity::Sec1 {
            pop: Some(Secret::new(pop)),
        });
        let client = ClientSecurity::Sec1 {
            pop: Some(Secret::new(other)),
        };
        match handshake(&mut device, client, &mut rng, &mut no_tamper) {
            Outcome::Device(e) => assert_eq!(e, HandshakeError::CredentialsMismatch),
            _ => panic!("a wrong PoP must be refused by the device at Cmd1"),
        }
        assert_eq!(device.decrypt(b"req"), Err(CryptoError::NotEstablished));
    }
}

#[test]
fn sec2_pairs_with_random_credentials_agree_section6() {
    sec2_pairs(3, SEC2_PAIRS / 3);
}

#[test]
fn sec2_pairs_with_random_credentials_agree_section6_second_seed() {
    sec2_pairs(4, SEC2_PAIRS / 3);
}

#[test]
fn sec2_pairs_with_random_credentials_agree_section6_third_seed() {
    sec2_pairs(5, SEC2_PAIRS / 3);
}

/// `count` sec2 handshakes with random username, password and salt length, alternating patch
/// 1 and 0, each followed by a short data phase.
fn sec2_pairs(seed: u64, count: usize) {
    let mut rng = Seeded::new(seed);
    for i in 0..count {
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
        let patch = if i % 2 == 0 {
            Sec2Patch::V1
        } else {
            Sec2Patch::V0
        };
        let mut device = DeviceSession::new(&DeviceSecurity::Sec2 {
            salt: creds.salt,
            verifier: creds.verifier,
            patch,
        });
        let client = ClientSecurity::Sec2 {
            username,
            password: Secret::new(password),
            patch,
        };
        let outcome = handshake(&mut device, client, &mut rng, &mut no_tamper);
        let (mut dev, mut cli) = established(outcome, &format!("sec2 pair {i}"));
        data_phase(&mut rng, &mut dev, &mut cli, 2);
    }
}

#[test]
fn sec2_wrong_password_is_a_credentials_mismatch_on_the_device() {
    let mut rng = Seeded::new(4);
    let mut device = fixture_device(Sec2Patch::V1);
    let outcome = handshake(
        &mut device,
        fixture_client(b"abcd1235", Sec2Patch::V1),
        &mut rng,
        &mut no_tamper,
    );
    assert!(matches!(
        outcome,
        Outcome::Device(HandshakeError::CredentialsMismatch)
    ));
    // Poisoned until a new Cmd0; then a good client gets through on the same session.
    assert_eq!(device.encrypt(b"x"), Err(CryptoError::NotEstablished));
    let outcome = handshake(
        &mut device,
        fixture_client(b"abcd1234", Sec2Patch::V1),
        &mut rng,
        &mut no_tamper,
    );
    established(outcome, "retry after a failed handshake");
}

#[test]
fn sec2_patch_mismatch_is_refused() {
    // The client expects patch 1 but the device runs patch 0 (16-byte nonce).
    let mut rng = Seeded::new(5);
    let mut device = fixture_device(Sec2Patch::V0);
    let outcome = handshake(
        &mut device,
        fixture_client(b"abcd1234", Sec2Patch::V1),
        &mut rng,
        &mut no_tamper,
    );
    assert!(matches!(
        outcome,
        Outcome::Client(HandshakeError::InvalidParameters(_))
    ));
}

#[test]
fn handshake_api_misuse_is_reported_as_such() {
    let mut rng = Seeded::new(13);
    let mut client = ClientHandshake::new(ClientSecurity::Sec1 { pop: None });
    let err = client
        .receive(b"", &mut rng)
        .expect_err("receive before start");
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
    let err = device
        .handle_session_data(&cmd1, &mut rng)
        .expect_err("cmd1 first");
    assert!(matches!(err, HandshakeError::UnexpectedMessage(_)));
    // Once finished, the handshake refuses further input until restarted.
    let ClientStep::Established(_) = client
        .receive(
            &other.handle_session_data(&cmd1, &mut rng).expect("cmd1"),
            &mut rng,
        )
        .expect("resp1")
    else {
        panic!("expected Established");
    };
    assert!(matches!(
        client.receive(b"", &mut rng),
        Err(HandshakeError::Misuse(_))
    ));
}

#[test]
fn debug_output_never_shows_secrets() {
    let sec = DeviceSecurity::Sec1 {
        pop: Some(Secret::new(b"hunter2".to_vec())),
    };
    assert!(!format!("{sec:?}").contains("hunter2"));
    let cli = ClientSecurity::Sec2 {
        username: b"u".to_vec(),
        password: Secret::new(b"hunter2".to_vec()),
        patch: Sec2Patch::V1,
    };
    assert!(!format!("{cli:?}").contains("hunter2"));
    assert!(!format!("{:?}", ClientHandshake::new(cli)).contains("hunter2"));
}
