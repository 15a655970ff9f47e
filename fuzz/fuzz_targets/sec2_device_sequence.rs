//! Security 2 device session (§6) fed arbitrary sequences of handshake messages, raw
//! ciphertexts and paired client/device messages, with the vectors' salt and verifier
//! (`wifiprov`/`abcd1234`, `admin`); see `uniprov_fuzz::sequence` for the input layout and the
//! properties checked.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use uniprov_fuzz::sequence::{run, Scheme};

fuzz_target!(|data: &[u8]| run(Scheme::Sec2, data));
