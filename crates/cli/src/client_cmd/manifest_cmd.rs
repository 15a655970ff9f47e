//! `provision --manifest FILE.csv --parallel N [--report FILE.json]`.

use std::io::IsTerminal;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use uniprov::client::manifest::{self, ManifestReport, RowResult};
use uniprov::client::ClientError;
use uniprov::entropy::OsEntropy;

use super::json::{error_message, exit_code as class_exit_code, ManifestJson};
use super::output::{duration_text, print_early_error};
use super::ProvisionArgs;

/// The exit code of a manifest run: 0 when every device succeeded; the class of the failures
/// when they all share one; 1 otherwise.
pub fn exit_code(report: &ManifestReport) -> u8 {
    let mut codes = report
        .devices
        .iter()
        .filter_map(|d| d.report.error.as_ref())
        .map(|e| class_exit_code(e.class));
    match codes.next() {
        None => 0,
        Some(first) if codes.all(|c| c == first) => first,
        Some(_) => 1,
    }
}

fn line(result: &RowResult) -> String {
    let took = duration_text(result.report.phases.total());
    match &result.report.error {
        None => format!("✓ line {} {} ({took})", result.line, result.target),
        Some(e) => format!(
            "✗ line {} {}: {} [{}]",
            result.line,
            result.target,
            error_message(e),
            e.class.name()
        ),
    }
}

/// Runs the manifest; returns the exit code.
pub async fn run(path: &Path, args: &ProvisionArgs, json: bool) -> u8 {
    let prepared =
        manifest::load(path).and_then(|entries| Ok((entries, args.conn.device_options()?)));
    let (entries, options) = match prepared {
        Ok(p) => p,
        Err(error) => {
            print_early_error("provision", json, &error);
            return class_exit_code(error.class());
        }
    };
    let bar = if !json && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(entries.len() as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} devices {elapsed}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let progress = bar.clone();
    let report = manifest::run(entries, args.parallel, options, OsEntropy, move |result| {
        progress.inc(1);
        if !json {
            progress.suspend(|| eprintln!("{}", line(result)));
        }
    })
    .await;
    bar.finish_and_clear();
    let code = exit_code(&report);
    if let Some(path) = &args.report {
        let text = serde_json::to_string_pretty(&ManifestJson::new(&report)).unwrap_or_default();
        if let Err(source) = std::fs::write(path, text + "\n") {
            let error = ClientError::Io {
                context: format!("writing {}", path.display()),
                source,
            };
            print_early_error("provision", json, &error);
            return class_exit_code(error.class());
        }
    }
    if json {
        let mut doc = json!({ "command": "provision", "manifest": path.display().to_string() });
        if let (Some(map), Ok(serde_json::Value::Object(extra))) = (
            doc.as_object_mut(),
            serde_json::to_value(ManifestJson::new(&report)),
        ) {
            map.extend(extra);
        }
        println!("{doc}");
    } else {
        let verdict = if report.ok { "✓" } else { "✗" };
        println!(
            "{verdict} {} of {} devices provisioned",
            report.succeeded, report.total
        );
    }
    code
}
