//! `uniprov device --check-config`: the packaged configuration file and its failure modes,
//! through the real binary (what the systemd unit's `ExecStartPre=` runs).

use std::path::Path;
use std::process::{Command, Output};

fn check(config: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_uniprov"));
    cmd.args(["device", "--check-config", "--config"])
        .arg(config)
        .args(extra)
        .env_remove("UNIPROV_SEC2_PWD")
        .env_remove("UNIPROV_POP")
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run uniprov")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The packaged file with the NetworkManager radio swapped for one every build has.
fn packaged(dir: &Path, extra: &str) -> std::path::PathBuf {
    let sample = include_str!("../../../../packaging/device.toml")
        .replace("radio = \"networkmanager\"", "radio = \"wpa-supplicant\"");
    let path = dir.join("device.toml");
    std::fs::write(&path, format!("{sample}\n{extra}\n")).expect("write config");
    path
}

#[test]
fn the_packaged_file_is_refused_until_it_has_security_2_credentials() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = check(&packaged(dir.path(), ""), &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("security 2 without credentials"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_password_or_a_verifier_makes_it_valid_and_is_never_printed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pwd = "check-config-secret-pwd";
    let path = packaged(dir.path(), &format!("sec2-pwd = \"{pwd}\""));
    let out = check(&path, &[], &[]);
    assert!(out.status.success(), "{}", text(&out));
    // The user the device will check (the apps' default when the file names none).
    assert!(
        text(&out).contains("configuration OK: security 2 (user \"wifiprov\", password)"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains(pwd));

    let path = packaged(dir.path(), "");
    let out = check(&path, &[], &[("UNIPROV_SEC2_PWD", pwd)]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains(pwd));

    let verifier = "ab".repeat(384);
    let path = packaged(
        dir.path(),
        &format!(
            "sec2-salt = \"00112233445566778899aabbccddeeff\"\nsec2-verifier = \"{verifier}\""
        ),
    );
    let out = check(&path, &[], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains(&verifier));
}

#[test]
fn errors_a_start_would_hit_are_reported_without_starting() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (extra, expected) in [
        ("sec2-pwd = \"x\"\nno-such-key = 1", "unknown option"),
        ("sec2-salt = \"zz\"\nsec2-verifier = \"00\"", "not hex"),
        (
            "sec2-pwd = \"x\"\nsim-config = \"/nonexistent/world.toml\"",
            "reading",
        ),
    ] {
        let out = check(&packaged(dir.path(), extra), &[], &[]);
        assert_eq!(out.status.code(), Some(1), "{extra}: {}", text(&out));
        assert!(text(&out).contains(expected), "{extra}: {}", text(&out));
    }
    // Nothing was opened: port 80 needs no privilege for a check, and no state was written.
    let state = dir.path().join("state");
    let path = packaged(dir.path(), "sec2-pwd = \"x\"");
    let out = check(&path, &["--state-dir", state.to_str().expect("utf-8")], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!state.exists(), "the check created the state directory");
}

#[test]
fn weak_explicit_choices_pass_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = check(&packaged(dir.path(), ""), &["--sec-ver", "1"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("without a PoP"), "{}", text(&out));
}
