//! The RFID parts of the configuration: `kind = "llrp"` sources (one per
//! reader) and the `[portal]` section (read points, doors, filters), read in
//! the same two stages as the rest (errors name file, line and key).

use std::ops::RangeInclusive;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::{Check, RawSource, span_of};
use crate::model::LocationCode;
use crate::source::llrp::{self, ReaderPlan, StartMode};
use crate::station::portal::{Door, EpcPattern, PortalSettings, ReadPoint, Side};

/// A validated LLRP reader source.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LlrpSource {
    /// `host:port` (5084 added when absent).
    pub address: String,
    /// What to configure on the reader.
    pub plan: ReaderPlan,
    /// Keepalives missed before the link counts as dead.
    pub missed_keepalives: u32,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Timeout of each setup request.
    pub response_timeout: Duration,
    /// Largest message accepted from the reader.
    pub max_message_bytes: usize,
}

/// `[portal]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPortal {
    /// Reads a tag needs within `min_reads_window_ms`.
    pub min_reads: Option<Spanned<u64>>,
    /// Window of `min_reads`.
    pub min_reads_window_ms: Option<Spanned<u64>>,
    /// Dwell: a tag departs after this long unread.
    pub depart_after_ms: Option<Spanned<u64>>,
    /// A tag present longer than this is static.
    pub static_after_secs: Option<Spanned<u64>>,
    /// Most tags remembered per door.
    pub max_tags_per_door: Option<Spanned<u64>>,
    /// Minimum direction confidence, percent.
    pub min_direction_confidence: Option<Spanned<u64>>,
    /// EPC include patterns.
    pub include: Option<Vec<Spanned<String>>>,
    /// EPC exclude patterns.
    pub exclude: Option<Vec<Spanned<String>>>,
    /// `[[portal.doors]]`.
    #[serde(default)]
    pub doors: Vec<RawDoor>,
    /// `[[portal.read_points]]`.
    #[serde(default)]
    pub read_points: Vec<RawReadPoint>,
}

/// `[[portal.doors]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDoor {
    /// Door name.
    pub name: Spanned<String>,
    /// Reader (llrp source name) whose GPI signals a passage.
    pub gpi_reader: Option<Spanned<String>>,
    /// GPI port.
    pub gpi_port: Option<Spanned<u64>>,
    /// `high` or `low` while passing.
    pub gpi_level: Option<Spanned<String>>,
    /// Stable-set interval.
    pub stable_set_ms: Option<Spanned<u64>>,
    /// Longest cycle.
    pub max_cycle_secs: Option<Spanned<u64>>,
    /// Where inbound goods are booked.
    pub receive_location: Option<Spanned<String>>,
    /// Where outbound goods leave from.
    pub ship_location: Option<Spanned<String>>,
    /// Shipment or advance shipping notice expected at the door.
    pub shipment: Option<Spanned<String>>,
}

/// `[[portal.read_points]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReadPoint {
    /// Read point name.
    pub name: Spanned<String>,
    /// Reader (llrp source name).
    pub reader: Spanned<String>,
    /// Antenna.
    pub antenna: Spanned<u64>,
    /// Door name.
    pub door: Spanned<String>,
    /// `inside`, `outside` or `unsided`.
    pub side: Option<Spanned<String>>,
    /// RSSI floor, dBm.
    pub min_rssi_dbm: Option<Spanned<f64>>,
}

const SESSION: RangeInclusive<u64> = 0..=3;
const TAG_POPULATION: RangeInclusive<u64> = 1..=65_535;
const SEARCH_MODE: RangeInclusive<u64> = 0..=6;
const REPORT_EVERY_TAGS: RangeInclusive<u64> = 1..=65_535;
const ANTENNA: RangeInclusive<u64> = 1..=64;
const GPI_PORT: RangeInclusive<u64> = 1..=64;
const KEEPALIVE_MS: RangeInclusive<u64> = 100..=600_000;
const MISSED_KEEPALIVES: RangeInclusive<u64> = 1..=100;
const TIMEOUT_MS: RangeInclusive<u64> = 100..=600_000;
const MAX_MESSAGE_BYTES: RangeInclusive<u64> = 4096..=64 * 1024 * 1024;
const MIN_READS: RangeInclusive<u64> = 1..=100;
const WINDOW_MS: RangeInclusive<u64> = 1..=600_000;
const STATIC_AFTER_SECS: RangeInclusive<u64> = 1..=86_400 * 7;
const MAX_TAGS: RangeInclusive<u64> = 1..=1_000_000;
const PERCENT: RangeInclusive<u64> = 0..=100;
const MAX_CYCLE_SECS: RangeInclusive<u64> = 1..=3600;

/// The llrp-only keys of a `[[sources]]` entry, with their spans.
pub(super) fn llrp_keys(s: &RawSource) -> Vec<(&'static str, Option<std::ops::Range<usize>>)> {
    let sp = |v: Option<std::ops::Range<usize>>| v;
    vec![
        ("address", sp(s.address.as_ref().map(Spanned::span))),
        ("antennas", sp(s.antennas.as_ref().map(Spanned::span))),
        (
            "tx_power_dbm",
            sp(s.tx_power_dbm.as_ref().map(Spanned::span)),
        ),
        (
            "rx_sensitivity_db",
            sp(s.rx_sensitivity_db.as_ref().map(Spanned::span)),
        ),
        ("session", sp(s.session.as_ref().map(Spanned::span))),
        (
            "tag_population",
            sp(s.tag_population.as_ref().map(Spanned::span)),
        ),
        ("search_mode", sp(s.search_mode.as_ref().map(Spanned::span))),
        (
            "report_every_tags",
            sp(s.report_every_tags.as_ref().map(Spanned::span)),
        ),
        ("start", sp(s.start.as_ref().map(Spanned::span))),
        ("gpi_port", sp(s.gpi_port.as_ref().map(Spanned::span))),
        ("gpi_level", sp(s.gpi_level.as_ref().map(Spanned::span))),
        (
            "keepalive_ms",
            sp(s.keepalive_ms.as_ref().map(Spanned::span)),
        ),
        (
            "missed_keepalives",
            sp(s.missed_keepalives.as_ref().map(Spanned::span)),
        ),
        (
            "response_timeout_ms",
            sp(s.response_timeout_ms.as_ref().map(Spanned::span)),
        ),
        (
            "max_message_bytes",
            sp(s.max_message_bytes.as_ref().map(Spanned::span)),
        ),
    ]
}

impl Check<'_> {
    /// A `kind = "llrp"` source.
    pub(super) fn llrp(&mut self, s: &RawSource, i: usize) -> LlrpSource {
        let key = |k: &str| format!("sources[{i}].{k}");
        let address = match &s.address {
            Some(a)
                if !a.get_ref().trim().is_empty() && !a.get_ref().contains(char::is_whitespace) =>
            {
                llrp::with_default_port(a.get_ref())
            }
            Some(a) => {
                self.error(
                    span_of(a),
                    key("address"),
                    format!("{:?} is not a reader address", a.get_ref()),
                    Some("e.g. address = \"192.0.2.10\" or \"reader-dock1.local:5084\"".to_owned()),
                );
                String::new()
            }
            None => {
                self.error(
                    Some(s.kind.span()),
                    key("address"),
                    "an llrp source needs the reader's address",
                    Some("e.g. address = \"192.0.2.10\" (port 5084 unless given)".to_owned()),
                );
                String::new()
            }
        };
        let mut plan = ReaderPlan::default();
        if let Some(a) = &s.antennas {
            let mut list = Vec::new();
            for v in a.get_ref() {
                if ANTENNA.contains(v) {
                    list.push(u16::try_from(*v).unwrap_or(1));
                } else {
                    self.error(
                        span_of(a),
                        key("antennas"),
                        format!("antenna {v} is out of range"),
                        Some("allowed: antenna numbers 1 to 64, e.g. antennas = [1, 2]".to_owned()),
                    );
                }
            }
            plan.antennas = list;
        }
        if let Some(p) = &s.tx_power_dbm {
            let v = *p.get_ref();
            if v.is_finite() && (0.0..=40.0).contains(&v) {
                plan.tx_power_cdbm = Some((v * 100.0).round() as i32);
            } else {
                self.error(
                    span_of(p),
                    key("tx_power_dbm"),
                    format!("{v} dBm is out of range"),
                    Some(
                        "allowed: 0 to 40 dBm; the reader's nearest lower power step is used"
                            .to_owned(),
                    ),
                );
            }
        }
        if let Some(r) = &s.rx_sensitivity_db {
            let v = *r.get_ref();
            if (-128..=0).contains(&v) {
                plan.rx_sensitivity_db = Some(i32::try_from(v).unwrap_or(0));
            } else {
                self.error(
                    span_of(r),
                    key("rx_sensitivity_db"),
                    format!("{v} dB is out of range"),
                    Some(
                        "allowed: -128 to 0 (dB relative to the reader's maximum sensitivity)"
                            .to_owned(),
                    ),
                );
            }
        }
        plan.session = self.number(s.session.as_ref(), &key("session"), 1, SESSION, "") as u8;
        plan.tag_population = self.number(
            s.tag_population.as_ref(),
            &key("tag_population"),
            32,
            TAG_POPULATION,
            "",
        ) as u16;
        plan.search_mode = s
            .search_mode
            .as_ref()
            .map(|m| self.number(Some(m), &key("search_mode"), 0, SEARCH_MODE, "") as u16);
        plan.report_every_tags = self.number(
            s.report_every_tags.as_ref(),
            &key("report_every_tags"),
            1,
            REPORT_EVERY_TAGS,
            "",
        ) as u16;
        let gpi = self.choice(
            s.start.as_ref(),
            &key("start"),
            "start",
            &[("immediate", false), ("gpi", true)],
            false,
        );
        let high = self.choice(
            s.gpi_level.as_ref(),
            &key("gpi_level"),
            "GPI level",
            &[("high", true), ("low", false)],
            true,
        );
        if gpi {
            let port = match &s.gpi_port {
                Some(p) => self.number(Some(p), &key("gpi_port"), 1, GPI_PORT, ""),
                None => {
                    self.error(
                        s.start.as_ref().and_then(span_of),
                        key("gpi_port"),
                        "start = \"gpi\" needs the GPI port of the photo-eye or door sensor",
                        Some("e.g. gpi_port = 1".to_owned()),
                    );
                    1
                }
            };
            plan.start = StartMode::Gpi {
                port: u16::try_from(port).unwrap_or(1),
                high,
                timeout_ms: 0,
            };
        }
        let keepalive = self.number(
            s.keepalive_ms.as_ref(),
            &key("keepalive_ms"),
            5000,
            KEEPALIVE_MS,
            " ms",
        );
        plan.keepalive = Duration::from_millis(keepalive);
        LlrpSource {
            address,
            plan,
            missed_keepalives: self.number(
                s.missed_keepalives.as_ref(),
                &key("missed_keepalives"),
                3,
                MISSED_KEEPALIVES,
                "",
            ) as u32,
            connect_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_millis(self.number(
                s.response_timeout_ms.as_ref(),
                &key("response_timeout_ms"),
                5000,
                TIMEOUT_MS,
                " ms",
            )),
            max_message_bytes: self.number(
                s.max_message_bytes.as_ref(),
                &key("max_message_bytes"),
                llrp::codec::DEFAULT_MAX_MESSAGE_LEN as u64,
                MAX_MESSAGE_BYTES,
                " bytes",
            ) as usize,
        }
    }

    /// `[portal]`, given the names of the llrp sources.
    pub(super) fn portal(
        &mut self,
        raw: Option<&RawPortal>,
        readers: &[String],
        receive_location: &str,
    ) -> Option<PortalSettings> {
        let raw = raw?;
        let d = PortalSettings::default();
        let ms = |v: Duration| u64::try_from(v.as_millis()).unwrap_or(u64::MAX);
        let mut s = PortalSettings {
            min_reads: self.number(
                raw.min_reads.as_ref(),
                "portal.min_reads",
                u64::from(d.min_reads),
                MIN_READS,
                "",
            ) as u32,
            min_reads_window: Duration::from_millis(self.number(
                raw.min_reads_window_ms.as_ref(),
                "portal.min_reads_window_ms",
                ms(d.min_reads_window),
                WINDOW_MS,
                " ms",
            )),
            depart_after: Duration::from_millis(self.number(
                raw.depart_after_ms.as_ref(),
                "portal.depart_after_ms",
                ms(d.depart_after),
                WINDOW_MS,
                " ms",
            )),
            static_after: Duration::from_secs(self.number(
                raw.static_after_secs.as_ref(),
                "portal.static_after_secs",
                d.static_after.as_secs(),
                STATIC_AFTER_SECS,
                " s",
            )),
            max_tags_per_door: self.number(
                raw.max_tags_per_door.as_ref(),
                "portal.max_tags_per_door",
                d.max_tags_per_door as u64,
                MAX_TAGS,
                "",
            ) as usize,
            min_direction_confidence: self.number(
                raw.min_direction_confidence.as_ref(),
                "portal.min_direction_confidence",
                u64::from(d.min_direction_confidence),
                PERCENT,
                " %",
            ) as u8,
            ..d
        };
        for (list, what, out) in [
            (&raw.include, "include", &mut s.include),
            (&raw.exclude, "exclude", &mut s.exclude),
        ] {
            for (j, p) in list.iter().flatten().enumerate() {
                let v = p.get_ref();
                if v.starts_with("urn:epc:id:")
                    || v.starts_with("https://")
                    || v.starts_with("hex:")
                {
                    out.push(EpcPattern(v.clone()));
                } else {
                    self.error(
                        span_of(p),
                        format!("portal.{what}[{j}]"),
                        format!("{v:?} is not an EPC pattern"),
                        Some("allowed: a pure identity URI with * wildcards (\"urn:epc:id:sgtin:0614141.*\"), a GS1 Digital Link (\"https://id.gs1.org/01/09506000134352/*\"), or hex (\"hex:3074*\")".to_owned()),
                    );
                }
            }
        }
        let reader_ok = |this: &mut Self, v: &Spanned<String>, key: String| {
            if !readers.iter().any(|r| r == v.get_ref()) {
                this.error(
                    span_of(v),
                    key,
                    format!(
                        "{:?} is not the name of a kind = \"llrp\" source",
                        v.get_ref()
                    ),
                    Some(format!(
                        "llrp sources: {}",
                        if readers.is_empty() {
                            "none".to_owned()
                        } else {
                            readers.join(", ")
                        }
                    )),
                );
            }
        };
        for (i, rd) in raw.doors.iter().enumerate() {
            let key = |k: &str| format!("portal.doors[{i}].{k}");
            let name = self.name(Some(&rd.name), &key("name"), "door name", "");
            if s.doors.iter().any(|d| d.name == name) {
                self.error(
                    span_of(&rd.name),
                    key("name"),
                    format!("door {name:?} is defined twice"),
                    None,
                );
            }
            let gpi = match (&rd.gpi_reader, &rd.gpi_port) {
                (Some(r), Some(p)) => {
                    reader_ok(self, r, key("gpi_reader"));
                    let port = self.number(Some(p), &key("gpi_port"), 1, GPI_PORT, "");
                    let high = self.choice(
                        rd.gpi_level.as_ref(),
                        &key("gpi_level"),
                        "GPI level",
                        &[("high", true), ("low", false)],
                        true,
                    );
                    Some((r.get_ref().clone(), u16::try_from(port).unwrap_or(1), high))
                }
                (None, None) => None,
                (Some(r), None) => {
                    self.error(
                        span_of(r),
                        key("gpi_port"),
                        "gpi_reader needs gpi_port",
                        Some("e.g. gpi_port = 1".to_owned()),
                    );
                    None
                }
                (None, Some(p)) => {
                    self.error(
                        span_of(p),
                        key("gpi_reader"),
                        "gpi_port needs gpi_reader (the llrp source the sensor is wired to)",
                        None,
                    );
                    None
                }
            };
            let loc = |this: &mut Self, v: Option<&Spanned<String>>, k: &str| {
                LocationCode(this.name(v, &key(k), "location code", receive_location))
            };
            s.doors.push(Door {
                name,
                gpi,
                stable_set: Duration::from_millis(self.number(
                    rd.stable_set_ms.as_ref(),
                    &key("stable_set_ms"),
                    1500,
                    WINDOW_MS,
                    " ms",
                )),
                max_cycle: Duration::from_secs(self.number(
                    rd.max_cycle_secs.as_ref(),
                    &key("max_cycle_secs"),
                    120,
                    MAX_CYCLE_SECS,
                    " s",
                )),
                receive_location: loc(self, rd.receive_location.as_ref(), "receive_location"),
                ship_location: loc(self, rd.ship_location.as_ref(), "ship_location"),
                expected_shipment: rd
                    .shipment
                    .as_ref()
                    .map(|v| self.name(Some(v), &key("shipment"), "shipment id", "")),
            });
        }
        for (i, rp) in raw.read_points.iter().enumerate() {
            let key = |k: &str| format!("portal.read_points[{i}].{k}");
            let name = self.name(Some(&rp.name), &key("name"), "read point name", "");
            reader_ok(self, &rp.reader, key("reader"));
            let antenna = self.number(Some(&rp.antenna), &key("antenna"), 1, ANTENNA, "");
            if !s.doors.iter().any(|d| d.name == *rp.door.get_ref()) {
                self.error(
                    span_of(&rp.door),
                    key("door"),
                    format!("{:?} is not a door in [[portal.doors]]", rp.door.get_ref()),
                    None,
                );
            }
            if s.read_points
                .iter()
                .any(|p| p.reader == *rp.reader.get_ref() && u64::from(p.antenna) == antenna)
            {
                self.error(
                    span_of(&rp.antenna),
                    key("antenna"),
                    format!(
                        "antenna {antenna} of {} is already a read point",
                        rp.reader.get_ref()
                    ),
                    None,
                );
            }
            let side = self.choice(
                rp.side.as_ref(),
                &key("side"),
                "side",
                &[
                    ("inside", Side::Inside),
                    ("outside", Side::Outside),
                    ("unsided", Side::Unsided),
                ],
                Side::Unsided,
            );
            let floor = rp.min_rssi_dbm.as_ref().and_then(|v| {
                let x = *v.get_ref();
                if x.is_finite() && (-128.0..=0.0).contains(&x) {
                    Some((x * 100.0).round() as i32)
                } else {
                    self.error(
                        span_of(v),
                        key("min_rssi_dbm"),
                        format!("{x} dBm is out of range"),
                        Some("allowed: -128 to 0 dBm".to_owned()),
                    );
                    None
                }
            });
            s.read_points.push(ReadPoint {
                reader: rp.reader.get_ref().clone(),
                antenna: u16::try_from(antenna).unwrap_or(1),
                name,
                door: rp.door.get_ref().clone(),
                side,
                min_rssi_cdbm: floor,
            });
        }
        Some(s)
    }
}
