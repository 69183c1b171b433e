//! Integration tests: one binary (see the README's test command).

mod cli_ident;
mod error_kinds;
