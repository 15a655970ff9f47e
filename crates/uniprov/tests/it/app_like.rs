//! The stock apps' security 2 against a real `uniprov device` (the library runtime, HTTP on a
//! loopback socket, the simulated radio): clients written from docs/apps.md that strip leading
//! zeros like the Android app or send a minimal A like the iOS app (`app_client`).
//!
//! * a whole provisioning of each app (proto-ver, handshake, scan, SetConfig, Apply, GetStatus
//!   on the app's schedule until Connected), also with a short A;
//! * b forced onto the vectors' leading-zero values (short B, K and M starting with 0x00):
//!   the device draws again and both apps get through;
//! * a few hundred handshakes of each app, each proven by one encrypted request.
//!
//! The long run (20 000 handshakes of each app) is `app_like_stress.rs`.

use crate::app_client;
use crate::device;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::app_client::http::AppHttp;
use crate::app_client::provision::{proto_ver, provision};
use crate::app_client::session::handshake;
use crate::app_client::srp::{min_bytes, App, Group, LEN};
use num_bigint::BigUint;
use uniprov::core::security::{sec2_device_statistics, DeviceSecurity, Sec2Patch};
use uniprov::core::{Entropy, Secret};
use uniprov::device::network::sim::{SimConfig, SimRadio};
use uniprov::device::runtime::{DeviceBuilder, DeviceHandle};
use uniprov::entropy::OsEntropy;
use uniprov_testkit::vectors::{case, hx};

const USER: &str = "wifiprov";
const PASSWORD: &str = "a long password";

/// Handshakes per app in the short run (the stress test runs 20 000).
const SHORT_RUN: usize = 150;

/// A device with `security` on loopback HTTP; the radio connects after 300 ms so the status
/// polls see Connecting first.
async fn start(
    security: DeviceSecurity,
    entropy: Option<Box<dyn Entropy + Send>>,
) -> (DeviceHandle, SocketAddr) {
    let radio = Arc::new(SimRadio::new(SimConfig {
        connect_delay: Duration::from_millis(300),
        scan_duration: Duration::from_millis(5),
        ..SimConfig::default()
    }));
    let mut builder = DeviceBuilder::new(security)
        .transport(device::loopback_http())
        .backend(radio)
        .cleanup_delay(Duration::from_millis(100));
    if let Some(entropy) = entropy {
        builder = builder.entropy(entropy);
    }
    let handle = builder.start().await.expect("device starts");
    let addr = handle.http_addrs()[0];
    (handle, addr)
}

fn device_security() -> DeviceSecurity {
    device::device_sec2(USER, PASSWORD, Sec2Patch::V1)
}

async fn provision_like(app: App, a: [u8; 32]) -> app_client::provision::Provisioned {
    let (handle, addr) = start(device_security(), None).await;
    let done = provision(
        addr,
        app,
        (USER, PASSWORD),
        ("HomeNetwork", "password123"),
        a,
    )
    .await
    .unwrap_or_else(|e| panic!("{app:?}: {e}"));
    assert!(done.ssids.iter().any(|s| s == b"HomeNetwork"), "{done:?}");
    assert!(done.ip4_addr.starts_with("192.168.1."), "{done:?}");
    handle.shutdown().await;
    done
}

#[tokio::test]
async fn an_android_like_app_provisions_the_device() {
    let done = provision_like(App::Android, rand::random()).await;
    assert!(done.status_polls >= 1);
}

#[tokio::test]
async fn an_ios_like_app_provisions_the_device() {
    let done = provision_like(App::Ios, rand::random()).await;
    // iOS polls at once, while the simulated radio is still connecting.
    assert!(done.status_polls >= 2, "{done:?}");
}

/// A secret a whose A = g^a mod N has fewer than 384 bytes (about one a in 256).
fn a_with_short_public_key() -> [u8; 32] {
    let group = Group::new();
    loop {
        let a: [u8; 32] = rand::random();
        let big_a = group.g.modpow(&BigUint::from_bytes_be(&a), &group.n);
        if min_bytes(&big_a).len() < LEN {
            return a;
        }
    }
}

#[tokio::test]
async fn both_apps_provision_with_a_short_a_which_esp_idf_refuses() {
    let a = a_with_short_public_key();
    for app in [App::Android, App::Ios] {
        let done = provision_like(app, a).await;
        assert!(done.observed.short_a, "{app:?}: {done:?}");
    }
}

/// Device entropy that answers the 32-byte draws (b) from a script, then from the OS.
struct ForcedB(Arc<Mutex<VecDeque<Vec<u8>>>>);

impl Entropy for ForcedB {
    fn fill(&mut self, dest: &mut [u8]) {
        if dest.len() == 32 {
            if let Some(b) = self.0.lock().expect("lock").pop_front() {
                dest.copy_from_slice(&b);
                return;
            }
        }
        OsEntropy.fill(dest);
    }
}

#[tokio::test]
async fn b_forced_onto_leading_zeros_is_drawn_again_and_both_apps_get_through() {
    // The reference vectors' fixture credentials and client a, and the b values that give it
    // a short B, a K starting with 0x00 and an M starting with 0x00: the device is made to
    // draw exactly those first. Without a new draw, the Android app would fail the K and M
    // cases (and ESP-IDF fails them the same way).
    let fixture = case("sec2.json", "wifiprov_fixture_patch1");
    let security = DeviceSecurity::Sec2 {
        salt: hx(&fixture, "salt"),
        verifier: Secret::new(hx(&fixture, "verifier")),
        patch: Sec2Patch::V1,
    };
    let a: [u8; 32] = hx(&fixture, "a").try_into().expect("32 bytes");
    let forced = Arc::new(Mutex::new(VecDeque::new()));
    let (handle, addr) = start(security, Some(Box::new(ForcedB(forced.clone())))).await;
    let group = Group::new();
    for app in [App::Android, App::Ios] {
        for id in ["short_B", "K_leading_zero", "M_leading_zero"] {
            forced
                .lock()
                .expect("lock")
                .push_back(hx(&case("sec2.json", id), "b"));
            let before = sec2_device_statistics();
            let mut http = AppHttp::new(addr);
            proto_ver(&mut http).await.expect("proto-ver");
            let (mut session, observed) =
                handshake(&mut http, &group, app, ("wifiprov", "abcd1234"), a)
                    .await
                    .unwrap_or_else(|e| panic!("{app:?} {id}: {e}"));
            let stats = sec2_device_statistics().since(&before);
            assert!(stats.b_redraws >= 1, "{app:?} {id}: {stats:?}");
            assert!(
                !observed.short_b && !observed.k_leading_zero && !observed.m_leading_zero,
                "{app:?} {id}: {observed:?}"
            );
            // The key is proven by an encrypted request (GetStatus, `5200`).
            let answer = session.call(&mut http, "prov-config", &[0x52, 0x00]).await;
            assert!(answer.is_ok(), "{app:?} {id}: {answer:?}");
        }
    }
    assert!(forced.lock().expect("lock").is_empty());
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn a_few_hundred_handshakes_of_each_app_all_succeed() {
    let (handle, addr) = start(device_security(), None).await;
    for app in [App::Android, App::Ios] {
        let tally = app_client::stress::run(addr, app, (USER, PASSWORD), SHORT_RUN, 2).await;
        eprintln!("{app:?}: {tally:?}");
        assert_eq!(tally.handshakes, SHORT_RUN);
        assert_eq!(tally.failures, 0, "{app:?}: {:?}", tally.first_errors);
        // The device draws b again, so the clients never see a K or M starting with 0x00.
        assert_eq!(
            tally.k_leading_zero + tally.m_leading_zero + tally.short_b,
            0
        );
    }
    handle.shutdown().await;
}
