//! Scan rules (§10.6).

use super::*;
use crate::messages::scan::ScanReply;
use crate::messages::{ThreadScanEntry, ThreadScanParams, WifiScanEntry, WifiScanParams};

fn ap(ssid: &str, rssi: i32) -> WifiScanEntry {
    WifiScanEntry {
        ssid: ssid.as_bytes().to_vec(),
        channel: 6,
        rssi,
        bssid: vec![0; 6],
        auth: AuthMode::WPA2_PSK,
    }
}

fn start(blocking: bool) -> ScanRequest {
    ScanRequest::WifiStart(WifiScanParams {
        blocking,
        ..WifiScanParams::default()
    })
}

fn result(start_index: u32, count: u32) -> ScanRequest {
    ScanRequest::WifiResult { start_index, count }
}

fn ssids(response: &ScanResponse) -> Vec<String> {
    match &response.reply {
        ScanReply::WifiResult(entries) => entries
            .iter()
            .map(|e| String::from_utf8_lossy(&e.ssid).into_owned())
            .collect(),
        other => panic!("unexpected {other:?}"),
    }
}

fn status_reply(h: &mut H) -> (bool, u32) {
    match h.scan_reply(ScanRequest::WifiStatus).reply {
        ScanReply::WifiStatus {
            finished,
            result_count,
        } => (finished, result_count),
        other => panic!("unexpected {other:?}"),
    }
}

/// A manager whose scan found `n` networks with RSSI -30, -31, ... (reported weakest first).
fn scanned(config: ManagerConfig, n: i32) -> H {
    let mut h = H::started(config);
    h.scan(start(false));
    let found = (0..n)
        .rev()
        .map(|i| ap(&format!("ap{i}"), -30 - i))
        .collect();
    assert_eq!(h.m.on_wifi_scan_done(Ok(found), h.now), None);
    h
}

#[test]
fn s10_6_non_blocking_start_and_the_finished_flag() {
    let mut h = H::wifi();
    let (outcome, actions) = h.scan(start(false));
    assert_eq!(
        outcome,
        ScanOutcome::Reply(ScanResponse {
            status: Status::Success,
            reply: ScanReply::WifiStarted
        })
    );
    assert_eq!(actions, ["wifi_scan"]);
    assert_eq!(status_reply(&mut h), (false, 0));
    // A non-blocking start while scanning succeeds at once without restarting (ESP).
    let (outcome, actions) = h.scan(start(false));
    assert!(matches!(
        outcome,
        ScanOutcome::Reply(ScanResponse {
            status: Status::Success,
            ..
        })
    ));
    assert!(actions.is_empty());
    assert_eq!(
        h.m.on_wifi_scan_done(Ok(vec![ap("a", -50), ap("b", -20)]), h.now),
        None,
        "nobody waited"
    );
    assert_eq!(status_reply(&mut h), (true, 2));
}

#[test]
fn a_blocking_start_that_finds_a_scan_running_waits_for_it() {
    let mut h = H::wifi();
    let (_, actions) = h.scan(start(false));
    assert_eq!(actions, ["wifi_scan"]);
    // Android's blocking ScanStart while that scan runs: held, no second scan.
    let (outcome, actions) = h.scan(start(true));
    assert_eq!(outcome, ScanOutcome::Pending);
    assert!(actions.is_empty());
    assert_eq!(status_reply(&mut h), (false, 0));
    let response =
        h.m.on_wifi_scan_done(Ok(vec![ap("a", -50), ap("b", -20)]), h.now);
    assert_eq!(
        response,
        Some(ScanResponse {
            status: Status::Success,
            reply: ScanReply::WifiStarted
        })
    );
    // Its one ScanStatus then reads the finished scan and its results.
    assert_eq!(status_reply(&mut h), (true, 2));
    assert_eq!(ssids(&h.scan_reply(result(0, 2))), ["b", "a"]);
}

#[test]
fn two_blocking_starts_share_one_scan_and_one_answer() {
    let mut h = H::wifi();
    let (first, actions) = h.scan(start(true));
    assert_eq!(
        (first, actions),
        (ScanOutcome::Pending, vec!["wifi_scan".into()])
    );
    let (second, actions) = h.scan(start(true));
    assert_eq!((second, actions), (ScanOutcome::Pending, vec![]));
    // One answer for every waiter (the runtime sends it to each held request).
    let response = h.m.on_wifi_scan_done(Err(ScanFailed), h.now);
    assert_eq!(response.map(|r| r.status), Some(Status::InternalError));
    // The next blocking start is a new scan.
    assert_eq!(h.scan(start(true)).1, ["wifi_scan"]);
}

#[test]
fn a_blocking_thread_start_waits_for_the_running_thread_scan() {
    let mut h = H::started(ManagerConfig {
        network: NetworkKind::Thread,
        ..ManagerConfig::default()
    });
    let thread_start = |blocking| {
        ScanRequest::ThreadStart(ThreadScanParams {
            blocking,
            channel_mask: 0,
        })
    };
    assert_eq!(h.scan(thread_start(false)).1, ["thread_scan"]);
    assert_eq!(h.scan(thread_start(true)), (ScanOutcome::Pending, vec![]));
    let response = h.m.on_thread_scan_done(Ok(vec![]), h.now);
    assert_eq!(
        response,
        Some(ScanResponse {
            status: Status::Success,
            reply: ScanReply::ThreadStarted
        })
    );
}

#[test]
fn s10_6_blocking_start_is_answered_when_the_scan_finishes() {
    let mut h = H::wifi();
    let (outcome, actions) = h.scan(start(true));
    assert_eq!(outcome, ScanOutcome::Pending);
    assert_eq!(actions, ["wifi_scan"]);
    let response = h.m.on_wifi_scan_done(Ok(vec![ap("a", -50)]), h.now);
    assert_eq!(
        response,
        Some(ScanResponse {
            status: Status::Success,
            reply: ScanReply::WifiStarted
        })
    );
    // A late duplicate completion answers nobody.
    assert_eq!(h.m.on_wifi_scan_done(Ok(vec![]), h.now), None);
}

#[test]
fn a_failed_blocking_scan_answers_internal_error_and_clears_the_flag() {
    let mut h = H::wifi();
    h.scan(start(true));
    let failure = Err(ScanFailed);
    let response = h.m.on_wifi_scan_done(failure, h.now).expect("waiter");
    assert_eq!(response.status, Status::InternalError);
    assert_eq!(status_reply(&mut h), (true, 0));
}

#[test]
fn s10_6_results_sorted_by_rssi_and_capped() {
    let mut h = scanned(ManagerConfig::default(), 20);
    assert_eq!(status_reply(&mut h), (true, 16));
    let page = h.scan_reply(result(0, 3));
    assert_eq!(page.status, Status::Success);
    assert_eq!(ssids(&page), ["ap0", "ap1", "ap2"]);
    let last = h.scan_reply(result(12, 4));
    assert_eq!(ssids(&last), ["ap12", "ap13", "ap14", "ap15"]);
}

#[test]
fn s10_6_paging_bounds() {
    let mut h = scanned(ManagerConfig::default(), 5);
    // Outside MAX: refused at the transport level.
    assert_eq!(h.scan(result(16, 0)).0, ScanOutcome::Refused);
    assert_eq!(h.scan(result(10, 7)).0, ScanOutcome::Refused);
    assert_eq!(h.scan(result(0, u32::MAX)).0, ScanOutcome::Refused);
    // Inside MAX but beyond the entries: what exists + InternalError.
    let page = h.scan_reply(result(3, 4));
    assert_eq!(page.status, Status::InternalError);
    assert_eq!(ssids(&page), ["ap3", "ap4"]);
    let page = h.scan_reply(result(7, 2));
    assert_eq!(
        (page.status, ssids(&page).len()),
        (Status::InternalError, 0)
    );
    // Exactly the entries, and an empty page.
    assert_eq!(h.scan_reply(result(0, 5)).status, Status::Success);
    assert_eq!(h.scan_reply(result(4, 0)).status, Status::Success);
}

#[test]
fn s10_6_cap_is_configurable() {
    let mut h = scanned(
        ManagerConfig {
            scan_max_entries: 4,
            ..ManagerConfig::default()
        },
        10,
    );
    assert_eq!(status_reply(&mut h), (true, 4));
    assert_eq!(h.scan(result(0, 5)).0, ScanOutcome::Refused);
    assert_eq!(
        ssids(&h.scan_reply(result(0, 4))),
        ["ap0", "ap1", "ap2", "ap3"]
    );
}

#[test]
fn s10_6_scans_start_only_in_started() {
    let mut h = H::wifi();
    h.provision("HomeNetwork", "password123");
    let (outcome, actions) = h.scan(start(true));
    assert!(
        matches!(
            outcome,
            ScanOutcome::Reply(ScanResponse {
                status: Status::InternalError,
                ..
            })
        ),
        "refused instead of hanging like ESP"
    );
    assert!(actions.is_empty());
    // After a ctrl reset the device scans again.
    h.event(disconnected(DisconnectReason::AuthFailed));
    h.ctrl(CtrlRequest::WifiReset);
    assert_eq!(h.scan(start(false)).1, ["wifi_scan"]);
}

#[test]
fn a_scan_started_before_apply_still_completes() {
    let mut h = H::wifi();
    assert_eq!(h.scan(start(true)).0, ScanOutcome::Pending);
    h.provision("HomeNetwork", "password123");
    let response = h.m.on_wifi_scan_done(Ok(vec![ap("a", -1)]), h.now);
    assert_eq!(response.map(|r| r.status), Some(Status::Success));
    assert_eq!(status_reply(&mut h), (true, 1));
}

#[test]
fn s10_7_thread_scan_keeps_discovery_order() {
    let mut h = H::started(ManagerConfig {
        network: NetworkKind::Thread,
        ..ManagerConfig::default()
    });
    let (outcome, actions) = h.scan(ScanRequest::ThreadStart(ThreadScanParams::default()));
    assert!(matches!(outcome, ScanOutcome::Reply(_)));
    assert_eq!(actions, ["thread_scan"]);
    let net = |name: &str, rssi| ThreadScanEntry {
        pan_id: 1,
        channel: 15,
        rssi,
        lqi: 255,
        ext_addr: vec![0; 8],
        network_name: name.into(),
        ext_pan_id: vec![0; 8],
    };
    h.m.on_thread_scan_done(Ok(vec![net("weak", -90), net("strong", -10)]), h.now);
    let response = h.scan_reply(ScanRequest::ThreadResult {
        start_index: 0,
        count: 2,
    });
    let ScanReply::ThreadResult(entries) = response.reply else {
        panic!("unexpected reply");
    };
    let names: Vec<_> = entries.iter().map(|e| e.network_name.as_str()).collect();
    assert_eq!(names, ["weak", "strong"]);
    // Wi-Fi scan on a Thread device: InvalidArgument.
    assert_eq!(h.scan_reply(start(false)).status, Status::InvalidArgument);
}
