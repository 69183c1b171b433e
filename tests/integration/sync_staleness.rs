//! Issue 6, staleness budget: the real station (`lotstation run`, scans on
//! stdin) whose status lane was never pulled refuses a ship until a
//! supervisor overrides it, lets other moves through, and ships without a
//! supervisor once `lotstation central` answered and the lane is fresh.

use std::path::Path;
use std::time::Duration;

use crate::central_util::{Central, free_port, sent, wait_until};
use crate::sync::{HONEY_LOT, LONG, Station, config, receipt};

/// The sync tests' master data with a shipment of honey.
fn master_with_shipment(dir: &Path) {
    std::fs::write(
        dir.join("master.json"),
        r#"{
  "items": [{"code": "09506000134376", "description": "Acacia honey", "unit": "kg", "fefo": "off"}],
  "locations": [
    {"code": "DOCK", "accepts": ["released", "quarantine"]},
    {"code": "A-01"},
    {"code": "LINE-1"}
  ],
  "lots": [{"item": "09506000134376", "lot": "HON-7", "status": "released",
            "expiry_date": "+1300d", "on_hand": {"A-01": "100000"}}],
  "shipments": [{"id": "SH-1", "customer": "C-9",
                 "lines": [{"item": "09506000134376", "qty": "50"}]}]
}"#,
    )
    .unwrap();
}

const STALE: &str =
    "Holds and recalls not synced ever (budget 1h 0m): a supervisor must confirm this ship";

#[test]
fn a_station_never_synced_needs_a_supervisor_to_ship_but_not_to_receive_and_ships_alone_once_the_status_lane_is_pulled()
 {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let cfg = config(
        d,
        "ship-1",
        "receive",
        &format!("http://127.0.0.1:{port}"),
        "staleness_budget_secs = 3600\nstaleness_moves = [\"ship\"]",
    );
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "operator = \"OP-1\"",
        "operator = \"OP-1\"\nsupervisors = [\"OP-SUP1\"]",
    );
    std::fs::write(&cfg, text).unwrap();
    master_with_shipment(d);

    // The central is down: the status lane was never pulled.
    let mut station = Station::start(&cfg);
    let wait_for = |station: &Station, what: &str, n: usize, text: &str| {
        wait_until(LONG, what, || {
            station.lines().iter().filter(|l| l.contains(text)).count() >= n
        });
    };
    // A receipt is not in staleness_moves: recorded without a supervisor.
    station.scan(&receipt());
    wait_for(&station, "the receipt", 1, "ACCEPTED  receive");
    // The ship is refused with the reason, for a supervisor.
    station.scan("CMD:SHIP");
    station.scan("SH-1");
    station.scan(HONEY_LOT);
    wait_for(&station, "the refused ship", 1, STALE);
    // No supervisor badge: the override is refused.
    station.scan("CMD:OVERRIDE");
    wait_for(
        &station,
        "the refused override",
        1,
        "OVERRIDE: a supervisor must scan their badge first",
    );
    // A supervisor's badge, then the override: the ship is recorded with
    // the supervisor's name.
    station.scan("OP-SUP1");
    station.scan("CMD:OVERRIDE");
    wait_for(&station, "the override", 1, "OVERRIDE  by OP-SUP1");
    // The override counted for that one ship: the next is refused again.
    station.scan(HONEY_LOT);
    wait_for(&station, "the second refusal", 3, STALE);
    let lines = station.lines();
    let stale: Vec<&String> = lines.iter().filter(|l| l.contains(STALE)).collect();
    assert_eq!(stale.len(), 3, "{lines:#?}");
    assert_eq!(station.count("REJECTED  ship"), 2, "{lines:#?}");
    assert_eq!(station.count("ACCEPTED  ship"), 0, "{lines:#?}");

    // The central comes up; once the status lane is pulled, the same ship
    // passes with no supervisor (the last badge was used by the override).
    let central = Central::start(&format!("127.0.0.1:{port}"), &d.join("central"), &[]);
    wait_until(
        Duration::from_secs(60),
        "a ship without a supervisor after the pull",
        || {
            station.scan(HONEY_LOT);
            std::thread::sleep(Duration::from_millis(150));
            station.count("ACCEPTED  ship") > 0
        },
    );
    let refusals = station.count("REJECTED  ship");
    let acked = station.acked().len();
    station.scan(HONEY_LOT);
    wait_until(LONG, "the next ship", || station.acked().len() > acked);
    assert_eq!(station.count("REJECTED  ship"), refusals);
    assert_eq!(station.count("ACCEPTED  ship"), 2);
    let acked = station.acked();
    let (out, _) = station.finish_output();

    // The central holds the receipt, the overridden ship and the fresh ones,
    // the override naming the supervisor and the reason it was needed.
    wait_until(LONG, "delivery", || sent(&central.url, "ship-1").len() >= 4);
    let txs = sent(&central.url, "ship-1");
    let kinds: Vec<&str> = txs
        .iter()
        .map(|t| t["transaction"]["move"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["receive", "ship", "ship", "ship"], "{out:#?}");
    assert_eq!(
        txs.len(),
        acked.len() + 1,
        "the override line is a record too"
    );
    let overridden = &txs[1]["transaction"];
    assert_eq!(overridden["override_by"]["by"], "OP-SUP1", "{overridden}");
    let reasons = overridden["verdict"]["reasons"].to_string();
    assert!(
        reasons.contains("SUPERVISOR_REQUIRED") && reasons.contains(STALE),
        "{reasons}"
    );
    for t in &txs[2..] {
        assert!(t["transaction"]["override_by"].is_null(), "{t}");
        let know = &t["transaction"]["knowledge"];
        assert!(
            know.is_object(),
            "a fresh ship records what the station knew: {t}"
        );
    }
}
