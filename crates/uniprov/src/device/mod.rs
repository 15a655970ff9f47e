//! The device side: transports that carry requests into the provisioning manager.

pub mod transport;
