//! The first hour of a new user (issue #14): every message of the real `uniprov` binary clear,
//! every error actionable, no secret in any output. One test per defect of the issue, each
//! running the binary as a child process the way a person would.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_uniprov");
const PASSWORD: &str = "Sec2-Pw-first-hour-unique";
const PASSPHRASE: &str = "password123";

/// A scratch directory with a simulated world file (`world.toml`: `HomeNetwork`).
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let world = "connect_delay_ms = 0\nscan_duration_ms = 0\n\n[[wifi]]\nssid = \"HomeNetwork\"\npassphrase = \"password123\"\nauth = \"wpa2_psk\"\nrssi = -40\nchannel = 6\nbssid = \"24:0a:c4:00:00:01\"\n";
        std::fs::write(dir.path().join("world.toml"), world).unwrap();
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `uniprov device` arguments common to every test: the world, the state directory, a
    /// short cleanup, security 2 with [`PASSWORD`].
    fn device_args(&self) -> Vec<String> {
        let mut args: Vec<String> = ["device", "--sec2-pwd", PASSWORD, "--sim-config"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(self.path("world.toml").display().to_string());
        args.push("--state-dir".into());
        args.push(self.path("state").display().to_string());
        args.extend(["--cleanup-delay-ms".into(), "100".into()]);
        args
    }

    /// Starts an HTTP device on a free loopback port; returns it with its address.
    fn spawn_http(&self, extra: &[&str]) -> Running {
        let mut child = Command::new(BIN)
            .args(self.device_args())
            .args(["--listen", "127.0.0.1:0", "--events", "json"])
            .args(extra)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let Ok(value) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if value["event"] == "listening" {
                    let _ = tx.send(value["addr"].as_str().unwrap_or_default().to_owned());
                }
            }
        });
        let address = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the device announced no address");
        Running { child, address }
    }

    /// The `--exec` command line of a console device with the password on its command line.
    fn console_command(&self) -> String {
        let mut args = self.device_args();
        args.extend(["--transport".into(), "console".into()]);
        let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
        format!("'{BIN}' {}", quoted.join(" "))
    }
}

struct Running {
    child: Child,
    address: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(args: &[&str]) -> Output {
    run_env(args, &[])
}

fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("UNIPROV_SEC2_PWD")
        .env_remove("UNIPROV_POP")
        .stdin(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json_of(out: &Output) -> Value {
    let stdout = text(&out.stdout);
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {stdout:?}"))
}

fn assert_no_secret(name: &str, output: &str) {
    assert!(
        !output.contains(PASSWORD),
        "{name} shows the device's password:\n{output}"
    );
    assert!(
        !output.contains(PASSPHRASE),
        "{name} shows the Wi-Fi passphrase:\n{output}"
    );
}

// ---- defect 3: secrets leak through --exec ------------------------------------------------

#[test]
fn d3_exec_command_line_secrets_reach_no_client_output() {
    let scratch = Scratch::new();
    let exec = scratch.console_command();
    let common = [
        "--exec",
        exec.as_str(),
        "--sec2-pwd",
        PASSWORD,
        "--ssid",
        "HomeNetwork",
        "--passphrase",
        PASSPHRASE,
    ];
    // Human output at -vvv.
    let mut args = vec!["provision", "-vvv"];
    args.extend(common);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_no_secret("human stdout", &text(&out.stdout));
    assert_no_secret("stderr at -vvv", &text(&out.stderr));
    assert!(text(&out.stdout).contains("console: uniprov"));

    // --json, with a device of its own (the first one stored its credentials).
    let fresh = Scratch::new();
    let exec = fresh.console_command();
    let mut args = vec!["provision", "--json", "--exec", exec.as_str()];
    args.extend(&common[2..]);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_no_secret("--json stdout", &text(&out.stdout));
    assert_no_secret("--json stderr", &text(&out.stderr));
    let doc = json_of(&out);
    assert!(doc["target"].as_str().unwrap().starts_with("console"));

    // An error: a wrong password.
    let fresh = Scratch::new();
    let exec = fresh.console_command();
    let bad = [
        "provision",
        "--exec",
        exec.as_str(),
        "--sec2-pwd",
        "not-the-password",
        "--ssid",
        "HomeNetwork",
    ];
    let out = run(&bad);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert_no_secret("error stderr", &text(&out.stderr));
    assert_no_secret("error stdout", &text(&out.stdout));

    // A manifest report and its JSON document.
    let fresh = Scratch::new();
    let exec = fresh.console_command();
    let manifest = scratch.path("devices.csv");
    let report = scratch.path("report.json");
    let exec_cell = exec.replace('"', "\"\"");
    std::fs::write(
        &manifest,
        format!("transport,exec,password,ssid,passphrase\nconsole,\"{exec_cell}\",{PASSWORD},HomeNetwork,{PASSPHRASE}\n"),
    )
    .unwrap();
    let out = run(&[
        "provision",
        "--manifest",
        manifest.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_no_secret("manifest --json", &text(&out.stdout));
    assert_no_secret("manifest stderr", &text(&out.stderr));
    assert_no_secret("manifest report", &std::fs::read_to_string(&report).unwrap());
}
