//! Security 1 device session (§5) fed arbitrary sequences of handshake messages, raw
//! ciphertexts and paired client/device messages; see `uniprov_fuzz::sequence` for the input
//! layout and the properties checked.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use uniprov_fuzz::sequence::{run, Scheme};

fuzz_target!(|data: &[u8]| run(Scheme::Sec1, data));
