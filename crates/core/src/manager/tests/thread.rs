//! Thread provisioning (§10.4, §10.7).

use super::*;
use crate::dataset::{self, DatasetInfo};
use crate::messages::{ThreadAttached, ThreadFailReason};

fn thread_config() -> ManagerConfig {
    ManagerConfig {
        network: NetworkKind::Thread,
        ..ManagerConfig::default()
    }
}

/// Thread with ESP's manager rule after a failure (FAIL until a ctrl reset).
fn esp_thread_config() -> ManagerConfig {
    esp_manager(thread_config())
}

fn valid_dataset() -> Secret<Vec<u8>> {
    let info = DatasetInfo {
        channel: Some(15),
        pan_id: Some(0x1234),
        ext_pan_id: Some([0xde, 0xad, 0, 0xbe, 0xef, 0, 0xca, 0xfe]),
        network_name: Some("OpenThread-1".into()),
        has_network_key: true,
    };
    Secret::new(dataset::build(&info, Some(&[7; 16])))
}

fn attached() -> ThreadAttached {
    ThreadAttached {
        pan_id: 0x1234,
        ext_pan_id: vec![0xde, 0xad, 0, 0xbe, 0xef, 0, 0xca, 0xfe],
        channel: 15,
        name: "OpenThread-1".into(),
    }
}

impl H {
    fn set_dataset(&mut self, tlvs: Secret<Vec<u8>>) -> Status {
        match self.config(ConfigRequest::SetThreadDataset(tlvs)) {
            (ConfigResponse::SetThreadDataset(status), _) => status,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn apply_dataset(&mut self) -> (Status, Vec<String>) {
        match self.config(ConfigRequest::ApplyThreadConfig) {
            (ConfigResponse::ApplyThreadConfig(status), actions) => (status, actions),
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn dataset_fail(reason: ThreadFailReason) -> String {
    emit(ProvEvent::ThreadDatasetFail { reason })
}

#[test]
fn s10_4_dataset_over_254_bytes_is_invalid_argument() {
    let mut h = H::started(thread_config());
    assert_eq!(
        h.set_dataset(Secret::new(vec![0x80; 255])),
        Status::InvalidArgument
    );
    assert_eq!(h.set_dataset(Secret::new(vec![0x80; 254])), Status::Success);
}

#[test]
fn s10_7_invalid_tlvs_fail_at_apply() {
    let mut h = H::started(esp_thread_config());
    assert_eq!(
        h.set_dataset(Secret::new(vec![5, 16, 1, 2])),
        Status::Success
    );
    assert_eq!(
        h.apply_dataset(),
        (
            Status::InternalError,
            vec![dataset_fail(ThreadFailReason::DatasetInvalid)]
        )
    );
    assert_eq!(h.m.state(), ProvState::Fail);
    assert_eq!(
        h.thread_status(),
        (
            Status::Success,
            ThreadStatus::Failed(ThreadFailReason::DatasetInvalid)
        )
    );
    assert_eq!(h.ctrl(CtrlRequest::ThreadReset).0, Status::Success);
    assert_eq!(h.m.state(), ProvState::Started);
}

#[test]
fn s10_7_attach_success_persists_and_auto_stops() {
    let mut h = H::started(thread_config());
    h.set_dataset(valid_dataset());
    assert_eq!(
        h.apply_dataset(),
        (
            Status::Success,
            vec!["attach".into(), emit(ProvEvent::ThreadDatasetRecv)]
        )
    );
    assert_eq!(h.m.state(), ProvState::CredRecv);
    assert_eq!(
        h.thread_status(),
        (Status::Success, ThreadStatus::Attaching)
    );
    // A second apply is rejected.
    h.set_dataset(valid_dataset());
    assert_eq!(h.apply_dataset(), (Status::InternalError, vec![]));
    h.advance(Duration::from_secs(3));
    let actions = h.event(NetworkEvent::ThreadAttached(attached()));
    assert_eq!(
        actions,
        [
            "persist_thread".to_string(),
            emit(ProvEvent::ThreadDatasetSuccess)
        ]
    );
    assert_eq!(
        h.thread_status(),
        (Status::Success, ThreadStatus::Attached(attached()))
    );
    assert_eq!(
        h.m.state(),
        ProvState::Stopping,
        "Attached reported → done()"
    );
    assert_eq!(
        h.advance(Duration::from_secs(1)),
        [
            "remove_prov".to_string(),
            "stop_transport".into(),
            emit(ProvEvent::End)
        ]
    );
}

#[test]
fn s10_7_attach_times_out_after_20_s() {
    let mut h = H::started(esp_thread_config());
    h.set_dataset(valid_dataset());
    h.apply_dataset();
    assert!(h
        .advance(Duration::from_secs(20) - Duration::from_millis(1))
        .is_empty());
    assert_eq!(
        h.advance(Duration::from_millis(1)),
        [
            "disconnect".to_string(),
            dataset_fail(ThreadFailReason::NetworkNotFound)
        ]
    );
    assert_eq!(
        h.thread_status(),
        (
            Status::Success,
            ThreadStatus::Failed(ThreadFailReason::NetworkNotFound)
        )
    );
    // A late failure report of the backend changes nothing.
    assert!(h
        .event(NetworkEvent::ThreadFailed(
            ThreadFailReason::NetworkNotFound
        ))
        .is_empty());
    assert_eq!(
        h.ctrl(CtrlRequest::ThreadReset),
        (Status::Success, vec!["disconnect".into()])
    );
    h.set_dataset(valid_dataset());
    assert_eq!(h.apply_dataset().0, Status::Success);
}

#[test]
fn backend_failure_before_the_timeout_fails_at_once() {
    let mut h = H::started(esp_thread_config());
    h.set_dataset(valid_dataset());
    h.apply_dataset();
    let actions = h.event(NetworkEvent::ThreadFailed(
        ThreadFailReason::NetworkNotFound,
    ));
    assert_eq!(actions, [dataset_fail(ThreadFailReason::NetworkNotFound)]);
    assert_eq!(h.m.poll_timeout(), None, "the attach timer is cancelled");
}

#[test]
fn s10_7_thread_reprov_needs_auto_stop_disabled() {
    let mut h = H::started(thread_config());
    assert_eq!(h.ctrl(CtrlRequest::ThreadReprov).0, Status::InternalError);
    let mut h = H::started(ManagerConfig {
        auto_stop: AutoStop::Disabled,
        ..thread_config()
    });
    h.set_dataset(valid_dataset());
    h.apply_dataset();
    h.event(NetworkEvent::ThreadAttached(attached()));
    assert_eq!(
        h.ctrl(CtrlRequest::ThreadReprov),
        (
            Status::Success,
            vec!["disconnect".into(), emit(ProvEvent::Start)]
        )
    );
    assert_eq!(
        h.thread_status(),
        (Status::Success, ThreadStatus::Attaching)
    );
}

#[test]
fn wifi_requests_to_a_thread_device_are_invalid_argument() {
    let mut h = H::started(thread_config());
    assert_eq!(h.set("HomeNetwork", "password123"), Status::InvalidArgument);
    assert_eq!(h.wifi_status().0, Status::InvalidArgument);
    assert_eq!(h.ctrl(CtrlRequest::WifiReprov).0, Status::InvalidArgument);
    assert!(h.event(connected("HomeNetwork")).is_empty());
}

#[test]
fn by_default_an_invalid_dataset_resets_and_the_next_apply_attaches() {
    let mut h = H::started(thread_config());
    h.set_dataset(Secret::new(vec![5, 16, 1, 2]));
    assert_eq!(
        h.apply_dataset(),
        (
            Status::InternalError,
            vec![dataset_fail(ThreadFailReason::DatasetInvalid)]
        )
    );
    assert_eq!(h.m.state(), ProvState::Started);
    assert_eq!(
        h.thread_status(),
        (
            Status::Success,
            ThreadStatus::Failed(ThreadFailReason::DatasetInvalid)
        )
    );
    h.set_dataset(valid_dataset());
    assert_eq!(h.apply_dataset().0, Status::Success);
    assert_eq!(h.thread_status().1, ThreadStatus::Attaching);
}

#[test]
fn by_default_an_attach_timeout_or_failure_resets() {
    let mut h = H::started(thread_config());
    h.set_dataset(valid_dataset());
    h.apply_dataset();
    assert_eq!(
        h.advance(Duration::from_secs(20)),
        [
            "disconnect".to_string(),
            dataset_fail(ThreadFailReason::NetworkNotFound)
        ]
    );
    assert_eq!(h.m.state(), ProvState::Started);
    assert_eq!(
        h.thread_status().1,
        ThreadStatus::Failed(ThreadFailReason::NetworkNotFound)
    );
    // The backend's own failure report: the event, then the reset stops the interface.
    h.set_dataset(valid_dataset());
    h.apply_dataset();
    let actions = h.event(NetworkEvent::ThreadFailed(
        ThreadFailReason::NetworkNotFound,
    ));
    assert_eq!(
        actions,
        [
            dataset_fail(ThreadFailReason::NetworkNotFound),
            "disconnect".into()
        ]
    );
    assert_eq!(h.m.poll_timeout(), None);
    h.set_dataset(valid_dataset());
    assert_eq!(h.apply_dataset().0, Status::Success);
    let actions = h.event(NetworkEvent::ThreadAttached(attached()));
    assert_eq!(actions[0], "persist_thread");
}
