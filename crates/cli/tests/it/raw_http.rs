//! A raw HTTP/1.1 client for hostile requests: any bytes, any headers, and a way to tell a
//! response from the device's silent close (§3.3).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long any single exchange may take before the test fails it.
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(20);

/// What came back.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A complete response: status and body.
    Response(u16, Vec<u8>),
    /// The device closed (or reset) the connection without a response.
    Closed,
}

/// A keep-alive connection.
pub struct RawConn {
    stream: TcpStream,
    buffer: Vec<u8>,
    /// The cookie the device set, echoed on later requests when `use_cookie`.
    pub cookie: Option<String>,
}

impl RawConn {
    /// Connects to `addr`.
    pub async fn connect(addr: SocketAddr) -> RawConn {
        let stream = TcpStream::connect(addr).await.expect("connect");
        RawConn {
            stream,
            buffer: Vec::new(),
            cookie: None,
        }
    }

    /// Writes `bytes` as they are (errors ignored: the device may have closed already).
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes).await;
    }

    /// POSTs `body` to `/endpoint`.
    pub async fn post(&mut self, endpoint: &str, body: &[u8]) -> Outcome {
        let cookie = match &self.cookie {
            Some(c) => format!("Cookie: {c}\r\n"),
            None => String::new(),
        };
        let head = format!(
            "POST /{endpoint} HTTP/1.1\r\nHost: device\r\nContent-Length: {}\r\n{cookie}\r\n",
            body.len()
        );
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        self.send_raw(&request).await;
        self.read_response().await
    }

    /// Reads one response, or notices the close.
    pub async fn read_response(&mut self) -> Outcome {
        tokio::time::timeout(EXCHANGE_TIMEOUT, self.read_inner())
            .await
            .expect("the device neither answered nor closed in time")
    }

    async fn read_inner(&mut self) -> Outcome {
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_string();
                let length = header(&head, "content-length")
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                if self.buffer.len() >= end + 4 + length {
                    let body = self.buffer[end + 4..end + 4 + length].to_vec();
                    self.buffer.drain(..end + 4 + length);
                    if let Some(set) = header(&head, "set-cookie") {
                        self.cookie = Some(set);
                    }
                    let status = head
                        .split_whitespace()
                        .nth(1)
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    return Outcome::Response(status, body);
                }
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return Outcome::Closed,
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Half-closes and waits for the device to close too; whether it wrote anything.
    pub async fn finish(mut self) -> Vec<u8> {
        let _ = self.stream.shutdown().await;
        let mut rest = std::mem::take(&mut self.buffer);
        let read = async {
            let mut chunk = [0u8; 4096];
            loop {
                match self.stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => rest.extend_from_slice(&chunk[..n]),
                }
            }
        };
        tokio::time::timeout(EXCHANGE_TIMEOUT, read)
            .await
            .expect("the device never closed");
        rest
    }
}

/// One request on a fresh connection.
pub async fn post_once(addr: SocketAddr, endpoint: &str, body: &[u8]) -> Outcome {
    RawConn::connect(addr).await.post(endpoint, body).await
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_string())
    })
}
