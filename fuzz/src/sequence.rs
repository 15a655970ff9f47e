//! The device-session sequence driver behind `sec1_device_sequence` and `sec2_device_sequence`.
//!
//! Input layout: `flags (1) ‖ device entropy tape (48) ‖ chunks`. `flags`:
//!
//! * security 1: bits 0-1 the PoP variant ([`uniprov_testkit::vectors::security::SEC1_POPS`]);
//! * security 2: bit 0 patch 0 (else 1), bit 1 the credential set (`wifiprov`, `admin`);
//! * bits 2-3 the start: 0 and 3 raw, 1 after an in-target client `SessionCmd0`, 2 after a
//!   complete in-target handshake.
//!
//! Chunk operations (`op % 8`):
//!
//! | op | what |
//! |----|------|
//! | 0 | `handle_session_data(body)` |
//! | 1 | `decrypt(body)` (a raw request) |
//! | 2 | `encrypt(body)` (a raw response) |
//! | 3 | the in-target client encrypts `body`, the device decrypts it |
//! | 4 | the device encrypts `body`, the in-target client decrypts it |
//! | 5 | a complete in-target handshake |
//! | 6 | an in-target client `SessionCmd0` only (the device then awaits `Cmd1`) |
//! | 7 | a correct in-target `Cmd1`, XORed with `body`, after an in-target `Cmd0` |
//!
//! Properties: a correct in-target handshake always succeeds, whatever came before (§3.2: a
//! `Cmd0` restarts); while client and device are in lock-step (only ops 3 and 4 since the last
//! handshake) every message decrypts to what was encrypted; an unmodified `Cmd1` (op 7 with an
//! all-zero mask) is accepted; ciphertext lengths follow §5/§6.4.

use uniprov_core::security::{
    ClientHandshake, ClientSecurity, ClientSession, ClientStep, DeviceSecurity, DeviceSession,
};

use uniprov_testkit::entropy::TapeEntropy;
use crate::input::{Reader, TAPE_LEN};
use uniprov_testkit::vectors::security as vectors;

/// Which scheme a sequence target drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Security 1.
    Sec1,
    /// Security 2.
    Sec2,
}

impl Scheme {
    /// Bytes a ciphertext adds to its plaintext (§5: none; §6.4: the GCM tag).
    fn overhead(self) -> usize {
        match self {
            Scheme::Sec1 => 0,
            Scheme::Sec2 => 16,
        }
    }

    /// In-target handshakes allowed per input (SRP over 3072 bits costs milliseconds each).
    fn handshake_budget(self) -> u32 {
        match self {
            Scheme::Sec1 => 16,
            Scheme::Sec2 => 3,
        }
    }

    fn configs(self, flags: u8) -> (DeviceSecurity, ClientSecurity) {
        match self {
            Scheme::Sec1 => {
                let pop = usize::from(flags & 3);
                (vectors::device_sec1(pop), vectors::client_sec1(pop))
            }
            Scheme::Sec2 => {
                let (v0, creds) = (flags & 1 == 1, usize::from((flags >> 1) & 1));
                (
                    vectors::device_sec2(creds, v0),
                    vectors::client_sec2(creds, v0),
                )
            }
        }
    }
}

struct Driver {
    scheme: Scheme,
    device: DeviceSession,
    device_entropy: TapeEntropy,
    client: ClientHandshake,
    client_entropy: TapeEntropy,
    session: Option<ClientSession>,
    /// Client and device have processed the same messages since the last handshake.
    in_step: bool,
    budget: u32,
}

impl Driver {
    /// Runs the in-target client up to (not including) its `Cmd1`; the device awaits `Cmd1`.
    /// Returns the `Cmd1` the client would send.
    fn cmd0(&mut self) -> Vec<u8> {
        self.in_step = false;
        self.session = None;
        let cmd0 = self.client.start(&mut self.client_entropy);
        let resp0 = self
            .device
            .handle_session_data(&cmd0, &mut self.device_entropy)
            .unwrap_or_else(|e| panic!("device refused a correct SessionCmd0: {e}"));
        assert!(!self.device.is_established());
        match self.client.receive(&resp0, &mut self.client_entropy) {
            Ok(ClientStep::Send(cmd1)) => cmd1,
            Ok(ClientStep::Established(_)) => panic!("security 1/2 established after Resp0"),
            Err(e) => panic!("client refused the device's SessionResp0: {e}"),
        }
    }

    /// A complete in-target handshake.
    fn handshake(&mut self) {
        let cmd1 = self.cmd0();
        let resp1 = self
            .device
            .handle_session_data(&cmd1, &mut self.device_entropy)
            .unwrap_or_else(|e| panic!("device refused a correct SessionCmd1: {e}"));
        assert!(self.device.is_established());
        match self.client.receive(&resp1, &mut self.client_entropy) {
            Ok(ClientStep::Established(session)) => self.session = Some(session),
            Ok(ClientStep::Send(_)) => panic!("client wants a third handshake message"),
            Err(e) => panic!("client refused the device's SessionResp1: {e}"),
        }
        self.in_step = true;
    }

    /// A correct `Cmd1` with `mask` XORed in (an all-zero mask must be accepted).
    fn masked_cmd1(&mut self, mask: &[u8]) {
        let mut cmd1 = self.cmd0();
        for (b, m) in cmd1.iter_mut().zip(mask) {
            *b ^= m;
        }
        let result = self
            .device
            .handle_session_data(&cmd1, &mut self.device_entropy);
        if mask.iter().all(|&m| m == 0) {
            assert!(result.is_ok(), "device refused an unmodified SessionCmd1");
        }
        assert_eq!(result.is_ok(), self.device.is_established());
    }

    fn spend(&mut self) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        true
    }

    fn step(&mut self, op: u8, body: &[u8]) {
        match op % 8 {
            0 => {
                self.in_step = false;
                let result = self
                    .device
                    .handle_session_data(body, &mut self.device_entropy);
                if let Ok(reply) = &result {
                    assert!(!reply.is_empty(), "empty handshake reply");
                }
            }
            1 => {
                if self.device.decrypt(body).is_ok() {
                    self.in_step = false;
                }
            }
            2 => {
                if let Ok(ct) = self.device.encrypt(body) {
                    assert_eq!(ct.len(), body.len() + self.scheme.overhead());
                    self.in_step = false;
                }
            }
            3 => self.paired_request(body),
            4 => self.paired_response(body),
            5 if self.spend() => self.handshake(),
            6 if self.spend() => drop(self.cmd0()),
            7 if self.spend() => self.masked_cmd1(body),
            _ => {}
        }
    }

    fn paired_request(&mut self, body: &[u8]) {
        let Some(session) = &mut self.session else {
            return;
        };
        let Ok(ct) = session.encrypt(body) else {
            self.in_step = false;
            return;
        };
        assert_eq!(ct.len(), body.len() + self.scheme.overhead());
        let decrypted = self.device.decrypt(&ct);
        if self.in_step {
            match decrypted {
                Ok(pt) => assert_eq!(pt, body, "request decrypted to other bytes"),
                Err(e) => panic!("device failed to decrypt an in-step request: {e}"),
            }
        }
    }

    fn paired_response(&mut self, body: &[u8]) {
        let Ok(ct) = self.device.encrypt(body) else {
            assert!(!self.in_step, "established device failed to encrypt");
            return;
        };
        assert_eq!(ct.len(), body.len() + self.scheme.overhead());
        let Some(session) = &mut self.session else {
            return;
        };
        let decrypted = session.decrypt(&ct);
        if self.in_step {
            match decrypted {
                Ok(pt) => assert_eq!(pt, body, "response decrypted to other bytes"),
                Err(e) => panic!("client failed to decrypt an in-step response: {e}"),
            }
        }
    }
}

/// Runs one fuzz input against a device session of `scheme`.
pub fn run(scheme: Scheme, data: &[u8]) {
    let mut input = Reader::new(data);
    let flags = input.byte();
    let tape = input.take(TAPE_LEN);
    let (device_security, client_security) = scheme.configs(flags);
    let mut driver = Driver {
        scheme,
        device: DeviceSession::new(&device_security),
        device_entropy: TapeEntropy::new(tape),
        client: ClientHandshake::new(client_security),
        client_entropy: TapeEntropy::seeded(0xc11e_0001),
        session: None,
        in_step: false,
        budget: scheme.handshake_budget(),
    };
    assert!(!driver.device.is_established());
    match (flags >> 2) & 3 {
        1 => drop(driver.cmd0()),
        2 => driver.handshake(),
        _ => {}
    }
    while let Some(chunk) = input.chunk() {
        driver.step(chunk.op, chunk.body);
    }
}
