//! prov-scan: Wi-Fi and Thread scans (docs/protocol.md §10.6).

use alloc::vec;
use alloc::vec::Vec;

use crate::messages::{
    scan::{ScanReply, ScanRequest, ScanResponse},
    NetworkKind, Status, ThreadScanEntry, WifiScanEntry,
};

use crate::time::Instant;

use super::network::ScanResult;
use super::{Action, Manager, ProvState};

/// What to do with a prov-scan request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanOutcome {
    /// Answer now.
    Reply(ScanResponse),
    /// A blocking ScanStart: hold the request; its response comes from
    /// [`Manager::on_wifi_scan_done`] / [`Manager::on_thread_scan_done`], which answers every
    /// blocking ScanStart held for that scan (the one that started it and any that found it
    /// running) with the same response.
    Pending,
    /// Fail the request at the transport level (§3.3): a ScanResult page outside
    /// `start_index < MAX`, `count ≤ MAX − start_index` (firmware from 2026 on).
    Refused,
}

/// One scan's result list.
#[derive(Debug)]
struct Results<T> {
    scanning: bool,
    /// At least one blocking ScanStart waits for this scan.
    waiter: bool,
    entries: Vec<T>,
}

impl<T> Default for Results<T> {
    fn default() -> Self {
        Results {
            scanning: false,
            waiter: false,
            entries: Vec::new(),
        }
    }
}

/// The scan part of the manager.
#[derive(Debug, Default)]
pub(super) struct ScanSide {
    wifi: Results<WifiScanEntry>,
    thread: Results<ThreadScanEntry>,
}

impl ScanSide {
    /// Frees the results (stop); a running scan still completes and releases its waiter.
    pub(super) fn free_results(&mut self) {
        self.wifi.entries.clear();
        self.thread.entries.clear();
    }
}

fn reply(status: Status, reply: ScanReply) -> ScanOutcome {
    ScanOutcome::Reply(ScanResponse { status, reply })
}

/// The reply variant (empty) that answers `request`, for error statuses.
fn empty_reply(request: &ScanRequest) -> ScanReply {
    match request {
        ScanRequest::WifiStart(_) => ScanReply::WifiStarted,
        ScanRequest::WifiStatus => ScanReply::WifiStatus {
            finished: false,
            result_count: 0,
        },
        ScanRequest::WifiResult { .. } => ScanReply::WifiResult(Vec::new()),
        ScanRequest::ThreadStart(_) => ScanReply::ThreadStarted,
        ScanRequest::ThreadStatus => ScanReply::ThreadStatus {
            finished: false,
            result_count: 0,
        },
        ScanRequest::ThreadResult { .. } => ScanReply::ThreadResult(Vec::new()),
    }
}

/// A ScanResult page: `None` = refused; else the entries that exist and the status
/// (InternalError when the page reaches beyond them).
fn page<T: Clone>(entries: &[T], cap: usize, start: u32, count: u32) -> Option<(Status, Vec<T>)> {
    let start = usize::try_from(start).ok()?;
    let count = usize::try_from(count).ok()?;
    if start >= cap || count > cap - start {
        return None;
    }
    let end = start + count;
    let found = entries
        .get(start..end.min(entries.len()))
        .unwrap_or_default()
        .to_vec();
    let status = if end <= entries.len() {
        Status::Success
    } else {
        Status::InternalError
    };
    Some((status, found))
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Manager {
    /// Handles a prov-scan request.
    pub fn handle_scan(
        &mut self,
        request: ScanRequest,
        _now: Instant,
    ) -> (ScanOutcome, Vec<Action>) {
        let kind = match request {
            ScanRequest::WifiStart(_)
            | ScanRequest::WifiStatus
            | ScanRequest::WifiResult { .. } => NetworkKind::Wifi,
            _ => NetworkKind::Thread,
        };
        if let Err(status) = self.precheck(kind) {
            return (reply(status, empty_reply(&request)), Vec::new());
        }
        let cap = self.config.scan_cap();
        let in_started = self.state == ProvState::Started;
        match request {
            ScanRequest::WifiStart(params) => {
                let start = start(&mut self.scan.wifi, in_started, params.blocking);
                let actions = match start {
                    Start::New | Start::NewBlocking => vec![Action::StartWifiScan(params)],
                    Start::Refused | Start::AlreadyRunning | Start::Join => Vec::new(),
                };
                (start.outcome(ScanReply::WifiStarted), actions)
            }
            ScanRequest::ThreadStart(params) => {
                let start = start(&mut self.scan.thread, in_started, params.blocking);
                let actions = match start {
                    Start::New | Start::NewBlocking => vec![Action::StartThreadScan(params)],
                    Start::Refused | Start::AlreadyRunning | Start::Join => Vec::new(),
                };
                (start.outcome(ScanReply::ThreadStarted), actions)
            }
            ScanRequest::WifiStatus => {
                let r = &self.scan.wifi;
                let status = ScanReply::WifiStatus {
                    finished: !r.scanning,
                    result_count: count(r.entries.len()),
                };
                (reply(Status::Success, status), Vec::new())
            }
            ScanRequest::ThreadStatus => {
                let r = &self.scan.thread;
                let status = ScanReply::ThreadStatus {
                    finished: !r.scanning,
                    result_count: count(r.entries.len()),
                };
                (reply(Status::Success, status), Vec::new())
            }
            ScanRequest::WifiResult { start_index, count } => {
                let outcome = match page(&self.scan.wifi.entries, cap, start_index, count) {
                    Some((status, found)) => reply(status, ScanReply::WifiResult(found)),
                    None => ScanOutcome::Refused,
                };
                (outcome, Vec::new())
            }
            ScanRequest::ThreadResult { start_index, count } => {
                let outcome = match page(&self.scan.thread.entries, cap, start_index, count) {
                    Some((status, found)) => reply(status, ScanReply::ThreadResult(found)),
                    None => ScanOutcome::Refused,
                };
                (outcome, Vec::new())
            }
        }
    }

    /// A Wi-Fi scan finished: the results are sorted by RSSI (strongest first) and capped. Returns
    /// the response of the blocking ScanStart that waited for it, if any.
    pub fn on_wifi_scan_done(
        &mut self,
        result: ScanResult<WifiScanEntry>,
        _now: Instant,
    ) -> Option<ScanResponse> {
        let cap = self.config.scan_cap();
        let sort = |mut entries: Vec<WifiScanEntry>| {
            entries.sort_by_key(|e| core::cmp::Reverse(e.rssi));
            entries
        };
        finish(
            &mut self.scan.wifi,
            result.map(sort),
            cap,
            ScanReply::WifiStarted,
        )
    }

    /// A Thread scan finished: the results stay in discovery order, capped.
    pub fn on_thread_scan_done(
        &mut self,
        result: ScanResult<ThreadScanEntry>,
        _now: Instant,
    ) -> Option<ScanResponse> {
        let cap = self.config.scan_cap();
        finish(&mut self.scan.thread, result, cap, ScanReply::ThreadStarted)
    }
}

/// What a ScanStart does.
enum Start {
    /// Not in STARTED: refused (see the module docs of the manager).
    Refused,
    /// A non-blocking start while a scan is running: Success without restarting (ESP).
    AlreadyRunning,
    /// A blocking start while a scan is running: answered when that scan finishes, with its
    /// outcome. ESP answers Success at once, and Android, which then asks ScanStatus exactly
    /// once and needs `scan_finished` in that answer (docs/apps.md §5), would wait forever.
    Join,
    /// A new scan, answered now.
    New,
    /// A new blocking scan, answered when it finishes.
    NewBlocking,
}

impl Start {
    fn outcome(&self, started: ScanReply) -> ScanOutcome {
        match self {
            Start::Refused => reply(Status::InternalError, started),
            Start::AlreadyRunning | Start::New => reply(Status::Success, started),
            Start::NewBlocking | Start::Join => ScanOutcome::Pending,
        }
    }
}

fn start<T>(results: &mut Results<T>, in_started: bool, blocking: bool) -> Start {
    if results.scanning {
        if blocking {
            results.waiter = true;
            return Start::Join;
        }
        return Start::AlreadyRunning;
    }
    if !in_started {
        return Start::Refused;
    }
    results.scanning = true;
    results.entries.clear();
    results.waiter = blocking;
    if blocking {
        Start::NewBlocking
    } else {
        Start::New
    }
}

fn finish<T>(
    results: &mut Results<T>,
    found: ScanResult<T>,
    cap: usize,
    started: ScanReply,
) -> Option<ScanResponse> {
    if !results.scanning {
        return None;
    }
    results.scanning = false;
    let status = match found {
        Ok(mut entries) => {
            entries.truncate(cap);
            results.entries = entries;
            Status::Success
        }
        Err(_) => {
            results.entries.clear();
            Status::InternalError
        }
    };
    core::mem::take(&mut results.waiter).then_some(ScanResponse {
        status,
        reply: started,
    })
}
