//! Tampering in flight (bit flips, truncation, reordering, replays) during the handshake and
//! the data phase.

use rand_chacha::rand_core::RngCore;
use uniprov_core::security::{
    ClientSecurity, ClientSession, CryptoError, DeviceSecurity, DeviceSession, Sec2Patch,
};
use uniprov_core::Secret;
use uniprov_testkit::entropy::Seeded;
use uniprov_testkit::pair::*;

const RELEASE: bool = !cfg!(debug_assertions);

#[test]
fn sec1_every_single_bit_flip_in_the_handshake_is_detected() {
    let mut rng = Seeded::new(6);
    let pop = || Some(Secret::new(b"abcd1234".to_vec()));
    for leg in [Leg::Cmd0, Leg::Resp0, Leg::Cmd1, Leg::Resp1] {
        for bit in 0..(0x3b * 8) {
            let mut hit = None;
            let mut device = DeviceSession::new(&DeviceSecurity::Sec1 { pop: pop() });
            let client = ClientSecurity::Sec1 { pop: pop() };
            let outcome = handshake(
                &mut device,
                client,
                &mut rng,
                &mut flipper(leg, bit, &mut hit),
            );
            if hit.is_some() {
                assert!(tampering_detected(outcome), "{leg:?} bit {bit}");
            }
        }
    }
}

#[test]
fn sec2_bit_flips_in_the_handshake_are_detected() {
    let mut rng = Seeded::new(7);
    let lengths = [
        (Leg::Cmd0, 407),
        (Leg::Resp0, 413),
        (Leg::Cmd1, 73),
        (Leg::Resp1, 89),
    ];
    let samples = if RELEASE { 64 } else { 12 };
    for (leg, len) in lengths {
        for _ in 0..samples {
            let bit = rng.0.next_u32() as usize % (len * 8);
            let mut hit = None;
            let mut device = fixture_device(Sec2Patch::V1);
            let client = fixture_client(b"abcd1234", Sec2Patch::V1);
            let outcome = handshake(
                &mut device,
                client,
                &mut rng,
                &mut flipper(leg, bit, &mut hit),
            );
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
            let outcome = handshake(
                &mut device,
                ClientSecurity::Sec1 { pop: None },
                &mut rng,
                &mut cut,
            );
            assert!(
                !hit || tampering_detected(outcome),
                "sec1 {leg:?} cut to {keep}"
            );
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
            assert!(
                !hit || tampering_detected(outcome),
                "sec2 {leg:?} cut to {keep}"
            );
        }
    }
}

#[test]
fn sec1_reordered_requests_break_the_shared_keystream_section5() {
    let mut rng = Seeded::new(9);
    let mut device = DeviceSession::new(&DeviceSecurity::Sec1 { pop: None });
    let (mut dev, mut cli) = established(
        handshake(
            &mut device,
            ClientSecurity::Sec1 { pop: None },
            &mut rng,
            &mut no_tamper,
        ),
        "sec1",
    );
    let first = cli.encrypt(b"first request").expect("encrypt");
    let second = cli.encrypt(b"second request").expect("encrypt");
    assert_ne!(
        dev.decrypt(&second).expect("ctr never fails"),
        b"second request"
    );
    assert_ne!(
        dev.decrypt(&first).expect("ctr never fails"),
        b"first request"
    );
}

#[test]
fn sec1_ciphertext_is_malleable_as_documented_section7() {
    // No integrity in sec1 (§7 item 4): a flipped ciphertext bit flips the plaintext bit.
    let mut rng = Seeded::new(10);
    let mut device = DeviceSession::new(&DeviceSecurity::Sec1 { pop: None });
    let (mut dev, mut cli) = established(
        handshake(
            &mut device,
            ClientSecurity::Sec1 { pop: None },
            &mut rng,
            &mut no_tamper,
        ),
        "sec1",
    );
    let mut wire = cli.encrypt(b"ssid").expect("encrypt");
    wire[0] ^= 0x20;
    assert_eq!(dev.decrypt(&wire).expect("decrypt"), b"Ssid");
}

fn sec2_pair(patch: Sec2Patch, seed: u64) -> (DeviceSession, ClientSession) {
    let mut rng = Seeded::new(seed);
    let mut device = fixture_device(patch);
    established(
        handshake(
            &mut device,
            fixture_client(b"abcd1234", patch),
            &mut rng,
            &mut no_tamper,
        ),
        "sec2",
    )
}

#[test]
fn sec2_tampered_truncated_replayed_and_reordered_messages_are_rejected_section6_4() {
    let (mut dev, mut cli) = sec2_pair(Sec2Patch::V1, 11);
    let req = cli.encrypt(b"request one").expect("encrypt");
    // Bit flips anywhere (ciphertext or tag) and truncations fail authentication...
    for bit in 0..req.len() * 8 {
        let mut bad = req.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(
            dev.decrypt(&bad),
            Err(CryptoError::Authentication),
            "bit {bit}"
        );
    }
    for keep in 0..req.len() {
        assert_eq!(
            dev.decrypt(&req[..keep]),
            Err(CryptoError::Authentication),
            "cut {keep}"
        );
    }
    // ...without advancing the counter: the genuine request still decrypts.
    assert_eq!(dev.decrypt(&req).expect("genuine"), b"request one");
    // A replay is rejected (the counter moved on).
    assert_eq!(dev.decrypt(&req), Err(CryptoError::Authentication));
    let resp = dev.encrypt(b"").expect("empty response is still encrypted");
    assert_eq!(resp.len(), 16, "empty plaintext: tag only");
    assert_eq!(cli.decrypt(&resp).expect("response"), b"");
    assert_eq!(
        cli.decrypt(&resp),
        Err(CryptoError::Authentication),
        "replayed response"
    );
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
