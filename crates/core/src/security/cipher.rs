//! The data-phase ciphers of security 1 and 2, shared by the device and the client.

use aes::Aes256;
use aes_gcm::aead::consts::U16;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, AesGcm, Nonce};
use alloc::boxed::Box;
use alloc::vec::Vec;
use ctr::cipher::{KeyIvInit, StreamCipher};

use super::error::CryptoError;
use super::Sec2Patch;

/// AES-256-CTR whose whole 128-bit IV block is one big-endian counter (§5 step 3).
type Aes256Ctr = ctr::Ctr128BE<Aes256>;

/// AES-256-GCM with a 16-byte IV (sec2 patch 0; J0 is derived through GHASH).
type Aes256Gcm16 = AesGcm<Aes256, U16>;

/// The security 1 keystream.
///
/// §5: ONE AES-256-CTR keystream serves both directions for the whole session. The handshake
/// consumes bytes 0..63 (client verify, then device verify); the data phase continues at byte
/// 64, in wire order: request 1, response 1, request 2, ... Partial blocks carry over (the
/// `ctr` crate buffers the unused tail of a block), so a 6-byte request followed by a 4-byte
/// response uses keystream bytes 64..70 and 70..74. Both peers must stay in lock-step.
pub(crate) struct Sec1Stream(Box<Aes256Ctr>);

impl Sec1Stream {
    /// Starts the keystream with the session key and `device_random` as the counter block.
    pub(crate) fn new(key: &[u8; 32], device_random: &[u8; 16]) -> Self {
        Sec1Stream(Box::new(Aes256Ctr::new(key.into(), device_random.into())))
    }

    /// XORs the next `buf.len()` keystream bytes into `buf` (encryption and decryption alike).
    pub(crate) fn apply(&mut self, buf: &mut [u8]) -> Result<(), CryptoError> {
        self.0
            .try_apply_keystream(buf)
            .map_err(|_| CryptoError::KeystreamExhausted)
    }

    /// Returns `data` XORed with the next keystream bytes.
    pub(crate) fn process(&mut self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut out = data.to_vec();
        self.apply(&mut out)?;
        Ok(out)
    }
}

/// The security 2 data-phase cipher: AES-256-GCM with the key `K[0..32]`, ciphertext ‖ 16-byte
/// tag on the wire, no AAD (§6.4).
pub(crate) enum Sec2Cipher {
    /// Patch 0: the same 16-byte IV for every message of both directions (the nonce reuse of
    /// §7 item 5; kept only to talk to older firmware).
    V0 { aead: Aes256Gcm16, iv: [u8; 16] },
    /// Patch 1: IV = `prefix ‖ BE32(counter)`. §6.4: one counter shared by both directions,
    /// starting at 1 and incremented after every *successful* encrypt and decrypt, so request
    /// n uses 1+2n and its response 2+2n. A failed decryption does not advance it (a replayed
    /// or forged message cannot desynchronise the session). The counter refuses to wrap: once
    /// it comes back to 0 the session is unusable.
    V1 {
        aead: Aes256Gcm,
        prefix: [u8; 8],
        counter: u32,
    },
}

impl Sec2Cipher {
    /// Builds the cipher from the session key and the `device_nonce` of `S2SessionResp1`.
    /// Returns `None` when the nonce length does not match the patch (12 or 16 bytes).
    pub(crate) fn new(key: &[u8; 32], patch: Sec2Patch, nonce: &[u8]) -> Option<Self> {
        match patch {
            Sec2Patch::V0 => Some(Sec2Cipher::V0 {
                aead: Aes256Gcm16::new(key.into()),
                iv: nonce.try_into().ok()?,
            }),
            Sec2Patch::V1 => {
                let nonce: &[u8; 12] = nonce.try_into().ok()?;
                let (prefix, _) = nonce.split_first_chunk::<8>()?;
                // The device always sends BE32(1) in the last four bytes and both sides
                // start counting at 1, whatever those bytes say.
                Some(Sec2Cipher::V1 {
                    aead: Aes256Gcm::new(key.into()),
                    prefix: *prefix,
                    counter: 1,
                })
            }
        }
    }

    /// The IV for the next message of either direction.
    fn iv12(prefix: &[u8; 8], counter: u32) -> Result<[u8; 12], CryptoError> {
        if counter == 0 {
            return Err(CryptoError::CounterExhausted);
        }
        let mut iv = [0u8; 12];
        iv[..8].copy_from_slice(prefix);
        iv[8..].copy_from_slice(&counter.to_be_bytes());
        Ok(iv)
    }

    /// Encrypts one message: ciphertext ‖ tag.
    pub(crate) fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match self {
            Sec2Cipher::V0 { aead, iv } => aead
                .encrypt(Nonce::from_slice(iv.as_slice()), plaintext)
                .map_err(|_| CryptoError::Authentication),
            Sec2Cipher::V1 {
                aead,
                prefix,
                counter,
            } => {
                let iv = Self::iv12(prefix, *counter)?;
                let out = aead
                    .encrypt(Nonce::from_slice(&iv), plaintext)
                    .map_err(|_| CryptoError::Authentication)?;
                *counter = counter.wrapping_add(1);
                Ok(out)
            }
        }
    }

    /// Decrypts and authenticates one message (ciphertext ‖ tag).
    pub(crate) fn decrypt(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match self {
            Sec2Cipher::V0 { aead, iv } => aead
                .decrypt(Nonce::from_slice(iv.as_slice()), ciphertext)
                .map_err(|_| CryptoError::Authentication),
            Sec2Cipher::V1 {
                aead,
                prefix,
                counter,
            } => {
                let iv = Self::iv12(prefix, *counter)?;
                let out = aead
                    .decrypt(Nonce::from_slice(&iv), ciphertext)
                    .map_err(|_| CryptoError::Authentication)?;
                *counter = counter.wrapping_add(1);
                Ok(out)
            }
        }
    }
}

/// The cipher of an established session, device or client.
pub(crate) enum SessionCipher {
    /// Security 0: plaintext.
    Plain,
    /// Security 1: the shared CTR keystream.
    Sec1(Sec1Stream),
    /// Security 2: AES-GCM (boxed: key schedules are large).
    Sec2(Box<Sec2Cipher>),
}

impl SessionCipher {
    /// Encrypts one outgoing message.
    pub(crate) fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match self {
            SessionCipher::Plain => Ok(plaintext.to_vec()),
            SessionCipher::Sec1(s) => s.process(plaintext),
            SessionCipher::Sec2(c) => c.encrypt(plaintext),
        }
    }

    /// Decrypts one incoming message.
    pub(crate) fn decrypt(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match self {
            SessionCipher::Plain => Ok(ciphertext.to_vec()),
            SessionCipher::Sec1(s) => s.process(ciphertext),
            SessionCipher::Sec2(c) => c.decrypt(ciphertext),
        }
    }
}
