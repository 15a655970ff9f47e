//! Crash safety of the state directory: `uniprov device` is SIGKILLed at random moments while
//! it starts (rewriting the sec2 salt/verifier for a changed password) and while it is
//! provisioned (persisting the proven Wi-Fi credentials), again and again over the same state
//! directory. After every kill the directory loads (`StateDir::open`, `load_wifi`,
//! `load_sec2`) and holds either the previous or the new credentials: never a torn or empty
//! file.
//!
//! `UNIPROV_CRASH_RUNS` sets the number of kills (default 100), spread over four state
//! directories in parallel.

use crate::process;
use uniprov_testkit::client;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use tokio::time::Instant;
use uniprov::core::messages::WifiStatus;
use uniprov::core::security::{sec2_verifier, Sec2Patch};
use uniprov::device::storage::StateDir;

const LANES: usize = 4;
/// Two networks of the simulated radio's built-in world.
const NETWORKS: [(&str, &str); 2] = [
    ("HomeNetwork", "password123"),
    ("Office-5G", "correct horse battery"),
];
const PASSWORDS: [&str; 2] = ["crash-pw-one", "crash-pw-two"];

fn runs() -> usize {
    std::env::var("UNIPROV_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

/// What the state directory holds: the Wi-Fi network index and the sec2 password index.
fn load(dir: &Path) -> (Option<usize>, Option<usize>) {
    let state = StateDir::open(dir).expect("the state directory opens");
    let wifi = state
        .load_wifi()
        .expect("wifi.json is never torn")
        .map(|w| {
            NETWORKS
                .iter()
                .position(|(ssid, pass)| {
                    w.ssid == ssid.as_bytes() && w.passphrase.expose() == pass.as_bytes()
                })
                .expect("wifi.json holds one of the networks sent")
        });
    let sec2 = state
        .load_sec2()
        .expect("sec2.json is never torn")
        .map(|s| {
            assert!(!s.salt.is_empty() && !s.verifier.expose().is_empty());
            PASSWORDS
                .iter()
                .position(|pw| {
                    let again = sec2_verifier(b"wifiprov", pw.as_bytes(), &s.salt);
                    again.expose() == s.verifier.expose()
                })
                .expect("sec2.json holds the verifier of one of the passwords")
        });
    (wifi, sec2)
}

/// Provisions network `net` with password `pw` as fast as possible.
async fn provision(addr: SocketAddr, pw: &str, net: usize) {
    let mut c = client::http(addr).await;
    if c.handshake(client::sec2("wifiprov", pw, Sec2Patch::V1))
        .await
        .is_err()
    {
        return;
    }
    let (ssid, pass) = NETWORKS[net];
    let _ = c
        .try_config(
            uniprov::core::messages::config::ConfigRequest::SetWifiConfig(client::creds(
                ssid, pass,
            )),
        )
        .await;
    let _ = c
        .try_config(uniprov::core::messages::config::ConfigRequest::ApplyWifiConfig)
        .await;
    for _ in 0..10_000 {
        match c
            .try_config(uniprov::core::messages::config::ConfigRequest::GetWifiStatus)
            .await
        {
            Ok(uniprov::core::messages::config::ConfigResponse::WifiStatus {
                state: WifiStatus::Connecting { .. },
                ..
            }) => tokio::task::yield_now().await,
            _ => return,
        }
    }
}

/// One run: start with password `pw`, provision `net`, SIGKILL after `kill_after` (or let it
/// finish provisioning when `None`). Returns how long provisioning took.
async fn run(dir: &Path, pw: usize, net: usize, kill_after: Option<Duration>) -> Duration {
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--sec-ver",
        "2",
        "--sec2-pwd",
        PASSWORDS[pw],
        "--sim-connect-delay-ms",
        "0",
        "--force-provisioning",
    ];
    let started = Instant::now();
    let (mut child, stderr) = process::spawn_device(&args, "info", dir);
    let work = async {
        let addr = process::http_addr(&stderr).await;
        provision(addr, PASSWORDS[pw], net).await;
        // Persisting follows the connection: wait for the device to log it.
        stderr
            .wait_for(Duration::from_secs(30), |l| {
                l.contains("proven credentials persisted").then_some(())
            })
            .await;
    };
    match kill_after {
        None => work.await,
        Some(delay) => {
            let _ = tokio::time::timeout(delay, work).await;
        }
    }
    let took = started.elapsed();
    child.start_kill().expect("SIGKILL");
    child.wait().await.expect("reaped");
    took
}

async fn lane(lane: usize, runs: usize) -> (usize, usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = rand::rngs::StdRng::seed_from_u64(lane as u64);
    // Calibration: one complete run tells how long start + provisioning take.
    let full = run(dir.path(), 0, 0, None).await;
    assert_eq!(
        load(dir.path()),
        (Some(0), Some(0)),
        "the complete run persisted"
    );
    let (mut wifi, mut sec2) = (0, 0);
    let (mut new_wifi, mut new_sec2) = (0, 0);
    for k in 1..=runs {
        let (pw, net) = (k % 2, k % 2);
        let window = full.as_micros() as u64 * 12 / 10;
        let delay = Duration::from_micros(rng.gen_range(0..window.max(1)));
        run(dir.path(), pw, net, Some(delay)).await;
        let (w, s) = load(dir.path());
        let w = w.expect("a run never loses the stored network");
        let s = s.expect("a run never loses the sec2 credentials");
        assert!(
            w == wifi || w == net,
            "run {k}: network {w}, expected {wifi} or {net}"
        );
        assert!(
            s == sec2 || s == pw,
            "run {k}: password {s}, expected {sec2} or {pw}"
        );
        new_wifi += usize::from(w != wifi);
        new_sec2 += usize::from(s != sec2);
        (wifi, sec2) = (w, s);
    }
    (new_wifi, new_sec2)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_start_and_provisioning_never_tears_the_state_directory() {
    let total = runs();
    let mut lanes = tokio::task::JoinSet::new();
    for l in 0..LANES {
        let share = total / LANES + usize::from(l < total % LANES);
        lanes.spawn(lane(l, share));
    }
    let (mut wifi, mut sec2) = (0, 0);
    while let Some(result) = lanes.join_next().await {
        let (w, s) = result.expect("lane");
        (wifi, sec2) = (wifi + w, sec2 + s);
    }
    eprintln!("{total} kills: the new network was stored in {wifi} runs, a new verifier in {sec2}");
}
