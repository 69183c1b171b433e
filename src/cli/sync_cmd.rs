//! `lotstation sync --once`: one sync round in the foreground.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;

use lotstation::config::Config;
use lotstation::store::Store;
use lotstation::sync::{PullTally, Syncer};
use lotstation::telemetry;

use super::{EXIT_FAILURE, EXIT_REJECTED, out};

/// Sync with the central server in the foreground: push every transaction
/// in the outbox, then pull the status lane (holds, recalls), then the
/// master-data lane, and print what was done.
///
///   lotstation sync --once --config /etc/lotstation/lotstation.toml
///
/// Uses the [sync] section of the configuration and the station's store
/// file, which must not be open in a running station. Exit code 0 when the
/// round completed, 1 when the central server could not be reached or
/// refused something (the reason is printed; nothing is lost, the outbox
/// keeps what was not acknowledged), 2 on configuration or store errors.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct SyncArgs {
    /// The station's configuration file (with a [sync] section).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Run one round and exit (the running station syncs continuously).
    #[arg(long, required = true)]
    once: bool,
}

fn lane(out: &mut impl Write, name: &str, t: &PullTally) -> std::io::Result<()> {
    writeln!(
        out,
        "{name:<7} lane: {} change(s) applied in {} page(s){}{}, cursor {} of {}",
        t.applied,
        t.pages,
        if t.snapshot { " from a snapshot" } else { "" },
        if t.skipped > 0 {
            format!(", {} skipped (see the log)", t.skipped)
        } else {
            String::new()
        },
        t.cursor,
        t.head
    )
}

pub fn run(args: SyncArgs) -> anyhow::Result<ExitCode> {
    let config = match Config::load(&args.config) {
        Ok(c) => c,
        Err(errors) => {
            for e in errors.iter() {
                out::error(&e.to_string());
            }
            return Ok(ExitCode::from(EXIT_FAILURE));
        }
    };
    let Some(sync) = config.sync.clone() else {
        bail!(
            "{} has no [sync] section: set sync.central_url to sync with a central server",
            args.config.display()
        );
    };
    if let Err(e) = telemetry::init(&config.log.level, config.log.format) {
        out::error(&e);
        return Ok(ExitCode::from(EXIT_FAILURE));
    }
    let store = Store::open(&config.store.path, config.store.tuning)
        .with_context(|| format!("opening the store {}", config.store.path.display()))?;
    let mut syncer = Syncer::new(
        store,
        &config.station.id,
        &sync,
        None,
        lotstation::clock::Clock::system(),
    )?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(syncer.round());
    let mut o = std::io::stdout().lock();
    let p = report.push;
    writeln!(
        o,
        "push:   {} transaction(s) in {} batch(es): {} accepted, {} duplicate, {} flagged, {} rejected (parked)",
        p.accepted + p.duplicate + p.flagged + p.rejected,
        p.batches,
        p.accepted,
        p.duplicate,
        p.flagged,
        p.rejected
    )?;
    lane(&mut o, "status", &report.status)?;
    lane(&mut o, "master", &report.master)?;
    writeln!(o, "outbox: {} transaction(s) waiting", report.outbox)?;
    if let Some(f) = report.failure {
        writeln!(o, "stopped: {f}")?;
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}
