//! The long run of the app-like clients (see `app_like.rs`): 20 000 security 2 handshakes
//! with the Android behaviour and 20 000 with the iOS behaviour against one `uniprov device`
//! (library runtime, HTTP on loopback), each proven by one encrypted request; 0 failures
//! allowed. Prints the figures README.md quotes, including how many handshakes a device with
//! ESP-IDF's rules would have failed.
//!
//! ```sh
//! cargo test --release -p uniprov --test it app_like_stress -- --ignored --nocapture
//! ```
//!
//! `UNIPROV_APP_LIKE_HANDSHAKES` (per app, default 20000) and `UNIPROV_APP_LIKE_CONCURRENCY`
//! (default 2) change the run.

use crate::app_client;
use crate::device;

use crate::app_client::srp::App;
use uniprov::core::security::{sec2_device_statistics, Sec2Patch};

const USER: &str = "wifiprov";
const PASSWORD: &str = "a long password";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "long: 40 000 handshakes; run in release, see the module documentation"]
async fn twenty_thousand_handshakes_of_each_app_without_a_failure() {
    let count = env_or("UNIPROV_APP_LIKE_HANDSHAKES", 20_000);
    let concurrency = env_or("UNIPROV_APP_LIKE_CONCURRENCY", 2);
    let security = device::device_sec2(USER, PASSWORD, Sec2Patch::V1);
    let handle = device::builder(security)
        .max_sessions(64)
        .start()
        .await
        .expect("device starts");
    let addr = handle.http_addrs()[0];
    let mut failures = 0;
    for app in [App::Android, App::Ios] {
        let before = sec2_device_statistics();
        let tally = app_client::stress::run(addr, app, (USER, PASSWORD), count, concurrency).await;
        let device = sec2_device_statistics().since(&before);
        let strict = match app {
            // A short A, or the first b giving a K or M that starts with 0x00.
            App::Android => device.strict_failures_stripping_client,
            App::Ios => device.short_a,
        };
        println!(
            "{app:?}: {} handshakes, {} failures, {:.1} s ({:.1} handshakes/s, concurrency {concurrency})",
            tally.handshakes,
            tally.failures,
            tally.elapsed.as_secs_f64(),
            tally.handshakes as f64 / tally.elapsed.as_secs_f64(),
        );
        println!(
            "  client saw: short A {}, short B {}, K leading zero {}, M leading zero {}",
            tally.short_a, tally.short_b, tally.k_leading_zero, tally.m_leading_zero
        );
        println!(
            "  device: {} handshakes, short A {}, first b giving short B {} / K leading zero {} / M leading zero {}, b drawn again {} times, kept a leading zero {}, short M1 {}, stripped-K proofs {}",
            device.handshakes,
            device.short_a,
            device.first_b_short_b,
            device.first_b_k_leading_zero,
            device.first_b_m_leading_zero,
            device.b_redraws,
            device.kept_leading_zero,
            device.short_m1,
            device.stripped_k_proofs,
        );
        println!("  a device with ESP-IDF's rules would have failed {strict} of them");
        if !tally.first_errors.is_empty() {
            println!("  first errors: {:?}", tally.first_errors);
        }
        assert_eq!(tally.handshakes, count);
        failures += tally.failures;
    }
    handle.shutdown().await;
    assert_eq!(failures, 0);
}
