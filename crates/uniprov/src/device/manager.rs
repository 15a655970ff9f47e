//! The provisioning manager. It is sans-IO and lives in the core
//! ([`uniprov_core::manager`], served through [`uniprov_core::device::Device`]); re-exported here
//! under its old path.

pub use uniprov_core::manager::*;
