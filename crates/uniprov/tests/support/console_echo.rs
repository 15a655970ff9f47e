//! Test helper binary: a console device on stdin/stdout whose manager echoes requests (see
//! `tests/common`). Spawned by `tests/transport_console.rs` through
//! `env!("CARGO_BIN_EXE_uniprov-console-echo")`, which cargo guarantees to be built for
//! integration tests.

#[path = "../common/mod.rs"]
mod common;

use uniprov::device::transport::{ConsoleConfig, ConsoleTransport};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let (queue, _seen) = common::spawn_echo_manager();
    let console = ConsoleTransport::new(ConsoleConfig::default());
    let never = std::future::pending::<()>();
    console
        .serve(tokio::io::stdin(), tokio::io::stdout(), queue, never)
        .await
}
