//! Security 0, 1 and 2 (§4, §5, §6): the `prov-session` handshakes and the data-phase ciphers,
//! device side ([`DeviceSession`]) and client side ([`ClientHandshake`] → [`ClientSession`]).
//!
//! Everything is sans-IO: bytes in, bytes out, randomness from an injected [`Entropy`].
//! Handshakes are state machines named after what they await; a failed handshake poisons the
//! session until the peer starts over with a `SessionCmd0`.

mod cipher;
mod error;
mod scheme;
mod sec1;
mod sec2;
mod sec2_stats;
mod srp;
mod wire;

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use crate::proto::sec0::{sec0_payload, S0SessionCmd, Sec0MsgType};
use crate::{Entropy, Secret};
use cipher::SessionCipher;
pub use error::{CryptoError, Fault, HandshakeError};
pub use scheme::{SecVer, SecurityLevel, UnknownSec2Patch};
pub use sec2_stats::Sec2DeviceStatistics;

/// The security 2 device counters of this process (all sessions, all devices): how many
/// handshakes came with the stock apps' short values, and how many a device with ESP-IDF's
/// rules would have failed. See [`Sec2DeviceStatistics`].
pub fn sec2_device_statistics() -> Sec2DeviceStatistics {
    sec2_stats::snapshot()
}
use wire::{Sec1Message, Sec2Message};

/// The data-phase variant of security 2, advertised as `sec_patch_ver` in proto-ver (§6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sec2Patch {
    /// `sec_patch_ver` 0 (firmware before March 2025): one 16-byte random IV for every
    /// message of both directions. Insecure (nonce reuse, §7 item 5); for old devices only.
    V0,
    /// `sec_patch_ver` 1: IV = 8 random bytes ‖ BE32(counter), counter shared by both
    /// directions.
    V1,
}

/// The device's security configuration (one per device, shared by all sessions).
pub enum DeviceSecurity {
    /// No security: plaintext, no handshake needed.
    Sec0,
    /// X25519 + optional proof of possession + AES-256-CTR. `None` or an empty PoP means
    /// `no_pop`: the key is the bare X25519 shared secret.
    Sec1 {
        /// The proof of possession.
        pop: Option<Secret<Vec<u8>>>,
    },
    /// SRP-6a + AES-256-GCM.
    Sec2 {
        /// The SRP salt, sent verbatim (generate it with a non-zero first byte, §6.2).
        salt: Vec<u8>,
        /// The SRP verifier `v = g^x mod N`, big-endian, at most 384 bytes.
        verifier: Secret<Vec<u8>>,
        /// The data-phase variant (a device should use [`Sec2Patch::V1`]).
        patch: Sec2Patch,
    },
}

impl fmt::Debug for DeviceSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceSecurity::Sec0 => f.write_str("Sec0"),
            DeviceSecurity::Sec1 { pop } => f.debug_struct("Sec1").field("pop", pop).finish(),
            DeviceSecurity::Sec2 { patch, .. } => f
                .debug_struct("Sec2")
                .field("salt", &"..")
                .field("verifier", &"***")
                .field("patch", patch)
                .finish(),
        }
    }
}

impl DeviceSecurity {
    /// The scheme, as proto-ver advertises it.
    pub fn sec_ver(&self) -> SecVer {
        match self {
            DeviceSecurity::Sec0 => SecVer::Sec0,
            DeviceSecurity::Sec1 { .. } => SecVer::Sec1,
            DeviceSecurity::Sec2 { .. } => SecVer::Sec2,
        }
    }

    fn prepare_with(&self, tables: bool) -> Prepared {
        match self {
            DeviceSecurity::Sec0 => Prepared::Sec0,
            DeviceSecurity::Sec1 { pop } => {
                Prepared::Sec1(sec1::pop_digest(pop.as_ref()).map(Arc::new))
            }
            DeviceSecurity::Sec2 {
                salt,
                verifier,
                patch,
            } => Prepared::Sec2(Arc::new(sec2::DeviceCredentials::new(
                salt,
                verifier.expose(),
                *patch,
                tables,
            ))),
        }
    }
}

/// A [`DeviceSecurity`] prepared once and shared by all sessions ([`DeviceSession::prepared`],
/// [`Protocomm::prepared`](crate::protocomm::Protocomm::prepared)); cloning it is cheap.
///
/// Preparing does once what every session would otherwise redo: the PoP digest (security 1);
/// the verifier as a group element, `k·v` and, with the default `precomputed-tables` feature,
/// a fixed-base table of `v` (security 2: about 740 KB, built in about four handshakes' time,
/// that make every device handshake about twice as fast).
#[derive(Clone)]
pub struct PreparedSecurity {
    security: Arc<DeviceSecurity>,
    prepared: Prepared,
}

impl PreparedSecurity {
    /// Prepares `security`.
    pub fn new(security: Arc<DeviceSecurity>) -> Self {
        let prepared = security.prepare_with(cfg!(feature = "precomputed-tables"));
        PreparedSecurity { security, prepared }
    }

    /// The configuration this was prepared from.
    pub fn security(&self) -> &Arc<DeviceSecurity> {
        &self.security
    }
}

#[derive(Clone)]
enum Prepared {
    Sec0,
    Sec1(Option<Arc<Secret<[u8; 32]>>>),
    Sec2(Arc<sec2::DeviceCredentials>),
}

impl fmt::Debug for PreparedSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PreparedSecurity")
            .field(&self.security)
            .finish()
    }
}

/// The client's security configuration.
pub enum ClientSecurity {
    /// No security.
    Sec0,
    /// Security 1 with an optional PoP (`None` or empty: no XOR, for `no_pop` devices).
    Sec1 {
        /// The proof of possession.
        pop: Option<Secret<Vec<u8>>>,
    },
    /// Security 2.
    Sec2 {
        /// The SRP username I (1 to 65535 bytes; the device refuses others).
        username: Vec<u8>,
        /// The SRP password P.
        password: Secret<Vec<u8>>,
        /// The data-phase variant the device advertises (`sec_patch_ver`, absent = 0).
        patch: Sec2Patch,
    },
}

impl ClientSecurity {
    /// The scheme.
    pub fn sec_ver(&self) -> SecVer {
        match self {
            ClientSecurity::Sec0 => SecVer::Sec0,
            ClientSecurity::Sec1 { .. } => SecVer::Sec1,
            ClientSecurity::Sec2 { .. } => SecVer::Sec2,
        }
    }

    /// A second copy, secrets included (like [`Secret::duplicate`]): for a template that
    /// starts many sessions, such as a load generator.
    pub fn duplicate(&self) -> Self {
        match self {
            ClientSecurity::Sec0 => ClientSecurity::Sec0,
            ClientSecurity::Sec1 { pop } => ClientSecurity::Sec1 {
                pop: pop.as_ref().map(Secret::duplicate),
            },
            ClientSecurity::Sec2 {
                username,
                password,
                patch,
            } => ClientSecurity::Sec2 {
                username: username.clone(),
                password: password.duplicate(),
                patch: *patch,
            },
        }
    }
}

impl fmt::Debug for ClientSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientSecurity::Sec0 => f.write_str("Sec0"),
            ClientSecurity::Sec1 { pop } => f.debug_struct("Sec1").field("pop", pop).finish(),
            ClientSecurity::Sec2 { patch, .. } => f
                .debug_struct("Sec2")
                .field("password", &"***")
                .field("patch", patch)
                .finish(),
        }
    }
}

/// The security state of one device-side transport session.
pub struct DeviceSession {
    state: DeviceState,
}

/// The device handshake, named after what it awaits.
enum DeviceState {
    /// Security 0 has no session state (§3.2).
    Sec0,
    Sec1 {
        pop: Option<Arc<Secret<[u8; 32]>>>,
        step: Sec1Device,
    },
    Sec2 {
        creds: Arc<sec2::DeviceCredentials>,
        step: Sec2Device,
        draws: sec2::BDraws,
    },
}

enum Sec1Device {
    AwaitCmd0,
    AwaitCmd1(sec1::DeviceAwaitCmd1),
    Established(SessionCipher),
    Poisoned,
}

enum Sec2Device {
    AwaitCmd0,
    AwaitCmd1(Box<sec2::DeviceAwaitCmd1>),
    Established(SessionCipher),
    Poisoned,
}

impl DeviceSession {
    /// A fresh session awaiting `SessionCmd0` (security 0: ready at once).
    ///
    /// Prepares the security configuration for this one session (without the verifier's
    /// table); a device serving many sessions should prepare once ([`PreparedSecurity`]) and
    /// use [`DeviceSession::prepared`].
    pub fn new(security: &DeviceSecurity) -> Self {
        Self::from_prepared(&security.prepare_with(false))
    }

    /// A fresh session awaiting `SessionCmd0`, sharing `security`'s precomputation.
    pub fn prepared(security: &PreparedSecurity) -> Self {
        Self::from_prepared(&security.prepared)
    }

    /// A fresh session for replaying a recorded handshake byte for byte (the test vectors):
    /// like [`new`](Self::new), but a security 2 device uses its first b as drawn even when
    /// B, K or M would start with 0x00, instead of drawing again (the draw that makes the
    /// stock Android app's stripped values equal the full ones, docs/apps.md §3). Compliant
    /// clients work either way; a real device should use `new` or `prepared`.
    pub fn for_replay(security: &DeviceSecurity) -> Self {
        let mut session = Self::new(security);
        if let DeviceState::Sec2 { draws, .. } = &mut session.state {
            *draws = sec2::BDraws::AsDrawn;
        }
        session
    }

    fn from_prepared(prepared: &Prepared) -> Self {
        let state = match prepared {
            Prepared::Sec0 => DeviceState::Sec0,
            Prepared::Sec1(pop) => DeviceState::Sec1 {
                pop: pop.clone(),
                step: Sec1Device::AwaitCmd0,
            },
            Prepared::Sec2(creds) => DeviceState::Sec2 {
                creds: creds.clone(),
                step: Sec2Device::AwaitCmd0,
                draws: sec2::BDraws::UntilNoLeadingZero,
            },
        };
        DeviceSession { state }
    }

    /// Handles one `prov-session` request and returns the response to send as is.
    ///
    /// §3.2: a `SessionCmd0` in any state restarts the handshake; `SessionCmd1` is accepted
    /// only right after `SessionCmd0`. Any error poisons the session (the data phase is
    /// refused) until the next `SessionCmd0`. Security 0 answers any `SessionData` whose
    /// `sec_ver` is 0 with `52 05 08 01 aa 01 00` (§4).
    pub fn handle_session_data(
        &mut self,
        request: &[u8],
        entropy: &mut dyn Entropy,
    ) -> Result<Vec<u8>, HandshakeError> {
        match &mut self.state {
            DeviceState::Sec0 => {
                wire::check_sec0(request)?;
                Ok(wire::sec0_response())
            }
            DeviceState::Sec1 { pop, step } => {
                let current = core::mem::replace(step, Sec1Device::Poisoned);
                let (reply, next) = sec1_device_step(current, request, pop.as_deref(), entropy)?;
                *step = next;
                Ok(reply)
            }
            DeviceState::Sec2 { creds, step, draws } => {
                let current = core::mem::replace(step, Sec2Device::Poisoned);
                let (reply, next) = sec2_device_step(current, request, creds, *draws, entropy)?;
                *step = next;
                Ok(reply)
            }
        }
    }

    /// Whether the data phase may run (always true for security 0).
    pub fn is_established(&self) -> bool {
        matches!(
            self.state,
            DeviceState::Sec0
                | DeviceState::Sec1 {
                    step: Sec1Device::Established(_),
                    ..
                }
                | DeviceState::Sec2 {
                    step: Sec2Device::Established(_),
                    ..
                }
        )
    }

    fn cipher(&mut self) -> Result<Option<&mut SessionCipher>, CryptoError> {
        match &mut self.state {
            DeviceState::Sec0 => Ok(None),
            DeviceState::Sec1 {
                step: Sec1Device::Established(c),
                ..
            }
            | DeviceState::Sec2 {
                step: Sec2Device::Established(c),
                ..
            } => Ok(Some(c)),
            _ => Err(CryptoError::NotEstablished),
        }
    }

    /// Decrypts a request to an encrypted endpoint (security 0: identity).
    pub fn decrypt(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match self.cipher()? {
            None => Ok(ciphertext.to_vec()),
            Some(c) => c.decrypt(ciphertext),
        }
    }

    /// Encrypts a handler's response (security 0: identity).
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match self.cipher()? {
            None => Ok(plaintext.to_vec()),
            Some(c) => c.encrypt(plaintext),
        }
    }
}

impl fmt::Debug for DeviceSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceSession")
            .field("established", &self.is_established())
            .finish_non_exhaustive()
    }
}

/// One security 1 device transition. On error the caller leaves the state poisoned.
fn sec1_device_step(
    current: Sec1Device,
    request: &[u8],
    pop: Option<&Secret<[u8; 32]>>,
    entropy: &mut dyn Entropy,
) -> Result<(Vec<u8>, Sec1Device), HandshakeError> {
    match (wire::parse_sec1(request)?, current) {
        (Sec1Message::Cmd0(cmd0), _) => {
            let (reply, next) = sec1::device_cmd0(cmd0, pop, entropy)?;
            Ok((reply, Sec1Device::AwaitCmd1(next)))
        }
        (Sec1Message::Cmd1(cmd1), Sec1Device::AwaitCmd1(state)) => {
            let (reply, cipher) = sec1::device_cmd1(cmd1, state)?;
            Ok((reply, Sec1Device::Established(cipher)))
        }
        (Sec1Message::Cmd1(_), Sec1Device::Poisoned) => Err(HandshakeError::UnexpectedMessage(
            "session poisoned by a failed handshake; send SessionCmd0",
        )),
        (Sec1Message::Cmd1(_), _) => Err(HandshakeError::UnexpectedMessage(
            "SessionCmd1 is only valid right after SessionCmd0",
        )),
        (Sec1Message::Resp0(_) | Sec1Message::Resp1(_), _) => Err(HandshakeError::Malformed(
            "a device response sent to the device",
        )),
    }
}

/// One security 2 device transition. On error the caller leaves the state poisoned.
fn sec2_device_step(
    current: Sec2Device,
    request: &[u8],
    creds: &sec2::DeviceCredentials,
    draws: sec2::BDraws,
    entropy: &mut dyn Entropy,
) -> Result<(Vec<u8>, Sec2Device), HandshakeError> {
    match (wire::parse_sec2(request)?, current) {
        (Sec2Message::Cmd0(cmd0), _) => {
            let (reply, next) = sec2::device_cmd0(cmd0, creds, entropy, draws)?;
            Ok((reply, Sec2Device::AwaitCmd1(Box::new(next))))
        }
        (Sec2Message::Cmd1(cmd1), Sec2Device::AwaitCmd1(state)) => {
            let (reply, cipher) = sec2::device_cmd1(cmd1, *state, creds, entropy)?;
            Ok((reply, Sec2Device::Established(cipher)))
        }
        (Sec2Message::Cmd1(_), Sec2Device::Poisoned) => Err(HandshakeError::UnexpectedMessage(
            "session poisoned by a failed handshake; send S2SessionCmd0",
        )),
        (Sec2Message::Cmd1(_), _) => Err(HandshakeError::UnexpectedMessage(
            "S2SessionCmd1 is only valid right after S2SessionCmd0",
        )),
        (Sec2Message::Resp0(_) | Sec2Message::Resp1(_), _) => Err(HandshakeError::Malformed(
            "a device response sent to the device",
        )),
    }
}

mod client;
pub use client::{ClientHandshake, ClientSession, ClientStep};

/// Salt and verifier for a security 2 device (§6.2), as `esp_prov --sec2_gen_cred` makes them.
pub struct Sec2Credentials {
    /// The salt; its first byte is never 0 (esp_prov and Android strip leading zeros of the
    /// salt and would then always fail, §6.2).
    pub salt: Vec<u8>,
    /// `MIN(g^x mod N)`.
    pub verifier: Secret<Vec<u8>>,
}

impl fmt::Debug for Sec2Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sec2Credentials")
            .field("salt_len", &self.salt.len())
            .field("verifier", &self.verifier)
            .finish()
    }
}

/// Generates a salt of `salt_len` bytes (at least 1; esp_prov's default is 16) with a non-zero
/// first byte, and the verifier of `username` / `password` for it.
pub fn generate_sec2_credentials(
    username: &[u8],
    password: &[u8],
    salt_len: usize,
    entropy: &mut dyn Entropy,
) -> Sec2Credentials {
    let mut salt = alloc::vec![0u8; salt_len.max(1)];
    entropy.fill(&mut salt);
    // Redraw a zero first byte; a source that keeps giving zeros is broken, so give up
    // after a few tries rather than loop forever.
    for _ in 0..16 {
        if salt[0] != 0 {
            break;
        }
        entropy.fill(&mut salt[..1]);
    }
    if salt[0] == 0 {
        salt[0] = 1;
    }
    let verifier = srp::verifier(srp::Group::get(), &salt, username, password);
    Sec2Credentials {
        salt,
        verifier: Secret::new(verifier),
    }
}

/// The security 0 session command `52 03 a2 01 00` (§4).
fn sec0_command() -> Vec<u8> {
    wire::encode_sec0(
        Sec0MsgType::S0SessionCommand,
        sec0_payload::Payload::Sc(S0SessionCmd {}),
    )
}
