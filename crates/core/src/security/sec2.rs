//! Security 2: SRP-6a (SHA-512, 3072-bit group) + AES-256-GCM (§6).
//!
//! The device and the client are each a state machine whose states own their data; a step
//! consumes its state and returns the next one. The arithmetic lives in [`super::srp`].

use alloc::boxed::Box;
use alloc::vec::Vec;
use zeroize::Zeroizing;

use super::cipher::{Sec2Cipher, SessionCipher};
use super::error::HandshakeError;
use super::sec2_stats as stats;
use super::srp::{self, Group, Hash, LEN};
use super::wire::{encode_sec2, parse_sec2, require_success, Sec2Message};
use super::Sec2Patch;
use crate::proto::sec2::{S2SessionCmd0, S2SessionCmd1, S2SessionResp0, S2SessionResp1};
use crate::{Entropy, Secret};

/// The device's stored credentials (§6.2), prepared for handshakes.
pub(crate) struct DeviceCredentials {
    pub(crate) salt: Vec<u8>,
    /// The prepared verifier, or why the configured one is unusable (reported at `Cmd0`).
    pub(crate) verifier: Result<srp::PreparedVerifier, HandshakeError>,
    pub(crate) patch: Sec2Patch,
}

impl DeviceCredentials {
    /// Prepares `verifier`; `with_table` adds the verifier's fixed-base table (see
    /// [`srp::PreparedVerifier`]).
    pub(crate) fn new(salt: &[u8], verifier: &[u8], patch: Sec2Patch, with_table: bool) -> Self {
        DeviceCredentials {
            salt: salt.to_vec(),
            verifier: srp::PreparedVerifier::new(Group::get(), verifier, with_table),
            patch,
        }
    }
}

/// How many values of b the device tries before it keeps one although B, K or M starts
/// with 0x00. Each draw has about a 3/256 chance of such a leading zero, so a second draw is
/// needed about once in 85 handshakes and the cap is only reached with a broken entropy
/// source; the handshake then still works for compliant clients and, through the short M
/// and the stripped-K form of M, for the Android app.
pub(crate) const MAX_B_DRAWS: usize = 16;

/// Whether the device draws b again when B, K or M would start with 0x00.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BDraws {
    /// Draw again (up to [`MAX_B_DRAWS`] times): what a device does.
    UntilNoLeadingZero,
    /// Use the first b as drawn: replaying recorded handshakes (test vectors).
    AsDrawn,
}

/// The proof M of a client that strips leading zeros (the Android app, docs/apps.md §3), with the
/// stripped K it used, when that differs from the compliant M.
struct StrippedForm {
    m: Hash,
    k_min: Secret<Vec<u8>>,
}

/// The device between `S2SessionCmd0` and `S2SessionCmd1`: the expected proofs and K.
pub(crate) struct DeviceAwaitCmd1 {
    /// A exactly as the client sent it (hashed as such into M and the device proof).
    a_wire: Vec<u8>,
    k: Secret<[u8; srp::HASH_LEN]>,
    /// M over the salt, A, B and K exactly as sent (firmware, esp_prov, iOS, uniprov).
    expected: Hash,
    /// M with the salt and K stripped of leading zeros (Android), only when it differs.
    stripped: Option<StrippedForm>,
}

/// The session key: the first 32 bytes of K (§6.3 step 4), K being the full 64-byte hash
/// or, for a stripping client, `MIN(K)` (zero-padded on the right should it be shorter than
/// 32 bytes, as Java's `Arrays.copyOfRange` does).
fn aes_key(k: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    let n = k.len().min(32);
    key[..n].copy_from_slice(&k[..n]);
    key
}

/// One draw of b and everything it determines.
struct Draw {
    b_min: Vec<u8>,
    k: Zeroizing<Hash>,
    expected: Hash,
}

impl Draw {
    /// Whether B, K or M starts with 0x00 (a stripping client would then hash other bytes).
    fn has_leading_zero(&self) -> bool {
        self.b_min.len() < LEN || self.k[0] == 0 || self.expected[0] == 0
    }
}

/// Device step 2 (§6.3): validates `S2SessionCmd0`, draws b (32 bytes of entropy per draw)
/// and answers with MIN(B) and the salt, both exactly as the client must hash them.
///
/// Accepts the stock apps' handshakes without any wire change (docs/apps.md §3): A may be shorter
/// than 384 bytes (the apps send `MIN(A)`): it is left-padded for the arithmetic and u, and
/// hashed into M and the device proof exactly as received. With
/// [`BDraws::UntilNoLeadingZero`], b is drawn again while B, K or the expected M would start
/// with 0x00, so the values a stripping client hashes equal the full ones.
pub(crate) fn device_cmd0(
    cmd0: S2SessionCmd0,
    creds: &DeviceCredentials,
    entropy: &mut dyn Entropy,
    draws: BDraws,
) -> Result<(Vec<u8>, DeviceAwaitCmd1), HandshakeError> {
    if cmd0.client_username.is_empty() || cmd0.client_username.len() > usize::from(u16::MAX) {
        return Err(HandshakeError::InvalidParameters(
            "client_username must be 1 to 65535 bytes",
        ));
    }
    // ESP-IDF requires exactly 384 bytes (§6.3 step 1); the apps send MIN(A), so we take
    // anything up to 384 bytes (an empty A is 0 and refused as A mod N == 0).
    let a_padded = srp::pad_bytes(&cmd0.client_pubkey).ok_or(HandshakeError::InvalidParameters(
        "client_pubkey is longer than 384 bytes",
    ))?;
    let verifier = creds.verifier.as_ref().map_err(Clone::clone)?;
    let username = cmd0.client_username;
    let a_wire = cmd0.client_pubkey;
    let draw = |entropy: &mut dyn Entropy| -> Result<Draw, HandshakeError> {
        let mut b = Zeroizing::new([0u8; 32]);
        entropy.fill(b.as_mut_slice());
        let exchange = srp::device_exchange(Group::get(), verifier, &a_padded, &b)?;
        let expected = srp::client_proof(
            &username,
            &creds.salt,
            &a_wire,
            &exchange.b_min,
            exchange.k.as_slice(),
        );
        Ok(Draw {
            b_min: exchange.b_min,
            k: exchange.k,
            expected,
        })
    };
    let mut current = draw(entropy)?;
    record_first_draw(&current, a_wire.len() < LEN);
    let limit = match draws {
        BDraws::UntilNoLeadingZero => MAX_B_DRAWS,
        BDraws::AsDrawn => 1,
    };
    let mut drawn = 1;
    while current.has_leading_zero() && drawn < limit {
        current = draw(entropy)?;
        drawn += 1;
        stats::bump(&stats::B_REDRAWS);
    }
    stats::bump_if(current.has_leading_zero(), &stats::KEPT_LEADING_ZERO);
    let stripped = stripped_form(&username, &creds.salt, &a_wire, &current);
    let reply = encode_sec2(Sec2Message::Resp0(S2SessionResp0 {
        status: 0,
        device_pubkey: current.b_min.clone(),
        device_salt: creds.salt.clone(),
    }));
    let state = DeviceAwaitCmd1 {
        a_wire,
        k: Secret::new(*current.k),
        expected: current.expected,
        stripped,
    };
    Ok((reply, state))
}

/// Counts what a device with ESP-IDF's rules would have made of this handshake.
fn record_first_draw(first: &Draw, short_a: bool) {
    stats::bump(&stats::HANDSHAKES);
    stats::bump_if(short_a, &stats::SHORT_A);
    stats::bump_if(first.b_min.len() < LEN, &stats::FIRST_B_SHORT_B);
    stats::bump_if(first.k[0] == 0, &stats::FIRST_B_K_ZERO);
    stats::bump_if(first.expected[0] == 0, &stats::FIRST_B_M_ZERO);
    stats::bump_if(
        short_a || first.k[0] == 0 || first.expected[0] == 0,
        &stats::STRICT_FAILURES,
    );
}

/// The Android app's M (docs/apps.md §3): `H(H(N) XOR H(PAD(g)) ‖ H(I) ‖ MIN(s) ‖ A ‖ MIN(B) ‖
/// MIN(K))`, A as it sent it (already minimal) and B as we sent it (already minimal). It
/// differs from the compliant M only when the salt or K starts with 0x00.
fn stripped_form(username: &[u8], salt: &[u8], a_wire: &[u8], draw: &Draw) -> Option<StrippedForm> {
    let salt_min = srp::min(salt);
    let k_min = srp::min(draw.k.as_slice());
    if salt_min.len() == salt.len() && k_min.len() == srp::HASH_LEN {
        return None;
    }
    Some(StrippedForm {
        m: srp::client_proof(username, salt_min, a_wire, &draw.b_min, k_min),
        k_min: Secret::new(k_min.to_vec()),
    })
}

/// `proof` left-padded to 64 bytes; `None` if empty or longer.
fn padded_proof(proof: &[u8]) -> Option<Hash> {
    let start = srp::HASH_LEN.checked_sub(proof.len())?;
    if proof.is_empty() {
        return None;
    }
    let mut out = [0u8; srp::HASH_LEN];
    out[start..].copy_from_slice(proof);
    Some(out)
}

/// Device step 4 (§6.3): checks the client proof M, answers with `H(A ‖ M ‖ K)` and the
/// data-phase nonce. Draws the nonce from `entropy`: 8 bytes for patch 1 (the nonce is those
/// bytes ‖ BE32(1), so clients that start their counter at 1 whatever the nonce says, like
/// the iOS app, agree), 16 bytes for patch 0.
///
/// M may be shorter than 64 bytes (the Android app strips its leading zeros): it is
/// left-padded and compared in constant time with the expected M and, when they differ, with
/// the stripped-K form; A, M and K go into the device proof exactly as the client used them.
pub(crate) fn device_cmd1(
    cmd1: S2SessionCmd1,
    state: DeviceAwaitCmd1,
    creds: &DeviceCredentials,
    entropy: &mut dyn Entropy,
) -> Result<(Vec<u8>, SessionCipher), HandshakeError> {
    let received = padded_proof(&cmd1.client_proof).ok_or(HandshakeError::InvalidParameters(
        "client_proof must be 1 to 64 bytes",
    ))?;
    let compliant = srp::proofs_equal(&received, &state.expected);
    let stripped = state
        .stripped
        .as_ref()
        .filter(|form| srp::proofs_equal(&received, &form.m));
    let k: &[u8] = match (compliant, stripped) {
        (true, _) => state.k.expose(),
        (false, Some(form)) => {
            stats::bump(&stats::STRIPPED_K_PROOFS);
            form.k_min.expose()
        }
        (false, None) => return Err(HandshakeError::CredentialsMismatch),
    };
    stats::bump_if(cmd1.client_proof.len() < srp::HASH_LEN, &stats::SHORT_M1);
    let proof = srp::device_proof(&state.a_wire, &cmd1.client_proof, k);
    let nonce = match creds.patch {
        Sec2Patch::V1 => {
            // §6.4 patch 1: 8 random bytes ‖ BE32(1); the counter starts at 1.
            let mut n = [0u8; 12];
            entropy.fill(&mut n[..8]);
            n[8..].copy_from_slice(&1u32.to_be_bytes());
            n.to_vec()
        }
        Sec2Patch::V0 => {
            // §6.4 patch 0: 16 random bytes, the IV of every message.
            let mut n = [0u8; 16];
            entropy.fill(&mut n);
            n.to_vec()
        }
    };
    let cipher = Sec2Cipher::new(&aes_key(k), creds.patch, &nonce)
        .ok_or(HandshakeError::Misuse("nonce length"))?;
    let reply = encode_sec2(Sec2Message::Resp1(S2SessionResp1 {
        status: 0,
        device_proof: proof.to_vec(),
        device_nonce: nonce,
    }));
    Ok((reply, SessionCipher::Sec2(Box::new(cipher))))
}

/// The client's credentials.
pub(crate) struct ClientCredentials {
    pub(crate) username: Vec<u8>,
    pub(crate) password: Secret<Vec<u8>>,
    pub(crate) patch: Sec2Patch,
}

/// The client after `S2SessionCmd0`.
pub(crate) struct ClientAwaitResp0 {
    creds: ClientCredentials,
    a: Secret<[u8; 32]>,
    a_padded: [u8; LEN],
}

/// The client after `S2SessionCmd1`.
pub(crate) struct ClientAwaitResp1 {
    patch: Sec2Patch,
    a_padded: [u8; LEN],
    m: Hash,
    k: Secret<[u8; srp::HASH_LEN]>,
}

/// Client step 1 (§6.3): a = 32 bytes of entropy with the top bit forced (as esp_prov does),
/// A = g^a mod N sent as PAD(A). Unlike esp_prov we never re-roll a short A: the device uses
/// the 384 bytes it receives verbatim, and so do we.
pub(crate) fn client_cmd0(
    creds: ClientCredentials,
    entropy: &mut dyn Entropy,
) -> (Vec<u8>, ClientAwaitResp0) {
    let mut a = Secret::new([0u8; 32]);
    entropy.fill(a.expose_mut());
    a.expose_mut()[0] |= 0x80;
    let a_padded = srp::client_public(Group::get(), a.expose());
    let request = encode_sec2(Sec2Message::Cmd0(S2SessionCmd0 {
        client_username: creds.username.clone(),
        client_pubkey: a_padded.to_vec(),
    }));
    (request, ClientAwaitResp0 { creds, a, a_padded })
}

/// Client step 3 (§6.3): computes K from B and the salt (both used exactly as received) and
/// sends the proof M.
pub(crate) fn client_resp0(
    response: &[u8],
    state: ClientAwaitResp0,
) -> Result<(Vec<u8>, ClientAwaitResp1), HandshakeError> {
    let resp0 = match parse_sec2(response)? {
        Sec2Message::Resp0(r) => r,
        _ => return Err(HandshakeError::UnexpectedMessage("expected S2SessionResp0")),
    };
    require_success(resp0.status)?;
    let inputs = srp::ClientInputs {
        a: state.a.expose(),
        a_padded: &state.a_padded,
        b_wire: &resp0.device_pubkey,
        salt: &resp0.device_salt,
        username: &state.creds.username,
        password: state.creds.password.expose(),
    };
    let k = srp::client_key(Group::get(), &inputs)?;
    let m = srp::client_proof(
        &state.creds.username,
        &resp0.device_salt,
        &state.a_padded,
        &resp0.device_pubkey,
        k.as_slice(),
    );
    let request = encode_sec2(Sec2Message::Cmd1(S2SessionCmd1 {
        client_proof: m.to_vec(),
    }));
    let next = ClientAwaitResp1 {
        patch: state.creds.patch,
        a_padded: state.a_padded,
        m,
        k: Secret::new(*k),
    };
    Ok((request, next))
}

/// Client step 5 (§6.3): checks the device proof `H(A ‖ M ‖ K)` in constant time and builds
/// the data-phase cipher from the nonce (12 bytes for patch 1, 16 for patch 0).
pub(crate) fn client_resp1(
    response: &[u8],
    state: ClientAwaitResp1,
) -> Result<SessionCipher, HandshakeError> {
    let resp1 = match parse_sec2(response)? {
        Sec2Message::Resp1(r) => r,
        _ => return Err(HandshakeError::UnexpectedMessage("expected S2SessionResp1")),
    };
    require_success(resp1.status)?;
    let k = state.k.expose();
    let expected = srp::device_proof(&state.a_padded, &state.m, k);
    if resp1.device_proof.len() != srp::HASH_LEN {
        return Err(HandshakeError::InvalidParameters(
            "device_proof must be 64 bytes",
        ));
    }
    if !srp::proofs_equal(&resp1.device_proof, &expected) {
        return Err(HandshakeError::CredentialsMismatch);
    }
    let cipher = Sec2Cipher::new(&aes_key(k.as_slice()), state.patch, &resp1.device_nonce).ok_or(
        HandshakeError::InvalidParameters("device_nonce length does not match sec_patch_ver"),
    )?;
    Ok(SessionCipher::Sec2(Box::new(cipher)))
}

#[cfg(test)]
#[path = "sec2_tests.rs"]
mod tests;
