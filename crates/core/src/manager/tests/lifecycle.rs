//! Start, auto-stop, cleanup delay, reprov, deinit (§10.2, §10.5) and session-only mode (§11).

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn s10_1_init_and_start_events_and_endpoints() {
    let (mut m, init) = Manager::new(ManagerConfig::default());
    assert_eq!(shows(&init), [emit(ProvEvent::Init)]);
    assert_eq!(m.state(), ProvState::Idle);
    let now = Instant::ZERO;
    let actions = m.start(now).expect("start");
    assert_eq!(
        shows(&actions),
        ["start_transport", "register_prov", &emit(ProvEvent::Start)]
    );
    assert_eq!(m.state(), ProvState::Started);
    assert!(m.transport_up() && m.provisioning_endpoints_up());
    assert_eq!(m.start(now).err(), Some(ManagerError::AlreadyRunning));
    assert_eq!(m.poll_timeout(), None);
}

#[test]
fn s10_5_get_status_connected_stops_after_the_cleanup_delay() {
    let mut h = H::wifi();
    h.provision("HomeNetwork", "password123");
    h.advance(Duration::from_secs(2));
    h.event(connected("HomeNetwork"));
    assert!(matches!(h.status(), WifiStatus::Connected(_)));
    assert_eq!(h.m.state(), ProvState::Stopping);
    // The endpoints are still served during the cleanup delay, so the answer gets out.
    assert!(matches!(h.status(), WifiStatus::Connected(_)));
    assert!(h.advance(ms(999)).is_empty());
    let actions = h.advance(ms(1));
    assert_eq!(
        actions,
        ["remove_prov", "stop_transport", &emit(ProvEvent::End)]
    );
    assert_eq!(h.m.state(), ProvState::Idle);
    assert_eq!(h.wifi_status().0, Status::InternalError);
    assert_eq!(h.m.poll_timeout(), None);
}

#[test]
fn s10_5_auto_stop_thirty_seconds_after_success() {
    let mut h = H::wifi();
    h.provision("HomeNetwork", "password123");
    h.event(connected("HomeNetwork"));
    assert!(h.advance(Duration::from_secs(30) - ms(1)).is_empty());
    assert_eq!(h.m.state(), ProvState::Success);
    assert!(h.advance(ms(1)).is_empty());
    assert_eq!(h.m.state(), ProvState::Stopping);
    let actions = h.advance(ms(1000));
    assert_eq!(
        actions,
        ["remove_prov", "stop_transport", &emit(ProvEvent::End)]
    );
}

#[test]
fn s10_5_cleanup_delay_has_a_floor_of_100_ms() {
    let mut h = H::started(ManagerConfig {
        cleanup_delay: ms(10),
        ..ManagerConfig::default()
    });
    h.m.stop(h.now);
    assert!(h.advance(ms(99)).is_empty());
    assert_eq!(h.advance(ms(1)).len(), 3);
}

#[test]
fn s10_5_no_auto_stop_keeps_running() {
    let mut h = H::no_auto_stop();
    h.provision("HomeNetwork", "password123");
    h.event(connected("HomeNetwork"));
    assert!(matches!(h.status(), WifiStatus::Connected(_)));
    assert!(h.advance(Duration::from_secs(3600)).is_empty());
    assert_eq!(h.m.state(), ProvState::Success);
    // An explicit stop ends it.
    assert!(h.m.stop(h.now).is_empty());
    assert_eq!(h.advance(ms(1000)).last(), Some(&emit(ProvEvent::End)));
}

#[test]
fn stop_is_idempotent_and_deinit_emits_end_then_deinit() {
    let mut h = H::wifi();
    h.m.stop(h.now);
    h.advance(ms(500));
    h.m.stop(h.now);
    assert!(h.m.deinit(h.now).is_empty());
    let actions = h.advance(ms(500));
    assert_eq!(
        actions,
        [
            "remove_prov".to_string(),
            "stop_transport".into(),
            emit(ProvEvent::End),
            emit(ProvEvent::Deinit)
        ]
    );
    assert_eq!(shows(&h.m.deinit(h.now)), [emit(ProvEvent::Deinit)]);
}

#[test]
fn s10_2_reprov_needs_auto_stop_disabled() {
    let mut h = H::wifi();
    h.provision("HomeNetwork", "password123");
    h.event(connected("HomeNetwork"));
    assert_eq!(
        h.ctrl(CtrlRequest::WifiReprov),
        (Status::InternalError, vec![])
    );
    assert_eq!(h.m.state(), ProvState::Success);
}

#[test]
fn s10_2_reprov_from_any_state_starts_again() {
    let mut h = H::no_auto_stop();
    assert_eq!(
        h.ctrl(CtrlRequest::WifiReprov),
        (
            Status::Success,
            vec!["disconnect".into(), emit(ProvEvent::Start)]
        )
    );
    h.provision("HomeNetwork", "password123");
    assert_eq!(
        h.ctrl(CtrlRequest::WifiReprov).0,
        Status::Success,
        "from CRED_RECV"
    );
    h.provision("HomeNetwork", "password123");
    h.event(connected("HomeNetwork"));
    let (status, actions) = h.ctrl(CtrlRequest::WifiReprov);
    assert_eq!(status, Status::Success, "from SUCCESS");
    assert!(
        !actions.contains(&"forget".to_string()),
        "proven credentials stay on disk"
    );
    assert_eq!(h.m.state(), ProvState::Started);
    let actions = h.provision("Office-5G", "correct horse battery");
    assert!(actions.contains(&"connect Office-5G".to_string()));
    assert_eq!(
        h.event(connected("Office-5G")),
        [
            "persist_wifi Office-5G".to_string(),
            emit(ProvEvent::CredSuccess)
        ]
    );
}

#[test]
fn requests_while_stopped_answer_internal_error() {
    let (mut m, _) = Manager::new(ManagerConfig::default());
    let now = Instant::ZERO;
    let (response, actions) = m.handle_config(ConfigRequest::GetWifiStatus, now);
    assert!(actions.is_empty());
    assert!(matches!(
        response,
        ConfigResponse::WifiStatus {
            status: Status::InternalError,
            ..
        }
    ));
    let (response, _) = m.handle_ctrl(CtrlRequest::WifiReset, now);
    assert_eq!(response.status, Status::InternalError);
    assert!(m.on_network_event(connected("HomeNetwork"), now).is_empty());
}

fn session_only(enable_provisioning: bool) -> ManagerConfig {
    ManagerConfig {
        mode: Mode::SessionOnly,
        enable_provisioning,
        ..ManagerConfig::default()
    }
}

#[test]
fn s11_session_only_without_provisioning_serves_the_session_only() {
    let (mut m, _) = Manager::new(session_only(false));
    let now = Instant::ZERO;
    let actions = m.start(now).expect("start");
    assert_eq!(
        shows(&actions),
        ["start_transport", &emit(ProvEvent::Start)]
    );
    assert!(m.transport_up() && !m.provisioning_endpoints_up());
    let mut h = H { m, now };
    assert_eq!(h.set("HomeNetwork", "password123"), Status::InternalError);
    assert_eq!(h.wifi_status().0, Status::InternalError);
    assert!(h.advance(Duration::from_secs(600)).is_empty(), "no timers");
    // A stop ends provisioning but keeps the session; deinit tears it down.
    h.m.stop(h.now);
    assert_eq!(h.advance(ms(1000)), [emit(ProvEvent::End)]);
    assert!(h.m.transport_up());
    assert_eq!(
        shows(&h.m.deinit(h.now)),
        ["stop_transport".to_string(), emit(ProvEvent::Deinit)]
    );
}

#[test]
fn s11_session_only_with_provisioning_removes_only_the_provisioning_endpoints() {
    let mut h = H::started(session_only(true));
    assert!(h.m.provisioning_endpoints_up());
    h.provision("HomeNetwork", "password123");
    h.event(connected("HomeNetwork"));
    assert!(matches!(h.status(), WifiStatus::Connected(_)));
    let actions = h.advance(ms(1000));
    assert_eq!(actions, ["remove_prov".to_string(), emit(ProvEvent::End)]);
    assert!(h.m.transport_up() && !h.m.provisioning_endpoints_up());
    assert_eq!(h.m.state(), ProvState::Idle);
    // Starting again re-registers the endpoints on the kept transport.
    let actions = h.m.start(h.now).expect("start");
    assert_eq!(shows(&actions), ["register_prov", &emit(ProvEvent::Start)]);
}

#[test]
fn reset_provisioning_forgets_stored_credentials() {
    let (mut m, _) = Manager::new(ManagerConfig::default());
    assert_eq!(shows(&m.reset_provisioning()), ["forget"]);
}
