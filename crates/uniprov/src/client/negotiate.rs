//! Choosing the security scheme from what the person asked for and what proto-ver offers.
//!
//! The rules (docs/protocol.md §7 item 1, §8, §13, §14):
//!
//! * An explicit `--sec_ver` wins. Otherwise the device's `prov.sec_ver` is used; when the key
//!   is absent (ESP-IDF v4.x) the capabilities decide like esp_prov: `no_sec` → 0, else 1.
//!   Unlike esp_prov, security 2 is chosen without `--sec_ver` when the device says so.
//! * `prov.sec_patch_ver` selects the security 2 IV scheme; absent means 0.
//! * `no_pop` means security 1 without the PoP XOR; a PoP the person gave is then not used.
//! * An empty PoP (`--pop ''`) is given, not missing: an ESP device started with the PoP `""`
//!   advertises no `no_pop` but skips the XOR (§5 "PoP details"), and so does the client.
//! * proto-ver is unauthenticated, so an attacker can make a device look less secure than it
//!   is. When the scheme chosen is weaker than the QR payload or the given credentials imply,
//!   negotiation still succeeds but returns a [`Warning::Downgrade`] the caller must show.
//!
//! This module is pure: it performs no IO and is tested as a table.

use std::fmt;

use uniprov_core::proto_ver::{Capabilities, Capability};
pub use uniprov_core::security::SecurityLevel;
use uniprov_core::security::{ClientSecurity, Sec2Patch, SecVer};
use uniprov_core::Secret;

use super::error::{ClientError, MissingCredential};

/// What the person asked for, from command-line flags, a QR payload or a manifest row.
#[derive(Debug, Default)]
pub struct SecurityRequest {
    /// An explicit scheme (`--sec_ver`); `None` lets proto-ver decide.
    pub sec_ver: Option<SecVer>,
    /// Security 1 proof of possession. For security 2 it doubles as the password when no
    /// password is given (the QR payload's `pop` carries the sec2 password, §12). `Some("")`
    /// is an explicit empty PoP: security 1 without the XOR, what a device started with an
    /// empty PoP runs (§5); `None` fails against a device that needs one.
    pub pop: Option<Secret<Vec<u8>>>,
    /// Security 2 username.
    pub username: Option<String>,
    /// Security 2 password.
    pub password: Option<Secret<Vec<u8>>>,
    /// The security 2 username to use when none is given (the phone apps' `"wifiprov"` for
    /// QR payloads without one). Unlike `username` it implies no expectation of security 2.
    pub default_username: Option<String>,
    /// The level the person expects (for example the QR payload's `security`). When `None` it
    /// is implied by the credentials given: a username or password means security 2, a PoP
    /// means security 1 with PoP.
    pub expected: Option<SecurityLevel>,
}

impl SecurityRequest {
    /// The level a weaker negotiated scheme is measured against.
    pub fn expected_level(&self) -> Option<SecurityLevel> {
        let implied = if self.username.is_some() || self.password.is_some() {
            Some(SecurityLevel::Sec2)
        } else if self.pop.as_ref().is_some_and(|p| !p.expose().is_empty()) {
            Some(SecurityLevel::Sec1Pop)
        } else {
            None
        };
        self.expected.max(implied)
    }
}

/// What the device's proto-ver response offers (only the security-relevant part).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityOffer {
    /// `prov.sec_ver`, absent on ESP-IDF v4.x.
    pub sec_ver: Option<SecVer>,
    /// `prov.sec_patch_ver`, absent on firmware before the March-2025 fix.
    pub sec_patch_ver: Option<u32>,
    /// `prov.cap` (`no_sec`, `no_pop` matter here).
    pub capabilities: Capabilities,
}

impl SecuritySummary {
    /// A printable summary of `security` without secrets.
    pub fn new(security: &ClientSecurity, source: ChoiceSource) -> Self {
        SecuritySummary {
            sec_ver: security.sec_ver(),
            sec_patch_ver: match security {
                ClientSecurity::Sec2 { patch, .. } => Some(*patch),
                _ => None,
            },
            level: SecurityLevel::of(security),
            pop: matches!(security, ClientSecurity::Sec1 { pop: Some(_) }),
            username: match security {
                ClientSecurity::Sec2 { username, .. } => {
                    Some(String::from_utf8_lossy(username).into_owned())
                }
                _ => None,
            },
            source,
        }
    }
}

/// Where the scheme came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceSource {
    /// `--sec_ver` (or the manifest's `sec_ver` column).
    Explicit,
    /// proto-ver's `prov.sec_ver`.
    SecVer,
    /// proto-ver without `sec_ver`: `no_sec` → 0, else 1.
    Capabilities,
}

/// The chosen security, as printed and reported (no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecuritySummary {
    /// The scheme.
    pub sec_ver: SecVer,
    /// Security 2 only: the IV scheme.
    pub sec_patch_ver: Option<Sec2Patch>,
    /// The strength.
    pub level: SecurityLevel,
    /// Security 1: whether a PoP is used.
    pub pop: bool,
    /// Security 2: the username.
    pub username: Option<String>,
    /// Where the choice came from.
    pub source: ChoiceSource,
}

/// Something the person should know about the negotiation. Never fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// The device offers less security than the QR payload or credentials asked for. Either the
    /// device is configured that way or someone is tampering with proto-ver (§7 item 1).
    Downgrade {
        /// What was expected.
        expected: SecurityLevel,
        /// What is used.
        chosen: SecurityLevel,
    },
    /// An explicit security version differs from the scheme the device advertises; the explicit
    /// choice is used.
    Overridden {
        /// The explicit choice.
        requested: SecVer,
        /// What proto-ver advertises.
        advertised: SecVer,
    },
    /// `sec_patch_ver` has a value this client does not know; the counter IV is used.
    UnknownPatch {
        /// The advertised value.
        sec_patch_ver: u32,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Downgrade { expected, chosen } => write!(
                f,
                "security downgrade: expected {expected} but the device offers {chosen}; proto-ver is unauthenticated, so make sure this device is the one you meant"
            ),
            Warning::Overridden { requested, advertised } => write!(
                f,
                "using security {requested} as requested although the device advertises security {advertised}"
            ),
            Warning::UnknownPatch { sec_patch_ver } => write!(
                f,
                "unknown sec_patch_ver {sec_patch_ver}; assuming the counter IV of patch 1"
            ),
        }
    }
}

/// The outcome of [`negotiate`].
#[derive(Debug)]
pub struct Negotiated {
    /// The scheme and its secrets.
    pub security: ClientSecurity,
    /// Where the choice came from.
    pub source: ChoiceSource,
    /// What to tell the person.
    pub warnings: Vec<Warning>,
}

/// Chooses the security scheme (see the module documentation for the rules).
///
/// Fails with [`ClientError::Usage`] when the chosen scheme needs a credential that was not
/// given, and with [`ClientError::UnsupportedSecurity`] for a scheme this client cannot speak.
pub fn negotiate(
    request: SecurityRequest,
    offer: &SecurityOffer,
) -> Result<Negotiated, ClientError> {
    let expected = request.expected_level();
    let mut warnings = Vec::new();
    let no_sec = offer.capabilities.contains(&Capability::NoSec);
    let no_pop = offer.capabilities.contains(&Capability::NoPop);
    let (sec_ver, source) = match (request.sec_ver, offer.sec_ver) {
        (Some(explicit), advertised) => {
            if let Some(advertised) = advertised.filter(|&a| a != explicit) {
                warnings.push(Warning::Overridden {
                    requested: explicit,
                    advertised,
                });
            }
            (explicit, ChoiceSource::Explicit)
        }
        (None, Some(advertised)) => (advertised, ChoiceSource::SecVer),
        (None, None) if no_sec => (SecVer::Sec0, ChoiceSource::Capabilities),
        (None, None) => (SecVer::Sec1, ChoiceSource::Capabilities),
    };
    let SecurityRequest {
        pop,
        username,
        password,
        default_username,
        ..
    } = request;
    let username = username.or(default_username);
    let empty_pop_given = pop.as_ref().is_some_and(|p| p.expose().is_empty());
    let pop = pop.filter(|p| !p.expose().is_empty());
    let security = match sec_ver {
        SecVer::Sec0 => ClientSecurity::Sec0,
        SecVer::Sec1 if no_pop => ClientSecurity::Sec1 { pop: None },
        SecVer::Sec1 => match pop {
            Some(pop) => ClientSecurity::Sec1 { pop: Some(pop) },
            // §5: an empty PoP skips the XOR on both sides.
            None if empty_pop_given => ClientSecurity::Sec1 { pop: None },
            // An explicit sec1 against a device that does not run sec1: try without PoP.
            None if offer.sec_ver.is_some_and(|v| v != SecVer::Sec1) || no_sec => {
                ClientSecurity::Sec1 { pop: None }
            }
            None => return Err(ClientError::MissingCredential(MissingCredential::Pop)),
        },
        SecVer::Sec2 => {
            let Some(username) = username else {
                return Err(ClientError::MissingCredential(
                    MissingCredential::Sec2Username,
                ));
            };
            let Some(password) = password.or(pop) else {
                return Err(ClientError::MissingCredential(
                    MissingCredential::Sec2Password,
                ));
            };
            let advertised = offer.sec_patch_ver.unwrap_or(0);
            let patch = Sec2Patch::try_from(advertised).unwrap_or_else(|_| {
                warnings.push(Warning::UnknownPatch {
                    sec_patch_ver: advertised,
                });
                Sec2Patch::V1
            });
            ClientSecurity::Sec2 {
                username: username.into_bytes(),
                password,
                patch,
            }
        }
        SecVer::Unknown(other) => return Err(ClientError::UnsupportedSecurity(other)),
    };
    let level = SecurityLevel::of(&security);
    if let Some(expected) = expected.filter(|&e| e > level) {
        warnings.push(Warning::Downgrade {
            expected,
            chosen: level,
        });
    }
    Ok(Negotiated {
        security,
        source,
        warnings,
    })
}

#[cfg(test)]
#[path = "negotiate_tests.rs"]
mod tests;
