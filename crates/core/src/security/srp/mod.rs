//! SRP-6a as Espressif's security 2 uses it (§6): SHA-512, the RFC 5054 3072-bit group, g = 5.
//!
//! Notation of §6.1: `PAD(x)` is the 384-byte big-endian encoding, `MIN(x)` the minimal one.
//! Which encoding goes into which hash is the whole interop story of sec2 and is spelled out
//! at each function.
//!
//! Arithmetic uses `crypto-bigint`'s boxed Montgomery form. Secret exponents (`a`, `b`, `x`,
//! `a + u·x`) go through `pow`, a fixed-window ladder whose running time depends only on the
//! *precision* of the exponent, or through the constant-time fixed-base tables of [`table`];
//! only the public `u` takes a variable-time path.
//!
//! What does not change between handshakes is computed once: the group ([`Group::get`]) and,
//! per device, the verifier with `k·v` and its table ([`PreparedVerifier`]).

mod group;
mod table;

use alloc::vec::Vec;
use crypto_bigint::modular::BoxedMontyForm;
use crypto_bigint::BoxedUint;
use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::error::HandshakeError;
pub(crate) use group::Group;
use table::PowerTable;

/// Length of N and of every PAD() encoding.
pub(crate) const LEN: usize = 384;
/// Bit length of N.
const BITS: u32 = 3072;
/// Length of a SHA-512 output (x, u, K, M, device proof).
pub(crate) const HASH_LEN: usize = 64;
/// A SHA-512 output.
pub(crate) type Hash = [u8; HASH_LEN];

/// The RFC 5054 / RFC 3526 3072-bit prime (§6.1).
const N_HEX: &[u8; 2 * LEN] = b"\
ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404dd\
ef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed\
ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8fd24cf5f\
83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b\
e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2261898fa0510\
15728e5a8aaac42dad33170d04507a33a85521abdf1cba64ecfb850458dbef0a8aea71575d060c7db3970f85a6e1e4c7\
abf5ae8cdb0933d71e8c94e04a25619dcee3d2261ad2ee6bf12ffa06d98a0864d87602733ec86a64521f2b18177b200c\
bbe117577a615d6c770988c0bad946e208e24fa074e5ab3143db5bfce0fd108e4b82d120a93ad2caffffffffffffffff";

/// N as 384 big-endian bytes.
pub(crate) const N: [u8; LEN] = decode_hex(N_HEX);

/// The generator.
const G: u8 = 5;

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("not a lowercase hex digit"),
    }
}

const fn decode_hex(hex: &[u8; 2 * LEN]) -> [u8; LEN] {
    let mut out = [0u8; LEN];
    let mut i = 0;
    while i < LEN {
        out[i] = (nibble(hex[2 * i]) << 4) | nibble(hex[2 * i + 1]);
        i += 1;
    }
    out
}

/// SHA-512 over the concatenation of `parts`.
pub(crate) fn hash(parts: &[&[u8]]) -> Hash {
    let mut h = Sha512::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// `PAD(g)`: §6.1 — Espressif hashes the *padded* generator (383 zero bytes, then 0x05) in
/// both k and M. An RFC 2945 implementation hashing the single byte 0x05 will not interoperate.
fn padded_g() -> [u8; LEN] {
    let mut g = [0u8; LEN];
    g[LEN - 1] = G;
    g
}

/// `k = H(N ‖ PAD(g))`.
pub(crate) fn multiplier_k() -> Hash {
    hash(&[&N, &padded_g()])
}

/// `H(N) XOR H(PAD(g))`, the first input of M (again with the padded g, §6.1).
pub(crate) fn hn_xor_hg() -> Hash {
    let hn = hash(&[&N]);
    let hg = hash(&[&padded_g()]);
    let mut out = [0u8; HASH_LEN];
    for ((o, a), b) in out.iter_mut().zip(hn.iter()).zip(hg.iter()) {
        *o = a ^ b;
    }
    out
}

/// `MIN(x)`: the bytes without leading zeros (§6.1). Zero becomes the empty slice, as with
/// `mbedtls_mpi_write_binary` of a zero-sized number.
pub(crate) fn min(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// `x = H(s ‖ H(I ‖ ":" ‖ P))` (§6.2). The salt is used verbatim, leading zeros included.
pub(crate) fn private_x(salt: &[u8], username: &[u8], password: &[u8]) -> Zeroizing<Hash> {
    let inner = Zeroizing::new(hash(&[username, b":", password]));
    Zeroizing::new(hash(&[salt, inner.as_slice()]))
}

/// `u = H(PAD(A) ‖ PAD(B))` (§6.3).
pub(crate) fn scrambler_u(a_padded: &[u8; LEN], b_padded: &[u8; LEN]) -> Hash {
    hash(&[a_padded, b_padded])
}

/// `M = H(H(N) XOR H(PAD(g)) ‖ H(I) ‖ s ‖ A ‖ B ‖ K)` with s, A and B exactly as they were on
/// the wire (A: as the client sent it; B: MIN(B) as the device sent it; salt verbatim) and K
/// the full 64-byte hash (§6.3); the device also checks a form with stripped salt and K
/// (docs/apps.md §3), hence the slices.
pub(crate) fn client_proof(username: &[u8], salt: &[u8], a: &[u8], b: &[u8], k: &[u8]) -> Hash {
    hash(&[&hn_xor_hg(), &hash(&[username]), salt, a, b, k])
}

/// The device proof `H(A ‖ M ‖ K)`, A and M as on the wire (§6.3 step 4).
pub(crate) fn device_proof(a: &[u8], m: &[u8], k: &[u8]) -> Hash {
    hash(&[a, m, k])
}

/// Compares two proofs in constant time (firmware uses `memcmp`, §7 item 6; we do not).
pub(crate) fn proofs_equal(received: &[u8], expected: &Hash) -> bool {
    received.ct_eq(expected.as_slice()).into()
}

/// `PAD(x)` of big-endian bytes: left-padded with zeros to 384 bytes; `None` if longer.
pub(crate) fn pad_bytes(bytes: &[u8]) -> Option<[u8; LEN]> {
    let start = LEN.checked_sub(bytes.len())?;
    let mut out = [0u8; LEN];
    out[start..].copy_from_slice(bytes);
    Some(out)
}

/// `PAD(x)` of a group element.
fn pad(x: &BoxedMontyForm) -> [u8; LEN] {
    let bytes = x.retrieve().to_be_bytes();
    let mut out = [0u8; LEN];
    let n = bytes.len().min(LEN);
    out[LEN - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    out
}

/// A secret exponent from big-endian bytes.
fn exponent(bytes: &[u8]) -> Zeroizing<BoxedUint> {
    // `bytes.len() * 8` bits always hold `bytes`.
    let bits = u32::try_from(bytes.len() * 8).unwrap_or(u32::MAX);
    Zeroizing::new(BoxedUint::from_be_slice(bytes, bits).unwrap_or_else(|_| BoxedUint::zero()))
}

/// `v = g^x mod N` as MIN(v), the stored verifier (§6.2).
pub(crate) fn verifier(group: &Group, salt: &[u8], username: &[u8], password: &[u8]) -> Vec<u8> {
    let x = private_x(salt, username, password);
    let v = Zeroizing::new(group.g_pow(x.as_slice()));
    let v = Zeroizing::new(pad(&v));
    min(v.as_slice()).to_vec()
}

/// The device's verifier, prepared once per device: `v` and `k·v` as group elements and,
/// optionally, a fixed-base table of `v` for `v^u` (about 740 KB, built in about as long as
/// seven handshakes' worth of exponentiations; see [`table`]).
pub(crate) struct PreparedVerifier {
    v: BoxedMontyForm,
    kv: BoxedMontyForm,
    v_table: Option<PowerTable>,
}

impl PreparedVerifier {
    /// Prepares `verifier` (big-endian, at most 384 bytes, not 0 mod N).
    pub(crate) fn new(
        group: &Group,
        verifier: &[u8],
        with_table: bool,
    ) -> Result<Self, HandshakeError> {
        let v = group.element(verifier).ok_or(HandshakeError::Misuse(
            "the sec2 verifier is longer than 384 bytes",
        ))?;
        if bool::from(v.is_zero()) {
            return Err(HandshakeError::Misuse("the sec2 verifier is 0 mod N"));
        }
        let kv = group.k().mul(&v);
        let v_table = with_table.then(|| PowerTable::new(&v, group.params(), 8 * HASH_LEN));
        Ok(PreparedVerifier { v, kv, v_table })
    }

    /// `v^u` for the public scrambler u.
    fn pow_u(&self, u: &Hash) -> BoxedMontyForm {
        if let Some(power) = self.v_table.as_ref().and_then(|t| t.pow_public(u)) {
            return power;
        }
        self.v.pow(&exponent(u))
    }
}

impl Drop for PreparedVerifier {
    fn drop(&mut self) {
        self.v.zeroize();
        self.kv.zeroize();
    }
}

/// What the device derives from `SessionCmd0`.
pub(crate) struct DeviceExchange {
    /// `MIN(B)`, sent in `S2SessionResp0.device_pubkey` and hashed into M as is.
    pub(crate) b_min: Vec<u8>,
    /// `K = H(MIN(S))`.
    pub(crate) k: Zeroizing<Hash>,
}

/// Device step (§6.3 step 2): B = (k·v + g^b) mod N, u = H(PAD(A) ‖ PAD(B)),
/// S = (A·v^u)^b mod N, K = H(MIN(S)).
///
/// Rejects `A mod N == 0` and `u == 0` (RFC 5054 §2.5.4; §7 item 7), which would make S
/// independent of the password. `a_padded` is `PAD(A)` of the bytes the client sent (the
/// client may send fewer than 384 bytes; only M and the device proof hash them as sent).
pub(crate) fn device_exchange(
    group: &Group,
    verifier: &PreparedVerifier,
    a_padded: &[u8; LEN],
    b: &[u8; 32],
) -> Result<DeviceExchange, HandshakeError> {
    let big_a = group
        .element(a_padded)
        .ok_or(HandshakeError::InvalidParameters(
            "client_pubkey is too long",
        ))?;
    if bool::from(big_a.is_zero()) {
        return Err(HandshakeError::InvalidParameters("A mod N == 0"));
    }
    let g_b = Zeroizing::new(group.g_pow(b));
    let big_b = verifier.kv.add(&g_b);
    let b_padded = pad(&big_b);
    let u = scrambler_u(a_padded, &b_padded);
    if u.iter().all(|&x| x == 0) {
        return Err(HandshakeError::InvalidParameters("u == 0"));
    }
    let base = Zeroizing::new(big_a.mul(&Zeroizing::new(verifier.pow_u(&u))));
    let s = Zeroizing::new(base.pow(&exponent(b)));
    let s = Zeroizing::new(pad(&s));
    Ok(DeviceExchange {
        b_min: min(&b_padded).to_vec(),
        k: Zeroizing::new(hash(&[min(s.as_slice())])),
    })
}

/// Client step 1 (§6.3): `PAD(A)` with A = g^a mod N. The client always sends all 384 bytes,
/// a leading zero included, and hashes exactly those bytes into M.
pub(crate) fn client_public(group: &Group, a: &[u8; 32]) -> [u8; LEN] {
    pad(&Zeroizing::new(group.g_pow(a)))
}

/// The client's inputs to its key computation.
pub(crate) struct ClientInputs<'a> {
    pub(crate) a: &'a [u8; 32],
    pub(crate) a_padded: &'a [u8; LEN],
    pub(crate) b_wire: &'a [u8],
    pub(crate) salt: &'a [u8],
    pub(crate) username: &'a [u8],
    pub(crate) password: &'a [u8],
}

/// Client step 3 (§6.3): u = H(PAD(A) ‖ PAD(B)), S = (B − k·g^x)^(a + u·x) mod N,
/// K = H(MIN(S)). B may be shorter than 384 bytes; it must not be 0 mod N (RFC 5054 §2.5.3).
pub(crate) fn client_key(
    group: &Group,
    inp: &ClientInputs<'_>,
) -> Result<Zeroizing<Hash>, HandshakeError> {
    if inp.b_wire.is_empty() {
        return Err(HandshakeError::InvalidParameters("device_pubkey is empty"));
    }
    let big_b = group
        .element(inp.b_wire)
        .ok_or(HandshakeError::InvalidParameters(
            "device_pubkey is longer than 384 bytes",
        ))?;
    if bool::from(big_b.is_zero()) {
        return Err(HandshakeError::InvalidParameters("B mod N == 0"));
    }
    let u = scrambler_u(inp.a_padded, &pad(&big_b));
    if u.iter().all(|&x| x == 0) {
        return Err(HandshakeError::InvalidParameters("u == 0"));
    }
    let x_bytes = private_x(inp.salt, inp.username, inp.password);
    let v = Zeroizing::new(group.g_pow(x_bytes.as_slice()));
    let x = exponent(x_bytes.as_slice());
    let base = Zeroizing::new(big_b.sub(&group.k().mul(&v)));
    // a + u·x: 256 + 1024 bits, computed at a fixed precision of 1088 bits.
    const EXP_BITS: u32 = 1088;
    let ux = Zeroizing::new(exponent(&u).mul(&x).widen(EXP_BITS));
    let e = Zeroizing::new(exponent(inp.a).widen(EXP_BITS).wrapping_add(&ux));
    let s = Zeroizing::new(base.pow(&e));
    let s = Zeroizing::new(pad(&s));
    Ok(Zeroizing::new(hash(&[min(s.as_slice())])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or(0))
            .collect()
    }

    #[test]
    fn k_hashes_the_padded_generator_section6_1() {
        let expected = unhex(
            "a9c2e2559bf0ebb53f0cbbf62282906bede7f2182f00678211fbd5bde5b285033a4993503b87397f\
             9be5ec02080fedbc0835587ad039060879b8621e8c3659e0",
        );
        assert_eq!(multiplier_k().to_vec(), expected);
    }

    #[test]
    fn proof_constant_uses_the_padded_generator_section6_1() {
        let expected = unhex(
            "dad76ed5365ed7bf6bbc1bfa050981458392bbd35a50335d03db3c7535b261d1c902f2ffb8647125\
             bd28ce966c066d5be9b939216c6078b65889299c61624694",
        );
        assert_eq!(hn_xor_hg().to_vec(), expected);
    }

    #[test]
    fn n_is_the_rfc5054_prime() {
        assert_eq!(&N[..8], &[0xff; 8]);
        assert_eq!(&N[8..12], &[0xc9, 0x0f, 0xda, 0xa2]);
        assert_eq!(&N[LEN - 8..], &[0xff; 8]);
    }

    #[test]
    fn pad_bytes_left_pads_and_refuses_longer_input() {
        let padded = pad_bytes(&[1, 2]).expect("short input");
        assert_eq!(&padded[LEN - 2..], &[1, 2]);
        assert!(padded[..LEN - 2].iter().all(|&b| b == 0));
        assert_eq!(pad_bytes(&[7; LEN]), Some([7; LEN]));
        assert_eq!(pad_bytes(&[7; LEN + 1]), None);
    }

    #[test]
    fn min_strips_leading_zeros_only() {
        assert_eq!(min(&[0, 0, 1, 0]), &[1, 0]);
        assert_eq!(min(&[0, 0]), &[] as &[u8]);
    }

    #[test]
    fn fixture_verifier_section15_1() {
        // wifiprov / abcd1234 with the test_srp.c salt gives the published verifier's prefix.
        let salt = unhex("036ee0c7bcb9eda84c9eac97d93decf4");
        let v = verifier(Group::get(), &salt, b"wifiprov", b"abcd1234");
        assert_eq!(v.len(), LEN);
        assert_eq!(&v[..8], &unhex("7c7c85476508946d")[..]);
    }
}
