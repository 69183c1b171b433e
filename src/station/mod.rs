//! The station: a sans-IO state machine that turns scans into intended lot
//! moves.
//!
//! The daemon's async shell decodes a frame ([`crate::ident::decode`]),
//! classifies it ([`classify`]), takes a read snapshot of the store (a
//! [`View`]) and calls [`Station::on_scan`]. The station answers with
//! [`Action`]s: prompts for the operator, moves to judge and record
//! ([`Action::Propose`]), rejections of scans that do not fit, lookup
//! reports, and mode or operator changes. It never judges a move itself (the
//! rules do, see [`crate::rules::judge`]), never reads a clock (`now` is
//! passed in) and never touches the store. [`Station::on_tick`] lets time
//! pass without a scan (the receive window).
//!
//! Every proposed [`Move`] carries the operator and every [`ScanRecord`] it
//! came from, including the context scans (the work order, the shipment, the
//! destination, the DONE command). Lot numbers the station cannot know (a
//! produced, merged or split lot, or a received lot without AI 10) are left
//! empty (`LotNo("")`) with `internal_lot: None`: the daemon assigns them
//! from the configured pattern before judging and recording, and must
//! rewrite both `new_lot.key` and the lines that name it.
//!
//! An issue or shipment of a lot stocked at several locations (none of them
//! the preferred one) is not proposed with a guessed source: the station
//! holds it and asks "Lot … is at A-01: 20, B-02: 5; scan the location you
//! take it from"; the next location scan (a code, or a GLN label) among
//! those completes it. Badges and commands still work meanwhile; CANCEL and
//! a mode change drop it. Move mode asks the same before the destination.
//!
//! # Layout
//!
//! - [`scan`]: [`Scan`] and [`classify`].
//! - `label.rs`: the AI data of a scan or a set of labels, GS1 dates and quantities.
//! - `receive.rs`, `issue.rs`, `produce.rs`, `relocate.rs` (move), `ship.rs`,
//!   `hold.rs` (hold and release), `merge.rs` (merge and split), `lookup.rs`:
//!   one workflow each, a small state machine behind the `Workflow` trait.

mod hold;
mod issue;
mod label;
mod lookup;
mod merge;
pub mod portal;
mod produce;
mod receive;
mod relocate;
pub mod scan;
mod ship;

#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ident::{InternalCode, InternalKind};
use crate::model::{
    LocationCode, Lot, LotKey, LotNo, Move, MoveKind, Outcome, Qty, Reason, ReasonCode, ScanRecord,
    Verdict,
};
use crate::rules::{Fact, LotRules, View, reason};

use label::{Conflict, Label};
pub use scan::{Scan, classify};

/// The workflow a station runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Goods in: supplier labels → a received lot.
    Receive,
    /// Work order, then lots issued to it.
    Issue,
    /// Work order, then the output label.
    Produce,
    /// Lot, then destination.
    Move,
    /// Shipment, then lots.
    Ship,
    /// Lots put on hold.
    Hold,
    /// Lots released.
    Release,
    /// Several lots, then DONE: one composite lot.
    Merge,
    /// A lot label with a quantity: that much split off into a new lot.
    Split,
    /// Lot labels: what the store knows about them.
    Lookup,
}

impl Mode {
    /// Every mode, in the order the kiosk lists them.
    pub const ALL: [Mode; 10] = [
        Mode::Receive,
        Mode::Issue,
        Mode::Produce,
        Mode::Move,
        Mode::Ship,
        Mode::Hold,
        Mode::Release,
        Mode::Merge,
        Mode::Split,
        Mode::Lookup,
    ];

    /// Stable snake_case name (config value, command code in lower case).
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Receive => "receive",
            Mode::Issue => "issue",
            Mode::Produce => "produce",
            Mode::Move => "move",
            Mode::Ship => "ship",
            Mode::Hold => "hold",
            Mode::Release => "release",
            Mode::Merge => "merge",
            Mode::Split => "split",
            Mode::Lookup => "lookup",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mode name that is not one of [`Mode::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown station mode {0:?}; expected one of receive, issue, produce, move, ship, hold, release, merge, split, lookup"
)]
pub struct UnknownMode(pub String);

impl FromStr for Mode {
    type Err = UnknownMode;

    fn from_str(s: &str) -> Result<Mode, UnknownMode> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| UnknownMode(s.to_owned()))
    }
}

/// What the station needs from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// This station's id (transactions carry it; the daemon sets it).
    pub station_id: String,
    /// Operator used until a badge is scanned.
    pub default_operator: Option<String>,
    /// Where received lots go.
    pub receive_location: LocationCode,
    /// Where produced lots go (and where issued lots are preferably taken from).
    pub production_location: LocationCode,
    /// AI patterns a received label set must carry, e.g. `01`, `10`, `17`
    /// (`n` = any digit, e.g. `310n`).
    pub receive_required: Vec<String>,
    /// AI patterns taken from received labels when present. Only labels that
    /// carry a required or optional AI are accepted while receiving.
    pub receive_optional: Vec<String>,
    /// How long the labels of one item may take to be scanned.
    pub receive_window: Duration,
    /// Quantity when a label carries none (AI 30, 37, 310n).
    pub default_qty: Qty,
    /// Lot-number canonicalisation.
    pub lot_rules: LotRules,
}

impl Settings {
    /// Defaults around the three values every station must have: labels need
    /// (01) and (10); production date, expiry, best before, serial, counts,
    /// net weight and supplier GLN are optional; a 10-second window; one unit
    /// when a label has no quantity; lot numbers kept as printed.
    pub fn new(
        station_id: impl Into<String>,
        receive_location: LocationCode,
        production_location: LocationCode,
    ) -> Settings {
        let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        Settings {
            station_id: station_id.into(),
            default_operator: None,
            receive_location,
            production_location,
            receive_required: strings(&["01", "10"]),
            receive_optional: strings(&["11", "15", "17", "21", "30", "37", "310n", "412"]),
            receive_window: Duration::from_secs(10),
            default_qty: Qty::units(1),
            lot_rules: LotRules::default(),
        }
    }
}

/// What the station asks the daemon (and the kiosk) to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "a handful of actions per scan; the daemon moves the Move out to judge and record it"
)]
pub enum Action {
    /// Tell the operator what to scan next.
    Prompt(String),
    /// A move to judge with the rules and, if accepted, record.
    Propose(Move),
    /// The scan was refused before any move (wrong step, unreadable, ...).
    Reject(Verdict),
    /// One line of a report (lookup), or a notice.
    Info(String),
    /// The station switched mode.
    ModeChanged(Mode),
    /// An operator badge was scanned.
    OperatorChanged(String),
    /// `CMD:OVERRIDE`: record the move just refused, if a supervisor is
    /// present (the daemon decides; the station knows no supervisors). The
    /// scan record goes with the overridden move.
    OverrideRequested(ScanRecord),
    /// `CMD:ACK`: the operator acknowledges the error shown (the daemon
    /// keeps errors up until acknowledged). Nothing about the step changes.
    Acknowledge(ScanRecord),
}

/// Everything a workflow step reads besides its own state.
pub(crate) struct Cx<'a> {
    pub settings: &'a Settings,
    pub operator: Option<&'a str>,
    pub view: &'a dyn View,
    pub now: Timestamp,
}

impl Cx<'_> {
    /// A move of `kind` by the current operator, from `scans`.
    pub fn new_move(&self, kind: MoveKind, scans: Vec<ScanRecord>) -> Move {
        Move {
            kind,
            lines: Vec::new(),
            from: None,
            to: None,
            work_order: None,
            shipment: None,
            new_lot: None,
            operator: self.operator.map(str::to_owned),
            scans,
        }
    }

    /// The lot a label names, with what the view knows about it.
    pub fn scanned_lot(&self, label: &Label, expected: &str) -> Result<ScannedLot, Verdict> {
        let Some(item_code) = label.gtin() else {
            return Err(refuse_fact(&Fact::WrongStep { expected }));
        };
        let Some(key) = label.lot_key(&self.settings.lot_rules) else {
            return Err(refuse(
                ReasonCode::WrongStep,
                format!(
                    "Label of {} has no lot number (10); scan the lot label",
                    item_code.0
                ),
            ));
        };
        let item = self.view.item(&item_code);
        let qty = label.qty(item.as_ref().map(|i| i.unit.as_str()));
        Ok(ScannedLot {
            stored: self.view.lot(&key),
            key,
            qty,
            serial: label.get("21").map(str::to_owned),
        })
    }
}

/// A lot named by a label.
#[derive(Debug, Clone)]
pub(crate) struct ScannedLot {
    pub key: LotKey,
    pub stored: Option<Lot>,
    /// Quantity printed on the label, if any.
    pub qty: Option<Qty>,
    /// Serial (AI 21), if any.
    pub serial: Option<String>,
}

/// A workflow: one mode's steps.
pub(crate) trait Workflow: fmt::Debug + Send {
    /// What the current step wants, e.g. "a work order" (the rest of "scan …").
    fn expected(&self, settings: &Settings) -> String;

    /// A GS1 (or EPC) label.
    fn on_label(&mut self, cx: &Cx<'_>, label: Label, record: ScanRecord) -> Vec<Action>;

    /// A work order, location or shipment code (commands and badges are handled by the station).
    fn on_code(&mut self, cx: &Cx<'_>, code: &InternalCode, record: ScanRecord) -> Vec<Action> {
        let _ = (code, record);
        vec![wrong_step(&self.expected(cx.settings))]
    }

    /// The DONE command.
    fn on_done(&mut self, cx: &Cx<'_>, record: ScanRecord) -> Vec<Action> {
        let _ = record;
        vec![reject(
            ReasonCode::WrongStep,
            format!("Nothing to finish; scan {}", self.expected(cx.settings)),
        )]
    }

    /// Time passed.
    fn on_tick(&mut self, settings: &Settings, now: Timestamp) -> Vec<Action> {
        let _ = (settings, now);
        Vec::new()
    }
}

fn fresh(mode: Mode) -> Box<dyn Workflow> {
    match mode {
        Mode::Receive => Box::new(receive::Receive::default()),
        Mode::Issue => Box::new(issue::Issue::default()),
        Mode::Produce => Box::new(produce::Produce::default()),
        Mode::Move => Box::new(relocate::Relocate::default()),
        Mode::Ship => Box::new(ship::Ship::default()),
        Mode::Hold => Box::new(hold::StatusChange::new(MoveKind::Hold)),
        Mode::Release => Box::new(hold::StatusChange::new(MoveKind::Release)),
        Mode::Merge => Box::new(merge::Merge::default()),
        Mode::Split => Box::new(merge::Split),
        Mode::Lookup => Box::new(lookup::Lookup),
    }
}

/// One station's state: its mode, operator and the current workflow step.
#[derive(Debug)]
pub struct Station {
    settings: Settings,
    mode: Mode,
    operator: Option<String>,
    flow: Box<dyn Workflow>,
    /// An issue or shipment of a lot stocked at several locations, waiting
    /// for the operator to scan the one the lot is taken from.
    pick: Option<SourcePick>,
}

/// A move held until its source location is scanned.
#[derive(Debug)]
struct SourcePick {
    mv: Move,
    /// Where the lot has stock, with how much.
    stocked: Vec<(LocationCode, Qty)>,
}

impl SourcePick {
    fn lot(&self) -> &str {
        self.mv.lines.first().map_or("", |l| l.lot.lot.0.as_str())
    }

    fn expected(&self) -> String {
        format!(
            "the location lot {} is taken from ({})",
            self.lot(),
            stock_list(&self.stocked)
        )
    }
}

/// `A-01: 20, B-02: 5`.
pub(crate) fn stock_list(stocked: &[(LocationCode, Qty)]) -> String {
    stocked
        .iter()
        .map(|(c, q)| format!("{}: {q}", c.0))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The locations a lot has stock at, when there are several.
pub(crate) fn ambiguous_source(lot: &Lot) -> Option<Vec<(LocationCode, Qty)>> {
    let at: Vec<(LocationCode, Qty)> = lot
        .on_hand
        .iter()
        .filter(|(_, q)| q.0 > 0)
        .map(|(c, q)| (c.clone(), *q))
        .collect();
    (at.len() > 1).then_some(at)
}

/// A location scan: a location code, or a GS1 label with a GLN (414) and
/// no GTIN, resolved to the location's code through the view.
pub(crate) fn scanned_location(scan: &Scan, view: &dyn View) -> Option<LocationCode> {
    match scan {
        Scan::Internal(code) if code.kind == InternalKind::Location => {
            Some(LocationCode(code.id.clone()))
        }
        Scan::Gs1(_) => {
            let label = Label::from_scan(scan)?.ok()?;
            if label.gtin().is_some() {
                return None;
            }
            let gln = LocationCode(label.get("414")?.to_owned());
            Some(view.location(&gln).map_or(gln, |l| l.code))
        }
        _ => None,
    }
}

impl Station {
    /// A station in `mode`, at the mode's first step, with the default operator.
    pub fn new(settings: Settings, mode: Mode) -> Station {
        Station {
            operator: settings.default_operator.clone(),
            settings,
            mode,
            flow: fresh(mode),
            pick: None,
        }
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The current operator (badge or configured default).
    pub fn operator(&self) -> Option<&str> {
        self.operator.as_deref()
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A short hint of what to scan now, e.g. "scan a supplier label".
    pub fn expecting(&self) -> String {
        match &self.pick {
            Some(p) => format!("scan {}", p.expected()),
            None => format!("scan {}", self.flow.expected(&self.settings)),
        }
    }

    /// Switch mode (from the kiosk or a command code). The current step's
    /// unfinished scans are dropped. Returns [`Action::ModeChanged`] and a
    /// prompt for the new mode's first step.
    pub fn set_mode(&mut self, mode: Mode) -> Vec<Action> {
        self.mode = mode;
        self.flow = fresh(mode);
        self.pick = None;
        vec![Action::ModeChanged(mode), self.prompt()]
    }

    fn prompt(&self) -> Action {
        Action::Prompt(sentence(&self.expecting()))
    }

    /// Handle one scan. `record` is kept with any move it leads to; `view`
    /// is a snapshot of the store taken for this scan; `now` is the time of
    /// the decision. Expired receive windows are handled first.
    pub fn on_scan(
        &mut self,
        scan: Scan,
        record: ScanRecord,
        view: &impl View,
        now: Timestamp,
    ) -> Vec<Action> {
        let mut out = self.on_tick(now);
        if self.pick.is_some()
            && !matches!(&scan, Scan::Internal(c) if matches!(c.kind, InternalKind::Command | InternalKind::Operator))
        {
            out.extend(self.on_pick(&scan, record, view));
            return out;
        }
        let first_new = out.len();
        let cx = Cx {
            settings: &self.settings,
            operator: self.operator.as_deref(),
            view,
            now,
        };
        match scan {
            Scan::Unreadable(e) => {
                let base = reason(&Fact::Unreadable);
                out.push(reject(
                    ReasonCode::Unreadable,
                    format!("{} ({})", base.text, e.message),
                ));
            }
            Scan::Internal(code) => match code.kind {
                InternalKind::Command => out.extend(self.command(&code.id, record, view, now)),
                InternalKind::Operator => {
                    self.operator = Some(code.id.clone());
                    out.push(Action::OperatorChanged(code.id));
                    out.push(self.prompt());
                }
                _ => out.extend(self.flow.on_code(&cx, &code, record)),
            },
            Scan::Gs1(_) | Scan::Epc(_) => match Label::from_scan(&scan) {
                Some(Ok(label)) => out.extend(self.flow.on_label(&cx, label, record)),
                Some(Err(c)) => out.push(conflict(&c)),
                None => out.push(wrong_step(&self.flow.expected(&self.settings))),
            },
            Scan::Plain(_) => out.push(wrong_step(&self.flow.expected(&self.settings))),
        }
        self.hold_ambiguous_sources(&mut out, first_new, view);
        out
    }

    /// An issue or shipment of a lot stocked at several locations cannot
    /// say where the stock comes from: hold it and ask for the location.
    fn hold_ambiguous_sources(&mut self, out: &mut [Action], from: usize, view: &impl View) {
        for a in out.iter_mut().skip(from) {
            let Action::Propose(mv) = a else { continue };
            if self.pick.is_some()
                || mv.from.is_some()
                || !matches!(mv.kind, MoveKind::Issue | MoveKind::Ship)
                || mv.lines.len() != 1
            {
                continue;
            }
            let Some(stocked) = mv
                .lines
                .first()
                .and_then(|l| view.lot(&l.lot))
                .and_then(|lot| ambiguous_source(&lot))
            else {
                continue;
            };
            let pick = SourcePick {
                mv: mv.clone(),
                stocked,
            };
            *a = Action::Prompt(format!(
                "Lot {} is at {}; scan the location you take it from",
                pick.lot(),
                stock_list(&pick.stocked)
            ));
            self.pick = Some(pick);
        }
    }

    /// The scan after a held move: its source location, or a wrong step.
    fn on_pick(&mut self, scan: &Scan, record: ScanRecord, view: &impl View) -> Vec<Action> {
        let Some(pick) = self.pick.as_mut() else {
            return Vec::new();
        };
        let Some(at) = scanned_location(scan, view) else {
            return vec![wrong_step(&pick.expected())];
        };
        if !pick.stocked.iter().any(|(c, _)| *c == at) {
            let lot = LotNo(pick.lot().to_owned());
            let text = reason(&Fact::NotHere {
                lot: &lot,
                at: &at,
                elsewhere: None,
            })
            .text;
            return vec![reject(
                ReasonCode::WrongLocation,
                format!("{text}; scan {}", pick.expected()),
            )];
        }
        let Some(mut pick) = self.pick.take() else {
            return Vec::new();
        };
        pick.mv.from = Some(at);
        pick.mv.scans.push(record);
        vec![Action::Propose(pick.mv)]
    }

    fn command(
        &mut self,
        id: &str,
        record: ScanRecord,
        view: &impl View,
        now: Timestamp,
    ) -> Vec<Action> {
        if let Ok(mode) = id.to_ascii_lowercase().parse::<Mode>() {
            return self.set_mode(mode);
        }
        if id.eq_ignore_ascii_case("DONE") {
            let cx = Cx {
                settings: &self.settings,
                operator: self.operator.as_deref(),
                view,
                now,
            };
            return self.flow.on_done(&cx, record);
        }
        if id.eq_ignore_ascii_case("OVERRIDE") {
            return vec![Action::OverrideRequested(record)];
        }
        if id.eq_ignore_ascii_case("ACK") {
            return vec![Action::Acknowledge(record)];
        }
        if id.eq_ignore_ascii_case("CANCEL") {
            self.flow = fresh(self.mode);
            self.pick = None;
            return vec![Action::Prompt(format!("Cancelled; {}", self.expecting()))];
        }
        vec![reject(
            ReasonCode::WrongStep,
            format!("Unknown command {id}; {}", self.expecting()),
        )]
    }

    /// Let time pass: an incomplete receive label set older than the window
    /// is dropped with a rejection naming the missing AIs.
    pub fn on_tick(&mut self, now: Timestamp) -> Vec<Action> {
        self.flow.on_tick(&self.settings, now)
    }
}

/// Capitalise the first letter (prompts are sentences; hints are not).
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A rejected verdict with one reason.
pub(crate) fn refuse(code: ReasonCode, text: String) -> Verdict {
    Verdict {
        outcome: Outcome::Rejected,
        reasons: vec![Reason { code, text }],
    }
}

/// A rejected verdict with the text the rules' wording gives a fact.
pub(crate) fn refuse_fact(fact: &Fact<'_>) -> Verdict {
    Verdict {
        outcome: Outcome::Rejected,
        reasons: vec![reason(fact)],
    }
}

/// A rejection with one reason.
pub(crate) fn reject(code: ReasonCode, text: String) -> Action {
    Action::Reject(refuse(code, text))
}

/// What issue and produce expect next: a work order, then `then` for it
/// (e.g. "lots for WO-7").
pub(crate) fn work_order_expected(slot: &Option<(String, ScanRecord)>, then: &str) -> String {
    match slot {
        None => "a work order".to_owned(),
        Some((id, _)) => format!("{then} {id}"),
    }
}

/// The first step of issue and produce: a known work order, remembered with
/// its scan in `slot`; then the operator is asked for `then`.
pub(crate) fn take_work_order(
    slot: &mut Option<(String, ScanRecord)>,
    cx: &Cx<'_>,
    code: &InternalCode,
    record: ScanRecord,
    then: &str,
) -> Vec<Action> {
    if code.kind != InternalKind::WorkOrder {
        return vec![wrong_step(&work_order_expected(slot, then))];
    }
    if cx.view.work_order(&code.id).is_none() {
        return vec![reject_fact(&Fact::UnknownWorkOrder { id: &code.id })];
    }
    *slot = Some((code.id.clone(), record));
    vec![Action::Prompt(format!("Scan {then} {}", code.id))]
}

/// A rejection with the text the rules' wording gives a fact.
pub(crate) fn reject_fact(fact: &Fact<'_>) -> Action {
    Action::Reject(refuse_fact(fact))
}

/// WRONG_STEP: "Not expected now; scan {expected}".
pub(crate) fn wrong_step(expected: &str) -> Action {
    reject_fact(&Fact::WrongStep { expected })
}

/// Labels that disagree on an AI.
pub(crate) fn conflict(c: &Conflict) -> Action {
    reject(
        ReasonCode::WrongStep,
        format!(
            "Labels disagree on ({}): {} / {}; scan again",
            c.ai, c.first, c.second
        ),
    )
}

/// Locations where a lot has stock.
pub(crate) fn stocked(lot: &Lot) -> impl Iterator<Item = &LocationCode> {
    lot.on_hand.iter().filter(|(_, q)| q.0 > 0).map(|(c, _)| c)
}

/// Where to take a lot from: `prefer` when the lot has stock there, else its
/// only stocked location, else `None` (several or none: the rules and the
/// store refuse or resolve it).
pub(crate) fn source_location(
    lot: Option<&Lot>,
    prefer: Option<&LocationCode>,
) -> Option<LocationCode> {
    let lot = lot?;
    if let Some(p) = prefer
        && lot.on_hand.get(p).is_some_and(|q| q.0 > 0)
    {
        return Some(p.clone());
    }
    let mut at = stocked(lot);
    match (at.next(), at.next()) {
        (Some(only), None) => Some(only.clone()),
        _ => None,
    }
}
