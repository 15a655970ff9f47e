//! The transports the page opens, seen from the client library: JavaScript objects that move
//! bytes (docs/web-api.md, "Transport objects"), wrapped as [`ClientTransport`]s. What carries
//! protocol knowledge stays in Rust and is the CLI's: the BLE endpoint mapping from 0x2901
//! descriptors (`client::ble::mapping`) and the console line framing
//! (`client::transport::console_frame`).

use std::time::Duration;

use js_sys::{Function, Promise, Reflect, Uint8Array};
use uniprov::client::ble::mapping::{DiscoveredCharacteristic, DiscoveredService, EndpointMap};
use uniprov::client::transport::console_frame::{parse_response, RequestLine, LINE_END, QUIET};
use uniprov::client::transport::{ClientTransport, TransportError};
use uniprov::client::TransportKind;
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Wraps the page's transport object `object` (its `kind` says which). `session` is the console
/// session id (random, `1..=i32::MAX`).
pub fn from_js(
    object: JsValue,
    session: u32,
) -> Result<(Box<dyn ClientTransport>, TransportKind), TransportError> {
    let kind = get(&object, "kind")
        .as_string()
        .ok_or_else(|| protocol("the transport object has no kind"))?;
    let js = JsObject(object);
    match kind.as_str() {
        "http" => Ok((Box::new(Http(js)), TransportKind::Http)),
        "ble" => Ok((
            Box::new(Ble {
                js,
                endpoints: None,
            }),
            TransportKind::Ble,
        )),
        "console" => {
            let echoed = get(&js.0, "echoed").as_bool().unwrap_or(true);
            let max_line = get(&js.0, "maxLine")
                .as_f64()
                .filter(|n| n.is_finite() && *n >= 1.0)
                .map_or(uniprov::client::transport::ESP_CONSOLE_MAX_LINE, |n| {
                    n as usize
                });
            Ok((
                Box::new(Console {
                    js,
                    session,
                    echoed,
                    max_line,
                    synced: false,
                }),
                TransportKind::Console,
            ))
        }
        other => Err(protocol(&format!("unknown transport kind {other:?}"))),
    }
}

/// A JavaScript object whose methods return promises.
struct JsObject(JsValue);

impl JsObject {
    /// Calls `self.method(args…)` and awaits the promise it returns (a plain value is taken
    /// as it is); a rejection becomes a [`TransportError`].
    async fn call(&self, method: &str, args: &[JsValue]) -> Result<JsValue, TransportError> {
        let function: Function = get(&self.0, method)
            .dyn_into()
            .map_err(|_| protocol(&format!("the transport has no {method}()")))?;
        let array = args.iter().collect::<js_sys::Array>();
        let returned = function
            .apply(&self.0, &array)
            .map_err(rejection_to_error)?;
        let value = match returned.dyn_into::<Promise>() {
            Ok(promise) => JsFuture::from(promise).await.map_err(rejection_to_error)?,
            Err(plain) => plain,
        };
        Ok(value)
    }

    async fn call_for_bytes(
        &self,
        method: &str,
        args: &[JsValue],
    ) -> Result<Vec<u8>, TransportError> {
        let value = self.call(method, args).await?;
        bytes_of(&value).ok_or_else(|| protocol(&format!("{method}() did not give bytes")))
    }
}

/// `POST /<endpoint>` through `fetch`.
struct Http(JsObject);

#[async_trait::async_trait(?Send)]
impl ClientTransport for Http {
    async fn request(&mut self, endpoint: &str, body: &[u8]) -> Result<Vec<u8>, TransportError> {
        let body = Uint8Array::from(body);
        self.0
            .call_for_bytes("request", &[endpoint.into(), body.into()])
            .await
    }
}

/// GATT characteristics, mapped to endpoints on first use.
struct Ble {
    js: JsObject,
    endpoints: Option<EndpointMap>,
}

impl Ble {
    async fn discover(&mut self) -> Result<&EndpointMap, TransportError> {
        if self.endpoints.is_none() {
            let found = self.js.call("discover", &[]).await?;
            let service = discovered_service(&found)?;
            self.endpoints = Some(EndpointMap::new(&service));
        }
        self.endpoints
            .as_ref()
            .ok_or_else(|| protocol("no provisioning service"))
    }
}

#[async_trait::async_trait(?Send)]
impl ClientTransport for Ble {
    async fn request(&mut self, endpoint: &str, body: &[u8]) -> Result<Vec<u8>, TransportError> {
        let uuid = self
            .discover()
            .await?
            .resolve(endpoint)
            .ok_or_else(|| TransportError::NoEndpoint(endpoint.to_owned()))?;
        let body = Uint8Array::from(body);
        self.js
            .call_for_bytes("exchange", &[uuid.to_string().into(), body.into()])
            .await
    }

    async fn close(&mut self) {
        let _ = self.js.call("close", &[]).await;
    }
}

/// The service and characteristics `discover()` listed.
fn discovered_service(found: &JsValue) -> Result<DiscoveredService, TransportError> {
    let uuid = |value: JsValue| {
        value
            .as_string()
            .and_then(|text| Uuid::parse_str(&text).ok())
            .ok_or_else(|| protocol("discover() gave a malformed UUID"))
    };
    let service = uuid(get(found, "service"))?;
    let list: js_sys::Array = get(found, "characteristics")
        .dyn_into()
        .map_err(|_| protocol("discover() gave no characteristics"))?;
    let characteristics = list
        .iter()
        .map(|entry| {
            Ok(DiscoveredCharacteristic {
                uuid: uuid(get(&entry, "uuid"))?,
                user_description: bytes_of(&get(&entry, "description")),
            })
        })
        .collect::<Result<_, TransportError>>()?;
    Ok(DiscoveredService {
        uuid: service,
        characteristics,
    })
}

/// A prompted console on a serial port (§9.3): the page moves bytes, the lines are Rust's.
struct Console {
    js: JsObject,
    session: u32,
    echoed: bool,
    max_line: usize,
    synced: bool,
}

impl Console {
    /// Ends whatever is left in the device's line buffer (an empty line prints only a prompt)
    /// and drops the output that came before; once, before the first request. The CR must
    /// reach the device alone.
    async fn sync(&mut self) -> Result<(), TransportError> {
        self.write(LINE_END).await?;
        self.js.call("readUntilPrompt", &[]).await?;
        let quiet = u32::try_from(QUIET.as_millis()).unwrap_or(u32::MAX);
        self.js.call("drain", &[quiet.into()]).await?;
        self.synced = true;
        Ok(())
    }

    async fn write(&self, bytes: &[u8]) -> Result<(), TransportError> {
        self.js
            .call("write", &[Uint8Array::from(bytes).into()])
            .await
            .map(drop)
    }
}

#[async_trait::async_trait(?Send)]
impl ClientTransport for Console {
    async fn request(&mut self, endpoint: &str, body: &[u8]) -> Result<Vec<u8>, TransportError> {
        let line = RequestLine::new(endpoint, self.session, body)?;
        line.check_fits(endpoint, self.max_line)?;
        if !self.synced {
            self.sync().await?;
        }
        // One write: the CR must be the last byte of the burst that carries the line.
        self.write(&line.to_send()).await?;
        loop {
            let output = self.js.call_for_bytes("readUntilPrompt", &[]).await?;
            if let Some(rest) = line.after_echo(&output, self.echoed) {
                return parse_response(rest);
            }
        }
    }

    async fn close(&mut self) {
        let _ = self.js.call("close", &[]).await;
    }
}

/// A transport's rejection `{ kind, … }` as the library's error (docs/web-api.md).
fn rejection_to_error(reason: JsValue) -> TransportError {
    let kind = get(&reason, "kind").as_string().unwrap_or_default();
    let message = get(&reason, "message")
        .as_string()
        .unwrap_or_else(|| "the transport failed".to_owned());
    match kind.as_str() {
        "closed" => TransportError::ClosedWithoutResponse,
        "unreachable" => TransportError::Unreachable {
            target: "the device".to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotConnected, message),
        },
        "timeout" => TransportError::Timeout,
        "busy" => TransportError::Busy {
            retry_after: get(&reason, "retryAfter")
                .as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64),
        },
        "no_endpoint" => TransportError::NoEndpoint(
            get(&reason, "endpoint")
                .as_string()
                .unwrap_or_else(|| "?".to_owned()),
        ),
        "http" => TransportError::Http(
            get(&reason, "status")
                .as_f64()
                .and_then(|s| u16::try_from(s as i64).ok())
                .unwrap_or(0),
        ),
        _ => TransportError::Protocol(message),
    }
}

fn bytes_of(value: &JsValue) -> Option<Vec<u8>> {
    if let Some(array) = value.dyn_ref::<Uint8Array>() {
        return Some(array.to_vec());
    }
    if let Some(buffer) = value.dyn_ref::<js_sys::ArrayBuffer>() {
        return Some(Uint8Array::new(buffer).to_vec());
    }
    // A DataView (what Web Bluetooth's readValue() resolves to).
    let view = value.dyn_ref::<js_sys::DataView>()?;
    let bytes = Uint8Array::new_with_byte_offset_and_length(
        &view.buffer(),
        u32::try_from(view.byte_offset()).ok()?,
        u32::try_from(view.byte_length()).ok()?,
    );
    Some(bytes.to_vec())
}

/// `object[key]`, `undefined` when absent or when `object` is not an object.
pub fn get(object: &JsValue, key: &str) -> JsValue {
    if !object.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn protocol(message: &str) -> TransportError {
    TransportError::Protocol(message.to_owned())
}
