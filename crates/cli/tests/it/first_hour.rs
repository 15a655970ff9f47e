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

    /// Starts an HTTP device on a free loopback port (`--events json` on stdout, stderr
    /// collected); returns once it announced its address.
    fn spawn_http(&self, extra: &[&str], env: &[(&str, &str)]) -> Running {
        let mut command = Command::new(BIN);
        command
            .args(self.device_args())
            .args(["--listen", "127.0.0.1:0", "--events", "json"])
            .args(extra)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let events = std::thread::spawn(move || {
            let mut all = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str::<Value>(&line) {
                    if value["event"] == "listening" {
                        let _ = tx.send(value["addr"].as_str().unwrap_or_default().to_owned());
                    }
                }
                all.push(line);
            }
            all
        });
        let logs = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut text);
            text
        });
        let address = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the device announced no address");
        Running {
            child,
            address,
            events: Some(events),
            logs: Some(logs),
        }
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
    events: Option<std::thread::JoinHandle<Vec<String>>>,
    logs: Option<std::thread::JoinHandle<String>>,
}

impl Running {
    /// Waits (up to 30 s) for the device to exit: its exit code, stdout lines and stderr.
    fn finish(mut self) -> (Option<i32>, Vec<String>, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let code = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code();
            }
            assert!(Instant::now() < deadline, "the device did not exit");
            std::thread::sleep(Duration::from_millis(20));
        };
        let events = self.events.take().unwrap().join().unwrap();
        let logs = self.logs.take().unwrap().join().unwrap();
        (code, events, logs)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Provisions `device` with `HomeNetwork` over HTTP (the client's own output checked).
fn provision(device: &Running) {
    let out = run(&[
        "provision",
        "--transport",
        "http",
        "--service-name",
        &device.address,
        "--sec2-username",
        "wifiprov",
        "--sec2-pwd",
        PASSWORD,
        "--ssid",
        "HomeNetwork",
        "--passphrase",
        PASSPHRASE,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// Runs a device to its end (no HTTP address wait): exit code and stderr.
fn device_run(scratch: &Scratch, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut all = scratch.device_args();
    all.extend(["--listen".into(), "127.0.0.1:0".into()]);
    all.extend(extra.iter().map(|a| a.to_string()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let out = run(&all);
    (out.status.code(), text(&out.stdout), text(&out.stderr))
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
        "--sec2-username",
        "wifiprov",
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
        "--sec2-username",
        "wifiprov",
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
        format!("transport,exec,username,password,ssid,passphrase\nconsole,\"{exec_cell}\",wifiprov,{PASSWORD},HomeNetwork,{PASSPHRASE}\n"),
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
    assert_no_secret(
        "manifest report",
        &std::fs::read_to_string(&report).unwrap(),
    );
}

// ---- defect 4: the default port as a non-root user --------------------------------------------

/// Whether this process runs as root (then the test drops to `nobody` with `setpriv`).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .map(|l| l.split_whitespace().next() == Some("0"))
        })
        .unwrap_or(false)
}

/// `uniprov ARGS` as an unprivileged user: `nobody` via `setpriv` when root, else as is.
fn run_unprivileged(args: &[&str], home: &Path) -> Option<Output> {
    let unprivileged_ports =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok())
            .unwrap_or(1024);
    if unprivileged_ports <= 80 {
        eprintln!("skipped: unprivileged users may bind port 80 on this machine");
        return None;
    }
    let mut command = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
        c
    } else {
        Command::new(BIN)
    };
    Some(
        command
            .args(args)
            .env("HOME", home)
            .env_remove("XDG_STATE_HOME")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .output()
            .unwrap(),
    )
}

#[test]
fn d4_default_port_as_non_root_says_what_to_do() {
    let scratch = Scratch::new();
    let home = scratch.path("home");
    std::fs::create_dir(&home).unwrap();
    // Writable by `nobody` too.
    for dir in [scratch.dir.path(), home.as_path()] {
        std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    }
    let Some(out) = run_unprivileged(&["device", "--sec2-pwd", PASSWORD], &home) else {
        return;
    };
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("port 80 needs root or the CAP_NET_BIND_SERVICE capability"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: ") && stderr.contains("--listen 127.0.0.1:8080"),
        "{stderr}"
    );
    assert!(!stderr.contains("os error"), "{stderr}");
    assert_eq!(stderr.matches("error: ").count(), 1, "{stderr}");

    // A state directory someone else owns: the failing step is named.
    if is_root() {
        let theirs = scratch.path("root-owned");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::set_permissions(&theirs, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let dir = theirs.display().to_string();
        let out = run_unprivileged(
            &[
                "device",
                "--sec2-pwd",
                PASSWORD,
                "--listen",
                "127.0.0.1:0",
                "--state-dir",
                &dir,
            ],
            &home,
        )
        .unwrap();
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("cannot chmod 0700 the state directory {dir}: ")),
            "{stderr}"
        );
        assert!(stderr.contains("hint: "), "{stderr}");
    }
}

// ---- defect 5: start-up errors, one line of cause and one of what to do --------------------

/// Runs `uniprov device ARGS` (expected to fail at start) and checks the error's shape: one
/// `error:` line, one `hint:` line, no cause repeated, no `(os error N)`.
fn start_error(scratch: &Scratch, args: &[&str]) -> String {
    let mut all = scratch.device_args();
    for replaced in ["--state-dir", "--sim-config"] {
        if args.contains(&replaced) {
            let at = all.iter().position(|a| a == replaced).unwrap();
            all.drain(at..at + 2);
        }
    }
    all.extend(args.iter().map(|a| a.to_string()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let out = run(&all);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "one error line:\n{stderr}");
    assert!(!errors[0].contains("error: error:"), "{stderr}");
    assert!(!stderr.contains("os error"), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("hint: ")).count(),
        1,
        "one hint line:\n{stderr}"
    );
    // No part of the cause repeated: split at ": " and look for duplicates.
    let parts: Vec<&str> = errors[0].split(": ").collect();
    for (i, part) in parts.iter().enumerate() {
        assert!(
            !parts[i + 1..].contains(part),
            "{part:?} repeated: {stderr}"
        );
    }
    stderr
}

#[test]
fn d5_start_up_errors_name_the_cause_once_and_what_to_do() {
    let scratch = Scratch::new();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let stderr = start_error(&scratch, &["--listen", &addr]);
    assert!(stderr.contains("already in use"), "{stderr}");

    // A file where the state directory should be.
    let file = scratch.path("a-file");
    std::fs::write(&file, "x").unwrap();
    let inside = file.join("state").display().to_string();
    let stderr = start_error(
        &scratch,
        &["--listen", "127.0.0.1:0", "--state-dir", &inside],
    );
    assert!(
        stderr.contains(&format!("{} is a file, not a directory", file.display())),
        "{stderr}"
    );

    // A broken --sim-config: the TOML error once, in one line.
    let world = scratch.path("broken.toml");
    std::fs::write(&world, "[[wifi]]\nssid = \"x\"\nrssi = \"loud\"\n").unwrap();
    let world_arg = world.display().to_string();
    let stderr = start_error(
        &scratch,
        &["--listen", "127.0.0.1:0", "--sim-config", &world_arg],
    );
    assert!(stderr.contains("line 3"), "{stderr}");

    // --config errors: no `error: error:`, no clap usage block.
    let config = scratch.path("device.toml");
    std::fs::write(&config, "sec-ver = 7\n").unwrap();
    let config_arg = config.display().to_string();
    let stderr = start_error(&scratch, &["--config", &config_arg]);
    assert!(stderr.contains("--sec-ver"), "{stderr}");
    assert!(!stderr.contains("Usage:"), "{stderr}");
    std::fs::write(&config, "no-such-option = 1\n").unwrap();
    start_error(&scratch, &["--config", &config_arg]);
}

// ---- defect 1: a second start of a provisioned device says what happened -------------------

#[test]
fn d1_a_provisioned_device_says_what_it_did_and_what_to_do() {
    let scratch = Scratch::new();
    let device = scratch.spawn_http(&[], &[]);
    provision(&device);
    let (code, _, _) = device.finish();
    assert_eq!(code, Some(0));

    // The stored network is there: joined, said so, exit 0.
    let (code, _, stderr) = device_run(&scratch, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("Already provisioned"), "{stderr}");
    assert!(
        stderr.contains("--force-provisioning") && stderr.contains("--reset"),
        "{stderr}"
    );
    assert!(stderr.contains("Connected to \"HomeNetwork\""), "{stderr}");

    // The stored network is gone: an error line, a hint, the documented exit status 3.
    let world = scratch.path("elsewhere.toml");
    std::fs::write(
        &world,
        "connect_delay_ms = 0\n[[wifi]]\nssid = \"Other\"\nauth = \"open\"\nrssi = -40\nchannel = 1\nbssid = \"24:0a:c4:00:00:09\"\n",
    )
    .unwrap();
    let mut all = scratch.device_args();
    let at = all.iter().position(|a| a == "--sim-config").unwrap();
    all[at + 1] = world.display().to_string();
    all.extend(["--listen".into(), "127.0.0.1:0".into()]);
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let out = run(&all);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("error: cannot join the stored network \"HomeNetwork\": network not found"),
        "{stderr}"
    );
    let hint = stderr
        .lines()
        .find(|l| l.starts_with("hint: "))
        .expect("a hint");
    assert!(
        hint.contains("--force-provisioning") && hint.contains("--reset"),
        "{stderr}"
    );
}

// ---- defect 6: the device's own flags, quiet by default, readable values -------------------

#[test]
fn d6_device_is_quiet_by_default_and_honours_verbose_and_json() {
    let scratch = Scratch::new();
    let device = scratch.spawn_http(&[], &[]);
    provision(&device);
    let (code, _, stderr) = device.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        !stderr.contains("INFO"),
        "no INFO logs by default:\n{stderr}"
    );
    assert!(
        stderr.contains("provisioning succeeded"),
        "the outcome:\n{stderr}"
    );
    assert!(
        !stderr.contains("\u{1b}["),
        "no colour on a pipe:\n{stderr}"
    );

    // -v: info logs, with readable values.
    let scratch = Scratch::new();
    let device = scratch.spawn_http(&["-v"], &[("NO_COLOR", "1")]);
    provision(&device);
    let (code, _, stderr) = device.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("INFO"), "-v shows info logs:\n{stderr}");
    assert!(stderr.contains("connected to \"HomeNetwork\""), "{stderr}");
    assert!(!stderr.contains("[72, "), "no SSID byte lists:\n{stderr}");
    assert!(!stderr.contains("AuthMode("), "{stderr}");
    assert!(!stderr.contains("\u{1b}["), "{stderr}");

    // --json: the events as JSON lines on stdout.
    let (code, stdout, stderr) = device_run(&scratch, &["--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let first: Value = serde_json::from_str(stdout.lines().next().expect("events")).unwrap();
    assert!(first["event"].is_string(), "{stdout}");

    // The client: no colour codes on a pipe either, at -vvv.
    let out = run(&["version", "-vvv", "--service-name", "127.0.0.1:1"]);
    assert!(
        !text(&out.stderr).contains("\u{1b}["),
        "{}",
        text(&out.stderr)
    );
}

/// The connection options of `device` for a client command.
fn conn(device: &Running) -> Vec<&str> {
    vec![
        "--transport",
        "http",
        "--service-name",
        device.address.as_str(),
        "--sec2-username",
        "wifiprov",
        "--sec2-pwd",
        PASSWORD,
    ]
}

fn client(command: &[&str], device: &Running, rest: &[&str]) -> Output {
    let mut args = command.to_vec();
    args.extend(conn(device));
    args.extend(rest);
    run(&args)
}

/// The `hint:` line of a failed command, without the prefix.
fn hint_of(out: &Output) -> String {
    let stderr = text(&out.stderr);
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("hint: "))
        .unwrap_or_else(|| panic!("no hint:\n{stderr}"))
        .to_owned()
}

// ---- defect 7: every hint names a command that works in that state ------------------------

#[test]
fn d7_hints_on_a_connected_device_lead_to_ctrl_reprov_which_works() {
    let scratch = Scratch::new();
    let device = scratch.spawn_http(&["--no-auto-stop"], &[]);
    provision(&device);
    let again = ["--ssid", "HomeNetwork", "--passphrase", PASSPHRASE];
    let out = client(&["provision"], &device, &again);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let hint = hint_of(&out);
    assert!(hint.contains("ctrl reprov"), "{hint}");
    assert!(
        !hint.contains("ctrl reset"),
        "ctrl reset fails in this state: {hint}"
    );
    // ctrl reset on a connected device fails, and says what works.
    let out = client(&["ctrl", "reset"], &device, &[]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        hint_of(&out).contains("ctrl reprov"),
        "{}",
        text(&out.stderr)
    );
    // Following the hint works.
    let out = client(&["ctrl", "reprov"], &device, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = client(&["provision"], &device, &again);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

// ---- defect 8: uniprov custom: data on stdout, the rest on stderr, right diagnosis ----------

#[test]
fn d8_custom_puts_only_data_on_stdout_and_blames_the_endpoint() {
    let scratch = Scratch::new();
    let device = scratch.spawn_http(&["--custom-endpoint", "custom-data", "--no-auto-stop"], &[]);
    let out = client(&["custom"], &device, &["--data", "hello"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "SUCCESS\n", "only the answer on stdout");
    assert!(text(&out.stderr).contains("✓"), "{}", text(&out.stderr));

    let out = client(
        &["custom"],
        &device,
        &["--endpoint", "no-such-endpoint", "--data", "x"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "", "nothing on stdout on failure");
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("PoP/password"),
        "the handshake succeeded:\n{stderr}"
    );
    assert!(stderr.contains("no-such-endpoint"), "{stderr}");
    assert!(hint_of(&out).contains("--endpoint"), "{stderr}");

    // The same through --json: the class is not an authentication failure.
    let out = client(
        &["custom", "--json"],
        &device,
        &["--endpoint", "no-such-endpoint", "--data", "x"],
    );
    assert_eq!(json_of(&out)["error"]["class"], "other");
}

// ---- defect 9: a 64-hex-digit raw PSK, accepted on both ends --------------------------------

#[test]
fn d9_a_raw_64_hex_digit_psk_provisions() {
    // PBKDF2-HMAC-SHA1("password123", "HomeNetwork", 4096, 32).
    let psk = "5f79a0b138a6b12a83671851d1fd0316befbb430ae7914eb8046e2c80148926e";
    let scratch = Scratch::new();
    let device = scratch.spawn_http(&[], &[]);
    let out = client(
        &["provision", "--json"],
        &device,
        &["--ssid", "HomeNetwork", "--passphrase", psk],
    );
    let doc = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{doc}");
    assert_eq!(doc["result"]["ssid"], "HomeNetwork");
    assert!(!doc.to_string().contains(psk));
    let (code, _, _) = device.finish();
    assert_eq!(code, Some(0));
    // Stored and used again at the next start.
    let (code, _, stderr) = device_run(&scratch, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    // 64 characters that are not hex stay refused, by the client, with the rule.
    let out = run(&[
        "provision",
        "--service-name",
        "127.0.0.1:1",
        "--ssid",
        "x",
        "--passphrase",
        &"g".repeat(64),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("64 hex digits"),
        "{}",
        text(&out.stderr)
    );
}

// ---- defect 10: --qr takes the percent-encoded jumpstart URL -------------------------------

#[test]
fn d10_qr_accepts_the_percent_encoded_jumpstart_url() {
    let scratch = Scratch::new();
    let device = scratch.spawn_http(&[], &[]);
    let json = format!(
        r#"{{"ver":"v1","name":"PROV_TEST","username":"wifiprov","pop":"{PASSWORD}","transport":"softap"}}"#
    );
    let encoded: String = json
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    let url = format!("https://espressif.github.io/esp-jumpstart/qrcode.html?data={encoded}");
    let out = run(&[
        "provision",
        "--json",
        "--qr",
        &url,
        "--service-name",
        &device.address,
        "--ssid",
        "HomeNetwork",
        "--passphrase",
        PASSPHRASE,
    ]);
    let doc = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{doc}");
    assert_eq!(doc["security"]["username"], "wifiprov");
}

// ---- defect 2: the right password in a backoff is not reported as wrong -------------------

#[test]
fn d2_backoff_is_told_apart_from_a_wrong_password_with_the_wait() {
    let scratch = Scratch::new();
    let device = scratch.spawn_http(
        &[
            "--auth-max-failures",
            "2",
            "--auth-backoff-cap-s",
            "30",
            "--no-auto-stop",
        ],
        &[],
    );
    let wrong = [
        "status",
        "--json",
        "--transport",
        "http",
        "--service-name",
        device.address.as_str(),
        "--sec2-username",
        "wifiprov",
        "--sec2-pwd",
        "not-the-password",
    ];
    for _ in 0..2 {
        let out = run(&wrong);
        let doc = json_of(&out);
        assert_eq!(out.status.code(), Some(4), "{doc}");
        assert_eq!(doc["error"]["class"], "auth_failed");
        assert!(doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("wrong PoP/password"));
    }
    // The right password while the device backs this peer off.
    let out = client(&["status"], &device, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(9), "{stderr}");
    assert!(!stderr.contains("wrong PoP/password"), "{stderr}");
    assert!(stderr.contains("retry in "), "how long to wait:\n{stderr}");
    assert!(stderr.contains("hint: wait"), "{stderr}");
    let out = client(&["status", "--json"], &device, &[]);
    let doc = json_of(&out);
    assert_eq!(doc["error"]["class"], "backoff", "{doc}");
    assert_eq!(doc["error"]["exit_code"], 9, "{doc}");
}

// ---- smaller friction ----------------------------------------------------------------------

#[test]
fn friction_usage_help_spellings_and_rebuild_hint() {
    // Bare `uniprov`: usage, not an attempt on 192.168.4.1.
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Usage:"), "{stderr}");
    assert!(
        !stderr.contains("unreachable") && !stderr.contains("✗"),
        "{stderr}"
    );

    // `--transport http`, used by the README and the device banner, is in the help.
    let out = run(&["provision", "--help"]);
    let help = text(&out.stdout);
    assert!(help.contains("http:") || help.contains("- http"), "{help}");

    // One username spelling everywhere, defaulting to wifiprov.
    for args in [
        &["sec2-gen-cred", "--sec2-pwd", "abcd1234", "--json"][..],
        &[
            "sec2-gen-cred",
            "--sec2-username",
            "wifiprov",
            "--sec2-pwd",
            "abcd1234",
            "--json",
        ][..],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(
            json_of(&out)["username"],
            "wifiprov",
            "{}",
            text(&out.stdout)
        );
    }

    // A radio that this build lacks says how to get it.
    #[cfg(not(feature = "networkmanager"))]
    {
        let scratch = Scratch::new();
        let stderr = start_error(
            &scratch,
            &["--listen", "127.0.0.1:0", "--radio", "networkmanager"],
        );
        assert!(stderr.contains("--features networkmanager"), "{stderr}");
    }
}

#[test]
fn friction_version_once_and_an_aligned_scan_table() {
    let scratch = Scratch::new();
    let device = scratch.spawn_http(&["--no-auto-stop"], &[]);
    // The username defaults to wifiprov, as on the device.
    let out = run(&[
        "status",
        "--service-name",
        &device.address,
        "--sec2-pwd",
        PASSWORD,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let out = client(&["version"], &device, &[]);
    assert_eq!(out.status.code(), Some(0));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(all.matches("capabilities").count(), 1, "{all}");

    let out = client(&["scan"], &device, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines.len() >= 2 && lines[0].starts_with("SSID"), "{table}");
    // Every column starts at the same place on every line: the header's "CH" and each row's
    // channel end at the same column.
    let end_of = |line: &str, at: usize| line[..at].trim_end().len();
    let ch = lines[0].find("CH").unwrap() + 2;
    for line in &lines[1..] {
        assert_eq!(end_of(line, ch), ch, "misaligned:\n{table}");
    }
}
