//! The device side of security 2 against the clients the stock apps are (docs/apps.md §3), with
//! the b of the reference vectors injected: short A, short M, a K or M starting with 0x00,
//! the draw of a new b, and the cap on draws.

use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::proto::sec2::{S2SessionCmd0, S2SessionCmd1};

const VECTORS: &str = include_str!("../../../../testdata/vectors/sec2.json");

fn case(id: &str) -> serde_json::Value {
    let all: serde_json::Value = serde_json::from_str(VECTORS).expect("vectors");
    let list = all["cases"].as_array().expect("cases").iter();
    let negatives = all["negative_cases"].as_array().expect("negatives").iter();
    list.chain(negatives)
        .find(|c| c["id"] == id)
        .cloned()
        .expect("case")
}

fn hx(c: &serde_json::Value, key: &str) -> Vec<u8> {
    hex::decode(c[key].as_str().expect("field")).expect("hex")
}

/// Entropy that hands out scripted chunks in order, then repeats the last one.
struct Chunks(Vec<Vec<u8>>, usize);

impl Entropy for Chunks {
    fn fill(&mut self, dest: &mut [u8]) {
        let i = self.1.min(self.0.len() - 1);
        self.1 += 1;
        dest.copy_from_slice(&self.0[i][..dest.len()]);
    }
}

fn fixture_creds() -> DeviceCredentials {
    let c = case("wifiprov_fixture_patch1");
    DeviceCredentials::new(&hx(&c, "salt"), &hx(&c, "verifier"), Sec2Patch::V1, false)
}

/// What a client computes after Resp0, with A, salt and K in the forms it chooses.
struct ClientView {
    a_sent: Vec<u8>,
    b_wire: Vec<u8>,
    k: Hash,
}

/// Runs Cmd0 with `a` sent as `MIN(A)` (`minimal`) or `PAD(A)`, returns the device state and
/// the client's view.
fn cmd0(
    a_hex: &[u8],
    minimal: bool,
    entropy: &mut dyn Entropy,
    draws: BDraws,
) -> (DeviceAwaitCmd1, ClientView) {
    let creds = fixture_creds();
    let a: [u8; 32] = a_hex.try_into().expect("32-byte a");
    let a_padded = srp::client_public(Group::get(), &a);
    let a_sent = if minimal {
        srp::min(&a_padded).to_vec()
    } else {
        a_padded.to_vec()
    };
    let request = S2SessionCmd0 {
        client_username: b"wifiprov".to_vec(),
        client_pubkey: a_sent.clone(),
    };
    let (reply, state) = device_cmd0(request, &creds, entropy, draws).expect("cmd0");
    let Sec2Message::Resp0(resp0) = parse_sec2(&reply).expect("resp0") else {
        panic!("expected Resp0");
    };
    let inputs = srp::ClientInputs {
        a: &a,
        a_padded: &a_padded,
        b_wire: &resp0.device_pubkey,
        salt: &resp0.device_salt,
        username: b"wifiprov",
        password: b"abcd1234",
    };
    let k = *srp::client_key(Group::get(), &inputs).expect("client key");
    let view = ClientView {
        a_sent,
        b_wire: resp0.device_pubkey,
        k,
    };
    (state, view)
}

/// Sends `proof` as Cmd1; returns the device proof and the device's cipher.
fn cmd1(state: DeviceAwaitCmd1, proof: &[u8]) -> Result<(Vec<u8>, SessionCipher), HandshakeError> {
    let mut nonce = Chunks(vec![vec![0xc0; 8]], 0);
    let request = S2SessionCmd1 {
        client_proof: proof.to_vec(),
    };
    let (reply, cipher) = device_cmd1(request, state, &fixture_creds(), &mut nonce)?;
    let Sec2Message::Resp1(resp1) = parse_sec2(&reply).expect("resp1") else {
        panic!("expected Resp1");
    };
    assert_eq!(
        &resp1.device_nonce[8..],
        &[0, 0, 0, 1],
        "the nonce ends in BE32(1)"
    );
    Ok((resp1.device_proof, cipher))
}

/// The client's first request under `key` (patch 1, counter 1), decrypted by the device.
fn key_agrees(key: &[u8], device: &mut SessionCipher) -> bool {
    let mut key32 = [0u8; 32];
    key32.copy_from_slice(&key[..32]);
    let mut client = Sec2Cipher::new(
        &key32,
        Sec2Patch::V1,
        &[0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0, 0, 0, 1],
    )
    .expect("cipher");
    let request = client.encrypt(b"ping").expect("encrypt");
    device.decrypt(&request).is_ok_and(|plain| plain == b"ping")
}

fn b_of(id: &str) -> Vec<u8> {
    hx(&case(id), "b")
}

fn fixture_a() -> Vec<u8> {
    hx(&case("wifiprov_fixture_patch1"), "a")
}

#[test]
fn a_short_a_is_padded_for_u_and_hashed_as_sent_ios_form() {
    // The a of the A_383_bytes vector: MIN(A) is 383 bytes (what iOS and Android send).
    let a = hx(&case("A_383_bytes"), "a");
    let mut entropy = Chunks(vec![b_of("wifiprov_fixture_patch1")], 0);
    let (state, view) = cmd0(&a, true, &mut entropy, BDraws::UntilNoLeadingZero);
    assert_eq!(view.a_sent.len(), LEN - 1);
    let salt = hx(&case("wifiprov_fixture_patch1"), "salt");
    let m = srp::client_proof(b"wifiprov", &salt, &view.a_sent, &view.b_wire, &view.k);
    let (proof, mut cipher) = cmd1(state, &m).expect("short A accepted");
    assert_eq!(proof, srp::device_proof(&view.a_sent, &m, &view.k).to_vec());
    assert!(key_agrees(&view.k, &mut cipher));
}

#[test]
fn a_proof_over_the_padded_form_of_a_short_a_is_refused() {
    let a = hx(&case("A_383_bytes"), "a");
    let mut entropy = Chunks(vec![b_of("wifiprov_fixture_patch1")], 0);
    let (state, view) = cmd0(&a, true, &mut entropy, BDraws::UntilNoLeadingZero);
    let salt = hx(&case("wifiprov_fixture_patch1"), "salt");
    let padded = srp::pad_bytes(&view.a_sent).expect("pad");
    let m = srp::client_proof(b"wifiprov", &salt, &padded, &view.b_wire, &view.k);
    assert_eq!(
        cmd1(state, &m).err(),
        Some(HandshakeError::CredentialsMismatch)
    );
}

#[test]
fn an_oversized_a_and_an_empty_or_long_proof_are_refused() {
    let creds = fixture_creds();
    let mut entropy = Chunks(vec![b_of("wifiprov_fixture_patch1")], 0);
    let long_a = S2SessionCmd0 {
        client_username: b"wifiprov".to_vec(),
        client_pubkey: vec![1; LEN + 1],
    };
    assert!(matches!(
        device_cmd0(long_a, &creds, &mut entropy, BDraws::UntilNoLeadingZero),
        Err(HandshakeError::InvalidParameters(_))
    ));
    for proof in [vec![], vec![1; 65]] {
        let mut entropy = Chunks(vec![b_of("wifiprov_fixture_patch1")], 0);
        let (state, _) = cmd0(
            &fixture_a(),
            false,
            &mut entropy,
            BDraws::UntilNoLeadingZero,
        );
        assert!(matches!(
            cmd1(state, &proof),
            Err(HandshakeError::InvalidParameters(_))
        ));
    }
}

#[test]
fn a_b_giving_a_leading_zero_is_drawn_again() {
    // The vectors' b for a short B, a K and an M starting with 0x00 are each replaced by the
    // next draw (the fixture's b): the answer is then the fixture's Resp0, byte for byte.
    for id in ["short_B", "K_leading_zero", "M_leading_zero"] {
        let before = stats::snapshot();
        let mut entropy = Chunks(vec![b_of(id), b_of("wifiprov_fixture_patch1")], 0);
        let (state, view) = cmd0(
            &fixture_a(),
            false,
            &mut entropy,
            BDraws::UntilNoLeadingZero,
        );
        assert_eq!(entropy.1, 2, "{id}: one more draw");
        assert_eq!(
            view.b_wire,
            hx(&case("wifiprov_fixture_patch1"), "B"),
            "{id}"
        );
        assert_eq!(
            view.k.to_vec(),
            hx(&case("wifiprov_fixture_patch1"), "K"),
            "{id}"
        );
        assert!(state.stripped.is_none());
        let delta = stats::snapshot().since(&before);
        assert!(
            delta.b_redraws >= 1 && delta.handshakes >= 1,
            "{id}: {delta:?}"
        );
    }
}

#[test]
fn the_draws_are_capped_and_the_last_b_is_kept() {
    // An entropy source stuck on a b whose K starts with 0x00: MAX_B_DRAWS draws, no panic,
    // and the compliant client still gets through.
    let mut entropy = Chunks(vec![b_of("K_leading_zero")], 0);
    let (state, view) = cmd0(
        &fixture_a(),
        false,
        &mut entropy,
        BDraws::UntilNoLeadingZero,
    );
    assert_eq!(entropy.1, MAX_B_DRAWS);
    assert_eq!(view.k[0], 0);
    let salt = hx(&case("wifiprov_fixture_patch1"), "salt");
    let m = srp::client_proof(b"wifiprov", &salt, &view.a_sent, &view.b_wire, &view.k);
    let (proof, mut cipher) = cmd1(state, &m).expect("compliant client");
    assert_eq!(proof, srp::device_proof(&view.a_sent, &m, &view.k).to_vec());
    assert!(key_agrees(&view.k, &mut cipher));
}

#[test]
fn a_kept_k_leading_zero_accepts_the_stripped_k_form_and_switches_the_key() {
    // Replay keeps the K_leading_zero b; the Android app hashes MIN(K) into M and the device
    // proof and takes MIN(K)[0..32] as the AES key.
    let mut entropy = Chunks(vec![b_of("K_leading_zero")], 0);
    let (state, view) = cmd0(&fixture_a(), false, &mut entropy, BDraws::AsDrawn);
    assert_eq!(entropy.1, 1);
    let k_min = srp::min(&view.k).to_vec();
    assert!(k_min.len() < srp::HASH_LEN);
    let salt = hx(&case("wifiprov_fixture_patch1"), "salt");
    let m = srp::client_proof(b"wifiprov", &salt, &view.a_sent, &view.b_wire, &k_min);
    let m_sent = srp::min(&m).to_vec();
    let (proof, mut cipher) = cmd1(state, &m_sent).expect("stripped-K form");
    assert_eq!(
        proof,
        srp::device_proof(&view.a_sent, &m_sent, &k_min).to_vec()
    );
    assert!(key_agrees(&k_min, &mut cipher));
}

#[test]
fn a_kept_m_leading_zero_accepts_the_stripped_m_and_hashes_it_as_sent() {
    let mut entropy = Chunks(vec![b_of("M_leading_zero")], 0);
    let (state, view) = cmd0(&fixture_a(), false, &mut entropy, BDraws::AsDrawn);
    let salt = hx(&case("wifiprov_fixture_patch1"), "salt");
    let m = srp::client_proof(b"wifiprov", &salt, &view.a_sent, &view.b_wire, &view.k);
    assert_eq!(m[0], 0);
    let m_sent = srp::min(&m).to_vec();
    let (proof, mut cipher) = cmd1(state, &m_sent).expect("63-byte M");
    assert_eq!(
        proof,
        srp::device_proof(&view.a_sent, &m_sent, &view.k).to_vec()
    );
    assert!(key_agrees(&view.k, &mut cipher));
}

#[test]
fn a_wrong_password_fails_in_every_form() {
    let mut entropy = Chunks(vec![b_of("K_leading_zero")], 0);
    let (state, view) = cmd0(&fixture_a(), false, &mut entropy, BDraws::AsDrawn);
    let salt = hx(&case("wifiprov_fixture_patch1"), "salt");
    let mut wrong_k = view.k;
    wrong_k[5] ^= 1;
    let m = srp::client_proof(
        b"wifiprov",
        &salt,
        &view.a_sent,
        &view.b_wire,
        srp::min(&wrong_k),
    );
    assert_eq!(
        cmd1(state, srp::min(&m)).err(),
        Some(HandshakeError::CredentialsMismatch)
    );
}

/// Hands out the same bytes over and over.
struct Fixed(Vec<u8>);

impl Entropy for Fixed {
    fn fill(&mut self, dest: &mut [u8]) {
        dest.copy_from_slice(&self.0[..dest.len()]);
    }
}

#[test]
fn the_verifier_for_a_salt_is_the_one_generation_with_that_salt_gives() {
    use crate::security::{generate_sec2_credentials, sec2_verifier};
    let salt = vec![0x5a; 16];
    let generated =
        generate_sec2_credentials(b"wifiprov", b"abcd1234", 16, &mut Fixed(salt.clone()));
    assert_eq!(generated.salt, salt);
    let again = sec2_verifier(b"wifiprov", b"abcd1234", &salt);
    assert_eq!(again.expose(), generated.verifier.expose());
    let other = sec2_verifier(b"wifiprov", b"abcd1235", &salt);
    assert_ne!(other.expose(), generated.verifier.expose());
}

#[test]
fn the_verifier_for_a_salt_matches_the_reference_vectors() {
    let all: serde_json::Value = serde_json::from_str(VECTORS).expect("vectors");
    let cases = all["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    for c in cases {
        let verifier = crate::security::sec2_verifier(
            &hx(c, "username_hex"),
            &hx(c, "password_hex"),
            &hx(c, "salt"),
        );
        assert_eq!(verifier.expose(), &hx(c, "verifier"), "{}", c["id"]);
    }
}
