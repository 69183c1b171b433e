//! Subcommands of the `lotstation` command line.
//!
//! Exit codes: 0 success; 1 the input was processed but rejected (e.g. a scan
//! that does not decode, a config file with errors); 2 usage or environment
//! errors (bad arguments, unreadable files).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod central;
mod config;
mod decode_image;
mod devices;
mod epc;
mod llrp;
pub(crate) mod out;
pub(crate) mod parse;
mod run;
mod signer;
mod store_cmds;
mod sync_cmd;

/// The input was processed and found invalid.
pub const EXIT_REJECTED: u8 = 1;
/// Usage or environment error.
pub const EXIT_FAILURE: u8 = 2;

/// lotstation turns a Linux box next to a production line or a receiving dock
/// into a lot-tracking scanning station: it reads barcode scanners and RFID
/// portals, decodes GS1 identifiers, validates lot moves against a local
/// store and syncs them to the central server.
#[derive(Debug, Parser)]
#[command(name = "lotstation", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Run(run::RunArgs),
    Parse(parse::ParseArgs),
    DecodeImage(decode_image::DecodeImageArgs),
    Epc(epc::EpcArgs),
    Llrp(llrp::LlrpArgs),
    Import(store_cmds::ImportArgs),
    Lot(store_cmds::LotArgs),
    Trace(store_cmds::TraceArgs),
    Outbox(store_cmds::OutboxArgs),
    Verify(store_cmds::VerifyArgs),
    Backup(store_cmds::BackupArgs),
    Sync(sync_cmd::SyncArgs),
    Central(Box<central::CentralArgs>),
    CheckConfig(config::CheckConfigArgs),
    PrintDefaultConfig(config::PrintDefaultConfigArgs),
    Signer(signer::SignerArgs),
    Devices(devices::DevicesArgs),
}

/// Run the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Parse(args) => parse::run(args),
        Command::DecodeImage(args) => decode_image::run(args),
        Command::Epc(args) => epc::run(args),
        Command::Llrp(args) => llrp::run(args),
        Command::Import(args) => store_cmds::import(args),
        Command::Lot(args) => store_cmds::lot(args),
        Command::Trace(args) => store_cmds::trace(args),
        Command::Outbox(args) => store_cmds::outbox(args),
        Command::Verify(args) => store_cmds::verify(args),
        Command::Backup(args) => store_cmds::backup(args),
        Command::Sync(args) => sync_cmd::run(args),
        Command::Central(args) => central::run(*args),
        Command::CheckConfig(args) => config::check(args),
        Command::PrintDefaultConfig(args) => config::print_default(args),
        Command::Signer(args) => signer::run(args),
        Command::Devices(args) => devices::run(args),
    }
}
