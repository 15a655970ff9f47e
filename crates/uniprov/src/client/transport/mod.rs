//! Client transports.
