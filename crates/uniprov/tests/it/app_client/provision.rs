//! A whole provisioning the way the apps do it (docs/apps.md §2, §4, §5): `proto-ver` with body
//! `ESP`, the security 2 handshake, one blocking scan (ScanStart, one ScanStatus, ScanResult
//! pages of min(4, remaining)), SetConfig, Apply, then GetStatus on the app's schedule until
//! Connected.

use std::net::SocketAddr;
use std::time::Duration;

use prost::Message;
use uniprov::core::proto::wifi_config::{
    self as cfg, wi_fi_config_payload::Payload as CfgPayload, WiFiConfigMsgType, WiFiConfigPayload,
};
use uniprov::core::proto::wifi_constants::WifiStationState;
use uniprov::core::proto::wifi_scan::{
    wi_fi_scan_payload::Payload as ScanPayload, CmdScanResult, CmdScanStart, CmdScanStatus,
    WiFiScanMsgType, WiFiScanPayload,
};

use super::http::AppHttp;
use super::session::{handshake, AppSession};
use super::srp::{App, Group, Observed};

/// The apps' status poll schedule is divided by this in tests (Android: 2 s, then every 5 s;
/// iOS: at once, then every 5 s), so a provisioning takes milliseconds, not seconds.
pub const SCHEDULE_DIVISOR: u32 = 100;

/// When the app polls GetStatus after Apply: the first delay, then the period.
pub fn status_schedule(app: App) -> (Duration, Duration) {
    let (first, every) = match app {
        App::Android => (Duration::from_secs(2), Duration::from_secs(5)),
        App::Ios => (Duration::ZERO, Duration::from_secs(5)),
    };
    (first / SCHEDULE_DIVISOR, every / SCHEDULE_DIVISOR)
}

/// What a provisioning saw.
#[derive(Debug)]
pub struct Provisioned {
    pub ssids: Vec<Vec<u8>>,
    pub status_polls: usize,
    pub ip4_addr: String,
    pub observed: Observed,
}

/// `proto-ver` the app's way; checks what the apps need of it (§2): `prov.cap` an array of
/// strings, security 2 with `sec_patch_ver` 1.
pub async fn proto_ver(http: &mut AppHttp) -> Result<serde_json::Value, String> {
    let answer = http
        .post("proto-ver", b"ESP")
        .await
        .map_err(|e| format!("proto-ver: {e}"))?;
    let info: serde_json::Value =
        serde_json::from_slice(&answer).map_err(|e| format!("proto-ver JSON: {e}"))?;
    let caps = info["prov"]["cap"]
        .as_array()
        .ok_or("prov.cap is not an array")?;
    if !caps.iter().all(|c| c.is_string()) {
        return Err("prov.cap holds a non-string".into());
    }
    if info["prov"]["sec_ver"] != 2 || info["prov"]["sec_patch_ver"] != 1 {
        return Err(format!("not security 2 patch 1: {info}"));
    }
    Ok(info)
}

fn scan_request(msg: WiFiScanMsgType, payload: ScanPayload) -> Vec<u8> {
    WiFiScanPayload {
        msg: msg as i32,
        status: 0,
        payload: Some(payload),
    }
    .encode_to_vec()
}

async fn scan_call(
    session: &mut AppSession,
    http: &mut AppHttp,
    request: Vec<u8>,
) -> Result<ScanPayload, String> {
    let answer = session.call(http, "prov-scan", &request).await?;
    let payload = WiFiScanPayload::decode(answer.as_slice()).map_err(|e| e.to_string())?;
    if payload.status != 0 {
        return Err(format!("prov-scan status {}", payload.status));
    }
    payload
        .payload
        .ok_or_else(|| "prov-scan answer without payload".into())
}

/// The scan: ScanStart (blocking), ScanStatus once, then pages of min(4, remaining).
async fn scan(
    app: App,
    session: &mut AppSession,
    http: &mut AppHttp,
) -> Result<Vec<Vec<u8>>, String> {
    let start = CmdScanStart {
        blocking: true,
        passive: false,
        group_channels: 0,
        period_ms: 120,
    };
    let request = scan_request(
        WiFiScanMsgType::TypeCmdScanStart,
        ScanPayload::CmdScanStart(start),
    );
    scan_call(session, http, request).await?;
    let request = scan_request(
        WiFiScanMsgType::TypeCmdScanStatus,
        ScanPayload::CmdScanStatus(CmdScanStatus {}),
    );
    let ScanPayload::RespScanStatus(status) = scan_call(session, http, request).await? else {
        return Err("expected RespScanStatus".into());
    };
    match app {
        App::Android if !status.scan_finished => return Err("scan not finished".into()),
        App::Ios if status.result_count == 0 => return Err("no networks".into()),
        _ => {}
    }
    let mut ssids: Vec<Vec<u8>> = Vec::new();
    let mut start_index = 0;
    while start_index < status.result_count {
        let count = (status.result_count - start_index).min(4);
        let request = scan_request(
            WiFiScanMsgType::TypeCmdScanResult,
            ScanPayload::CmdScanResult(CmdScanResult { start_index, count }),
        );
        let ScanPayload::RespScanResult(page) = scan_call(session, http, request).await? else {
            return Err("expected RespScanResult".into());
        };
        if page.entries.is_empty() {
            return Err("empty ScanResult page (iOS crashes on it)".into());
        }
        for entry in page.entries {
            // Android drops duplicate SSIDs.
            if app == App::Ios || !ssids.contains(&entry.ssid) {
                ssids.push(entry.ssid);
            }
        }
        start_index += count;
    }
    Ok(ssids)
}

async fn config_call(
    session: &mut AppSession,
    http: &mut AppHttp,
    msg: WiFiConfigMsgType,
    payload: CfgPayload,
) -> Result<CfgPayload, String> {
    let request = WiFiConfigPayload {
        msg: msg as i32,
        payload: Some(payload),
    }
    .encode_to_vec();
    let answer = session.call(http, "prov-config", &request).await?;
    WiFiConfigPayload::decode(answer.as_slice())
        .map_err(|e| e.to_string())?
        .payload
        .ok_or_else(|| "prov-config answer without payload".into())
}

/// Provisions `ssid` / `passphrase` like `app` on the device at `addr`, with the secret a.
pub async fn provision(
    addr: SocketAddr,
    app: App,
    credentials: (&str, &str),
    network: (&str, &str),
    a: [u8; 32],
) -> Result<Provisioned, String> {
    let group = Group::new();
    let mut http = AppHttp::new(addr);
    proto_ver(&mut http).await?;
    let (mut session, observed) = handshake(&mut http, &group, app, credentials, a).await?;
    let ssids = scan(app, &mut session, &mut http).await?;

    let (ssid, passphrase) = network;
    let set = cfg::CmdSetConfig {
        ssid: ssid.as_bytes().to_vec(),
        passphrase: passphrase.as_bytes().to_vec(),
        ..Default::default()
    };
    let answer = config_call(
        &mut session,
        &mut http,
        WiFiConfigMsgType::TypeCmdSetConfig,
        CfgPayload::CmdSetConfig(set),
    )
    .await?;
    match (app, answer) {
        (App::Android, CfgPayload::RespSetConfig(r)) if r.status != 0 => {
            return Err(format!("SetConfig status {}", r.status))
        }
        (_, CfgPayload::RespSetConfig(_)) => {}
        _ => return Err("expected RespSetConfig".into()),
    }
    let answer = config_call(
        &mut session,
        &mut http,
        WiFiConfigMsgType::TypeCmdApplyConfig,
        CfgPayload::CmdApplyConfig(cfg::CmdApplyConfig {}),
    )
    .await?;
    match (app, answer) {
        (App::Android, CfgPayload::RespApplyConfig(r)) if r.status != 0 => {
            return Err(format!("apply failed: status {}", r.status))
        }
        (_, CfgPayload::RespApplyConfig(_)) => {}
        _ => return Err("expected RespApplyConfig".into()),
    }

    let (first, every) = status_schedule(app);
    tokio::time::sleep(first).await;
    let mut status_polls = 0;
    loop {
        status_polls += 1;
        let answer = config_call(
            &mut session,
            &mut http,
            WiFiConfigMsgType::TypeCmdGetStatus,
            CfgPayload::CmdGetStatus(cfg::CmdGetStatus {}),
        )
        .await?;
        let CfgPayload::RespGetStatus(status) = answer else {
            return Err("expected RespGetStatus".into());
        };
        match WifiStationState::try_from(status.sta_state) {
            Ok(WifiStationState::Connected) => {
                let ip4_addr = match status.state {
                    Some(cfg::resp_get_status::State::Connected(c)) => c.ip4_addr,
                    _ => String::new(),
                };
                return Ok(Provisioned {
                    ssids,
                    status_polls,
                    ip4_addr,
                    observed,
                });
            }
            Ok(WifiStationState::Connecting) => {}
            other => return Err(format!("provisioning failed: {other:?}")),
        }
        if status_polls > 100 {
            return Err("still connecting after 100 polls".into());
        }
        tokio::time::sleep(every).await;
    }
}
