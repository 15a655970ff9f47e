//! `--sec-ver` of `uniprov device` and of the client commands: parsed once into the core's
//! [`SecVer`], so that nothing after the flag gives `0`, `1` or `2` a meaning.
//!
//! A typed value parser over clap's `u8` range parser rather than a `ValueEnum`: the help text
//! and the error for a value out of range stay exactly what they were.

use clap::builder::TypedValueParser;
use uniprov::core::security::SecVer;

/// The parser of `--sec-ver`: `0`, `1` or `2`.
pub fn parser() -> impl TypedValueParser<Value = SecVer> {
    clap::value_parser!(u8)
        .range(0..=2)
        .map(|n| SecVer::from(u32::from(n)))
}
