//! The security 2 arithmetic of the stock apps (docs/apps.md §3), written from the description of
//! the apps and docs/protocol.md §6, independently of `uniprov-core`'s SRP: `num-bigint` (which
//! converts like Java's `BigInteger`) and `sha2`.
//!
//! * Android: salt, A, B, K and M1 go through a big integer and back, which drops leading
//!   zero bytes (`MIN`); x and M use the stripped salt, M and the device proof the stripped
//!   A, B and K; M1 is sent stripped; the AES key is the first 32 bytes of the stripped K;
//!   u is computed over PAD(A) and PAD(B).
//! * iOS: A is sent minimal; salt, B and K are used as received / as the full 64-byte hash.
//!
//! Both draw a 32-byte a. (The Android library draws a of the size of N; the device cannot
//! tell the difference, A = g^a mod N is uniform either way, and a short a keeps the stress
//! run affordable.)

use std::collections::HashMap;
use std::sync::Mutex;

use num_bigint::BigUint;
use sha2::{Digest, Sha512};

/// Which app the client imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    /// `esp-idf-provisioning-android`.
    Android,
    /// `esp-idf-provisioning-ios`.
    Ios,
}

/// Length of N and of PAD().
pub const LEN: usize = 384;

const N_HEX: &str = "\
ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404dd\
ef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed\
ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8fd24cf5f\
83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b\
e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2261898fa0510\
15728e5a8aaac42dad33170d04507a33a85521abdf1cba64ecfb850458dbef0a8aea71575d060c7db3970f85a6e1e4c7\
abf5ae8cdb0933d71e8c94e04a25619dcee3d2261ad2ee6bf12ffa06d98a0864d87602733ec86a64521f2b18177b200c\
bbe117577a615d6c770988c0bad946e208e24fa074e5ab3143db5bfce0fd108e4b82d120a93ad2caffffffffffffffff";

/// SHA-512 of the concatenation of `parts`.
pub fn sha512(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Sha512::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

/// `MIN(x)`: what Java's `BigInteger` round trip (and Swift's `serialize()`) gives.
pub fn min_bytes(x: &BigUint) -> Vec<u8> {
    if *x == BigUint::default() {
        Vec::new()
    } else {
        x.to_bytes_be()
    }
}

/// `bytes` without leading zeros.
pub fn strip(bytes: &[u8]) -> Vec<u8> {
    min_bytes(&BigUint::from_bytes_be(bytes))
}

/// `PAD(x)`: left-padded to 384 bytes.
pub fn pad(bytes: &[u8]) -> Vec<u8> {
    let stripped = strip(bytes);
    let mut out = vec![0u8; LEN - stripped.len()];
    out.extend_from_slice(&stripped);
    out
}

/// x and v by (salt, username, password).
type VerifierCache = HashMap<(Vec<u8>, Vec<u8>, Vec<u8>), (BigUint, BigUint)>;

/// The group constants.
pub struct Group {
    pub n: BigUint,
    pub g: BigUint,
    pub k: BigUint,
    /// `H(N) XOR H(PAD(g))`.
    pub hn_xor_hg: Vec<u8>,
    /// x and v = g^x by (salt as used, username, password): the apps recompute them in every
    /// handshake; the result is the same, and remembering it makes the stress run cheaper.
    verifiers: Mutex<VerifierCache>,
}

impl Group {
    pub fn new() -> Group {
        let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N");
        let g = BigUint::from(5u8);
        let n_bytes = min_bytes(&n);
        let g_padded = pad(&min_bytes(&g));
        let k = BigUint::from_bytes_be(&sha512(&[&n_bytes, &g_padded]));
        let hn = sha512(&[&n_bytes]);
        let hg = sha512(&[&g_padded]);
        let hn_xor_hg = hn.iter().zip(&hg).map(|(a, b)| a ^ b).collect();
        Group {
            n,
            g,
            k,
            hn_xor_hg,
            verifiers: Mutex::new(HashMap::new()),
        }
    }

    /// `x = H(s ‖ H(I ‖ ":" ‖ P))` and `v = g^x mod N`.
    fn x_and_v(&self, salt: &[u8], username: &[u8], password: &[u8]) -> (BigUint, BigUint) {
        let key = (salt.to_vec(), username.to_vec(), password.to_vec());
        if let Some(found) = self.verifiers.lock().expect("lock").get(&key) {
            return found.clone();
        }
        let inner = sha512(&[username, b":", password]);
        let x = BigUint::from_bytes_be(&sha512(&[salt, &inner]));
        let v = self.g.modpow(&x, &self.n);
        self.verifiers
            .lock()
            .expect("lock")
            .insert(key, (x.clone(), v.clone()));
        (x, v)
    }
}

/// What a client observed about one handshake (the short and leading-zero cases).
#[derive(Debug, Default, Clone, Copy)]
pub struct Observed {
    /// A had fewer than 384 bytes (sent minimal).
    pub short_a: bool,
    /// B arrived with fewer than 384 bytes.
    pub short_b: bool,
    /// K started with 0x00.
    pub k_leading_zero: bool,
    /// M started with 0x00 (Android then sends fewer than 64 bytes).
    pub m_leading_zero: bool,
}

/// One app-like client handshake, from its secret a to the session key.
pub struct Handshake {
    app: App,
    username: Vec<u8>,
    password: Vec<u8>,
    a: BigUint,
    big_a: BigUint,
    /// What the device proof must be (set after Resp0).
    expected_device_proof: Vec<u8>,
    /// The AES key (set after Resp0).
    pub key: [u8; 32],
    pub observed: Observed,
}

impl Handshake {
    /// Starts a handshake with the 32-byte secret `a`.
    pub fn new(group: &Group, app: App, username: &str, password: &str, a: [u8; 32]) -> Self {
        let a = BigUint::from_bytes_be(&a);
        let big_a = group.g.modpow(&a, &group.n);
        Handshake {
            app,
            username: username.as_bytes().to_vec(),
            password: password.as_bytes().to_vec(),
            a,
            big_a,
            expected_device_proof: Vec::new(),
            key: [0; 32],
            observed: Observed::default(),
        }
    }

    /// A as both apps send it: minimal.
    pub fn public_a(&mut self) -> Vec<u8> {
        let a = min_bytes(&self.big_a);
        self.observed.short_a = a.len() < LEN;
        a
    }

    /// Computes K and M from the device's salt and B; returns the client proof to send, or
    /// `None` when the app would give up (B ≡ 0 mod N).
    pub fn proof(&mut self, group: &Group, salt: &[u8], b_wire: &[u8]) -> Option<Vec<u8>> {
        let big_b = BigUint::from_bytes_be(b_wire);
        if &big_b % &group.n == BigUint::default() {
            return None;
        }
        self.observed.short_b = b_wire.len() < LEN;
        let a_bytes = min_bytes(&self.big_a);
        // u over the padded values (both apps).
        let u = BigUint::from_bytes_be(&sha512(&[&pad(&a_bytes), &pad(b_wire)]));
        let salt_used = match self.app {
            App::Android => strip(salt),
            App::Ios => salt.to_vec(),
        };
        let (x, v) = group.x_and_v(&salt_used, &self.username, &self.password);
        let kv = (&group.k * &v) % &group.n;
        let base = (&big_b + &group.n - kv) % &group.n;
        let s = base.modpow(&(&self.a + &u * &x), &group.n);
        let k_full = sha512(&[&min_bytes(&s)]);
        self.observed.k_leading_zero = k_full[0] == 0;
        let h_i = sha512(&[&self.username]);
        let (b_used, k_used) = match self.app {
            App::Android => (strip(b_wire), strip(&k_full)),
            App::Ios => (b_wire.to_vec(), k_full),
        };
        let m = sha512(&[
            &group.hn_xor_hg,
            &h_i,
            &salt_used,
            &a_bytes,
            &b_used,
            &k_used,
        ]);
        self.observed.m_leading_zero = m[0] == 0;
        let m_sent = match self.app {
            App::Android => strip(&m),
            App::Ios => m,
        };
        self.expected_device_proof = sha512(&[&a_bytes, &m_sent, &k_used]);
        // Java's Arrays.copyOfRange(k, 0, 32) zero-fills past the end.
        let n = k_used.len().min(32);
        self.key = [0; 32];
        self.key[..n].copy_from_slice(&k_used[..n]);
        Some(m_sent)
    }

    /// Checks the device proof the way the app does: Android compares big integers, iOS the
    /// bytes.
    pub fn device_proof_ok(&self, proof: &[u8]) -> bool {
        match self.app {
            App::Android => strip(proof) == strip(&self.expected_device_proof),
            App::Ios => proof == self.expected_device_proof.as_slice(),
        }
    }
}
