//! Wi-Fi rules: §10.2 apply/reject, §10.3 failure detection and status, §10.4 validation.

use super::*;
use crate::messages::WifiFailReason;

fn cred_fail(reason: WifiFailReason) -> String {
    emit(ProvEvent::CredFail { reason })
}

#[test]
fn s10_4_set_config_validates_lengths() {
    let mut h = H::wifi();
    assert_eq!(h.set(&"s".repeat(32), &"p".repeat(63)), Status::Success);
    assert_eq!(h.set(&"s".repeat(33), "pw"), Status::InvalidArgument);
    assert_eq!(h.set("ssid", &"g".repeat(64)), Status::InvalidArgument);
    // A raw PSK: 64 hex digits (ESP rejects it; uniprov accepts it, README).
    assert_eq!(h.set("ssid", &"a".repeat(64)), Status::Success);
    assert_eq!(h.set("ssid", &"a".repeat(65)), Status::InvalidArgument);
    for (len, expected) in [
        (0, Status::Success),
        (6, Status::Success),
        (5, Status::InvalidArgument),
    ] {
        let mut c = creds("ssid", "pw");
        c.bssid = vec![1; len];
        let (response, _) = h.config(ConfigRequest::SetWifiConfig(c));
        assert_eq!(
            response,
            ConfigResponse::SetWifiConfig(expected),
            "bssid {len}"
        );
    }
}

#[test]
fn s10_2_apply_connects_and_success_persists_only_then() {
    let mut h = H::wifi();
    let actions = h.provision("HomeNetwork", "password123");
    assert_eq!(
        actions,
        [
            emit(ProvEvent::SetStaConfig),
            "connect HomeNetwork".into(),
            emit(ProvEvent::CredRecv {
                ssid: "HomeNetwork".into()
            }),
        ]
    );
    assert_eq!(h.m.state(), ProvState::CredRecv);
    assert!(actions.iter().all(|a| !a.starts_with("persist")));
    assert_eq!(
        h.status(),
        WifiStatus::Connecting {
            attempts_remaining: None
        }
    );
    let actions = h.event(connected("HomeNetwork"));
    assert_eq!(
        actions,
        [
            "persist_wifi HomeNetwork".to_string(),
            emit(ProvEvent::CredSuccess)
        ]
    );
    assert_eq!(h.m.state(), ProvState::Success);
}

#[test]
fn s10_2_apply_is_rejected_from_cred_recv_on_but_still_emits_set_sta_config() {
    let mut h = H::wifi();
    h.provision("HomeNetwork", "password123");
    assert_eq!(
        h.set("Other", "otherpass"),
        Status::Success,
        "SetConfig is always Success"
    );
    assert_eq!(
        h.apply(),
        (Status::InternalError, vec![emit(ProvEvent::SetStaConfig)])
    );
    h.event(connected("HomeNetwork"));
    assert_eq!(h.set("Other", "otherpass"), Status::Success);
    assert_eq!(
        h.apply(),
        (Status::InternalError, vec![emit(ProvEvent::SetStaConfig)])
    );
}

#[test]
fn apply_without_set_config_fails_without_event() {
    let mut h = H::wifi();
    assert_eq!(h.apply(), (Status::InternalError, vec![]));
    h.provision("HomeNetwork", "password123");
    h.ctrl(CtrlRequest::WifiReset);
    // The scratch was consumed by the first apply.
    assert_eq!(h.apply(), (Status::InternalError, vec![]));
}

#[test]
fn wrong_passphrase_auth_error_then_ctrl_reset_then_success() {
    let mut h = H::esp_manager();
    h.provision("HomeNetwork", "wrong-password");
    let actions = h.event(disconnected(DisconnectReason::AuthFailed));
    assert_eq!(actions, [cred_fail(WifiFailReason::AuthError)]);
    assert_eq!(h.m.state(), ProvState::Fail);
    assert_eq!(h.status(), WifiStatus::Failed(WifiFailReason::AuthError));
    // Still rejected until a reset.
    h.set("HomeNetwork", "password123");
    assert_eq!(h.apply().0, Status::InternalError);

    assert_eq!(
        h.ctrl(CtrlRequest::WifiReset),
        (Status::Success, vec!["disconnect".into()])
    );
    assert_eq!(h.m.state(), ProvState::Started);
    assert_eq!(
        h.status(),
        WifiStatus::Connecting {
            attempts_remaining: None
        }
    );
    let actions = h.provision("HomeNetwork", "password123");
    assert!(actions.contains(&"connect HomeNetwork".to_string()));
    let actions = h.event(connected("HomeNetwork"));
    assert_eq!(
        actions[0], "persist_wifi HomeNetwork",
        "only the proven password is stored"
    );
    assert_eq!(
        h.status(),
        WifiStatus::Connected(connected_info("HomeNetwork"))
    );
}

#[test]
fn unknown_ssid_is_network_not_found() {
    let mut h = H::esp_manager();
    h.provision("NoSuchNet", "password123");
    let actions = h.event(disconnected(DisconnectReason::NoApFound));
    assert_eq!(actions, [cred_fail(WifiFailReason::NetworkNotFound)]);
    assert_eq!(
        h.status(),
        WifiStatus::Failed(WifiFailReason::NetworkNotFound)
    );
}

#[test]
fn s10_3_attempts_retry_then_fail_with_the_reason() {
    let mut h = H::started(esp_manager(ManagerConfig {
        wifi_conn_attempts: 3,
        ..ManagerConfig::default()
    }));
    h.provision("HomeNetwork", "wrong");
    for remaining in [2, 1] {
        let actions = h.event(disconnected(DisconnectReason::AuthFailed));
        assert_eq!(actions, ["connect HomeNetwork"]);
        assert_eq!(h.m.state(), ProvState::CredRecv);
        assert_eq!(
            h.status(),
            WifiStatus::Connecting {
                attempts_remaining: Some(remaining)
            }
        );
    }
    let actions = h.event(disconnected(DisconnectReason::AuthFailed));
    assert_eq!(actions, [cred_fail(WifiFailReason::AuthError)]);
    assert_eq!(h.m.state(), ProvState::Fail);
}

#[test]
fn s10_3_attempt_counter_is_reset_by_ctrl_reset_in_started() {
    let mut h = H::started(esp_manager(ManagerConfig {
        wifi_conn_attempts: 2,
        ..ManagerConfig::default()
    }));
    h.provision("HomeNetwork", "wrong");
    h.event(disconnected(DisconnectReason::AuthFailed));
    h.event(disconnected(DisconnectReason::AuthFailed));
    assert_eq!(h.m.state(), ProvState::Fail);
    assert_eq!(h.ctrl(CtrlRequest::WifiReset).0, Status::Success);
    // network_provisioning ≥ 1.2.2: a second reset in STARTED is a success no-op.
    assert_eq!(h.ctrl(CtrlRequest::WifiReset), (Status::Success, vec![]));
    h.provision("HomeNetwork", "password123");
    let actions = h.event(disconnected(DisconnectReason::Other(2)));
    assert_eq!(
        actions,
        ["connect HomeNetwork"],
        "the full count again, not one attempt"
    );
}

#[test]
fn s10_3_other_reason_with_attempts_reports_the_previous_reason() {
    let mut h = H::started(esp_manager(ManagerConfig {
        wifi_conn_attempts: 1,
        ..ManagerConfig::default()
    }));
    h.provision("HomeNetwork", "password123");
    let actions = h.event(disconnected(DisconnectReason::Other(8)));
    assert_eq!(
        actions,
        [cred_fail(WifiFailReason::AuthError)],
        "initially AuthError"
    );
    h.ctrl(CtrlRequest::WifiReset);
    h.provision("Gone", "password123");
    h.event(disconnected(DisconnectReason::NoApFound));
    h.ctrl(CtrlRequest::WifiReset);
    h.provision("Gone", "password123");
    let actions = h.event(disconnected(DisconnectReason::Other(8)));
    assert_eq!(actions, [cred_fail(WifiFailReason::NetworkNotFound)]);
}

#[test]
fn s10_3_legacy_unmapped_reason_reconnects_forever_in_fail() {
    let mut h = H::wifi();
    h.provision("HomeNetwork", "password123");
    for _ in 0..3 {
        let actions = h.event(disconnected(DisconnectReason::Other(210)));
        assert_eq!(actions, ["connect HomeNetwork"], "no CRED_FAIL");
        assert_eq!(
            h.m.state(),
            ProvState::Fail,
            "ESP quirk: FAIL while reconnecting"
        );
        assert_eq!(
            h.status(),
            WifiStatus::Connecting {
                attempts_remaining: None
            }
        );
    }
    // A later GOT_IP still succeeds.
    let actions = h.event(connected("HomeNetwork"));
    assert_eq!(
        actions,
        [
            "persist_wifi HomeNetwork".to_string(),
            emit(ProvEvent::CredSuccess)
        ]
    );
    assert_eq!(h.m.state(), ProvState::Success);
}

#[test]
fn s10_3_ctrl_reset_escapes_the_endless_reconnect() {
    let mut h = H::wifi();
    h.provision("HomeNetwork", "password123");
    h.event(disconnected(DisconnectReason::Other(211)));
    assert_eq!(
        h.ctrl(CtrlRequest::WifiReset),
        (Status::Success, vec!["disconnect".into()])
    );
    assert_eq!(h.m.state(), ProvState::Started);
    // A late event of the cancelled attempt is ignored in STARTED.
    assert!(h
        .event(disconnected(DisconnectReason::Other(211)))
        .is_empty());
}

#[test]
fn s10_2_ctrl_reset_is_rejected_while_connecting_or_after_success() {
    let mut h = H::wifi();
    h.provision("HomeNetwork", "password123");
    assert_eq!(
        h.ctrl(CtrlRequest::WifiReset),
        (Status::InternalError, vec![])
    );
    h.event(connected("HomeNetwork"));
    assert_eq!(
        h.ctrl(CtrlRequest::WifiReset),
        (Status::InternalError, vec![])
    );
}

#[test]
fn link_loss_after_success_is_a_failure_but_keeps_the_stored_credentials() {
    let mut h = H::started(esp_manager(ManagerConfig {
        auto_stop: AutoStop::Disabled,
        ..ManagerConfig::default()
    }));
    h.provision("HomeNetwork", "password123");
    h.event(connected("HomeNetwork"));
    let actions = h.event(disconnected(DisconnectReason::NoApFound));
    assert_eq!(actions, [cred_fail(WifiFailReason::NetworkNotFound)]);
    assert!(!actions.iter().any(|a| a == "forget"));
    // Reconnecting later does not persist twice.
    h.ctrl(CtrlRequest::WifiReset);
    assert_eq!(h.m.state(), ProvState::Started);
}

#[test]
fn thread_requests_to_a_wifi_device_are_invalid_argument() {
    let mut h = H::wifi();
    let (response, actions) = h.config(ConfigRequest::SetThreadDataset(Secret::new(vec![0; 4])));
    assert_eq!(
        response,
        ConfigResponse::SetThreadDataset(Status::InvalidArgument)
    );
    assert!(actions.is_empty());
    assert_eq!(h.thread_status().0, Status::InvalidArgument);
    assert_eq!(h.ctrl(CtrlRequest::ThreadReset).0, Status::InvalidArgument);
}

#[test]
fn station_events_before_apply_are_ignored() {
    let mut h = H::wifi();
    assert!(h.event(connected("HomeNetwork")).is_empty());
    assert!(h
        .event(disconnected(DisconnectReason::AuthFailed))
        .is_empty());
    assert_eq!(h.m.state(), ProvState::Started);
}

#[test]
fn by_default_a_failure_resets_the_state_machine_and_status_keeps_the_reason() {
    let mut h = H::wifi();
    h.provision("HomeNetwork", "wrong-password");
    let actions = h.event(disconnected(DisconnectReason::AuthFailed));
    assert_eq!(
        actions,
        [cred_fail(WifiFailReason::AuthError), "disconnect".into()],
        "CRED_FAIL, then the example's reset stops the station"
    );
    assert_eq!(h.m.state(), ProvState::Started);
    assert_eq!(h.status(), WifiStatus::Failed(WifiFailReason::AuthError));
    assert_eq!(
        h.status(),
        WifiStatus::Failed(WifiFailReason::AuthError),
        "every poll reads it until the next Apply"
    );
    // A late event of the cancelled attempt changes nothing.
    assert!(h.event(connected("HomeNetwork")).is_empty());
    assert!(h
        .event(disconnected(DisconnectReason::NoApFound))
        .is_empty());
    // The app's next SetConfig + Apply, without prov-ctrl.
    let actions = h.provision("HomeNetwork", "password123");
    assert!(actions.contains(&"connect HomeNetwork".to_string()));
    assert_eq!(h.m.state(), ProvState::CredRecv);
    assert_eq!(
        h.status(),
        WifiStatus::Connecting {
            attempts_remaining: None
        }
    );
    let actions = h.event(connected("HomeNetwork"));
    assert_eq!(actions[0], "persist_wifi HomeNetwork");
    assert!(!actions.iter().any(|a| a.contains("wrong")));
}

#[test]
fn the_reset_follows_the_last_of_the_attempts_and_restores_the_full_count() {
    let mut h = H::started(ManagerConfig {
        wifi_conn_attempts: 5,
        ..ManagerConfig::default()
    });
    for round in 0..2 {
        h.provision("HomeNetwork", "wrong");
        for remaining in (1..5).rev() {
            let actions = h.event(disconnected(DisconnectReason::AuthFailed));
            assert_eq!(actions, ["connect HomeNetwork"], "round {round}");
            assert_eq!(
                h.status(),
                WifiStatus::Connecting {
                    attempts_remaining: Some(remaining)
                }
            );
        }
        assert_eq!(
            h.event(disconnected(DisconnectReason::AuthFailed)),
            [cred_fail(WifiFailReason::AuthError), "disconnect".into()]
        );
        assert_eq!(h.m.state(), ProvState::Started);
        assert_eq!(h.status(), WifiStatus::Failed(WifiFailReason::AuthError));
    }
}

#[test]
fn the_reset_keeps_network_not_found_and_ctrl_still_works() {
    let mut h = H::wifi();
    h.provision("NoSuchNet", "password123");
    h.event(disconnected(DisconnectReason::NoApFound));
    assert_eq!(
        h.status(),
        WifiStatus::Failed(WifiFailReason::NetworkNotFound)
    );
    // A client that does send ctrl reset (esp_prov, uniprov) meets STARTED: a success no-op
    // that leaves "no attempt yet".
    assert_eq!(h.ctrl(CtrlRequest::WifiReset), (Status::Success, vec![]));
    assert_eq!(
        h.status(),
        WifiStatus::Connecting {
            attempts_remaining: None
        }
    );
    // ctrl reprov is unchanged: it needs auto-stop disabled.
    assert_eq!(h.ctrl(CtrlRequest::WifiReprov).0, Status::InternalError);
}

#[test]
fn the_legacy_endless_reconnect_reports_nothing_so_nothing_resets() {
    let mut h = H::wifi();
    h.provision("HomeNetwork", "password123");
    let actions = h.event(disconnected(DisconnectReason::Other(210)));
    assert_eq!(actions, ["connect HomeNetwork"]);
    assert_eq!(h.m.state(), ProvState::Fail, "ESP quirk kept: no CRED_FAIL");
}

#[test]
fn link_loss_after_success_resets_too_and_keeps_what_was_proven() {
    let mut h = H::no_auto_stop();
    h.provision("HomeNetwork", "password123");
    h.event(connected("HomeNetwork"));
    let actions = h.event(disconnected(DisconnectReason::NoApFound));
    assert_eq!(
        actions,
        [
            cred_fail(WifiFailReason::NetworkNotFound),
            "disconnect".into()
        ]
    );
    assert!(!actions.iter().any(|a| a == "forget"));
    assert_eq!(h.m.state(), ProvState::Started);
}
