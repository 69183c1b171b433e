//! `lotstation central`: the reference central server and its admin
//! commands (hold, release, recall, import).

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use lotstation::central::{self, CentralDb, CentralOptions, Faults};
use lotstation::clock::{Anchor, Clock};
use lotstation::model::LotStatus;
use lotstation::protocol::LotStatusData;
use lotstation::store::import;
use lotstation::sync::client::ClientTls;
use lotstation::telemetry;

use super::store_cmds::LotRef;
use super::{EXIT_FAILURE, EXIT_REJECTED, out};

/// The reference central server of the sync protocol (docs/sync-protocol.md).
///
///   lotstation central --listen 127.0.0.1:8700 --data /var/lib/lotstation-central
///
/// Stations push their transactions to it and pull holds, recalls and master
/// data from it. It keeps its own redb file (DIR/central.redb): what each
/// station sent (idempotent per station and sequence number, forever), and a
/// change log per lane. It is the reference for integrators, the server for
/// trials and single-site pilots, and the one the tests use; it is not a
/// replacement for the plant's ERP.
///
/// With --tls-cert and --tls-key it serves HTTPS (rustls); with --client-ca
/// as well, every client must present a certificate that chains to that CA
/// (stations: sync.client_cert and sync.client_key).
///
///   lotstation central --listen 0.0.0.0:8700 --data /var/lib/lotstation-central \
///       --tls-cert central.crt --tls-key central.key --client-ca stations-ca.pem \
///       --station-tokens tokens.toml --admin-token-file admin-token
///
/// Once listening it prints `listening on ADDR` on standard output.
/// Admin commands (hold, release, recall, import) work on --data while the
/// server is stopped, or through a running server with --server URL.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment, args_conflicts_with_subcommands = true)]
pub struct CentralArgs {
    #[command(subcommand)]
    command: Option<CentralCommand>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8700")]
    listen: SocketAddr,
    /// Data directory (created if missing).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Station tokens: a TOML file with one `station = "token"` line per
    /// station. Without it any station may push without a token (trials).
    #[arg(long, value_name = "FILE")]
    station_tokens: Option<PathBuf>,
    /// File holding the admin token. Without it the admin endpoints need no
    /// token, which is allowed on a loopback address only.
    #[arg(long, value_name = "FILE")]
    admin_token_file: Option<PathBuf>,
    /// Serve HTTPS with this PEM certificate chain (the server's own
    /// certificate first; its names must match the host in the stations'
    /// sync.central_url). Needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require a TLS client certificate that chains to a CA in this PEM
    /// bundle from every client (stations and admin commands alike). Needs
    /// --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    client_ca: Option<PathBuf>,
    /// Keep at most N changes per lane; stations behind that download a
    /// snapshot instead.
    #[arg(long, value_name = "N")]
    retain_changes: Option<u64>,
    /// A fault switch for tests, NAME=VALUE: http_500, http_429, slow, reset,
    /// truncate, lost_after_commit (probabilities 0 to 1), retry_after_secs,
    /// slow_ms, seed. Repeatable. All off by default.
    #[arg(long, value_name = "NAME=VALUE")]
    fault: Vec<String>,
    /// Log filter (tracing EnvFilter syntax); RUST_LOG wins when set.
    #[arg(long, default_value = "info")]
    log: String,
}

#[derive(Debug, Subcommand)]
enum CentralCommand {
    /// Put a lot on hold centrally; stations refuse it from their next scan
    /// after they pull the status lane.
    Hold(StatusArgs),
    /// Release a lot centrally.
    Release(StatusArgs),
    /// Recall a lot centrally.
    Recall(StatusArgs),
    /// Import master data (the JSON import format, docs/import.md) as
    /// master-lane changes.
    Import(ImportArgs),
}

/// Where an admin command goes.
#[derive(Debug, Args)]
struct Target {
    /// The data directory of a stopped server.
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with = "server",
        required_unless_present = "server"
    )]
    data: Option<PathBuf>,
    /// A running server, e.g. http://127.0.0.1:8700.
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// File holding the admin token (for --server).
    #[arg(long, value_name = "FILE", requires = "server")]
    admin_token_file: Option<PathBuf>,
    /// PEM bundle of the CAs to trust for an https:// --server instead of
    /// the system's roots.
    #[arg(long, value_name = "FILE", requires = "server")]
    ca_bundle: Option<PathBuf>,
    /// PEM client certificate, for a server started with --client-ca.
    /// Needs --client-key.
    #[arg(
        long,
        value_name = "FILE",
        requires = "server",
        requires = "client_key"
    )]
    client_cert: Option<PathBuf>,
    /// The PEM private key of --client-cert.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    client_key: Option<PathBuf>,
}

impl Target {
    fn tls(&self) -> ClientTls {
        ClientTls {
            ca_bundle: self.ca_bundle.clone(),
            identity: self.client_cert.clone().zip(self.client_key.clone()),
        }
    }
}

#[derive(Debug, Args)]
struct StatusArgs {
    #[command(flatten)]
    lot: LotRef,
    /// Why, for the people who see it.
    #[arg(long)]
    reason: Option<String>,
    /// Case reference (complaint, deviation, recall), shown to stations that
    /// used the lot.
    #[arg(long = "case", value_name = "REF")]
    case_ref: Option<String>,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// JSON master-data files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    target: Target,
}

pub fn run(args: CentralArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        None => serve(args.serve),
        Some(CentralCommand::Hold(a)) => status(a, LotStatus::Hold),
        Some(CentralCommand::Release(a)) => status(a, LotStatus::Released),
        Some(CentralCommand::Recall(a)) => status(a, LotStatus::Recalled),
        Some(CentralCommand::Import(a)) => import_files(a),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let Some(data) = args.data else {
        bail!("--data DIR is required to run the server");
    };
    let mut faults = Faults::default();
    for f in &args.fault {
        let Some((name, value)) = f.split_once('=') else {
            bail!("--fault {f:?}: write NAME=VALUE, e.g. --fault http_500=0.2");
        };
        faults.set(name, value).map_err(anyhow::Error::msg)?;
    }
    let tokens = match &args.station_tokens {
        Some(p) => Some(central::load_tokens(p).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let admin_token = match &args.admin_token_file {
        Some(p) => Some(central::load_secret(p).map_err(anyhow::Error::msg)?),
        None => None,
    };
    if let Err(e) = telemetry::init(&args.log, lotstation::config::LogFormat::Auto) {
        out::error(&e);
        return Ok(ExitCode::from(EXIT_FAILURE));
    }
    let options = CentralOptions {
        listen: args.listen,
        data,
        tokens,
        admin_token,
        retain_changes: args.retain_changes,
        faults,
        tls: match (args.tls_cert, args.tls_key) {
            (Some(cert), Some(key)) => Some(central::TlsFiles {
                cert,
                key,
                client_ca: args.client_ca,
            }),
            _ => None,
        },
    };
    let result = central::run(options, |addr| {
        let mut o = std::io::stdout().lock();
        let _ = writeln!(o, "listening on {addr}");
        let _ = o.flush();
    });
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            out::error(&format!("the central server cannot run: {e}"));
            Ok(ExitCode::from(EXIT_FAILURE))
        }
    }
}

fn token(t: &Target) -> anyhow::Result<Option<String>> {
    t.admin_token_file
        .as_deref()
        .map(central::load_secret)
        .transpose()
        .map_err(anyhow::Error::msg)
}

fn open(dir: &Path) -> anyhow::Result<CentralDb> {
    CentralDb::open(dir, None, Clock::system())
        .with_context(|| format!("opening the central data in {}", dir.display()))
}

fn admin(
    target: &Target,
    server: &str,
    path: &str,
    body: Vec<u8>,
) -> anyhow::Result<serde_json::Value> {
    let token = token(target)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(central::admin_request(
        server,
        path,
        token.as_deref(),
        &target.tls(),
        body,
    ))
    .map_err(anyhow::Error::msg)
}

fn status(args: StatusArgs, status: LotStatus) -> anyhow::Result<ExitCode> {
    let key = args.lot.key()?;
    let data = LotStatusData {
        item: key.item.0.clone(),
        lot: key.lot.0.clone(),
        status,
        reason: args.reason,
        case_ref: args.case_ref,
    };
    let cursor = match (&args.target.server, &args.target.data) {
        (Some(server), _) => {
            let v = admin(
                &args.target,
                server,
                "/v1/admin/lot-status",
                serde_json::to_vec(&data)?,
            )?;
            v.get("cursor")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0)
        }
        (None, Some(dir)) => open(dir)?.set_lot_status(&data)?,
        (None, None) => bail!("give --data DIR or --server URL"),
    };
    writeln!(
        std::io::stdout().lock(),
        "{key} is {} centrally (status cursor {cursor})",
        status.as_str()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn import_files(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let mut data = import::MasterData::default();
    let mut texts = Vec::new();
    let mut problems = 0;
    // Checked here as the server will read them (relative dates from today
    // in UTC); the server resolves them again when it imports.
    let anchor = Anchor::utc(Clock::system().now());
    for f in &args.files {
        match import::load(f, None, &anchor) {
            Ok(d) => {
                data.extend(d);
                texts.push(std::fs::read(f)?);
            }
            Err(e) => {
                problems += 1;
                writeln!(std::io::stderr().lock(), "{e}")?;
            }
        }
    }
    if problems > 0 {
        writeln!(std::io::stderr().lock(), "nothing was imported")?;
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    let (n, cursor) = match (&args.target.server, &args.target.data) {
        (Some(server), _) => {
            let mut n = 0;
            let mut cursor = 0;
            for text in texts {
                let v = admin(&args.target, server, "/v1/admin/master-data", text)?;
                n += v
                    .get("changes")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(0) as usize;
                cursor = v
                    .get("cursor")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(cursor);
            }
            (n, cursor)
        }
        (None, Some(dir)) => open(dir)?.import(&data)?,
        (None, None) => bail!("give --data DIR or --server URL"),
    };
    writeln!(
        std::io::stdout().lock(),
        "imported {n} master-data changes (master cursor {cursor})"
    )?;
    Ok(ExitCode::SUCCESS)
}
