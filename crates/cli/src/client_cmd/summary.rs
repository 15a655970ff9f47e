//! Human-readable summaries of each command's result.

use serde_json::Value;
use uniprov::client::Report;

use super::json::outcome_json;
use super::output::print_human;

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("?")
}

/// Prints `report` of `command` for people.
pub fn print(command: &str, target: &str, report: &Report) {
    let result = report
        .result
        .as_ref()
        .and_then(outcome_json)
        .unwrap_or(Value::Null);
    let result = &result;
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
                s(result, "auth"),
                result["channel"]
            ),
        },
        "scan" => {
            let entries = result
                .get("entries")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if report.ok {
                print!("{}", scan_table(s(result, "network") == "thread", &entries));
            }
            format!("{target}: {} networks", entries.len())
        }
        "status" => format!("{target}: {}", status_text(result)),
        "ctrl reset" | "ctrl reprov" => format!("{target}: {command} done"),
        "custom" => {
            // The answer is the data: alone on stdout, so `> file` captures only it.
            if report.ok {
                match result.get("response_text").and_then(Value::as_str) {
                    Some(text) => println!("{text}"),
                    None => println!("{}", s(result, "response_hex")),
                }
            }
            format!("{target}: {} answered", s(result, "endpoint"))
        }
        "version" => match &report.device {
            Some(info) => format!("{target}: {}", super::output::device_text(info)),
            None => target.to_owned(),
        },
        _ => target.to_owned(),
    };
    // Commands whose stdout is data (the scan table, the custom answer) print their result
    // line on stderr; the others' result line is their data.
    let data_on_stdout = matches!(command, "scan" | "custom");
    if command == "version" && report.ok {
        // The result line already is the device information: not twice.
        let mut shown = report.clone();
        shown.device = None;
        return print_human(&headline, target, &shown, data_on_stdout);
    }
    print_human(&headline, target, report, data_on_stdout);
}

/// The scan results as an aligned table with a header (numbers as numbers: a JSON value's
/// `Display` ignores widths).
fn scan_table(thread: bool, entries: &[Value]) -> String {
    let num = |e: &Value, key: &str| e[key].as_i64().unwrap_or(0);
    let mut out = String::new();
    if thread {
        out.push_str(&format!(
            "{:<20}  {:<6}  {:>2}  {:>8}\n",
            "NETWORK", "PAN", "CH", "SIGNAL"
        ));
        for e in entries {
            out.push_str(&format!(
                "{:<20}  0x{:04x}  {:>2}  {:>4} dBm\n",
                s(e, "network_name"),
                num(e, "pan_id"),
                num(e, "channel"),
                num(e, "rssi")
            ));
        }
    } else {
        let width = entries
            .iter()
            .map(|e| s(e, "ssid").chars().count())
            .max()
            .unwrap_or(0)
            .max(4);
        out.push_str(&format!(
            "{:<width$}  {:>8}  {:>2}  {:<14}  {}\n",
            "SSID", "SIGNAL", "CH", "SECURITY", "BSSID"
        ));
        for e in entries {
            out.push_str(&format!(
                "{:<width$}  {:>4} dBm  {:>2}  {:<14}  {}\n",
                s(e, "ssid"),
                num(e, "rssi"),
                num(e, "channel"),
                s(e, "auth"),
                s(e, "bssid")
            ));
        }
    }
    out
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
