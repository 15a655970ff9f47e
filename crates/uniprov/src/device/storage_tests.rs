//! State directory tests.

use super::*;
use std::os::unix::fs::MetadataExt;

fn dir() -> (tempfile::TempDir, StateDir) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let state = StateDir::open(tmp.path().join("state")).expect("open");
    (tmp, state)
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").mode() & 0o777
}

#[test]
fn open_creates_a_private_directory() {
    let (_tmp, state) = dir();
    assert_eq!(mode(state.path()), 0o700);
}

#[test]
fn wifi_round_trip_with_mode_0600() {
    let (_tmp, state) = dir();
    assert!(state.load_wifi().expect("load").is_none());
    state
        .store_wifi(b"HomeNetwork", &Secret::new(b"password123".to_vec()))
        .expect("store");
    let wifi = state.load_wifi().expect("load").expect("present");
    assert_eq!(wifi.ssid, b"HomeNetwork");
    assert_eq!(wifi.passphrase.expose(), b"password123");
    assert_eq!(mode(&state.path().join(WIFI_FILE)), 0o600);
    state
        .store_wifi(b"Other", &Secret::new(Vec::new()))
        .expect("replace");
    let wifi = state.load_wifi().expect("load").expect("present");
    assert_eq!(wifi.ssid, b"Other");
    assert!(wifi.passphrase.expose().is_empty());
}

#[test]
fn thread_and_sec2_round_trip_and_clear_network_keeps_sec2() {
    let (_tmp, state) = dir();
    state
        .store_thread(&Secret::new(vec![0, 3, 0, 0, 15]))
        .expect("store");
    state
        .store_sec2(&[1, 2, 3], &Secret::new(vec![9; 384]))
        .expect("store");
    state
        .store_wifi(b"x", &Secret::new(b"y".to_vec()))
        .expect("store");
    let thread = state.load_thread().expect("load").expect("present");
    assert_eq!(thread.dataset.expose(), &[0, 3, 0, 0, 15]);
    state.clear_network().expect("clear");
    state.clear_network().expect("clearing twice is fine");
    assert!(state.load_wifi().expect("load").is_none());
    assert!(state.load_thread().expect("load").is_none());
    let sec2 = state.load_sec2().expect("load").expect("kept");
    assert_eq!(sec2.salt, [1, 2, 3]);
    assert_eq!(sec2.verifier.expose().len(), 384);
    assert_eq!(mode(&state.path().join(SEC2_FILE)), 0o600);
}

#[test]
fn writes_leave_no_temp_files() {
    let (_tmp, state) = dir();
    for i in 0..5u8 {
        state
            .store_wifi(&[b'a' + i], &Secret::new(vec![b'p'; 8]))
            .expect("store");
    }
    let names: Vec<String> = fs::read_dir(state.path())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec![WIFI_FILE.to_string()]);
}

#[test]
fn leftover_temp_files_are_ignored_and_removed_on_open() {
    let (tmp, state) = dir();
    state
        .store_wifi(b"Good", &Secret::new(b"password123".to_vec()))
        .expect("store");
    // A crash between write and rename leaves a (possibly torn) temp file beside the real one.
    let torn = state.path().join(".wifi.json.1.0.tmp");
    fs::write(&torn, b"{\"ssid\": \"00").expect("write");
    assert_eq!(
        state.load_wifi().expect("load").expect("present").ssid,
        b"Good"
    );
    let reopened = StateDir::open(tmp.path().join("state")).expect("open");
    assert!(!torn.exists());
    assert!(reopened.load_wifi().expect("load").is_some());
}

#[test]
fn corrupt_files_are_errors_without_their_content() {
    let (_tmp, state) = dir();
    let path = state.path().join(WIFI_FILE);
    let cases: [&[u8]; 6] = [
        b"",
        b"{\"ssid\": \"48",
        b"{\"ssid\": \"zz\", \"passphrase\": \"\"}",
        b"{\"ssid\": \"41\"}",
        b"{\"ssid\": 5, \"passphrase\": \"7365637265747365637265740a\"}",
        &[0xFF, 0xFE, 0x00],
    ];
    for bytes in cases {
        fs::write(&path, bytes).expect("write");
        let err = state.load_wifi().expect_err("corrupt");
        assert!(matches!(err, StorageError::Corrupt { .. }), "{err}");
        assert!(!err.to_string().contains("7365637265"), "{err}");
    }
    let long = format!(
        "{{\"ssid\": \"{}\", \"passphrase\": \"\"}}",
        "41".repeat(33)
    );
    fs::write(&path, long).expect("write");
    assert!(matches!(
        state.load_wifi(),
        Err(StorageError::Corrupt { .. })
    ));
}

#[test]
fn default_dir_follows_root_and_xdg() {
    let root = StateDirEnv {
        is_root: true,
        ..StateDirEnv::default()
    };
    assert_eq!(root.state_dir(), Some(PathBuf::from("/var/lib/uniprov")));
    let xdg = StateDirEnv {
        is_root: false,
        xdg_state_home: Some("/x/state".into()),
        home: Some("/home/u".into()),
    };
    assert_eq!(xdg.state_dir(), Some(PathBuf::from("/x/state/uniprov")));
    let home = StateDirEnv {
        xdg_state_home: Some("relative".into()),
        home: Some("/home/u".into()),
        ..StateDirEnv::default()
    };
    assert_eq!(
        home.state_dir(),
        Some(PathBuf::from("/home/u/.local/state/uniprov"))
    );
    assert_eq!(StateDirEnv::default().state_dir(), None);
    assert!(default_state_dir().is_some() || std::env::var_os("HOME").is_none());
}

#[test]
fn sec2_credentials_keep_the_salt_and_follow_the_password() {
    let (_tmp, state) = dir();
    let mut os = crate::entropy::OsEntropy;
    let first = state
        .sec2_credentials(b"wifiprov", b"pw-one", &mut os)
        .expect("first");
    assert_eq!(first.salt.len(), SEC2_SALT_LEN);
    assert_ne!(first.salt[0], 0);
    let stored = state.load_sec2().expect("load").expect("stored");
    assert_eq!(stored.salt, first.salt);
    assert_eq!(stored.verifier.expose(), first.verifier.expose());

    let again = state
        .sec2_credentials(b"wifiprov", b"pw-one", &mut os)
        .expect("again");
    assert_eq!(again.salt, first.salt);
    assert_eq!(again.verifier.expose(), first.verifier.expose());

    let changed = state
        .sec2_credentials(b"wifiprov", b"pw-two", &mut os)
        .expect("new password");
    assert_eq!(changed.salt, first.salt);
    assert_ne!(changed.verifier.expose(), first.verifier.expose());
    let stored = state.load_sec2().expect("load").expect("stored");
    assert_eq!(stored.verifier.expose(), changed.verifier.expose());
}

#[test]
fn a_stored_sec2_salt_starting_with_zero_is_replaced() {
    let (_tmp, state) = dir();
    state
        .store_sec2(&[0, 1, 2, 3], &Secret::new(vec![5]))
        .expect("store");
    let creds = state
        .sec2_credentials(b"wifiprov", b"pw", &mut crate::entropy::OsEntropy)
        .expect("credentials");
    assert_ne!(creds.salt[0], 0);
    let stored = state.load_sec2().expect("load").expect("stored");
    assert_eq!(stored.salt, creds.salt);
    assert_ne!(stored.verifier.expose(), &vec![5u8]);
}
