//! The wpa_supplicant control socket: a unix datagram socket per client, bound to an abstract
//! address (so nothing is left in the file system) and connected to the daemon's socket
//! (`/run/wpa_supplicant/<iface>`). One datagram is one command or one reply; an attached socket
//! also receives events (`<level>CTRL-EVENT-...`).

use std::io;
use std::os::linux::net::SocketAddrExt;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::net::UnixDatagram;

/// How long a command may wait for its reply.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);
/// wpa_supplicant's replies fit in 4 KiB (its reply buffer); events are shorter.
const MAX_DATAGRAM: usize = 16 * 1024;

/// One client socket of wpa_supplicant's control interface.
#[derive(Debug)]
pub struct CtrlSocket {
    sock: UnixDatagram,
}

impl CtrlSocket {
    /// Connects to the control socket at `path`.
    pub fn connect(path: &Path) -> io::Result<Self> {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "uniprov-wpa-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
        let sock = std::os::unix::net::UnixDatagram::bind_addr(&addr)?;
        sock.connect(path)?;
        sock.set_nonblocking(true)?;
        Ok(CtrlSocket {
            sock: UnixDatagram::from_std(sock)?,
        })
    }

    /// Sends one command and returns its reply (events, which start with `<`, are skipped).
    pub async fn request(&self, command: &[u8]) -> io::Result<String> {
        self.sock.send(command).await?;
        tokio::time::timeout(REPLY_TIMEOUT, async {
            loop {
                let msg = self.recv().await?;
                if !msg.starts_with('<') {
                    return Ok(msg);
                }
            }
        })
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no reply from wpa_supplicant"))?
    }

    /// Receives the next datagram as text (invalid UTF-8 is replaced).
    pub async fn recv(&self) -> io::Result<String> {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        let n = self.sock.recv(&mut buf).await?;
        buf.truncate(n);
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }
}
