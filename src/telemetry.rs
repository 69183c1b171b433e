//! Logging: `tracing` to journald with structured fields when systemd
//! started the daemon, else to standard error as human-readable text (or
//! JSON lines for log collectors). Filters follow `RUST_LOG` syntax (`info`,
//! `lotstation=debug`).
//!
//! "Started by systemd" means what systemd says it means: `JOURNAL_STREAM`
//! holds the device and inode of the journal stream systemd connected, and
//! standard error is that very stream. A child process that inherited the
//! variable but writes to a pipe or a terminal logs as text.

use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

/// Where log records go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// journald's native protocol: one datagram per event, with the event's
    /// fields as journal fields (`F_STATION=…`), `PRIORITY` from the level
    /// and `SYSLOG_IDENTIFIER=lotstation`.
    Journald,
    /// Human-readable lines on standard error.
    Text,
    /// One JSON object per line on standard error.
    Json,
}

/// The journald field prefix for event fields: keeps them apart from the
/// journal's own fields (`MESSAGE`, `PRIORITY`, `_PID`, …).
const FIELD_PREFIX: &str = "F";

/// True when `journal_stream` (the value of `JOURNAL_STREAM`, `DEV:INODE` in
/// decimal) names the file `stderr` (its device and inode).
pub fn is_journal_stream(journal_stream: Option<&str>, stderr: Option<(u64, u64)>) -> bool {
    let (Some(v), Some(stderr)) = (journal_stream, stderr) else {
        return false;
    };
    let Some((dev, ino)) = v.trim().split_once(':') else {
        return false;
    };
    match (dev.parse::<u64>(), ino.parse::<u64>()) {
        (Ok(dev), Ok(ino)) => (dev, ino) == stderr,
        _ => false,
    }
}

/// The output for a configured format. `journal_stream` and `stderr` as for
/// [`is_journal_stream`].
pub fn choose(
    format: LogFormat,
    journal_stream: Option<&str>,
    stderr: Option<(u64, u64)>,
) -> Output {
    match format {
        LogFormat::Text => Output::Text,
        LogFormat::Json => Output::Json,
        LogFormat::Journald => Output::Journald,
        LogFormat::Auto if is_journal_stream(journal_stream, stderr) => Output::Journald,
        LogFormat::Auto => Output::Text,
    }
}

/// Device and inode of this process's standard error.
fn stderr_identity() -> Option<(u64, u64)> {
    let fd = std::io::stderr().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    Some((meta.dev(), meta.ino()))
}

/// Install the global subscriber. `RUST_LOG` overrides `level` when set.
/// Returns where logs go; an error only if the filter does not parse.
///
/// When journald is chosen but its socket cannot be reached, logs go to
/// standard error as text and a warning says why.
pub fn init(level: &str, format: LogFormat) -> Result<Output, String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.is_empty() => {
            EnvFilter::try_new(&v).map_err(|e| format!("RUST_LOG={v:?}: {e}"))?
        }
        _ => EnvFilter::try_new(level).map_err(|e| format!("log level {level:?}: {e}"))?,
    };
    let journal_stream = std::env::var("JOURNAL_STREAM").ok();
    let chosen = choose(format, journal_stream.as_deref(), stderr_identity());
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let text = || {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
    };
    // A second init (tests) keeps the first subscriber; that is fine.
    let registry = tracing_subscriber::registry().with(filter);
    let output = match chosen {
        Output::Journald => match tracing_journald::layer() {
            Ok(layer) => {
                let layer = layer
                    .with_syslog_identifier("lotstation".to_owned())
                    .with_field_prefix(Some(FIELD_PREFIX.to_owned()));
                let _ = registry.with(layer).try_init();
                Output::Journald
            }
            Err(e) => {
                let _ = registry.with(text()).try_init();
                tracing::warn!(error = %e, "cannot reach the journal socket (/run/systemd/journal/socket); logging to standard error as text");
                Output::Text
            }
        },
        Output::Text => {
            let _ = registry.with(text()).try_init();
            Output::Text
        }
        Output::Json => {
            let _ = registry.with(text().json()).try_init();
            Output::Json
        }
    };
    tracing::debug!(?output, ?format, "logging initialised");
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_stream_must_name_standard_error() {
        let me = Some((64769, 123456));
        assert!(is_journal_stream(Some("64769:123456"), me));
        assert!(is_journal_stream(Some("64769:123456\n"), me));
        assert!(!is_journal_stream(Some("64769:123457"), me), "other inode");
        assert!(!is_journal_stream(Some("1:123456"), me), "other device");
        assert!(!is_journal_stream(None, me));
        assert!(!is_journal_stream(Some("64769:123456"), None));
        for bad in [
            "",
            ":",
            "64769",
            "64769:",
            "x:123456",
            "-1:123456",
            "64769:123456:1",
        ] {
            assert!(!is_journal_stream(Some(bad), me), "{bad:?}");
        }
    }

    #[test]
    fn auto_means_journald_only_under_systemd() {
        let me = Some((8, 9));
        let systemd = Some("8:9");
        assert_eq!(choose(LogFormat::Auto, systemd, me), Output::Journald);
        assert_eq!(choose(LogFormat::Auto, None, me), Output::Text);
        assert_eq!(choose(LogFormat::Auto, Some("8:10"), me), Output::Text);
        // An explicit format wins over the environment.
        assert_eq!(choose(LogFormat::Text, systemd, me), Output::Text);
        assert_eq!(choose(LogFormat::Json, systemd, me), Output::Json);
        assert_eq!(choose(LogFormat::Journald, None, None), Output::Journald);
    }
}
