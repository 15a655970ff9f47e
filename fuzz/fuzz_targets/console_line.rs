//! The console transport (§9.3) end to end: arbitrary input bytes through
//! `ConsoleTransport::serve` (line assembly, command parsing, hex) into an in-process
//! Protocomm device, output into memory. The line codec itself is private to the transport, so
//! this is its smallest public entry point.
//!
//! Input: `flags (1) ‖ selector (1) ‖ device entropy tape (48) ‖ console bytes`. `flags` bits
//! 0-1 pick the line limit (16384, 255, 16, 1), bit 2 turns echo on. The selector picks the
//! security ([`uniprov_testkit::vectors::security::device_any`]).
//!
//! Properties: serving in-memory IO never fails; every session the console opens is closed at
//! the end and at most one is open at a time; without echo, the output is the prompt and, for
//! every answered request in order, exactly `\r\n<lowercase hex of the answer>\r\n`.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use tokio::sync::mpsc;
use uniprov::device::transport::console::PROMPT;
use uniprov::device::transport::{ConsoleConfig, ConsoleTransport};
use uniprov_testkit::entropy::TapeEntropy;
use uniprov_fuzz::input::{Reader, TAPE_LEN};
use uniprov_fuzz::responder;
use uniprov_testkit::vectors::security as vectors;

const LIMITS: [usize; 4] = [16384, 255, 16, 1];

/// The answers printed in `output` (echo off): prompts removed, then `\r\n<hex>\r\n` blocks.
fn printed_answers(output: &[u8]) -> Vec<Vec<u8>> {
    assert!(output.starts_with(PROMPT), "no initial prompt");
    let mut rest = Vec::with_capacity(output.len());
    let mut i = 0;
    while i < output.len() {
        if output[i..].starts_with(PROMPT) {
            i += PROMPT.len();
        } else {
            rest.push(output[i]);
            i += 1;
        }
    }
    let mut answers = Vec::new();
    let mut blocks = rest.as_slice();
    while !blocks.is_empty() {
        let Some(body) = blocks.strip_prefix(b"\r\n") else {
            panic!(
                "unexpected console output {:?}",
                String::from_utf8_lossy(&rest)
            );
        };
        let end = body
            .iter()
            .position(|b| !b"0123456789abcdef".contains(b))
            .unwrap_or(body.len());
        let Some(after) = body[end..].strip_prefix(b"\r\n") else {
            panic!(
                "unterminated console answer {:?}",
                String::from_utf8_lossy(&rest)
            );
        };
        let Ok(answer) = hex::decode(&body[..end]) else {
            panic!(
                "odd hex in console answer {:?}",
                String::from_utf8_lossy(&rest)
            );
        };
        answers.push(answer);
        blocks = after;
    }
    answers
}

fuzz_target!(|data: &[u8]| {
    let mut input = Reader::new(data);
    let flags = input.byte();
    let security = vectors::device_any(input.byte());
    let entropy = TapeEntropy::new(input.take(TAPE_LEN));
    let console_bytes = input.rest();
    let config = ConsoleConfig {
        max_line: LIMITS[usize::from(flags & 3)],
        echo: flags & 4 != 0,
    };
    let echo = config.echo;
    let runtime = responder::runtime();
    let (output, transcript) = runtime.block_on(async {
        let (queue, events) = mpsc::channel(4);
        let device = tokio::spawn(responder::serve(
            events,
            responder::protocomm(security, 4),
            entropy,
        ));
        let mut output = Vec::new();
        ConsoleTransport::new(config)
            .serve(console_bytes, &mut output, queue, std::future::pending())
            .await
            .unwrap_or_else(|e| panic!("in-memory console failed: {e}"));
        (output, responder::finish(device).await)
    });
    assert!(
        transcript.open_at_end.is_empty(),
        "console left a session open"
    );
    assert!(
        transcript.max_open <= 1,
        "console had several sessions open"
    );
    if !echo {
        let answered: Vec<Vec<u8>> = transcript.answers.into_iter().flatten().collect();
        assert_eq!(printed_answers(&output), answered);
    }
});
