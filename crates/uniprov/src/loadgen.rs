//! A load generator for any protocomm HTTP device: `concurrency` workers each run complete
//! sessions back to back (new TCP connection, `proto-ver`, the security handshake, one
//! encrypted request to a named endpoint, its response decrypted) and the run reports
//! sessions per second and latency percentiles of whole sessions.
//!
//! `examples/loadgen.rs` is the command-line front end (a `uniprov bench` subcommand can call
//! [`run`] the same way). The device must allow `concurrency` sessions at once
//! (`--max-sessions`) or its least recently used sessions are evicted mid-handshake.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use uniprov_core::security::{ClientHandshake, ClientSecurity, ClientStep};

use crate::client::transport::{ClientTransport, HttpClient, HttpClientConfig};
use crate::entropy::OsEntropy;

/// What to run.
#[derive(Debug)]
pub struct LoadConfig {
    /// The device, `host:port`.
    pub target: String,
    /// Security of every session (a template: each session gets its own
    /// [`duplicate`](ClientSecurity::duplicate)).
    pub security: ClientSecurity,
    /// Workers running sessions at once.
    pub concurrency: usize,
    /// Stop after this many sessions in total ...
    pub sessions: Option<usize>,
    /// ... or after this long (whichever comes first; neither: 1000 sessions).
    pub duration: Option<Duration>,
    /// The encrypted request's endpoint (a custom endpoint, or `prov-config`).
    pub endpoint: String,
    /// Its plaintext.
    pub payload: Vec<u8>,
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadReport {
    /// Sessions that completed (response decrypted).
    pub sessions: usize,
    /// Sessions that failed anywhere.
    pub failures: usize,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Completed sessions per second.
    pub sessions_per_s: f64,
    /// Median session latency.
    pub p50: Duration,
    /// 99th percentile session latency.
    pub p99: Duration,
    /// Slowest session.
    pub max: Duration,
}

impl LoadReport {
    /// The report as one JSON object (milliseconds for latencies).
    pub fn to_json(&self) -> serde_json::Value {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        serde_json::json!({
            "sessions": self.sessions,
            "failures": self.failures,
            "elapsed_s": self.elapsed.as_secs_f64(),
            "sessions_per_s": self.sessions_per_s,
            "p50_ms": ms(self.p50),
            "p99_ms": ms(self.p99),
            "max_ms": ms(self.max),
        })
    }
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} sessions ({} failed) in {:.2} s: {:.0} sessions/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.sessions,
            self.failures,
            self.elapsed.as_secs_f64(),
            self.sessions_per_s,
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0,
            self.max.as_secs_f64() * 1000.0,
        )
    }
}

/// Why a session failed (for the count only).
#[derive(Debug)]
struct Failed;

/// One complete session.
async fn session(config: &LoadConfig) -> Result<(), Failed> {
    let mut entropy = OsEntropy;
    let mut transport = HttpClient::connect(&config.target, HttpClientConfig::default())
        .await
        .map_err(|_| Failed)?;
    transport
        .request("proto-ver", b"ESP")
        .await
        .map_err(|_| Failed)?;
    let mut handshake = ClientHandshake::new(config.security.duplicate());
    let mut request = handshake.start(&mut entropy);
    let mut session = loop {
        let response = transport
            .request("prov-session", &request)
            .await
            .map_err(|_| Failed)?;
        match handshake
            .receive(&response, &mut entropy)
            .map_err(|_| Failed)?
        {
            ClientStep::Send(next) => request = next,
            ClientStep::Established(session) => break session,
        }
    };
    let body = session.encrypt(&config.payload).map_err(|_| Failed)?;
    let response = transport
        .request(&config.endpoint, &body)
        .await
        .map_err(|_| Failed)?;
    session.decrypt(&response).map_err(|_| Failed)?;
    Ok(())
}

/// Runs the load and reports.
pub async fn run(config: LoadConfig) -> LoadReport {
    let config = Arc::new(config);
    let limit = match (config.sessions, config.duration) {
        (None, None) => Some(1000),
        (sessions, _) => sessions,
    };
    let started = Instant::now();
    let deadline = config.duration.map(|d| started + d);
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..config.concurrency.max(1) {
        let (config, next) = (Arc::clone(&config), Arc::clone(&next));
        workers.spawn(async move {
            let (mut latencies, mut failures) = (Vec::new(), 0usize);
            loop {
                if limit.is_some_and(|n| next.fetch_add(1, Ordering::Relaxed) >= n)
                    || deadline.is_some_and(|d| Instant::now() >= d)
                {
                    break;
                }
                let t = Instant::now();
                match session(&config).await {
                    Ok(()) => latencies.push(t.elapsed()),
                    Err(Failed) => failures += 1,
                }
            }
            (latencies, failures)
        });
    }
    let (mut latencies, mut failures) = (Vec::new(), 0);
    while let Some(Ok((l, f))) = workers.join_next().await {
        latencies.extend(l);
        failures += f;
    }
    report(latencies, failures, started.elapsed())
}

fn report(mut latencies: Vec<Duration>, failures: usize, elapsed: Duration) -> LoadReport {
    latencies.sort_unstable();
    let pick = |q: f64| -> Duration {
        if latencies.is_empty() {
            return Duration::ZERO;
        }
        let index = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len());
        latencies[index - 1]
    };
    LoadReport {
        sessions: latencies.len(),
        failures,
        elapsed,
        sessions_per_s: latencies.len() as f64 / elapsed.as_secs_f64().max(1e-9),
        p50: pick(0.50),
        p99: pick(0.99),
        max: latencies.last().copied().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let ms = Duration::from_millis;
        let latencies = (1..=100).map(ms).collect();
        let r = report(latencies, 2, Duration::from_secs(2));
        assert_eq!((r.sessions, r.failures), (100, 2));
        assert_eq!((r.p50, r.p99, r.max), (ms(50), ms(99), ms(100)));
        assert!((r.sessions_per_s - 50.0).abs() < 1e-9);
        assert_eq!(report(Vec::new(), 0, ms(1)).p99, Duration::ZERO);
    }
}
