//! Load generator against a protocomm HTTP device (see `uniprov::loadgen`).
//!
//! ```text
//! cargo run --release -p uniprov --example loadgen -- --target 127.0.0.1:8080 \
//!     --sec-ver 2 --sec2-pwd PASSWORD [--sec2-username wifiprov] [--pop POP] \
//!     [--concurrency 16] [--sessions 5000 | --duration-s 60] \
//!     [--endpoint custom-data] [--payload TEXT] [--device-pid PID] [--sample-s 10] [--json]
//! ```
//!
//! With `--device-pid` it also reads the device's CPU time (`/proc/PID/stat` utime + stime,
//! 100 ticks/s) before and after and reports CPU time per session, and samples its `VmRSS`
//! every `--sample-s` seconds (stderr).

use std::collections::HashMap;
use std::time::Duration;

use uniprov::core::security::{ClientSecurity, Sec2Patch, SecVer};
use uniprov::core::Secret;
use uniprov::loadgen::{run, LoadConfig};

fn usage() -> ! {
    eprintln!("usage: loadgen --target HOST:PORT --sec-ver 0|1|2 [--pop P] [--sec2-username U] [--sec2-pwd P] [--sec-patch-ver 0|1] [--concurrency N] [--sessions N | --duration-s S] [--endpoint NAME] [--payload TEXT] [--device-pid PID] [--sample-s S] [--json]");
    std::process::exit(2)
}

fn parse() -> HashMap<String, String> {
    let mut options = HashMap::new();
    let mut args = std::env::args().skip(1);
    while let Some(key) = args.next() {
        let Some(key) = key.strip_prefix("--") else {
            usage()
        };
        if key == "json" {
            options.insert(key.to_string(), String::new());
            continue;
        }
        let Some(value) = args.next() else { usage() };
        options.insert(key.to_string(), value);
    }
    options
}

fn number<T: std::str::FromStr>(options: &HashMap<String, String>, key: &str) -> Option<T> {
    options
        .get(key)
        .map(|v| v.parse().unwrap_or_else(|_| usage()))
}

/// utime + stime of `pid`, in seconds (100 ticks per second).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn security(options: &HashMap<String, String>) -> ClientSecurity {
    let secret = |key: &str| options.get(key).map(|v| Secret::new(v.as_bytes().to_vec()));
    match number::<u32>(options, "sec-ver").map_or(SecVer::Sec2, SecVer::from) {
        SecVer::Sec0 => ClientSecurity::Sec0,
        SecVer::Sec1 => ClientSecurity::Sec1 { pop: secret("pop") },
        SecVer::Sec2 | SecVer::Unknown(_) => ClientSecurity::Sec2 {
            username: options
                .get("sec2-username")
                .map_or(b"wifiprov".to_vec(), |u| u.as_bytes().to_vec()),
            password: secret("sec2-pwd").unwrap_or_else(|| usage()),
            patch: number::<u32>(options, "sec-patch-ver").map_or(Sec2Patch::V1, |p| {
                Sec2Patch::try_from(p).unwrap_or(Sec2Patch::V1)
            }),
        },
    }
}

#[tokio::main]
async fn main() {
    let options = parse();
    let config = LoadConfig {
        target: options.get("target").cloned().unwrap_or_else(|| usage()),
        security: security(&options),
        concurrency: number(&options, "concurrency").unwrap_or(1),
        sessions: number(&options, "sessions"),
        duration: number::<u64>(&options, "duration-s").map(Duration::from_secs),
        endpoint: options
            .get("endpoint")
            .cloned()
            .unwrap_or_else(|| "custom-data".into()),
        payload: options
            .get("payload")
            .map_or(b"loadgen".to_vec(), |p| p.as_bytes().to_vec()),
    };
    let pid: Option<u32> = number(&options, "device-pid");
    let sample = Duration::from_secs(number(&options, "sample-s").unwrap_or(10));
    let cpu_before = pid.and_then(cpu_seconds);
    let sampler = pid.map(|pid| {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(sample);
            loop {
                tick.tick().await;
                eprintln!("device VmRSS {} KiB", rss_kib(pid).unwrap_or(0));
            }
        })
    });
    let report = run(config).await;
    if let Some(sampler) = sampler {
        sampler.abort();
    }
    let cpu_ms = match (pid.and_then(cpu_seconds), cpu_before) {
        (Some(after), Some(before)) if report.sessions > 0 => {
            Some((after - before) * 1000.0 / report.sessions as f64)
        }
        _ => None,
    };
    if options.contains_key("json") {
        let mut json = report.to_json();
        json["device_cpu_ms_per_session"] = serde_json::json!(cpu_ms);
        json["device_rss_kib"] = serde_json::json!(pid.and_then(rss_kib));
        println!("{json}");
    } else {
        println!("{report}");
        if let Some(cpu_ms) = cpu_ms {
            println!("device CPU time per session: {cpu_ms:.3} ms");
        }
    }
}
