//! A small provisioning client for device tests: a client transport, the core's client
//! handshake and the message codecs (used by uniprov's and the CLI's integration tests).

use std::net::SocketAddr;

use uniprov::client::transport::{ClientTransport, HttpClient, HttpClientConfig, TransportError};
use uniprov::core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov::core::messages::ctrl::{CtrlRequest, CtrlResponse};
use uniprov::core::messages::scan::{ScanReply, ScanRequest, ScanResponse};
use uniprov::core::messages::{Status, WifiCredentials, WifiScanEntry, WifiScanParams};
use uniprov::core::proto_ver::VersionInfo;
use uniprov::core::security::{
    ClientHandshake, ClientSecurity, ClientSession, ClientStep, Sec2Patch,
};
use uniprov::core::Secret;
use uniprov::entropy::OsEntropy;

/// A client over any transport, with an optional established session.
pub struct Client<T: ClientTransport> {
    /// The transport under the session.
    pub transport: T,
    session: Option<ClientSession>,
}

/// A client over HTTP to `addr`.
pub async fn http(addr: SocketAddr) -> Client<HttpClient> {
    let transport = HttpClient::connect(&addr.to_string(), HttpClientConfig::default())
        .await
        .expect("connect");
    Client::new(transport)
}

/// Security 0.
pub fn sec0() -> ClientSecurity {
    ClientSecurity::Sec0
}

/// Security 1 with an optional PoP.
pub fn sec1(pop: Option<&str>) -> ClientSecurity {
    ClientSecurity::Sec1 {
        pop: pop.map(|p| Secret::new(p.as_bytes().to_vec())),
    }
}

/// Security 2.
pub fn sec2(username: &str, password: &str, patch: Sec2Patch) -> ClientSecurity {
    ClientSecurity::Sec2 {
        username: username.as_bytes().to_vec(),
        password: Secret::new(password.as_bytes().to_vec()),
        patch,
    }
}

/// Wi-Fi credentials.
pub fn creds(ssid: &str, passphrase: &str) -> WifiCredentials {
    WifiCredentials {
        ssid: ssid.as_bytes().to_vec(),
        passphrase: Secret::new(passphrase.as_bytes().to_vec()),
        bssid: Vec::new(),
        channel: 0,
    }
}

impl<T: ClientTransport> Client<T> {
    /// A client without a session over `transport`.
    pub fn new(transport: T) -> Self {
        Client {
            transport,
            session: None,
        }
    }

    /// proto-ver, parsed.
    pub async fn proto_ver(&mut self) -> VersionInfo {
        let text = self
            .transport
            .request("proto-ver", b"ESP")
            .await
            .expect("proto-ver");
        VersionInfo::parse(&text).expect("proto-ver JSON")
    }

    /// The handshake on prov-session.
    pub async fn handshake(&mut self, security: ClientSecurity) -> Result<(), TransportError> {
        let mut entropy = OsEntropy;
        let mut handshake = ClientHandshake::new(security);
        let mut request = handshake.start(&mut entropy);
        loop {
            let response = self.transport.request("prov-session", &request).await?;
            match handshake.receive(&response, &mut entropy) {
                Ok(ClientStep::Send(next)) => request = next,
                Ok(ClientStep::Established(session)) => {
                    self.session = Some(session);
                    return Ok(());
                }
                Err(error) => {
                    return Err(TransportError::Protocol(format!("handshake: {error}")));
                }
            }
        }
    }

    /// An encrypted request.
    pub async fn request(
        &mut self,
        endpoint: &str,
        plain: &[u8],
    ) -> Result<Vec<u8>, TransportError> {
        let session = self.session.as_mut().expect("handshake first");
        let body = session.encrypt(plain).expect("encrypt");
        let response = self.transport.request(endpoint, &body).await?;
        let session = self.session.as_mut().expect("session");
        session
            .decrypt(&response)
            .map_err(|e| TransportError::Protocol(format!("decrypt: {e}")))
    }

    /// One `prov-config` exchange; transport errors returned.
    pub async fn try_config(
        &mut self,
        request: ConfigRequest,
    ) -> Result<ConfigResponse, TransportError> {
        let bytes = self.request("prov-config", &request.encode()).await?;
        Ok(ConfigResponse::decode(&bytes).expect("config response"))
    }

    /// One `prov-config` exchange; panics on a transport error.
    pub async fn config(&mut self, request: ConfigRequest) -> ConfigResponse {
        self.try_config(request).await.expect("prov-config")
    }

    /// One `prov-scan` exchange; transport errors returned.
    pub async fn try_scan(&mut self, request: ScanRequest) -> Result<ScanResponse, TransportError> {
        let bytes = self.request("prov-scan", &request.encode()).await?;
        Ok(ScanResponse::decode(&bytes).expect("scan response"))
    }

    /// One `prov-ctrl` exchange; panics on a transport error.
    pub async fn ctrl(&mut self, request: CtrlRequest) -> CtrlResponse {
        let bytes = self
            .request("prov-ctrl", &request.encode())
            .await
            .expect("prov-ctrl");
        CtrlResponse::decode(&bytes).expect("ctrl response")
    }

    /// SetConfig + ApplyConfig; returns both statuses.
    pub async fn send_credentials(&mut self, ssid: &str, passphrase: &str) -> (Status, Status) {
        let set = match self
            .config(ConfigRequest::SetWifiConfig(creds(ssid, passphrase)))
            .await
        {
            ConfigResponse::SetWifiConfig(status) => status,
            other => panic!("unexpected {other:?}"),
        };
        let apply = match self.config(ConfigRequest::ApplyWifiConfig).await {
            ConfigResponse::ApplyWifiConfig(status) => status,
            other => panic!("unexpected {other:?}"),
        };
        (set, apply)
    }

    /// GetStatus.
    pub async fn wifi_status(&mut self) -> uniprov::core::messages::WifiStatus {
        match self.config(ConfigRequest::GetWifiStatus).await {
            ConfigResponse::WifiStatus {
                status: Status::Success,
                state,
            } => state,
            other => panic!("unexpected {other:?}"),
        }
    }

    /// A blocking scan, then every result in pages of `page`.
    pub async fn scan_all(&mut self, page: u32) -> Vec<WifiScanEntry> {
        let params = WifiScanParams {
            blocking: true,
            ..WifiScanParams::default()
        };
        let started = self
            .try_scan(ScanRequest::WifiStart(params))
            .await
            .expect("start");
        assert_eq!(started.status, Status::Success);
        let status = self
            .try_scan(ScanRequest::WifiStatus)
            .await
            .expect("status");
        let ScanReply::WifiStatus {
            finished: true,
            result_count,
        } = status.reply
        else {
            panic!("unexpected {status:?}");
        };
        let mut all = Vec::new();
        let mut start_index = 0;
        while start_index < result_count {
            let count = page.min(result_count - start_index);
            let response = self
                .try_scan(ScanRequest::WifiResult { start_index, count })
                .await
                .expect("result");
            assert_eq!(response.status, Status::Success);
            let ScanReply::WifiResult(entries) = response.reply else {
                panic!("unexpected {response:?}");
            };
            assert_eq!(entries.len() as u32, count);
            all.extend(entries);
            start_index += count;
        }
        all
    }
}
