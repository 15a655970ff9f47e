//! A fake ESP32 whose console reads input exactly as ESP-IDF's `protocomm_console_task` does
//! (docs/protocol.md §9.3), on the master side of a pseudo-terminal; clients open the slave path as
//! a serial port. Behind the console: the core's `Protocomm` and small prov-config / prov-scan
//! handlers, like an ESP-IDF `wifi_prov_mgr` device on a serial console.
//!
//! The line discipline, byte for byte:
//!
//! * the prompt `\n>> ` is printed before every line;
//! * every read of the master is one UART burst; its bytes are taken into a 256-byte buffer
//!   one by one, each echoed at once (`\r` as `\r\n`), until the buffer holds 255 bytes; bytes
//!   that do not fit stay for the next line;
//! * after a burst the line ends only if the last byte taken so far is `\r` (or the buffer is
//!   full): `\n` alone never ends a line, and `\r\n` in one burst does not either;
//! * the line is split like `esp_console_split_argv` (only spaces separate, quotes and
//!   backslash escapes, at most 7 arguments), so the `\r` stays at the end of the last
//!   argument; fewer than 3 arguments, an unknown command or an empty line print nothing;
//! * the session id is `atoi()`'d (newlib: saturating at `i32::MAX`), a new id opens a new
//!   security session; the hex is read pair-wise (`strlen / 2` pairs, the `\r` is the odd
//!   trailing character);
//! * success prints `\r\n` + lowercase hex + `\r\n`; any failure prints nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use uniprov::core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov::core::messages::scan::{ScanReply, ScanRequest, ScanResponse};
use uniprov::core::messages::{AuthMode, Status, WifiConnected, WifiScanEntry, WifiStatus};
use uniprov::core::protocomm::{EndpointKind, Protocomm, Routed};
use uniprov::core::security::DeviceSecurity;
use uniprov::entropy::OsEntropy;

/// ESP-IDF's `LINE_BUF_SIZE`.
const LINE_BUF_SIZE: usize = 256;
const PROMPT: &[u8] = b"\n>> ";

/// How the fake device is set up.
pub struct EspConfig {
    /// The security scheme.
    pub security: DeviceSecurity,
    /// The exact proto-ver text.
    pub version: Vec<u8>,
    /// Register prov-config, prov-scan and prov-ctrl (false: session-only, §11).
    pub provisioning: bool,
}

/// A running fake device. Dropping it stops the device.
pub struct EspConsole {
    slave: String,
    lines: Arc<Mutex<Vec<Vec<u8>>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    _slave_fd: OwnedFd,
}

impl EspConsole {
    /// Opens a pty and serves the console on its master.
    pub fn start(config: EspConfig) -> Self {
        use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("openpt");
        grantpt(&master).expect("grantpt");
        unlockpt(&master).expect("unlockpt");
        let slave = ptsname(&master, Vec::new()).expect("ptsname");
        let slave = slave.into_string().expect("utf-8 pty path");
        // Held open so the master never sees a hang-up between clients; raw like a UART.
        let slave_fd: OwnedFd = File::options()
            .read(true)
            .write(true)
            .open(&slave)
            .expect("open pty slave")
            .into();
        let mut termios = rustix::termios::tcgetattr(&slave_fd).expect("tcgetattr");
        termios.make_raw();
        rustix::termios::tcsetattr(&slave_fd, rustix::termios::OptionalActions::Now, &termios)
            .expect("tcsetattr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let device = Device::new(config);
        // The first prompt is printed before any client can open the port, as a device that
        // booted long ago did (a client discards it when it opens the port).
        let mut master = File::from(master);
        master.write_all(PROMPT).expect("first prompt");
        let thread = {
            let lines = Arc::clone(&lines);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || serve(master, device, &lines, &stop))
        };
        EspConsole {
            slave,
            lines,
            stop,
            thread: Some(thread),
            _slave_fd: slave_fd,
        }
    }

    /// The path to open as a serial port.
    pub fn path(&self) -> &str {
        &self.slave
    }

    /// Every line the console dispatched so far, as received (CR included).
    pub fn lines(&self) -> Vec<Vec<u8>> {
        self.lines.lock().unwrap().clone()
    }
}

impl Drop for EspConsole {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Waits up to 50 ms for input on the master; false when there is none.
fn readable(master: &File) -> bool {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let mut fds = [PollFd::new(master, PollFlags::IN)];
    let timeout = Timespec {
        tv_sec: 0,
        tv_nsec: 50_000_000,
    };
    matches!(poll(&mut fds, Some(&timeout)), Ok(n) if n > 0)
}

fn serve(mut master: File, mut device: Device, lines: &Mutex<Vec<Vec<u8>>>, stop: &AtomicBool) {
    // Bytes received but not taken into the line buffer yet (the UART's ring buffer).
    let mut uart: Vec<u8> = Vec::new();
    // The prompt of this line was printed already (at start, then after each line).
    while !stop.load(Ordering::SeqCst) {
        let mut line: Vec<u8> = Vec::with_capacity(LINE_BUF_SIZE);
        loop {
            if uart.is_empty() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                if !readable(&master) {
                    continue;
                }
                let mut burst = [0u8; 4096];
                match master.read(&mut burst) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => uart.extend_from_slice(&burst[..n]),
                }
            }
            // One UART_DATA event: take its bytes while the buffer has room, echoing each.
            let room = (LINE_BUF_SIZE - 1) - line.len();
            let taken: Vec<u8> = uart.drain(..uart.len().min(room)).collect();
            let mut echo = Vec::new();
            for &byte in &taken {
                line.push(byte);
                if byte == b'\r' {
                    echo.extend_from_slice(b"\r\n");
                } else {
                    echo.push(byte);
                }
            }
            if master.write_all(&echo).is_err() {
                return;
            }
            if line.last() == Some(&b'\r') || line.len() == LINE_BUF_SIZE - 1 {
                break;
            }
        }
        lines.lock().unwrap().push(line.clone());
        let mut output = device.run(&line).unwrap_or_default();
        output.extend_from_slice(PROMPT);
        if master.write_all(&output).is_err() {
            return;
        }
    }
}

/// `esp_console_split_argv`'s rules: only spaces separate; `"` opens a quoted argument at the
/// start of one; a backslash escapes `\`, `"` or a space and drops anything else; at most
/// `max - 1` arguments.
fn split_argv(line: &[u8], max: usize) -> Vec<Vec<u8>> {
    #[derive(PartialEq)]
    enum State {
        Space,
        Arg,
        Quoted,
    }
    let mut args: Vec<Vec<u8>> = Vec::new();
    let mut current = Vec::new();
    let mut state = State::Space;
    let mut escaped = false;
    for &c in line {
        if args.len() >= max - 1 {
            break;
        }
        if escaped {
            if matches!(c, b'\\' | b'"' | b' ') {
                current.push(c);
            }
            escaped = false;
            continue;
        }
        match state {
            State::Space => match c {
                b' ' => {}
                b'"' => state = State::Quoted,
                b'\\' => {
                    state = State::Arg;
                    escaped = true;
                }
                _ => {
                    state = State::Arg;
                    current.push(c);
                }
            },
            State::Quoted => match c {
                b'"' => {
                    args.push(std::mem::take(&mut current));
                    state = State::Space;
                }
                b'\\' => escaped = true,
                _ => current.push(c),
            },
            State::Arg => match c {
                b' ' => {
                    args.push(std::mem::take(&mut current));
                    state = State::Space;
                }
                b'\\' => escaped = true,
                _ => current.push(c),
            },
        }
    }
    if state != State::Space && args.len() < max - 1 {
        args.push(current);
    }
    args
}

/// newlib's `atoi`: optional spaces and sign, leading digits, saturating at the `int` range;
/// then the C cast to `uint32_t`.
fn atoi(text: &[u8]) -> u32 {
    let text = text.trim_ascii_start();
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut value: i64 = 0;
    for &d in digits.iter().take_while(|d| d.is_ascii_digit()) {
        value = (value * 10 + i64::from(d - b'0')).min(i64::from(i32::MAX) + 1);
    }
    let value = if negative { -value } else { value };
    let value = value.clamp(i64::from(i32::MIN), i64::from(i32::MAX));
    (value as i32) as u32
}

/// `hex2bin`: `strlen / 2` pairs read with `%2hhx`; a pair that is not hex gives 0 here (the
/// firmware leaves the byte of an uninitialised buffer).
fn hex2bin(text: &[u8]) -> Vec<u8> {
    text.chunks_exact(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .unwrap_or(0)
        })
        .collect()
}

/// The protocomm instance and the provisioning handlers.
struct Device {
    protocomm: Protocomm,
    session: Option<u32>,
    ssid: Vec<u8>,
    applied: bool,
}

impl Device {
    fn new(config: EspConfig) -> Self {
        let mut protocomm = Protocomm::new(config.security, 1);
        protocomm.set_version(config.version);
        protocomm
            .add_endpoint("proto-ver", EndpointKind::Version)
            .unwrap();
        protocomm
            .add_endpoint("prov-session", EndpointKind::Session)
            .unwrap();
        if config.provisioning {
            for name in ["prov-ctrl", "prov-scan", "prov-config"] {
                protocomm.add_endpoint(name, EndpointKind::Request).unwrap();
            }
        }
        Device {
            protocomm,
            session: None,
            ssid: Vec::new(),
            applied: false,
        }
    }

    /// Runs one console line; the output to print, if any.
    fn run(&mut self, line: &[u8]) -> Option<Vec<u8>> {
        let argv = split_argv(line, 8);
        let command = argv.first()?;
        let command = std::str::from_utf8(command).ok()?.to_owned();
        if !self.protocomm.has_endpoint(&command) {
            return None; // esp_console: unknown command
        }
        if argv.len() < 3 {
            return None;
        }
        let session = atoi(&argv[1]);
        if self.session != Some(session) {
            self.protocomm.open_session(u64::from(session));
            self.session = Some(session);
        }
        let body = hex2bin(&argv[2]);
        let session = u64::from(session);
        let answer = match self
            .protocomm
            .receive(session, &command, &body, &mut OsEntropy)
            .ok()?
        {
            Routed::Reply(bytes) => bytes,
            Routed::Request {
                endpoint,
                plaintext,
            } => {
                let response = self.handle(&endpoint, &plaintext)?;
                self.protocomm.respond(session, &response).ok()?
            }
        };
        let mut out = b"\r\n".to_vec();
        out.extend(hex::encode(answer).into_bytes());
        out.extend_from_slice(b"\r\n");
        Some(out)
    }

    fn handle(&mut self, endpoint: &str, request: &[u8]) -> Option<Vec<u8>> {
        match endpoint {
            "prov-config" => Some(self.config(ConfigRequest::decode(request).ok()?).encode()),
            "prov-scan" => Some(scan(ScanRequest::decode(request).ok()?).encode()),
            _ => None,
        }
    }

    fn config(&mut self, request: ConfigRequest) -> ConfigResponse {
        match request {
            ConfigRequest::SetWifiConfig(credentials) => {
                self.ssid = credentials.ssid;
                ConfigResponse::SetWifiConfig(Status::Success)
            }
            ConfigRequest::ApplyWifiConfig => {
                self.applied = true;
                ConfigResponse::ApplyWifiConfig(Status::Success)
            }
            ConfigRequest::GetWifiStatus if self.applied => ConfigResponse::WifiStatus {
                status: Status::Success,
                state: WifiStatus::Connected(WifiConnected {
                    ip4_addr: "192.168.1.77".into(),
                    auth_mode: AuthMode(3),
                    ssid: self.ssid.clone(),
                    bssid: vec![0x24, 0x0a, 0xc4, 0, 0, 1],
                    channel: 6,
                }),
            },
            ConfigRequest::GetWifiStatus => ConfigResponse::WifiStatus {
                status: Status::Success,
                state: WifiStatus::Disconnected,
            },
            _ => ConfigResponse::SetThreadDataset(Status::InvalidArgument),
        }
    }
}

fn networks() -> Vec<WifiScanEntry> {
    let entry = |ssid: &str, rssi, last| WifiScanEntry {
        ssid: ssid.as_bytes().to_vec(),
        channel: 6,
        rssi,
        bssid: vec![0x24, 0x0a, 0xc4, 0, 0, last],
        auth: AuthMode(3),
    };
    vec![entry("home", -40, 1), entry("cafe", -70, 2)]
}

fn scan(request: ScanRequest) -> ScanResponse {
    let reply = match request {
        ScanRequest::WifiStart(_) => ScanReply::WifiStarted,
        ScanRequest::WifiStatus => ScanReply::WifiStatus {
            finished: true,
            result_count: networks().len() as u32,
        },
        ScanRequest::WifiResult { start_index, count } => ScanReply::WifiResult(
            networks()
                .into_iter()
                .skip(start_index as usize)
                .take(count as usize)
                .collect(),
        ),
        _ => {
            return ScanResponse {
                status: Status::InvalidArgument,
                reply: ScanReply::ThreadStarted,
            }
        }
    };
    ScanResponse {
        status: Status::Success,
        reply,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_splitting_and_atoi_like_esp_idf() {
        let args = split_argv(b"prov-session 12 0a0b\r", 8);
        assert_eq!(args, [&b"prov-session"[..], b"12", b"0a0b\r"]);
        assert_eq!(
            split_argv(b"  a\\ b \"c d\" e\\x", 8),
            [&b"a b"[..], b"c d", b"e"]
        );
        assert_eq!(split_argv(b"1 2 3 4 5 6 7 8 9", 8).len(), 7);
        assert_eq!(atoi(b"4294967295"), i32::MAX as u32);
        assert_eq!(atoi(b"12abc"), 12);
        assert_eq!(atoi(b"-1"), u32::MAX);
        assert_eq!(hex2bin(b"0a0b\r"), [0x0a, 0x0b]);
    }
}
