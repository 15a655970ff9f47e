//! The BLE transport's logic without BlueZ: one protocomm session per connection, the stored
//! response of every characteristic per connection (read-after-write), long reads by offset, and
//! what a disconnect clears (docs/protocol.md §9.2, §3.2, §3.3).
//!
//! The bluer callbacks in `ble.rs` forward every GATT access here and act on the result.

use std::collections::HashMap;

use super::super::{session_id, SessionId};

/// A peer's Bluetooth address (BlueZ identifies GATT requests by address, not by handle).
pub type Peer = [u8; 6];

/// The largest request the transport takes, as NimBLE (§9.2: 512 bytes per request/response).
pub const MAX_VALUE: usize = 512;

/// Why a GATT access is refused at the ATT level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessError {
    /// A read offset beyond the stored value, or a write at a non-zero offset. BlueZ merges the
    /// prepared writes of a long write into one `WriteValue` at offset 0 (`append_prep_data` in
    /// `src/shared/gatt-server.c`), so a non-zero offset never belongs to a whole request.
    InvalidOffset,
    /// A request longer than [`MAX_VALUE`].
    TooLong,
}

/// What to do with a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// An empty write: accepted and ignored, as NimBLE does.
    Ignore,
    /// Pass the value to the manager as a request of `session`; `opened` is set when this write
    /// opened the session (send `SessionOpened` first).
    Dispatch {
        /// The connection's session.
        session: SessionId,
        /// `Some(session)` when the session is new.
        opened: Option<SessionId>,
    },
}

#[derive(Debug)]
struct Link {
    session: SessionId,
    /// The stored response per characteristic (index into the GATT table).
    values: HashMap<usize, Vec<u8>>,
}

/// The connections of one GATT application.
#[derive(Debug, Default)]
pub struct Links {
    links: HashMap<Peer, Link>,
    next_handle: u16,
}

impl Links {
    /// A write of `len` bytes at `offset` from `peer`.
    pub fn on_write(&mut self, peer: Peer, offset: u16, len: usize) -> Result<Write, AccessError> {
        if offset != 0 {
            return Err(AccessError::InvalidOffset);
        }
        if len > MAX_VALUE {
            return Err(AccessError::TooLong);
        }
        if len == 0 {
            return Ok(Write::Ignore);
        }
        if let Some(link) = self.links.get(&peer) {
            return Ok(Write::Dispatch {
                session: link.session,
                opened: None,
            });
        }
        let session = session_id::ble(self.next_handle);
        self.next_handle = self.next_handle.wrapping_add(1);
        self.links.insert(
            peer,
            Link {
                session,
                values: HashMap::new(),
            },
        );
        Ok(Write::Dispatch {
            session,
            opened: Some(session),
        })
    }

    /// The manager's answer to a write on characteristic `chr`: a response is stored for the
    /// following reads (returns true); a refusal keeps the previous value (returns false, and the
    /// write fails, §3.3). Answers for a connection that ended meanwhile are dropped.
    pub fn on_answer(
        &mut self,
        peer: Peer,
        session: SessionId,
        chr: usize,
        answer: Option<Vec<u8>>,
    ) -> bool {
        let Some(value) = answer else { return false };
        match self.links.get_mut(&peer) {
            Some(link) if link.session == session => {
                link.values.insert(chr, value);
                true
            }
            _ => false,
        }
    }

    /// A read of characteristic `chr` at `offset` (Read Blob for long values): the stored
    /// response from `offset` on; empty before the first write.
    pub fn on_read(&self, peer: Peer, chr: usize, offset: u16) -> Result<Vec<u8>, AccessError> {
        let value = self.links.get(&peer).and_then(|l| l.values.get(&chr));
        let value = value.map(Vec::as_slice).unwrap_or_default();
        value
            .get(usize::from(offset)..)
            .map(<[u8]>::to_vec)
            .ok_or(AccessError::InvalidOffset)
    }

    /// The peer disconnected: its session ends and its stored values are forgotten.
    pub fn on_disconnect(&mut self, peer: Peer) -> Option<SessionId> {
        self.links.remove(&peer).map(|l| l.session)
    }

    /// The peers with a session.
    pub fn peers(&self) -> Vec<Peer> {
        self.links.keys().copied().collect()
    }

    /// Whether `peer` has a session.
    pub fn is_connected(&self, peer: Peer) -> bool {
        self.links.contains_key(&peer)
    }
}

/// The advertising data's budget (legacy advertising PDU, Core Vol 3 Part C §11).
pub const ADV_DATA_MAX: usize = 31;
/// What the advertising data holds before the manufacturer data: the Flags AD structure (3 bytes,
/// added by the kernel for a discoverable advertisement) and the complete list of one 128-bit
/// service UUID (2 + 16 bytes). bluetoothd puts the local name into the scan response and the
/// manufacturer data into the advertising data (`generate_adv_data`/`generate_scan_rsp` in
/// `src/advertising.c`), so the name takes none of this budget.
pub const ADV_DATA_FIXED: usize = 3 + 2 + 16;

/// The manufacturer data (company id first, as ESP-IDF takes it) trimmed to what fits in the
/// advertising data beside the flags and the service UUID: at most 8 bytes, company id included
/// (31 − 21 − 2 bytes of AD header). ESP-IDF trims to what fits beside the name in its scan
/// response (docs/protocol.md §9.2); BlueZ places the data in the advertisement, so the budget is
/// that packet's. Split into bluer's `(company id, data)`; `None` without a company id, and
/// `None` for a company id alone: bluetoothd (5.66, `parse_manufacturer_data` in
/// `src/advertising.c`) refuses a `ManufacturerData` entry with an empty value ("Failed to parse
/// advertisement") and takes no 0xFF structure through `Data` either, so it cannot be sent.
pub fn manufacturer_entry(data: &[u8]) -> Option<(u16, Vec<u8>)> {
    let room = ADV_DATA_MAX - ADV_DATA_FIXED - 2;
    let fits = &data[..data.len().min(room)];
    match fits {
        [lo, hi, rest @ ..] if !rest.is_empty() => {
            Some((u16::from_le_bytes([*lo, *hi]), rest.to_vec()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
