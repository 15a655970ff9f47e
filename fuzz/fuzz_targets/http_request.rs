//! The HTTP transport (§9.1): arbitrary requests through `HttpConnection::handle` on two
//! connections of one `HttpTransport`, answered by an in-process Protocomm device.
//!
//! Input: `flags (1) ‖ selector (1) ‖ device entropy tape (48) ‖ chunks`. `flags` bits 0-1:
//! remembered cookie sessions (1-4), bits 2-3: `max_body` (4096, 16, 1, 65536). The selector
//! picks the security ([`uniprov_testkit::vectors::security::device_any`]). One request per chunk; the op
//! byte: bit 0 the connection, bits 1-3 the method (POST ×4, GET, PUT, HEAD, DELETE), bit 4 a
//! `Content-Length` header, bit 5 that header states a wrong length, bit 6 a
//! `Transfer-Encoding: chunked` header. The body: `path (1 + n) ‖ cookie (1 + n) ‖ payload`,
//! where a path byte below 8 picks a known path and a cookie byte 0 means no `Cookie` header,
//! 1 the last `Set-Cookie` value, 2 a stale cookie, and n ≥ 3 the next n − 3 bytes verbatim.
//!
//! Properties: non-POST requests get `405` with `Allow: POST`; an accepted POST gets `200` with
//! `Content-Type: text/html`, a `Content-Length` equal to the body and at most one well-formed
//! `Set-Cookie`; sessions are opened before use and never opened twice (checked by the
//! responder); no panic.
#![no_main]
#![forbid(unsafe_code)]

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, SET_COOKIE};
use hyper::{Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use tokio::sync::mpsc;
use uniprov::device::transport::{HttpConfig, HttpConnection, HttpTransport};
use uniprov_testkit::entropy::TapeEntropy;
use uniprov_fuzz::input::{Reader, TAPE_LEN};
use uniprov_fuzz::responder;
use uniprov_testkit::vectors::security as vectors;

const BODY_LIMITS: [usize; 4] = [4096, 16, 1, 65536];
const PATHS: [&str; 8] = [
    "/prov-session",
    "/proto-ver",
    "/prov-config",
    "/prov-scan",
    "/custom-data",
    "/",
    "/unknown",
    "/prov-session?x=1#f",
];
const METHODS: [Method; 8] = [
    Method::POST,
    Method::POST,
    Method::POST,
    Method::POST,
    Method::GET,
    Method::PUT,
    Method::HEAD,
    Method::DELETE,
];

struct Client {
    connections: [HttpConnection; 2],
    last_cookie: Option<String>,
}

impl Client {
    /// Builds the chunk's request, or `None` when its bytes make no valid `http::Request`.
    fn request(&self, op: u8, body: &[u8]) -> Option<Request<Full<Bytes>>> {
        let mut r = Reader::new(body);
        let path_sel = r.byte();
        let path: Vec<u8> = match path_sel {
            0..=7 => PATHS[usize::from(path_sel)].as_bytes().to_vec(),
            n => r.take(usize::from(n - 8)).to_vec(),
        };
        let cookie: Option<Vec<u8>> = match r.byte() {
            0 => None,
            1 => self.last_cookie.clone().map(String::into_bytes),
            2 => Some(b"session=1".to_vec()),
            n => Some(r.take(usize::from(n - 3)).to_vec()),
        };
        let payload = Bytes::copy_from_slice(r.rest());
        let mut builder = Request::builder()
            .method(METHODS[usize::from((op >> 1) & 7)].clone())
            .uri(path.as_slice());
        if op & 0x10 != 0 {
            let declared = payload.len() + usize::from(op & 0x20 != 0);
            builder = builder.header(CONTENT_LENGTH, declared);
        }
        if op & 0x40 != 0 {
            builder = builder.header("transfer-encoding", "chunked");
        }
        if let Some(cookie) = cookie {
            builder = builder.header(COOKIE, HeaderValue::from_bytes(&cookie).ok()?);
        }
        builder.body(Full::new(payload)).ok()
    }

    async fn send(&mut self, op: u8, body: &[u8]) {
        let Some(request) = self.request(op, body) else {
            return;
        };
        let post = request.method() == Method::POST;
        let connection = &self.connections[usize::from(op & 1)];
        let Ok(response) = connection.handle(request).await else {
            return;
        };
        if !post {
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
            assert_eq!(response.headers()["allow"], "POST");
            return;
        }
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        assert_eq!(headers[CONTENT_TYPE], "text/html");
        let cookies: Vec<_> = headers.get_all(SET_COOKIE).iter().collect();
        assert!(cookies.len() <= 1, "several Set-Cookie headers");
        if let Some(cookie) = cookies.first() {
            let text = cookie.to_str().unwrap_or_default();
            let id = text.strip_prefix("session=").unwrap_or_default();
            assert!(id.parse::<u32>().is_ok(), "bad Set-Cookie {text:?}");
            self.last_cookie = Some(text.to_owned());
        }
        let Ok(collected) = response.into_body().collect().await;
        let length = collected.to_bytes().len().to_string();
        assert_eq!(headers[CONTENT_LENGTH], length.as_str());
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Reader::new(data);
    let flags = input.byte();
    let security = vectors::device_any(input.byte());
    let entropy = TapeEntropy::new(input.take(TAPE_LEN));
    let remembered = 1 + usize::from(flags & 3);
    let config = HttpConfig {
        max_tracked_sessions: remembered,
        max_body: BODY_LIMITS[usize::from((flags >> 2) & 3)],
        ..HttpConfig::default()
    };
    let runtime = responder::runtime();
    runtime.block_on(async {
        let (queue, events) = mpsc::channel(4);
        let device = tokio::spawn(responder::serve(
            events,
            responder::protocomm(security, 4),
            entropy,
        ));
        let transport = HttpTransport::new(config, queue);
        let peer = |port| SocketAddr::from(([192, 168, 4, 2], port));
        let mut client = Client {
            connections: [
                transport.connection(peer(1000)),
                transport.connection(peer(1001)),
            ],
            last_cookie: None,
        };
        drop(transport);
        while let Some(chunk) = input.chunk() {
            client.send(chunk.op, chunk.body).await;
        }
        drop(client);
        let transcript = responder::finish(device).await;
        assert!(
            transcript.max_open <= remembered,
            "more sessions than remembered"
        );
    });
});
