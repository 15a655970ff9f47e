//! Long pseudo-random sequences of requests, events and time: the manager never panics, never
//! persists credentials that did not connect, and never leaves a timer in the past.

use super::*;
use crate::messages::scan::ScanRequest;
use crate::messages::{ThreadAttached, ThreadFailReason, ThreadScanParams, WifiScanParams};

/// xorshift64*: deterministic, so a failure replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn step(h: &mut H, rng: &mut Rng) -> (&'static str, Vec<String>) {
    let n = rng.below(1000);
    let small = u32::try_from(rng.below(20)).unwrap_or(0);
    match rng.below(16) {
        0 => (
            "set",
            vec![format!("{:?}", h.set("HomeNetwork", "password123"))],
        ),
        1 => (
            "set",
            vec![format!("{:?}", h.set(&"x".repeat(small as usize * 2), "p"))],
        ),
        2 => ("apply", h.apply().1),
        3 => {
            let dataset = Secret::new(vec![0, 3, 0, 0, 15]);
            (
                "apply",
                h.config(ConfigRequest::SetThreadDataset(dataset)).1,
            )
        }
        4 => ("apply", h.config(ConfigRequest::ApplyThreadConfig).1),
        5 => ("status", h.config(ConfigRequest::GetWifiStatus).1),
        6 => ("status", h.config(ConfigRequest::GetThreadStatus).1),
        7 => ("connected", h.event(connected("HomeNetwork"))),
        8 => {
            let reason = match n % 3 {
                0 => DisconnectReason::AuthFailed,
                1 => DisconnectReason::NoApFound,
                _ => DisconnectReason::Other(u16::try_from(n).unwrap_or(0)),
            };
            ("disconnected", h.event(disconnected(reason)))
        }
        9 => {
            let event = if n % 2 == 0 {
                NetworkEvent::ThreadFailed(ThreadFailReason::NetworkNotFound)
            } else {
                NetworkEvent::ThreadAttached(ThreadAttached {
                    pan_id: 1,
                    ext_pan_id: vec![0; 8],
                    channel: 15,
                    name: "t".into(),
                })
            };
            ("attached", h.event(event))
        }
        10 => {
            let request = [
                CtrlRequest::WifiReset,
                CtrlRequest::WifiReprov,
                CtrlRequest::ThreadReset,
                CtrlRequest::ThreadReprov,
            ][(n % 4) as usize];
            ("ctrl", h.ctrl(request).1)
        }
        11 => {
            let request = match n % 6 {
                0 => ScanRequest::WifiStart(WifiScanParams {
                    blocking: n % 12 == 0,
                    ..WifiScanParams::default()
                }),
                1 => ScanRequest::ThreadStart(ThreadScanParams::default()),
                2 => ScanRequest::WifiStatus,
                3 => ScanRequest::ThreadStatus,
                4 => ScanRequest::WifiResult {
                    start_index: small,
                    count: small,
                },
                _ => ScanRequest::ThreadResult {
                    start_index: small,
                    count: u32::MAX,
                },
            };
            ("scan", h.scan(request).1)
        }
        12 => {
            h.m.on_wifi_scan_done(Ok(Vec::new()), h.now);
            h.m.on_thread_scan_done(Ok(Vec::new()), h.now);
            ("scan_done", Vec::new())
        }
        13 => ("time", h.advance(Duration::from_millis(n * 40))),
        14 => match n % 3 {
            0 => ("stop", shows(&h.m.stop(h.now))),
            1 => ("deinit", shows(&h.m.deinit(h.now))),
            _ => (
                "start",
                h.m.start(h.now).map(|a| shows(&a)).unwrap_or_default(),
            ),
        },
        _ => ("time", h.advance(Duration::from_secs(n / 20))),
    }
}

/// Runs 3000 steps; returns how many times credentials were persisted and a failure was emitted,
/// so the test can check that the sequences reach the interesting states at all.
fn run(config: ManagerConfig, seed: u64) -> (usize, usize) {
    let (mut persisted, mut failed) = (0, 0);
    let mut h = H::started(config);
    let mut rng = Rng(seed);
    for i in 0..3000 {
        let (what, actions) = step(&mut h, &mut rng);
        for action in &actions {
            persisted += usize::from(action.starts_with("persist"));
            failed += usize::from(action.contains("Fail {"));
            if action.starts_with("persist_wifi") || action == "persist_thread" {
                assert!(
                    what == "connected" || what == "attached",
                    "seed {seed} step {i}: {action} after {what}"
                );
            }
            if action.starts_with("connect ") {
                assert!(
                    what == "apply" || what == "disconnected",
                    "seed {seed} step {i}: {action} after {what}"
                );
            }
        }
        if let Some(at) = h.m.poll_timeout() {
            assert!(
                what != "time" || at > h.now,
                "seed {seed} step {i}: timer left in the past"
            );
        }
    }
    (persisted, failed)
}

#[test]
fn random_sequences_keep_the_invariants() {
    let (mut persisted, mut failed) = (0, 0);
    for seed in 1..=8u64 {
        let auto_stop = if seed % 2 == 0 {
            AutoStop::Disabled
        } else {
            AutoStop::Enabled {
                timeout: Duration::from_secs(5),
            }
        };
        let network = if seed % 4 < 2 {
            NetworkKind::Wifi
        } else {
            NetworkKind::Thread
        };
        let mode = if seed > 4 {
            Mode::SessionOnly
        } else {
            Mode::Full
        };
        let config = ManagerConfig {
            network,
            mode,
            enable_provisioning: seed % 3 != 0,
            auto_stop,
            wifi_conn_attempts: u32::try_from(seed % 3).unwrap_or(0),
            ..ManagerConfig::default()
        };
        let (p, f) = run(config, seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        persisted += p;
        failed += f;
    }
    assert!(
        persisted > 10 && failed > 10,
        "coverage: {persisted} persisted, {failed} failed"
    );
}
