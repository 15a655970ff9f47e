//! Security 1: X25519 + proof of possession + AES-256-CTR (§5).
//!
//! The device and the client are each a state machine whose states own their data; a step
//! consumes its state and returns the next one.

use alloc::vec::Vec;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use super::cipher::{Sec1Stream, SessionCipher};
use super::error::HandshakeError;
use super::wire::{encode_sec1, parse_sec1, require_success, Sec1Message};
use crate::proto::sec1::{SessionCmd0, SessionCmd1, SessionResp0, SessionResp1};
use crate::{Entropy, Secret};

/// `SHA-256(PoP)`, or `None` when there is no PoP or it is empty (the XOR step is skipped,
/// §5 "PoP details": `no_pop` on the device, an empty PoP string on the client).
pub(crate) fn pop_digest(pop: Option<&Secret<Vec<u8>>>) -> Option<Secret<[u8; 32]>> {
    let pop = pop?.expose();
    if pop.is_empty() {
        return None;
    }
    Some(Secret::new(Sha256::digest(pop).into()))
}

/// Draws a fresh X25519 secret from the entropy source.
fn fresh_secret(entropy: &mut dyn Entropy) -> StaticSecret {
    let mut raw = Zeroizing::new([0u8; 32]);
    entropy.fill(raw.as_mut_slice());
    StaticSecret::from(*raw)
}

/// `key = X25519(own, peer) XOR SHA-256(PoP)` (§5 step 2), refusing a non-contributory
/// (all-zero) shared secret, which only a low-order public key can produce. Firmware does not
/// check this; an honest peer never sends such a key.
fn session_key(
    own: &StaticSecret,
    peer: &[u8; 32],
    pop: Option<&Secret<[u8; 32]>>,
) -> Result<Zeroizing<[u8; 32]>, HandshakeError> {
    let shared = own.diffie_hellman(&PublicKey::from(*peer));
    if !shared.was_contributory() {
        return Err(HandshakeError::InvalidParameters(
            "low-order X25519 public key",
        ));
    }
    let mut key = Zeroizing::new(*shared.as_bytes());
    if let Some(digest) = pop {
        for (k, d) in key.iter_mut().zip(digest.expose().iter()) {
            *k ^= d;
        }
    }
    Ok(key)
}

/// A 32-byte field, or `InvalidParameters`.
fn exactly_32(bytes: &[u8], what: &'static str) -> Result<[u8; 32], HandshakeError> {
    bytes
        .try_into()
        .map_err(|_| HandshakeError::InvalidParameters(what))
}

/// The device between `SessionCmd0` and `SessionCmd1`.
pub(crate) struct DeviceAwaitCmd1 {
    stream: Sec1Stream,
    device_public: [u8; 32],
    client_public: [u8; 32],
}

/// Device step 2 (§5): answers `SessionCmd0`. Draws the device private key (32 bytes), then
/// `device_random` (16 bytes), from `entropy`.
pub(crate) fn device_cmd0(
    cmd0: SessionCmd0,
    pop: Option<&Secret<[u8; 32]>>,
    entropy: &mut dyn Entropy,
) -> Result<(Vec<u8>, DeviceAwaitCmd1), HandshakeError> {
    let client_public = exactly_32(&cmd0.client_pubkey, "client_pubkey must be 32 bytes")?;
    let secret = fresh_secret(entropy);
    let device_public = PublicKey::from(&secret).to_bytes();
    let mut device_random = [0u8; 16];
    entropy.fill(&mut device_random);
    let key = session_key(&secret, &client_public, pop)?;
    let reply = encode_sec1(Sec1Message::Resp0(SessionResp0 {
        status: 0,
        device_pubkey: device_public.to_vec(),
        device_random: device_random.to_vec(),
    }));
    let state = DeviceAwaitCmd1 {
        stream: Sec1Stream::new(&key, &device_random),
        device_public,
        client_public,
    };
    Ok((reply, state))
}

/// Device step 4 (§5): checks the client's verify data (keystream bytes 0..31 XOR device
/// public key, compared in constant time) and answers with the device's (bytes 32..63 XOR
/// client public key). The keystream then continues into the data phase.
pub(crate) fn device_cmd1(
    cmd1: SessionCmd1,
    state: DeviceAwaitCmd1,
) -> Result<(Vec<u8>, SessionCipher), HandshakeError> {
    let DeviceAwaitCmd1 {
        mut stream,
        device_public,
        client_public,
    } = state;
    let mut check = exactly_32(
        &cmd1.client_verify_data,
        "client_verify_data must be 32 bytes",
    )?;
    stream
        .apply(&mut check)
        .map_err(|_| HandshakeError::Misuse("keystream"))?;
    if !bool::from(check.ct_eq(&device_public)) {
        return Err(HandshakeError::CredentialsMismatch);
    }
    let mut device_verify = client_public;
    stream
        .apply(&mut device_verify)
        .map_err(|_| HandshakeError::Misuse("keystream"))?;
    let reply = encode_sec1(Sec1Message::Resp1(SessionResp1 {
        status: 0,
        device_verify_data: device_verify.to_vec(),
    }));
    Ok((reply, SessionCipher::Sec1(stream)))
}

/// The client after `SessionCmd0`.
pub(crate) struct ClientAwaitResp0 {
    secret: StaticSecret,
    client_public: [u8; 32],
    pop: Option<Secret<[u8; 32]>>,
}

/// The client after `SessionCmd1`.
pub(crate) struct ClientAwaitResp1 {
    stream: Sec1Stream,
    client_public: [u8; 32],
}

/// Client step 1 (§5): a fresh key pair (32 bytes of entropy) and `SessionCmd0`.
pub(crate) fn client_cmd0(
    pop: Option<Secret<[u8; 32]>>,
    entropy: &mut dyn Entropy,
) -> (Vec<u8>, ClientAwaitResp0) {
    let secret = fresh_secret(entropy);
    let client_public = PublicKey::from(&secret).to_bytes();
    let request = encode_sec1(Sec1Message::Cmd0(SessionCmd0 {
        client_pubkey: client_public.to_vec(),
    }));
    let state = ClientAwaitResp0 {
        secret,
        client_public,
        pop,
    };
    (request, state)
}

/// Client step 3 (§5): derives the key, starts the keystream at `device_random` and proves
/// knowledge of it with `keystream[0..32] XOR device_public`.
pub(crate) fn client_resp0(
    response: &[u8],
    state: ClientAwaitResp0,
) -> Result<(Vec<u8>, ClientAwaitResp1), HandshakeError> {
    let resp0 = match parse_sec1(response)? {
        Sec1Message::Resp0(r) => r,
        _ => return Err(HandshakeError::UnexpectedMessage("expected SessionResp0")),
    };
    require_success(resp0.status)?;
    let device_public = exactly_32(&resp0.device_pubkey, "device_pubkey must be 32 bytes")?;
    let device_random: [u8; 16] = resp0
        .device_random
        .as_slice()
        .try_into()
        .map_err(|_| HandshakeError::InvalidParameters("device_random must be 16 bytes"))?;
    let key = session_key(&state.secret, &device_public, state.pop.as_ref())?;
    let mut stream = Sec1Stream::new(&key, &device_random);
    let mut client_verify = device_public;
    stream
        .apply(&mut client_verify)
        .map_err(|_| HandshakeError::Misuse("keystream"))?;
    let request = encode_sec1(Sec1Message::Cmd1(SessionCmd1 {
        client_verify_data: client_verify.to_vec(),
    }));
    Ok((
        request,
        ClientAwaitResp1 {
            stream,
            client_public: state.client_public,
        },
    ))
}

/// Client step 5 (§5): the device's verify data must decrypt (keystream bytes 32..63) to the
/// client public key; compared in constant time.
pub(crate) fn client_resp1(
    response: &[u8],
    state: ClientAwaitResp1,
) -> Result<SessionCipher, HandshakeError> {
    let resp1 = match parse_sec1(response)? {
        Sec1Message::Resp1(r) => r,
        _ => return Err(HandshakeError::UnexpectedMessage("expected SessionResp1")),
    };
    require_success(resp1.status)?;
    let ClientAwaitResp1 {
        mut stream,
        client_public,
    } = state;
    let mut check = exactly_32(
        &resp1.device_verify_data,
        "device_verify_data must be 32 bytes",
    )?;
    stream
        .apply(&mut check)
        .map_err(|_| HandshakeError::Misuse("keystream"))?;
    if !bool::from(check.ct_eq(&client_public)) {
        return Err(HandshakeError::CredentialsMismatch);
    }
    Ok(SessionCipher::Sec1(stream))
}
