//! Wi-Fi and Thread scans (docs/protocol.md §10.6): a blocking start, the status, then the results
//! in pages that never reach past `result_count` (older firmware can crash on such requests).

use tokio::time::Instant;

use tracing::debug;
use uniprov_core::messages::scan::{ScanReply, ScanRequest, ScanResponse};
use uniprov_core::messages::{
    Status, ThreadScanEntry, ThreadScanParams, WifiScanEntry, WifiScanParams,
};

use super::device::Device;
use super::error::ClientError;
use super::report::Phase;

const SCAN_ENDPOINT: &str = "prov-scan";

/// The dwell time per channel esp_prov asks for.
const PERIOD_MS: u32 = 120;

impl Device {
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

    /// Scans for Wi-Fi networks and returns every result (strongest first, as the device
    /// sorts them). Pages hold [`DeviceOptions::scan_page_size`](super::DeviceOptions) entries,
    /// by default 4 on BLE and everything at once elsewhere.
    pub async fn scan_wifi(&mut self) -> Result<Vec<WifiScanEntry>, ClientError> {
        let started = Instant::now();
        let result = self.scan_wifi_inner(started).await;
        self.timings_mut().record(Phase::Scan, started.elapsed());
        result
    }

    async fn scan_wifi_inner(
        &mut self,
        started: Instant,
    ) -> Result<Vec<WifiScanEntry>, ClientError> {
        self.require_capability("wifi_scan")?;
        let params = WifiScanParams {
            blocking: true,
            passive: false,
            group_channels: self.kind().scan_group_channels(),
            period_ms: PERIOD_MS,
        };
        expect_ok(
            self.scan_request(ScanRequest::WifiStart(params)).await?,
            "scan start",
            |r| matches!(r, ScanReply::WifiStarted),
        )?;
        let count = self.wait_scan(started, false).await?;
        self.fetch_results(
            count,
            |start_index, count| ScanRequest::WifiResult { start_index, count },
            |reply| match reply {
                ScanReply::WifiResult(entries) => Some(entries),
                _ => None,
            },
        )
        .await
    }

    /// Scans for Thread networks (network_provisioning Thread build).
    pub async fn scan_thread(&mut self) -> Result<Vec<ThreadScanEntry>, ClientError> {
        let started = Instant::now();
        let result = self.scan_thread_inner(started).await;
        self.timings_mut().record(Phase::Scan, started.elapsed());
        result
    }

    async fn scan_thread_inner(
        &mut self,
        started: Instant,
    ) -> Result<Vec<ThreadScanEntry>, ClientError> {
        self.require_capability("thread_scan")?;
        let params = ThreadScanParams {
            blocking: true,
            channel_mask: 0,
        };
        expect_ok(
            self.scan_request(ScanRequest::ThreadStart(params)).await?,
            "thread scan start",
            |r| matches!(r, ScanReply::ThreadStarted),
        )?;
        let count = self.wait_scan(started, true).await?;
        self.fetch_results(
            count,
            |start_index, count| ScanRequest::ThreadResult { start_index, count },
            |reply| match reply {
                ScanReply::ThreadResult(entries) => Some(entries),
                _ => None,
            },
        )
        .await
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
            tokio::time::sleep(delay).await;
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
