//! Endpoint `prov-scan` (PROTOCOL.md §2.8, §2.10, §10.6).

use alloc::vec::Vec;

use super::{Status, ThreadScanEntry, ThreadScanParams, WifiScanEntry, WifiScanParams};

/// A legal prov-scan request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanRequest {
    /// CmdScanStart (`msg` 0).
    WifiStart(WifiScanParams),
    /// CmdScanStatus (`msg` 2; esp_prov sends `0802` with no payload).
    WifiStatus,
    /// CmdScanResult (`msg` 4).
    WifiResult {
        /// First entry.
        start_index: u32,
        /// Number of entries.
        count: u32,
    },
    /// CmdScanThreadStart (`msg` 6).
    ThreadStart(ThreadScanParams),
    /// CmdScanThreadStatus (`msg` 8).
    ThreadStatus,
    /// CmdScanThreadResult (`msg` 10).
    ThreadResult {
        /// First entry.
        start_index: u32,
        /// Number of entries.
        count: u32,
    },
}

/// The body of a prov-scan response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanReply {
    /// RespScanStart (Wi-Fi).
    WifiStarted,
    /// RespScanStatus (Wi-Fi).
    WifiStatus {
        /// `scan_finished`.
        finished: bool,
        /// `result_count`.
        result_count: u32,
    },
    /// RespScanResult (Wi-Fi).
    WifiResult(Vec<WifiScanEntry>),
    /// RespScanThreadStart.
    ThreadStarted,
    /// RespScanThreadStatus.
    ThreadStatus {
        /// `scan_finished`.
        finished: bool,
        /// `result_count`.
        result_count: u32,
    },
    /// RespScanThreadResult.
    ThreadResult(Vec<ThreadScanEntry>),
}

/// A prov-scan response: the outer `status` plus the reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanResponse {
    /// The outer `status` field of `WiFiScanPayload` / `NetworkScanPayload`.
    pub status: Status,
    /// The reply payload.
    pub reply: ScanReply,
}
