//! Many app-like handshakes against one device, each proven by one encrypted request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use prost::Message;
use tokio::sync::Mutex;
use uniprov::core::proto::wifi_config::{
    wi_fi_config_payload::Payload as CfgPayload, CmdGetStatus, WiFiConfigMsgType, WiFiConfigPayload,
};

use super::http::AppHttp;
use super::provision::proto_ver;
use super::session::handshake;
use super::srp::{App, Group, Observed};

/// A fresh connection (and cookie store, i.e. a fresh app process) every this many
/// handshakes; in between, the connection is kept alive and its cookie echoed, so the device
/// sees Cmd0 restart an existing session.
const HANDSHAKES_PER_CONNECTION: usize = 8;

/// A progress line on stderr every this many handshakes.
const PROGRESS_EVERY: usize = 1000;

/// The outcome of a run.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub handshakes: usize,
    pub failures: usize,
    pub first_errors: Vec<String>,
    pub short_a: usize,
    pub short_b: usize,
    pub k_leading_zero: usize,
    pub m_leading_zero: usize,
    pub elapsed: Duration,
}

impl Tally {
    fn add(&mut self, result: Result<Observed, String>) {
        self.handshakes += 1;
        match result {
            Ok(o) => {
                self.short_a += usize::from(o.short_a);
                self.short_b += usize::from(o.short_b);
                self.k_leading_zero += usize::from(o.k_leading_zero);
                self.m_leading_zero += usize::from(o.m_leading_zero);
            }
            Err(e) => {
                self.failures += 1;
                if self.first_errors.len() < 5 {
                    self.first_errors.push(e);
                }
            }
        }
    }
}

/// One handshake and one encrypted GetStatus on `http`.
async fn one(
    http: &mut AppHttp,
    group: &Group,
    app: App,
    credentials: (&str, &str),
) -> Result<Observed, String> {
    let a: [u8; 32] = rand::random();
    let (mut session, observed) = handshake(http, group, app, credentials, a).await?;
    let request = WiFiConfigPayload {
        msg: WiFiConfigMsgType::TypeCmdGetStatus as i32,
        payload: Some(CfgPayload::CmdGetStatus(CmdGetStatus {})),
    }
    .encode_to_vec();
    let answer = session.call(http, "prov-config", &request).await?;
    match WiFiConfigPayload::decode(answer.as_slice()).map(|p| p.payload) {
        Ok(Some(CfgPayload::RespGetStatus(_))) => Ok(observed),
        other => Err(format!("GetStatus answer: {other:?}")),
    }
}

/// Runs `count` handshakes of `app` from `concurrency` tasks against `addr`.
pub async fn run(
    addr: SocketAddr,
    app: App,
    credentials: (&'static str, &'static str),
    count: usize,
    concurrency: usize,
) -> Tally {
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (next, tally) = (next.clone(), tally.clone());
        workers.push(tokio::spawn(async move {
            let group = Group::new();
            let mut http: Option<AppHttp> = None;
            let mut on_this_connection = 0;
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                if on_this_connection == HANDSHAKES_PER_CONNECTION {
                    http = None;
                }
                if http.is_none() {
                    let mut fresh = AppHttp::new(addr);
                    if let Err(e) = proto_ver(&mut fresh).await {
                        tally.lock().await.add(Err(e));
                        continue;
                    }
                    http = Some(fresh);
                    on_this_connection = 0;
                }
                let conn = http.as_mut().expect("connected");
                let result = one(conn, &group, app, credentials).await;
                on_this_connection += 1;
                if result.is_err() {
                    http = None;
                }
                let mut tally = tally.lock().await;
                tally.add(result);
                if tally.handshakes % PROGRESS_EVERY == 0 {
                    eprintln!(
                        "{app:?}: {} handshakes, {} failures, {:.0} s",
                        tally.handshakes,
                        tally.failures,
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }));
    }
    for w in workers {
        w.await.expect("worker");
    }
    let mut out = tally.lock().await.clone();
    out.elapsed = started.elapsed();
    out
}
