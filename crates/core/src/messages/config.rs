//! Endpoint `prov-config` (PROTOCOL.md §2.7, §2.10, §10.2-§10.4).

use alloc::vec::Vec;

use super::{Status, ThreadStatus, WifiCredentials, WifiStatus};
use crate::Secret;

/// A legal prov-config request.
#[derive(Debug)]
pub enum ConfigRequest {
    /// CmdGetStatus (`msg` 0).
    GetWifiStatus,
    /// CmdSetConfig (`msg` 2).
    SetWifiConfig(WifiCredentials),
    /// CmdApplyConfig (`msg` 4; esp_prov sends `0804` with no payload).
    ApplyWifiConfig,
    /// CmdGetThreadStatus (`msg` 6).
    GetThreadStatus,
    /// CmdSetThreadConfig (`msg` 8): raw operational dataset TLVs.
    SetThreadDataset(Secret<Vec<u8>>),
    /// CmdApplyThreadConfig (`msg` 10).
    ApplyThreadConfig,
}

/// A prov-config response. `msg` on the wire is always the request's `msg + 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigResponse {
    /// RespGetStatus.
    WifiStatus {
        /// Status of the request.
        status: Status,
        /// Station state.
        state: WifiStatus,
    },
    /// RespSetConfig.
    SetWifiConfig(Status),
    /// RespApplyConfig.
    ApplyWifiConfig(Status),
    /// RespGetThreadStatus.
    ThreadStatus {
        /// Status of the request.
        status: Status,
        /// Attach state.
        state: ThreadStatus,
    },
    /// RespSetThreadConfig.
    SetThreadDataset(Status),
    /// RespApplyThreadConfig.
    ApplyThreadConfig(Status),
}
