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

use serde::Serialize;
use uniprov_core::Secret;

use super::error::ClientError;

/// The strength of a security configuration, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityLevel {
    /// Security 0: plaintext.
    Sec0,
    /// Security 1 without a PoP: unauthenticated key agreement.
    Sec1NoPop,
    /// Security 1 with a PoP.
    Sec1Pop,
    /// Security 2: SRP-6a with username and password.
    Sec2,
}

impl fmt::Display for SecurityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SecurityLevel::Sec0 => "security 0 (no encryption)",
            SecurityLevel::Sec1NoPop => "security 1 without PoP",
            SecurityLevel::Sec1Pop => "security 1 with PoP",
            SecurityLevel::Sec2 => "security 2",
        })
    }
}

/// What the person asked for, from command-line flags, a QR payload or a manifest row.
#[derive(Debug, Default)]
pub struct SecurityRequest {
    /// An explicit scheme (`--sec_ver`); `None` lets proto-ver decide.
    pub sec_ver: Option<u8>,
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
    pub sec_ver: Option<u32>,
    /// `prov.sec_patch_ver`, absent on firmware before the March-2025 fix.
    pub sec_patch_ver: Option<u32>,
    /// Capability `no_sec`.
    pub no_sec: bool,
    /// Capability `no_pop`.
    pub no_pop: bool,
}

/// The scheme chosen, with the secrets it needs.
#[derive(Debug)]
pub enum ChosenSecurity {
    /// Security 0.
    Sec0,
    /// Security 1; `None` skips the PoP XOR.
    Sec1 {
        /// The PoP, if one is used.
        pop: Option<Secret<Vec<u8>>>,
    },
    /// Security 2.
    Sec2 {
        /// Username.
        username: String,
        /// Password.
        password: Secret<Vec<u8>>,
        /// Data-phase IV scheme: 0 = constant nonce, 1 = counter (§6.4).
        patch: u8,
    },
}

impl ChosenSecurity {
    /// The scheme number (0, 1, 2).
    pub fn sec_ver(&self) -> u8 {
        match self {
            ChosenSecurity::Sec0 => 0,
            ChosenSecurity::Sec1 { .. } => 1,
            ChosenSecurity::Sec2 { .. } => 2,
        }
    }

    /// The strength of this choice.
    pub fn level(&self) -> SecurityLevel {
        match self {
            ChosenSecurity::Sec0 => SecurityLevel::Sec0,
            ChosenSecurity::Sec1 { pop: Some(_) } => SecurityLevel::Sec1Pop,
            ChosenSecurity::Sec1 { pop: None } => SecurityLevel::Sec1NoPop,
            ChosenSecurity::Sec2 { .. } => SecurityLevel::Sec2,
        }
    }

    /// A printable summary without secrets.
    pub fn summary(&self, source: ChoiceSource) -> SecuritySummary {
        SecuritySummary {
            sec_ver: self.sec_ver(),
            sec_patch_ver: match self {
                ChosenSecurity::Sec2 { patch, .. } => Some(*patch),
                _ => None,
            },
            level: self.level(),
            pop: matches!(self, ChosenSecurity::Sec1 { pop: Some(_) }),
            username: match self {
                ChosenSecurity::Sec2 { username, .. } => Some(username.clone()),
                _ => None,
            },
            source,
        }
    }
}

/// Where the scheme came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceSource {
    /// `--sec_ver` (or the manifest's `sec_ver` column).
    Explicit,
    /// proto-ver's `prov.sec_ver`.
    SecVer,
    /// proto-ver without `sec_ver`: `no_sec` → 0, else 1.
    Capabilities,
}

/// The chosen security, as printed and reported (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecuritySummary {
    /// 0, 1 or 2.
    pub sec_ver: u8,
    /// Security 2 only: the IV scheme.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sec_patch_ver: Option<u8>,
    /// The strength.
    pub level: SecurityLevel,
    /// Security 1: whether a PoP is used.
    pub pop: bool,
    /// Security 2: the username.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Where the choice came from.
    pub source: ChoiceSource,
}

/// Something the person should know about the negotiation. Never fatal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// The device offers less security than the QR payload or credentials asked for. Either the
    /// device is configured that way or someone is tampering with proto-ver (§7 item 1).
    Downgrade {
        /// What was expected.
        expected: SecurityLevel,
        /// What is used.
        chosen: SecurityLevel,
    },
    /// `--sec_ver` differs from the scheme the device advertises; the explicit choice is used.
    Overridden {
        /// The explicit choice.
        requested: u8,
        /// What proto-ver advertises.
        advertised: u32,
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
                "security downgrade: expected {expected} but the device offers {chosen}; proto-ver is unauthenticated, so make sure this device is the one you meant (pass --sec_ver to insist)"
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
    pub security: ChosenSecurity,
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
    let (sec_ver, source) = match (request.sec_ver, offer.sec_ver) {
        (Some(explicit), advertised) => {
            if let Some(advertised) = advertised.filter(|&a| a != u32::from(explicit)) {
                warnings.push(Warning::Overridden {
                    requested: explicit,
                    advertised,
                });
            }
            (u32::from(explicit), ChoiceSource::Explicit)
        }
        (None, Some(advertised)) => (advertised, ChoiceSource::SecVer),
        (None, None) => (u32::from(!offer.no_sec), ChoiceSource::Capabilities),
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
        0 => ChosenSecurity::Sec0,
        1 if offer.no_pop => ChosenSecurity::Sec1 { pop: None },
        1 => match pop {
            Some(pop) => ChosenSecurity::Sec1 { pop: Some(pop) },
            // §5: an empty PoP skips the XOR on both sides.
            None if empty_pop_given => ChosenSecurity::Sec1 { pop: None },
            // An explicit sec1 against a device that does not run sec1: try without PoP.
            None if offer.sec_ver.is_some_and(|v| v != 1) || offer.no_sec => {
                ChosenSecurity::Sec1 { pop: None }
            }
            None => {
                return Err(ClientError::Usage(
                    "the device uses security 1 with a proof of possession; pass --pop".into(),
                ))
            }
        },
        2 => {
            let Some(username) = username else {
                return Err(ClientError::Usage(
                    "the device uses security 2; pass --sec2_username and --sec2_pwd".into(),
                ));
            };
            let Some(password) = password.or(pop) else {
                return Err(ClientError::Usage(
                    "the device uses security 2; pass --sec2_pwd".into(),
                ));
            };
            let patch = match offer.sec_patch_ver.unwrap_or(0) {
                0 => 0,
                1 => 1,
                other => {
                    warnings.push(Warning::UnknownPatch {
                        sec_patch_ver: other,
                    });
                    1
                }
            };
            ChosenSecurity::Sec2 {
                username,
                password,
                patch,
            }
        }
        other => return Err(ClientError::UnsupportedSecurity(other)),
    };
    if let Some(expected) = expected.filter(|&e| e > security.level()) {
        warnings.push(Warning::Downgrade {
            expected,
            chosen: security.level(),
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
