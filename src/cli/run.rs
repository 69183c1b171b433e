//! `lotstation run`: the station daemon.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use lotstation::daemon;
use lotstation::events::Feedback;
use lotstation::telemetry;

use super::{EXIT_FAILURE, out};

/// Run a scanning station: read its sources, judge every lot move against
/// the local store, record accepted moves durably, and show each verdict.
///
/// The demo station needs no hardware and no network:
///
///   lotstation run --config config/demo.toml
///
/// It imports the demo master data into a new store under config/demo-state/,
/// replays a receive → issue → produce → ship scenario (a quarantined lot is
/// refused, a newer lot gets a FEFO warning) and stops when the capture ends.
///
/// Each verdict is printed as one line starting with ACCEPTED, WARNING,
/// REJECTED, PROMPT, INFO, MODE, OPERATOR or ERROR; an ACCEPTED or WARNING
/// line is printed only after the move is on disk. Logs go to stderr.
/// SIGTERM or Ctrl-C stops the station after the scans already read are
/// handled. Exit code 0 on a clean stop, 2 if the station cannot start.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct RunArgs {
    /// The station's configuration file.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,

    /// Append every LLRP frame sent to or received from the RFID readers to
    /// FILE, one hex line each (`lotstation llrp decode FILE` reads it back).
    #[arg(long, value_name = "FILE")]
    trace_llrp: Option<PathBuf>,

    /// Print verdict lines on standard output: always, never, or when it is a terminal.
    #[arg(long, value_enum, default_value_t = Verdicts::Always)]
    verdicts: Verdicts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Verdicts {
    Always,
    Never,
    Auto,
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let Some(mut config) = super::config::load_or_report(&args.config) else {
        return Ok(ExitCode::from(EXIT_FAILURE));
    };
    if let Err(e) = telemetry::init(&config.log.level, config.log.format) {
        out::error(&e);
        return Ok(ExitCode::from(EXIT_FAILURE));
    }
    let print = match args.verdicts {
        Verdicts::Always => true,
        Verdicts::Never => false,
        Verdicts::Auto => std::io::IsTerminal::is_terminal(&std::io::stdout()),
    };
    config.trace_llrp = args.trace_llrp.clone();
    match daemon::run(
        config,
        Feedback { print },
        lotstation::clock::Clock::system(),
    ) {
        Ok(outcome) if outcome.clean => Ok(ExitCode::SUCCESS),
        Ok(_) => {
            out::error("the station did not stop within its deadline");
            Ok(ExitCode::from(EXIT_FAILURE))
        }
        Err(e) => {
            out::error(&format!("the station cannot run: {e}"));
            Ok(ExitCode::from(EXIT_FAILURE))
        }
    }
}
