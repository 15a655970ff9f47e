//! Endpoint `prov-ctrl` (PROTOCOL.md §2.9, §2.10, §10.2).

/// A legal prov-ctrl request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CtrlRequest {
    /// CmdCtrlReset (`msg` 1; esp_prov sends `0801` alone).
    WifiReset,
    /// CmdCtrlReprov (`msg` 3; esp_prov sends `0803` alone).
    WifiReprov,
    /// CmdCtrlThreadReset (`msg` 5).
    ThreadReset,
    /// CmdCtrlThreadReprov (`msg` 7).
    ThreadReprov,
}

/// A prov-ctrl response: which request it answers, and the outer `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CtrlResponse {
    /// The request this answers (`msg` on the wire is the request's + 1).
    pub request: CtrlRequest,
    /// The outer `status` field.
    pub status: super::Status,
}
