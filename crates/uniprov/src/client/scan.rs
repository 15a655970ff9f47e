//! Wi-Fi and Thread scans (docs/protocol.md §10.6): a blocking start, the status, then the results
//! in pages that never reach past `result_count` (older firmware can crash on such requests).

use super::clock::Instant;

use tracing::debug;
use uniprov_core::messages::scan::{ScanReply, ScanRequest, ScanResponse};
use uniprov_core::messages::{
    NetworkKind, Status, ThreadScanParams, WifiScanEntry, WifiScanParams,
};

use super::device::RemoteDevice;
use super::error::ClientError;
use super::flow::Networks;
use super::report::Phase;

const SCAN_ENDPOINT: &str = "prov-scan";

/// The dwell time per channel esp_prov asks for.
const PERIOD_MS: u32 = 120;

impl RemoteDevice {
    async fn scan_request(&mut self, request: ScanRequest) -> Result<ScanResponse, ClientError> {
        let response = self
            .session_mut()
            .request(SCAN_ENDPOINT, &request.encode())
            .await?;
        ScanResponse::decode(&response).map_err(|source| ClientError::Decode {
            endpoint: SCAN_ENDPOINT.into(),
            source,
        })
    }

    /// Scans for Wi-Fi or Thread networks and returns every result (strongest first, as the
    /// device sorts them). Pages hold [`ClientOptions::scan_page_size`](super::ClientOptions)
    /// entries, by default 4 on BLE and everything at once elsewhere.
    pub async fn scan(&mut self, network: NetworkKind) -> Result<Networks, ClientError> {
        self.timed(Phase::Scan, async |device: &mut Self| {
            device.scan_untimed(network).await
        })
        .await
    }

    /// [`RemoteDevice::scan`] of Wi-Fi networks.
    pub async fn scan_wifi(&mut self) -> Result<Vec<WifiScanEntry>, ClientError> {
        match self.scan(NetworkKind::Wifi).await? {
            Networks::Wifi(entries) => Ok(entries),
            Networks::Thread(_) => Err(ClientError::UnexpectedResponse(SCAN_ENDPOINT)),
        }
    }

    async fn scan_untimed(&mut self, network: NetworkKind) -> Result<Networks, ClientError> {
        let started = Instant::now();
        let (capability, start, operation) = match network {
            NetworkKind::Wifi => (
                "wifi_scan",
                ScanRequest::WifiStart(WifiScanParams {
                    blocking: true,
                    passive: false,
                    group_channels: self.kind().scan_group_channels(),
                    period_ms: PERIOD_MS,
                }),
                "scan start",
            ),
            NetworkKind::Thread => (
                "thread_scan",
                ScanRequest::ThreadStart(ThreadScanParams {
                    blocking: true,
                    channel_mask: 0,
                }),
                "thread scan start",
            ),
        };
        self.require_capability(capability)?;
        expect_ok(self.scan_request(start).await?, operation, |r| {
            matches!(
                (network, r),
                (NetworkKind::Wifi, ScanReply::WifiStarted)
                    | (NetworkKind::Thread, ScanReply::ThreadStarted)
            )
        })?;
        let thread = network == NetworkKind::Thread;
        let count = self.wait_scan(started, thread).await?;
        Ok(match network {
            NetworkKind::Wifi => Networks::Wifi(
                self.fetch_results(
                    count,
                    |start_index, count| ScanRequest::WifiResult { start_index, count },
                    |reply| match reply {
                        ScanReply::WifiResult(entries) => Some(entries),
                        _ => None,
                    },
                )
                .await?,
            ),
            NetworkKind::Thread => Networks::Thread(
                self.fetch_results(
                    count,
                    |start_index, count| ScanRequest::ThreadResult { start_index, count },
                    |reply| match reply {
                        ScanReply::ThreadResult(entries) => Some(entries),
                        _ => None,
                    },
                )
                .await?,
            ),
        })
    }

    /// Fetches `count` results in pages, never asking past `count`; stops early (keeping what
    /// arrived) when the device answers a short page or a non-success status.
    async fn fetch_results<T>(
        &mut self,
        count: u32,
        request: impl Fn(u32, u32) -> ScanRequest,
        entries_of: impl Fn(ScanReply) -> Option<Vec<T>>,
    ) -> Result<Vec<T>, ClientError> {
        let page = self.page_size();
        let mut entries = Vec::new();
        while (entries.len() as u32) < count {
            let start_index = entries.len() as u32;
            let wanted = page.min(count - start_index);
            let response = self.scan_request(request(start_index, wanted)).await?;
            let status = response.status;
            let mut got =
                entries_of(response.reply).ok_or(ClientError::UnexpectedResponse(SCAN_ENDPOINT))?;
            got.truncate(wanted as usize);
            let short = got.len() < wanted as usize;
            entries.append(&mut got);
            if status != Status::Success || short {
                debug!(
                    ?status,
                    have = entries.len(),
                    count,
                    "scan results ended early"
                );
                break;
            }
        }
        Ok(entries)
    }

    fn page_size(&self) -> u32 {
        self.options()
            .scan_page_size
            .unwrap_or_else(|| self.kind().scan_page_size())
            .max(1)
    }

    /// Asks for the scan status until the scan finished; returns `result_count`.
    async fn wait_scan(&mut self, started: Instant, thread: bool) -> Result<u32, ClientError> {
        let mut delay = self.options().poll_initial;
        loop {
            let request = if thread {
                ScanRequest::ThreadStatus
            } else {
                ScanRequest::WifiStatus
            };
            let response = self.scan_request(request).await?;
            if response.status != Status::Success {
                return Err(ClientError::Refused {
                    operation: "scan status",
                    status: response.status,
                });
            }
            match response.reply {
                ScanReply::WifiStatus {
                    finished: true,
                    result_count,
                } if !thread => return Ok(result_count),
                ScanReply::ThreadStatus {
                    finished: true,
                    result_count,
                } if thread => return Ok(result_count),
                ScanReply::WifiStatus { .. } if !thread => {}
                ScanReply::ThreadStatus { .. } if thread => {}
                _ => return Err(ClientError::UnexpectedResponse(SCAN_ENDPOINT)),
            }
            let limit = self.options().request_timeout;
            if started.elapsed() + delay > limit {
                return Err(ClientError::Timeout {
                    phase: "the scan to finish",
                    after: limit,
                });
            }
            super::clock::sleep(delay).await;
            delay = (delay * 2).min(self.options().poll_max);
        }
    }
}

fn expect_ok(
    response: ScanResponse,
    operation: &'static str,
    is_expected: impl Fn(&ScanReply) -> bool,
) -> Result<(), ClientError> {
    if response.status != Status::Success {
        return Err(ClientError::Refused {
            operation,
            status: response.status,
        });
    }
    if !is_expected(&response.reply) {
        return Err(ClientError::UnexpectedResponse(SCAN_ENDPOINT));
    }
    Ok(())
}
