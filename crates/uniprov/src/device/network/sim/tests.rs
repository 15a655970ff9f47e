//! Simulated radio tests, on a paused tokio clock.

use super::*;
use crate::device::network::dataset::DatasetInfo;
use tokio::time::Instant;
use uniprov_core::messages::AuthMode;

fn creds(ssid: &str, pass: &str) -> WifiCredentials {
    WifiCredentials {
        ssid: ssid.as_bytes().to_vec(),
        passphrase: Secret::new(pass.as_bytes().to_vec()),
        bssid: Vec::new(),
        channel: 0,
    }
}

async fn next(rx: &mut broadcast::Receiver<NetworkEvent>) -> NetworkEvent {
    rx.recv().await.expect("event")
}

#[tokio::test(start_paused = true)]
async fn right_passphrase_connects_after_the_delay() {
    let radio = SimRadio::default();
    let mut rx = radio.subscribe();
    let t0 = Instant::now();
    radio
        .connect_wifi(&creds("HomeNetwork", "password123"))
        .await
        .expect("started");
    let NetworkEvent::Connected(c) = next(&mut rx).await else {
        panic!("expected Connected");
    };
    assert_eq!(t0.elapsed(), Duration::from_secs(2));
    assert_eq!(c.ip4_addr, "192.168.1.100");
    assert_eq!(c.ssid, b"HomeNetwork");
    assert_eq!(c.auth_mode, AuthMode::WPA2_PSK);
    assert_eq!(c.bssid.len(), 6);
}

#[tokio::test(start_paused = true)]
async fn wrong_passphrase_unknown_ssid_and_open_networks() {
    let radio = SimRadio::default();
    let mut rx = radio.subscribe();
    let cases = [
        (
            "HomeNetwork",
            "password124",
            Some(DisconnectReason::AuthFailed),
        ),
        ("HomeNetwork", "", Some(DisconnectReason::AuthFailed)),
        (
            "NoSuchNet",
            "password123",
            Some(DisconnectReason::NoApFound),
        ),
        ("CoffeeShop", "", None),
        ("CoffeeShop", "anything", None),
    ];
    for (ssid, pass, failure) in cases {
        radio
            .connect_wifi(&creds(ssid, pass))
            .await
            .expect("started");
        let event = next(&mut rx).await;
        match failure {
            Some(reason) => assert_eq!(event, NetworkEvent::Disconnected { reason }, "{ssid}"),
            None => assert!(matches!(event, NetworkEvent::Connected(_)), "{ssid}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_new_attempt_or_disconnect_cancels_the_running_one() {
    let radio = SimRadio::default();
    let mut rx = radio.subscribe();
    radio
        .connect_wifi(&creds("HomeNetwork", "bad"))
        .await
        .expect("started");
    radio
        .connect_wifi(&creds("HomeNetwork", "password123"))
        .await
        .expect("started");
    assert!(matches!(next(&mut rx).await, NetworkEvent::Connected(_)));
    radio
        .connect_wifi(&creds("HomeNetwork", "bad"))
        .await
        .expect("started");
    radio.disconnect().await.expect("disconnected");
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(matches!(
        rx.try_recv(),
        Err(broadcast::error::TryRecvError::Empty)
    ));
}

#[tokio::test(start_paused = true)]
async fn zero_connect_delay_is_allowed() {
    let radio = SimRadio::new(
        SimConfig::from_toml(
            r#"
            connect_delay_ms = 0
            [[wifi]]
            ssid = "Lab"
            passphrase = "labpass1"
            auth = 3
            rssi = -30
            channel = 1
            bssid = "02:00:00:00:00:01"
            "#,
        )
        .expect("valid world"),
    );
    let mut rx = radio.subscribe();
    let t0 = Instant::now();
    radio
        .connect_wifi(&creds("Lab", "labpass1"))
        .await
        .expect("started");
    assert!(matches!(next(&mut rx).await, NetworkEvent::Connected(_)));
    assert_eq!(t0.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn scans_take_the_configured_time_and_list_the_world() {
    let radio = SimRadio::default();
    let t0 = Instant::now();
    let found = radio
        .scan_wifi(WifiScanParams::default())
        .await
        .expect("scan");
    assert_eq!(t0.elapsed(), Duration::from_millis(300));
    assert_eq!(found.len(), 5);
    let strongest = found.iter().max_by_key(|e| e.rssi).expect("entries");
    assert_eq!(strongest.ssid, b"HomeNetwork");
    assert!(found.iter().any(|e| e.auth == AuthMode::OPEN));
    assert!(found.iter().any(|e| e.auth == AuthMode::WPA3_PSK));

    let all = radio
        .scan_thread(ThreadScanParams::default())
        .await
        .expect("scan");
    assert_eq!(all.len(), 2);
    let only_15 = ThreadScanParams {
        blocking: true,
        channel_mask: 1 << 15,
    };
    let some = radio.scan_thread(only_15).await.expect("scan");
    assert_eq!(some.len(), 1);
    assert_eq!(some[0].network_name, "OpenThread-1");
}

fn thread_dataset(key: [u8; 16], channel: u16) -> Secret<Vec<u8>> {
    let info = DatasetInfo {
        channel: Some(channel),
        pan_id: Some(0x1234),
        ext_pan_id: Some([0xde, 0xad, 0x00, 0xbe, 0xef, 0x00, 0xca, 0xfe]),
        network_name: Some("OpenThread-1".into()),
        has_network_key: true,
    };
    Secret::new(dataset::build(&info, Some(&key)))
}

const KEY1: [u8; 16] = [
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
];

#[tokio::test(start_paused = true)]
async fn thread_attach_matches_key_and_ids() {
    let radio = SimRadio::default();
    let mut rx = radio.subscribe();
    radio
        .attach_thread(&thread_dataset(KEY1, 15))
        .await
        .expect("started");
    let NetworkEvent::ThreadAttached(a) = next(&mut rx).await else {
        panic!("expected ThreadAttached");
    };
    assert_eq!(
        (a.pan_id, a.channel, a.name.as_str()),
        (0x1234, 15, "OpenThread-1")
    );

    let t0 = Instant::now();
    radio
        .attach_thread(&thread_dataset([0; 16], 15))
        .await
        .expect("started");
    assert_eq!(
        next(&mut rx).await,
        NetworkEvent::ThreadFailed(ThreadFailReason::NetworkNotFound)
    );
    assert_eq!(t0.elapsed(), Duration::from_secs(20));

    radio
        .attach_thread(&thread_dataset(KEY1, 16))
        .await
        .expect("started");
    assert_eq!(
        next(&mut rx).await,
        NetworkEvent::ThreadFailed(ThreadFailReason::NetworkNotFound)
    );

    let garbage = Secret::new(vec![5, 16, 0]);
    assert!(matches!(
        radio.attach_thread(&garbage).await,
        Err(NetworkError::InvalidDataset(_))
    ));
}

#[test]
fn world_files_are_checked() {
    let bad = [
        "[[wifi]]\nssid = \"x\"\nauth = \"nope\"\nrssi = 1\nchannel = 1\nbssid = \"00:00:00:00:00:01\"",
        "[[wifi]]\nssid = \"x\"\nauth = 0\nrssi = 1\nchannel = 1\nbssid = \"00:01\"",
        "[[thread]]\nname = \"t\"\npan_id = 1\next_pan_id = \"0011\"\nchannel = 15\nnetwork_key = \"00112233445566778899aabbccddeeff\"",
        "[[thread]]\nname = \"t\"\npan_id = 1\next_pan_id = \"0011223344556677\"\nchannel = 9\nnetwork_key = \"00112233445566778899aabbccddeeff\"",
        "unknown_key = 1",
    ];
    for text in bad {
        assert!(SimConfig::from_toml(text).is_err(), "{text}");
    }
    let ok = SimConfig::from_toml("[[wifi]]\nssid = \"x\"\nauth = \"WPA2_WPA3_PSK\"\nrssi = -1\nchannel = 1\nbssid = \"00-00-00-00-00-01\"")
        .expect("valid");
    assert_eq!(ok.wifi[0].auth, AuthMode::WPA2_WPA3_PSK);
    assert!(ok.thread.is_empty());
    assert_eq!(ok.connect_delay, Duration::from_secs(2));
}

#[test]
fn debug_output_hides_passphrases_and_keys() {
    let text = format!("{:?}", SimConfig::default());
    assert!(!text.contains("password123"));
    assert!(text.contains("HomeNetwork"));
}
