//! `uniprov`: the command-line front end.

fn main() -> anyhow::Result<()> {
    println!("uniprov {}", env!("CARGO_PKG_VERSION"));
    Ok(())
}
