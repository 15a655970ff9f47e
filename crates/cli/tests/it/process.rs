//! `uniprov device` as a child process for the hardening tests: start it, find its HTTP
//! address, collect its stderr, read its memory and descriptors from `/proc`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;
use tokio::time::Instant;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_uniprov");

/// Lines a child wrote, collected by a background task.
#[derive(Clone, Default)]
pub struct Captured {
    lines: Arc<Mutex<Vec<String>>>,
    count: Option<watch::Sender<usize>>,
}

impl Captured {
    /// Collects the lines of `stream` from now on.
    pub fn collect(stream: impl AsyncRead + Unpin + Send + 'static) -> Captured {
        let (count, _) = watch::channel(0);
        let captured = Captured {
            lines: Arc::default(),
            count: Some(count),
        };
        let sink = captured.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let n = {
                    let mut all = sink.lines.lock().expect("lock");
                    all.push(line);
                    all.len()
                };
                if let Some(count) = &sink.count {
                    count.send_replace(n);
                }
            }
        });
        captured
    }

    /// Everything so far, one string.
    pub fn text(&self) -> String {
        self.lines.lock().expect("lock").join("\n")
    }

    /// Waits until a line satisfies `find` (returning its value) or `timeout` passes.
    pub async fn wait_for<T>(&self, timeout: Duration, find: impl Fn(&str) -> Option<T>) -> T {
        let count = self.count.as_ref().expect("collecting");
        let mut changed = count.subscribe();
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self
                .lines
                .lock()
                .expect("lock")
                .iter()
                .find_map(|l| find(l))
            {
                return found;
            }
            match tokio::time::timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => {}
                _ => panic!("not found within {timeout:?}; output:\n{}", self.text()),
            }
        }
    }
}

/// Starts `uniprov device` with `args`; stdin/stdout piped (console), stderr collected.
pub fn spawn_device(args: &[&str], rust_log: &str, state: &Path) -> (Child, Captured) {
    let mut child = Command::new(BIN)
        .arg("device")
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .env("RUST_LOG", rust_log)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn uniprov device");
    let stderr = Captured::collect(child.stderr.take().expect("stderr"));
    (child, stderr)
}

/// The HTTP address from the `HTTP transport listening addr=...` log line (needs
/// `RUST_LOG` at info for `uniprov`).
pub async fn http_addr(stderr: &Captured) -> SocketAddr {
    stderr
        .wait_for(Duration::from_secs(30), |line| {
            let rest = line.split("HTTP transport listening addr=").nth(1)?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .await
}

/// `VmRSS` of `pid` in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS")
}

/// Open descriptors of `pid`.
pub fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("fd dir")
        .count()
}

/// Polls `probe` until it returns true or `timeout` passes; whether it did.
pub async fn eventually(timeout: Duration, mut probe: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    while Instant::now() < deadline {
        if probe() {
            return true;
        }
        tick.tick().await;
    }
    probe()
}
