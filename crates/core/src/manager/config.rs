//! The manager's configuration (ESP: `wifi_prov_mgr_config_t`, Kconfig, `disable_auto_stop`).

use core::time::Duration;

use crate::messages::NetworkKind;

/// ESP's default auto-stop timeout after a successful connection (Kconfig `*_AUTOSTOP_TIMEOUT`).
pub const DEFAULT_AUTO_STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// ESP's default cleanup delay between a stop request and the transport teardown.
pub const DEFAULT_CLEANUP_DELAY: Duration = Duration::from_millis(1000);
/// The shortest cleanup delay ESP honours (`max(cleanup_delay, 100 ms)`, §10.5).
pub const MIN_CLEANUP_DELAY: Duration = Duration::from_millis(100);
/// ESP's Thread attach timer (§10.7).
pub const DEFAULT_THREAD_ATTACH_TIMEOUT: Duration = Duration::from_secs(20);

/// How the provisioning manager behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerConfig {
    /// Which network this device provisions; requests for the other kind answer InvalidArgument
    /// (§10.6, "build without the requested network type").
    pub network: NetworkKind,
    /// Full provisioning or session-only (§11).
    pub mode: Mode,
    /// In [`Mode::SessionOnly`]: offer prov-ctrl / prov-scan / prov-config this run
    /// (`network_prov_mgr_enable_provisioning`). Ignored in [`Mode::Full`], which always offers them.
    pub enable_provisioning: bool,
    /// Whether the service stops by itself after success (§10.5).
    pub auto_stop: AutoStop,
    /// Time between a stop request and the teardown, so the last response gets out; at least
    /// [`MIN_CLEANUP_DELAY`] is used.
    pub cleanup_delay: Duration,
    /// Cap of the scan result list (Kconfig `*_SCAN_MAX_ENTRIES`, 1-255; 0 is taken as 1).
    pub scan_max_entries: u8,
    /// Connection attempts before a failure is reported; 0 = ESP legacy (fail on the first
    /// authentication / not-found failure, retry forever on other reasons), §10.3.
    pub wifi_conn_attempts: u32,
    /// How long attaching to a Thread network may take before it fails (§10.7).
    pub thread_attach_timeout: Duration,
    /// After a failure is reported (CRED_FAIL / DATASET_FAIL, i.e. once the attempts of
    /// [`wifi_conn_attempts`](Self::wifi_conn_attempts) are used up), go back to STARTED at
    /// once, as ESP-IDF's `wifi_prov_mgr` example does by default
    /// (`CONFIG_EXAMPLE_RESET_PROV_MGR_ON_FAILURE`: `reset_sm_state_on_failure()` in its
    /// CRED_FAIL handler). GetStatus keeps reporting the failure until the next Apply, and the
    /// next SetConfig + Apply is accepted: the stock phone apps never send prov-ctrl, so this
    /// is the only way a person can correct a wrong passphrase from the app (docs/apps.md §5).
    /// `false` keeps ESP's manager rule: FAIL until a ctrl reset.
    pub reset_on_failure: bool,
}

impl Default for ManagerConfig {
    /// ESP's defaults: Wi-Fi, full mode, auto-stop after 30 s, cleanup 1000 ms, 16 scan entries,
    /// legacy attempts, 20 s Thread attach; and the ESP example's reset after a failure.
    fn default() -> Self {
        ManagerConfig {
            network: NetworkKind::Wifi,
            mode: Mode::Full,
            enable_provisioning: false,
            auto_stop: AutoStop::Enabled {
                timeout: DEFAULT_AUTO_STOP_TIMEOUT,
            },
            cleanup_delay: DEFAULT_CLEANUP_DELAY,
            scan_max_entries: 16,
            wifi_conn_attempts: 0,
            thread_attach_timeout: DEFAULT_THREAD_ATTACH_TIMEOUT,
            reset_on_failure: true,
        }
    }
}

impl ManagerConfig {
    /// Whether prov-ctrl / prov-scan / prov-config are offered when the manager starts.
    pub fn provisioning_offered(&self) -> bool {
        match self.mode {
            Mode::Full => true,
            Mode::SessionOnly => self.enable_provisioning,
        }
    }

    /// The cleanup delay actually used.
    pub fn effective_cleanup_delay(&self) -> Duration {
        self.cleanup_delay.max(MIN_CLEANUP_DELAY)
    }

    /// The scan cap actually used.
    pub fn scan_cap(&self) -> usize {
        usize::from(self.scan_max_entries.max(1))
    }
}

/// Full provisioning or session-only (docs/protocol.md §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The classic service: everything stops after provisioning.
    Full,
    /// The protocomm session (prov-session, proto-ver, custom endpoints) and the transport stay up
    /// after provisioning; only the provisioning endpoints go.
    SessionOnly,
}

/// Auto-stop after success (§10.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoStop {
    /// Stop on the first GetStatus that reports Connected, or `timeout` after the connection
    /// succeeded, whichever comes first.
    Enabled {
        /// Time after success (ESP: 30 s, range 5-600).
        timeout: Duration,
    },
    /// Keep running until an explicit stop (`--no-auto-stop`); ctrl reprov is allowed.
    Disabled,
}
