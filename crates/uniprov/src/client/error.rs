//! Client errors and their classes.
//!
//! Every failure of the client ends in one [`ClientError`]; [`ClientError::class`] sorts it into
//! an [`ErrorClass`], which is what scripts see (the CLI gives each class its exit code and its
//! `error.class` name in JSON). The sorting lives here and nowhere else.

use std::time::Duration;

use thiserror::Error;
use uniprov_core::messages::{DecodeError, Status, ThreadFailReason, WifiFailReason};
use uniprov_core::security::{CryptoError, Fault, HandshakeError, SecVer};

use super::transport::TransportError;

/// What kind of failure ended a client operation. The CLI gives each class one exit code
/// (named here in each variant's documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The request itself was wrong: bad options, missing credentials, bad manifest. Exit 2.
    Usage,
    /// The device could not be reached (no route, refused, BLE device not found). Exit 3.
    Unreachable,
    /// The security handshake failed: wrong PoP, wrong username/password, or a security
    /// scheme the device does not run. Exit 4.
    AuthFailed,
    /// The device refuses handshakes for a while after failed attempts (its guessing limit):
    /// the secret was not checked; retry later. Exit 9.
    Backoff,
    /// The device could not join the Wi-Fi network: wrong passphrase. Exit 5.
    WifiAuth,
    /// The device did not find the network (SSID or Thread network). Exit 6.
    NetworkNotFound,
    /// A step did not finish in time. Exit 7.
    Timeout,
    /// The device does not offer what was asked: provisioning on a session-only device (§11),
    /// a scan without `wifi_scan`, an endpoint it does not have. Exit 8.
    NotOffered,
    /// Anything else: a protocol error, a refused request, a malformed response. Exit 1.
    Other,
}

impl ErrorClass {
    /// The stable name used in JSON output (`"auth_failed"`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Usage => "usage",
            ErrorClass::Unreachable => "unreachable",
            ErrorClass::AuthFailed => "auth_failed",
            ErrorClass::WifiAuth => "wifi_auth",
            ErrorClass::NetworkNotFound => "network_not_found",
            ErrorClass::Timeout => "timeout",
            ErrorClass::NotOffered => "not_offered",
            ErrorClass::Backoff => "backoff",
            ErrorClass::Other => "other",
        }
    }
}

/// An operation of the client failed.
#[derive(Debug, Error)]
pub enum ClientError {
    /// The caller asked for something impossible or left out something required.
    #[error("{0}")]
    Usage(String),
    /// The security scheme the device runs needs a credential that was not given.
    #[error("{0}")]
    MissingCredential(MissingCredential),
    /// The transport could not reach the device at all.
    #[error("device unreachable: {0}")]
    Unreachable(#[source] TransportError),
    /// A transport failure while talking to `endpoint`.
    #[error("transport error on {endpoint}: {source}")]
    Transport {
        /// The endpoint of the failed request.
        endpoint: String,
        /// What the transport reported.
        #[source]
        source: TransportError,
    },
    /// The device dropped the handshake: wrong PoP or password, or a security scheme mismatch
    /// (docs/protocol.md §3.3: handshake failures close the connection without a response).
    #[error("{}", rejected_text(step, *sec_ver))]
    HandshakeRejected {
        /// Which handshake message the device refused ("first" or "second").
        step: &'static str,
        /// The security scheme the client used.
        sec_ver: SecVer,
    },
    /// The device refuses handshakes for a while after failed attempts (HTTP 429 from a
    /// uniprov device): the secret was not checked.
    #[error("the device refuses handshakes for a while after too many failed attempts (the secret was not checked){}", retry_text(*.retry_after))]
    Backoff {
        /// How long the device said to wait.
        retry_after: Option<Duration>,
    },
    /// The handshake failed on the client side (for example the device's proof did not match).
    #[error("security handshake failed: {0}")]
    Handshake(#[source] HandshakeError),
    /// A request could not be encrypted or its response not decrypted (a session or
    /// `sec_patch_ver` mismatch, or tampering).
    #[error("could not protect the exchange with {endpoint}: {source}")]
    Crypto {
        /// The endpoint of the failed request.
        endpoint: String,
        /// What the cipher reported.
        #[source]
        source: CryptoError,
    },
    /// A response did not decode.
    #[error("malformed response from {endpoint}: {source}")]
    Decode {
        /// The endpoint of the failed request.
        endpoint: String,
        /// What was wrong with it.
        #[source]
        source: DecodeError,
    },
    /// The device runs a security scheme this client does not know.
    #[error("the device uses security {0}, which this client does not support")]
    UnsupportedSecurity(u32),
    /// proto-ver's `prov.ver` is not the one asked for.
    #[error("the device runs provisioning version {found:?}, not {expected:?}")]
    VersionMismatch {
        /// The version asked for.
        expected: String,
        /// The version the device reported.
        found: String,
    },
    /// The proto-ver response is not the JSON of §8.
    #[error("malformed proto-ver response: {0}")]
    BadVersion(String),
    /// The device answered with a non-success status.
    #[error("device refused {operation}: status {status:?}{}", hint_suffix(.operation))]
    Refused {
        /// The refused operation ("apply", "set config", ...).
        operation: &'static str,
        /// The status the device answered.
        status: Status,
    },
    /// The device closed the connection instead of answering a request outside the handshake:
    /// it does not serve `endpoint`, or refused the request (§3.3). The handshake succeeded, so
    /// this is not a wrong PoP or password.
    #[error("the device closed the connection without answering {endpoint} (it does not serve that endpoint, or refused the request)")]
    NoAnswer {
        /// The endpoint of the unanswered request.
        endpoint: String,
    },
    /// The device refused `operation` because of the state it is in (read with a status
    /// request after the refusal), which decides what to do next.
    #[error("device refused {operation}: {state}")]
    WrongState {
        /// The refused operation ("apply", "reset", ...).
        operation: &'static str,
        /// The device's state.
        state: DeviceState,
    },
    /// The device does not offer what was asked (no `wifi_scan`, no `thread_prov`, ...).
    #[error("the device does not offer {0}")]
    NotOffered(&'static str),
    /// The device serves a security session but no provisioning: network_provisioning's
    /// session-only mode (§11) without provisioning enabled on this boot, or after it finished.
    #[error("the device does not offer provisioning (yet): it serves only a secure session (network_provisioning session-only mode); {0}")]
    ProvisioningNotOffered(String),
    /// The device answered a different message than the one asked for.
    #[error("unexpected response from {0}")]
    UnexpectedResponse(&'static str),
    /// The device could not join the Wi-Fi network.
    #[error("the device could not join the Wi-Fi network: {}", wifi_reason(*.0))]
    WifiFailed(WifiFailReason),
    /// The device could not attach to the Thread network.
    #[error("the device could not attach to the Thread network: {}", thread_reason(*.0))]
    ThreadFailed(ThreadFailReason),
    /// A step did not finish in time.
    #[error("timed out after {:.1} s waiting for {phase}", .after.as_secs_f64())]
    Timeout {
        /// What was being waited for.
        phase: &'static str,
        /// How long the wait was.
        after: Duration,
    },
    /// Local IO failed (manifest or report file).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// A credential the negotiated security scheme needs and the request lacks (the CLI names
/// the flag that gives it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingCredential {
    /// The security 1 proof of possession.
    Pop,
    /// The security 2 username (and so, most likely, the password too).
    Sec2Username,
    /// The security 2 password.
    Sec2Password,
    /// Network credentials, when nobody can be asked to choose a network.
    Network,
}

impl std::fmt::Display for MissingCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MissingCredential::Pop => {
                "the device uses security 1 with a proof of possession, and none was given"
            }
            MissingCredential::Sec2Username => {
                "the device uses security 2, and no username and password were given"
            }
            MissingCredential::Sec2Password => {
                "the device uses security 2, and no password was given"
            }
            MissingCredential::Network => {
                "no network credentials were given, and nobody can choose a network"
            }
        })
    }
}

/// A known way to recover from an error, for the CLI to word (in terms of its commands and
/// flags; the library names no flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// The first handshake step was refused: a device in backoff, or a wrong sec2 username
    /// or security version.
    RetryLaterOrCheckSec2User,
    /// Check that the device is in provisioning mode and reachable.
    CheckReachable,
    /// Check the PoP / sec2 username and password and the security version.
    CheckCredentials,
    /// Reset the device's provisioning state (prov-ctrl reset), then provision again.
    ResetThenProvision,
    /// Wait the time the device gave, then retry with the right secret.
    WaitBackoff,
    /// Retry with a longer timeout, or reset a stuck device.
    LongerTimeout,
    /// The device's attempt failed: reset it (prov-ctrl reset), then provision again.
    ResetFailedThenProvision,
    /// The device is connected: restart provisioning (prov-ctrl reprov), then provision again.
    ReprovThenProvision,
    /// A connection attempt is running: wait for it to end.
    WaitForAttempt,
    /// Read the device's state, then reset (after a failure) or reprov (when connected).
    CheckStateThenResetOrReprov,
    /// Check the custom endpoint's name; a restarted device refuses too.
    CheckEndpoint,
    /// The session keys disagree: retry and check the device's sec2 patch version.
    CheckSec2Patch,
    /// The device has not enabled provisioning (provisioned already, or session-only).
    EnableProvisioning,
    /// Look at what the device offers (proto-ver).
    CheckOffer,
}

/// The state of a device that refused a provisioning or control request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceState {
    /// Connected (or attached) with credentials it already has: only `ctrl reprov` restarts
    /// provisioning.
    Connected,
    /// Still trying the credentials it has.
    Connecting,
    /// The last attempt failed: `ctrl reset` makes it take new credentials.
    Failed,
}

impl std::fmt::Display for DeviceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DeviceState::Connected => "it is already provisioned and connected",
            DeviceState::Connecting => "it is still trying the credentials it has",
            DeviceState::Failed => "its last connection attempt failed and was not reset",
        })
    }
}

fn rejected_text(step: &str, sec_ver: SecVer) -> String {
    if step == "first" {
        // A device refuses the first message before any proof is checked: a guessing-limit
        // backoff (console, BLE: no distinct signal), a security 2 username it does not know,
        // or another scheme.
        format!(
            "the device refused to start a handshake (the password was not checked): it may refuse handshakes for up to 30 s after failed attempts, or the username or security {sec_ver} does not match the device"
        )
    } else {
        format!(
            "authentication failed: the device rejected the proof (wrong PoP/password, or security {sec_ver} does not match the device)"
        )
    }
}

fn retry_text(retry_after: Option<Duration>) -> String {
    retry_after.map_or_else(String::new, |d| {
        format!(": retry in {} s", d.as_secs().max(1))
    })
}

fn hint_suffix(operation: &str) -> &'static str {
    match operation {
        "apply" | "apply thread dataset" => {
            " (it has other credentials: it is connecting, connected, or its attempt failed)"
        }
        _ => "",
    }
}

fn wifi_reason(reason: WifiFailReason) -> &'static str {
    match reason {
        WifiFailReason::AuthError => "authentication error (wrong passphrase?)",
        WifiFailReason::NetworkNotFound => "network not found (wrong SSID or out of range?)",
    }
}

fn thread_reason(reason: ThreadFailReason) -> &'static str {
    match reason {
        ThreadFailReason::DatasetInvalid => "the dataset is invalid",
        ThreadFailReason::NetworkNotFound => "network not found",
    }
}

impl ClientError {
    /// The class of this error, which decides the exit code.
    pub fn class(&self) -> ErrorClass {
        match self {
            ClientError::Usage(_) | ClientError::MissingCredential(_) => ErrorClass::Usage,
            ClientError::Unreachable(_) => ErrorClass::Unreachable,
            ClientError::Transport { source, .. } => transport_class(source),
            ClientError::HandshakeRejected { .. } => ErrorClass::AuthFailed,
            ClientError::Backoff { .. } => ErrorClass::Backoff,
            ClientError::Handshake(e) => match e {
                HandshakeError::SchemeMismatch(_) => ErrorClass::AuthFailed,
                e if e.fault() == Fault::Credentials => ErrorClass::AuthFailed,
                _ => ErrorClass::Other,
            },
            ClientError::WifiFailed(WifiFailReason::AuthError) => ErrorClass::WifiAuth,
            ClientError::WifiFailed(WifiFailReason::NetworkNotFound)
            | ClientError::ThreadFailed(ThreadFailReason::NetworkNotFound) => {
                ErrorClass::NetworkNotFound
            }
            ClientError::Timeout { .. } => ErrorClass::Timeout,
            ClientError::Io { .. } => ErrorClass::Usage,
            ClientError::ThreadFailed(ThreadFailReason::DatasetInvalid)
            | ClientError::Crypto { .. }
            | ClientError::Decode { .. }
            | ClientError::BadVersion(_)
            | ClientError::UnsupportedSecurity(_)
            | ClientError::VersionMismatch { .. }
            | ClientError::Refused { .. }
            | ClientError::WrongState { .. }
            | ClientError::NoAnswer { .. }
            | ClientError::UnexpectedResponse(_) => ErrorClass::Other,
            ClientError::NotOffered(_) | ClientError::ProvisioningNotOffered(_) => {
                ErrorClass::NotOffered
            }
        }
    }

    /// How to recover, when there is a known way (the CLI words it as a `hint:` line).
    pub fn remedy(&self) -> Option<Remedy> {
        if let ClientError::HandshakeRejected { step: "first", .. } = self {
            return Some(Remedy::RetryLaterOrCheckSec2User);
        }
        match self.class() {
            ErrorClass::Unreachable => Some(Remedy::CheckReachable),
            ErrorClass::AuthFailed => Some(Remedy::CheckCredentials),
            ErrorClass::WifiAuth | ErrorClass::NetworkNotFound => Some(Remedy::ResetThenProvision),
            ErrorClass::Backoff => Some(Remedy::WaitBackoff),
            ErrorClass::Timeout => Some(Remedy::LongerTimeout),
            ErrorClass::Other => match self {
                ClientError::WrongState {
                    state: DeviceState::Connected,
                    ..
                } => Some(Remedy::ReprovThenProvision),
                ClientError::WrongState {
                    state: DeviceState::Connecting,
                    ..
                } => Some(Remedy::WaitForAttempt),
                ClientError::WrongState {
                    state: DeviceState::Failed,
                    ..
                } => Some(Remedy::ResetFailedThenProvision),
                // The flow replaces these with `WrongState` once a status request tells the
                // state; without one, the remedy depends on the state.
                ClientError::Refused {
                    operation: "apply" | "apply thread dataset" | "reset" | "reprov",
                    ..
                } => Some(Remedy::CheckStateThenResetOrReprov),
                ClientError::NoAnswer { .. } => Some(Remedy::CheckEndpoint),
                ClientError::Crypto { .. } => Some(Remedy::CheckSec2Patch),
                _ => None,
            },
            ErrorClass::NotOffered => match self {
                ClientError::ProvisioningNotOffered(_) => Some(Remedy::EnableProvisioning),
                _ => Some(Remedy::CheckOffer),
            },
            ErrorClass::Usage => None,
        }
    }

    /// Wraps a transport error on `endpoint`, turning "could not connect" into
    /// [`ClientError::Unreachable`].
    pub fn transport(endpoint: &str, source: TransportError) -> Self {
        if transport_class(&source) == ErrorClass::Unreachable {
            ClientError::Unreachable(source)
        } else if let (TransportError::NoEndpoint(_), true) =
            (&source, PROVISIONING_ENDPOINTS.contains(&endpoint))
        {
            ClientError::ProvisioningNotOffered(format!("it has no {endpoint} endpoint"))
        } else if let TransportError::Busy { retry_after } = source {
            ClientError::Backoff { retry_after }
        } else if matches!(source, TransportError::ClosedWithoutResponse)
            && endpoint != "prov-session"
        {
            // Outside the handshake a silent close is not about the PoP / password.
            ClientError::NoAnswer {
                endpoint: endpoint.to_owned(),
            }
        } else {
            ClientError::Transport {
                endpoint: endpoint.to_owned(),
                source,
            }
        }
    }
}

/// The endpoints a session-only device removes (§11).
const PROVISIONING_ENDPOINTS: [&str; 3] = ["prov-config", "prov-scan", "prov-ctrl"];

fn transport_class(error: &TransportError) -> ErrorClass {
    match error {
        TransportError::Unreachable { .. } => ErrorClass::Unreachable,
        TransportError::Timeout => ErrorClass::Timeout,
        TransportError::NoEndpoint(_) => ErrorClass::NotOffered,
        TransportError::LineTooLong { .. } => ErrorClass::Usage,
        _ => ErrorClass::Other,
    }
}
