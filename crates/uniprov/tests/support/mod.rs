//! Shared test support.
#![allow(dead_code)]

pub mod fake_device;
pub mod http_device;
