//! The HTTP transport (§9.1): `POST /<endpoint>` with the raw endpoint bytes as body.
//!
//! Wire behaviour, as esp_http_server + `protocomm_httpd.c` do it:
//!
//! * only `POST` (anything else: `405 Method Not Allowed`, then the connection closes), unless
//!   a [`StaticSite`] is configured ([`HttpConfig::site`]): then `GET` and `HEAD` are answered
//!   from the site (`static_site.rs`: the page, or `404`) on a kept-alive connection, and only
//!   other methods get the `405`. With a [`CaptivePortal`] ([`HttpConfig::captive`]) too, the
//!   phones' connectivity checks are redirected to the page (`captive.rs`). `POST` is handled
//!   the same with or without a site, so ESP clients (esp_prov, the phone apps) never notice
//!   the page;
//! * `Content-Length` is required and must be `1..=max_body` (ESP-IDF: 4096). A request with a
//!   missing, zero or oversized length, or with `Transfer-Encoding`, is **refused without
//!   reading its body**: the connection closes without any response, which is what ESP-IDF does
//!   for these cases (its URI handler fails before reading), and what a refused request looks
//!   like anyway (§3.3). No 413: a client cannot tell the two apart on ESP-IDF either;
//! * a success answers `HTTP/1.1 200 OK`, `Content-Type: text/html`, `Content-Length: n`, then
//!   `Set-Cookie: session=<u32>` on the first response of a new session, in exactly this order,
//!   and nothing else (no `Date`);
//! * a refusal (the manager answers [`Answer::Refused`]) closes the connection without writing a
//!   byte;
//! * a handshake request of a peer in guessing-limit backoff ([`Answer::Backoff`], not an ESP-IDF
//!   behaviour: ESP-IDF has no limit) is answered `429 Too Many Requests` with `Retry-After:
//!   <seconds>` and `Connection: close`, so clients can tell it from a wrong PoP / password
//!   (closed connection). ESP clients see a failed request either way (esp_prov reports the
//!   status code).
//!
//! Unknown endpoints are forwarded like any other; the manager refuses them.
//!
//! Sessions (ESP-IDF's rules, but several at once instead of one, §7 item 10):
//!
//! * a `Cookie` header whose **entire value** is `session=<decimal cookie>` of a live session
//!   continues that session, from any connection; any other `Cookie` header (attributes,
//!   several cookies, leading zeros, an unknown or forgotten id) starts a new session, even on
//!   a connection bound to one;
//! * without a `Cookie` header, a request continues the session of its connection;
//! * otherwise a new session starts with a random cookie (drawn from the device's
//!   [`Entropy`]), announced by `Set-Cookie` on that
//!   request's response (whatever the endpoint, even `proto-ver`);
//! * at most [`HttpConfig::max_tracked_sessions`] sessions are remembered; the least recently
//!   used one is forgotten ([`TransportEvent::SessionClosed`]) to make room. Closing a
//!   connection forgets nothing: the cookie keeps the session.
//!
//! # Mounting into your own server
//!
//! [`HttpTransport::serve`] runs a complete server. To serve the provisioning endpoints from an
//! application's own hyper server instead (the analogue of ESP-IDF's
//! `*_scheme_softap_set_httpd_handle`), create one [`HttpConnection`] per accepted TCP
//! connection with [`HttpTransport::connection`] and either use it as the hyper `Service` of
//! that connection, or call [`HttpConnection::handle`] from your own service for the requests
//! you route to provisioning. An `Err(Refused)` must close the connection without a response:
//! returning the error from a hyper service does exactly that. Frameworks that cannot drop a
//! connection (axum handlers) can only approximate it, e.g. with an empty `500`, which
//! ESP-IDF clients treat as a failure too. Your server's own limits and timeouts then apply;
//! only `max_body` and `body_read_timeout` of [`HttpConfig`] are still enforced by `handle`.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Incoming};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, SET_COOKIE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tracing::Instrument;

use super::accept::accept_within_limit;
use super::captive::CaptivePortal;
use super::http_io::{Activity, DeadlineIo};
use super::http_sessions::SessionTable;
use super::open::{stopped, OpenContext, OpenError, Opened};
use super::static_site::StaticSite;
use super::{ask_from, session_id, Answer, RequestQueue, SessionId, TransportEvent};
use crate::entropy::{OsEntropy, SharedEntropy};
use uniprov_core::Entropy;

/// Limits and timeouts of the HTTP transport.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Where [`HttpTransport::bind`] listens (ESP-IDF: port 80 on the SoftAP, `192.168.4.1`).
    pub listen: SocketAddr,
    /// Largest accepted request body (ESP-IDF: 4096 bytes).
    pub max_body: usize,
    /// Connections served at once; further connections wait in the listen backlog until one
    /// closes (ESP-IDF instead evicts its single open socket).
    pub max_connections: usize,
    /// Time a client has to send a complete request head once it started sending it.
    pub header_read_timeout: Duration,
    /// Time a client has to send the complete body once the head arrived.
    pub body_read_timeout: Duration,
    /// Time a keep-alive connection may stay silent between requests.
    pub idle_timeout: Duration,
    /// Cookie sessions remembered at once; the least recently used is forgotten first.
    pub max_tracked_sessions: usize,
    /// Largest accepted request head (ESP-IDF: 1024-byte header lines).
    pub max_header_bytes: usize,
    /// Files served on `GET` / `HEAD` (the browser provisioning page); `None`, the default:
    /// every method but `POST` is a `405`, as on ESP-IDF.
    pub site: Option<Arc<StaticSite>>,
    /// With a [`site`](Self::site): answer the phones' connectivity checks (and any `GET` for
    /// another host) with a redirect to the page (`captive.rs`). `None`, the default: no
    /// redirects.
    pub captive: Option<CaptivePortal>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 80)),
            max_body: 4096,
            max_connections: 32,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_tracked_sessions: 16,
            max_header_bytes: 8192,
            site: None,
            captive: None,
        }
    }
}

/// The request was refused: close the connection without writing a response (§3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("request refused: close the connection without a response")]
pub struct Refused;

struct Shared {
    config: HttpConfig,
    queue: RequestQueue,
    sessions: Mutex<SessionTable>,
    /// Where new session cookies come from.
    entropy: SharedEntropy,
}

/// The HTTP transport: a server for [`HttpTransport::serve`], or a source of per-connection
/// services for an application's own server ([`HttpTransport::connection`]). Cheap to clone.
#[derive(Clone)]
pub struct HttpTransport {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTransport")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl HttpTransport {
    /// A transport that sends its events to `queue`; its session cookies come from the OS
    /// generator.
    pub fn new(config: HttpConfig, queue: RequestQueue) -> Self {
        Self::with_entropy(config, queue, SharedEntropy::new(Box::new(OsEntropy)))
    }

    /// A transport whose session cookies come from `entropy`.
    pub(crate) fn with_entropy(
        config: HttpConfig,
        queue: RequestQueue,
        entropy: SharedEntropy,
    ) -> Self {
        let sessions = Mutex::new(SessionTable::new(config.max_tracked_sessions));
        Self {
            shared: Arc::new(Shared {
                config,
                queue,
                sessions,
                entropy,
            }),
        }
    }

    /// Binds the listener of a device's HTTP transport (tracking as many sessions as the device
    /// keeps) and returns the server task.
    pub(crate) async fn open(
        mut config: HttpConfig,
        cx: OpenContext<'_>,
    ) -> Result<Opened, OpenError> {
        config.max_tracked_sessions = cx.max_sessions.max(1);
        let transport = Self::with_entropy(config, cx.queue.clone(), cx.entropy.clone());
        let failed = |source| OpenError {
            target: transport.config().listen.to_string(),
            source,
        };
        let listener = transport.bind().await.map_err(failed)?;
        let addr = listener.local_addr().map_err(failed)?;
        tracing::info!(%addr, "HTTP transport listening");
        let task = transport
            .serve(listener, stopped(cx.stop))
            .instrument(tracing::info_span!("http-server", %addr));
        Ok(Opened {
            task: Box::pin(task),
            http_addr: Some(addr),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &HttpConfig {
        &self.shared.config
    }

    /// Binds a listener on [`HttpConfig::listen`].
    pub async fn bind(&self) -> std::io::Result<TcpListener> {
        TcpListener::bind(self.shared.config.listen).await
    }

    /// A fresh per-connection service (see the module docs on mounting).
    pub fn connection(&self, peer: SocketAddr) -> HttpConnection {
        HttpConnection {
            transport: self.clone(),
            peer,
            bound: Arc::new(Mutex::new(None)),
            activity: Arc::new(Activity::default()),
        }
    }

    /// Serves connections from `listener` until `shutdown` completes, then lets the open
    /// connections finish their current request and waits for them.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        let limit = Arc::new(Semaphore::new(self.shared.config.max_connections.max(1)));
        let (stop, stopped) = watch::channel(false);
        let mut connections = JoinSet::new();
        let mut next_id: u64 = 0;
        tokio::pin!(shutdown);
        while let Some((stream, peer, permit)) =
            accept_within_limit(&listener, &limit, &mut shutdown).await
        {
            next_id += 1;
            let span = tracing::info_span!("http", conn = next_id, %peer);
            let connection = self.connection(peer);
            let stopped = stopped.clone();
            connections.spawn(
                async move {
                    connection.run(stream, stopped).await;
                    drop(permit);
                }
                .instrument(span),
            );
            while connections.try_join_next().is_some() {}
        }
        let _ = stop.send(true);
        while connections.join_next().await.is_some() {}
    }
}

/// The per-connection HTTP service: remembers which session the connection is bound to.
///
/// Implements hyper's [`Service`](hyper::service::Service) with `Error = Refused`, so it can be
/// handed to `hyper::server::conn::http1::Builder::serve_connection` directly.
#[derive(Clone)]
pub struct HttpConnection {
    transport: HttpTransport,
    peer: SocketAddr,
    bound: Arc<Mutex<Option<u32>>>,
    activity: Arc<Activity>,
}

impl std::fmt::Debug for HttpConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConnection")
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

impl HttpConnection {
    /// Serves one accepted TCP connection with the transport's limits until it closes or
    /// `stopped` turns true.
    async fn run(self, stream: tokio::net::TcpStream, mut stopped: watch::Receiver<bool>) {
        let config = &self.transport.shared.config;
        let io = DeadlineIo::new(
            stream,
            Arc::clone(&self.activity),
            config.idle_timeout,
            config.header_read_timeout,
        );
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(None)
            .auto_date_header(false)
            .title_case_headers(true)
            .max_header_size(config.max_header_bytes)
            .keep_alive(true);
        let conn = builder.serve_connection(TokioIo::new(io), self);
        tokio::pin!(conn);
        tracing::debug!("connection open");
        let result = tokio::select! {
            result = conn.as_mut() => result,
            () = async { drop(stopped.wait_for(|stop| *stop).await) } => {
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        };
        match result {
            Ok(()) => tracing::debug!("connection closed"),
            Err(error) => tracing::debug!(%error, "connection closed"),
        }
    }

    /// Handles one request: `Ok` is the response to write, `Err(Refused)` means close the
    /// connection without any response.
    pub async fn handle<B>(&self, request: Request<B>) -> Result<Response<Full<Bytes>>, Refused>
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let _busy = self.activity.busy();
        if request.method() != Method::POST {
            return Ok(self.not_a_post(&request));
        }
        let endpoint = request.uri().path().strip_prefix('/').unwrap_or_default();
        if endpoint.is_empty() {
            tracing::debug!("no endpoint in path");
            return Err(Refused);
        }
        let endpoint = endpoint.to_owned();
        let config = &self.transport.shared.config;
        let length = declared_length(&request).ok_or_else(|| {
            tracing::debug!(%endpoint, "missing or invalid Content-Length");
            Refused
        })?;
        if length == 0 || length > config.max_body {
            tracing::debug!(%endpoint, length, "body length out of range");
            return Err(Refused);
        }
        let cookie = cookie_header(&request);
        let body = Limited::new(request.into_body(), config.max_body);
        let body = match tokio::time::timeout(config.body_read_timeout, body.collect()).await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(error)) => {
                tracing::debug!(%endpoint, %error, "body read failed");
                return Err(Refused);
            }
            Err(_) => {
                tracing::debug!(%endpoint, "body read timed out");
                return Err(Refused);
            }
        };
        if body.len() != length {
            return Err(Refused);
        }
        let (session, new_cookie) = self.assign_session(cookie.as_deref()).await?;
        let span = tracing::debug_span!("request", session, %endpoint, len = length);
        let answer = ask_from(
            &self.transport.shared.queue,
            Some(self.peer.ip().into()),
            session,
            endpoint,
            body.to_vec(),
        )
        .instrument(span)
        .await;
        match answer {
            Answer::Response(bytes) => Ok(success(bytes, new_cookie)),
            Answer::Refused => {
                tracing::debug!(session, "refused");
                Err(Refused)
            }
            Answer::Backoff { retry_after } => Ok(too_many_requests(retry_after)),
        }
    }

    /// The answer to a request that is not a `POST`: the site's file for `GET` / `HEAD` when
    /// a site is configured, else `405` (and the connection closes).
    fn not_a_post<B>(&self, request: &Request<B>) -> Response<Full<Bytes>> {
        let config = &self.transport.shared.config;
        let method = request.method();
        match config.site.as_deref() {
            Some(site) if method == Method::GET || method == Method::HEAD => {
                let path = request.uri().path();
                let host = host_of(request);
                if let Some(portal) = config.captive.as_ref().filter(|p| p.redirects(host, path)) {
                    tracing::debug!(%method, host, path, "connectivity check: redirected to the page");
                    return portal.redirect();
                }
                let response = site.respond(path);
                tracing::debug!(%method, path, status = response.status().as_u16(), "page");
                response
            }
            Some(_) => method_not_allowed("GET, HEAD, POST"),
            None => method_not_allowed("POST"),
        }
    }

    /// Finds or creates the request's session and tells the manager about new and forgotten
    /// sessions. Returns the session and, for a new one, its cookie.
    async fn assign_session(
        &self,
        cookie: Option<&[u8]>,
    ) -> Result<(SessionId, Option<u32>), Refused> {
        let bound = *self.bound.lock().map_err(|_| Refused)?;
        let mut entropy = self.transport.shared.entropy.clone();
        let assignment = self
            .transport
            .shared
            .sessions
            .lock()
            .map_err(|_| Refused)?
            .assign(cookie, bound, || {
                let mut bytes = [0u8; 4];
                entropy.fill(&mut bytes);
                u32::from_le_bytes(bytes)
            });
        *self.bound.lock().map_err(|_| Refused)? = Some(assignment.cookie);
        let session = session_id::http(assignment.cookie);
        let queue = &self.transport.shared.queue;
        if let Some(evicted) = assignment.evicted {
            let evicted = session_id::http(evicted);
            tracing::debug!(session = evicted, "session forgotten (least recently used)");
            let event = TransportEvent::SessionClosed(evicted);
            queue.send(event).await.map_err(|_| Refused)?;
        }
        if !assignment.is_new {
            return Ok((session, None));
        }
        tracing::debug!(session, "new session");
        let event = TransportEvent::SessionOpened(session);
        queue.send(event).await.map_err(|_| Refused)?;
        Ok((session, Some(assignment.cookie)))
    }
}

impl hyper::service::Service<Request<Incoming>> for HttpConnection {
    type Response = Response<Full<Bytes>>;
    type Error = Refused;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Refused>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { this.handle(request).await })
    }
}

/// The request's host: the `Host` header, else the authority of an absolute request target.
fn host_of<B>(request: &Request<B>) -> Option<&str> {
    match request.headers().get(hyper::header::HOST) {
        Some(value) => value.to_str().ok(),
        None => request.uri().authority().map(|a| a.as_str()),
    }
}

/// The declared body length: `Content-Length` present, valid and not combined with
/// `Transfer-Encoding`.
fn declared_length<B>(request: &Request<B>) -> Option<usize> {
    let headers = request.headers();
    if headers.contains_key(hyper::header::TRANSFER_ENCODING) {
        return None;
    }
    let mut values = headers.get_all(CONTENT_LENGTH).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    value.to_str().ok()?.parse().ok()
}

/// The `Cookie` header value: `None` without one; several headers count as a non-matching
/// value (ESP-IDF reads one bounded header value and compares it whole).
fn cookie_header<B>(request: &Request<B>) -> Option<Vec<u8>> {
    let mut values = request.headers().get_all(COOKIE).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return Some(Vec::new());
    }
    Some(first.as_bytes().to_vec())
}

fn success(body: Vec<u8>, new_cookie: Option<u32>) -> Response<Full<Bytes>> {
    let length = body.len();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    let headers = response.headers_mut();
    // Insertion order is wire order (§9.1): Content-Type, Content-Length, Set-Cookie.
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    if let Some(cookie) = new_cookie {
        let value = format!("session={cookie}");
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(SET_COOKIE, value);
        }
    }
    response
}

/// `429 Too Many Requests` with `Retry-After` in whole seconds (rounded up, at least 1), then
/// the connection closes.
fn too_many_requests(retry_after: Duration) -> Response<Full<Bytes>> {
    let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let body = format!("Too many failed handshakes: retry in {seconds} s");
    let length = body.len();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(hyper::header::RETRY_AFTER, HeaderValue::from(seconds));
    headers.insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn method_not_allowed(allow: &'static str) -> Response<Full<Bytes>> {
    const BODY: &str = "Request method for this URI is not allowed";
    let mut response = Response::new(Full::new(Bytes::from_static(BODY.as_bytes())));
    *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(BODY.len()));
    headers.insert(hyper::header::ALLOW, HeaderValue::from_static(allow));
    headers.insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    response
}
