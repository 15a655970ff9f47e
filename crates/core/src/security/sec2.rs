//! Security 2: SRP-6a (SHA-512, 3072-bit group) + AES-256-GCM (§6).
//!
//! The device and the client are each a state machine whose states own their data; a step
//! consumes its state and returns the next one. The arithmetic lives in [`super::srp`].

use alloc::boxed::Box;
use alloc::vec::Vec;
use zeroize::Zeroizing;

use super::cipher::{Sec2Cipher, SessionCipher};
use super::error::HandshakeError;
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

/// The device between `S2SessionCmd0` and `S2SessionCmd1`: everything M is computed from.
pub(crate) struct DeviceAwaitCmd1 {
    username: Vec<u8>,
    a_wire: Vec<u8>,
    b_min: Vec<u8>,
    k: Secret<[u8; srp::HASH_LEN]>,
}

/// The session key `K[0..32]` (§6.3 step 4: the first half of the 64-byte K).
fn aes_key(k: &Hash) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&k[..32]);
    key
}

/// Device step 2 (§6.3): validates `S2SessionCmd0`, draws b (32 bytes of entropy) and answers
/// with MIN(B) and the salt, both exactly as the client must hash them.
pub(crate) fn device_cmd0(
    cmd0: S2SessionCmd0,
    creds: &DeviceCredentials,
    entropy: &mut dyn Entropy,
) -> Result<(Vec<u8>, DeviceAwaitCmd1), HandshakeError> {
    if cmd0.client_username.is_empty() || cmd0.client_username.len() > usize::from(u16::MAX) {
        return Err(HandshakeError::InvalidParameters(
            "client_username must be 1 to 65535 bytes",
        ));
    }
    // §6.3 step 1: the device requires len(A) == 384 (MIN(A) of 383 bytes is refused).
    let a_wire: &[u8; LEN] = cmd0
        .client_pubkey
        .as_slice()
        .try_into()
        .map_err(|_| HandshakeError::InvalidParameters("client_pubkey must be 384 bytes"))?;
    let mut b = Zeroizing::new([0u8; 32]);
    entropy.fill(b.as_mut_slice());
    let verifier = creds.verifier.as_ref().map_err(Clone::clone)?;
    let exchange = srp::device_exchange(Group::get(), verifier, a_wire, &b)?;
    let reply = encode_sec2(Sec2Message::Resp0(S2SessionResp0 {
        status: 0,
        device_pubkey: exchange.b_min.clone(),
        device_salt: creds.salt.clone(),
    }));
    let state = DeviceAwaitCmd1 {
        username: cmd0.client_username,
        a_wire: cmd0.client_pubkey,
        b_min: exchange.b_min,
        k: Secret::new(*exchange.k),
    };
    Ok((reply, state))
}

/// Device step 4 (§6.3): checks the client proof M (64 bytes, constant-time comparison),
/// answers with `H(A ‖ M ‖ K)` and the data-phase nonce. Draws the nonce from `entropy`:
/// 8 bytes for patch 1 (the nonce is those bytes ‖ BE32(1)), 16 bytes for patch 0.
pub(crate) fn device_cmd1(
    cmd1: S2SessionCmd1,
    state: DeviceAwaitCmd1,
    creds: &DeviceCredentials,
    entropy: &mut dyn Entropy,
) -> Result<(Vec<u8>, SessionCipher), HandshakeError> {
    if cmd1.client_proof.len() != srp::HASH_LEN {
        return Err(HandshakeError::InvalidParameters(
            "client_proof must be 64 bytes",
        ));
    }
    let k = state.k.expose();
    let expected = srp::client_proof(&state.username, &creds.salt, &state.a_wire, &state.b_min, k);
    if !srp::proofs_equal(&cmd1.client_proof, &expected) {
        return Err(HandshakeError::CredentialsMismatch);
    }
    let proof = srp::device_proof(&state.a_wire, &expected, k);
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
        &k,
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
    let cipher = Sec2Cipher::new(&aes_key(k), state.patch, &resp1.device_nonce).ok_or(
        HandshakeError::InvalidParameters("device_nonce length does not match sec_patch_ver"),
    )?;
    Ok(SessionCipher::Sec2(Box::new(cipher)))
}
