//! Thread: SetThreadConfig, ApplyThreadConfig, GetThreadStatus, attach outcome (docs/protocol.md §10.7).

use alloc::vec;
use alloc::vec::Vec;

use crate::messages::{
    config::ConfigResponse, NetworkKind, Status, ThreadAttached, ThreadFailReason, ThreadStatus,
};
use crate::Secret;

use crate::time::Instant;

use super::{Action, BackendOp, Manager, ProvEvent, ProvState};
use crate::dataset;

/// The Thread interface as the manager sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) enum Link {
    /// No attempt since start / reset.
    #[default]
    Idle,
    /// Attaching.
    Attaching,
    /// Attached.
    Attached(ThreadAttached),
    /// Failed (`DETACHED` with a reason).
    Failed(ThreadFailReason),
}

/// The Thread part of the manager.
#[derive(Debug, Default)]
pub(super) struct ThreadSide {
    /// What SetThreadConfig stored.
    scratch: Option<Secret<Vec<u8>>>,
    /// The applied dataset, persisted on success.
    attempt: Option<Secret<Vec<u8>>>,
    pub(super) link: Link,
    /// ESP's 20 s attach timer.
    pub(super) attach_deadline: Option<Instant>,
}

impl ThreadSide {
    /// Forgets the applied dataset (ctrl reset / reprov).
    pub(super) fn clear_attempt(&mut self) {
        self.forget_attempt();
        self.link = Link::Idle;
    }

    /// Forgets the applied dataset, keeping the link state (the automatic reset after a
    /// failure: GetThreadStatus still reports it).
    pub(super) fn forget_attempt(&mut self) {
        self.attempt = None;
        self.attach_deadline = None;
    }

    /// A reported failure becomes "no attempt yet".
    pub(super) fn forget_failure(&mut self) {
        if matches!(self.link, Link::Failed(_)) {
            self.link = Link::Idle;
        }
    }
}

impl Manager {
    /// CmdSetThreadConfig: a dataset over 254 bytes is InvalidArgument; TLVs are checked at Apply.
    pub(super) fn set_thread_dataset(&mut self, tlvs: Secret<Vec<u8>>) -> Status {
        if let Err(status) = self.precheck(NetworkKind::Thread) {
            return status;
        }
        if tlvs.expose().len() > dataset::MAX_DATASET_LEN {
            return Status::InvalidArgument;
        }
        self.thread.scratch = Some(tlvs);
        Status::Success
    }

    /// CmdApplyThreadConfig: invalid TLVs → FAIL + DATASET_FAIL(DatasetInvalid) and InternalError;
    /// else attach, start the attach timer, DATASET_RECV.
    pub(super) fn apply_thread_config(&mut self, now: Instant) -> (Status, Vec<Action>) {
        if let Err(status) = self.precheck(NetworkKind::Thread) {
            return (status, Vec::new());
        }
        let Some(tlvs) = self.thread.scratch.take() else {
            return (Status::InternalError, Vec::new());
        };
        if self.state >= ProvState::CredRecv {
            return (Status::InternalError, Vec::new());
        }
        if dataset::parse(tlvs.expose()).is_err() {
            let reason = ThreadFailReason::DatasetInvalid;
            self.state = ProvState::Fail;
            self.thread.link = Link::Failed(reason);
            let event = Action::Emit(ProvEvent::ThreadDatasetFail { reason });
            // Nothing was attached, so nothing to stop.
            self.reset_after_failure();
            return (Status::InternalError, vec![event]);
        }
        let actions = vec![
            Action::Backend(BackendOp::AttachThread(tlvs.duplicate())),
            Action::Emit(ProvEvent::ThreadDatasetRecv),
        ];
        self.thread.attempt = Some(tlvs);
        self.thread.link = Link::Attaching;
        self.thread.attach_deadline = Some(now + self.config.thread_attach_timeout);
        self.state = ProvState::CredRecv;
        (Status::Success, actions)
    }

    /// CmdGetThreadStatus; Attached triggers `done()` like Wi-Fi's Connected.
    pub(super) fn get_thread_status(&mut self, now: Instant) -> (ConfigResponse, Vec<Action>) {
        let state = self.thread_status();
        let status = match self.precheck(NetworkKind::Thread) {
            Ok(()) => Status::Success,
            Err(status) => {
                let state = ThreadStatus::Attaching;
                return (ConfigResponse::ThreadStatus { status, state }, Vec::new());
            }
        };
        if matches!(state, ThreadStatus::Attached(_)) {
            self.done(now);
        }
        (ConfigResponse::ThreadStatus { status, state }, Vec::new())
    }

    /// The Thread link as GetThreadStatus reports it, without its side effect (`done()`).
    pub fn thread_status(&self) -> ThreadStatus {
        match &self.thread.link {
            Link::Idle | Link::Attaching => ThreadStatus::Attaching,
            Link::Attached(info) => ThreadStatus::Attached(info.clone()),
            Link::Failed(reason) => ThreadStatus::Failed(*reason),
        }
    }

    /// The interface attached: SUCCESS, persist the dataset, auto-stop timer, DATASET_SUCCESS.
    pub(super) fn thread_attached(&mut self, info: ThreadAttached, now: Instant) -> Vec<Action> {
        if self.state != ProvState::CredRecv {
            return Vec::new();
        }
        self.thread.attach_deadline = None;
        self.thread.link = Link::Attached(info);
        self.state = ProvState::Success;
        self.arm_auto_stop(now);
        let mut actions = Vec::new();
        if let Some(tlvs) = &self.thread.attempt {
            actions.push(Action::Backend(BackendOp::PersistThread(tlvs.duplicate())));
        }
        actions.push(Action::Emit(ProvEvent::ThreadDatasetSuccess));
        actions
    }

    /// The backend reports a failure: FAIL, DATASET_FAIL; with
    /// [`reset_on_failure`](super::ManagerConfig::reset_on_failure), STARTED again and the
    /// interface stops trying.
    pub(super) fn thread_failed(&mut self, reason: ThreadFailReason) -> Vec<Action> {
        let mut actions = self.thread_fail(reason);
        if !actions.is_empty() && self.reset_after_failure() {
            actions.push(Action::Backend(BackendOp::Disconnect));
        }
        actions
    }

    /// FAIL and DATASET_FAIL, when attaching.
    fn thread_fail(&mut self, reason: ThreadFailReason) -> Vec<Action> {
        if self.state != ProvState::CredRecv {
            return Vec::new();
        }
        self.thread.attach_deadline = None;
        self.thread.link = Link::Failed(reason);
        self.state = ProvState::Fail;
        vec![Action::Emit(ProvEvent::ThreadDatasetFail { reason })]
    }

    /// The attach timer fired: NetworkNotFound; the interface stops trying.
    pub(super) fn thread_attach_timed_out(&mut self, _now: Instant) -> Vec<Action> {
        self.thread.attach_deadline = None;
        let mut actions = self.thread_fail(ThreadFailReason::NetworkNotFound);
        if !actions.is_empty() {
            actions.insert(0, Action::Backend(BackendOp::Disconnect));
            self.reset_after_failure();
        }
        actions
    }
}
