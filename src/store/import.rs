//! Master data import into the store: [`load`] reads a JSON or CSV file and
//! parses it with the pure [`crate::masterdata`] parser;
//! [`crate::store::Store::import`] then checks references against the store
//! ([`check_references`]) and writes everything in one write transaction,
//! so an error applies nothing. Formats: `docs/import.md`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::clock::Anchor;
pub use crate::masterdata::{
    ImportError, ImportSummary, Kind, MAX_PROBLEMS, MasterData, Origin, Problem, Row, parse_csv,
    parse_json,
};
use crate::store::StoreError;

/// Load a `.json` or `.csv` file (`kind` only for CSV; guessed from the
/// header when `None`). Relative dates (`today`, `+25d`, `-3d`) are
/// resolved against `anchor`, the day and instant of the import.
pub fn load(path: &Path, kind: Option<Kind>, anchor: &Anchor) -> Result<MasterData, ImportError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ImportError::one(&name, None, None, format!("cannot read: {e}")))?;
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => parse_json(&name, &text, anchor),
        Some("csv") => parse_csv(&name, &text, kind, anchor),
        _ => Err(ImportError::one(
            &name,
            None,
            None,
            "unknown file type: use a .json or .csv file",
        )),
    }
}

// ---------------------------------------------------------------- references

/// What a reference points to, for the store lookup in [`check_references`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefKind<'a> {
    Item,
    Location,
    /// A lot of the given item.
    Lot(&'a str),
}

fn problem_at(o: &Origin, field: &str, message: String) -> Problem {
    Problem {
        file: o.file.clone(),
        line: Some(o.line),
        field: Some(field.to_owned()),
        message,
    }
}

/// Check duplicates and that every reference names a row of `data` or of the
/// store (`exists`). Any problem refuses the whole import.
pub(crate) fn check_references(
    data: &MasterData,
    mut exists: impl FnMut(RefKind<'_>, &str) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    let mut problems = Vec::new();
    let mut items = BTreeSet::new();
    for r in &data.items {
        if !items.insert(r.value.code.0.as_str()) {
            problems.push(problem_at(
                &r.origin,
                "code",
                format!("item {} appears twice", r.value.code.0),
            ));
        }
    }
    let mut locs = BTreeSet::new();
    for r in &data.locations {
        if !locs.insert(r.value.code.0.as_str()) {
            problems.push(problem_at(
                &r.origin,
                "code",
                format!("location {} appears twice", r.value.code.0),
            ));
        }
    }
    let mut lots = BTreeSet::new();
    for r in &data.lots {
        if !lots.insert((r.value.key.item.0.as_str(), r.value.key.lot.0.as_str())) {
            problems.push(problem_at(
                &r.origin,
                "lot",
                format!("lot {} appears twice", r.value.key),
            ));
        }
    }
    let mut item_known = |code: &str| -> Result<bool, StoreError> {
        Ok(items.contains(code) || exists(RefKind::Item, code)?)
    };
    let mut unknown_items = Vec::new();
    for r in &data.lots {
        if !item_known(&r.value.key.item.0)? {
            unknown_items.push((r.origin.clone(), "item", r.value.key.item.0.clone()));
        }
    }
    for r in &data.work_orders {
        if !item_known(&r.value.output_item.0)? {
            unknown_items.push((
                r.origin.clone(),
                "output_item",
                r.value.output_item.0.clone(),
            ));
        }
        for b in &r.value.bom {
            if !item_known(&b.item.0)? {
                unknown_items.push((r.origin.clone(), "bom", b.item.0.clone()));
            }
        }
    }
    for r in &data.shipments {
        for l in &r.value.lines {
            if !item_known(&l.item.0)? {
                unknown_items.push((r.origin.clone(), "lines", l.item.0.clone()));
            }
        }
    }
    for (o, field, code) in unknown_items {
        problems.push(problem_at(
            &o,
            field,
            format!("unknown item {code}: add it to the items or import it first"),
        ));
    }
    let mut wo_ids = BTreeSet::new();
    for r in &data.work_orders {
        if !wo_ids.insert(r.value.id.as_str()) {
            problems.push(problem_at(
                &r.origin,
                "id",
                format!("work order {} appears twice", r.value.id),
            ));
        }
    }
    let mut ship_ids = BTreeSet::new();
    for r in &data.shipments {
        if !ship_ids.insert(r.value.id.as_str()) {
            problems.push(problem_at(
                &r.origin,
                "id",
                format!("shipment {} appears twice", r.value.id),
            ));
        }
    }
    for r in &data.lots {
        for loc in r.value.on_hand.keys() {
            if !locs.contains(loc.0.as_str()) && !exists(RefKind::Location, &loc.0)? {
                problems.push(problem_at(
                    &r.origin,
                    "on_hand",
                    format!("unknown location {}: add it to the locations", loc.0),
                ));
            }
        }
        for p in &r.value.parents {
            if !lots.contains(&(p.item.0.as_str(), p.lot.0.as_str()))
                && !exists(RefKind::Lot(&p.item.0), &p.lot.0)?
            {
                problems.push(problem_at(
                    &r.origin,
                    "parents",
                    format!("unknown parent lot {p}"),
                ));
            }
        }
    }
    problems.truncate(MAX_PROBLEMS);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Import(ImportError { problems }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_type_error_names_the_file_the_line_of_the_field_and_what_is_allowed() {
        let text = "{\n  \"items\": [\n    {\"code\": \"09506000134352\", \"description\": \"Oats\", \"unit\": \"kg\"},\n    {\n      \"code\": \"09506000134353\",\n      \"description\": \"Milk\",\n      \"unit\": \"l\"\n    }\n  ],\n  \"lots\": [\n    {\"item\": \"09506000134352\",\n     \"lot\": \"A1\",\n     \"status\": \"quarantined\"}\n  ]\n}\n";
        let err = parse_json("demo.json", text, &crate::clock::anchor_for_tests()).unwrap_err();
        assert_eq!(err.problems.len(), 2, "{err}");
        let p = &err.problems[0];
        assert_eq!(p.line, Some(5));
        assert_eq!(p.field.as_deref(), Some("code"));
        assert!(p.message.contains("check digit"), "{p}");
        let p = &err.problems[1];
        assert_eq!((p.line, p.field.as_deref()), (Some(13), Some("status")));
        assert!(
            p.message.contains("allowed are released, quarantine"),
            "{p}"
        );
        assert!(
            err.to_string().contains("demo.json:13: field `status`"),
            "{err}"
        );
    }

    #[test]
    fn relative_dates_resolve_against_the_anchor_and_bad_ones_say_what_is_allowed() {
        let anchor = crate::clock::anchor_for_tests(); // 2026-03-14T09:00:00Z
        let text = "item,lot,production_date,expiry_date,received_at\n\
                    09506000134352,A1,-63d,+292d,-58d\n09506000134352,A2,today,2027-01-08,\n";
        let d = parse_csv("lots.csv", text, None, &anchor).unwrap();
        let (a1, a2) = (&d.lots[0].value, &d.lots[1].value);
        assert_eq!(a1.production_date, Some(jiff::civil::date(2026, 1, 10)));
        assert_eq!(a1.expiry_date, Some(jiff::civil::date(2026, 12, 31)));
        assert_eq!(
            a1.received_at,
            Some("2026-01-15T09:00:00Z".parse().unwrap())
        );
        assert_eq!(a2.production_date, Some(anchor.today));
        assert_eq!(a2.expiry_date, Some(jiff::civil::date(2027, 1, 8)));
        let text = "item,lot,expiry_date,received_at\n\
                    09506000134352,A1,soon,\n09506000134352,A2,,-3w\n";
        let err = parse_csv("lots.csv", text, None, &anchor).unwrap_err();
        let msgs: Vec<&str> = err.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "`soon` is not a date: use YYYY-MM-DD, e.g. 2026-12-31, or days from the \
                 import's day, e.g. today, +25d or -3d",
                "`-3w` is not an instant: use RFC 3339, e.g. 2026-03-01T08:00:00Z, or days \
                 from the import, e.g. -3d",
            ]
        );
    }

    #[test]
    fn csv_kind_comes_from_the_header_and_bad_quantities_name_the_line() {
        let text = "code,description,unit\n09506000134352,Oats,kg\n";
        let d = parse_csv("items.csv", text, None, &crate::clock::anchor_for_tests()).unwrap();
        assert_eq!(d.items.len(), 1);
        let text = "item,lot,on_hand\n09506000134352,A1,DOCK=12\n09506000134352,A2,DOCK=1.2345\n";
        let err = parse_csv("lots.csv", text, None, &crate::clock::anchor_for_tests()).unwrap_err();
        let p = &err.problems[0];
        assert_eq!((p.line, p.field.as_deref()), (Some(3), Some("on_hand")));
        assert!(p.message.contains("at most 3 decimals"));
    }

    #[test]
    fn csv_work_order_rows_with_one_id_form_one_bom() {
        let text = "id,output_item,bom_item,bom_qty\nWO1,P,A,10\nWO1,P,B,2.5\n";
        let d = parse_csv("wo.csv", text, None, &crate::clock::anchor_for_tests()).unwrap();
        assert_eq!(d.work_orders.len(), 1);
        assert_eq!(d.work_orders[0].value.bom.len(), 2);
    }

    #[test]
    fn references_to_rows_nowhere_are_refused_with_their_place() {
        let text = "{\"lots\": [{\"item\": \"X\", \"lot\": \"1\", \"on_hand\": {\"NOWHERE\": 1}}]}";
        let d = parse_json("f.json", text, &crate::clock::anchor_for_tests()).unwrap();
        let err = check_references(&d, |_, _| Ok(false)).unwrap_err();
        let StoreError::Import(e) = err else { panic!() };
        assert_eq!(e.problems.len(), 2);
        assert_eq!(e.problems[0].field.as_deref(), Some("item"));
        assert_eq!(e.problems[1].field.as_deref(), Some("on_hand"));
    }
}
