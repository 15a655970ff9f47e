//! The WPA pre-shared key of a passphrase (IEEE 802.11i: PBKDF2-HMAC-SHA1, the SSID as salt,
//! 4096 iterations, 32 bytes), so that the simulated radio accepts a 64-hex-digit PSK exactly
//! where a real access point would. SHA-1 is written out here (a few lines) rather than pulled
//! in as a dependency for a simulator.

/// SHA-1 of `data` (FIPS 180-4).
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut message = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bits.to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..20].copy_from_slice(&sha1(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    inner.extend_from_slice(message);
    let mut outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    outer.extend_from_slice(&sha1(&inner));
    sha1(&outer)
}

/// The 32-byte PSK of `passphrase` on the network `ssid`.
pub(super) fn wpa_psk(passphrase: &[u8], ssid: &[u8]) -> [u8; 32] {
    let mut psk = [0u8; 32];
    for (index, chunk) in psk.chunks_mut(20).enumerate() {
        let mut salt = ssid.to_vec();
        salt.extend_from_slice(&(index as u32 + 1).to_be_bytes());
        let mut u = hmac_sha1(passphrase, &salt);
        let mut t = u;
        for _ in 1..4096 {
            u = hmac_sha1(passphrase, &u);
            for (x, y) in t.iter_mut().zip(u) {
                *x ^= y;
            }
        }
        chunk.copy_from_slice(&t[..chunk.len()]);
    }
    psk
}

/// Whether `given` (a passphrase, or a 64-hex-digit PSK) unlocks a network with `passphrase`.
pub(super) fn accepts(passphrase: &[u8], ssid: &[u8], given: &[u8]) -> bool {
    if given == passphrase {
        return true;
    }
    given.len() == 64
        && given.iter().all(u8::is_ascii_hexdigit)
        && hex::decode(given).is_ok_and(|psk| psk == wpa_psk(passphrase, ssid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ieee_802_11i_test_vector() {
        // IEEE 802.11i-2004, H.4.1: passphrase "password", SSID "IEEE".
        assert_eq!(
            hex::encode(wpa_psk(b"password", b"IEEE")),
            "f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e"
        );
        assert_eq!(
            hex::encode(sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }

    #[test]
    fn a_psk_or_the_passphrase_unlocks_nothing_else() {
        let psk = hex::encode(wpa_psk(b"password123", b"HomeNetwork"));
        assert!(accepts(b"password123", b"HomeNetwork", psk.as_bytes()));
        assert!(accepts(
            b"password123",
            b"HomeNetwork",
            psk.to_uppercase().as_bytes()
        ));
        assert!(accepts(b"password123", b"HomeNetwork", b"password123"));
        assert!(!accepts(b"password123", b"Other", psk.as_bytes()));
        assert!(!accepts(b"password123", b"HomeNetwork", &[b'a'; 64]));
    }
}
