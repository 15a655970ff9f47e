//! Security configurations taken from `testdata/vectors` (compiled in, so fuzz targets need no
//! file at run time).
//!
//! Security 2 uses the vectors' salt and verifier (the ESP-IDF fixture `wifiprov`/`abcd1234`
//! and the `admin` case), so a vector's `S2SessionCmd0`/`Cmd1` replays and the fuzzer works on
//! structurally valid prefixes rather than on handshakes it can never complete.

use std::sync::OnceLock;

use serde_json::Value;
use uniprov_core::security::{ClientSecurity, DeviceSecurity, Sec2Patch};
use uniprov_core::Secret;

const SEC2_JSON: &str = include_str!("../../../../testdata/vectors/sec2.json");

/// The security 1 proofs of possession a configuration byte selects (`index % 4`): the three
/// vector cases (`abcd1234`, no PoP, `test pop`) and an empty PoP.
pub const SEC1_POPS: [Option<&[u8]>; 4] = [Some(b"abcd1234"), None, Some(b"test pop"), Some(b"")];

/// Security 2 credentials of a vector case.
#[derive(Debug, Clone)]
pub struct Sec2Creds {
    /// SRP username.
    pub username: Vec<u8>,
    /// SRP password.
    pub password: Vec<u8>,
    /// Salt as stored on the device.
    pub salt: Vec<u8>,
    /// Verifier as stored on the device.
    pub verifier: Vec<u8>,
}

fn hex_field(case: &Value, key: &str) -> Vec<u8> {
    case[key]
        .as_str()
        .and_then(|s| hex::decode(s).ok())
        .unwrap_or_default()
}

/// The distinct credential sets of `sec2.json`, in file order (`wifiprov` first, then `admin`).
pub fn sec2_creds() -> &'static [Sec2Creds] {
    static CREDS: OnceLock<Vec<Sec2Creds>> = OnceLock::new();
    CREDS.get_or_init(|| {
        let doc: Value = serde_json::from_str(SEC2_JSON).unwrap_or(Value::Null);
        let mut out: Vec<Sec2Creds> = Vec::new();
        for case in doc["cases"].as_array().into_iter().flatten() {
            let creds = Sec2Creds {
                username: hex_field(case, "username_hex"),
                password: hex_field(case, "password_hex"),
                salt: hex_field(case, "salt"),
                verifier: hex_field(case, "verifier"),
            };
            if !out.iter().any(|c| c.salt == creds.salt) {
                out.push(creds);
            }
        }
        assert!(!out.is_empty(), "sec2.json has no cases");
        out
    })
}

/// The security 2 credential set `index` selects (wrapping).
pub fn sec2_creds_at(index: usize) -> &'static Sec2Creds {
    let all = sec2_creds();
    &all[index % all.len()]
}

fn pop(index: usize) -> Option<Secret<Vec<u8>>> {
    SEC1_POPS[index % SEC1_POPS.len()].map(|p| Secret::new(p.to_vec()))
}

fn patch(v0: bool) -> Sec2Patch {
    if v0 {
        Sec2Patch::V0
    } else {
        Sec2Patch::V1
    }
}

/// Device security 1 with PoP variant `pop_index`.
pub fn device_sec1(pop_index: usize) -> DeviceSecurity {
    DeviceSecurity::Sec1 {
        pop: pop(pop_index),
    }
}

/// Client security 1 with PoP variant `pop_index`.
pub fn client_sec1(pop_index: usize) -> ClientSecurity {
    ClientSecurity::Sec1 {
        pop: pop(pop_index),
    }
}

/// Device security 2 with credential set `creds` and patch 0 when `v0`.
pub fn device_sec2(creds: usize, v0: bool) -> DeviceSecurity {
    let c = sec2_creds_at(creds);
    DeviceSecurity::Sec2 {
        salt: c.salt.clone(),
        verifier: Secret::new(c.verifier.clone()),
        patch: patch(v0),
    }
}

/// Client security 2 with credential set `creds` and patch 0 when `v0`.
pub fn client_sec2(creds: usize, v0: bool) -> ClientSecurity {
    let c = sec2_creds_at(creds);
    ClientSecurity::Sec2 {
        username: c.username.clone(),
        password: Secret::new(c.password.clone()),
        patch: patch(v0),
    }
}

/// The device configuration a selector byte picks, over all schemes: `0` security 0, `1..=4`
/// security 1 (PoP variants), `5..=8` security 2 (credentials × patch).
pub fn device_any(selector: u8) -> DeviceSecurity {
    match selector % 9 {
        0 => DeviceSecurity::Sec0,
        s @ 1..=4 => device_sec1(usize::from(s - 1)),
        s => device_sec2(usize::from((s - 5) >> 1), (s - 5) & 1 == 1),
    }
}

/// The client configuration matching [`device_any`] for the same selector.
pub fn client_any(selector: u8) -> ClientSecurity {
    match selector % 9 {
        0 => ClientSecurity::Sec0,
        s @ 1..=4 => client_sec1(usize::from(s - 1)),
        s => client_sec2(usize::from((s - 5) >> 1), (s - 5) & 1 == 1),
    }
}
