//! The provisioning manager.
