//! The HTTP cookie sessions (§9.1): which request continues which session.
//!
//! ESP-IDF keeps one cookie and one socket binding; uniprov keeps up to `capacity` cookie
//! sessions at once (least recently used forgotten first), so a second client does not silently
//! kill the first one's session (§7 item 10). The matching rules are ESP-IDF's:
//!
//! * a `Cookie` header continues a session only if its **entire value** is exactly
//!   `session=<decimal cookie>` of a live session; any other `Cookie` header (attributes, several
//!   cookies, leading zeros, an unknown or forgotten id) starts a new session, even on a socket
//!   already bound to one;
//! * without a `Cookie` header, a request continues the session its connection is bound to;
//! * otherwise a new session starts with a fresh random cookie, announced by `Set-Cookie` on
//!   that request's response.

use std::collections::HashMap;

/// How a request maps onto a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Assignment {
    /// The cookie of the session the request belongs to.
    pub cookie: u32,
    /// The session was created by this request: announce it with `Set-Cookie`.
    pub is_new: bool,
    /// A session forgotten to make room for the new one.
    pub evicted: Option<u32>,
}

/// The live cookie sessions, with a use counter for least-recently-used eviction.
#[derive(Debug)]
pub(crate) struct SessionTable {
    capacity: usize,
    clock: u64,
    live: HashMap<u32, u64>,
}

impl SessionTable {
    /// An empty table holding at most `capacity` sessions (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            clock: 0,
            live: HashMap::new(),
        }
    }

    /// Decides which session a request belongs to.
    ///
    /// `cookie_header` is `None` without a `Cookie` header, `Some(value)` with exactly one, and
    /// `Some(b"")`-like non-matching values for anything else the caller could not reduce to one
    /// value. `bound` is the session the request's connection is bound to. `fresh` yields
    /// random candidate cookies for a new session.
    pub fn assign(
        &mut self,
        cookie_header: Option<&[u8]>,
        bound: Option<u32>,
        mut fresh: impl FnMut() -> u32,
    ) -> Assignment {
        let continued = match cookie_header {
            Some(value) => parse_cookie(value).filter(|c| self.live.contains_key(c)),
            None => bound.filter(|c| self.live.contains_key(c)),
        };
        self.clock += 1;
        if let Some(cookie) = continued {
            self.live.insert(cookie, self.clock);
            return Assignment {
                cookie,
                is_new: false,
                evicted: None,
            };
        }
        let evicted = if self.live.len() >= self.capacity {
            self.evict_oldest()
        } else {
            None
        };
        let cookie = loop {
            let candidate = fresh();
            if !self.live.contains_key(&candidate) && Some(candidate) != evicted {
                break candidate;
            }
        };
        self.live.insert(cookie, self.clock);
        Assignment {
            cookie,
            is_new: true,
            evicted,
        }
    }

    fn evict_oldest(&mut self) -> Option<u32> {
        let (&oldest, _) = self.live.iter().min_by_key(|(_, &used)| used)?;
        self.live.remove(&oldest);
        Some(oldest)
    }
}

/// The cookie of a `Cookie` header value that is exactly `session=<decimal u32>`, formatted the
/// way the device formats it (ESP-IDF compares the whole string, so `session=007` or
/// `session=7; x=1` do not match).
fn parse_cookie(value: &[u8]) -> Option<u32> {
    let digits = value.strip_prefix(b"session=")?;
    let text = std::str::from_utf8(digits).ok()?;
    let cookie: u32 = text.parse().ok()?;
    (cookie.to_string() == text).then_some(cookie)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter(start: u32) -> impl FnMut() -> u32 {
        let mut next = start;
        move || {
            next += 1;
            next
        }
    }

    #[test]
    fn cookie_value_must_match_exactly() {
        assert_eq!(parse_cookie(b"session=42"), Some(42));
        assert_eq!(parse_cookie(b"session=4294967295"), Some(u32::MAX));
        for bad in [
            &b"session=042"[..],
            b"session=+42",
            b"session=42; a=b",
            b" session=42",
            b"session=",
            b"session=4294967296",
            b"Session=42",
        ] {
            assert_eq!(parse_cookie(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn section_9_1_session_rules() {
        let mut table = SessionTable::new(4);
        let mut fresh = counter(100);
        let first = table.assign(None, None, &mut fresh);
        assert_eq!((first.cookie, first.is_new), (101, true));
        // Same connection, no cookie: continues.
        assert!(!table.assign(None, Some(101), &mut fresh).is_new);
        // Matching cookie from anywhere: continues.
        let again = table.assign(Some(b"session=101"), None, &mut fresh);
        assert_eq!((again.cookie, again.is_new), (101, false));
        // Non-matching cookie, even on the bound connection: new session.
        let other = table.assign(Some(b"session=999"), Some(101), &mut fresh);
        assert_eq!((other.cookie, other.is_new), (102, true));
    }

    #[test]
    fn least_recently_used_session_is_forgotten() {
        let mut table = SessionTable::new(2);
        let mut fresh = counter(0);
        let a = table.assign(None, None, &mut fresh).cookie;
        let b = table.assign(None, None, &mut fresh).cookie;
        table.assign(None, Some(a), &mut fresh);
        let c = table.assign(None, None, &mut fresh);
        assert_eq!(c.evicted, Some(b));
        assert!(table.assign(None, Some(b), &mut fresh).is_new);
    }

    #[test]
    fn fresh_cookie_never_reuses_a_live_one() {
        let mut table = SessionTable::new(8);
        let mut values = [7, 7, 7, 8].into_iter();
        let mut fresh = move || values.next().unwrap_or(9);
        assert_eq!(table.assign(None, None, &mut fresh).cookie, 7);
        assert_eq!(table.assign(None, None, &mut fresh).cookie, 8);
    }
}
