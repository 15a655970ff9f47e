//! The client side: transports that carry requests to a device.

pub mod transport;
