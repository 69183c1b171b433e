//! Master data as people write it: items, lots, locations, work orders and
//! shipments from one JSON document (an array per kind) or CSV text (one
//! kind per file), parsed and validated row by row. Pure: text in, values
//! or problems out; no files, no store ([`crate::store::import`] reads the
//! files, checks references against the store and writes in one write
//! transaction). Every problem names the file, the line and the field and
//! says what is allowed; relative dates (`+25d`) resolve against the
//! [`Anchor`] given. Formats: `docs/import.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::clock::{Anchor, DayOffset};
use crate::ident::check_digit::mod10_valid;
use crate::model::{
    BomLine, FefoPolicy, Item, ItemCode, Location, LocationCode, Lot, LotKey, LotNo, LotStatus,
    Qty, Shipment, ShipmentLine, WorkOrder, WorkOrderStatus,
};

/// Most problems reported at once.
pub const MAX_PROBLEMS: usize = 50;

/// Where a row came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// File name as given.
    pub file: String,
    /// 1-based line of the row (of the field, when known).
    pub line: u64,
}

/// A validated row and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<T> {
    /// Source position.
    pub origin: Origin,
    /// The value.
    pub value: T,
}

/// Master data ready to import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasterData {
    /// Items.
    pub items: Vec<Row<Item>>,
    /// Lots (with their initial stock).
    pub lots: Vec<Row<Lot>>,
    /// Locations.
    pub locations: Vec<Row<Location>>,
    /// Work orders with their BOM.
    pub work_orders: Vec<Row<WorkOrder>>,
    /// Shipments.
    pub shipments: Vec<Row<Shipment>>,
}

/// How many rows of each kind an import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Items.
    pub items: usize,
    /// Lots.
    pub lots: usize,
    /// Locations.
    pub locations: usize,
    /// Work orders.
    pub work_orders: usize,
    /// Shipments.
    pub shipments: usize,
}

impl MasterData {
    /// Append another file's rows.
    pub fn extend(&mut self, other: MasterData) {
        self.items.extend(other.items);
        self.lots.extend(other.lots);
        self.locations.extend(other.locations);
        self.work_orders.extend(other.work_orders);
        self.shipments.extend(other.shipments);
    }

    /// Row counts.
    pub fn summary(&self) -> ImportSummary {
        ImportSummary {
            items: self.items.len(),
            lots: self.lots.len(),
            locations: self.locations.len(),
            work_orders: self.work_orders.len(),
            shipments: self.shipments.len(),
        }
    }
}

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// File name.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// Field (column or JSON key), when known.
    pub field: Option<String>,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// An import was refused; nothing was applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportError {
    /// The problems, in file order (at most 50).
    pub problems: Vec<Problem>,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "import refused, nothing applied:")?;
        for p in &self.problems {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

impl ImportError {
    /// One problem, as an error.
    pub(crate) fn one(
        file: &str,
        line: Option<u64>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        ImportError {
            problems: vec![Problem {
                file: file.to_owned(),
                line,
                field: field.map(str::to_owned),
                message: message.into(),
            }],
        }
    }
}

/// Kind of rows in a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `items`
    Items,
    /// `lots`
    Lots,
    /// `locations`
    Locations,
    /// `work_orders`
    WorkOrders,
    /// `shipments`
    Shipments,
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "items" => Kind::Items,
            "lots" => Kind::Lots,
            "locations" => Kind::Locations,
            "work_orders" => Kind::WorkOrders,
            "shipments" => Kind::Shipments,
            other => {
                return Err(format!(
                    "unknown kind `{other}`: allowed are items, lots, locations, work_orders, shipments"
                ));
            }
        })
    }
}

impl Kind {
    /// Recognise a CSV file's kind from its header.
    fn from_header(cols: &BTreeSet<&str>) -> Option<Kind> {
        if cols.contains("output_item") {
            Some(Kind::WorkOrders)
        } else if cols.contains("customer") {
            Some(Kind::Shipments)
        } else if cols.contains("item") && cols.contains("lot") {
            Some(Kind::Lots)
        } else if cols.contains("code") && cols.contains("unit") {
            Some(Kind::Items)
        } else if cols.contains("code") {
            Some(Kind::Locations)
        } else {
            None
        }
    }

    fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Items => &[
                "code",
                "description",
                "unit",
                "lot_controlled",
                "serialised",
                "shelf_life_days",
                "incoming_status",
                "fefo",
            ],
            Kind::Lots => &[
                "item",
                "lot",
                "status",
                "supplier",
                "supplier_lot",
                "internal_lot",
                "production_date",
                "expiry_date",
                "on_hand",
                "parents",
                "certificate",
                "received_at",
            ],
            Kind::Locations => &["code", "description", "gln", "accepts"],
            Kind::WorkOrders => &["id", "output_item", "status", "bom"],
            Kind::Shipments => &["id", "customer", "lines"],
        }
    }

    fn csv_fields(self) -> &'static [&'static str] {
        match self {
            Kind::WorkOrders => &[
                "id",
                "output_item",
                "status",
                "bom_item",
                "bom_qty",
                "bom_tolerance_pct",
            ],
            Kind::Shipments => &["id", "customer", "item", "qty"],
            other => other.fields(),
        }
    }
}

// ---------------------------------------------------------------- fields

/// One field value as read from JSON or CSV.
#[derive(Clone, Copy)]
enum Raw<'a> {
    Json(&'a Value),
    Text(&'a str),
}

/// A row's fields, with what is needed to name a problem's place.
struct Fields<'a> {
    file: &'a str,
    line: u64,
    /// Raw JSON text of the row, to find a field's own line.
    json_text: Option<&'a str>,
    values: BTreeMap<&'a str, Raw<'a>>,
    /// What relative dates count from.
    anchor: &'a Anchor,
}

type FieldResult<T> = Result<T, Problem>;

impl<'a> Fields<'a> {
    fn problem(&self, field: &str, message: impl Into<String>) -> Problem {
        let mut line = self.line;
        if let Some(text) = self.json_text
            && let Some(pos) = text.find(&format!("\"{field}\""))
        {
            let before = text.get(..pos).unwrap_or("");
            line += before.bytes().filter(|b| *b == b'\n').count() as u64;
        }
        Problem {
            file: self.file.to_owned(),
            line: Some(line),
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }

    fn raw(&self, name: &str) -> Option<Raw<'a>> {
        match self.values.get(name) {
            None | Some(Raw::Json(Value::Null)) => None,
            Some(Raw::Text(s)) if s.trim().is_empty() => None,
            Some(r) => Some(*r),
        }
    }

    fn str_opt(&self, name: &str) -> FieldResult<Option<String>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Raw::Text(s)) => Ok(Some(s.trim().to_owned())),
            Some(Raw::Json(Value::String(s))) => Ok(Some(s.trim().to_owned())),
            Some(Raw::Json(Value::Number(n))) => Ok(Some(n.to_string())),
            Some(_) => Err(self.problem(name, "expected text")),
        }
    }

    fn str_req(&self, name: &str) -> FieldResult<String> {
        match self.str_opt(name)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(self.problem(name, "required, must not be empty")),
        }
    }

    fn bool_opt(&self, name: &str) -> FieldResult<Option<bool>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Raw::Json(Value::Bool(b))) => Ok(Some(*b)),
            Some(Raw::Text(s)) => match s.trim() {
                "true" | "yes" | "1" => Ok(Some(true)),
                "false" | "no" | "0" => Ok(Some(false)),
                other => Err(self.problem(
                    name,
                    format!("`{other}` is not a yes/no value: use true or false"),
                )),
            },
            Some(_) => Err(self.problem(name, "expected true or false")),
        }
    }

    fn u32_opt(&self, name: &str) -> FieldResult<Option<u32>> {
        match self.str_opt(name)? {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                self.problem(
                    name,
                    format!("`{s}` is not a whole number from 0 to 4294967295"),
                )
            }),
        }
    }

    fn qty_of(&self, name: &str, s: &str) -> FieldResult<Qty> {
        Qty::parse(s.trim()).ok_or_else(|| {
            self.problem(
                name,
                format!(
                    "`{s}` is not a quantity: use digits with at most 3 decimals, e.g. 12 or 1.5"
                ),
            )
        })
    }

    fn qty_req(&self, name: &str) -> FieldResult<Qty> {
        let s = self.str_req(name)?;
        self.qty_of(name, &s)
    }

    /// A date: `YYYY-MM-DD`, or days from the import's day (`today`,
    /// `+25d`, `-3d`).
    fn date_opt(&self, name: &str) -> FieldResult<Option<Date>> {
        self.relative_opt(
            name,
            |off| off.date(self.anchor.today),
            self.anchor.today,
            "a date: use YYYY-MM-DD, e.g. 2026-12-31, or days from the import's day, e.g. \
             today, +25d or -3d",
        )
    }

    /// An instant: RFC 3339, or whole days (24 h) from the import's instant
    /// (`today`, `+25d`, `-3d`).
    fn timestamp_opt(&self, name: &str) -> FieldResult<Option<Timestamp>> {
        self.relative_opt(
            name,
            |off| off.instant(self.anchor.now),
            self.anchor.now,
            "an instant: use RFC 3339, e.g. 2026-03-01T08:00:00Z, or days from the import, \
             e.g. -3d",
        )
    }

    /// A field that is a day offset from the import (resolved by `resolve`
    /// against `from`) or a value of its own format (`is_not` says which).
    fn relative_opt<T: FromStr>(
        &self,
        name: &str,
        resolve: impl Fn(DayOffset) -> Option<T>,
        from: impl fmt::Display,
        is_not: &str,
    ) -> FieldResult<Option<T>> {
        let Some(s) = self.str_opt(name)? else {
            return Ok(None);
        };
        if let Some(off) = DayOffset::parse(&s) {
            return resolve(off).map(Some).ok_or_else(|| {
                self.problem(name, format!("`{s}` from {from} is outside the calendar"))
            });
        }
        s.parse::<T>()
            .map(Some)
            .map_err(|_| self.problem(name, format!("`{s}` is not {is_not}")))
    }

    fn status_of(&self, name: &str, s: &str) -> FieldResult<LotStatus> {
        Ok(match s.trim() {
            "released" => LotStatus::Released,
            "quarantine" => LotStatus::Quarantine,
            "hold" => LotStatus::Hold,
            "rejected" => LotStatus::Rejected,
            "recalled" => LotStatus::Recalled,
            "consumed" => LotStatus::Consumed,
            other => {
                return Err(self.problem(
                    name,
                    format!(
                        "unknown status `{other}`: allowed are released, quarantine, hold, \
                         rejected, recalled, consumed"
                    ),
                ));
            }
        })
    }

    fn status_opt(&self, name: &str) -> FieldResult<Option<LotStatus>> {
        match self.str_opt(name)? {
            None => Ok(None),
            Some(s) => self.status_of(name, &s).map(Some),
        }
    }

    /// A list: JSON array of strings, or CSV text split on `;`.
    fn list(&self, name: &str) -> FieldResult<Vec<String>> {
        match self.raw(name) {
            None => Ok(Vec::new()),
            Some(Raw::Text(s)) => Ok(s
                .split(';')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect()),
            Some(Raw::Json(Value::Array(a))) => a
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.trim().to_owned()),
                    _ => Err(self.problem(name, "expected an array of text")),
                })
                .collect(),
            Some(_) => Err(self.problem(name, "expected an array")),
        }
    }

    /// Objects of a JSON array field, as [`Fields`] sharing this row's place.
    fn objects(&self, name: &str) -> FieldResult<Vec<Fields<'a>>> {
        match self.raw(name) {
            None => Ok(Vec::new()),
            Some(Raw::Json(Value::Array(a))) => a
                .iter()
                .map(|v| match v {
                    Value::Object(m) => Ok(Fields {
                        file: self.file,
                        line: self.line,
                        json_text: self.json_text,
                        values: m.iter().map(|(k, v)| (k.as_str(), Raw::Json(v))).collect(),
                        anchor: self.anchor,
                    }),
                    _ => Err(self.problem(name, "expected an array of objects")),
                })
                .collect(),
            Some(_) => Err(self.problem(name, "expected an array of objects")),
        }
    }
}

fn item_code_problem(code: &str) -> Option<String> {
    if code.bytes().all(|b| b.is_ascii_digit()) {
        if code.len() != 14 {
            return Some(format!(
                "numeric item code `{code}` must be a GTIN-14 (pad GTIN-8/12/13 with leading zeros to 14 digits)"
            ));
        }
        if !mod10_valid(code.as_bytes()) {
            return Some(format!("GTIN `{code}` has a wrong check digit"));
        }
    } else if code.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!("item code `{code}` must not contain spaces"));
    }
    None
}

fn item_of(f: &Fields<'_>) -> FieldResult<Item> {
    let code = f.str_req("code")?;
    if let Some(p) = item_code_problem(&code) {
        return Err(f.problem("code", p));
    }
    let fefo = match f.str_opt("fefo")?.as_deref() {
        None | Some("warn") => FefoPolicy::Warn,
        Some("off") => FefoPolicy::Off,
        Some("block") => FefoPolicy::Block,
        Some(other) => {
            return Err(f.problem(
                "fefo",
                format!("unknown policy `{other}`: allowed are off, warn, block"),
            ));
        }
    };
    Ok(Item {
        code: ItemCode(code),
        description: f.str_req("description")?,
        unit: f.str_req("unit")?,
        lot_controlled: f.bool_opt("lot_controlled")?.unwrap_or(true),
        serialised: f.bool_opt("serialised")?.unwrap_or(false),
        shelf_life_days: f.u32_opt("shelf_life_days")?,
        incoming_status: f
            .status_opt("incoming_status")?
            .unwrap_or(LotStatus::Released),
        fefo,
    })
}

fn lot_key_of(f: &Fields<'_>, field: &str, s: &str) -> FieldResult<LotKey> {
    match s.split_once(':') {
        Some((item, lot)) if !item.trim().is_empty() && !lot.trim().is_empty() => Ok(LotKey {
            item: ItemCode(item.trim().to_owned()),
            lot: LotNo(lot.trim().to_owned()),
        }),
        _ => Err(f.problem(field, format!("`{s}` is not ITEM:LOT"))),
    }
}

fn lot_of(f: &Fields<'_>) -> FieldResult<Lot> {
    let key = LotKey {
        item: ItemCode(f.str_req("item")?),
        lot: LotNo(f.str_req("lot")?),
    };
    let mut on_hand = BTreeMap::new();
    let mut add = |loc: &str, q: Qty| -> FieldResult<()> {
        if loc.is_empty() {
            return Err(f.problem("on_hand", "empty location code"));
        }
        if q > Qty::ZERO {
            on_hand.insert(LocationCode(loc.to_owned()), q);
        }
        Ok(())
    };
    match f.raw("on_hand") {
        None => {}
        Some(Raw::Text(s)) => {
            for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                let Some((loc, q)) = part.split_once('=') else {
                    return Err(f.problem(
                        "on_hand",
                        format!("`{part}` is not LOCATION=QTY (several separated by `;`)"),
                    ));
                };
                add(loc.trim(), f.qty_of("on_hand", q)?)?;
            }
        }
        Some(Raw::Json(Value::Object(m))) => {
            for (loc, q) in m {
                let q = match q {
                    Value::String(s) => f.qty_of("on_hand", s)?,
                    Value::Number(n) => f.qty_of("on_hand", &n.to_string())?,
                    _ => return Err(f.problem("on_hand", "quantities must be numbers or text")),
                };
                add(loc.trim(), q)?;
            }
        }
        Some(_) => {
            return Err(f.problem(
                "on_hand",
                "expected an object of location → quantity, e.g. {\"A-01\": \"12.5\"}",
            ));
        }
    }
    let parents = f
        .list("parents")?
        .iter()
        .map(|p| lot_key_of(f, "parents", p))
        .collect::<FieldResult<Vec<_>>>()?;
    let production_date = f.date_opt("production_date")?;
    let expiry_date = f.date_opt("expiry_date")?;
    if let (Some(p), Some(e)) = (production_date, expiry_date)
        && e < p
    {
        return Err(f.problem(
            "expiry_date",
            format!("{e} is before the production date {p}"),
        ));
    }
    Ok(Lot {
        key,
        status: f.status_opt("status")?.unwrap_or(LotStatus::Released),
        supplier: f.str_opt("supplier")?,
        supplier_lot: f.str_opt("supplier_lot")?,
        internal_lot: f.str_opt("internal_lot")?,
        production_date,
        expiry_date,
        on_hand,
        parents,
        certificate: f.str_opt("certificate")?,
        received_at: f.timestamp_opt("received_at")?,
    })
}

fn location_of(f: &Fields<'_>) -> FieldResult<Location> {
    let gln = f.str_opt("gln")?;
    if let Some(g) = &gln
        && (g.len() != 13 || !g.bytes().all(|b| b.is_ascii_digit()) || !mod10_valid(g.as_bytes()))
    {
        return Err(f.problem(
            "gln",
            format!("`{g}` is not a GLN: 13 digits with a valid GS1 check digit"),
        ));
    }
    let accepts = f.list("accepts")?;
    let accepts = if accepts.is_empty() {
        vec![LotStatus::Released]
    } else {
        accepts
            .iter()
            .map(|s| f.status_of("accepts", s))
            .collect::<FieldResult<_>>()?
    };
    Ok(Location {
        code: LocationCode(f.str_req("code")?),
        description: f.str_opt("description")?.unwrap_or_default(),
        gln,
        accepts,
    })
}

fn wo_status(f: &Fields<'_>) -> FieldResult<WorkOrderStatus> {
    Ok(match f.str_opt("status")?.as_deref() {
        None | Some("released") => WorkOrderStatus::Released,
        Some("planned") => WorkOrderStatus::Planned,
        Some("closed") => WorkOrderStatus::Closed,
        Some(other) => {
            return Err(f.problem(
                "status",
                format!(
                    "unknown work order status `{other}`: allowed are planned, released, closed"
                ),
            ));
        }
    })
}

fn positive(f: &Fields<'_>, field: &str, q: Qty) -> FieldResult<Qty> {
    if q > Qty::ZERO {
        Ok(q)
    } else {
        Err(f.problem(field, "must be greater than zero"))
    }
}

fn bom_line_of(f: &Fields<'_>, item: &str, qty: &str, tol: &str) -> FieldResult<BomLine> {
    Ok(BomLine {
        item: ItemCode(f.str_req(item)?),
        qty: positive(f, qty, f.qty_req(qty)?)?,
        tolerance_pct: f.u32_opt(tol)?.unwrap_or(0),
    })
}

fn work_order_of(f: &Fields<'_>) -> FieldResult<WorkOrder> {
    let bom = f
        .objects("bom")?
        .iter()
        .map(|l| bom_line_of(l, "item", "qty", "tolerance_pct"))
        .collect::<FieldResult<Vec<_>>>()?;
    if bom.is_empty() {
        return Err(f.problem("bom", "a work order needs at least one BOM line"));
    }
    Ok(WorkOrder {
        id: f.str_req("id")?,
        output_item: ItemCode(f.str_req("output_item")?),
        bom,
        status: wo_status(f)?,
        issued: BTreeMap::new(),
        issued_lots: Vec::new(),
    })
}

fn shipment_line_of(f: &Fields<'_>, item: &str, qty: &str) -> FieldResult<ShipmentLine> {
    Ok(ShipmentLine {
        item: ItemCode(f.str_req(item)?),
        qty: positive(f, qty, f.qty_req(qty)?)?,
    })
}

fn shipment_of(f: &Fields<'_>) -> FieldResult<Shipment> {
    let lines = f
        .objects("lines")?
        .iter()
        .map(|l| shipment_line_of(l, "item", "qty"))
        .collect::<FieldResult<Vec<_>>>()?;
    if lines.is_empty() {
        return Err(f.problem("lines", "a shipment needs at least one line"));
    }
    Ok(Shipment {
        id: f.str_req("id")?,
        customer: f.str_req("customer")?,
        lines,
        shipped: Vec::new(),
    })
}

fn unknown_fields(f: &Fields<'_>, allowed: &[&str]) -> FieldResult<()> {
    match f.values.keys().find(|k| !allowed.contains(k)) {
        None => Ok(()),
        Some(k) => Err(f.problem(
            k,
            format!("unknown field: allowed are {}", allowed.join(", ")),
        )),
    }
}

fn push_row<T>(
    out: &mut Vec<Row<T>>,
    problems: &mut Vec<Problem>,
    f: &Fields<'_>,
    r: FieldResult<T>,
) {
    match r {
        Ok(value) => out.push(Row {
            origin: Origin {
                file: f.file.to_owned(),
                line: f.line,
            },
            value,
        }),
        Err(p) => {
            if problems.len() < MAX_PROBLEMS {
                problems.push(p);
            }
        }
    }
}

// ---------------------------------------------------------------- JSON

/// Parse a JSON master data file:
/// `{"items": [..], "lots": [..], "locations": [..], "work_orders": [..], "shipments": [..]}`.
pub fn parse_json(file: &str, text: &str, anchor: &Anchor) -> Result<MasterData, ImportError> {
    let top: BTreeMap<&str, Vec<&RawValue>> = serde_json::from_str(text).map_err(|e| {
        ImportError::one(
            file,
            Some(e.line() as u64),
            None,
            format!(
                "{e}; expected an object of arrays: items, lots, locations, work_orders, shipments"
            ),
        )
    })?;
    let mut data = MasterData::default();
    let mut problems = Vec::new();
    for (kind, rows) in &top {
        let kind: Kind = match kind.parse() {
            Ok(k) => k,
            Err(msg) => {
                let line = line_of(text, text.find(&format!("\"{kind}\"")).unwrap_or(0));
                return Err(ImportError::one(file, Some(line), Some(kind), msg));
            }
        };
        for raw in rows {
            let offset = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
            let line = line_of(text, offset);
            let map: Map<String, Value> = match serde_json::from_str(raw.get()) {
                Ok(m) => m,
                Err(e) => {
                    problems.push(Problem {
                        file: file.to_owned(),
                        line: Some(line + e.line() as u64 - 1),
                        field: None,
                        message: format!("each {kind:?} row must be an object: {e}"),
                    });
                    continue;
                }
            };
            let f = Fields {
                file,
                line,
                json_text: Some(raw.get()),
                values: map
                    .iter()
                    .map(|(k, v)| (k.as_str(), Raw::Json(v)))
                    .collect(),
                anchor,
            };
            if let Err(p) = unknown_fields(&f, kind.fields()) {
                problems.push(p);
                continue;
            }
            match kind {
                Kind::Items => push_row(&mut data.items, &mut problems, &f, item_of(&f)),
                Kind::Lots => push_row(&mut data.lots, &mut problems, &f, lot_of(&f)),
                Kind::Locations => {
                    push_row(&mut data.locations, &mut problems, &f, location_of(&f));
                }
                Kind::WorkOrders => {
                    push_row(&mut data.work_orders, &mut problems, &f, work_order_of(&f));
                }
                Kind::Shipments => {
                    push_row(&mut data.shipments, &mut problems, &f, shipment_of(&f));
                }
            }
        }
    }
    finish(data, problems)
}

fn line_of(text: &str, offset: usize) -> u64 {
    let before = text.get(..offset).unwrap_or(text);
    before.bytes().filter(|b| *b == b'\n').count() as u64 + 1
}

fn finish(data: MasterData, problems: Vec<Problem>) -> Result<MasterData, ImportError> {
    if problems.is_empty() {
        Ok(data)
    } else {
        Err(ImportError { problems })
    }
}

// ---------------------------------------------------------------- CSV

/// Parse a CSV master data file of one kind (header row required). Work
/// orders and shipments take one row per BOM line / shipment line; rows with
/// the same `id` form one record.
pub fn parse_csv(
    file: &str,
    text: &str,
    kind: Option<Kind>,
    anchor: &Anchor,
) -> Result<MasterData, ImportError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| ImportError::one(file, Some(1), None, format!("cannot read the header: {e}")))?
        .clone();
    let cols: BTreeSet<&str> = headers.iter().collect();
    let kind = match kind.or_else(|| Kind::from_header(&cols)) {
        Some(k) => k,
        None => {
            return Err(ImportError::one(
                file,
                Some(1),
                None,
                "cannot tell the kind of rows from the header: name it (items, lots, locations, \
                 work_orders, shipments) or use the documented columns",
            ));
        }
    };
    let allowed = kind.csv_fields();
    if let Some(bad) = headers.iter().find(|h| !allowed.contains(h)) {
        return Err(ImportError::one(
            file,
            Some(1),
            Some(bad),
            format!("unknown column: allowed are {}", allowed.join(", ")),
        ));
    }
    let mut data = MasterData::default();
    let mut problems = Vec::new();
    // Work orders and shipments group rows by id, keeping first-seen order.
    let mut wo_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut ship_index: BTreeMap<String, usize> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line());
                problems.push(Problem {
                    file: file.to_owned(),
                    line,
                    field: None,
                    message: format!("bad CSV row: {e}"),
                });
                break;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let f = Fields {
            file,
            line,
            json_text: None,
            values: headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h, Raw::Text(v)))
                .collect(),
            anchor,
        };
        match kind {
            Kind::Items => push_row(&mut data.items, &mut problems, &f, item_of(&f)),
            Kind::Lots => push_row(&mut data.lots, &mut problems, &f, lot_of(&f)),
            Kind::Locations => push_row(&mut data.locations, &mut problems, &f, location_of(&f)),
            Kind::WorkOrders => {
                let r = (|| {
                    let id = f.str_req("id")?;
                    let line = bom_line_of(&f, "bom_item", "bom_qty", "bom_tolerance_pct")?;
                    let output = ItemCode(f.str_req("output_item")?);
                    let status = wo_status(&f)?;
                    Ok((id, line, output, status))
                })();
                match r {
                    Err(p) => problems.push(p),
                    Ok((id, line, output, status)) => match wo_index.get(&id) {
                        Some(&i) => match data.work_orders.get_mut(i) {
                            Some(row)
                                if row.value.output_item == output
                                    && row.value.status == status =>
                            {
                                row.value.bom.push(line);
                            }
                            _ => problems.push(f.problem(
                                "output_item",
                                format!(
                                    "rows of work order {id} disagree on output_item or status"
                                ),
                            )),
                        },
                        None => {
                            wo_index.insert(id.clone(), data.work_orders.len());
                            push_row(
                                &mut data.work_orders,
                                &mut problems,
                                &f,
                                Ok(WorkOrder {
                                    id,
                                    output_item: output,
                                    bom: vec![line],
                                    status,
                                    issued: BTreeMap::new(),
                                    issued_lots: Vec::new(),
                                }),
                            );
                        }
                    },
                }
            }
            Kind::Shipments => {
                let r = (|| {
                    Ok((
                        f.str_req("id")?,
                        f.str_req("customer")?,
                        shipment_line_of(&f, "item", "qty")?,
                    ))
                })();
                match r {
                    Err(p) => problems.push(p),
                    Ok((id, customer, line)) => match ship_index.get(&id) {
                        Some(&i) => match data.shipments.get_mut(i) {
                            Some(row) if row.value.customer == customer => {
                                row.value.lines.push(line)
                            }
                            _ => problems.push(f.problem(
                                "customer",
                                format!("rows of shipment {id} disagree on customer"),
                            )),
                        },
                        None => {
                            ship_index.insert(id.clone(), data.shipments.len());
                            push_row(
                                &mut data.shipments,
                                &mut problems,
                                &f,
                                Ok(Shipment {
                                    id,
                                    customer,
                                    lines: vec![line],
                                    shipped: Vec::new(),
                                }),
                            );
                        }
                    },
                }
            }
        }
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    finish(data, problems)
}
