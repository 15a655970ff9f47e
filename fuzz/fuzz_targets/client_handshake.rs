//! The client handshake (§4-§6, client side) fed arbitrary device responses, then the client
//! session's data phase.
//!
//! Input: `selector (1) ‖ client entropy tape (32) ‖ chunks`. The selector picks the client
//! configuration ([`uniprov_testkit::vectors::security::client_any`]); bit 7 of the selector leaves the
//! handshake unstarted. Chunk ops (`op % 4`): 0 `receive(body)`, 1 `decrypt(body)`,
//! 2 `encrypt(body)`, 3 `start()` again. Seeds put the vectors' `client_private` / `a` on the
//! tape and the vectors' device responses in the chunks.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use uniprov_core::security::{ClientHandshake, ClientSession, ClientStep};
use uniprov_testkit::entropy::TapeEntropy;
use uniprov_fuzz::input::Reader;
use uniprov_testkit::vectors::security as vectors;

fuzz_target!(|data: &[u8]| {
    let mut input = Reader::new(data);
    let selector = input.byte();
    let mut entropy = TapeEntropy::new(input.take(32));
    let mut handshake = ClientHandshake::new(vectors::client_any(selector));
    let mut session: Option<ClientSession> = None;
    let mut starts = 0u32;
    if selector & 0x80 == 0 {
        assert!(!handshake.start(&mut entropy).is_empty());
    }
    while let Some(chunk) = input.chunk() {
        match chunk.op % 4 {
            0 => match handshake.receive(chunk.body, &mut entropy) {
                Ok(ClientStep::Send(next)) => assert!(!next.is_empty()),
                Ok(ClientStep::Established(s)) => session = Some(s),
                Err(_) => {}
            },
            1 => {
                if let Some(s) = &mut session {
                    let _ = s.decrypt(chunk.body);
                }
            }
            2 => {
                if let Some(s) = &mut session {
                    let _ = s.encrypt(chunk.body);
                }
            }
            // Security 2 spends a 3072-bit exponentiation per start: keep inputs fast.
            _ if starts < 4 => {
                starts += 1;
                assert!(!handshake.start(&mut entropy).is_empty());
            }
            _ => {}
        }
    }
});
