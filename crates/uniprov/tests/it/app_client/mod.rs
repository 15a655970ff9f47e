//! Clients that behave like the stock ESP provisioning apps on the wire (docs/apps.md): their
//! security 2 arithmetic, quirks included (`srp`), their HTTP (`http`), their session and data
//! phase (`session`), a whole provisioning (`provision`) and a handshake load (`stress`).
//! None of it uses `uniprov-core`'s security code, so the two cannot share one mistake; only
//! the protobuf types come from the core.

pub mod http;
pub mod provision;
pub mod session;
pub mod srp;
pub mod stress;
