//! `lotstation check-config` and `lotstation print-default-config`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use lotstation::config::{self, Config};

use super::{EXIT_REJECTED, out};

/// The station configuration at `path`; when it is refused, each problem
/// and how to check the file are printed and `None` is returned.
pub(super) fn load_or_report(path: &Path) -> Option<Config> {
    match Config::load(path) {
        Ok(c) => Some(c),
        Err(errors) => {
            for e in errors.iter() {
                out::error(&e.to_string());
            }
            out::error(&format!(
                "{}: configuration rejected; check it with `lotstation check-config {}`",
                path.display(),
                path.display()
            ));
            None
        }
    }
}

/// Check a configuration file without starting anything.
///
/// Parses FILE, checks every key (ranges, names, time zone, regular
/// expressions, lot pattern, sources) and resolves relative paths against
/// FILE's directory. Devices and replay files are not opened and the store is
/// not touched: this checks the file, not the machine.
///
/// On success prints one line, e.g.
///
///   ok: station demo-kiosk-1, 1 source, store /srv/lotstation/config/demo-state/station.redb
///
/// and exits 0. Otherwise prints every problem found, one per line, as
///
///   FILE:LINE:COLUMN: key KEY: what is wrong; what is allowed
///
/// and exits 1 (the file was read and rejected). Exit code 2: FILE cannot be
/// read, or bad arguments.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct CheckConfigArgs {
    /// The configuration file, e.g. /etc/lotstation/lotstation.toml or config/demo.toml.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// Print the documented default configuration.
///
/// Every key with what it does, its unit, its default and the values
/// allowed. Start a station's file from it:
///
///   lotstation print-default-config > /etc/lotstation/lotstation.toml
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct PrintDefaultConfigArgs {}

pub fn check(args: CheckConfigArgs) -> anyhow::Result<ExitCode> {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => anyhow::bail!("{}: cannot read the file: {e}", args.file.display()),
    };
    match Config::from_str(&text, &args.file) {
        Ok(c) => {
            let n = c.sources.len();
            writeln!(
                std::io::stdout().lock(),
                "ok: station {}, {n} source{}, store {}",
                c.station.id,
                if n == 1 { "" } else { "s" },
                c.store.path.display()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            for e in errors.iter() {
                out::error(&e.to_string());
            }
            let n = errors.len();
            out::error(&format!(
                "{}: {n} problem{} found; configuration rejected",
                args.file.display(),
                if n == 1 { "" } else { "s" }
            ));
            Ok(ExitCode::from(EXIT_REJECTED))
        }
    }
}

pub fn print_default(_args: PrintDefaultConfigArgs) -> anyhow::Result<ExitCode> {
    std::io::stdout()
        .lock()
        .write_all(config::DEFAULT_CONFIG.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
