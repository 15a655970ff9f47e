//! [`Device`]: one provisioning session, driven by the page. Each method runs the library's
//! operation (`RemoteDevice`) and reports the phases it starts to the page's `onPhase`.
//!
//! Operations return promises and never overlap: the device is taken out of its slot for the
//! time of one, and a second call meanwhile is refused (`usage`) instead of interleaving two
//! exchanges on one link.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise};
use serde_json::Value;
use uniprov::client::flow::Ctrl;
use uniprov::client::{
    offers_provisioning, ClientError, ClientOptions, ErrorClass, NetworkCredentials, Provisioned,
    RemoteDevice, SecurityRequest,
};
use uniprov::core::messages::NetworkKind;
use uniprov::core::security::SecVer;
use uniprov::core::{Entropy, Secret};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::entropy::BrowserEntropy;
use crate::shape;
use crate::transport::{self, get};

/// The security 2 username of QR payloads without one (the phone apps' default).
const DEFAULT_SEC2_USERNAME: &str = "wifiprov";

/// A device with an established security session.
#[wasm_bindgen]
pub struct Device {
    shared: Shared,
    info: Value,
    security: Value,
    warnings: Vec<String>,
}

/// What the promises of the operations share with the [`Device`].
#[derive(Clone)]
struct Shared {
    slot: Rc<RefCell<Option<RemoteDevice>>>,
    on_phase: Option<Function>,
    /// The last provisioning attempt failed: the device keeps it until a prov-ctrl reset.
    attempt_failed: Rc<Cell<bool>>,
}

#[wasm_bindgen]
impl Device {
    /// Reads proto-ver, negotiates security and runs the handshake over `transport` (a
    /// transport object, docs/web-api.md) with `security` (`{ pop, username, password, secVer,
    /// allowInsecure }`). `on_phase(name)` is called as each phase starts.
    pub async fn connect(
        transport: JsValue,
        security: JsValue,
        on_phase: Option<Function>,
    ) -> Result<Device, JsValue> {
        let mut entropy = BrowserEntropy;
        let (request, allow_insecure) = security_request(&security);
        let (link, kind) = transport::from_js(transport, console_session(&mut entropy))
            .map_err(|e| js_error(&ClientError::Usage(e.to_string())))?;
        let mut device = RemoteDevice::new(link, kind, ClientOptions::default());
        let shared = Shared {
            slot: Rc::new(RefCell::new(None)),
            on_phase,
            attempt_failed: Rc::new(Cell::new(false)),
        };
        let established = shared
            .establish(&mut device, request, allow_insecure, &mut entropy)
            .await;
        if let Err(error) = established {
            device.close().await;
            return Err(js_error(&error));
        }
        let info = device.info().map_or(Value::Null, shape::info);
        let security = device.security().map_or(Value::Null, shape::security);
        let warnings = device.warnings().iter().map(ToString::to_string).collect();
        *shared.slot.borrow_mut() = Some(device);
        Ok(Device {
            shared,
            info,
            security,
            warnings,
        })
    }

    /// What proto-ver said: `{ provVer, capabilities, secVer, secPatch }`.
    pub fn info(&self) -> JsValue {
        shape::to_js(&self.info)
    }

    /// The negotiated scheme: `{ secVer, patch }`.
    pub fn security(&self) -> JsValue {
        shape::to_js(&self.security)
    }

    /// Negotiation warnings to show to the person.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    /// Milliseconds per phase so far, e.g. `{ proto_ver: 3.1, handshake: 412.0 }` (empty while
    /// an operation runs).
    pub fn timings(&self) -> JsValue {
        let slot = self.shared.slot.borrow();
        let timings = slot.as_ref().map(|d| shape::timings(d.timings()));
        shape::to_js(&timings.unwrap_or(Value::Null))
    }

    /// Scans for Wi-Fi networks: a promise of `[{ ssid, bssid, channel, rssi, auth }]`.
    pub fn scan(&self) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let mut device = shared.take()?;
            shared.phase("scan");
            let result = device.scan_wifi().await;
            shared.put(device);
            result
                .map(|entries| shape::to_js(&shape::networks(&entries)))
                .map_err(|e| js_error(&e))
        })
    }

    /// Sends the network, applies it and waits until the device joined: a promise of
    /// `{ state: "connected", ip }`. After a failed attempt (wrong passphrase, network not
    /// found) call it again: the device's attempt is reset first (prov-ctrl reset, §10.6).
    pub fn provision(&self, ssid: String, passphrase: String) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let credentials =
                NetworkCredentials::wifi(ssid.into_bytes(), Secret::new(passphrase.into_bytes()))
                    .map_err(|e| js_error(&e))?;
            let mut device = shared.take()?;
            let result = shared.provision(&mut device, &credentials).await;
            shared.put(device);
            result
                .map(|connected| shape::to_js(&shape::connected(&connected)))
                .map_err(|e| js_error(&e))
        })
    }

    /// The device's station state: a promise of `{ state, ip? , reason? }`.
    pub fn status(&self) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let mut device = shared.take()?;
            shared.phase("status");
            let result = device.network_status().await;
            shared.put(device);
            match result {
                Ok(uniprov::client::flow::NetworkStatus::Wifi(state)) => {
                    Ok(shape::to_js(&shape::status(&state)))
                }
                Ok(uniprov::client::flow::NetworkStatus::Thread(_)) => {
                    Err(shape::to_js(&shape::usage(
                        "not_offered",
                        "this is a Thread device; the page does Wi-Fi",
                    )))
                }
                Err(e) => Err(js_error(&e)),
            }
        })
    }

    /// Sends a prov-ctrl command (§10.6): `"reset"` (forget a failed attempt so that new
    /// credentials are taken) or `"reprov"` (restart provisioning on a device that finished
    /// it). A promise of `undefined`.
    pub fn ctrl(&self, command: String) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let command = match command.as_str() {
                "reset" => Ctrl::Reset,
                "reprov" => Ctrl::Reprov,
                other => {
                    return Err(shape::to_js(&shape::usage(
                        "usage",
                        &format!("unknown prov-ctrl command {other:?} (reset, reprov)"),
                    )))
                }
            };
            let mut device = shared.take()?;
            shared.phase("ctrl");
            let result = device.ctrl(command).await;
            if result.is_ok() && command == Ctrl::Reset {
                shared.attempt_failed.set(false);
            }
            shared.put(device);
            result
                .map(|()| JsValue::UNDEFINED)
                .map_err(|e| js_error(&e))
        })
    }

    /// Sends `data` to the custom endpoint `endpoint` (the ESP examples' `custom-data`) through
    /// the session cipher: a promise of the response bytes (`Uint8Array`).
    pub fn custom(&self, endpoint: String, data: Vec<u8>) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let mut device = shared.take()?;
            shared.phase("custom");
            let result = device.custom(&endpoint, &data).await;
            shared.put(device);
            result
                .map(|response| js_sys::Uint8Array::from(response.as_slice()).into())
                .map_err(|e| js_error(&e))
        })
    }

    /// Ends the link (BLE: disconnects). Best effort; the device is unusable afterwards.
    pub fn close(&self) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let taken = shared.slot.borrow_mut().take();
            if let Some(mut device) = taken {
                device.close().await;
            }
            Ok(JsValue::UNDEFINED)
        })
    }
}

impl Shared {
    fn phase(&self, name: &str) {
        if let Some(callback) = &self.on_phase {
            // The page's progress display; its failure is not the provisioning's.
            let _ = callback.call1(&JsValue::NULL, &JsValue::from_str(name));
        }
    }

    fn take(&self) -> Result<RemoteDevice, JsValue> {
        self.slot.borrow_mut().take().ok_or_else(|| {
            shape::to_js(&shape::usage(
                "usage",
                "another operation is running on this device, or it was closed",
            ))
        })
    }

    fn put(&self, device: RemoteDevice) {
        *self.slot.borrow_mut() = Some(device);
    }

    async fn establish(
        &self,
        device: &mut RemoteDevice,
        request: SecurityRequest,
        allow_insecure: bool,
        entropy: &mut BrowserEntropy,
    ) -> Result<(), ClientError> {
        self.phase("proto_ver");
        let info = device.read_version().await?;
        if !offers_provisioning(info) {
            return Err(ClientError::ProvisioningNotOffered(
                "its proto-ver lists no provisioning capability (wifi_prov, wifi_scan)".into(),
            ));
        }
        self.phase("handshake");
        let summary = device.establish(request, entropy).await?;
        if summary.sec_ver == SecVer::Sec0 && !allow_insecure {
            return Err(ClientError::Usage(
                "the device runs security 0: the Wi-Fi password would cross unencrypted. \
                 Choose security 0 explicitly to go on anyway"
                    .into(),
            ));
        }
        Ok(())
    }

    async fn provision(
        &self,
        device: &mut RemoteDevice,
        credentials: &NetworkCredentials,
    ) -> Result<uniprov::core::messages::WifiConnected, ClientError> {
        if self.attempt_failed.get() {
            self.phase("ctrl");
            match device.ctrl(Ctrl::Reset).await {
                // A device without prov-ctrl takes new credentials after a failure as it is.
                Err(e) if e.class() != ErrorClass::NotOffered => return Err(e),
                _ => {}
            }
            self.attempt_failed.set(false);
        }
        self.phase("set");
        device.set(credentials).await?;
        self.phase("apply");
        device.apply(NetworkKind::Wifi).await?;
        self.phase("connected");
        match device.wait_joined(NetworkKind::Wifi).await {
            Ok(Provisioned::Wifi(connected)) => Ok(connected),
            Ok(Provisioned::Thread(_)) => Err(ClientError::UnexpectedResponse("prov-config")),
            Err(error) => {
                if matches!(
                    error.class(),
                    ErrorClass::WifiAuth | ErrorClass::NetworkNotFound
                ) {
                    self.attempt_failed.set(true);
                }
                Err(error)
            }
        }
    }
}

/// The page's security options as the library's request, and whether security 0 is allowed.
fn security_request(options: &JsValue) -> (SecurityRequest, bool) {
    let text = |key: &str| get(options, key).as_string().filter(|s| !s.is_empty());
    let secret = |key: &str| text(key).map(|s| Secret::new(s.into_bytes()));
    let sec_ver = get(options, "secVer")
        .as_f64()
        .filter(|n| n.is_finite() && *n >= 0.0 && n.fract() == 0.0)
        .and_then(|n| u32::try_from(n as u64).ok())
        .map(SecVer::from);
    let allow_insecure =
        sec_ver == Some(SecVer::Sec0) || get(options, "allowInsecure").as_bool() == Some(true);
    let request = SecurityRequest {
        sec_ver,
        pop: secret("pop"),
        username: text("username"),
        password: secret("password"),
        default_username: Some(DEFAULT_SEC2_USERNAME.to_owned()),
        expected: None,
    };
    (request, allow_insecure)
}

/// A console session id in `1..=i32::MAX` (ESP-IDF `atoi()`s it).
fn console_session(entropy: &mut impl Entropy) -> u32 {
    let mut bytes = [0; 4];
    entropy.fill(&mut bytes);
    (u32::from_le_bytes(bytes) % i32::MAX.unsigned_abs()) + 1
}

fn js_error(error: &ClientError) -> JsValue {
    shape::to_js(&shape::error(error))
}
