//! Station configuration: one TOML file, read in two stages.
//!
//! Stage 1, [`RawConfig`], is exactly what was written: serde with
//! `deny_unknown_fields` everywhere, a missing key is `None`, and values that
//! need checking after parsing keep their place in the file
//! ([`toml::Spanned`]). Stage 2, [`Config`], is validated and resolved: the
//! time zone loaded, regular expressions compiled, relative paths made
//! absolute against the config file's directory, milliseconds turned into
//! [`Duration`]s, and the option structs the other modules take
//! ([`DecodeOptions`], [`InternalRules`], [`StoreConfig`], [`Context`]) built.
//!
//! Invariant: a [`Config`] only exists if every check passed. Errors name the
//! file, line, column and dotted key ([`ConfigError`]); all the semantic
//! errors of a file are reported together, not just the first. Syntax errors
//! and serde errors (unknown key, wrong type) stop before the semantic checks
//! but still name their key.
//!
//! The defaults live in [`defaults`], and `config/lotstation.toml` (which is
//! [`DEFAULT_CONFIG`]) documents every key with the same values.
//!
//! What is not checked here: that devices and replay files exist and can be
//! opened, and that the store's directory is writable. Those belong to the
//! environment, not the file, and are reported when the station starts.

pub mod defaults;
mod error;
mod portal;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::ops::{Range, RangeInclusive};
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Deserialize;
use toml::Spanned;

use crate::ident::{self, AimId, DecodeOptions, InternalKind, InternalRules};
use crate::model::{LocationCode, Qty};
use crate::rules::{Context, LotRules, UnknownLotPolicy};
use crate::source::framing::{Framer, FramingConfig, FramingConfigError, Suffix};
use crate::source::selector::DeviceSelector;
use crate::source::serial::{FlowControl, LineSettings, Parity, ScannerFeedback};
use crate::source::usb_hid::keymap::Layout;
use crate::source::usb_hid::report::{
    EOT, GS, KeyboardSettings, PosSettings, RS, Suffix as HidSuffix,
};
use crate::source::usb_hid::{HidMode, UsbMatch};
use crate::store::StoreConfig;

pub use defaults::DEFAULT_CONFIG;
use error::Locator;
pub use error::{ConfigError, ConfigErrors};
pub use portal::{LlrpSource, RawDoor, RawPortal, RawReadPoint};

// ---------------------------------------------------------------------------
// Stage 1: what the file says.

/// The file as written. Every section except `[station]` may be left out.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// `[station]`.
    pub station: RawStation,
    /// `[store]`.
    #[serde(default)]
    pub store: RawStore,
    /// `[rules]`.
    #[serde(default)]
    pub rules: RawRules,
    /// `[lots]` and `[lots.canonical]`.
    #[serde(default)]
    pub lots: RawLots,
    /// `[receive]`.
    #[serde(default)]
    pub receive: RawReceive,
    /// `[decode]`.
    #[serde(default)]
    pub decode: RawDecode,
    /// `[codes]`.
    #[serde(default)]
    pub codes: RawCodes,
    /// `[[sources]]`.
    #[serde(default)]
    pub sources: Vec<RawSource>,
    /// `[portal]`: RFID dock doors and their read points.
    pub portal: Option<RawPortal>,
    /// `[log]`.
    #[serde(default)]
    pub log: RawLog,
    /// `[api]`.
    #[serde(default)]
    pub api: RawApi,
    /// `[sync]`: absent means the station does not sync.
    #[serde(default)]
    pub sync: Option<RawSync>,
}

/// `[sync]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSync {
    /// Base URL of the central server.
    pub central_url: Spanned<String>,
    /// Bearer token, inline (its `Debug` does not show it).
    pub token: Option<Spanned<Secret>>,
    /// File holding the bearer token.
    pub token_file: Option<Spanned<String>>,
    /// Push interval when nothing wakes the task, in ms.
    pub push_interval_ms: Option<Spanned<u64>>,
    /// Status-lane pull interval, in ms.
    pub status_interval_ms: Option<Spanned<u64>>,
    /// Master-lane pull interval, in ms.
    pub master_interval_ms: Option<Spanned<u64>>,
    /// Transactions per push.
    pub batch_size: Option<Spanned<u64>>,
    /// Request timeout, in ms.
    pub request_timeout_ms: Option<Spanned<u64>>,
    /// Longest wait between retries, in ms.
    pub backoff_max_ms: Option<Spanned<u64>>,
    /// PEM bundle of the CAs to trust (instead of the system roots).
    pub ca_bundle: Option<Spanned<String>>,
    /// PEM client certificate.
    pub client_cert: Option<Spanned<String>>,
    /// PEM private key of the client certificate.
    pub client_key: Option<Spanned<String>>,
    /// Age of the status lane after which selected moves need a supervisor.
    pub staleness_budget_secs: Option<Spanned<u64>>,
    /// Moves the staleness budget applies to.
    pub staleness_moves: Option<Vec<Spanned<String>>>,
}

/// `[station]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStation {
    /// Required.
    pub id: Spanned<String>,
    /// IANA time zone name.
    pub timezone: Option<Spanned<String>>,
    /// Initial workflow.
    pub mode: Option<Spanned<String>>,
    /// Default operator id.
    pub operator: Option<Spanned<String>>,
    /// Location receipts are booked into.
    pub receive_location: Option<Spanned<String>>,
    /// Location of the production line.
    pub production_location: Option<Spanned<String>>,
    /// Badge ids of supervisors.
    pub supervisors: Option<Vec<Spanned<String>>>,
}

/// `[store]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    /// redb file; relative to the config file's directory.
    pub path: Option<Spanned<String>>,
    /// Page cache in MiB.
    pub cache_size_mib: Option<Spanned<u64>>,
    /// Most commits per write transaction.
    pub group_commit_max: Option<Spanned<u64>>,
    /// Master-data files imported when the store holds no items yet.
    pub seed_files: Option<Vec<Spanned<String>>>,
}

/// `[rules]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRules {
    /// Days ahead of expiry to warn.
    pub expiry_warning_days: Option<Spanned<u64>>,
    /// `reject` or `accept_provisionally`.
    pub unknown_lot: Option<Spanned<String>>,
    /// Releases need a supervisor badge.
    pub release_requires_supervisor: Option<bool>,
    /// Lots FEFO looks at.
    pub fefo_lookahead: Option<Spanned<u64>>,
}

/// `[lots]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLots {
    /// Pattern of internal lot numbers.
    pub internal_pattern: Option<Spanned<String>>,
    /// `[lots.canonical]`: lot-number canonicalisation.
    #[serde(default)]
    pub canonical: LotRules,
}

/// `[receive]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReceive {
    /// How long scans of one receipt are gathered, in ms.
    pub window_ms: Option<Spanned<u64>>,
    /// AIs a receipt must have.
    pub required_ais: Option<Vec<Spanned<String>>>,
    /// AIs taken when present.
    pub optional_ais: Option<Vec<Spanned<String>>>,
    /// Quantity when the label states none, as a decimal string.
    pub default_qty: Option<Spanned<String>>,
}

/// `[decode]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDecode {
    /// Longest scan in bytes.
    pub max_scan_bytes: Option<Spanned<u64>>,
    /// EAN/UPC as GTIN (01).
    pub ean_as_gtin: Option<bool>,
    /// ITF-14 as GTIN (01).
    pub itf14_as_gtin: Option<bool>,
    /// Accept AIs missing from the table.
    pub permit_unknown_ais: Option<bool>,
    /// Warn on likely lost GS separators.
    pub lost_separator_warnings: Option<bool>,
    /// Check AI requisites.
    pub check_requisites: Option<bool>,
    /// GTIN-8/12/13 in Digital Link paths.
    pub permit_zero_suppressed_gtin: Option<bool>,
}

/// `[codes]` as written: a regular expression per internal code kind.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCodes {
    /// Station commands.
    pub command: Option<Spanned<String>>,
    /// Work orders.
    pub work_order: Option<Spanned<String>>,
    /// Locations.
    pub location: Option<Spanned<String>>,
    /// Operator badges.
    pub operator: Option<Spanned<String>>,
    /// Shipments.
    pub shipment: Option<Spanned<String>>,
}

impl RawCodes {
    fn get(&self, kind: InternalKind) -> Option<&Spanned<String>> {
        match kind {
            InternalKind::Command => self.command.as_ref(),
            InternalKind::WorkOrder => self.work_order.as_ref(),
            InternalKind::Location => self.location.as_ref(),
            InternalKind::Operator => self.operator.as_ref(),
            InternalKind::Shipment => self.shipment.as_ref(),
        }
    }
}

/// One `[[sources]]` entry as written. Flat on purpose: which keys apply
/// depends on `kind`, and stage 2 says which key does not fit which kind
/// (with its line), which a tagged serde enum could not.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// Unique name (logs, metrics, audit records).
    pub name: Spanned<String>,
    /// `stdin` or `replay`.
    pub kind: Spanned<String>,
    /// replay: capture file, relative to the config file's directory.
    pub path: Option<Spanned<String>>,
    /// replay: speed factor; 0 = no delays.
    pub speed: Option<Spanned<f64>>,
    /// replay: start over at the end.
    #[serde(rename = "loop")]
    pub looped: Option<Spanned<bool>>,
    /// Symbology assumed for data without an AIM prefix, e.g. `]C1`.
    pub assume_symbology: Option<Spanned<String>>,
    /// Identical frames within this many ms are dropped.
    pub debounce_ms: Option<Spanned<u64>>,
    /// serial: device path, udev symlink or `usb:VID:PID[:SERIAL]`;
    /// usb_hid: `usb:VID:PID[:SERIAL]` (a hid_pos source may leave it out).
    pub device: Option<Spanned<String>>,
    /// serial: bits per second.
    pub baud: Option<Spanned<u64>>,
    /// serial: data bits, 5 to 8.
    pub data_bits: Option<Spanned<u64>>,
    /// serial: `none`, `even` or `odd`.
    pub parity: Option<Spanned<String>>,
    /// serial: 1 or 2.
    pub stop_bits: Option<Spanned<u64>>,
    /// serial: `none`, `software` or `hardware`.
    pub flow_control: Option<Spanned<String>>,
    /// serial: what ends a scan: `cr`, `lf`, `crlf`, `tab` or `none`;
    /// usb_hid keyboard: `enter`, `tab`, `enter_or_tab` or `none`.
    pub suffix: Option<Spanned<String>>,
    /// serial: bytes a scan starts with, in hex.
    pub prefix_hex: Option<Spanned<String>>,
    /// serial: pause that ends a scan (suffix none), in ms; 0 = off.
    pub inter_byte_timeout_ms: Option<Spanned<u64>>,
    /// serial: longest scan in bytes.
    pub max_frame_bytes: Option<Spanned<u64>>,
    /// serial: scans start with an AIM symbology identifier.
    pub aim_expected: Option<Spanned<bool>>,
    /// serial: bytes sent to the scanner on an accepted move, in hex.
    pub feedback_accepted_hex: Option<Spanned<String>>,
    /// serial: bytes sent on a move accepted with a warning, in hex.
    pub feedback_warning_hex: Option<Spanned<String>>,
    /// serial: bytes sent on a rejected scan, in hex.
    pub feedback_rejected_hex: Option<Spanned<String>>,
    /// serial: longest wait between reconnect attempts, in ms.
    pub reconnect_max_ms: Option<Spanned<u64>>,
    /// usb_hid: `keyboard` or `hid_pos`.
    pub mode: Option<Spanned<String>>,
    /// usb_hid keyboard: the scanner's keyboard layout.
    pub layout: Option<Spanned<String>>,
    /// usb_hid keyboard: character the scanner sends in place of GS.
    pub gs_substitute: Option<Spanned<String>>,
    /// usb_hid keyboard: character the scanner sends in place of RS.
    pub rs_substitute: Option<Spanned<String>>,
    /// usb_hid keyboard: character the scanner sends in place of EOT.
    pub eot_substitute: Option<Spanned<String>>,
    /// usb_hid: quiet gap in ms that ends a suffix-less scan or drops an
    /// unfinished HID-POS symbol.
    pub gap_ms: Option<Spanned<u64>>,
    /// usb_hid hid_pos: report id of the scanned-data report.
    pub report_id: Option<Spanned<u64>>,
    /// image_dir: how often the directory is listed, in ms.
    pub poll_ms: Option<Spanned<u64>>,
    /// llrp: reader address, `host` or `host:port`.
    pub address: Option<Spanned<String>>,
    /// llrp: antennas to read with (empty = all).
    pub antennas: Option<Spanned<Vec<u64>>>,
    /// llrp: transmit power, dBm.
    pub tx_power_dbm: Option<Spanned<f64>>,
    /// llrp: receive sensitivity, dB.
    pub rx_sensitivity_db: Option<Spanned<i64>>,
    /// llrp: Gen2 session.
    pub session: Option<Spanned<u64>>,
    /// llrp: expected tag population.
    pub tag_population: Option<Spanned<u64>>,
    /// llrp: Impinj search mode.
    pub search_mode: Option<Spanned<u64>>,
    /// llrp: report after this many tags.
    pub report_every_tags: Option<Spanned<u64>>,
    /// llrp: `immediate` or `gpi`.
    pub start: Option<Spanned<String>>,
    /// llrp: GPI port for `start = "gpi"`.
    pub gpi_port: Option<Spanned<u64>>,
    /// llrp: `high` or `low`.
    pub gpi_level: Option<Spanned<String>>,
    /// llrp: keepalive period asked of the reader.
    pub keepalive_ms: Option<Spanned<u64>>,
    /// llrp: keepalives missed before reconnecting.
    pub missed_keepalives: Option<Spanned<u64>>,
    /// llrp: timeout of each setup request.
    pub response_timeout_ms: Option<Spanned<u64>>,
    /// llrp: largest message accepted.
    pub max_message_bytes: Option<Spanned<u64>>,
}

/// `[log]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLog {
    /// EnvFilter-style directives.
    pub level: Option<Spanned<String>>,
    /// `auto`, `text` or `json`.
    pub format: Option<Spanned<String>>,
}

/// `[api]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApi {
    /// `IP:PORT` the local API and kiosk page listen on; `""` turns them off.
    pub listen: Option<Spanned<String>>,
    /// Bearer token required on every request (needed off loopback; its
    /// `Debug` does not show it).
    pub token: Option<Spanned<Secret>>,
    /// File of supervisors' electronic-signature records.
    pub signers_path: Option<Spanned<String>>,
}

// ---------------------------------------------------------------------------
// Stage 2: validated and resolved.

/// A validated, resolved station configuration.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The config file (absolute when it could be made so).
    pub file: PathBuf,
    /// The directory relative paths were resolved against.
    pub dir: PathBuf,
    /// `[station]`.
    pub station: StationConfig,
    /// `[store]`.
    pub store: StoreSettings,
    /// `[rules]`.
    pub rules: RulesConfig,
    /// `[lots]`.
    pub lots: LotsConfig,
    /// `[receive]`.
    pub receive: ReceiveConfig,
    /// `[decode]`, as the decoder takes it. `assume_symbology` is per source:
    /// see [`Config::decode_options_for`].
    pub decode: DecodeOptions,
    /// `[codes]`, compiled, in the order they are tried.
    pub codes: InternalRules,
    /// `[[sources]]`, in file order.
    pub sources: Vec<SourceConfig>,
    /// `[portal]`: RFID dock doors, read points and read filters.
    pub portal: Option<crate::station::portal::PortalSettings>,
    /// `[log]`.
    pub log: LogConfig,
    /// `[api]`.
    pub api: ApiConfig,
    /// `[sync]`; `None` when the station does not sync.
    pub sync: Option<SyncConfig>,
    /// Raw LLRP frame trace file (`lotstation run --trace-llrp`; not a
    /// configuration key).
    pub trace_llrp: Option<PathBuf>,
}

/// A secret (a bearer token): never printed, also not by `{:?}`, from the
/// raw config on.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret.
    pub fn new(s: String) -> Secret {
        Secret(s)
    }

    /// The secret itself, to put on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where the station's bearer token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// No token.
    None,
    /// Written in the config file.
    Inline(Secret),
    /// Read from this file (absolute) when sync starts.
    File(PathBuf),
}

/// `[sync]`, validated.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SyncConfig {
    /// Base URL of the central server, without a trailing slash.
    pub central_url: String,
    /// The bearer token.
    pub token: TokenSource,
    /// Push at least this often (new transactions wake the push at once).
    pub push_interval: Duration,
    /// Pull the status lane this often.
    pub status_interval: Duration,
    /// Pull the master-data lane this often.
    pub master_interval: Duration,
    /// Transactions per push batch.
    pub batch_size: usize,
    /// Timeout of one request.
    pub request_timeout: Duration,
    /// Longest wait between retries.
    pub backoff_max: Duration,
    /// PEM CA bundle to trust instead of the system roots.
    pub ca_bundle: Option<PathBuf>,
    /// PEM client certificate and key.
    pub client_identity: Option<(PathBuf, PathBuf)>,
    /// Status lane older than this makes `staleness_moves` need a supervisor.
    pub staleness_budget: Option<Duration>,
    /// Moves the staleness budget applies to.
    pub staleness_moves: Vec<crate::model::MoveKind>,
}

/// `[station]`, validated.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StationConfig {
    /// Station id: 1 to 64 of `A-Z a-z 0-9 . _ -`.
    pub id: String,
    /// The plant's time zone ("today" for expiry and FEFO).
    pub timezone: TimeZone,
    /// Its IANA name as written.
    pub timezone_name: String,
    /// Initial workflow.
    pub mode: StationMode,
    /// Default operator, if any.
    pub operator: Option<String>,
    /// Where receipts are booked in.
    pub receive_location: LocationCode,
    /// Where issued lots go and produced lots come from.
    pub production_location: LocationCode,
    /// Badge ids whose scan makes a supervisor present (release, override).
    pub supervisors: Vec<String>,
}

/// `[store]`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreSettings {
    /// Absolute path of the redb file.
    pub path: PathBuf,
    /// Cache and group-commit tuning for [`crate::store`].
    pub tuning: StoreConfig,
    /// Master-data files (absolute) imported at start when the store holds
    /// no items yet: a new station, or the demo.
    pub seed_files: Vec<PathBuf>,
}

/// `[rules]`, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RulesConfig {
    /// Warn this many days before expiry.
    pub expiry_warning_days: u32,
    /// Unknown lots and items.
    pub unknown_lot: UnknownLotPolicy,
    /// Releases need a supervisor.
    pub release_requires_supervisor: bool,
    /// Lots FEFO looks at.
    pub fefo_lookahead: usize,
}

/// `[lots]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LotsConfig {
    /// Pattern for internal lot numbers.
    pub internal_pattern: LotPattern,
    /// Lot-number canonicalisation.
    pub canonical: LotRules,
}

/// `[receive]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceiveConfig {
    /// Scans within this window make one receipt.
    pub window: Duration,
    /// AIs (or `n` patterns) a receipt must carry.
    pub required_ais: Vec<String>,
    /// AIs (or `n` patterns) taken when present.
    pub optional_ais: Vec<String>,
    /// Quantity when the label states none.
    pub default_qty: Qty,
}

/// One validated source.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SourceConfig {
    /// Unique name.
    pub name: String,
    /// What it reads and its kind-specific settings.
    pub kind: SourceKind,
    /// Symbology for data without an AIM prefix.
    pub assume_symbology: Option<AimId>,
    /// Identical frames within this window are dropped (zero: off).
    pub debounce: Duration,
}

/// What a source reads. Hardware kinds (serial, USB HID, LLRP) join as
/// variants with their own settings struct, and as names in
/// [`SourceKind::NAMES`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SourceKind {
    /// One scan per line on standard input.
    Stdin,
    /// A capture from `hardware-fixtures/`, played with its timing.
    Replay(ReplaySource),
    /// A scanner on a serial port or a USB-CDC / USB-serial adapter.
    Serial(SerialSource),
    /// A USB HID scanner (keyboard wedge or HID-POS), read through libusb.
    UsbHid(UsbHidSource),
    /// A directory where a camera drops pictures of labels.
    ImageDir(ImageDirSource),
    /// An LLRP RFID reader (its reads go to the `[portal]` engine).
    Llrp(LlrpSource),
}

impl SourceKind {
    /// The `kind` values the config accepts.
    pub const NAMES: &'static [&'static str] =
        &["stdin", "replay", "serial", "usb_hid", "image_dir", "llrp"];

    /// The config name of this kind.
    pub fn name(&self) -> &'static str {
        match self {
            SourceKind::Stdin => "stdin",
            SourceKind::Replay(_) => "replay",
            SourceKind::Serial(_) => "serial",
            SourceKind::UsbHid(_) => "usb_hid",
            SourceKind::ImageDir(_) => "image_dir",
            SourceKind::Llrp(_) => "llrp",
        }
    }
}

/// Settings of an image-directory source.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageDirSource {
    /// Absolute path of the watched directory.
    pub dir: PathBuf,
    /// How often it is listed.
    pub poll: Duration,
}

/// Settings of a USB HID source.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UsbHidSource {
    /// Which device.
    pub device: UsbMatch,
    /// Keyboard or HID-POS, with the decoder settings (the maximum scan
    /// length is `decode.max_scan_bytes`).
    pub mode: HidMode,
    /// Quiet gap that ends a suffix-less keyboard scan, or drops a HID-POS
    /// symbol whose continuation never came.
    pub gap: Duration,
}

/// Settings of a replay source.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReplaySource {
    /// Absolute path of the capture file.
    pub path: PathBuf,
    /// Time factor: 1.0 real time, 2.0 twice as fast, 0.0 no delays.
    pub speed: f64,
    /// Start over at the end.
    pub looped: bool,
}

/// Settings of a serial scanner source.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SerialSource {
    /// Which device to open.
    pub device: DeviceSelector,
    /// Baud rate, data bits, parity, stop bits, flow control.
    pub line: LineSettings,
    /// How the byte stream is cut into scans (checked: a framer accepts it).
    pub framing: FramingConfig,
    /// Bytes sent to the scanner on verdicts.
    pub feedback: ScannerFeedback,
    /// Longest wait between reconnect attempts.
    pub reconnect_max: Duration,
}

/// `[log]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogConfig {
    /// tracing `EnvFilter` directives, e.g. `info,lotstation::store=debug`.
    pub level: String,
    /// Output format.
    pub format: LogFormat,
}

/// `[api]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiConfig {
    /// Where the API and the kiosk page listen; `None`: turned off.
    /// Invariant: an address that is not loopback comes with a token.
    pub listen: Option<SocketAddr>,
    /// Token every request must present (`Authorization: Bearer ...`).
    pub token: Option<ApiToken>,
    /// Absolute path of the supervisors' signature records.
    pub signers_path: PathBuf,
}

/// The API token. Its `Debug` does not show it, so it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    /// The token text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(..)")
    }
}

/// The workflow a station runs: the station's own [`Mode`](crate::station::Mode).
pub use crate::station::Mode as StationMode;

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogFormat {
    /// journald when started by systemd (`JOURNAL_STREAM` names standard
    /// error), else text.
    Auto,
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
    /// journald's native protocol, with structured fields, always.
    Journald,
}

impl LogFormat {
    /// Every format.
    pub const ALL: [LogFormat; 4] = [
        LogFormat::Auto,
        LogFormat::Text,
        LogFormat::Json,
        LogFormat::Journald,
    ];

    /// The config name.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogFormat::Auto => "auto",
            LogFormat::Text => "text",
            LogFormat::Json => "json",
            LogFormat::Journald => "journald",
        }
    }
}

/// A parsed `lots.internal_pattern`, e.g. `{yyyymmdd}-{seq:03}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotPattern {
    text: String,
    parts: Vec<LotPart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LotPart {
    Literal(String),
    Yyyymmdd,
    Yymmdd,
    Seq { width: usize },
    Station,
}

/// Longest lot number GS1 AI 10 carries.
const MAX_LOT_LEN: usize = 20;

/// The placeholders a lot pattern may use, for error hints.
const LOT_PLACEHOLDERS: &str =
    "allowed placeholders: {yyyymmdd}, {yymmdd}, {seq}, {seq:0N} (N 1 to 9), {station}";

impl LotPattern {
    /// Parse a pattern. Literal text must be GS1 CSET 82 (it ends up in
    /// AI 10), and `{seq}` must appear so numbers of one day differ.
    pub fn parse(text: &str) -> Result<LotPattern, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        let mut has_seq = false;
        while let Some(c) = rest.chars().next() {
            match c {
                '{' => {
                    let close = rest
                        .find('}')
                        .ok_or_else(|| format!("unclosed placeholder {rest:?}"))?;
                    let name = rest.get(1..close).unwrap_or("");
                    let part = match name {
                        "yyyymmdd" => LotPart::Yyyymmdd,
                        "yymmdd" => LotPart::Yymmdd,
                        "station" => LotPart::Station,
                        "seq" => LotPart::Seq { width: 0 },
                        _ => match name.strip_prefix("seq:0").map(str::parse::<usize>) {
                            Some(Ok(w @ 1..=9)) if name.len() == 6 => LotPart::Seq { width: w },
                            _ => return Err(format!("unknown placeholder {{{name}}}")),
                        },
                    };
                    has_seq |= matches!(part, LotPart::Seq { .. });
                    if !literal.is_empty() {
                        parts.push(LotPart::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(part);
                    rest = rest.get(close + 1..).unwrap_or("");
                }
                '}' => return Err("'}' without an opening '{'".to_owned()),
                c if c.is_ascii() && ident::ai::Cset::Cset82.contains(c as u8) => {
                    literal.push(c);
                    rest = rest.get(1..).unwrap_or("");
                }
                c => {
                    return Err(format!(
                        "character {c:?} cannot be printed in a GS1 lot number (AI 10 allows CSET 82: letters, digits and !\"%&'()*+,-./:;<=>?_)"
                    ));
                }
            }
        }
        if !literal.is_empty() {
            parts.push(LotPart::Literal(literal));
        }
        if !has_seq {
            return Err(
                "the pattern has no {seq}, so two lots made on one day would get the same number"
                    .to_owned(),
            );
        }
        Ok(LotPattern {
            text: text.to_owned(),
            parts,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The lot number for a day's `seq`-th lot made at `station`.
    pub fn render(&self, date: Date, seq: u64, station: &str) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                LotPart::Literal(s) => out.push_str(s),
                LotPart::Yyyymmdd => out.push_str(&date.strftime("%Y%m%d").to_string()),
                LotPart::Yymmdd => out.push_str(&date.strftime("%y%m%d").to_string()),
                LotPart::Seq { width } => out.push_str(&format!("{seq:0width$}")),
                LotPart::Station => out.push_str(station),
            }
        }
        out
    }
}

impl Config {
    /// Read, parse and validate a config file.
    pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigErrors> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigErrors::one(ConfigError::file(
                path,
                format!("cannot read the file: {e}"),
            ))
        })?;
        Config::from_str(&text, path)
    }

    /// Parse and validate config text. `path` names the file in errors, and
    /// its directory is where relative paths in the config start from.
    pub fn from_str(text: &str, path: impl AsRef<Path>) -> Result<Config, ConfigErrors> {
        let path = path.as_ref();
        let (loc, syntax) = Locator::new(path, text);
        if let Some(errors) = ConfigErrors::new(syntax) {
            return Err(errors);
        }
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| ConfigErrors::one(loc.toml_error(&e)))?;
        let mut check = Check {
            loc: &loc,
            errors: Vec::new(),
        };
        let config = check.config(&raw, path);
        match ConfigErrors::new(check.errors) {
            Some(errors) => Err(errors),
            None => Ok(config),
        }
    }

    /// The plant's date at `now`, in the station's time zone.
    pub fn today(&self, now: jiff::Timestamp) -> Date {
        crate::clock::Anchor::at(now, &self.station.timezone).today
    }

    /// The rules context for a move judged on `today` (no supervisor present;
    /// the station sets that when a badge is scanned).
    pub fn rules_context(&self, today: Date) -> Context {
        Context {
            today,
            expiry_warning_days: self.rules.expiry_warning_days,
            unknown_lot: self.rules.unknown_lot,
            release_requires_supervisor: self.rules.release_requires_supervisor,
            supervisor_present: false,
            fefo_lookahead: self.rules.fefo_lookahead,
        }
    }

    /// Decoder options for scans from one source (its assumed symbology).
    pub fn decode_options_for(&self, source: &SourceConfig) -> DecodeOptions {
        DecodeOptions {
            assume_symbology: source.assume_symbology,
            ..self.decode
        }
    }
}

// ---------------------------------------------------------------------------
// Stage 2 checks.

/// Collects semantic errors while building a [`Config`]. On an error the
/// builder keeps the default, so that later keys are still checked.
struct Check<'a> {
    loc: &'a Locator<'a>,
    errors: Vec<ConfigError>,
}

fn span_of<T>(v: &Spanned<T>) -> Option<Range<usize>> {
    Some(v.span())
}

/// True for ids, names and codes: 1 to 64 of `A-Z a-z 0-9 . _ -`.
fn is_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

const NAME_HINT: &str = "allowed: 1 to 64 characters A-Z a-z 0-9 . _ -";

impl Check<'_> {
    fn error(
        &mut self,
        span: Option<Range<usize>>,
        key: impl Into<String>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.errors.push(self.loc.at(span, key, message, hint));
    }

    fn config(&mut self, raw: &RawConfig, path: &Path) -> Config {
        let file = absolute(path);
        let dir = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => absolute(Path::new(".")),
        };
        let station = self.station(&raw.station);
        let store = self.store(&raw.store, &dir);
        let rules = self.rules(&raw.rules);
        let lots = self.lots(&raw.lots, &station.id);
        let receive = self.receive(&raw.receive);
        let decode = self.decode(&raw.decode);
        let codes = self.codes(&raw.codes);
        let sources = self.sources(&raw.sources, &dir, decode.max_input_len);
        let readers: Vec<String> = sources
            .iter()
            .filter(|s| matches!(s.kind, SourceKind::Llrp(_)))
            .map(|s| s.name.clone())
            .collect();
        let portal = self.portal(raw.portal.as_ref(), &readers, &station.receive_location.0);
        if portal.is_none()
            && let Some(first) = readers.first()
        {
            self.error(
                None,
                "portal",
                format!("source {first:?} is an llrp reader, but there is no [portal] section to use its reads"),
                Some("add [portal] with [[portal.doors]] and [[portal.read_points]] (see print-default-config)".to_owned()),
            );
        }
        let log = self.log(&raw.log);
        let api = self.api(&raw.api, &dir);
        let sync = raw.sync.as_ref().map(|r| self.sync(r, &dir));
        Config {
            file,
            dir,
            station,
            store,
            rules,
            lots,
            receive,
            decode,
            codes,
            sources,
            portal,
            log,
            api,
            sync,
            trace_llrp: None,
        }
    }

    /// A number within `range`, or the default after recording an error.
    fn number(
        &mut self,
        v: Option<&Spanned<u64>>,
        key: &str,
        default: u64,
        range: RangeInclusive<u64>,
        unit: &str,
    ) -> u64 {
        let Some(v) = v else { return default };
        if range.contains(v.get_ref()) {
            *v.get_ref()
        } else {
            self.error(
                span_of(v),
                key,
                format!("{} is out of range", v.get_ref()),
                Some(format!(
                    "allowed: {} to {}{unit}",
                    range.start(),
                    range.end()
                )),
            );
            default
        }
    }

    /// One of a fixed set of names, or the default after recording an error.
    fn choice<T: Copy>(
        &mut self,
        v: Option<&Spanned<String>>,
        key: &str,
        what: &str,
        options: &[(&str, T)],
        default: T,
    ) -> T {
        let Some(v) = v else { return default };
        if let Some((_, t)) = options.iter().find(|(n, _)| n == v.get_ref()) {
            return *t;
        }
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        self.error(
            span_of(v),
            key,
            format!("unknown {what} {:?}", v.get_ref()),
            Some(format!("allowed: {}", names.join(", "))),
        );
        default
    }

    /// A name-like value (ids, codes); the default after recording an error.
    fn name(
        &mut self,
        v: Option<&Spanned<String>>,
        key: &str,
        what: &str,
        default: &str,
    ) -> String {
        let Some(v) = v else {
            return default.to_owned();
        };
        if is_name(v.get_ref()) {
            v.get_ref().clone()
        } else {
            self.error(
                span_of(v),
                key,
                format!("{what} {:?} is not valid", v.get_ref()),
                Some(NAME_HINT.to_owned()),
            );
            default.to_owned()
        }
    }

    fn station(&mut self, raw: &RawStation) -> StationConfig {
        let id = self.name(Some(&raw.id), "station.id", "station id", "invalid");
        let timezone_name = raw
            .timezone
            .as_ref()
            .map_or(defaults::timezone(), |t| t.get_ref().as_str())
            .to_owned();
        let timezone = match TimeZone::get(&timezone_name) {
            Ok(tz) => tz,
            Err(e) => {
                self.error(
                    raw.timezone.as_ref().and_then(span_of),
                    "station.timezone",
                    format!("unknown time zone {timezone_name:?} ({e})"),
                    Some(
                        "allowed: an IANA time zone name such as \"Europe/Berlin\", \"America/Chicago\" or \"UTC\""
                            .to_owned(),
                    ),
                );
                TimeZone::UTC
            }
        };
        let modes: Vec<(&str, StationMode)> =
            StationMode::ALL.iter().map(|m| (m.as_str(), *m)).collect();
        let mode = self.choice(
            raw.mode.as_ref(),
            "station.mode",
            "station mode",
            &modes,
            defaults::mode(),
        );
        let operator = raw
            .operator
            .as_ref()
            .map(|o| self.name(Some(o), "station.operator", "operator id", ""));
        let receive_location = LocationCode(self.name(
            raw.receive_location.as_ref(),
            "station.receive_location",
            "location code",
            defaults::receive_location(),
        ));
        let production_location = LocationCode(self.name(
            raw.production_location.as_ref(),
            "station.production_location",
            "location code",
            defaults::production_location(),
        ));
        let supervisors = raw
            .supervisors
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, b)| {
                self.name(
                    Some(b),
                    &format!("station.supervisors[{i}]"),
                    "badge id",
                    "",
                )
            })
            .collect();
        StationConfig {
            id,
            timezone,
            timezone_name,
            mode,
            operator,
            receive_location,
            production_location,
            supervisors,
        }
    }

    /// A path relative to the config file's directory, made absolute.
    fn path(&mut self, v: &Spanned<String>, key: &str, dir: &Path) -> PathBuf {
        let p = v.get_ref();
        if p.trim().is_empty() {
            self.error(
                span_of(v),
                key,
                "the path is empty",
                Some(
                    "allowed: an absolute path, or one relative to the config file's directory"
                        .to_owned(),
                ),
            );
        }
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_owned()
        } else {
            dir.join(p)
        }
    }

    fn store(&mut self, raw: &RawStore, dir: &Path) -> StoreSettings {
        let path = match &raw.path {
            Some(p) => self.path(p, "store.path", dir),
            None => PathBuf::from(defaults::store_path()),
        };
        let mib = self.number(
            raw.cache_size_mib.as_ref(),
            "store.cache_size_mib",
            defaults::cache_size_mib(),
            defaults::CACHE_SIZE_MIB,
            " MiB",
        );
        let group = self.number(
            raw.group_commit_max.as_ref(),
            "store.group_commit_max",
            defaults::group_commit_max(),
            defaults::GROUP_COMMIT_MAX,
            "",
        );
        let seed_files = raw
            .seed_files
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, p)| self.path(p, &format!("store.seed_files[{i}]"), dir))
            .collect();
        StoreSettings {
            path,
            seed_files,
            tuning: StoreConfig {
                cache_size_bytes: usize::try_from(mib * 1024 * 1024).unwrap_or(usize::MAX),
                group_commit_max: usize::try_from(group).unwrap_or(1),
                queue_capacity: defaults::STORE_QUEUE_CAPACITY,
            },
        }
    }

    fn rules(&mut self, raw: &RawRules) -> RulesConfig {
        let days = self.number(
            raw.expiry_warning_days.as_ref(),
            "rules.expiry_warning_days",
            defaults::expiry_warning_days(),
            defaults::EXPIRY_WARNING_DAYS,
            " days",
        );
        let unknown_lot = self.choice(
            raw.unknown_lot.as_ref(),
            "rules.unknown_lot",
            "unknown-lot policy",
            &[
                ("reject", UnknownLotPolicy::Reject),
                (
                    "accept_provisionally",
                    UnknownLotPolicy::AcceptProvisionally,
                ),
            ],
            defaults::unknown_lot(),
        );
        let lookahead = self.number(
            raw.fefo_lookahead.as_ref(),
            "rules.fefo_lookahead",
            defaults::fefo_lookahead(),
            defaults::FEFO_LOOKAHEAD,
            " lots",
        );
        RulesConfig {
            expiry_warning_days: u32::try_from(days).unwrap_or(u32::MAX),
            unknown_lot,
            release_requires_supervisor: raw
                .release_requires_supervisor
                .unwrap_or_else(defaults::release_requires_supervisor),
            fefo_lookahead: usize::try_from(lookahead).unwrap_or(usize::MAX),
        }
    }

    fn lots(&mut self, raw: &RawLots, station: &str) -> LotsConfig {
        let fallback = || {
            LotPattern::parse(defaults::internal_pattern()).unwrap_or(LotPattern {
                text: String::new(),
                parts: Vec::new(),
            })
        };
        let internal_pattern = match &raw.internal_pattern {
            None => fallback(),
            Some(p) => match LotPattern::parse(p.get_ref()) {
                Ok(lp) => {
                    let sample = lp.render(Date::constant(2099, 12, 31), 1, station);
                    if sample.len() > MAX_LOT_LEN {
                        self.error(
                            span_of(p),
                            "lots.internal_pattern",
                            format!(
                                "lot numbers would be {} characters long (e.g. {sample:?}), more than the {MAX_LOT_LEN} GS1 AI 10 allows",
                                sample.len()
                            ),
                            Some("use fewer placeholders or shorter literal text".to_owned()),
                        );
                    }
                    lp
                }
                Err(msg) => {
                    self.error(
                        span_of(p),
                        "lots.internal_pattern",
                        msg,
                        Some(LOT_PLACEHOLDERS.to_owned()),
                    );
                    fallback()
                }
            },
        };
        LotsConfig {
            internal_pattern,
            canonical: raw.canonical.clone(),
        }
    }

    /// A list of AIs or AI patterns (`310n`); each must be known.
    fn ais(
        &mut self,
        list: Option<&Vec<Spanned<String>>>,
        key: &str,
        default: fn() -> Vec<String>,
    ) -> Vec<String> {
        let Some(list) = list else { return default() };
        let mut out: Vec<String> = Vec::new();
        for (i, v) in list.iter().enumerate() {
            let ai = v.get_ref();
            let k = format!("{key}[{i}]");
            let digits = ai.trim_end_matches('n');
            let well_formed = (2..=4).contains(&ai.len())
                && digits.len() >= 2
                && digits.bytes().all(|b| b.is_ascii_digit());
            let known = well_formed
                && ident::ai::TABLE
                    .iter()
                    .any(|e| ident::ai::matches_pattern(e.ai, ai));
            if !well_formed {
                self.error(
                    span_of(v),
                    k,
                    format!("{ai:?} is not an AI"),
                    Some("allowed: 2 to 4 digits, e.g. \"10\", or a pattern with trailing n for any digit, e.g. \"310n\"".to_owned()),
                );
            } else if !known {
                self.error(
                    span_of(v),
                    k,
                    format!("AI {ai:?} is not in lotstation's AI table"),
                    Some(
                        "see `lotstation parse` and docs/ident.md for the AIs supported".to_owned(),
                    ),
                );
            } else if out.contains(ai) {
                self.error(span_of(v), k, format!("AI {ai:?} is listed twice"), None);
            } else {
                out.push(ai.clone());
            }
        }
        out
    }

    fn receive(&mut self, raw: &RawReceive) -> ReceiveConfig {
        let window = self.number(
            raw.window_ms.as_ref(),
            "receive.window_ms",
            defaults::window_ms(),
            defaults::WINDOW_MS,
            " ms",
        );
        let required_ais = self.ais(
            raw.required_ais.as_ref(),
            "receive.required_ais",
            defaults::required_ais,
        );
        let optional_ais = self.ais(
            raw.optional_ais.as_ref(),
            "receive.optional_ais",
            defaults::optional_ais,
        );
        if let Some(list) = &raw.optional_ais {
            for (i, v) in list.iter().enumerate() {
                if required_ais.contains(v.get_ref()) {
                    self.error(
                        span_of(v),
                        format!("receive.optional_ais[{i}]"),
                        format!("AI {:?} is also in receive.required_ais", v.get_ref()),
                        Some("list each AI once: required or optional".to_owned()),
                    );
                }
            }
        }
        let fallback = Qty::units(1);
        let default_qty = match &raw.default_qty {
            None => Qty::parse(defaults::default_qty()).unwrap_or(fallback),
            Some(q) => match Qty::parse(q.get_ref()) {
                Some(qty) if qty > Qty::ZERO => qty,
                _ => {
                    self.error(
                        span_of(q),
                        "receive.default_qty",
                        format!("{:?} is not a positive quantity", q.get_ref()),
                        Some("allowed: a decimal string with at most 3 decimals, e.g. \"1\" or \"0.5\"".to_owned()),
                    );
                    fallback
                }
            },
        };
        ReceiveConfig {
            window: Duration::from_millis(window),
            required_ais,
            optional_ais,
            default_qty,
        }
    }

    fn decode(&mut self, raw: &RawDecode) -> DecodeOptions {
        let max = self.number(
            raw.max_scan_bytes.as_ref(),
            "decode.max_scan_bytes",
            defaults::max_scan_bytes(),
            defaults::MAX_SCAN_BYTES,
            " bytes",
        );
        let mut o = DecodeOptions {
            max_input_len: usize::try_from(max).unwrap_or(ident::DEFAULT_MAX_INPUT_LEN),
            assume_symbology: None,
            ean_as_gtin: raw.ean_as_gtin.unwrap_or_else(defaults::ean_as_gtin),
            itf14_as_gtin: raw.itf14_as_gtin.unwrap_or_else(defaults::itf14_as_gtin),
            ..DecodeOptions::default()
        };
        o.dl.permit_zero_suppressed_gtin = raw
            .permit_zero_suppressed_gtin
            .unwrap_or_else(defaults::permit_zero_suppressed_gtin);
        o.dl.ais.permit_unknown_ais = raw
            .permit_unknown_ais
            .unwrap_or_else(defaults::permit_unknown_ais);
        o.dl.ais.lost_separator_warnings = raw
            .lost_separator_warnings
            .unwrap_or_else(defaults::lost_separator_warnings);
        o.dl.ais.check_requisites = raw
            .check_requisites
            .unwrap_or_else(defaults::check_requisites);
        o
    }

    fn codes(&mut self, raw: &RawCodes) -> InternalRules {
        let mut patterns: Vec<(InternalKind, String)> = Vec::new();
        for (kind, default) in ident::internal::DEFAULT_PATTERNS {
            let Some(v) = raw.get(kind) else {
                patterns.push((kind, default.to_owned()));
                continue;
            };
            let pattern = v.get_ref();
            if pattern.is_empty() {
                continue; // documented: an empty pattern turns the kind off
            }
            match InternalRules::new([(kind, pattern.as_str())]) {
                Ok(_) => patterns.push((kind, pattern.clone())),
                Err(e) => {
                    // regex errors are multi-line with a caret; the last line says what.
                    let what = e
                        .source
                        .to_string()
                        .lines()
                        .rev()
                        .find(|l| !l.trim().is_empty())
                        .map(|l| l.trim().trim_start_matches("error: ").to_owned())
                        .unwrap_or_default();
                    self.error(
                        span_of(v),
                        format!("codes.{}", kind.as_str()),
                        format!("pattern {pattern:?} is not a valid regular expression: {what}"),
                        Some("allowed: a regular expression (Rust regex syntax), matched against the whole scan; a group named id picks the identifier; \"\" turns the kind off".to_owned()),
                    );
                }
            }
        }
        InternalRules::new(patterns.iter().map(|(k, p)| (*k, p.as_str()))).unwrap_or_default()
    }

    fn sources(&mut self, raw: &[RawSource], dir: &Path, max_scan: usize) -> Vec<SourceConfig> {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut stdin_at: Option<usize> = None;
        let mut out = Vec::new();
        for (i, s) in raw.iter().enumerate() {
            let key = |k: &str| format!("sources[{i}].{k}");
            let name = self.name(Some(&s.name), &key("name"), "source name", "");
            if name == crate::events::control::KIOSK_SOURCE {
                self.error(
                    span_of(&s.name),
                    key("name"),
                    format!("source name {name:?} is reserved for scans typed at the kiosk page"),
                    Some("choose another name".to_owned()),
                );
            } else if !name.is_empty() {
                if let Some(first) = seen.get(&name) {
                    self.error(
                        span_of(&s.name),
                        key("name"),
                        format!("source name {name:?} is already used by sources[{first}]"),
                        Some("each source needs its own name".to_owned()),
                    );
                } else {
                    seen.insert(name.clone(), i);
                }
            }
            let kind_name = s.kind.get_ref().as_str();
            let kind = match kind_name {
                "stdin" => {
                    if let Some(first) = stdin_at {
                        self.error(
                            span_of(&s.kind),
                            key("kind"),
                            format!("a second stdin source; sources[{first}] already reads standard input"),
                            None,
                        );
                    }
                    stdin_at = Some(i);
                    Some(SourceKind::Stdin)
                }
                "replay" => Some(SourceKind::Replay(self.replay(s, i, dir))),
                "serial" => Some(SourceKind::Serial(self.serial(s, i, max_scan))),
                "usb_hid" => Some(SourceKind::UsbHid(self.usb_hid(s, i, max_scan))),
                "image_dir" => Some(SourceKind::ImageDir(self.image_dir(s, i, dir))),
                "llrp" => Some(SourceKind::Llrp(self.llrp(s, i))),
                other => {
                    self.error(
                        span_of(&s.kind),
                        key("kind"),
                        format!("unknown source kind {other:?}"),
                        Some(format!("allowed: {}", SourceKind::NAMES.join(", "))),
                    );
                    None
                }
            };
            if let Some(kind) = &kind {
                self.foreign_keys(s, i, kind);
            }
            let assume_symbology = s.assume_symbology.as_ref().and_then(|a| {
                match a.get_ref().parse::<AimId>() {
                    Ok(id) => Some(id),
                    Err(e) => {
                        self.error(
                            span_of(a),
                            key("assume_symbology"),
                            e.message.clone(),
                            Some("allowed: an AIM symbology identifier such as \"]C1\" (GS1-128), \"]d2\" (GS1 DataMatrix), \"]Q3\" (GS1 QR), \"]E0\" (EAN/UPC)".to_owned()),
                        );
                        None
                    }
                }
            });
            let debounce = self.number(
                s.debounce_ms.as_ref(),
                &key("debounce_ms"),
                defaults::debounce_ms(),
                defaults::DEBOUNCE_MS,
                " ms",
            );
            if let Some(kind) = kind {
                out.push(SourceConfig {
                    name,
                    kind,
                    assume_symbology,
                    debounce: Duration::from_millis(debounce),
                });
            }
        }
        out
    }

    /// Keys given for a kind they do not belong to.
    /// Keys written on a source of a kind that does not take them. Each key
    /// names the kinds that take it (device and suffix mean something to
    /// both serial and usb_hid sources).
    fn foreign_keys(&mut self, s: &RawSource, i: usize, kind: &SourceKind) {
        fn span<T>(v: Option<&Spanned<T>>) -> Option<Range<usize>> {
            v.map(Spanned::span)
        }
        const REPLAY: &[&str] = &["replay"];
        const SERIAL: &[&str] = &["serial"];
        const USB_HID: &[&str] = &["usb_hid"];
        const DEVICES: &[&str] = &["serial", "usb_hid"];
        const FILES: &[&str] = &["replay", "image_dir"];
        const IMAGE_DIR: &[&str] = &["image_dir"];
        let keys = [
            ("path", span(s.path.as_ref()), FILES),
            ("speed", span(s.speed.as_ref()), REPLAY),
            ("loop", span(s.looped.as_ref()), REPLAY),
            ("device", span(s.device.as_ref()), DEVICES),
            ("baud", span(s.baud.as_ref()), SERIAL),
            ("data_bits", span(s.data_bits.as_ref()), SERIAL),
            ("parity", span(s.parity.as_ref()), SERIAL),
            ("stop_bits", span(s.stop_bits.as_ref()), SERIAL),
            ("flow_control", span(s.flow_control.as_ref()), SERIAL),
            ("suffix", span(s.suffix.as_ref()), DEVICES),
            ("prefix_hex", span(s.prefix_hex.as_ref()), SERIAL),
            (
                "inter_byte_timeout_ms",
                span(s.inter_byte_timeout_ms.as_ref()),
                SERIAL,
            ),
            ("max_frame_bytes", span(s.max_frame_bytes.as_ref()), SERIAL),
            ("aim_expected", span(s.aim_expected.as_ref()), SERIAL),
            (
                "feedback_accepted_hex",
                span(s.feedback_accepted_hex.as_ref()),
                SERIAL,
            ),
            (
                "feedback_warning_hex",
                span(s.feedback_warning_hex.as_ref()),
                SERIAL,
            ),
            (
                "feedback_rejected_hex",
                span(s.feedback_rejected_hex.as_ref()),
                SERIAL,
            ),
            (
                "reconnect_max_ms",
                span(s.reconnect_max_ms.as_ref()),
                SERIAL,
            ),
            ("mode", span(s.mode.as_ref()), USB_HID),
            ("layout", span(s.layout.as_ref()), USB_HID),
            ("gs_substitute", span(s.gs_substitute.as_ref()), USB_HID),
            ("rs_substitute", span(s.rs_substitute.as_ref()), USB_HID),
            ("eot_substitute", span(s.eot_substitute.as_ref()), USB_HID),
            ("gap_ms", span(s.gap_ms.as_ref()), USB_HID),
            ("report_id", span(s.report_id.as_ref()), USB_HID),
            ("poll_ms", span(s.poll_ms.as_ref()), IMAGE_DIR),
        ];
        let llrp = portal::llrp_keys(s);
        let own = kind.name();
        const LLRP: &[&str] = &["llrp"];
        let keys = keys
            .into_iter()
            .chain(llrp.into_iter().map(|(k, sp)| (k, sp, LLRP)));
        for (k, sp, owners) in keys {
            if sp.is_none() || owners.contains(&own) {
                continue;
            }
            let hint = match owners {
                [one] => format!("only kind {one} takes {k}"),
                many => format!("only kinds {} take {k}", many.join(" and ")),
            };
            self.error(
                sp,
                format!("sources[{i}].{k}"),
                format!("{k} does not apply to a source of kind {own}"),
                Some(hint),
            );
        }
    }

    /// Bytes written as hex digits (spaces allowed between bytes), at most
    /// `max` of them.
    fn hex(&mut self, v: Option<&Spanned<String>>, key: &str, max: usize) -> Vec<u8> {
        let Some(v) = v else { return Vec::new() };
        let digits: String = v.get_ref().chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = if digits.len().is_multiple_of(2)
            && digits.bytes().all(|b| b.is_ascii_hexdigit())
        {
            digits
                .as_bytes()
                .chunks(2)
                .map(|p| {
                    std::str::from_utf8(p)
                        .ok()
                        .and_then(|t| u8::from_str_radix(t, 16).ok())
                        .unwrap_or(0)
                })
                .collect::<Vec<u8>>()
        } else {
            self.error(
                span_of(v),
                key,
                format!("{:?} is not hex bytes", v.get_ref()),
                Some("allowed: pairs of hex digits, spaces between bytes allowed, e.g. \"02\" or \"1B 07\"; \"\" for none".to_owned()),
            );
            return Vec::new();
        };
        if bytes.len() > max {
            self.error(
                span_of(v),
                key,
                format!("{} bytes is too many", bytes.len()),
                Some(format!("allowed: at most {max} bytes")),
            );
            return Vec::new();
        }
        bytes
    }

    fn serial(&mut self, s: &RawSource, i: usize, max_scan: usize) -> SerialSource {
        let key = |k: &str| format!("sources[{i}].{k}");
        let device = match &s.device {
            Some(d) => match d.get_ref().parse::<DeviceSelector>() {
                Ok(sel) => sel,
                Err(e) => {
                    self.error(
                        span_of(d),
                        key("device"),
                        e.message,
                        Some("allowed: /dev/ttyACM0, /dev/serial/by-id/usb-…, /dev/lotstation/…, or usb:VID:PID[:SERIAL] (`lotstation devices` lists what is connected)".to_owned()),
                    );
                    DeviceSelector::Path(PathBuf::new())
                }
            },
            None => {
                self.error(
                    Some(s.kind.span()),
                    key("device"),
                    "a serial source needs a device",
                    Some("e.g. device = \"/dev/serial/by-id/usb-…\" or device = \"usb:0c2e:0b61\" (`lotstation devices` lists what is connected)".to_owned()),
                );
                DeviceSelector::Path(PathBuf::new())
            }
        };
        let baud = self.number(
            s.baud.as_ref(),
            &key("baud"),
            defaults::serial_baud(),
            defaults::SERIAL_BAUD,
            " bits/s",
        );
        let data_bits = self.number(
            s.data_bits.as_ref(),
            &key("data_bits"),
            defaults::serial_data_bits(),
            defaults::SERIAL_DATA_BITS,
            "",
        );
        let stop_bits = self.number(
            s.stop_bits.as_ref(),
            &key("stop_bits"),
            defaults::serial_stop_bits(),
            defaults::SERIAL_STOP_BITS,
            "",
        );
        let parities: Vec<(&str, Parity)> = Parity::ALL.iter().map(|p| (p.as_str(), *p)).collect();
        let parity = self.choice(
            s.parity.as_ref(),
            &key("parity"),
            "parity",
            &parities,
            defaults::serial_parity(),
        );
        let flows: Vec<(&str, FlowControl)> =
            FlowControl::ALL.iter().map(|f| (f.as_str(), *f)).collect();
        let flow_control = self.choice(
            s.flow_control.as_ref(),
            &key("flow_control"),
            "flow control",
            &flows,
            defaults::serial_flow_control(),
        );
        let suffixes: Vec<(&str, Suffix)> = Suffix::ALL.iter().map(|x| (x.as_str(), *x)).collect();
        let suffix = self.choice(
            s.suffix.as_ref(),
            &key("suffix"),
            "suffix",
            &suffixes,
            defaults::serial_suffix(),
        );
        let prefix = self.hex(
            s.prefix_hex.as_ref(),
            &key("prefix_hex"),
            crate::source::framing::MAX_PREFIX_BYTES,
        );
        let timeout_default = defaults::serial_inter_byte_timeout_ms(suffix);
        let timeout_ms = self.number(
            s.inter_byte_timeout_ms.as_ref(),
            &key("inter_byte_timeout_ms"),
            timeout_default,
            defaults::SERIAL_INTER_BYTE_TIMEOUT_MS,
            " ms",
        );
        let max_frame = self.number(
            s.max_frame_bytes.as_ref(),
            &key("max_frame_bytes"),
            max_scan as u64,
            defaults::SERIAL_MAX_FRAME_BYTES,
            " bytes",
        );
        let reconnect_ms = self.number(
            s.reconnect_max_ms.as_ref(),
            &key("reconnect_max_ms"),
            defaults::serial_reconnect_max_ms(),
            defaults::SERIAL_RECONNECT_MAX_MS,
            " ms",
        );
        let framing = FramingConfig {
            suffix,
            prefix,
            inter_byte_timeout: (timeout_ms > 0).then(|| Duration::from_millis(timeout_ms)),
            max_frame_bytes: usize::try_from(max_frame).unwrap_or(max_scan),
            aim_expected: s
                .aim_expected
                .as_ref()
                .map_or_else(defaults::serial_aim_expected, |a| *a.get_ref()),
        };
        if let Err(e) = Framer::new(framing.clone()) {
            let span = |v: Option<Range<usize>>| v.or_else(|| Some(s.kind.span()));
            let (k, sp, hint) = match e {
                FramingConfigError::NoEnd | FramingConfigError::ZeroTimeout => (
                    "inter_byte_timeout_ms",
                    span(
                        s.inter_byte_timeout_ms
                            .as_ref()
                            .map(Spanned::span)
                            .or_else(|| s.suffix.as_ref().map(Spanned::span)),
                    ),
                    "with suffix = \"none\" set inter_byte_timeout_ms to the longest pause inside one scan plus a margin, e.g. 50",
                ),
                FramingConfigError::PrefixHasSuffix | FramingConfigError::PrefixTooLong(_) => (
                    "prefix_hex",
                    span(s.prefix_hex.as_ref().map(Spanned::span)),
                    "the prefix is the scanner's configured preamble, e.g. \"02\" (STX)",
                ),
                _ => (
                    "max_frame_bytes",
                    span(s.max_frame_bytes.as_ref().map(Spanned::span)),
                    "allowed: 1 to 65536 bytes",
                ),
            };
            self.error(sp, key(k), e.to_string(), Some(hint.to_owned()));
        }
        let feedback = ScannerFeedback {
            accepted: self.hex(
                s.feedback_accepted_hex.as_ref(),
                &key("feedback_accepted_hex"),
                defaults::MAX_FEEDBACK_BYTES,
            ),
            warning: self.hex(
                s.feedback_warning_hex.as_ref(),
                &key("feedback_warning_hex"),
                defaults::MAX_FEEDBACK_BYTES,
            ),
            rejected: self.hex(
                s.feedback_rejected_hex.as_ref(),
                &key("feedback_rejected_hex"),
                defaults::MAX_FEEDBACK_BYTES,
            ),
        };
        SerialSource {
            device,
            line: LineSettings {
                baud: u32::try_from(baud).unwrap_or(9600),
                data_bits: u8::try_from(data_bits).unwrap_or(8),
                parity,
                stop_bits: u8::try_from(stop_bits).unwrap_or(1),
                flow_control,
            },
            framing,
            feedback,
            reconnect_max: Duration::from_millis(reconnect_ms),
        }
    }

    fn replay(&mut self, s: &RawSource, i: usize, dir: &Path) -> ReplaySource {
        let path = match &s.path {
            Some(p) => self.path(p, &format!("sources[{i}].path"), dir),
            None => {
                self.error(
                    Some(s.kind.span()),
                    format!("sources[{i}].path"),
                    "a replay source needs a path",
                    Some("e.g. path = \"../hardware-fixtures/demo/scans.replay\" (relative to this file's directory)".to_owned()),
                );
                PathBuf::new()
            }
        };
        let speed = match &s.speed {
            None => defaults::replay_speed(),
            Some(v) if v.get_ref().is_finite() && *v.get_ref() >= 0.0 => *v.get_ref(),
            Some(v) => {
                self.error(
                    span_of(v),
                    format!("sources[{i}].speed"),
                    format!("speed {} is not allowed", v.get_ref()),
                    Some(
                        "allowed: a number >= 0 (1.0 real time, 2.0 twice as fast, 0 no delays)"
                            .to_owned(),
                    ),
                );
                defaults::replay_speed()
            }
        };
        ReplaySource {
            path,
            speed,
            looped: s
                .looped
                .as_ref()
                .map_or_else(defaults::replay_loop, |l| *l.get_ref()),
        }
    }

    fn image_dir(&mut self, s: &RawSource, i: usize, dir: &Path) -> ImageDirSource {
        let path = match &s.path {
            Some(p) => self.path(p, &format!("sources[{i}].path"), dir),
            None => {
                self.error(
                    Some(s.kind.span()),
                    format!("sources[{i}].path"),
                    "an image_dir source needs a path",
                    Some("the directory the camera writes pictures to, e.g. path = \"/var/lib/lotstation/camera\"".to_owned()),
                );
                PathBuf::new()
            }
        };
        let poll = self.number(
            s.poll_ms.as_ref(),
            &format!("sources[{i}].poll_ms"),
            defaults::image_poll_ms(),
            defaults::IMAGE_POLL_MS,
            " ms",
        );
        ImageDirSource {
            dir: path,
            poll: Duration::from_millis(poll),
        }
    }

    fn usb_hid(&mut self, s: &RawSource, i: usize, max_scan: usize) -> UsbHidSource {
        let key = |k: &str| format!("sources[{i}].{k}");
        let mode_name = s.mode.as_ref().map_or("keyboard", |m| m.get_ref().as_str());
        let pos = match mode_name {
            "keyboard" => false,
            "hid_pos" => true,
            other => {
                self.error(
                    s.mode.as_ref().map(Spanned::span),
                    key("mode"),
                    format!("unknown USB HID mode {other:?}"),
                    Some("allowed: keyboard (the scanner types like a keyboard), hid_pos (USB HID Point of Sale bar code scanner)".to_owned()),
                );
                false
            }
        };
        let device = match &s.device {
            Some(d) => match UsbMatch::parse(d.get_ref()) {
                Ok(m) => m,
                Err(msg) => {
                    self.error(
                        span_of(d),
                        key("device"),
                        msg,
                        Some("allowed: usb:VID:PID or usb:VID:PID:SERIAL with four hex digits each, e.g. usb:0c2e:0b61 (see `lotstation devices` or lsusb)".to_owned()),
                    );
                    UsbMatch::default()
                }
            },
            None => {
                if !pos {
                    self.error(
                        Some(s.kind.span()),
                        key("device"),
                        "a usb_hid source in keyboard mode needs a device",
                        Some("e.g. device = \"usb:0c2e:0b61\": lotstation takes the whole keyboard away from the desktop, so it must never guess which keyboard is the scanner".to_owned()),
                    );
                }
                UsbMatch::default()
            }
        };
        let gap = self.number(
            s.gap_ms.as_ref(),
            &key("gap_ms"),
            defaults::hid_gap_ms(),
            defaults::HID_GAP_MS,
            " ms",
        );
        let mode = if pos {
            for (k, span) in [
                ("layout", s.layout.as_ref().map(Spanned::span)),
                ("suffix", s.suffix.as_ref().map(Spanned::span)),
                ("gs_substitute", s.gs_substitute.as_ref().map(Spanned::span)),
                ("rs_substitute", s.rs_substitute.as_ref().map(Spanned::span)),
                (
                    "eot_substitute",
                    s.eot_substitute.as_ref().map(Spanned::span),
                ),
            ] {
                if span.is_some() {
                    self.error(
                        span,
                        key(k),
                        format!("{k} does not apply to mode hid_pos"),
                        Some("HID-POS scanners send data, not keystrokes; only mode = \"keyboard\" takes it".to_owned()),
                    );
                }
            }
            let report_id = self.number(
                s.report_id.as_ref(),
                &key("report_id"),
                defaults::hid_report_id(),
                defaults::HID_REPORT_ID,
                "",
            );
            HidMode::Pos(PosSettings {
                report_id: u8::try_from(report_id).unwrap_or(2),
                max_scan_bytes: max_scan,
            })
        } else {
            if let Some(r) = &s.report_id {
                self.error(
                    span_of(r),
                    key("report_id"),
                    "report_id does not apply to mode keyboard",
                    Some("only mode = \"hid_pos\" takes report_id".to_owned()),
                );
            }
            let layouts: Vec<(&str, Layout)> =
                Layout::ALL.iter().map(|l| (l.as_str(), *l)).collect();
            let layout = self.choice(
                s.layout.as_ref(),
                &key("layout"),
                "keyboard layout",
                &layouts,
                Layout::Us,
            );
            let suffixes: Vec<(&str, HidSuffix)> =
                HidSuffix::ALL.iter().map(|x| (x.as_str(), *x)).collect();
            let suffix = self.choice(
                s.suffix.as_ref(),
                &key("suffix"),
                "suffix",
                &suffixes,
                HidSuffix::Enter,
            );
            let mut substitutes = Vec::new();
            for (k, v, byte) in [
                ("gs_substitute", &s.gs_substitute, GS),
                ("rs_substitute", &s.rs_substitute, RS),
                ("eot_substitute", &s.eot_substitute, EOT),
            ] {
                let Some(v) = v else { continue };
                let mut chars = v.get_ref().chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() && !c.is_alphanumeric() => {
                        if substitutes.iter().any(|(x, _)| *x == c) {
                            self.error(
                                span_of(v),
                                key(k),
                                format!("{c:?} already stands for another control character"),
                                Some("each substitute needs its own character".to_owned()),
                            );
                        } else {
                            substitutes.push((c, byte));
                        }
                    }
                    _ => self.error(
                        span_of(v),
                        key(k),
                        format!("{:?} is not a single substitute character", v.get_ref()),
                        Some("allowed: one printable character that is neither a letter nor a digit and never occurs in the data, e.g. \"~\" or \"^\"".to_owned()),
                    ),
                }
            }
            HidMode::Keyboard(KeyboardSettings {
                layout,
                suffix,
                substitutes,
                max_scan_bytes: max_scan,
            })
        };
        UsbHidSource {
            device,
            mode,
            gap: Duration::from_millis(gap),
        }
    }

    fn sync(&mut self, raw: &RawSync, dir: &Path) -> SyncConfig {
        let url = raw.central_url.get_ref().trim_end_matches('/').to_owned();
        let url_problem = match reqwest::Url::parse(&url) {
            Err(e) => Some(format!("{url:?} is not a URL: {e}")),
            Ok(u) if !matches!(u.scheme(), "http" | "https") => {
                Some(format!("{url:?} is not an http:// or https:// URL"))
            }
            Ok(u) if u.host_str().is_none_or(str::is_empty) => Some(format!("{url:?} has no host")),
            Ok(u) if !u.username().is_empty() || u.password().is_some() => Some(
                "the URL carries credentials; put the token in sync.token or sync.token_file"
                    .to_owned(),
            ),
            Ok(u) if u.query().is_some() || u.fragment().is_some() => {
                Some(format!("{url:?} has a query or fragment"))
            }
            Ok(_) => None,
        };
        if let Some(m) = url_problem {
            self.error(
                span_of(&raw.central_url),
                "sync.central_url",
                m,
                Some(
                    "e.g. \"https://central.example.com\" or \"http://127.0.0.1:8700\"".to_owned(),
                ),
            );
        }
        let token = match (&raw.token, &raw.token_file) {
            (Some(t), Some(_)) => {
                self.error(
                    span_of(t),
                    "sync.token",
                    "both sync.token and sync.token_file are set",
                    Some("give one of them".to_owned()),
                );
                TokenSource::None
            }
            (Some(t), None) => {
                let v = t.get_ref().expose();
                if (1..=4096).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_graphic()) {
                    TokenSource::Inline(Secret::new(v.to_owned()))
                } else {
                    // The value itself is never repeated in the message.
                    self.error(
                        span_of(t),
                        "sync.token",
                        "the token is not 1 to 4096 visible ASCII characters",
                        None,
                    );
                    TokenSource::None
                }
            }
            (None, Some(f)) => TokenSource::File(self.path(f, "sync.token_file", dir)),
            (None, None) => TokenSource::None,
        };
        let ms =
            |c: &mut Self, v: &Option<Spanned<u64>>, key: &str, d: u64, r: RangeInclusive<u64>| {
                Duration::from_millis(c.number(v.as_ref(), key, d, r, " ms"))
            };
        let push_interval = ms(
            self,
            &raw.push_interval_ms,
            "sync.push_interval_ms",
            defaults::push_interval_ms(),
            defaults::SYNC_INTERVAL_MS,
        );
        let status_interval = ms(
            self,
            &raw.status_interval_ms,
            "sync.status_interval_ms",
            defaults::status_interval_ms(),
            defaults::SYNC_INTERVAL_MS,
        );
        let master_interval = ms(
            self,
            &raw.master_interval_ms,
            "sync.master_interval_ms",
            defaults::master_interval_ms(),
            defaults::SYNC_INTERVAL_MS,
        );
        let request_timeout = ms(
            self,
            &raw.request_timeout_ms,
            "sync.request_timeout_ms",
            defaults::request_timeout_ms(),
            defaults::REQUEST_TIMEOUT_MS,
        );
        let backoff_max = ms(
            self,
            &raw.backoff_max_ms,
            "sync.backoff_max_ms",
            defaults::backoff_max_ms(),
            defaults::SYNC_INTERVAL_MS,
        );
        let batch_size = self.number(
            raw.batch_size.as_ref(),
            "sync.batch_size",
            defaults::batch_size(),
            defaults::BATCH_SIZE,
            " transactions",
        );
        let ca_bundle = raw
            .ca_bundle
            .as_ref()
            .map(|p| self.path(p, "sync.ca_bundle", dir));
        let client_identity = match (&raw.client_cert, &raw.client_key) {
            (Some(c), Some(k)) => Some((
                self.path(c, "sync.client_cert", dir),
                self.path(k, "sync.client_key", dir),
            )),
            (None, None) => None,
            (Some(v), None) | (None, Some(v)) => {
                self.error(
                    span_of(v),
                    if raw.client_cert.is_some() {
                        "sync.client_cert"
                    } else {
                        "sync.client_key"
                    },
                    "a client certificate needs both sync.client_cert and sync.client_key",
                    None,
                );
                None
            }
        };
        let staleness_budget = raw.staleness_budget_secs.as_ref().map(|v| {
            Duration::from_secs(self.number(
                Some(v),
                "sync.staleness_budget_secs",
                defaults::STALENESS_BUDGET_SECS.end().to_owned(),
                defaults::STALENESS_BUDGET_SECS,
                " s",
            ))
        });
        let mut staleness_moves = Vec::new();
        match &raw.staleness_moves {
            None => staleness_moves = defaults::staleness_moves(),
            Some(list) => {
                for (i, v) in list.iter().enumerate() {
                    match serde_json::from_value::<crate::model::MoveKind>(serde_json::Value::String(v.get_ref().clone())) {
                        Ok(k) if !staleness_moves.contains(&k) => staleness_moves.push(k),
                        Ok(_) => self.error(span_of(v), format!("sync.staleness_moves[{i}]"), format!("{:?} is listed twice", v.get_ref()), None),
                        Err(_) => self.error(
                            span_of(v),
                            format!("sync.staleness_moves[{i}]"),
                            format!("unknown move {:?}", v.get_ref()),
                            Some("allowed: receive, move, issue, produce, ship, adjust, hold, release, merge, split".to_owned()),
                        ),
                    }
                }
            }
        }
        SyncConfig {
            central_url: url,
            token,
            push_interval,
            status_interval,
            master_interval,
            batch_size: usize::try_from(batch_size).unwrap_or(2_500),
            request_timeout,
            backoff_max,
            ca_bundle,
            client_identity,
            staleness_budget,
            staleness_moves,
        }
    }

    fn log(&mut self, raw: &RawLog) -> LogConfig {
        let level = match &raw.level {
            None => defaults::log_level().to_owned(),
            Some(l) => match check_filter(l.get_ref()) {
                Ok(()) => l.get_ref().clone(),
                Err(msg) => {
                    self.error(
                        span_of(l),
                        "log.level",
                        msg,
                        Some("allowed: comma-separated directives LEVEL or TARGET=LEVEL, LEVEL one of trace, debug, info, warn, error, off; e.g. \"info,lotstation::store=debug\"".to_owned()),
                    );
                    defaults::log_level().to_owned()
                }
            },
        };
        let formats: Vec<(&str, LogFormat)> =
            LogFormat::ALL.iter().map(|f| (f.as_str(), *f)).collect();
        let format = self.choice(
            raw.format.as_ref(),
            "log.format",
            "log format",
            &formats,
            defaults::log_format(),
        );
        LogConfig { level, format }
    }
}

impl Check<'_> {
    fn api(&mut self, raw: &RawApi, dir: &Path) -> ApiConfig {
        let token = raw.token.as_ref().and_then(|t| {
            let text = t.get_ref().expose();
            let len = text.chars().count();
            if defaults::API_TOKEN_LEN.contains(&len) && text.bytes().all(|b| b.is_ascii_graphic()) {
                Some(ApiToken(text.to_owned()))
            } else {
                // The token itself is never echoed into an error.
                self.error(
                    span_of(t),
                    "api.token",
                    format!("the token is not valid ({len} characters)"),
                    Some(format!(
                        "allowed: {} to {} printable ASCII characters without spaces, e.g. the output of `openssl rand -hex 24`",
                        defaults::API_TOKEN_LEN.start(),
                        defaults::API_TOKEN_LEN.end()
                    )),
                );
                None
            }
        });
        let listen = match &raw.listen {
            None => defaults::api_listen().parse().ok(),
            Some(l) if l.get_ref().is_empty() => None,
            Some(l) => match l.get_ref().parse::<SocketAddr>() {
                Ok(addr) => {
                    if !addr.ip().is_loopback() && raw.token.is_none() {
                        self.error(
                            span_of(l),
                            "api.listen",
                            format!(
                                "{addr} is not a loopback address and api.token is not set: anyone on the network could switch modes, enter scans and override refusals"
                            ),
                            Some("set api.token (16 or more characters), or listen on 127.0.0.1".to_owned()),
                        );
                    }
                    Some(addr)
                }
                Err(_) => {
                    self.error(
                        span_of(l),
                        "api.listen",
                        format!("{:?} is not an IP address and port", l.get_ref()),
                        Some("allowed: IP:PORT such as \"127.0.0.1:8370\" or \"[::1]:8370\", or \"\" to turn the API and kiosk off".to_owned()),
                    );
                    None
                }
            },
        };
        let signers_path = match &raw.signers_path {
            Some(p) => self.path(p, "api.signers_path", dir),
            None => PathBuf::from(defaults::signers_path()),
        };
        ApiConfig {
            listen,
            token,
            signers_path,
        }
    }
}

/// Check a tracing `EnvFilter` string: directives separated by commas, each
/// `LEVEL` or `TARGET=LEVEL` (`TARGET` may carry EnvFilter's span and field
/// filters, `target[span{field=value}]`). Stricter than EnvFilter in one
/// way: a bare word must be a level, so a typo such as `inf` is an error
/// rather than a filter for a target called "inf".
fn check_filter(s: &str) -> Result<(), String> {
    const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
    let is_level = |l: &str| LEVELS.iter().any(|x| x.eq_ignore_ascii_case(l));
    if s.trim().is_empty() {
        return Err("the log filter is empty".to_owned());
    }
    for d in s.split(',').map(str::trim) {
        if d.is_empty() {
            return Err(format!("empty directive in {s:?}"));
        }
        match d.rsplit_once('=') {
            // `=` inside a field filter is not the level separator.
            Some((target, level)) if !level.contains(']') && !level.contains('}') => {
                if !is_level(level) {
                    return Err(format!("unknown level {level:?} in directive {d:?}"));
                }
                let name = target.split('[').next().unwrap_or("");
                if name.is_empty() && !target.starts_with('[')
                    || !name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-'))
                {
                    return Err(format!("directive {d:?} has no valid target before '='"));
                }
            }
            _ if is_level(d) => {}
            _ => {
                return Err(format!(
                    "{d:?} is not a level; a target needs one, e.g. {d}=debug"
                ));
            }
        }
    }
    Ok(())
}

/// `path` made absolute against the current directory, without touching the
/// file system; as given when that fails.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}
