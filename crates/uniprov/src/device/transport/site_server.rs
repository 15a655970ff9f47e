//! A server for a [`StaticSite`] alone (`uniprov web`: the provisioning page on localhost for
//! Web Bluetooth and Web Serial, which need a secure context such as `http://127.0.0.1`).
//! `GET` / `HEAD` are answered from the site (the same responses as the device's HTTP
//! transport), every other method with `405`. No provisioning endpoint is served.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ALLOW, CONNECTION};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::accept::accept_within_limit;
use super::static_site::{page_response, StaticSite};

/// Connections served at once; more wait in the listen backlog.
const MAX_CONNECTIONS: usize = 64;
/// Time a client has to send a request head.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `site` on `listener` until `shutdown` completes; open connections are dropped then.
pub async fn serve_site(
    listener: TcpListener,
    site: Arc<StaticSite>,
    shutdown: impl Future<Output = ()>,
) {
    let limit = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    while let Some((stream, peer, permit)) =
        accept_within_limit(&listener, &limit, &mut shutdown).await
    {
        let site = Arc::clone(&site);
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let response = answer(&site, &request);
                tracing::debug!(%peer, method = %request.method(), path = request.uri().path(),
                    status = response.status().as_u16(), "page");
                async move { Ok::<_, std::convert::Infallible>(response) }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .keep_alive(true);
            if let Err(error) = builder
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%peer, %error, "connection closed");
            }
            drop(permit);
        });
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
}

/// The site's answer to one request.
fn answer<B>(site: &StaticSite, request: &Request<B>) -> Response<Full<Bytes>> {
    let method = request.method();
    if method == Method::GET || method == Method::HEAD {
        return site.respond(request.uri().path());
    }
    let mut response = page_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "text/plain; charset=utf-8",
        Bytes::from_static(b"Method not allowed\n"),
    );
    let headers = response.headers_mut();
    headers.insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
    response
}
