//! The security scheme and the security 2 patch version as protocol values (docs/protocol.md
//! §8): parsed once where a number comes in (proto-ver, a QR payload, a flag, a manifest cell),
//! so that nothing else gives `0`, `1` or `2` a meaning.

use core::fmt;

use super::{ClientSecurity, Sec2Patch};

/// A security scheme number, `prov.sec_ver` (smoltcp's "enum with unknown" shape: every
/// number converts, the ones this build does not speak stay visible as [`SecVer::Unknown`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecVer {
    /// Security 0: plaintext.
    Sec0,
    /// Security 1: X25519, optional PoP, AES-256-CTR.
    Sec1,
    /// Security 2: SRP-6a, AES-256-GCM.
    Sec2,
    /// A scheme number this build does not know.
    Unknown(u32),
}

impl From<u32> for SecVer {
    fn from(value: u32) -> Self {
        match value {
            0 => SecVer::Sec0,
            1 => SecVer::Sec1,
            2 => SecVer::Sec2,
            other => SecVer::Unknown(other),
        }
    }
}

impl From<SecVer> for u32 {
    fn from(value: SecVer) -> Self {
        match value {
            SecVer::Sec0 => 0,
            SecVer::Sec1 => 1,
            SecVer::Sec2 => 2,
            SecVer::Unknown(other) => other,
        }
    }
}

impl fmt::Display for SecVer {
    /// The number, as proto-ver and the flags write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", u32::from(*self))
    }
}

/// A `sec_patch_ver` this build does not know (the explicit unknown case of [`Sec2Patch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownSec2Patch(pub u32);

impl fmt::Display for UnknownSec2Patch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown sec_patch_ver {}", self.0)
    }
}

impl TryFrom<u32> for Sec2Patch {
    type Error = UnknownSec2Patch;

    fn try_from(value: u32) -> Result<Self, Self::Error> {
        match value {
            0 => Ok(Sec2Patch::V0),
            1 => Ok(Sec2Patch::V1),
            other => Err(UnknownSec2Patch(other)),
        }
    }
}

impl From<Sec2Patch> for u32 {
    fn from(value: Sec2Patch) -> Self {
        match value {
            Sec2Patch::V0 => 0,
            Sec2Patch::V1 => 1,
        }
    }
}

impl fmt::Display for Sec2Patch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", u32::from(*self))
    }
}

/// The strength of a security configuration, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

impl SecurityLevel {
    /// The strength of a chosen security.
    pub fn of(security: &ClientSecurity) -> Self {
        match security {
            ClientSecurity::Sec0 => SecurityLevel::Sec0,
            ClientSecurity::Sec1 { pop: Some(_) } => SecurityLevel::Sec1Pop,
            ClientSecurity::Sec1 { pop: None } => SecurityLevel::Sec1NoPop,
            ClientSecurity::Sec2 { .. } => SecurityLevel::Sec2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s8_numbers_round_trip_and_unknown_ones_stay_visible() {
        for n in [0, 1, 2, 3, u32::MAX] {
            assert_eq!(u32::from(SecVer::from(n)), n);
        }
        assert_eq!(SecVer::from(7), SecVer::Unknown(7));
        assert_eq!(Sec2Patch::try_from(1), Ok(Sec2Patch::V1));
        assert_eq!(Sec2Patch::try_from(2), Err(UnknownSec2Patch(2)));
        assert_eq!(u32::from(Sec2Patch::V0), 0);
    }
}
