//! `lotstation signer`: the supervisors' electronic-signature records a
//! kiosk override is signed with (see `lotstation::signers`).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use lotstation::config::Config;
use lotstation::signers;

use super::{EXIT_REJECTED, out};

/// Supervisors' electronic signatures for overrides from the kiosk.
///
/// A supervisor overriding a refused move at the kiosk signs with a user id
/// and a PIN (21 CFR Part 11 §11.200: two components). The records live in
/// the file named by api.signers_path; only a salted Argon2 hash of the PIN
/// is stored. A running station picks up new signers at the next signing.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct SignerArgs {
    #[command(subcommand)]
    command: SignerCommand,
}

#[derive(Debug, Subcommand)]
enum SignerCommand {
    Add(AddArgs),
    List(ListArgs),
    Disable(DisableArgs),
}

/// The station's configuration (for api.signers_path).
#[derive(Debug, Args)]
struct ConfigArg {
    /// The station's configuration file.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
}

impl ConfigArg {
    fn signers_path(&self) -> anyhow::Result<PathBuf> {
        match Config::load(&self.config) {
            Ok(c) => Ok(c.api.signers_path),
            Err(errors) => {
                for e in errors.iter() {
                    out::error(&e.to_string());
                }
                bail!(
                    "{}: configuration rejected; check it with `lotstation check-config {}`",
                    self.config.display(),
                    self.config.display()
                )
            }
        }
    }
}

/// Add a signer: user id, printed name, and a PIN read from standard input.
///
///   lotstation signer add --config /etc/lotstation/lotstation.toml OP-SUP1 --name "Dana Smith"
///
/// On a terminal the PIN is asked twice; otherwise the first line of
/// standard input is the PIN (6 to 128 characters). A user id is never
/// reused, even after the signer is disabled. Exit code 1 if the record is
/// refused (id taken, PIN too short), 2 if the file cannot be written.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
struct AddArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The signer's user id, e.g. their badge id OP-SUP1.
    #[arg(value_name = "USER")]
    user: String,
    /// The signer's printed name, recorded with every signature.
    #[arg(long, value_name = "NAME")]
    name: String,
}

/// List the signers (user id, printed name, created, disabled).
#[derive(Debug, Args)]
struct ListArgs {
    #[command(flatten)]
    config: ConfigArg,
}

/// Disable a signer: they can no longer sign; the user id stays taken.
#[derive(Debug, Args)]
struct DisableArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The user id.
    #[arg(value_name = "USER")]
    user: String,
}

pub fn run(args: SignerArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        SignerCommand::Add(a) => add(a),
        SignerCommand::List(a) => list(a),
        SignerCommand::Disable(a) => disable(a),
    }
}

/// One line of standard input without its line ending, at most 1 KiB.
fn read_line(prompt: Option<&str>) -> anyhow::Result<String> {
    if let Some(p) = prompt {
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "{p}");
        let _ = e.flush();
    }
    let mut line = String::new();
    std::io::Read::take(std::io::stdin().lock(), 1024)
        .read_line(&mut line)
        .context("reading the PIN from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

fn read_pin() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let pin = read_line(Some("PIN: "))?;
        let again = read_line(Some("PIN again: "))?;
        if pin != again {
            bail!("the two PINs differ; nothing was changed");
        }
        Ok(pin)
    } else {
        read_line(None)
    }
}

fn rejected(e: signers::SignerError) -> anyhow::Result<ExitCode> {
    match e {
        signers::SignerError::Rejected(msg) => {
            out::error(&msg);
            Ok(ExitCode::from(EXIT_REJECTED))
        }
        other => Err(other.into()),
    }
}

fn add(a: AddArgs) -> anyhow::Result<ExitCode> {
    let path = a.config.signers_path()?;
    // Refuse a bad id or name before asking for a PIN.
    if let Err(e) = signers::check_new(&a.user, &a.name, "placeholder-pin") {
        return rejected(e);
    }
    let pin = read_pin()?;
    match signers::add(
        &path,
        &a.user,
        &a.name,
        &pin,
        lotstation::clock::Clock::system().now(),
    ) {
        Ok(r) => {
            let mut o = std::io::stdout().lock();
            writeln!(
                o,
                "added signer {} ({}) to {}",
                r.user,
                r.name,
                path.display()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => rejected(e),
    }
}

fn list(a: ListArgs) -> anyhow::Result<ExitCode> {
    let path = a.config.signers_path()?;
    let all = signers::load(&path)?;
    let mut o = std::io::stdout().lock();
    if all.is_empty() {
        writeln!(o, "no signers in {}", path.display())?;
    }
    for s in all {
        writeln!(
            o,
            "{:<20} {:<32} created {}{}",
            s.user,
            s.name,
            s.created_at,
            if s.disabled { "  DISABLED" } else { "" }
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn disable(a: DisableArgs) -> anyhow::Result<ExitCode> {
    let path = a.config.signers_path()?;
    match signers::disable(&path, &a.user) {
        Ok(()) => {
            writeln!(std::io::stdout().lock(), "disabled signer {}", a.user)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => rejected(e),
    }
}
