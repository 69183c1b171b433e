//! Store queries and maintenance: `import`, `lot show`, `trace`, `outbox`,
//! `verify`, `backup`. Each opens the station's store file directly; while a
//! station daemon holds the file, they say so and stop.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde::Serialize;

use lotstation::clock::{Anchor, Clock};
use lotstation::ident::{self, DecodeOptions};
use lotstation::model::{ItemCode, LotKey, LotNo, Transaction};
use lotstation::store::{self, Store, StoreConfig, import};

use super::EXIT_REJECTED;

/// Which store file to open.
#[derive(Debug, Args)]
pub struct StoreArg {
    /// The station's store file (redb), e.g. /var/lib/lotstation/station.redb.
    #[arg(long, value_name = "PATH")]
    store: PathBuf,
}

impl StoreArg {
    fn open(&self) -> anyhow::Result<Store> {
        Store::open(&self.store, StoreConfig::default())
            .with_context(|| format!("opening the store {}", self.store.display()))
    }
}

/// Load master data (items, lots, locations, work orders, shipments) from
/// JSON or CSV files into the store. Every row is checked first; on any error
/// nothing is applied and each problem is listed with file, line and field.
/// Formats: docs/import.md; examples: config/demo-data/.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    store: StoreArg,
    /// For CSV files whose rows are all of one kind: items, lots, locations, work_orders or shipments.
    #[arg(long, value_name = "KIND")]
    kind: Option<import::Kind>,
    /// The plant's time zone (IANA name, as `station.timezone`): relative
    /// dates in the files (`today`, `+25d`, `-3d`) count from today there.
    /// Default: the machine's zone.
    #[arg(long, value_name = "ZONE")]
    timezone: Option<String>,
    /// JSON files (arrays per kind) or CSV files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Lot queries.
#[derive(Debug, Args)]
pub struct LotArgs {
    #[command(subcommand)]
    command: LotCommand,
}

#[derive(Debug, Subcommand)]
enum LotCommand {
    /// Status, expiry, stock per location, parents and history of one lot.
    Show(LotShowArgs),
}

/// A lot named on the command line.
#[derive(Debug, Args)]
pub(crate) struct LotRef {
    /// The lot: `ITEM/LOT` (e.g. 09506000134352/20240847), or a GS1 label with
    /// (01) and (10), e.g. '(01)09506000134352(10)20240847'. The lot number
    /// is used as stored (canonical form).
    lot: String,
}

impl LotRef {
    pub(crate) fn key(&self) -> anyhow::Result<LotKey> {
        let decoded = ident::decode(self.lot.as_bytes(), &DecodeOptions::default());
        if let Some(es) = decoded.as_ref().ok().and_then(|d| d.element_string())
            && let (Some(item), Some(lot)) = (es.get("01"), es.get("10"))
        {
            return Ok(LotKey {
                item: ItemCode(item.to_owned()),
                lot: LotNo(lot.to_owned()),
            });
        }
        match self.lot.split_once('/') {
            Some((item, lot)) if !item.is_empty() && !lot.is_empty() => Ok(LotKey {
                item: ItemCode(item.to_owned()),
                lot: LotNo(lot.to_owned()),
            }),
            _ => bail!(
                "{:?} names no lot: write ITEM/LOT (e.g. 09506000134352/20240847) or a GS1 label with (01) and (10)",
                self.lot
            ),
        }
    }
}

#[derive(Debug, Args)]
struct LotShowArgs {
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    lot: LotRef,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Genealogy of a lot: backward to the lots (and so supplier lots) it was
/// made from, or forward to the lots made from it and the shipments that
/// carried them.
#[derive(Debug, Args)]
pub struct TraceArgs {
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    lot: LotRef,
    /// Walk to the lots this one was made from.
    #[arg(long, conflicts_with = "forward", required_unless_present = "forward")]
    backward: bool,
    /// Walk to the lots made from this one and to shipments.
    #[arg(long)]
    forward: bool,
    /// Stop after this many lots.
    #[arg(long, default_value_t = 10_000)]
    limit: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Transactions not yet acknowledged by the central server, the sync state
/// (offline since, cursors and lag) and the transactions the server
/// rejected or flagged.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct OutboxArgs {
    #[command(subcommand)]
    command: Option<OutboxCommand>,
    #[command(flatten)]
    show: OutboxShowArgs,
}

#[derive(Debug, Args)]
struct OutboxShowArgs {
    /// The station's store file (redb), e.g. /var/lib/lotstation/station.redb.
    #[arg(long, value_name = "PATH", required = true)]
    store: Option<PathBuf>,
    /// Also list up to this many pending transactions, oldest first.
    #[arg(long, value_name = "N")]
    list: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum OutboxCommand {
    /// Re-queue a transaction the central server rejected (parked), after
    /// the cause was fixed (e.g. the item was added to the central master
    /// data). The running station's sync, or `lotstation sync --once`,
    /// sends it again.
    Retry(OutboxRetryArgs),
}

#[derive(Debug, Args)]
struct OutboxRetryArgs {
    #[command(flatten)]
    store: StoreArg,
    /// The transaction id (UUID), as `lotstation outbox` lists it.
    id: uuid::Uuid,
}

/// Check the store: page checksums, the audit chain (reports the first
/// broken link), per-station sequence numbers and stock. Exit 1 on problems.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    store: StoreArg,
}

/// Write a consistent snapshot of the store to DEST (a new file), verified
/// before it is put in place. A running station keeps working meanwhile only
/// if the snapshot is taken through it; this command needs the file free.
#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    store: StoreArg,
    /// Backup file to create (must not exist).
    dest: PathBuf,
}

pub fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let tz = match &args.timezone {
        Some(name) => jiff::tz::TimeZone::get(name).with_context(|| {
            format!("--timezone {name}: not a known IANA time zone (e.g. Europe/Berlin)")
        })?,
        None => jiff::tz::TimeZone::system(),
    };
    let anchor = Anchor::at(Clock::system().now(), &tz);
    let mut data = import::MasterData::default();
    let mut problems = Vec::new();
    for f in &args.files {
        match import::load(f, args.kind, &anchor) {
            Ok(d) => data.extend(d),
            Err(e) => problems.push(e),
        }
    }
    if !problems.is_empty() {
        let mut err = std::io::stderr().lock();
        for p in &problems {
            writeln!(err, "{p}")?;
        }
        writeln!(err, "nothing was imported")?;
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    let store = args.store.open()?;
    match store.blocking_import(data) {
        Ok(s) => {
            writeln!(
                std::io::stdout().lock(),
                "imported {} items, {} lots, {} locations, {} work orders, {} shipments",
                s.items,
                s.lots,
                s.locations,
                s.work_orders,
                s.shipments
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            writeln!(std::io::stderr().lock(), "{e}\nnothing was imported")?;
            Ok(ExitCode::from(EXIT_REJECTED))
        }
    }
}

#[derive(Serialize)]
struct LotReport<'a> {
    lot: &'a lotstation::model::Lot,
    history: &'a [Transaction],
}

pub fn lot(args: LotArgs) -> anyhow::Result<ExitCode> {
    let LotCommand::Show(args) = args.command;
    let key = args.lot.key()?;
    let store = args.store.open()?;
    let Some(lot) = store.lot(&key)? else {
        writeln!(std::io::stderr().lock(), "lot {key} is not in the store")?;
        return Ok(ExitCode::from(EXIT_REJECTED));
    };
    let history = store.history(&key)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(
            &mut out,
            &LotReport {
                lot: &lot,
                history: &history,
            },
        )?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "{key}")?;
    writeln!(out, "  status        {}", lot.status.as_str())?;
    if let Some(e) = lot.expiry_date {
        writeln!(out, "  expiry        {e}")?;
    }
    if let Some(p) = lot.production_date {
        writeln!(out, "  produced      {p}")?;
    }
    if let Some(s) = &lot.supplier_lot {
        writeln!(out, "  supplier lot  {s}")?;
    }
    if let Some(s) = &lot.internal_lot {
        writeln!(out, "  internal lot  {s}")?;
    }
    writeln!(out, "  on hand       {}", lot.total_on_hand())?;
    for (loc, q) in &lot.on_hand {
        writeln!(out, "    {:<16} {q}", loc.0)?;
    }
    for p in &lot.parents {
        writeln!(out, "  made from     {p}")?;
    }
    writeln!(out, "  history ({} transactions)", history.len())?;
    for tx in &history {
        writeln!(
            out,
            "    {} {} #{} {:<8} {}",
            tx.at,
            tx.station,
            tx.seq,
            tx.mv.kind.as_str(),
            tx.mv
                .lines
                .iter()
                .map(|l| format!("{} {}", l.lot.lot.0, l.qty))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn trace(args: TraceArgs) -> anyhow::Result<ExitCode> {
    let key = args.lot.key()?;
    let store = args.store.open()?;
    let snap = store.snapshot()?;
    if snap.try_lot(&key)?.is_none() {
        writeln!(std::io::stderr().lock(), "lot {key} is not in the store")?;
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    let mut out = std::io::stdout().lock();
    if args.backward {
        let b = store::trace::backward(&snap, &key, args.limit)?;
        if args.json {
            let v = serde_json::json!({"lot": key, "made_from": b.lots, "truncated": b.truncated});
            writeln!(out, "{v}")?;
        } else {
            writeln!(
                out,
                "{key} was made from {} lot(s){}",
                b.lots.len(),
                if b.truncated { " (truncated)" } else { "" }
            )?;
            for l in &b.lots {
                writeln!(out, "  {l}")?;
            }
        }
    } else {
        let f = store::trace::forward(&snap, &key, args.limit)?;
        if args.json {
            let v = serde_json::json!({"lot": key, "went_into": f.lots, "shipments": f.shipments, "truncated": f.truncated});
            writeln!(out, "{v}")?;
        } else {
            writeln!(
                out,
                "{key} went into {} lot(s) and {} shipment(s){}",
                f.lots.len(),
                f.shipments.len(),
                if f.truncated { " (truncated)" } else { "" }
            )?;
            for l in &f.lots {
                writeln!(out, "  lot {l}")?;
            }
            for s in &f.shipments {
                writeln!(out, "  shipment {s}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn outbox(args: OutboxArgs) -> anyhow::Result<ExitCode> {
    if let Some(OutboxCommand::Retry(r)) = args.command {
        let store = r.store.open()?;
        return match store.blocking_retry_exception(lotstation::model::TxId(r.id)) {
            Ok(_) => {
                writeln!(
                    std::io::stdout().lock(),
                    "{} is back in the outbox; it is sent at the next sync",
                    r.id
                )?;
                Ok(ExitCode::SUCCESS)
            }
            Err(e @ store::StoreError::RetryRefused(_)) => {
                writeln!(std::io::stderr().lock(), "{e}")?;
                Ok(ExitCode::from(EXIT_REJECTED))
            }
            Err(e) => Err(e.into()),
        };
    }
    let args = args.show;
    let Some(path) = &args.store else {
        bail!("--store PATH is required");
    };
    let store = StoreArg {
        store: path.clone(),
    }
    .open()?;
    let snap = store.snapshot()?;
    let pending = snap.outbox_len()?;
    let oldest = snap.outbox_oldest()?;
    let state = snap.sync_state()?;
    let exceptions = snap.sync_exceptions(1_000)?;
    let listed = match args.list {
        Some(n) => store.pending(n)?,
        None => Vec::new(),
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        let v = serde_json::json!({
            "pending": pending,
            "oldest": oldest.as_ref().map(|e| serde_json::json!({"id": e.tx.id, "at": e.tx.at, "station": e.tx.station, "seq": e.tx.seq})),
            "transactions": listed.iter().map(|e| &e.tx).collect::<Vec<_>>(),
            "sync": state,
            "exceptions": exceptions,
        });
        writeln!(out, "{v}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let now = Clock::system().now();
    let age = |t: Option<jiff::Timestamp>| match t {
        Some(t) => format!("{t} ({} ago)", lotstation::sync::fmt_age(now, t)),
        None => "never".to_owned(),
    };
    writeln!(
        out,
        "{pending} transaction(s) waiting for the central server"
    )?;
    if let Some(e) = &oldest {
        writeln!(
            out,
            "oldest: {} at {} ({} #{}), {} old",
            e.tx.id,
            e.tx.at,
            e.tx.station,
            e.tx.seq,
            lotstation::sync::fmt_age(now, e.tx.at)
        )?;
    }
    match state.offline_since {
        Some(t) => writeln!(out, "offline since {}", age(Some(t)))?,
        None => writeln!(out, "last contact  {}", age(state.last_contact))?,
    }
    writeln!(out, "last push     {}", age(state.last_push))?;
    writeln!(
        out,
        "status lane   cursor {} of {} (lag {}), pulled {}",
        state.status_cursor,
        state.status_head,
        state.status_head.saturating_sub(state.status_cursor),
        age(state.last_status_pull)
    )?;
    writeln!(
        out,
        "master lane   cursor {} of {} (lag {}), pulled {}",
        state.master_cursor,
        state.master_head,
        state.master_head.saturating_sub(state.master_cursor),
        age(state.last_master_pull)
    )?;
    if let Some(e) = &state.last_error {
        writeln!(out, "last error    {e}")?;
    }
    if !exceptions.is_empty() {
        writeln!(
            out,
            "{} exception(s) from the central server:",
            exceptions.len()
        )?;
        for e in &exceptions {
            let what = match e.kind {
                store::ExceptionKind::Rejected => {
                    "REJECTED (parked; `lotstation outbox retry ID` after a fix)"
                }
                store::ExceptionKind::Flagged => "FLAGGED (synced)",
            };
            writeln!(
                out,
                "  {} #{} {what} {}{}: {}",
                e.id,
                e.seq,
                e.code,
                e.case_ref
                    .as_deref()
                    .map(|c| format!(" case {c}"))
                    .unwrap_or_default(),
                e.message
            )?;
        }
    }
    for e in &listed {
        writeln!(
            out,
            "  {} {} #{} {}",
            e.tx.id,
            e.tx.station,
            e.tx.seq,
            e.tx.mv.kind.as_str()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    check_exists(&args.store.store)?;
    let report = store::verify_file(&args.store.store)
        .with_context(|| format!("verifying {}", args.store.store.display()))?;
    write!(std::io::stdout().lock(), "{report}")?;
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REJECTED)
    })
}

pub fn backup(args: BackupArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open()?;
    let s = store.backup(&args.dest)?;
    writeln!(
        std::io::stdout().lock(),
        "backup written to {}: {} transactions, {} rows, {} bytes; verified",
        s.path.display(),
        s.transactions,
        s.rows,
        s.bytes
    )?;
    Ok(ExitCode::SUCCESS)
}

fn check_exists(p: &Path) -> anyhow::Result<()> {
    if !p.exists() {
        bail!(
            "{} does not exist; give the station's store file with --store",
            p.display()
        );
    }
    Ok(())
}
