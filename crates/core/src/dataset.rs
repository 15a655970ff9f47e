//! Thread operational datasets: MeshCoP TLV sequences (docs/protocol.md §10.4, §10.7).
//!
//! network_provisioning hands the dataset to `otDatasetParseTlvs`, which rejects a malformed TLV
//! sequence; the manager does the same check at Apply (§10.7: invalid → FAIL + DatasetInvalid).
//! This module checks what OpenThread checks: every TLV fits, no type occurs twice, and the TLVs of
//! known types are at least as long as their value. Presence of particular TLVs is not required;
//! a dataset without a network key is valid but joins nothing.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// The longest dataset accepted (`OT_OPERATIONAL_DATASET_MAX_LENGTH`); SetThreadConfig with more
/// is InvalidArgument (§10.4).
pub const MAX_DATASET_LEN: usize = 254;

/// MeshCoP TLV types used here.
pub mod tlv {
    /// Channel: page (1 byte) + channel (2 bytes, big endian).
    pub const CHANNEL: u8 = 0;
    /// PAN id (2 bytes, big endian).
    pub const PAN_ID: u8 = 1;
    /// Extended PAN id (8 bytes).
    pub const EXT_PAN_ID: u8 = 2;
    /// Network name (1 to 16 bytes of UTF-8).
    pub const NETWORK_NAME: u8 = 3;
    /// PSKc (16 bytes).
    pub const PSKC: u8 = 4;
    /// Network key (16 bytes).
    pub const NETWORK_KEY: u8 = 5;
    /// Network key sequence (4 bytes).
    pub const KEY_SEQUENCE: u8 = 6;
    /// Mesh-local prefix (8 bytes).
    pub const MESH_LOCAL_PREFIX: u8 = 7;
    /// Security policy (at least 3 bytes).
    pub const SECURITY_POLICY: u8 = 12;
    /// Active timestamp (8 bytes).
    pub const ACTIVE_TIMESTAMP: u8 = 14;
    /// Pending timestamp (8 bytes).
    pub const PENDING_TIMESTAMP: u8 = 51;
    /// Delay timer (4 bytes).
    pub const DELAY_TIMER: u8 = 52;
}

/// Why a dataset is not a valid TLV sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetError {
    /// Empty dataset.
    Empty,
    /// More than [`MAX_DATASET_LEN`] bytes.
    TooLong(usize),
    /// A TLV header or value runs past the end.
    Truncated(usize),
    /// A TLV type occurs twice.
    Duplicate(u8),
    /// A known TLV is too short or too long for its value.
    BadLength {
        /// The TLV type.
        tlv_type: u8,
        /// Its length.
        len: usize,
    },
}

impl fmt::Display for DatasetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatasetError::Empty => f.write_str("empty dataset"),
            DatasetError::TooLong(len) => write!(f, "dataset of {len} bytes exceeds 254"),
            DatasetError::Truncated(at) => write!(f, "TLV at offset {at} is truncated"),
            DatasetError::Duplicate(t) => write!(f, "TLV type {t} occurs twice"),
            DatasetError::BadLength { tlv_type, len } => {
                write!(f, "TLV type {tlv_type} has invalid length {len}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DatasetError {}

/// The non-secret facts of a valid dataset (what `GetThreadStatus` reports, §10.7).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DatasetInfo {
    /// Channel, if present.
    pub channel: Option<u16>,
    /// PAN id, if present.
    pub pan_id: Option<u16>,
    /// Extended PAN id, if present.
    pub ext_pan_id: Option<[u8; 8]>,
    /// Network name, if present (lossy UTF-8).
    pub network_name: Option<String>,
    /// Whether a network key TLV is present (the key itself is never copied out here).
    pub has_network_key: bool,
}

/// One TLV: its type and value.
#[derive(Clone, Copy)]
struct Tlv<'a> {
    tlv_type: u8,
    value: &'a [u8],
}

/// Splits `tlvs` into TLVs, checking structure (not semantics). Extended TLVs (length byte 0xFF
/// followed by a 2-byte length) are understood.
fn split(tlvs: &[u8]) -> Result<Vec<Tlv<'_>>, DatasetError> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < tlvs.len() {
        let start = pos;
        let header = tlvs
            .get(pos..pos + 2)
            .ok_or(DatasetError::Truncated(start))?;
        let (tlv_type, mut len) = (header[0], usize::from(header[1]));
        pos += 2;
        if len == 0xFF {
            let ext = tlvs
                .get(pos..pos + 2)
                .ok_or(DatasetError::Truncated(start))?;
            len = usize::from(u16::from_be_bytes([ext[0], ext[1]]));
            pos += 2;
        }
        let value = tlvs
            .get(pos..pos + len)
            .ok_or(DatasetError::Truncated(start))?;
        pos += len;
        out.push(Tlv { tlv_type, value });
    }
    Ok(out)
}

/// The length rule of a known TLV type: `(minimum, maximum)`.
fn length_rule(tlv_type: u8) -> Option<(usize, usize)> {
    use tlv::*;
    match tlv_type {
        CHANNEL => Some((3, usize::MAX)),
        PAN_ID => Some((2, usize::MAX)),
        EXT_PAN_ID | MESH_LOCAL_PREFIX | ACTIVE_TIMESTAMP | PENDING_TIMESTAMP => {
            Some((8, usize::MAX))
        }
        NETWORK_NAME => Some((1, 16)),
        PSKC | NETWORK_KEY => Some((16, usize::MAX)),
        KEY_SEQUENCE | DELAY_TIMER => Some((4, usize::MAX)),
        SECURITY_POLICY => Some((3, usize::MAX)),
        _ => None,
    }
}

/// Validates a dataset and returns its non-secret facts.
pub fn parse(tlvs: &[u8]) -> Result<DatasetInfo, DatasetError> {
    if tlvs.is_empty() {
        return Err(DatasetError::Empty);
    }
    if tlvs.len() > MAX_DATASET_LEN {
        return Err(DatasetError::TooLong(tlvs.len()));
    }
    // TLV types seen so far, one bit per type.
    let mut seen = [false; 256];
    let mut info = DatasetInfo::default();
    for t in split(tlvs)? {
        if core::mem::replace(&mut seen[usize::from(t.tlv_type)], true) {
            return Err(DatasetError::Duplicate(t.tlv_type));
        }
        if let Some((min, max)) = length_rule(t.tlv_type) {
            if t.value.len() < min || t.value.len() > max {
                return Err(DatasetError::BadLength {
                    tlv_type: t.tlv_type,
                    len: t.value.len(),
                });
            }
        }
        let v = t.value;
        match t.tlv_type {
            tlv::CHANNEL => info.channel = Some(u16::from_be_bytes([v[1], v[2]])),
            tlv::PAN_ID => info.pan_id = Some(u16::from_be_bytes([v[0], v[1]])),
            tlv::EXT_PAN_ID => {
                let mut id = [0; 8];
                id.copy_from_slice(&v[..8]);
                info.ext_pan_id = Some(id);
            }
            tlv::NETWORK_NAME => info.network_name = Some(String::from_utf8_lossy(v).into_owned()),
            tlv::NETWORK_KEY => info.has_network_key = true,
            _ => {}
        }
    }
    Ok(info)
}

/// The value of the first TLV of `tlv_type`, if the sequence is well formed and has one. Use it
/// for the network key only where the key is needed (comparison), never to log it.
pub fn find(tlvs: &[u8], tlv_type: u8) -> Option<&[u8]> {
    split(tlvs)
        .ok()?
        .into_iter()
        .find(|t| t.tlv_type == tlv_type)
        .map(|t| t.value)
}

/// Builds a dataset from its parts, in the TLV order OpenThread uses. For tests and the simulated
/// radio's documentation; real datasets come from a border router.
pub fn build(info: &DatasetInfo, network_key: Option<&[u8; 16]>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut push = |t: u8, v: &[u8]| {
        out.push(t);
        // Callers pass short values only (name ≤ 16 after truncation, fixed-size fields).
        out.push(u8::try_from(v.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(v);
    };
    if let Some(ch) = info.channel {
        let [hi, lo] = ch.to_be_bytes();
        push(tlv::CHANNEL, &[0, hi, lo]);
    }
    if let Some(pan) = info.pan_id {
        push(tlv::PAN_ID, &pan.to_be_bytes());
    }
    if let Some(ext) = &info.ext_pan_id {
        push(tlv::EXT_PAN_ID, ext);
    }
    if let Some(name) = &info.network_name {
        let bytes = name.as_bytes();
        push(tlv::NETWORK_NAME, &bytes[..bytes.len().min(16)]);
    }
    if let Some(key) = network_key {
        push(tlv::NETWORK_KEY, key);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        build(
            &DatasetInfo {
                channel: Some(15),
                pan_id: Some(0x1234),
                ext_pan_id: Some([1, 2, 3, 4, 5, 6, 7, 8]),
                network_name: Some("OpenThread".into()),
                has_network_key: true,
            },
            Some(&[0xAA; 16]),
        )
    }

    #[test]
    fn parses_what_it_builds() {
        let info = parse(&sample()).expect("valid");
        assert_eq!(info.channel, Some(15));
        assert_eq!(info.pan_id, Some(0x1234));
        assert_eq!(info.network_name.as_deref(), Some("OpenThread"));
        assert!(info.has_network_key);
        assert_eq!(find(&sample(), tlv::NETWORK_KEY), Some(&[0xAA; 16][..]));
    }

    #[test]
    fn rejects_malformed_sequences() {
        let ds = sample();
        assert_eq!(parse(&[]), Err(DatasetError::Empty));
        assert!(matches!(
            parse(&ds[..ds.len() - 1]),
            Err(DatasetError::Truncated(_))
        ));
        assert_eq!(parse(&[0x01]), Err(DatasetError::Truncated(0)));
        let mut dup = ds.clone();
        dup.extend_from_slice(&[tlv::PAN_ID, 2, 0, 1]);
        assert_eq!(parse(&dup), Err(DatasetError::Duplicate(tlv::PAN_ID)));
        assert_eq!(
            parse(&[tlv::NETWORK_KEY, 2, 0, 0]),
            Err(DatasetError::BadLength {
                tlv_type: tlv::NETWORK_KEY,
                len: 2
            })
        );
        assert_eq!(parse(&[0x80; 255]), Err(DatasetError::TooLong(255)));
    }

    #[test]
    fn extended_and_unknown_tlvs_are_accepted() {
        let ds = [0x40, 0xFF, 0x00, 0x02, 9, 9, tlv::PAN_ID, 2, 0xAB, 0xCD];
        assert_eq!(parse(&ds).expect("valid").pan_id, Some(0xABCD));
    }

    #[test]
    fn never_panics_on_any_short_input() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let _ = parse(&[a, b, 0xFF]);
                let _ = find(&[a, 0xFF, b], tlv::NETWORK_KEY);
            }
        }
    }
}
