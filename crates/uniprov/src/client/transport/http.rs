//! The HTTP client transport (§9.1, §13): one keep-alive connection, the session cookie echoed
//! on every request, headers like esp_prov's.
//!
//! Retries are limited to the one case where they are safe: the request never left this
//! process because the server had already closed the idle keep-alive connection. A connection
//! that closes *after* a request was written is the device refusing it (§3.3), reported as
//! [`TransportError::ClosedWithoutResponse`] and never retried: resending a handshake message
//! would restart or break the handshake.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderValue, ACCEPT, CONTENT_TYPE, COOKIE, HOST, SET_COOKIE};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tracing::Instrument;

use super::{ClientTransport, TransportError};

/// Timeouts and limits of the HTTP client.
#[derive(Debug, Clone)]
pub struct HttpClientConfig {
    /// Time to establish a TCP connection.
    pub connect_timeout: Duration,
    /// Time from sending a request to having its whole response (esp_prov: 60 s).
    pub request_timeout: Duration,
    /// Largest response body accepted.
    pub max_response: usize,
}

impl Default for HttpClientConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_response: 1 << 20,
        }
    }
}

/// The HTTP client transport.
#[derive(Debug)]
pub struct HttpClient {
    host: String,
    port: u16,
    authority: HeaderValue,
    config: HttpClientConfig,
    sender: Option<SendRequest<Full<Bytes>>>,
    cookie: Option<HeaderValue>,
}

impl HttpClient {
    /// Connects to `service`, written `host[:port]` (port 80 by default; IPv6 in brackets,
    /// `[fe80::1]:8080`), as esp_prov's `--service_name`.
    pub async fn connect(service: &str, config: HttpClientConfig) -> Result<Self, TransportError> {
        let (host, port) = parse_service(service)
            .ok_or_else(|| TransportError::Protocol(format!("bad host[:port] {service:?}")))?;
        let authority = HeaderValue::from_str(service.trim())
            .map_err(|_| TransportError::Protocol(format!("bad host[:port] {service:?}")))?;
        let mut client = Self {
            host,
            port,
            authority,
            config,
            sender: None,
            cookie: None,
        };
        client.reconnect().await?;
        Ok(client)
    }

    /// The session cookie the device set (`session=<id>`), if any.
    pub fn cookie(&self) -> Option<&str> {
        self.cookie.as_ref().and_then(|value| value.to_str().ok())
    }

    async fn reconnect(&mut self) -> Result<(), TransportError> {
        self.sender = None;
        let target = format!("{}:{}", self.host, self.port);
        let connect = TcpStream::connect((self.host.as_str(), self.port));
        let stream = match tokio::time::timeout(self.config.connect_timeout, connect).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(source)) => return Err(TransportError::Unreachable { target, source }),
            Err(_) => {
                let source = std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out");
                return Err(TransportError::Unreachable { target, source });
            }
        };
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::Builder::new()
            .title_case_headers(true)
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|error| TransportError::Protocol(error.to_string()))?;
        let span = tracing::debug_span!("http-client", %target);
        tokio::spawn(
            async move {
                if let Err(error) = connection.await {
                    tracing::debug!(%error, "connection ended");
                }
            }
            .instrument(span),
        );
        self.sender = Some(sender);
        Ok(())
    }

    fn build(&self, endpoint: &str, body: &[u8]) -> Result<Request<Full<Bytes>>, TransportError> {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(format!("/{endpoint}"))
            .header(HOST, self.authority.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "text/plain");
        if let Some(cookie) = &self.cookie {
            builder = builder.header(COOKIE, cookie.clone());
        }
        builder
            .body(Full::new(Bytes::copy_from_slice(body)))
            .map_err(|error| {
                TransportError::Protocol(format!("bad endpoint {endpoint:?}: {error}"))
            })
    }

    async fn exchange(&mut self, endpoint: &str, body: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut request = self.build(endpoint, body)?;
        let mut retried = false;
        let response = loop {
            let usable = match self.sender.as_mut() {
                Some(sender) => sender.ready().await.is_ok(),
                None => false,
            };
            if !usable {
                self.reconnect().await?;
            }
            let Some(sender) = self.sender.as_mut() else {
                return Err(TransportError::ClosedWithoutResponse);
            };
            match sender.try_send_request(request).await {
                Ok(response) => break response,
                Err(mut error) => {
                    self.sender = None;
                    match error.take_message() {
                        // Never written: the keep-alive connection was already gone.
                        Some(unsent) if !retried => {
                            tracing::debug!("idle connection was closed, reconnecting");
                            retried = true;
                            request = unsent;
                        }
                        _ => return Err(classify(error.error())),
                    }
                }
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(hyper::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
            .map(std::time::Duration::from_secs);
        if let Some(cookie) = response.headers().get(SET_COOKIE) {
            self.cookie = cookie_pair(cookie);
        }
        let limited = Limited::new(response.into_body(), self.config.max_response);
        let body = match limited.collect().await {
            Ok(collected) => collected.to_bytes().to_vec(),
            Err(error) => {
                self.sender = None;
                return Err(match error.downcast_ref::<hyper::Error>() {
                    Some(error) => classify(error),
                    None => TransportError::Protocol(error.to_string()),
                });
            }
        };
        if status == StatusCode::NOT_FOUND {
            return Err(TransportError::NoEndpoint(endpoint.to_owned()));
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            // A uniprov device's guessing limit (not a wrong secret); the connection closes.
            self.sender = None;
            return Err(TransportError::Busy { retry_after });
        }
        if status != StatusCode::OK {
            return Err(TransportError::Http(status.as_u16()));
        }
        Ok(body)
    }
}

#[async_trait::async_trait]
impl ClientTransport for HttpClient {
    async fn request(&mut self, endpoint: &str, body: &[u8]) -> Result<Vec<u8>, TransportError> {
        let timeout = self.config.request_timeout;
        match tokio::time::timeout(timeout, self.exchange(endpoint, body)).await {
            Ok(result) => result,
            Err(_) => {
                // The connection may still deliver a stale response: never reuse it.
                self.sender = None;
                Err(TransportError::Timeout)
            }
        }
    }
}

/// A hyper error after the request was (possibly) written.
fn classify(error: &hyper::Error) -> TransportError {
    if error.is_incomplete_message() || error.is_canceled() || error.is_closed() {
        return TransportError::ClosedWithoutResponse;
    }
    let io = std::error::Error::source(error).and_then(|s| s.downcast_ref::<std::io::Error>());
    match io.map(std::io::Error::kind) {
        Some(
            std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::UnexpectedEof,
        ) => TransportError::ClosedWithoutResponse,
        _ => TransportError::Protocol(error.to_string()),
    }
}

/// The `name=value` part of a `Set-Cookie` value (attributes after `;` dropped); esp_prov
/// echoes the value verbatim, which is the same for the attribute-free cookies devices send.
fn cookie_pair(set_cookie: &HeaderValue) -> Option<HeaderValue> {
    let bytes = set_cookie.as_bytes();
    let end = bytes.iter().position(|&b| b == b';').unwrap_or(bytes.len());
    let pair = bytes.get(..end)?.trim_ascii();
    HeaderValue::from_bytes(pair).ok()
}

/// Splits `host[:port]` (default port 80; `[v6]` or `[v6]:port` for IPv6).
fn parse_service(service: &str) -> Option<(String, u16)> {
    let service = service.trim();
    if let Some(rest) = service.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after {
            "" => 80,
            _ => after.strip_prefix(':')?.parse().ok()?,
        };
        return Some((host.to_owned(), port));
    }
    match service.rsplit_once(':') {
        _ if service.is_empty() => None,
        Some((host, _)) if host.contains(':') => Some((service.to_owned(), 80)),
        Some((host, port)) if !host.is_empty() => Some((host.to_owned(), port.parse().ok()?)),
        Some(_) => None,
        None => Some((service.to_owned(), 80)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_like_esp_prov() {
        let parse = |s| parse_service(s);
        assert_eq!(parse("192.168.4.1"), Some(("192.168.4.1".into(), 80)));
        assert_eq!(
            parse("192.168.4.1:8080"),
            Some(("192.168.4.1".into(), 8080))
        );
        assert_eq!(parse("device.local"), Some(("device.local".into(), 80)));
        assert_eq!(parse("[::1]:81"), Some(("::1".into(), 81)));
        assert_eq!(parse("[::1]"), Some(("::1".into(), 80)));
        assert_eq!(parse("::1"), Some(("::1".into(), 80)));
        assert_eq!(parse("host:x"), None);
        assert_eq!(parse(":80"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn cookie_attributes_are_dropped() {
        let pair = |s: &'static str| cookie_pair(&HeaderValue::from_static(s));
        assert_eq!(
            pair("session=12"),
            Some(HeaderValue::from_static("session=12"))
        );
        assert_eq!(
            pair("session=12; Path=/"),
            Some(HeaderValue::from_static("session=12"))
        );
    }
}
