//! The apps' HTTP (docs/apps.md §4): `POST /<endpoint>` with `Content-type:
//! application/x-www-form-urlencoded`, `Accept: text/plain`, a keep-alive connection, and the
//! cookies of every `Set-Cookie` sent back joined with `;` (Android's process-wide store).
//! Written on a plain TCP socket so every header is the app's.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One app's HTTP connection and cookie store.
pub struct AppHttp {
    addr: SocketAddr,
    conn: Option<BufReader<TcpStream>>,
    cookies: BTreeMap<String, String>,
}

impl AppHttp {
    pub fn new(addr: SocketAddr) -> Self {
        AppHttp {
            addr,
            conn: None,
            cookies: BTreeMap::new(),
        }
    }

    /// POSTs `body` to `/<endpoint>`; returns the body of a 200 answer, or an error (a closed
    /// connection or another status: the app reads the body only on 200).
    pub async fn post(&mut self, endpoint: &str, body: &[u8]) -> io::Result<Vec<u8>> {
        let mut request = format!(
            "POST /{endpoint} HTTP/1.1\r\nHost: {}\r\nContent-type: application/x-www-form-urlencoded\r\nAccept: text/plain\r\nConnection: keep-alive\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if !self.cookies.is_empty() {
            let joined: Vec<String> = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            request.push_str(&format!("Cookie: {}\r\n", joined.join(";")));
        }
        request.push_str("\r\n");
        if self.conn.is_none() {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            self.conn = Some(BufReader::new(stream));
        }
        let result = self.exchange(request.as_bytes(), body).await;
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    async fn exchange(&mut self, head: &[u8], body: &[u8]) -> io::Result<Vec<u8>> {
        let conn = self.conn.as_mut().expect("connected");
        // One write: a body written after the head would wait for the head's delayed ACK
        // (Nagle), 40 ms per request on loopback.
        conn.get_mut().write_all(&[head, body].concat()).await?;
        let head = read_head(conn).await?;
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap_or_default();
        let code = status.split(' ').nth(1).unwrap_or_default();
        let mut length = 0usize;
        let mut close = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => {
                    length = value.parse().map_err(|_| bad("Content-Length"))?;
                }
                "set-cookie" => {
                    let pair = value.split(';').next().unwrap_or_default();
                    if let Some((k, v)) = pair.split_once('=') {
                        self.cookies
                            .insert(k.trim().to_string(), v.trim().to_string());
                    }
                }
                "connection" => close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let mut answer = vec![0u8; length];
        conn.read_exact(&mut answer).await?;
        if close {
            self.conn = None;
        }
        if code != "200" {
            return Err(bad(&format!("HTTP status {code}")));
        }
        Ok(answer)
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// Reads up to and including the blank line after the headers.
async fn read_head(conn: &mut BufReader<TcpStream>) -> io::Result<String> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        if conn.read(&mut byte).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed without an answer",
            ));
        }
        head.push(byte[0]);
        if head.len() > 16 * 1024 {
            return Err(bad("header too long"));
        }
    }
    String::from_utf8(head).map_err(|_| bad("header not UTF-8"))
}
