//! How results reach people (stderr progress, stdout summary) and scripts (`--json`: exactly
//! one JSON document on stdout).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use uniprov::client::flow::Hooks;
use uniprov::client::{
    millis, ClientError, ErrorReport, NetworkCredentials, Phase, RemoteInfo, Report,
    SecuritySummary, Timings, Warning,
};
use uniprov::core::messages::WifiScanEntry;

use super::json::{error_message, hint, ReportJson};
use super::pick;

/// Progress display and interaction for one device.
pub struct Console {
    json: bool,
    spinner: Option<ProgressBar>,
    passphrase_given: Option<String>,
}

impl Console {
    /// A console for a human (`json == false`: spinner on stderr when it is a terminal) or
    /// for a script (silent).
    pub fn new(json: bool, passphrase_given: Option<String>) -> Self {
        let spinner = (!json && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(80));
            bar
        });
        Console {
            json,
            spinner,
            passphrase_given,
        }
    }

    /// Removes the spinner.
    pub fn finish(&mut self) {
        if let Some(bar) = self.spinner.take() {
            bar.finish_and_clear();
        }
    }

    fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.spinner {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }
}

fn phase_text(phase: Phase) -> &'static str {
    match phase {
        Phase::Connect => "connecting",
        Phase::ProtoVer => "reading proto-ver",
        Phase::Handshake => "security handshake",
        Phase::Scan => "scanning",
        Phase::Set => "sending credentials and waiting for the connection",
        Phase::Apply => "applying",
        Phase::Connected => "waiting for the connection",
        Phase::Ctrl => "sending control command",
        Phase::Custom => "custom endpoint",
        Phase::Status => "reading status",
    }
}

impl Hooks for Console {
    fn phase(&mut self, phase: Phase) {
        if let Some(bar) = &self.spinner {
            // The clock shows the current phase: time spent in the network picker (between
            // the scan and the credentials) is never counted.
            bar.reset_elapsed();
            bar.set_message(phase_text(phase));
        }
    }

    fn warning(&mut self, warning: &Warning) {
        if !self.json {
            // The library's text names no flag; the way to insist is the CLI's.
            let insist = match warning {
                Warning::Downgrade { .. } => " (pass --sec_ver to insist)",
                _ => "",
            };
            self.suspend(|| eprintln!("warning: {warning}{insist}"));
        }
    }

    fn choose_network(
        &mut self,
        entries: &[WifiScanEntry],
    ) -> Result<NetworkCredentials, ClientError> {
        if self.json {
            return Err(ClientError::Usage(
                "--json needs --ssid (no interactive choice)".into(),
            ));
        }
        let given = self.passphrase_given.take();
        self.suspend(|| pick::choose(entries, given))
    }
}

/// Prints the JSON document for `report` of `command` against `target`.
pub fn print_json(command: &str, target: Option<&str>, report: &Report) {
    let mut doc = json!({ "command": command });
    if let Some(target) = target {
        doc["target"] = json!(target);
    }
    if let (Value::Object(map), Ok(Value::Object(extra))) =
        (&mut doc, serde_json::to_value(ReportJson::new(report)))
    {
        map.extend(extra);
    }
    println!("{doc}");
}

/// Prints an error that happened before any device was involved.
pub fn print_early_error(command: &str, json: bool, error: &ClientError) {
    let report = Report {
        error: Some(error.into()),
        ..Report::default()
    };
    if json {
        print_json(command, None, &report);
    } else {
        print_error(report.error.as_ref());
    }
}

fn print_error(error: Option<&ErrorReport>) {
    if let Some(error) = error {
        eprintln!("error: {}", error_message(error));
        if let Some(hint) = error.remedy.map(hint) {
            eprintln!("hint: {hint}");
        }
    }
}

/// `12.3 ms`, `1.24 s`.
pub fn duration_text(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.1} ms", millis(d))
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

fn timings_text(timings: &Timings) -> String {
    let mut parts: Vec<String> = timings
        .iter()
        .map(|(p, d)| format!("{} {}", p.name(), duration_text(d)))
        .collect();
    parts.push(format!("total {}", duration_text(timings.total())));
    parts.join(" · ")
}

pub fn device_text(info: &RemoteInfo) -> String {
    let mut text = format!(
        "prov {}",
        info.prov_ver.as_deref().unwrap_or("(no version)")
    );
    match info.sec_ver {
        Some(v) => text.push_str(&format!(", sec_ver {v}")),
        None => text.push_str(", no sec_ver"),
    }
    if let Some(p) = info.sec_patch_ver {
        text.push_str(&format!(" (patch {p})"));
    }
    let capabilities: Vec<&str> = info.capabilities.iter().map(|c| c.as_str()).collect();
    text.push_str(&format!(", capabilities [{}]", capabilities.join(", ")));
    for app in &info.apps {
        text.push_str(&format!(
            "; {} {} [{}]",
            app.label,
            app.ver,
            app.cap.join(", ")
        ));
    }
    text
}

fn security_text(s: &SecuritySummary) -> String {
    let mut text = s.level.to_string();
    if let Some(user) = &s.username {
        text.push_str(&format!(" as {user:?}"));
    }
    if let Some(p) = s.sec_patch_ver {
        text.push_str(&format!(", patch {p}"));
    }
    text.push_str(match s.source {
        uniprov::client::ChoiceSource::Explicit => " (as requested)",
        uniprov::client::ChoiceSource::SecVer => " (from proto-ver)",
        uniprov::client::ChoiceSource::Capabilities => " (from capabilities)",
    });
    text
}

/// Prints the human summary: the result line on stdout (on stderr when `data_on_stdout`:
/// stdout then holds only the data), details and errors on stderr.
pub fn print_human(headline: &str, target: &str, report: &Report, data_on_stdout: bool) {
    if report.ok && data_on_stdout {
        eprintln!("✓ {headline}");
    } else if report.ok {
        println!("✓ {headline}");
    } else {
        eprintln!("✗ {target}");
    }
    if let Some(info) = &report.device {
        eprintln!("  device:   {}", device_text(info));
    }
    if let Some(security) = &report.security {
        eprintln!("  security: {}", security_text(security));
    }
    if report.phases.iter().next().is_some() {
        eprintln!("  phases:   {}", timings_text(&report.phases));
    }
    print_error(report.error.as_ref());
}
