//! The hardening options of `uniprov device` (SECURITY.md): guessing limits, resource bounds
//! and whether the banner shows secrets.

use std::time::Duration;

use clap::{Args, ValueEnum};
use uniprov::device::runtime::AuthLimits;

/// Limits against hostile clients.
#[derive(Debug, Clone, Args)]
pub struct HardeningArgs {
    /// Failed handshakes (wrong PoP / password) of one peer before its handshakes are refused
    /// with exponential backoff (1 s, doubling).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub auth_max_failures: u32,
    /// Failed handshakes of all peers together before everyone backs off.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub auth_global_max_failures: u32,
    /// Longest backoff after failed handshakes, in seconds.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub auth_backoff_cap_s: u64,
    /// Sessions unused for this long are closed, in seconds. Long, because a person may sit on
    /// the app's password screen for minutes; a full session table evicts the least recently
    /// used session earlier.
    #[arg(long, default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..))]
    pub session_idle_timeout_s: u64,
    /// HTTP connections served at once; more wait in the listen backlog.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_connections: u16,
    /// Print the PoP / password (QR code and commands) at start: `auto` only when stderr is a
    /// terminal, so logs and journals never hold them.
    #[arg(long, value_enum, default_value_t = ShowSecrets::Auto)]
    pub show_secrets: ShowSecrets,
}

/// When the banner shows secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowSecrets {
    /// Only when stderr is a terminal.
    Auto,
    /// Always (stderr may be a file: it then holds the secret).
    Always,
    /// Never (provision with the PoP / password you configured).
    Never,
}

impl HardeningArgs {
    /// The online guessing limits.
    pub(super) fn auth_limits(&self) -> AuthLimits {
        AuthLimits {
            max_failures: self.auth_max_failures,
            global_max_failures: self.auth_global_max_failures,
            backoff_cap: Duration::from_secs(self.auth_backoff_cap_s),
            ..AuthLimits::default()
        }
    }

    /// The idle-session timeout.
    pub(super) fn session_idle_timeout(&self) -> Duration {
        Duration::from_secs(self.session_idle_timeout_s)
    }

    /// HTTP connections served at once.
    pub(super) fn max_connections(&self) -> usize {
        usize::from(self.max_connections)
    }

    /// Whether the banner may show secrets.
    pub(super) fn reveal(&self) -> bool {
        match self.show_secrets {
            ShowSecrets::Always => true,
            ShowSecrets::Never => false,
            ShowSecrets::Auto => std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }
}
