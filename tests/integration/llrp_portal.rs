//! The whole daemon as a dock portal: the real `lotstation run` binary, a
//! real redb store, and the fake LLRP reader playing pallets through a door.
//! An inbound pallet becomes receipts (one per lot, from SGTIN+ lot data),
//! an outbound one a shipment checked against the expected shipment, and a
//! quarantined lot is refused at the door like at a scanning station.

use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use crate::llrp_fake::{FakeReader, Script, ScriptedRead};

/// SGTIN+ cases of oats 09506000134352, serials S1 and S2 of lot L2024A
/// and S3 of lot L2024B, up to their +AIDC (17) expiry.
const PLUS_A1: &str = "F7B0950600013435282A6C4421A63260C9A41";
const PLUS_A2: &str = "F7B0950600013435282A6C8421A63260C9A41";
const PLUS_B3: &str = "F7B0950600013435282A6CC421A63260C9A42";
const SSCC: &str = "3174257BF4499602D2000000";
const OUT_1: &str = "3034257BF7194E40000003E9";
const OUT_2: &str = "3034257BF7194E40000003EA";
const QUARANTINED: &str = "3034257BF6B7A64000000001";

/// The whole tag: `body` with AI (17) = `days` from today. In +AIDC data an
/// AI code is two BCD digits (0x17) and a 6-digit date 16 bits (YY 7, MM 4,
/// DD 5); four bits of padding end these tags.
fn expiring(body: &str, days: i32) -> String {
    let d = crate::dates::yymmdd(days);
    let n = |r: std::ops::Range<usize>| d[r].parse::<u16>().unwrap();
    let bits = (n(0..2) << 9) | (n(2..4) << 5) | n(4..6);
    format!("{body}17{bits:04X}0")
}

/// Reads of `epcs` passing the door from `start_ms`: three reads each on the
/// first side's antenna, then three on the other side's, RSSI rising then
/// falling.
fn passage(start_ms: u64, epcs: &[&str], inbound: bool) -> Vec<ScriptedRead> {
    let (first, second) = if inbound { (1, 2) } else { (2, 1) };
    let mut out = Vec::new();
    for (i, e) in epcs.iter().enumerate() {
        let t = start_ms + i as u64 * 20;
        for (k, rssi) in [-6500i16, -6000, -5500].iter().enumerate() {
            out.push(ScriptedRead::new(t + k as u64 * 40, first, e, *rssi));
        }
        for (k, rssi) in [-5500i16, -6000, -6500].iter().enumerate() {
            out.push(ScriptedRead::new(t + 300 + k as u64 * 40, second, e, *rssi));
        }
    }
    out.sort_by_key(|r| r.at_ms);
    out
}

fn write_config(dir: &Path, reader: &str) -> std::path::PathBuf {
    let seed = dir.join("master.json");
    std::fs::write(
        &seed,
        r#"{
  "items": [
    {"code": "09506000134352", "description": "Oats case", "unit": "ea"},
    {"code": "80614141123458", "description": "Honey case", "unit": "ea"},
    {"code": "70614141123451", "description": "Bar case", "unit": "ea"}
  ],
  "locations": [
    {"code": "DOCK-IN", "description": "Receiving dock"},
    {"code": "DOCK-OUT", "description": "Shipping dock"}
  ],
  "lots": [
    {"item": "80614141123458", "lot": "L7", "status": "released", "on_hand": {"DOCK-OUT": "10"}},
    {"item": "70614141123451", "lot": "Q1", "status": "quarantine", "on_hand": {"DOCK-OUT": "5"}}
  ],
  "shipments": [
    {"id": "SH-1", "customer": "C1", "lines": [{"item": "80614141123458", "qty": "2"}]}
  ]
}"#,
    )
    .unwrap();
    let config = format!(
        r#"
[station]
id = "dock-station"
mode = "lookup"

[store]
path = {store:?}
seed_files = [{seed:?}]

[[sources]]
name = "dock-1-reader"
kind = "llrp"
address = "{reader}"
antennas = [1, 2]
keepalive_ms = 500

[portal]
min_reads = 2
depart_after_ms = 1000

[[portal.doors]]
name = "dock-1"
stable_set_ms = 600
receive_location = "DOCK-IN"
ship_location = "DOCK-OUT"
shipment = "SH-1"

[api]
listen = "127.0.0.1:0"
signers_path = "signers.json"

[[portal.read_points]]
name = "dock-1-outside"
reader = "dock-1-reader"
antenna = 1
door = "dock-1"
side = "outside"

[[portal.read_points]]
name = "dock-1-inside"
reader = "dock-1-reader"
antenna = 2
door = "dock-1"
side = "inside"
"#,
        store = dir.join("station.redb"),
        seed = seed,
    );
    let path = dir.join("portal.toml");
    std::fs::write(&path, config).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pallets_through_a_dock_door_become_receipts_and_a_checked_shipment_and_a_quarantined_lot_is_refused()
 {
    let (a1, a2, b3) = (
        expiring(PLUS_A1, 292),
        expiring(PLUS_A2, 292),
        expiring(PLUS_B3, 473),
    );
    let mut reads = passage(0, &[SSCC, &a1, &a2, &b3], true);
    reads.extend(passage(3000, &[OUT_1, OUT_2], false));
    reads.extend(passage(6000, &[QUARANTINED], false));
    let reader = FakeReader::start(Script {
        reads,
        ..Script::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &reader.address());
    let mut daemon = crate::kiosk_util::Daemon::start(&config);
    let rx = std::mem::replace(&mut daemon.lines, mpsc::channel().1);
    let lines = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        let mut deadline = std::time::Instant::now() + Duration::from_secs(30);
        let mut refused = false;
        while std::time::Instant::now() < deadline {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(l) => {
                    if l.starts_with("REJECTED  ship") && !refused {
                        // Its reasons follow on the next lines.
                        refused = true;
                        deadline = std::time::Instant::now() + Duration::from_secs(1);
                    }
                    lines.push(l);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        lines
    })
    .await
    .unwrap();
    // What the portal did, as Prometheus sees it.
    let (code, metrics) = crate::kiosk_util::Http::new(&daemon.base, None)
        .get("/metrics")
        .await;
    let metrics = metrics.as_str().unwrap_or_default().to_owned();
    let _ = Command::new("kill")
        .args(["-TERM", &daemon.child.id().to_string()])
        .status();
    let status = daemon.child.wait().unwrap();
    let text = lines.join("\n");
    assert!(status.success(), "{text}");
    assert_eq!(code, 200, "{metrics}");
    let reads: u64 = metrics
        .lines()
        .find(|l| l.starts_with("lotstation_llrp_tag_reads_total{source=\"dock-1-reader\"}"))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no tag read count in {metrics}"));
    // 7 tags, 3 reads on each of the two antennas.
    assert_eq!(reads, 7 * 6, "{metrics}");
    for cycle in [
        "lotstation_portal_cycles_total{door=\"dock-1\",direction=\"inbound\"} 1",
        "lotstation_portal_cycles_total{door=\"dock-1\",direction=\"outbound\"} 2",
    ] {
        assert!(metrics.contains(cycle), "{cycle} in {metrics}");
    }
    // The inbound passage: reported with its pallet, then one receipt per lot.
    assert!(
        text.contains("PORTAL dock-1: inbound (100% confidence), 4 tags"),
        "{text}"
    );
    assert!(text.contains("pallet SSCC 106141412345678908"), "{text}");
    let receipts: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("ACCEPTED  receive") || l.starts_with("WARNING   receive"))
        .collect();
    assert_eq!(receipts.len(), 2, "{text}");
    assert!(
        receipts[0].contains("09506000134352 lot L2024A 2"),
        "{text}"
    );
    assert!(
        receipts[1].contains("09506000134352 lot L2024B 1"),
        "{text}"
    );
    // The outbound passage matches SH-1 and ships lot L7 from DOCK-OUT.
    assert!(text.contains("PORTAL dock-1: outbound"), "{text}");
    assert!(text.contains("matches shipment SH-1"), "{text}");
    assert!(
        lines.iter().any(|l| l.starts_with("ACCEPTED  ship")
            && l.contains("80614141123458 lot L7 2")
            && l.contains("[SH-1]")),
        "{text}"
    );
    // The quarantined lot is refused at the door, and reported as not on the shipment.
    assert!(text.contains("EXTRA for SH-1: 70614141123451"), "{text}");
    assert!(text.contains("LOT_QUARANTINED"), "{text}");
    // The receipts are in the store.
    let o = Command::new(crate::util::bin())
        .args(["lot", "show", "--store"])
        .arg(dir.path().join("station.redb"))
        .arg("09506000134352/L2024A")
        .output()
        .unwrap();
    let lot = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && lot.contains("DOCK-IN"),
        "{lot}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
