//! The security scheme from the command line, and what the QR code / banner may show of it.

use anyhow::{bail, Context};
use uniprov::core::security::{generate_sec2_credentials, DeviceSecurity, Sec2Patch, SecVer};
use uniprov::core::{Entropy, Secret};
use uniprov::device::runtime::DeviceBuilder;
use uniprov::device::storage::SEC2_SALT_LEN;
use uniprov::entropy::OsEntropy;

use super::options::SecurityOptions;
use super::NetworkArg;

/// What a client needs to know to connect (printed in the QR code, as ESP examples do).
#[derive(Debug)]
pub(super) enum Shown {
    /// Plaintext.
    Sec0,
    /// Security 1 and its PoP, if any.
    Sec1 { pop: Option<Secret<String>> },
    /// Security 2: username and, unless only a verifier was given, the password.
    Sec2 {
        username: String,
        password: Option<Secret<String>>,
        patch: u8,
    },
}

/// The device's security, as the builder takes it.
pub(super) enum DeviceSide {
    /// Fixed for this run (given, or made from a random password).
    Given(DeviceSecurity),
    /// Security 2 from a given password: the library keeps the salt in the state directory,
    /// so it stays stable across restarts ([`DeviceBuilder::with_sec2_password`]).
    Sec2Password {
        username: String,
        password: Secret<String>,
        patch: Sec2Patch,
    },
}

impl DeviceSide {
    /// A device builder with this security.
    pub(super) fn builder(self) -> DeviceBuilder {
        match self {
            DeviceSide::Given(security) => DeviceBuilder::new(security),
            DeviceSide::Sec2Password {
                username,
                password,
                patch,
            } => DeviceBuilder::with_sec2_password(username, password, patch),
        }
    }
}

/// The device's security and what may be shown of it.
pub(super) struct Configured {
    pub(super) device: DeviceSide,
    pub(super) shown: Shown,
}

/// Builds the security scheme.
pub(super) fn configure(args: &SecurityOptions) -> anyhow::Result<Configured> {
    match args.sec_ver {
        SecVer::Sec0 => {
            tracing::warn!("*** SECURITY 0: NO ENCRYPTION, NO AUTHENTICATION. Anyone in range can read the Wi-Fi passphrase and provision this device. ***");
            Ok(Configured {
                device: DeviceSide::Given(DeviceSecurity::Sec0),
                shown: Shown::Sec0,
            })
        }
        SecVer::Sec1 => {
            let pop = args
                .pop
                .as_ref()
                .map(|p| p.0.clone())
                .filter(|p| !p.is_empty());
            if pop.is_none() {
                tracing::warn!("security 1 without a PoP: anyone in range can provision this device (pass --pop)");
            }
            Ok(Configured {
                device: DeviceSide::Given(DeviceSecurity::Sec1 {
                    pop: pop.as_ref().map(|p| Secret::new(p.as_bytes().to_vec())),
                }),
                shown: Shown::Sec1 {
                    pop: pop.map(Secret::new),
                },
            })
        }
        _ => sec2(args),
    }
}

fn sec2(args: &SecurityOptions) -> anyhow::Result<Configured> {
    let patch = if args.patch == 1 {
        Sec2Patch::V1
    } else {
        Sec2Patch::V0
    };
    let username = args.username.clone();
    if let Some((salt, verifier)) = &args.salt_verifier {
        let salt = hex::decode(salt.trim()).context("--sec2-salt is not hex")?;
        let verifier =
            Secret::new(hex::decode(verifier.0.trim()).context("--sec2-verifier is not hex")?);
        if salt.is_empty() || verifier.expose().is_empty() {
            bail!("--sec2-salt and --sec2-verifier must not be empty");
        }
        check_salt(&salt)?;
        return Ok(Configured {
            device: DeviceSide::Given(DeviceSecurity::Sec2 {
                salt,
                verifier,
                patch,
            }),
            shown: Shown::Sec2 {
                username,
                password: args.password.as_ref().map(|p| Secret::new(p.0.clone())),
                patch: args.patch,
            },
        });
    }
    let (password, given) = match &args.password {
        Some(p) if !p.0.is_empty() => (Secret::new(p.0.clone()), true),
        _ => {
            tracing::warn!(
                "no --sec2-pwd: using a random password for this run (shown in the QR code when stderr is a terminal, or with --show-secrets always)"
            );
            (random_password(), false)
        }
    };
    let device = if given {
        // The library keeps the salt in the state directory across restarts.
        DeviceSide::Sec2Password {
            username: username.clone(),
            password: password.duplicate(),
            patch,
        }
    } else {
        let creds = generate_sec2_credentials(
            username.as_bytes(),
            password.expose().as_bytes(),
            SEC2_SALT_LEN,
            &mut OsEntropy,
        );
        DeviceSide::Given(DeviceSecurity::Sec2 {
            salt: creds.salt,
            verifier: creds.verifier,
            patch,
        })
    };
    Ok(Configured {
        device,
        shown: Shown::Sec2 {
            username,
            password: Some(password),
            patch: args.patch,
        },
    })
}

/// The security 2 username: `--sec2-username`, else the phone apps' name for the network:
/// `wifiprov`, or `threadprov` for a Thread device, because the Android app uses
/// `threadprov` whenever the capabilities contain `thread_scan` / `thread_prov`, even over a
/// QR code's username (docs/apps.md §2). The banner and the QR code show this same name.
pub(super) fn sec2_username(given: Option<&str>, network: NetworkArg) -> String {
    match (given, network) {
        (Some(name), _) => name.to_owned(),
        (None, NetworkArg::Thread) => "threadprov".to_owned(),
        (None, NetworkArg::Wifi) => "wifiprov".to_owned(),
    }
}

/// Refuses a salt whose first byte is 0x00: the Android app and esp_prov strip leading zero
/// bytes of the salt before hashing it (docs/apps.md §3, §6.2), so no login with them could ever
/// succeed.
pub(super) fn check_salt(salt: &[u8]) -> anyhow::Result<()> {
    if salt.first() == Some(&0) {
        bail!(
            "the security 2 salt (--sec2-salt, or sec2-salt in --config) starts with 0x00: the Android app and esp_prov strip leading zero bytes of the salt, so they could never log in; make new credentials with `uniprov sec2-gen-cred` (its salts never start with 0x00)"
        );
    }
    Ok(())
}

/// Ten characters without look-alikes.
fn random_password() -> Secret<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    OsEntropy.fill(&mut bytes);
    let text = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    Secret::new(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_salt_starting_with_zero_is_refused_with_the_reason() {
        let err = check_salt(&[0, 1, 2]).expect_err("leading zero");
        let text = err.to_string();
        assert!(text.contains("0x00") && text.contains("Android"), "{text}");
        assert!(check_salt(&[1, 0, 0]).is_ok());
    }

    #[test]
    fn generated_salts_never_start_with_zero() {
        // A source that only gives zeros still yields a usable salt.
        struct Zeros;
        impl Entropy for Zeros {
            fn fill(&mut self, dest: &mut [u8]) {
                dest.fill(0);
            }
        }
        let creds = generate_sec2_credentials(b"wifiprov", b"pwd", SEC2_SALT_LEN, &mut Zeros);
        assert_ne!(creds.salt[0], 0);
        for _ in 0..256 {
            let creds = generate_sec2_credentials(b"u", b"p", 4, &mut OsEntropy);
            assert_ne!(creds.salt[0], 0);
        }
    }
}
