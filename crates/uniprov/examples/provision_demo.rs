//! Provisions a device over HTTP with security 2, using only the building blocks: the HTTP
//! client transport, the core's client handshake and the message codecs. (`uniprov provision`
//! does all this and more; this is what scripts/demo.sh runs.)
//!
//! ```text
//! cargo run -p uniprov --example provision_demo -- 127.0.0.1:8080 wifiprov <password> HomeNetwork password123
//! ```

use std::time::Duration;

use uniprov::client::transport::{ClientTransport, HttpClient, HttpClientConfig};
use uniprov::core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov::core::messages::{Status, WifiCredentials, WifiStatus};
use uniprov::core::proto_ver::VersionInfo;
use uniprov::core::security::{
    ClientHandshake, ClientSecurity, ClientSession, ClientStep, Sec2Patch,
};
use uniprov::core::Secret;
use uniprov::entropy::OsEntropy;

type Error = Box<dyn std::error::Error>;

async fn config(
    http: &mut HttpClient,
    session: &mut ClientSession,
    request: ConfigRequest,
) -> Result<ConfigResponse, Error> {
    let body = session.encrypt(&request.encode())?;
    let response = http.request("prov-config", &body).await?;
    Ok(ConfigResponse::decode(&session.decrypt(&response)?)?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, username, password, ssid, passphrase] = args.as_slice() else {
        return Err("usage: provision_demo ADDR USERNAME PASSWORD SSID PASSPHRASE".into());
    };
    let mut http = HttpClient::connect(addr, HttpClientConfig::default()).await?;
    let info = VersionInfo::parse(&http.request("proto-ver", b"ESP").await?)?;
    println!(
        "proto-ver: prov {} sec_ver {:?} sec_patch_ver {:?} caps {:?}",
        info.prov_ver, info.sec_ver, info.sec_patch_ver, info.caps
    );
    if info.sec_ver != Some(2) {
        return Err("this demo speaks security 2 only".into());
    }
    let patch = if info.sec_patch_ver == Some(1) {
        Sec2Patch::V1
    } else {
        Sec2Patch::V0
    };
    let mut handshake = ClientHandshake::new(ClientSecurity::Sec2 {
        username: username.as_bytes().to_vec(),
        password: Secret::new(password.as_bytes().to_vec()),
        patch,
    });
    let mut request = handshake.start(&mut OsEntropy);
    let mut session = loop {
        let response = http.request("prov-session", &request).await?;
        match handshake.receive(&response, &mut OsEntropy)? {
            ClientStep::Send(next) => request = next,
            ClientStep::Established(session) => break session,
        }
    };
    println!("security 2 session established (SRP6a, AES-256-GCM)");

    let credentials = WifiCredentials {
        ssid: ssid.as_bytes().to_vec(),
        passphrase: Secret::new(passphrase.as_bytes().to_vec()),
        bssid: Vec::new(),
        channel: 0,
    };
    let set = config(
        &mut http,
        &mut session,
        ConfigRequest::SetWifiConfig(credentials),
    )
    .await?;
    let apply = config(&mut http, &mut session, ConfigRequest::ApplyWifiConfig).await?;
    if set != ConfigResponse::SetWifiConfig(Status::Success)
        || apply != ConfigResponse::ApplyWifiConfig(Status::Success)
    {
        return Err(format!("credentials refused: {set:?} {apply:?}").into());
    }
    println!("credentials for {ssid:?} sent and applied");
    // Poll like esp_prov (every 5 s there; faster here, the simulated radio is quick).
    for _ in 0..60 {
        match config(&mut http, &mut session, ConfigRequest::GetWifiStatus).await? {
            ConfigResponse::WifiStatus {
                state: WifiStatus::Connecting { .. },
                ..
            } => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            ConfigResponse::WifiStatus {
                state: WifiStatus::Connected(c),
                ..
            } => {
                println!("device connected: ip {} channel {}", c.ip4_addr, c.channel);
                return Ok(());
            }
            other => return Err(format!("provisioning failed: {other:?}").into()),
        }
    }
    Err("the device did not connect in time".into())
}
