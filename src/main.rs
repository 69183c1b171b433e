//! The `lotstation` command: parses arguments and hands over to [`cli::run`].
//! This is the only place errors are rendered for a person; exit codes are
//! documented in the README.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = <cli::Cli as clap::Parser>::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            cli::out::error(&format!("{e:#}"));
            ExitCode::from(cli::EXIT_FAILURE)
        }
    }
}
