//! The default of every config key, one named function each, and the ranges
//! the numeric keys must fall in.
//!
//! Invariant: `config/lotstation.toml` (which is [`DEFAULT_CONFIG`], the text
//! `lotstation print-default-config` prints) states exactly these values; a
//! unit test parses it and compares.

use std::ops::RangeInclusive;

use crate::ident::{self, InternalKind};
use crate::rules::UnknownLotPolicy;

use super::{LogFormat, StationMode};
use crate::source::framing::Suffix;
use crate::source::serial::{FlowControl, Parity};

/// The documented default configuration file, embedded at build time.
pub const DEFAULT_CONFIG: &str = include_str!("../../config/lotstation.toml");

/// `station.timezone`: the plant's IANA time zone.
pub fn timezone() -> &'static str {
    "UTC"
}

/// `station.mode`: the workflow a station starts in.
pub fn mode() -> StationMode {
    StationMode::Lookup
}

/// `station.receive_location`: where received goods are booked in.
pub fn receive_location() -> &'static str {
    "RECEIVING"
}

/// `station.production_location`: where issued lots go and output lots come from.
pub fn production_location() -> &'static str {
    "PRODUCTION"
}

/// `store.path`: the redb file (the systemd unit's `StateDirectory`).
pub fn store_path() -> &'static str {
    "/var/lib/lotstation/station.redb"
}

/// `store.cache_size_mib`.
pub fn cache_size_mib() -> u64 {
    64
}
/// Allowed `store.cache_size_mib`.
pub const CACHE_SIZE_MIB: RangeInclusive<u64> = 4..=4096;

/// `store.group_commit_max`.
pub fn group_commit_max() -> u64 {
    64
}
/// Allowed `store.group_commit_max`.
pub const GROUP_COMMIT_MAX: RangeInclusive<u64> = 1..=1024;

/// Capacity of the store's command queue (not a config key).
pub const STORE_QUEUE_CAPACITY: usize = 256;

/// `rules.expiry_warning_days`.
pub fn expiry_warning_days() -> u64 {
    30
}
/// Allowed `rules.expiry_warning_days` (ten years).
pub const EXPIRY_WARNING_DAYS: RangeInclusive<u64> = 0..=3650;

/// `rules.unknown_lot`.
pub fn unknown_lot() -> UnknownLotPolicy {
    UnknownLotPolicy::Reject
}

/// `rules.release_requires_supervisor`.
pub fn release_requires_supervisor() -> bool {
    true
}

/// `rules.fefo_lookahead`.
pub fn fefo_lookahead() -> u64 {
    32
}
/// Allowed `rules.fefo_lookahead`.
pub const FEFO_LOOKAHEAD: RangeInclusive<u64> = 1..=1024;

/// `lots.internal_pattern`.
pub fn internal_pattern() -> &'static str {
    "{yyyymmdd}-{seq:03}"
}

/// `receive.window_ms`.
pub fn window_ms() -> u64 {
    5000
}
/// Allowed `receive.window_ms`.
pub const WINDOW_MS: RangeInclusive<u64> = 100..=600_000;

/// `receive.required_ais`: GTIN, lot and expiry.
pub fn required_ais() -> Vec<String> {
    ["01", "10", "17"].map(String::from).to_vec()
}

/// `receive.optional_ais`: dates, serial, count and weights taken when present.
pub fn optional_ais() -> Vec<String> {
    ["11", "13", "15", "21", "30", "37", "310n", "330n"]
        .map(String::from)
        .to_vec()
}

/// `receive.default_qty`.
pub fn default_qty() -> &'static str {
    "1"
}

/// `decode.max_scan_bytes`.
pub fn max_scan_bytes() -> u64 {
    ident::DEFAULT_MAX_INPUT_LEN as u64
}
/// Allowed `decode.max_scan_bytes`.
pub const MAX_SCAN_BYTES: RangeInclusive<u64> = 64..=65_536;

/// `decode.ean_as_gtin`.
pub fn ean_as_gtin() -> bool {
    true
}
/// `decode.itf14_as_gtin`.
pub fn itf14_as_gtin() -> bool {
    true
}
/// `decode.permit_unknown_ais`.
pub fn permit_unknown_ais() -> bool {
    false
}
/// `decode.lost_separator_warnings`.
pub fn lost_separator_warnings() -> bool {
    true
}
/// `decode.check_requisites`.
pub fn check_requisites() -> bool {
    true
}
/// `decode.permit_zero_suppressed_gtin`.
pub fn permit_zero_suppressed_gtin() -> bool {
    false
}

/// `codes.<kind>`: the default pattern for one internal code kind.
pub fn code_pattern(kind: InternalKind) -> &'static str {
    ident::internal::DEFAULT_PATTERNS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("", |(_, p)| p)
}

/// `sources[].speed` (replay): real time.
pub fn replay_speed() -> f64 {
    1.0
}
/// Fastest `sources[].speed` accepted (above it, use 0 for no delays).
pub const MAX_REPLAY_SPEED: f64 = 1000.0;

/// `sources[].loop` (replay).
pub fn replay_loop() -> bool {
    false
}

/// `sources[].debounce_ms`.
pub fn debounce_ms() -> u64 {
    0
}
/// Allowed `sources[].debounce_ms`.
pub const DEBOUNCE_MS: RangeInclusive<u64> = 0..=60_000;

/// `sources[].baud` (serial): the factory setting of most scanners.
pub fn serial_baud() -> u64 {
    9600
}
/// Allowed `sources[].baud`.
pub const SERIAL_BAUD: RangeInclusive<u64> = 50..=4_000_000;

/// `sources[].data_bits` (serial).
pub fn serial_data_bits() -> u64 {
    8
}
/// Allowed `sources[].data_bits`.
pub const SERIAL_DATA_BITS: RangeInclusive<u64> = 5..=8;

/// `sources[].stop_bits` (serial).
pub fn serial_stop_bits() -> u64 {
    1
}
/// Allowed `sources[].stop_bits`.
pub const SERIAL_STOP_BITS: RangeInclusive<u64> = 1..=2;

/// `sources[].parity` (serial).
pub fn serial_parity() -> Parity {
    Parity::None
}

/// `sources[].flow_control` (serial).
pub fn serial_flow_control() -> FlowControl {
    FlowControl::None
}

/// `sources[].suffix` (serial): CR, the factory setting of most scanners.
pub fn serial_suffix() -> Suffix {
    Suffix::Cr
}

/// `sources[].inter_byte_timeout_ms` (serial): 50 ms without a suffix (a
/// scan at 9600 baud arrives at about one byte per millisecond), off with one.
pub fn serial_inter_byte_timeout_ms(suffix: Suffix) -> u64 {
    if suffix == Suffix::None { 50 } else { 0 }
}
/// Allowed `sources[].inter_byte_timeout_ms` (0 = off).
pub const SERIAL_INTER_BYTE_TIMEOUT_MS: RangeInclusive<u64> = 0..=10_000;

/// Allowed `sources[].max_frame_bytes` (default: `decode.max_scan_bytes`).
pub const SERIAL_MAX_FRAME_BYTES: RangeInclusive<u64> = 1..=65_536;

/// `sources[].aim_expected` (serial): most scanners ship with AIM
/// identifiers off.
pub fn serial_aim_expected() -> bool {
    false
}

/// `sources[].reconnect_max_ms` (serial): a replugged scanner works again
/// within about two seconds.
pub fn serial_reconnect_max_ms() -> u64 {
    2000
}
/// Allowed `sources[].reconnect_max_ms`.
pub const SERIAL_RECONNECT_MAX_MS: RangeInclusive<u64> = 100..=60_000;

/// Most bytes in one `sources[].feedback_*_hex` (serial).
pub const MAX_FEEDBACK_BYTES: usize = 64;

/// `log.level`.
pub fn log_level() -> &'static str {
    "info"
}

/// `log.format`.
pub fn log_format() -> LogFormat {
    LogFormat::Auto
}

/// `api.listen`: loopback only, so nothing off the box reaches the station.
pub fn api_listen() -> &'static str {
    "127.0.0.1:8370"
}

/// Allowed length of `api.token`, in characters.
pub const API_TOKEN_LEN: RangeInclusive<usize> = 16..=256;

/// `api.signers_path`: beside the store, in systemd's StateDirectory.
pub fn signers_path() -> &'static str {
    "/var/lib/lotstation/signers.json"
}

/// `sources[].gap_ms` (usb_hid): quiet gap that ends a suffix-less keyboard
/// scan or drops an unfinished HID-POS symbol.
pub fn hid_gap_ms() -> u64 {
    200
}
/// Allowed `sources[].gap_ms`.
pub const HID_GAP_MS: RangeInclusive<u64> = 10..=10_000;

/// `sources[].report_id` (usb_hid, mode hid_pos): the scanned-data report.
pub fn hid_report_id() -> u64 {
    2
}
/// Allowed `sources[].report_id`.
pub const HID_REPORT_ID: RangeInclusive<u64> = 0..=255;

/// `sources[].poll_ms` (image_dir): how often the directory is listed.
pub fn image_poll_ms() -> u64 {
    500
}
/// Allowed `sources[].poll_ms`.
pub const IMAGE_POLL_MS: RangeInclusive<u64> = 20..=60_000;
/// `sync.push_interval_ms`: new transactions wake the push at once; this is
/// the fallback.
pub fn push_interval_ms() -> u64 {
    30_000
}
/// `sync.status_interval_ms`: holds and recalls arrive within about this.
pub fn status_interval_ms() -> u64 {
    5_000
}
/// `sync.master_interval_ms`.
pub fn master_interval_ms() -> u64 {
    60_000
}
/// `sync.backoff_max_ms`.
pub fn backoff_max_ms() -> u64 {
    60_000
}
/// Allowed `sync.*_interval_ms` and `sync.backoff_max_ms` (100 ms to a day).
pub const SYNC_INTERVAL_MS: RangeInclusive<u64> = 100..=86_400_000;
/// `sync.request_timeout_ms`.
pub fn request_timeout_ms() -> u64 {
    10_000
}
/// Allowed `sync.request_timeout_ms`.
pub const REQUEST_TIMEOUT_MS: RangeInclusive<u64> = 100..=600_000;
/// `sync.batch_size`: a week offline (a million transactions) drains in
/// well under a minute at this size (`cargo bench --bench sync`), and half
/// the protocol's limit leaves room for large transactions.
pub fn batch_size() -> u64 {
    2_500
}
/// Allowed `sync.batch_size` (the protocol's limit).
pub const BATCH_SIZE: RangeInclusive<u64> = 1..=5_000;
/// Allowed `sync.staleness_budget_secs` (a minute to 30 days).
pub const STALENESS_BUDGET_SECS: RangeInclusive<u64> = 60..=2_592_000;
/// `sync.staleness_moves`.
pub fn staleness_moves() -> Vec<crate::model::MoveKind> {
    vec![crate::model::MoveKind::Ship]
}
