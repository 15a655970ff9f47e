//! Human-readable summaries of each command's result.

use serde_json::Value;
use uniprov::client::Report;

use super::output::print_human;

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("?")
}

/// Prints `report` of `command` for people.
pub fn print(command: &str, target: &str, report: &Report) {
    let empty = Value::Null;
    let result = report.result.as_ref().unwrap_or(&empty);
    let headline = match command {
        "provision" => match s(result, "network") {
            "thread" => format!(
                "{target}: attached to Thread network {:?} (channel {})",
                s(result, "name"),
                result["channel"]
            ),
            _ => format!(
                "{target}: joined {:?} (IPv4 {}, {}, channel {})",
                s(result, "ssid"),
                s(result, "ip4_addr"),
                result["auth"],
                result["channel"]
            ),
        },
        "scan" => {
            let entries = result
                .get("entries")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for e in &entries {
                if s(result, "network") == "thread" {
                    println!(
                        "{:<20} pan 0x{:04x} ch {:>2} {:>4} dBm",
                        s(e, "network_name"),
                        e["pan_id"].as_u64().unwrap_or(0),
                        e["channel"],
                        e["rssi"]
                    );
                } else {
                    println!(
                        "{:<32} {:>4} dBm  ch {:>2}  {}  {}",
                        s(e, "ssid"),
                        e["rssi"],
                        e["channel"],
                        e["auth"],
                        s(e, "bssid")
                    );
                }
            }
            format!("{target}: {} networks", entries.len())
        }
        "status" => format!("{target}: {}", status_text(result)),
        "ctrl reset" | "ctrl reprov" => format!("{target}: {command} done"),
        "custom" => {
            match result.get("response_text").and_then(Value::as_str) {
                Some(text) => println!("{text}"),
                None => println!("{}", s(result, "response_hex")),
            }
            format!("{target}: {} answered", s(result, "endpoint"))
        }
        "version" => match &report.device {
            Some(info) => format!("{target}: {}", super::output::device_text(info)),
            None => target.to_owned(),
        },
        _ => target.to_owned(),
    };
    print_human(&headline, target, report);
}

fn status_text(v: &Value) -> String {
    match s(v, "state") {
        "connected" => format!(
            "connected to {:?} with IPv4 {}",
            s(v, "ssid"),
            s(v, "ip4_addr")
        ),
        "attached" => format!("attached to Thread network {:?}", s(v, "name")),
        "failed" => format!("failed ({})", s(v, "reason")),
        "connecting" => match v.get("attempts_remaining").and_then(Value::as_u64) {
            Some(n) => format!("connecting ({n} attempts remaining)"),
            None => "connecting".to_owned(),
        },
        other => other.to_owned(),
    }
}
