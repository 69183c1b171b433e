//! The RFID dock portal engine (pure, sans-IO: time comes with the inputs):
//! tag reads and GPI changes from the readers in, closed door cycles out,
//! and a closed cycle turned into the moves it stands for.
//!
//! Pipeline, per read:
//! 1. **Read point**: (reader, antenna) → a named read point at a door,
//!    inside, outside or unsided. Reads from unmapped antennas are dropped
//!    and counted.
//! 2. **Filters**, before anything else: the read point's RSSI floor; EPCs
//!    lotstation cannot decode as a GS1 scheme (factory `E2…` EPCs, other
//!    encodings) are dropped and counted; include/exclude patterns over the
//!    EPC pure identity URI (`urn:epc:id:sgtin:0614141.*`) or the hex
//!    (`hex:3074*`); then a minimum number of reads per tag within a window
//!    (one stray read does not make a tag present).
//! 3. **Dedup with a dwell window** per (door, EPC): a tag is present from
//!    its first qualifying read until it is unread for `depart_after`; one
//!    arrival and one departure per stay, however many reads in between.
//! 4. **Door cycles**: opened by the door's GPI (photo-eye, door sensor) or,
//!    without one, by the first qualifying read; closed when no *new* tag
//!    arrived for the stable-set interval (after GPI off, when there is a
//!    GPI), or after `max_cycle`. A cycle with no tag is reported too.
//! 5. **Direction** from the order of first reads across the door's outside
//!    and inside antennas and the order of their RSSI peaks (outside then
//!    inside = inbound), with a confidence; "unknown" is a valid answer.
//! 6. **Strays and statics**: a tag also read by another door with a higher
//!    mean RSSI belongs to that door and leaves this cycle; a tag present
//!    longer than `static_after` (parked in a staging lane) is learned as
//!    static and ignored until it departs.
//!
//! Memory is bounded: at most `max_tags_per_door` tags per door (the least
//! recently read is forgotten first) and a fixed ring of RSSI samples per
//! tag.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;

use crate::ident::epc::{self, EpcScheme};
use crate::model::{
    ItemCode, LocationCode, Lot, LotKey, LotLine, LotNo, LotStatus, Move, MoveKind, Qty, ScanRecord,
};
use crate::rules::{LotRules, View};

/// RSSI samples kept per tag (the ring EdgeX-style inventory keeps).
const RSSI_RING: usize = 20;

pub use crate::model::{GpiChange, PortalInput, TagRead};

/// Which side of the door an antenna looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The warehouse side.
    Inside,
    /// The trailer / yard side.
    Outside,
    /// Over the door itself (no direction evidence).
    Unsided,
}

/// A named read point: one reader antenna at one door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadPoint {
    /// Reader source name.
    pub reader: String,
    /// Antenna.
    pub antenna: u16,
    /// Read point name (for logs and reports).
    pub name: String,
    /// Door name.
    pub door: String,
    /// Side of the door.
    pub side: Side,
    /// Reads weaker than this are ignored, dBm × 100.
    pub min_rssi_cdbm: Option<i32>,
}

/// A door with its cycle rules and where its goods go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Door {
    /// Name.
    pub name: String,
    /// GPI that signals a passage: (reader, port, level while passing).
    pub gpi: Option<(String, u16, bool)>,
    /// Close the cycle when no new tag arrived for this long.
    pub stable_set: Duration,
    /// Close the cycle after this long whatever happens.
    pub max_cycle: Duration,
    /// Where received goods go.
    pub receive_location: LocationCode,
    /// Where shipped goods leave from.
    pub ship_location: LocationCode,
    /// Shipment (or advance shipping notice) expected at this door.
    pub expected_shipment: Option<String>,
}

/// An EPC include/exclude pattern: a glob (`*` = any text) over the EPC
/// pure identity URI, or over `hex:` and the upper-case hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpcPattern(pub String);

impl EpcPattern {
    fn matches(&self, pure_uri: &str, hex: &str) -> bool {
        let p = self.0.as_str();
        match p.strip_prefix("hex:") {
            Some(h) => glob(&h.to_ascii_uppercase(), hex),
            None => glob(p, pure_uri),
        }
    }
}

/// `*` matches any run of characters; everything else literally.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = rest.get(at + part.len()..).unwrap_or(""),
                None => return false,
            }
        }
    }
    rest.is_empty()
}

/// The portal's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSettings {
    /// Read points.
    pub read_points: Vec<ReadPoint>,
    /// Doors.
    pub doors: Vec<Door>,
    /// Reads a tag needs within `min_reads_window` to count as present.
    pub min_reads: u32,
    /// See `min_reads`.
    pub min_reads_window: Duration,
    /// Only EPCs matching one of these (empty = all).
    pub include: Vec<EpcPattern>,
    /// Never EPCs matching one of these.
    pub exclude: Vec<EpcPattern>,
    /// A present tag departs after this long unread.
    pub depart_after: Duration,
    /// A tag present longer than this is static (parked) and ignored.
    pub static_after: Duration,
    /// Most tags remembered per door.
    pub max_tags_per_door: usize,
    /// Minimum confidence (0..=100) for a direction; below it: unknown.
    pub min_direction_confidence: u8,
}

impl Default for PortalSettings {
    fn default() -> Self {
        PortalSettings {
            read_points: Vec::new(),
            doors: Vec::new(),
            min_reads: 2,
            min_reads_window: Duration::from_millis(500),
            include: Vec::new(),
            exclude: Vec::new(),
            depart_after: Duration::from_secs(2),
            static_after: Duration::from_secs(600),
            max_tags_per_door: 10_000,
            min_direction_confidence: 60,
        }
    }
}

/// Direction of a passage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Into the building (receiving).
    Inbound,
    /// Out of the building (shipping).
    Outbound,
    /// Not enough evidence.
    Unknown,
}

/// What opened a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The door's GPI.
    Gpi,
    /// The first qualifying read.
    Read,
}

/// A tag in a closed cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CycleTag {
    /// EPC in upper-case hex.
    pub epc: String,
    /// Scheme (`sgtin-96`, `sscc-96`, `dsgtin+`, ...).
    pub scheme: String,
    /// EPC pure identity URI (GS1 Digital Link for the "+" schemes).
    pub pure_uri: String,
    /// GS1 AIs from the EPC.
    pub ais: Vec<(String, String)>,
    /// Qualifying reads.
    pub reads: u32,
    /// Strongest read, dBm × 100.
    pub peak_rssi_cdbm: Option<i32>,
    /// First and last read.
    pub first_seen: Timestamp,
    /// Last read.
    pub last_seen: Timestamp,
}

/// Why reads or tags were left out, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Dropped {
    /// Reads from an antenna that is no read point.
    pub unmapped: u64,
    /// Reads under the read point's RSSI floor.
    pub below_rssi_floor: u64,
    /// Reads of EPCs that are not a GS1 scheme lotstation decodes.
    pub unknown_epc: u64,
    /// Reads excluded by the include/exclude patterns.
    pub filtered: u64,
    /// Reads of tags learned as static.
    pub static_tag: u64,
    /// Tags that belonged to another door (stronger there).
    pub strays: u64,
    /// Tags forgotten because a door held too many.
    pub evicted: u64,
}

/// A closed door cycle: one passage (or one empty door opening).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoorCycle {
    /// Door.
    pub door: String,
    /// What opened it.
    pub trigger: Trigger,
    /// Opened.
    pub started: Timestamp,
    /// Closed.
    pub ended: Timestamp,
    /// Direction.
    pub direction: Direction,
    /// Confidence of the direction, 0..=100.
    pub confidence: u8,
    /// Tags, in order of arrival.
    pub tags: Vec<CycleTag>,
    /// Tags dropped as strays (read more strongly at another door).
    pub strays: Vec<String>,
}

/// What the engine tells its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalEvent {
    /// A tag became present at a door.
    Arrived {
        /// Door.
        door: String,
        /// EPC hex.
        epc: String,
    },
    /// A tag left a door (unread for the dwell time).
    Departed {
        /// Door.
        door: String,
        /// EPC hex.
        epc: String,
    },
    /// A tag was learned as static at a door.
    Static {
        /// Door.
        door: String,
        /// EPC hex.
        epc: String,
    },
    /// A door cycle closed.
    Cycle(DoorCycle),
}

#[derive(Debug)]
struct Sample {
    at: Timestamp,
    side: Side,
    rssi: i32,
}

#[derive(Debug)]
struct TagState {
    first: Timestamp,
    last: Timestamp,
    /// Times of recent reads, for the minimum-reads window.
    recent: VecDeque<Timestamp>,
    present: bool,
    /// Already part of a closed cycle during this stay.
    counted: bool,
    static_: bool,
    reads: u32,
    peak: Option<i32>,
    rssi_sum: i64,
    rssi_n: u32,
    samples: VecDeque<Sample>,
    first_inside: Option<Timestamp>,
    first_outside: Option<Timestamp>,
    peak_inside: Option<(i32, Timestamp)>,
    peak_outside: Option<(i32, Timestamp)>,
    decoded: Option<epc::Epc>,
}

impl TagState {
    fn mean_rssi(&self) -> i64 {
        if self.rssi_n == 0 {
            i64::MIN
        } else {
            self.rssi_sum / i64::from(self.rssi_n)
        }
    }

    fn reset_stay(&mut self, at: Timestamp) {
        self.first = at;
        self.reads = 0;
        self.peak = None;
        self.rssi_sum = 0;
        self.rssi_n = 0;
        self.samples.clear();
        self.first_inside = None;
        self.first_outside = None;
        self.peak_inside = None;
        self.peak_outside = None;
    }
}

#[derive(Debug)]
struct Cycle {
    trigger: Trigger,
    started: Timestamp,
    last_new: Timestamp,
    gpi_off: Option<Timestamp>,
    members: Vec<Vec<u8>>,
}

#[derive(Debug)]
struct DoorState {
    tags: HashMap<Vec<u8>, TagState>,
    cycle: Option<Cycle>,
    gpi_high: bool,
}

/// The engine. Feed it inputs and ticks; it returns events.
#[derive(Debug)]
pub struct Portal {
    settings: PortalSettings,
    doors: Vec<DoorState>,
    dropped: Dropped,
}

impl Portal {
    /// A portal with these settings.
    pub fn new(settings: PortalSettings) -> Portal {
        let doors = settings
            .doors
            .iter()
            .map(|_| DoorState {
                tags: HashMap::new(),
                cycle: None,
                gpi_high: false,
            })
            .collect();
        Portal {
            settings,
            doors,
            dropped: Dropped::default(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &PortalSettings {
        &self.settings
    }

    /// What was dropped so far.
    pub fn dropped(&self) -> Dropped {
        self.dropped
    }

    /// Tags remembered (all doors), for memory accounting.
    pub fn tags_remembered(&self) -> usize {
        self.doors.iter().map(|d| d.tags.len()).sum()
    }

    /// Handle one input.
    pub fn on_input(&mut self, input: &PortalInput) -> Vec<PortalEvent> {
        match input {
            PortalInput::Read(r) => self.on_read(r),
            PortalInput::Gpi(g) => self.on_gpi(g),
        }
    }

    fn door_index(&self, name: &str) -> Option<usize> {
        self.settings.doors.iter().position(|d| d.name == name)
    }

    fn on_gpi(&mut self, g: &GpiChange) -> Vec<PortalEvent> {
        let Some(i) = self.settings.doors.iter().position(|d| {
            d.gpi
                .as_ref()
                .is_some_and(|(r, p, _)| *r == *g.reader && *p == g.port)
        }) else {
            return Vec::new();
        };
        let passing = self
            .settings
            .doors
            .get(i)
            .and_then(|d| d.gpi.as_ref())
            .is_some_and(|(_, _, level)| *level == g.high);
        let Some(door) = self.doors.get_mut(i) else {
            return Vec::new();
        };
        door.gpi_high = passing;
        if passing {
            match &mut door.cycle {
                Some(c) => c.gpi_off = None,
                None => {
                    door.cycle = Some(Cycle {
                        trigger: Trigger::Gpi,
                        started: g.at,
                        last_new: g.at,
                        gpi_off: None,
                        members: Vec::new(),
                    })
                }
            }
        } else if let Some(c) = &mut door.cycle {
            c.gpi_off = Some(g.at);
        }
        Vec::new()
    }

    fn on_read(&mut self, r: &TagRead) -> Vec<PortalEvent> {
        let Some(rp) = self
            .settings
            .read_points
            .iter()
            .find(|p| *p.reader == *r.reader && p.antenna == r.antenna)
        else {
            self.dropped.unmapped += 1;
            return Vec::new();
        };
        if let (Some(floor), Some(rssi)) = (rp.min_rssi_cdbm, r.rssi_cdbm)
            && rssi < floor
        {
            self.dropped.below_rssi_floor += 1;
            return Vec::new();
        }
        let side = rp.side;
        let Some(di) = self.door_index(&rp.door) else {
            self.dropped.unmapped += 1;
            return Vec::new();
        };
        let hex = crate::ident::hex::encode(&r.epc).to_ascii_uppercase();
        // Decode once per tag stay; filters run on every read only for new tags.
        let known = self
            .doors
            .get(di)
            .and_then(|d| d.tags.get(&r.epc))
            .and_then(|t| t.decoded.clone());
        let decoded = match known {
            Some(d) => d,
            None => match epc::decode_bytes(&r.epc) {
                Ok(d) if d.scheme != EpcScheme::Gid96 => d,
                _ => {
                    self.dropped.unknown_epc += 1;
                    return Vec::new();
                }
            },
        };
        let s = &self.settings;
        if (!s.include.is_empty() && !s.include.iter().any(|p| p.matches(&decoded.pure_uri, &hex)))
            || s.exclude.iter().any(|p| p.matches(&decoded.pure_uri, &hex))
        {
            self.dropped.filtered += 1;
            return Vec::new();
        }
        let (min_reads, window, max_tags) =
            (s.min_reads.max(1), s.min_reads_window, s.max_tags_per_door);
        let door_name = s.doors.get(di).map(|d| d.name.clone()).unwrap_or_default();
        let Some(door) = self.doors.get_mut(di) else {
            return Vec::new();
        };
        if !door.tags.contains_key(&r.epc) && door.tags.len() >= max_tags {
            if let Some(oldest) = door
                .tags
                .iter()
                .filter(|(k, _)| !door.cycle.as_ref().is_some_and(|c| c.members.contains(k)))
                .min_by_key(|(_, t)| t.last)
                .map(|(k, _)| k.clone())
            {
                door.tags.remove(&oldest);
                self.dropped.evicted += 1;
            } else {
                self.dropped.evicted += 1;
                return Vec::new();
            }
        }
        let t = door.tags.entry(r.epc.clone()).or_insert_with(|| TagState {
            first: r.at,
            last: r.at,
            recent: VecDeque::new(),
            present: false,
            counted: false,
            static_: false,
            reads: 0,
            peak: None,
            rssi_sum: 0,
            rssi_n: 0,
            samples: VecDeque::new(),
            first_inside: None,
            first_outside: None,
            peak_inside: None,
            peak_outside: None,
            decoded: None,
        });
        if t.decoded.is_none() {
            t.decoded = Some(decoded);
        }
        t.last = r.at;
        if t.static_ {
            self.dropped.static_tag += 1;
            return Vec::new();
        }
        for _ in 0..r
            .count
            .max(1)
            .min(u16::try_from(min_reads).unwrap_or(u16::MAX))
        {
            t.recent.push_back(r.at);
        }
        while t.recent.len() > min_reads as usize {
            t.recent.pop_front();
        }
        while t
            .recent
            .front()
            .is_some_and(|f| r.at.duration_since(*f).unsigned_abs() > window)
        {
            t.recent.pop_front();
        }
        let mut events = Vec::new();
        if !t.present {
            if t.recent.len() < min_reads as usize {
                return events;
            }
            t.present = true;
            t.reset_stay(r.at);
            events.push(PortalEvent::Arrived {
                door: door_name,
                epc: hex,
            });
        }
        t.reads = t.reads.saturating_add(u32::from(r.count.max(1)));
        if let Some(rssi) = r.rssi_cdbm {
            t.peak = Some(t.peak.map_or(rssi, |p| p.max(rssi)));
            t.rssi_sum += i64::from(rssi);
            t.rssi_n += 1;
            if t.samples.len() == RSSI_RING {
                t.samples.pop_front();
            }
            t.samples.push_back(Sample {
                at: r.at,
                side,
                rssi,
            });
            match side {
                Side::Inside => {
                    if t.peak_inside.is_none_or(|(p, _)| rssi > p) {
                        t.peak_inside = Some((rssi, r.at));
                    }
                }
                Side::Outside => {
                    if t.peak_outside.is_none_or(|(p, _)| rssi > p) {
                        t.peak_outside = Some((rssi, r.at));
                    }
                }
                Side::Unsided => {}
            }
        }
        match side {
            Side::Inside if t.first_inside.is_none() => t.first_inside = Some(r.at),
            Side::Outside if t.first_outside.is_none() => t.first_outside = Some(r.at),
            _ => {}
        }
        // Cycle membership: a tag counted in an earlier cycle of this stay
        // (a pallet left standing in the door) is not counted again.
        if t.counted {
            return events;
        }
        let epc_key = r.epc.clone();
        match &mut door.cycle {
            Some(c) => {
                if !c.members.contains(&epc_key) {
                    c.members.push(epc_key);
                    c.last_new = r.at;
                }
            }
            None => {
                door.cycle = Some(Cycle {
                    trigger: Trigger::Read,
                    started: r.at,
                    last_new: r.at,
                    gpi_off: None,
                    members: vec![epc_key],
                });
            }
        }
        events
    }

    /// Advance time: close cycles, depart silent tags, learn static tags.
    pub fn on_tick(&mut self, now: Timestamp) -> Vec<PortalEvent> {
        let mut events = Vec::new();
        let depart = self.settings.depart_after;
        let static_after = self.settings.static_after;
        for (i, door) in self.doors.iter_mut().enumerate() {
            let name = self
                .settings
                .doors
                .get(i)
                .map(|d| d.name.clone())
                .unwrap_or_default();
            let in_cycle =
                |k: &Vec<u8>, c: &Option<Cycle>| c.as_ref().is_some_and(|c| c.members.contains(k));
            let mut gone = Vec::new();
            for (k, t) in door.tags.iter_mut() {
                let silent = now.duration_since(t.last).unsigned_abs() >= depart;
                if silent && !in_cycle(k, &door.cycle) {
                    if t.present || t.static_ {
                        events.push(PortalEvent::Departed {
                            door: name.clone(),
                            epc: crate::ident::hex::encode(k).to_ascii_uppercase(),
                        });
                    }
                    gone.push(k.clone());
                } else if t.present
                    && !t.static_
                    && now.duration_since(t.first).unsigned_abs() >= static_after
                {
                    t.static_ = true;
                    t.present = false;
                    events.push(PortalEvent::Static {
                        door: name.clone(),
                        epc: crate::ident::hex::encode(k).to_ascii_uppercase(),
                    });
                }
            }
            for k in gone {
                door.tags.remove(&k);
            }
        }
        // Close cycles (after departures are known, before strays are judged).
        let closing: Vec<usize> = (0..self.doors.len())
            .filter(|i| self.should_close(*i, now))
            .collect();
        for i in closing {
            if let Some(c) = self.close(i, now) {
                events.push(PortalEvent::Cycle(c));
            }
        }
        events
    }

    fn should_close(&self, i: usize, now: Timestamp) -> bool {
        let (Some(door), Some(cfg)) = (self.doors.get(i), self.settings.doors.get(i)) else {
            return false;
        };
        let Some(c) = &door.cycle else { return false };
        let age = now.duration_since(c.started).unsigned_abs();
        if age >= cfg.max_cycle {
            return true;
        }
        if c.members.iter().any(|k| {
            door.tags
                .get(k)
                .is_some_and(|t| now.duration_since(t.last).unsigned_abs() < cfg.stable_set)
        }) && now.duration_since(c.last_new).unsigned_abs() < cfg.stable_set
        {
            return false;
        }
        let stable = now.duration_since(c.last_new).unsigned_abs() >= cfg.stable_set;
        match (&cfg.gpi, c.gpi_off) {
            (Some(_), _) if door.gpi_high => false,
            (Some(_), Some(off)) => {
                stable && now.duration_since(off).unsigned_abs() >= cfg.stable_set
            }
            (Some(_), None) => stable && c.trigger == Trigger::Read,
            (None, _) => stable,
        }
    }

    fn close(&mut self, i: usize, now: Timestamp) -> Option<DoorCycle> {
        let cfg = self.settings.doors.get(i)?.clone();
        let cycle = self.doors.get_mut(i)?.cycle.take()?;
        if let Some(d) = self.doors.get_mut(i) {
            for k in &cycle.members {
                if let Some(t) = d.tags.get_mut(k) {
                    t.counted = true;
                }
            }
        }
        let mut tags = Vec::new();
        let mut strays = Vec::new();
        let (mut inbound, mut outbound) = (0u32, 0u32);
        for k in &cycle.members {
            let Some(t) = self.doors.get(i).and_then(|d| d.tags.get(k)) else {
                continue;
            };
            let hex = crate::ident::hex::encode(k).to_ascii_uppercase();
            // Stray: another door read it more strongly during this cycle.
            let mine = t.mean_rssi();
            let stronger_elsewhere = self.doors.iter().enumerate().any(|(j, d)| {
                j != i
                    && d.tags.get(k).is_some_and(|o| {
                        o.rssi_n > 0
                            && o.mean_rssi() > mine
                            && o.last.duration_since(cycle.started).as_secs() >= 0
                    })
            });
            if stronger_elsewhere {
                self.dropped.strays += 1;
                strays.push(hex);
                continue;
            }
            if let (Some(o), Some(n)) = (t.first_outside, t.first_inside) {
                if o < n {
                    inbound += 1;
                } else if n < o {
                    outbound += 1;
                }
            }
            if let (Some((_, o)), Some((_, n))) = (t.peak_outside, t.peak_inside) {
                if o < n {
                    inbound += 1;
                } else if n < o {
                    outbound += 1;
                }
            }
            // RSSI trend: the RSSI-weighted mean time of the outside samples
            // against the inside ones (a tag moving in is strong outside first).
            if let (Some(o), Some(n)) = (
                centroid(&t.samples, Side::Outside),
                centroid(&t.samples, Side::Inside),
            ) {
                if o < n {
                    inbound += 1;
                } else if n < o {
                    outbound += 1;
                }
            }
            let Some(d) = &t.decoded else { continue };
            tags.push(CycleTag {
                epc: hex,
                scheme: d.scheme.as_str().to_owned(),
                pure_uri: d.pure_uri.clone(),
                ais: d
                    .ais
                    .iter()
                    .map(|(a, v)| ((*a).to_owned(), v.clone()))
                    .collect(),
                reads: t.reads,
                peak_rssi_cdbm: t.peak,
                first_seen: t.first,
                last_seen: t.last,
            });
        }
        let votes = inbound + outbound;
        let confidence = if votes == 0 {
            0
        } else {
            u8::try_from(u64::from(inbound.abs_diff(outbound)) * 100 / u64::from(votes))
                .unwrap_or(100)
        };
        let direction = if votes == 0 || confidence < self.settings.min_direction_confidence {
            Direction::Unknown
        } else if inbound > outbound {
            Direction::Inbound
        } else {
            Direction::Outbound
        };
        Some(DoorCycle {
            door: cfg.name,
            trigger: cycle.trigger,
            started: cycle.started,
            ended: now,
            direction,
            confidence,
            tags,
            strays,
        })
    }
}

/// RSSI-weighted mean time (ms since the first sample) of one side's samples.
fn centroid(samples: &VecDeque<Sample>, side: Side) -> Option<i64> {
    let base = samples.front()?.at;
    let (mut num, mut den) = (0i128, 0i128);
    for s in samples.iter().filter(|s| s.side == side) {
        // Weight: dB above -100 dBm, at least 1.
        let w = i128::from((s.rssi + 10_000).max(100));
        let t = i128::from(i64::try_from(s.at.duration_since(base).as_millis()).unwrap_or(0));
        num += w * t;
        den += w;
    }
    (den > 0).then(|| i64::try_from(num / den).unwrap_or(0))
}

// ---------------------------------------------------------------------------
// From a closed cycle to moves

/// How a cycle's tags compare with what was expected at the door.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Expectation {
    /// The shipment or advance shipping notice compared against.
    pub shipment: Option<String>,
    /// Expected items not seen (item, units expected, units seen).
    pub missing: Vec<(String, u64, u64)>,
    /// Items seen that were not expected (item, units seen).
    pub extra: Vec<(String, u64)>,
    /// Lots seen that differ from the lot expected for their item (item, seen lot, expected lot).
    pub wrong_lot: Vec<(String, String, String)>,
}

/// A cycle turned into business terms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CyclePlan {
    /// The cycle.
    pub cycle: DoorCycle,
    /// Pallets (SSCCs) seen.
    pub pallets: Vec<String>,
    /// Moves to judge and record: one Receive per lot inbound (the store
    /// creates one lot per receipt), one Ship with every lot outbound.
    pub moves: Vec<Move>,
    /// Tags whose lot is unknown (item, serial, why).
    pub unresolved: Vec<(String, String, String)>,
    /// Comparison with the expected shipment.
    pub expected: Expectation,
    /// Why no move was made, when none was.
    pub note: Option<String>,
}

/// Item and lot of a tag: the lot from the tag itself (SGTIN+/DSGTIN+ with
/// AI 10) or, for a tag without one, the only lot of the item in stock.
/// A tag's item, lot, serial and expiry.
type TagLot = (ItemCode, LotNo, Option<String>, Option<jiff::civil::Date>);

fn tag_lot(t: &CycleTag, view: &impl View, rules: &LotRules) -> Result<Option<TagLot>, String> {
    let get = |ai: &str| t.ais.iter().find(|(a, _)| a == ai).map(|(_, v)| v.clone());
    let Some(gtin) = get("01") else {
        return Ok(None);
    };
    let item = ItemCode(gtin);
    let serial = get("21");
    let expiry = get("17").and_then(|v| yymmdd(&v));
    if let Some(raw) = get("10") {
        let lot = rules.canonical(&item, None, &raw);
        return Ok(Some((item, lot, serial, expiry)));
    }
    let lots = view.lots_of_item(&item, 2);
    match lots.as_slice() {
        [one] => Ok(Some((item, one.key.lot.clone(), serial, expiry))),
        [] => Err("no lot of this item in stock, and the tag carries no lot".to_owned()),
        _ => Err("several lots of this item in stock, and the tag carries no lot".to_owned()),
    }
}

/// GS1 YYMMDD (DD 00 = last day of the month) as a date; century per GS1's sliding window around 2000–2099.
fn yymmdd(v: &str) -> Option<jiff::civil::Date> {
    if v.len() != 6 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| v.get(r).and_then(|s| s.parse::<i16>().ok());
    let (y, m, d) = (
        2000 + n(0..2)?,
        i8::try_from(n(2..4)?).ok()?,
        i8::try_from(n(4..6)?).ok()?,
    );
    if d == 0 {
        let first = jiff::civil::Date::new(y, m, 1).ok()?;
        return Some(first.last_of_month());
    }
    jiff::civil::Date::new(y, m, d).ok()
}

/// Turn a closed cycle into moves, checked against the door's expected
/// shipment. Pure: the store is read through `view`.
pub fn plan_cycle(
    cycle: DoorCycle,
    door: &Door,
    view: &impl View,
    rules: &LotRules,
    scans_source: &str,
) -> CyclePlan {
    let mut pallets = Vec::new();
    let mut unresolved = Vec::new();
    // (item, lot) → (serials, expiry, records)
    let mut groups: Vec<Group> = Vec::new();
    for t in &cycle.tags {
        if t.scheme.starts_with("sscc") {
            if let Some((_, v)) = t.ais.iter().find(|(a, _)| a == "00") {
                pallets.push(v.clone());
            }
            continue;
        }
        let record = ScanRecord {
            source: scans_source.to_owned(),
            raw: t.epc.as_bytes().to_vec(),
            symbology: Some("epc".to_owned()),
            at: t.first_seen,
        };
        match tag_lot(t, view, rules) {
            Ok(Some((item, lot, serial, expiry))) => {
                let key = (item, lot);
                match groups.iter_mut().find(|g| g.0 == key) {
                    Some(g) => {
                        g.1.push(serial);
                        g.3.push(record);
                    }
                    None => groups.push((key, vec![serial], expiry, vec![record])),
                }
            }
            Ok(None) => {}
            Err(why) => {
                let get = |ai: &str| {
                    t.ais
                        .iter()
                        .find(|(a, _)| a == ai)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                unresolved.push((get("01"), get("21"), why));
            }
        }
    }
    let expected = expectation(door, view, &groups);
    // Serialised items: one line per tag with its serial (the store tracks
    // each unit). Others: one line per lot with the count of tags.
    let lines = |key: &(ItemCode, LotNo), serials: &[Option<String>]| -> Vec<LotLine> {
        let lot = LotKey {
            item: key.0.clone(),
            lot: key.1.clone(),
        };
        if view.item(&key.0).is_some_and(|i| i.serialised) {
            serials
                .iter()
                .map(|s| LotLine {
                    lot: lot.clone(),
                    qty: Qty::units(1),
                    serial: s.clone(),
                })
                .collect()
        } else {
            vec![LotLine {
                lot,
                qty: Qty::units(i64::try_from(serials.len()).unwrap_or(i64::MAX)),
                serial: None,
            }]
        }
    };
    let mut moves = Vec::new();
    let mut note = None;
    match cycle.direction {
        Direction::Inbound => {
            for (key, serials, expiry, records) in &groups {
                let lot_key = LotKey {
                    item: key.0.clone(),
                    lot: key.1.clone(),
                };
                let existing = view.lot(&lot_key);
                let item = view.item(&key.0);
                let new_lot = existing.unwrap_or_else(|| Lot {
                    key: lot_key.clone(),
                    status: item
                        .as_ref()
                        .map_or(LotStatus::Released, |i| i.incoming_status),
                    supplier: None,
                    supplier_lot: Some(key.1.0.clone()),
                    internal_lot: None,
                    production_date: None,
                    expiry_date: *expiry,
                    on_hand: Default::default(),
                    parents: Vec::new(),
                    certificate: None,
                    received_at: Some(cycle.ended),
                });
                moves.push(Move {
                    kind: MoveKind::Receive,
                    lines: lines(key, serials),
                    from: None,
                    to: Some(door.receive_location.clone()),
                    work_order: None,
                    shipment: door.expected_shipment.clone(),
                    new_lot: Some(new_lot),
                    operator: None,
                    scans: records.clone(),
                });
            }
        }
        Direction::Outbound => {
            if !groups.is_empty() {
                moves.push(Move {
                    kind: MoveKind::Ship,
                    lines: groups
                        .iter()
                        .flat_map(|(key, serials, _, _)| lines(key, serials))
                        .collect(),
                    from: Some(door.ship_location.clone()),
                    to: None,
                    work_order: None,
                    shipment: door.expected_shipment.clone(),
                    new_lot: None,
                    operator: None,
                    scans: groups.iter().flat_map(|g| g.3.clone()).collect(),
                });
            }
        }
        Direction::Unknown => {
            note = Some(format!(
                "direction unknown (confidence {}%): no move recorded; confirm at the door",
                cycle.confidence
            ));
        }
    }
    if cycle.tags.is_empty() {
        note = Some("door cycle with no tag read".to_owned());
    }
    CyclePlan {
        cycle,
        pallets,
        moves,
        unresolved,
        expected,
        note,
    }
}

/// Tags of one (item, lot): their serials, the expiry from the tag, the reads.
type Group = (
    (ItemCode, LotNo),
    Vec<Option<String>>,
    Option<jiff::civil::Date>,
    Vec<ScanRecord>,
);

fn expectation(door: &Door, view: &impl View, groups: &[Group]) -> Expectation {
    let Some(id) = &door.expected_shipment else {
        return Expectation::default();
    };
    let Some(sh) = view.shipment(id) else {
        return Expectation {
            shipment: Some(id.clone()),
            ..Expectation::default()
        };
    };
    let seen = |item: &ItemCode| -> u64 {
        groups
            .iter()
            .filter(|g| g.0.0 == *item)
            .map(|g| g.1.len() as u64)
            .sum()
    };
    let mut e = Expectation {
        shipment: Some(id.clone()),
        ..Expectation::default()
    };
    for l in &sh.lines {
        let want = u64::try_from(l.qty.0 / 1000).unwrap_or(0);
        let got = seen(&l.item);
        if got < want {
            e.missing.push((l.item.0.clone(), want, got));
        }
    }
    for g in groups {
        let item = &g.0.0;
        if !sh.lines.iter().any(|l| l.item == *item) && !e.extra.iter().any(|(i, _)| *i == item.0) {
            e.extra.push((item.0.clone(), seen(item)));
        }
        // Lots already allotted to the shipment name the expected lot.
        if let Some(allotted) = sh.shipped.iter().find(|s| s.lot.item == *item)
            && allotted.lot.lot != g.0.1
        {
            e.wrong_lot
                .push((item.0.clone(), g.0.1.0.clone(), allotted.lot.lot.0.clone()));
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::{FefoPolicy, Item, Shipment, ShipmentLine};
    use crate::rules::MemView;

    const SGTIN_A: &str = "3034257BF7194E40000003E9";
    const SGTIN_B: &str = "3034257BF7194E40000003EA";
    const SSCC: &str = "3174257BF4499602D2000000";
    const PLUS_A1: &str = "F7B0950600013435282A6C4421A63260C9A4117359F0";
    const PLUS_A2: &str = "F7B0950600013435282A6C8421A63260C9A4117359F0";
    const PLUS_B3: &str = "F7B0950600013435282A6CC421A63260C9A421736DE0";
    const FACTORY: &str = "E2801105F7194E4000001A85";

    fn t0() -> Timestamp {
        "2026-03-02T08:00:00Z".parse().unwrap()
    }

    fn at(ms: i64) -> Timestamp {
        t0() + jiff::SignedDuration::from_millis(ms)
    }

    fn door(name: &str, gpi: Option<(&str, u16, bool)>) -> Door {
        Door {
            name: name.into(),
            gpi: gpi.map(|(r, p, h)| (r.to_owned(), p, h)),
            stable_set: Duration::from_millis(1000),
            max_cycle: Duration::from_secs(60),
            receive_location: LocationCode("DOCK-IN".into()),
            ship_location: LocationCode("DOCK-OUT".into()),
            expected_shipment: None,
        }
    }

    fn rp(reader: &str, antenna: u16, door: &str, side: Side) -> ReadPoint {
        ReadPoint {
            reader: reader.into(),
            antenna,
            name: format!("{door}-{antenna}"),
            door: door.into(),
            side,
            min_rssi_cdbm: Some(-7000),
        }
    }

    fn settings() -> PortalSettings {
        PortalSettings {
            read_points: vec![
                rp("r1", 1, "dock-1", Side::Outside),
                rp("r1", 2, "dock-1", Side::Inside),
                rp("r2", 1, "dock-2", Side::Outside),
                rp("r2", 2, "dock-2", Side::Inside),
            ],
            doors: vec![door("dock-1", None), door("dock-2", None)],
            static_after: Duration::from_secs(120),
            ..PortalSettings::default()
        }
    }

    fn read(reader: &str, antenna: u16, epc: &str, rssi: i32, ms: i64) -> PortalInput {
        PortalInput::Read(TagRead {
            reader: Arc::from(reader),
            antenna,
            epc: crate::ident::hex::decode(epc).unwrap(),
            rssi_cdbm: Some(rssi),
            count: 1,
            reader_time_us: None,
            at: at(ms),
        })
    }

    /// A tag crossing dock-1 from `first` side to the other, reads every 50 ms from `start`.
    fn pass(p: &mut Portal, epc: &str, start: i64, inbound: bool) -> Vec<PortalEvent> {
        let (a, b) = if inbound { (1, 2) } else { (2, 1) };
        let mut ev = Vec::new();
        for (i, rssi) in [-6500, -6000, -5500].iter().enumerate() {
            ev.extend(p.on_input(&read("r1", a, epc, *rssi, start + 50 * i as i64)));
        }
        for (i, rssi) in [-5500, -6000, -6500].iter().enumerate() {
            ev.extend(p.on_input(&read("r1", b, epc, *rssi, start + 200 + 50 * i as i64)));
        }
        ev
    }

    fn cycles(ev: &[PortalEvent]) -> Vec<DoorCycle> {
        ev.iter()
            .filter_map(|e| match e {
                PortalEvent::Cycle(c) => Some(c.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_pallet_moving_outside_to_inside_is_one_inbound_cycle_with_each_tag_once() {
        let mut p = Portal::new(settings());
        let mut ev = pass(&mut p, SSCC, 0, true);
        ev.extend(pass(&mut p, SGTIN_A, 20, true));
        ev.extend(pass(&mut p, SGTIN_B, 40, true));
        let arrivals = ev
            .iter()
            .filter(|e| matches!(e, PortalEvent::Arrived { .. }))
            .count();
        assert_eq!(arrivals, 3);
        assert!(
            cycles(&p.on_tick(at(800))).is_empty(),
            "still within the stable-set interval"
        );
        let c = cycles(&p.on_tick(at(1400)));
        assert_eq!(c.len(), 1);
        let c = &c[0];
        assert_eq!(
            (c.door.as_str(), c.direction, c.trigger),
            ("dock-1", Direction::Inbound, Trigger::Read)
        );
        assert_eq!(c.confidence, 100);
        assert_eq!(c.tags.len(), 3);
        assert_eq!(c.tags[0].scheme, "sscc-96");
        assert_eq!(c.tags[1].ais[1], ("21".to_owned(), "1001".to_owned()));
        assert_eq!(
            c.tags[1].reads, 5,
            "the first read only made the tag qualify"
        );
        // Departures after the dwell time, once each.
        let gone = p.on_tick(at(4000));
        assert_eq!(
            gone.iter()
                .filter(|e| matches!(e, PortalEvent::Departed { .. }))
                .count(),
            3
        );
        assert_eq!(p.tags_remembered(), 0);
    }

    #[test]
    fn inside_to_outside_is_outbound() {
        let mut p = Portal::new(settings());
        pass(&mut p, SGTIN_A, 0, false);
        pass(&mut p, SGTIN_B, 10, false);
        let c = cycles(&p.on_tick(at(2000)));
        assert_eq!(c[0].direction, Direction::Outbound);
    }

    #[test]
    fn reads_on_one_side_only_give_an_unknown_direction() {
        let mut p = Portal::new(settings());
        for i in 0..4 {
            p.on_input(&read("r1", 1, SGTIN_A, -5000, i * 50));
        }
        let c = cycles(&p.on_tick(at(2000)));
        assert_eq!((c[0].direction, c[0].confidence), (Direction::Unknown, 0));
    }

    #[test]
    fn filters_drop_weak_single_unknown_and_excluded_reads_and_count_them() {
        let mut s = settings();
        s.exclude = vec![EpcPattern("urn:epc:id:sgtin:0614141.812345.1002".into())];
        let mut p = Portal::new(s);
        // Under the floor.
        p.on_input(&read("r1", 1, SGTIN_A, -7500, 0));
        p.on_input(&read("r1", 1, SGTIN_A, -7500, 10));
        // A factory EPC, twice.
        p.on_input(&read("r1", 1, FACTORY, -5000, 20));
        p.on_input(&read("r1", 1, FACTORY, -5000, 30));
        // Excluded.
        p.on_input(&read("r1", 1, SGTIN_B, -5000, 40));
        // An antenna that is no read point.
        p.on_input(&read("r1", 4, SGTIN_A, -5000, 50));
        // One read only: not present (min_reads 2 within 500 ms).
        let ev = p.on_input(&read("r1", 1, SSCC, -5000, 60));
        assert!(ev.is_empty());
        let ev = p.on_input(&read("r1", 1, SSCC, -5000, 900));
        assert!(ev.is_empty(), "the second read came after the window");
        let d = p.dropped();
        assert_eq!(
            (d.below_rssi_floor, d.unknown_epc, d.filtered, d.unmapped),
            (2, 2, 1, 1)
        );
        assert!(cycles(&p.on_tick(at(5000))).is_empty());
        let mut s = settings();
        s.include = vec![EpcPattern("hex:3174*".into())];
        let mut p = Portal::new(s);
        p.on_input(&read("r1", 1, SGTIN_A, -5000, 0));
        assert_eq!(p.dropped().filtered, 1);
    }

    #[test]
    fn a_gpi_cycle_with_nothing_read_is_reported_empty() {
        let mut s = settings();
        s.doors[0].gpi = Some(("r1".into(), 1, true));
        let mut p = Portal::new(s);
        let gpi = |high, ms| {
            PortalInput::Gpi(GpiChange {
                reader: Arc::from("r1"),
                port: 1,
                high,
                at: at(ms),
            })
        };
        p.on_input(&gpi(true, 0));
        assert!(
            cycles(&p.on_tick(at(5000))).is_empty(),
            "open while the photo-eye is blocked"
        );
        p.on_input(&gpi(false, 6000));
        assert!(cycles(&p.on_tick(at(6500))).is_empty());
        let c = cycles(&p.on_tick(at(7100)));
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].trigger, c[0].tags.len(), c[0].direction),
            (Trigger::Gpi, 0, Direction::Unknown)
        );
    }

    #[test]
    fn a_tag_read_more_strongly_at_the_neighbouring_door_is_a_stray_there() {
        let mut p = Portal::new(settings());
        pass(&mut p, SGTIN_A, 0, true);
        // The same tag at dock-2, 20 dB stronger.
        for i in 0..4 {
            p.on_input(&read("r2", 2, SGTIN_A, -4000, i * 50));
        }
        pass(&mut p, SGTIN_B, 0, true);
        let c = cycles(&p.on_tick(at(2000)));
        let d1 = c.iter().find(|c| c.door == "dock-1").unwrap();
        assert_eq!(d1.tags.len(), 1);
        assert_eq!(d1.strays, vec![SGTIN_A.to_owned()]);
        let d2 = c.iter().find(|c| c.door == "dock-2").unwrap();
        assert_eq!(d2.tags.len(), 1);
        assert_eq!(p.dropped().strays, 1);
    }

    #[test]
    fn a_tag_that_never_leaves_is_learned_as_static_and_ignored() {
        let mut p = Portal::new(settings());
        let mut events = Vec::new();
        for i in 0..300 {
            events.extend(p.on_input(&read("r1", 1, SGTIN_A, -6000, i * 1000)));
            events.extend(p.on_input(&read("r1", 1, SGTIN_A, -6000, i * 1000 + 100)));
            events.extend(p.on_tick(at(i * 1000 + 500)));
        }
        assert!(
            events
                .iter()
                .any(|e| matches!(e, PortalEvent::Static { .. }))
        );
        // One cycle when it first appeared, none after it became static.
        assert_eq!(cycles(&events).len(), 1);
        assert!(p.dropped().static_tag > 100);
    }

    #[test]
    fn memory_is_bounded_per_door() {
        let mut s = settings();
        s.max_tags_per_door = 10;
        s.min_reads = 1;
        s.doors[0].stable_set = Duration::from_millis(1);
        let mut p = Portal::new(s);
        for i in 0..50u32 {
            let epc = format!("3034257BF7194E40{:08X}", 0x1000 + i);
            p.on_input(&read("r1", 1, &epc, -5000, i64::from(i) * 10));
            p.on_tick(at(i64::from(i) * 10 + 5));
        }
        assert!(p.tags_remembered() <= 10, "{}", p.tags_remembered());
        assert!(p.dropped().evicted >= 40);
    }

    fn item(gtin: &str) -> Item {
        Item {
            code: ItemCode(gtin.into()),
            description: "case".into(),
            unit: "ea".into(),
            lot_controlled: true,
            serialised: true,
            shelf_life_days: None,
            incoming_status: LotStatus::Quarantine,
            fefo: FefoPolicy::Off,
        }
    }

    fn cycle_of(p: &mut Portal, epcs: &[&str], inbound: bool) -> DoorCycle {
        for (i, e) in epcs.iter().enumerate() {
            pass(p, e, i as i64 * 10, inbound);
        }
        cycles(&p.on_tick(at(5000))).remove(0)
    }

    #[test]
    fn an_inbound_cycle_of_sgtin_plus_tags_becomes_one_receipt_per_lot_with_lot_and_expiry() {
        let view = MemView::new().with_item(item("09506000134352"));
        let mut p = Portal::new(settings());
        let c = cycle_of(&mut p, &[SSCC, PLUS_A1, PLUS_A2, PLUS_B3], true);
        let plan = plan_cycle(
            c,
            &settings().doors[0],
            &view,
            &LotRules::default(),
            "dock-1",
        );
        assert_eq!(plan.pallets, vec!["106141412345678908".to_owned()]);
        assert_eq!(plan.moves.len(), 2);
        let a = &plan.moves[0];
        assert_eq!(a.kind, MoveKind::Receive);
        assert_eq!(a.to, Some(LocationCode("DOCK-IN".into())));
        assert_eq!(a.lines.len(), 2);
        assert_eq!(a.lines[0].lot.lot.0, "L2024A");
        assert_eq!(a.lines[1].serial.as_deref(), Some("S2"));
        let nl = a.new_lot.as_ref().unwrap();
        assert_eq!(nl.status, LotStatus::Quarantine);
        assert_eq!(nl.expiry_date, Some(jiff::civil::date(2026, 12, 31)));
        assert_eq!(plan.moves[1].lines[0].lot.lot.0, "L2024B");
        assert!(plan.unresolved.is_empty() && plan.note.is_none());
    }

    #[test]
    fn an_outbound_cycle_ships_the_only_stocked_lot_and_is_checked_against_the_shipment() {
        let gtin = "80614141123458";
        let mut lot = Lot {
            key: LotKey {
                item: ItemCode(gtin.into()),
                lot: LotNo("L7".into()),
            },
            status: LotStatus::Released,
            supplier: None,
            supplier_lot: None,
            internal_lot: None,
            production_date: None,
            expiry_date: None,
            on_hand: Default::default(),
            parents: vec![],
            certificate: None,
            received_at: None,
        };
        lot.on_hand
            .insert(LocationCode("DOCK-OUT".into()), Qty::units(10));
        let mut view = MemView::new().with_item(item(gtin)).with_lot(lot);
        view.insert_shipment(Shipment {
            id: "SH-1".into(),
            customer: "C".into(),
            lines: vec![
                ShipmentLine {
                    item: ItemCode(gtin.into()),
                    qty: Qty::units(3),
                },
                ShipmentLine {
                    item: ItemCode("09506000134352".into()),
                    qty: Qty::units(1),
                },
            ],
            shipped: vec![],
        });
        let mut d = settings().doors[0].clone();
        d.expected_shipment = Some("SH-1".into());
        let mut p = Portal::new(settings());
        let c = cycle_of(&mut p, &[SGTIN_A, SGTIN_B], false);
        let plan = plan_cycle(c, &d, &view, &LotRules::default(), "dock-1");
        assert_eq!(plan.moves.len(), 1);
        let m = &plan.moves[0];
        assert_eq!(
            (m.kind, m.shipment.as_deref()),
            (MoveKind::Ship, Some("SH-1"))
        );
        assert_eq!(m.from, Some(LocationCode("DOCK-OUT".into())));
        assert_eq!(m.lines.len(), 2);
        assert_eq!(m.lines[0].lot.lot.0, "L7");
        assert_eq!(
            plan.expected.missing,
            vec![(gtin.to_owned(), 3, 2), ("09506000134352".to_owned(), 1, 0)]
        );
    }

    #[test]
    fn an_unknown_direction_or_an_unknown_lot_is_reported_not_dropped() {
        let view = MemView::new();
        let mut p = Portal::new(settings());
        for i in 0..4 {
            p.on_input(&read("r1", 1, SGTIN_A, -5000, i * 50));
        }
        let c = cycles(&p.on_tick(at(2000))).remove(0);
        let plan = plan_cycle(
            c,
            &settings().doors[0],
            &view,
            &LotRules::default(),
            "dock-1",
        );
        assert!(plan.moves.is_empty());
        assert!(plan.note.as_deref().unwrap().contains("direction unknown"));
        assert_eq!(plan.unresolved.len(), 1);
        assert!(plan.unresolved[0].2.contains("no lot of this item"));
    }
}
