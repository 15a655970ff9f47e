//! Test helper binary: a console device on stdin/stdout whose manager echoes requests (see
//! `tests/it/fake_manager.rs`). Spawned by `tests/it/transport_console.rs` through
//! `env!("CARGO_BIN_EXE_uniprov-console-echo")`, which cargo guarantees to be built for
//! integration tests.

// A `[[bin]]` cannot use dev-dependencies (so not `uniprov-testkit`), hence the one `#[path]`:
// the fake manager is the test binary's own module, and this helper uses only part of it.
#[allow(dead_code)]
#[path = "../it/fake_manager.rs"]
mod fake_manager;

use uniprov::device::transport::{ConsoleConfig, ConsoleTransport};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let (queue, _seen) = fake_manager::spawn_echo_manager();
    let console = ConsoleTransport::new(ConsoleConfig::default());
    let never = std::future::pending::<()>();
    console
        .serve(tokio::io::stdin(), tokio::io::stdout(), queue, never)
        .await
}
