//! The API through its router (tower `oneshot`, no socket), over a real
//! station task and a real redb store seeded with the demo master data.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use tower::ServiceExt;

use super::*;
use crate::clock::Clock;
use crate::events::StationEvent;
use crate::source::status::DeviceState;
use crate::station::Station;

const OATS_QUARANTINED: &[u8] = b"]C10109506000134352172702281024-0912\x1d3103025000";
const TOKEN: &str = "test-token-0123456789";
/// The day these tests run on, whatever the machine's date: the labels
/// above carry fixed dates (the demo data's dates count from this day).
const TEST_DAY: &str = "2026-03-14T09:00:00Z";

struct Bench {
    _dir: tempfile::TempDir,
    app: Router,
    state: ApiState,
    /// The "scanner": a configured source's frame sender.
    scanner: mpsc::Sender<Frame>,
    events: broadcast::Receiver<StationEvent>,
    store: Store,
    devices: Devices,
    signers: std::path::PathBuf,
    seq: u64,
    /// The station's clock: the test's day, whatever day it runs.
    clock: Clock,
}

async fn bench(api: &str) -> Bench {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = format!(
        "[station]\nid = \"kiosk-test\"\nmode = \"issue\"\noperator = \"OP-0001\"\n\
         receive_location = \"DOCK\"\nproduction_location = \"LINE-1\"\n\
         [store]\npath = {:?}\n\
         [lots.canonical.default]\nstrip_prefixes = [\"LOT-\"]\nuppercase = true\n\
         [[sources]]\nname = \"scanner\"\nkind = \"stdin\"\n\
         [api]\nsigners_path = \"signers.json\"\n{api}",
        dir.path().join("station.redb"),
    );
    let config = Arc::new(Config::from_str(&text, dir.path().join("station.toml")).unwrap());
    let store = Store::open(&config.store.path, config.store.tuning).unwrap();
    let clock = Clock::starting_at(TEST_DAY.parse().unwrap());
    let anchor = crate::clock::Anchor::at(clock.now(), &config.station.timezone);
    let master =
        crate::store::import::load(&root.join("config/demo-data/master.json"), None, &anchor)
            .unwrap();
    store.import(master).await.unwrap();

    let events = Events::new();
    let devices = Devices::new(clock.clone());
    devices
        .register(Arc::from("scanner"))
        .set(DeviceState::Connected {
            detail: "test".into(),
        });
    let (scanner, rx) = mpsc::channel(16);
    let station = Station::new(
        crate::daemon::station_settings(&config),
        config.station.mode,
    );
    let mut task = crate::daemon::task_for_tests(
        config.clone(),
        store.clone(),
        station,
        events.clone(),
        clock.clone(),
    );
    let control = task.control_channel();
    let view = task.view_watch();
    tokio::spawn(task.run(rx, None));
    let cancel = CancellationToken::new();
    let state = ApiState::new(ApiParts {
        config: config.clone(),
        store: store.clone(),
        events: events.clone(),
        devices: devices.clone(),
        view,
        control,
        frames: scanner.downgrade(),
        cancel,
        clock: clock.clone(),
    });
    Bench {
        app: router(state.clone()),
        signers: config.api.signers_path.clone(),
        _dir: dir,
        state,
        scanner,
        events: events.subscribe(),
        store,
        devices,
        seq: 0,
        clock,
    }
}

impl Bench {
    async fn call(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let r = self.app.clone().oneshot(req).await.unwrap();
        let (parts, body) = r.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        (parts.status, parts.headers, bytes.to_vec())
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let req = Request::get(path)
            .header(header::HOST, "127.0.0.1:8370")
            .body(Body::empty())
            .unwrap();
        let (s, _, b) = self.call(req).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let req = Request::post(path)
            .header(header::HOST, "127.0.0.1:8370")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (s, _, b) = self.call(req).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    async fn scan(&mut self, bytes: &[u8]) {
        self.seq += 1;
        self.scanner
            .send(Frame {
                source: Arc::from("scanner"),
                bytes: bytes.to_vec(),
                assume_symbology: None,
                at: self.clock.now(),
                seq: self.seq,
            })
            .await
            .unwrap();
    }

    /// The next verdict on the bus (skipping prompts and the like).
    async fn verdict(&mut self) -> Box<crate::events::VerdictEvent> {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if let StationEvent::Verdict(v) = self.events.recv().await.unwrap() {
                    return v;
                }
            }
        })
        .await
        .expect("a verdict within 10 s")
    }

    /// Wait until the station's view satisfies `f`.
    async fn view_until(&self, f: impl Fn(&crate::events::control::StationView) -> bool) {
        let mut rx = self.state.inner.view.clone();
        tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|v| f(v)))
            .await
            .expect("view within 10 s")
            .unwrap();
    }

    /// Work order WO-1001, then the quarantined oat lot: refused.
    async fn refuse_one(&mut self) {
        self.scan(b"]C0WO-1001").await;
        self.scan(OATS_QUARANTINED).await;
        let v = self.verdict().await;
        assert_eq!(v.outcome, crate::model::Outcome::Rejected);
        self.view_until(|v| v.latched.is_some() && v.overridable.is_some())
            .await;
    }
}

#[tokio::test]
async fn status_shows_mode_step_devices_and_outbox() {
    let b = bench("").await;
    let (s, v) = b.get("/api/status").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["station"], "kiosk-test");
    assert_eq!(v["mode"], "issue");
    assert_eq!(v["expecting"], "scan a work order");
    assert_eq!(v["operator"], "OP-0001");
    assert_eq!(v["latched"], Value::Null);
    assert_eq!(v["modes"].as_array().unwrap().len(), 10);
    assert_eq!(v["devices"][0]["name"], "scanner");
    assert_eq!(v["devices"][0]["state"], "connected");
    assert_eq!(v["sync"]["outbox"], 0);
    assert_eq!(v["sync"]["online"], Value::Null, "no exchange yet");
}

#[tokio::test]
async fn a_refusal_latches_until_acknowledged_and_is_listed_as_an_exception() {
    let mut b = bench("").await;
    b.refuse_one().await;
    let (_, st) = b.get("/api/status").await;
    assert_eq!(st["latched"]["codes"][0], "LOT_QUARANTINED");
    assert_eq!(st["latched"]["text"], "Lot 24-0912 is in quarantine");
    assert_eq!(st["expecting"], "scan lots for WO-1001");
    let (_, ex) = b.get("/api/exceptions").await;
    assert_eq!(ex["overridable"]["kind"], "issue");
    assert_eq!(ex["latched"]["count"], 1);

    // A good scan afterwards does not clear it: only an acknowledgement does.
    b.scan(b"]C10109506000134352172612311024-0847\x1d3103025000")
        .await;
    assert_eq!(b.verdict().await.outcome, crate::model::Outcome::Accepted);
    let (_, st) = b.get("/api/status").await;
    assert_eq!(st["latched"]["codes"][0], "LOT_QUARANTINED", "{st}");

    let (s, a) = b.post("/api/ack", json!({})).await;
    assert_eq!(
        (s, a["acknowledged"].clone()),
        (StatusCode::OK, json!(true))
    );
    let (_, st) = b.get("/api/status").await;
    assert_eq!(st["latched"], Value::Null);
    let (_, a) = b.post("/api/ack", json!({})).await;
    assert_eq!(a["acknowledged"], false, "nothing left to acknowledge");

    // Scanning the acknowledgement code works the same way.
    b.scan(OATS_QUARANTINED).await;
    b.verdict().await;
    b.view_until(|v| v.latched.is_some()).await;
    b.scan(b"]C0CMD:ACK").await;
    b.view_until(|v| v.latched.is_none()).await;

    let (_, list) = b.get("/api/verdicts?limit=2").await;
    let list = list["verdicts"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["outcome"], "rejected", "newest first");
    assert_eq!(list[1]["outcome"], "accepted");
    assert_eq!(list[1]["recorded"]["seq"], 1);
}

#[tokio::test]
async fn a_typed_scan_takes_the_scanner_path_as_source_kiosk() {
    let mut b = bench("").await;
    let (s, r) = b.post("/api/scan", json!({"text": "WO-1001"})).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{r}");
    assert_eq!(r, json!({"source": "kiosk", "seq": 1}));
    b.view_until(|v| v.expecting == "scan lots for WO-1001")
        .await;
    let (s, _) = b
        .post(
            "/api/scan",
            json!({"text": "(01)09506000134352(17)261231(10)24-0847(3103)025000"}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let v = b.verdict().await;
    assert_eq!(v.outcome, crate::model::Outcome::Accepted, "{}", v.line);
    assert_eq!(v.source.as_deref(), Some("kiosk"));
    let tx = b
        .store
        .snapshot()
        .unwrap()
        .transaction(v.recorded.unwrap().id)
        .unwrap()
        .unwrap();
    assert_eq!(tx.mv.scans.last().unwrap().source, "kiosk");
}

#[tokio::test]
async fn bad_inputs_get_clear_errors() {
    let b = bench("").await;
    for (body, status, want) in [
        (
            json!({"text": "   "}),
            StatusCode::BAD_REQUEST,
            "the scan is empty",
        ),
        (
            json!({"text": "WO-1\nWO-2"}),
            StatusCode::BAD_REQUEST,
            "control character 0x0A",
        ),
        (
            json!({"text": "x".repeat(9000)}),
            StatusCode::BAD_REQUEST,
            "more than the 8192 allowed",
        ),
        (
            json!({"text": "WO-1", "extra": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown field `extra`",
        ),
        (
            json!({}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing field `text`",
        ),
    ] {
        let (s, e) = b.post("/api/scan", body.clone()).await;
        assert_eq!(s, status, "{body} -> {e}");
        assert!(e["error"].as_str().unwrap().contains(want), "{e}");
    }
    let (s, e) = b.post("/api/mode", json!({"mode": "fly"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("expected one of receive"),
        "{e}"
    );

    // Not JSON: refused before anything happens (a cross-site form cannot send JSON).
    let req = Request::post("/api/scan")
        .header(header::HOST, "127.0.0.1")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("text=WO-1"))
        .unwrap();
    let (s, _, e) = b.call(req).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(String::from_utf8_lossy(&e).contains("Content-Type: application/json"));

    // Bodies are bounded.
    let big = json!({"text": "x".repeat(MAX_BODY_BYTES)});
    let (s, e) = b.post("/api/scan", big).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{e}");

    let (s, e) = b.get("/api/lot?item=09506000134352").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        e["hint"].as_str().unwrap().contains("?item=GTIN&lot=LOT"),
        "{e}"
    );
    let (s, _) = b.get("/api/lot?item=1&lot=2&colour=red").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, e) = b.get("/api/nowhere").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(e["hint"].as_str().unwrap().contains("/api/"));
}

#[tokio::test]
async fn the_mode_switches_from_the_kiosk() {
    let b = bench("").await;
    let (s, r) = b.post("/api/mode", json!({"mode": "ship"})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r, json!({"mode": "ship", "expecting": "scan a shipment"}));
    let (_, st) = b.get("/api/status").await;
    assert_eq!(st["mode"], "ship");
}

#[tokio::test]
async fn lots_can_be_looked_up_and_traced() {
    let b = bench("").await;
    let (s, l) = b.get("/api/lot?item=09506000134352&lot=24-0847").await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(l["lot"]["status"], "released");
    assert_eq!(l["history"], json!([]));
    let (s, l) = b.get("/api/lot?code=(01)09506000134352(10)24-0912").await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(l["lot"]["status"], "quarantine");
    let (s, e) = b.get("/api/lot?code=09506000134352/99-9999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("not in the station's store")
    );

    let (s, t) = b
        .get("/api/trace?item=09506000134352&lot=24-0847&direction=forward")
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["direction"], "forward");
    assert_eq!(t["lots"], json!([]));
    let (s, e) = b
        .get("/api/trace?item=09506000134352&lot=24-0847&direction=sideways")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(e["hint"].as_str().unwrap().contains("backward"));
}

#[tokio::test]
async fn a_signed_override_records_the_refused_move_with_name_time_and_meaning() {
    let mut b = bench("").await;
    crate::signers::add(&b.signers, "OP-SUP1", "Dana Smith", "482913", b.clock.now()).unwrap();

    let body = json!({"user": "OP-SUP1", "pin": "482913", "reason": "inspected, CoA on file"});
    let (s, e) = b.post("/api/override", body.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "nothing refused yet: {e}");

    b.refuse_one().await;
    let wrong = json!({"user": "OP-SUP1", "pin": "000000", "reason": "inspected"});
    let (s, e) = b.post("/api/override", wrong.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(e["error"], "user id or PIN not accepted");
    let (s, e) = b
        .post(
            "/api/override",
            json!({"user": "OP-SUP1", "pin": "482913", "reason": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(e["error"].as_str().unwrap().contains("reason"), "{e}");

    let (s, r) = b.post("/api/override", body).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["signed_by"], "Dana Smith");
    let v = b.verdict().await;
    assert_eq!(v.override_by.as_deref(), Some("OP-SUP1"));
    let id: crate::model::TxId = serde_json::from_value(r["recorded"]["id"].clone()).unwrap();
    let tx = b
        .store
        .snapshot()
        .unwrap()
        .transaction(id)
        .unwrap()
        .unwrap();
    let o = tx.override_by.unwrap();
    assert_eq!(o.why, "inspected, CoA on file");
    let sig = o.signature.unwrap();
    assert_eq!(sig.user, "OP-SUP1");
    assert_eq!(sig.printed_name, "Dana Smith");
    assert!(
        sig.meaning
            .starts_with("approval: record the issue refused by the station (LOT_QUARANTINED"),
        "{}",
        sig.meaning
    );
    assert!(!serde_json::to_string(&tx.mv).unwrap().contains("482913"));
    assert!(
        b.store.verify().unwrap().is_ok(),
        "the audit chain covers it"
    );
    let (_, st) = b.get("/api/status").await;
    assert_eq!(
        st["latched"],
        Value::Null,
        "the override deals with the refusal"
    );
    assert_eq!(st["overridable"], Value::Null);
}

#[tokio::test]
async fn repeated_wrong_pins_lock_the_user_id() {
    let mut b = bench("").await;
    crate::signers::add(&b.signers, "OP-SUP1", "Dana Smith", "482913", b.clock.now()).unwrap();
    b.refuse_one().await;
    let wrong = json!({"user": "OP-SUP1", "pin": "111111", "reason": "inspected"});
    for _ in 0..crate::signers::MAX_FAILURES {
        assert_eq!(
            b.post("/api/override", wrong.clone()).await.0,
            StatusCode::FORBIDDEN
        );
    }
    let right = json!({"user": "OP-SUP1", "pin": "482913", "reason": "inspected"});
    let (s, e) = b.post("/api/override", right).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e}");
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("too many failed attempts")
    );
}

#[tokio::test]
async fn a_token_guards_everything_but_the_page() {
    let b = bench(&format!("listen = \"0.0.0.0:0\"\ntoken = \"{TOKEN}\"\n")).await;
    let get = |auth: Option<&str>, path: &str| {
        let mut r = Request::get(path).header(header::HOST, "kiosk.plant.example");
        if let Some(a) = auth {
            r = r.header(header::AUTHORIZATION, a);
        }
        r.body(Body::empty()).unwrap()
    };
    for path in ["/api/status", "/api/events", "/metrics", "/healthz"] {
        let (s, h, _) = b.call(get(None, path)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(h[header::WWW_AUTHENTICATE], "Bearer");
        let (s, _, _) = b
            .call(get(Some("Bearer wrong-token-0123456789"), path))
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{path}");
    }
    let (s, _, _) = b
        .call(get(Some(&format!("Bearer {TOKEN}")), "/api/status"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, page) = b.call(get(None, "/")).await;
    assert_eq!(s, StatusCode::OK, "the page itself carries no data");
    assert!(String::from_utf8_lossy(&page).contains("/assets/kiosk.js"));
}

#[tokio::test]
async fn without_a_token_only_local_host_names_are_served() {
    let b = bench("").await;
    for (host, ok) in [
        ("127.0.0.1:8370", true),
        ("localhost:8370", true),
        ("[::1]:8370", true),
        ("10.1.2.3", true),
        ("rebind.attacker.example:8370", false),
        ("", false),
    ] {
        let req = Request::get("/api/status")
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap();
        let (s, _, _) = b.call(req).await;
        assert_eq!(s == StatusCode::OK, ok, "{host}: {s}");
    }
}

#[tokio::test]
async fn health_reports_the_writer_and_the_sources() {
    let b = bench("").await;
    let (s, h) = b.get("/healthz").await;
    assert_eq!(
        (s, h["status"].clone()),
        (StatusCode::OK, json!("ok")),
        "{h}"
    );
    assert_eq!(h["store"], "ok");
    b.devices
        .register(Arc::from("portal"))
        .set(DeviceState::Disconnected {
            reason: "reader rebooted".into(),
        });
    let (s, h) = b.get("/healthz").await;
    assert_eq!(
        (s, h["status"].clone()),
        (StatusCode::OK, json!("degraded"))
    );
    let (_, ex) = b.get("/api/exceptions").await;
    assert_eq!(ex["devices_down"][0]["name"], "portal");
    assert_eq!(ex["devices_down"][0]["reason"], "reader rebooted");
}

#[tokio::test]
async fn transactions_central_rejected_or_flagged_are_listed_for_a_person() {
    let mut b = bench("").await;
    let (_, s) = b.get("/api/status").await;
    assert_eq!(s["sync"]["exceptions"], 0);
    let (_, ex) = b.get("/api/exceptions").await;
    assert_eq!(ex["sync_exceptions"], json!([]));
    // Two accepted moves, then the central server's answer to their push:
    // the first rejected (parked), the second accepted but flagged.
    b.scan(b"]C0WO-1001").await;
    for qty in ["001000", "002000"] {
        b.scan(format!("]C10109506000134352172612311024-0847\x1d3103{qty}").as_bytes())
            .await;
        let v = b.verdict().await;
        assert_eq!(v.outcome, crate::model::Outcome::Accepted, "{v:?}");
    }
    let pending = b.store.snapshot().unwrap().outbox_pending(10).unwrap();
    assert_eq!(pending.len(), 2, "{pending:?}");
    let exception = |e: &crate::store::OutboxEntry, kind, code: &str, case: Option<&str>| {
        crate::store::SyncException {
            id: e.tx.id,
            seq: e.tx.seq,
            kind,
            code: code.into(),
            message: format!("{code} from central"),
            case_ref: case.map(Into::into),
            station_knew: None,
            at: b.clock.now(),
        }
    };
    use crate::store::ExceptionKind;
    b.store
        .apply_push(crate::store::sync::PushOutcome {
            synced: vec![pending[1].tx.id],
            exceptions: vec![
                exception(&pending[0], ExceptionKind::Rejected, "UNKNOWN_ITEM", None),
                exception(
                    &pending[1],
                    ExceptionKind::Flagged,
                    "LOT_HELD_CENTRALLY",
                    Some("CASE-7"),
                ),
            ],
            state: b.store.snapshot().unwrap().sync_state().unwrap(),
        })
        .await
        .unwrap();
    let (_, s) = b.get("/api/status").await;
    assert_eq!(s["sync"]["exceptions"], 2, "{s}");
    let (_, ex) = b.get("/api/exceptions").await;
    let list = ex["sync_exceptions"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{ex}");
    assert_eq!(list[0]["kind"], "rejected");
    assert_eq!(list[0]["code"], "UNKNOWN_ITEM");
    assert_eq!(list[0]["seq"], pending[0].tx.seq);
    assert_eq!(list[1]["kind"], "flagged");
    assert_eq!(list[1]["case_ref"], "CASE-7");
}

#[tokio::test]
async fn metrics_are_rendered_in_prometheus_text() {
    let mut b = bench("").await;
    assert!(metrics::install().is_some());
    b.scan(b"]C0WO-1001").await;
    b.scan(b"]C10109506000134352172612311024-0847\x1d3103025000")
        .await;
    b.verdict().await;
    b.scan(b"]C1garbage").await;
    b.verdict().await;
    let req = Request::get("/metrics")
        .header(header::HOST, "127.0.0.1")
        .body(Body::empty())
        .unwrap();
    let (s, h, body) = b.call(req).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = String::from_utf8(body).unwrap();
    for want in [
        "lotstation_verdicts_total{outcome=\"accepted\",kind=\"issue\"}",
        "lotstation_decode_failures_total{kind=",
        "lotstation_commit_seconds_bucket{le=\"0.005\"}",
        "lotstation_outbox_depth ",
        "lotstation_outbox_oldest_age_seconds ",
        "lotstation_device_up{source=\"scanner\"} 1",
        "lotstation_device_state{source=\"scanner\",state=\"connected\"} 1",
        "# HELP lotstation_commit_seconds",
    ] {
        assert!(text.contains(want), "{want} missing from:\n{text}");
    }
}

#[tokio::test]
async fn the_page_is_self_contained() {
    let b = bench("").await;
    for path in ["/", "/assets/kiosk.css", "/assets/kiosk.js"] {
        let req = Request::get(path)
            .header(header::HOST, "127.0.0.1")
            .body(Body::empty())
            .unwrap();
        let (s, h, body) = b.call(req).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert!(
            h[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .starts_with("default-src 'self'")
        );
        let text = String::from_utf8(body).unwrap();
        assert!(
            !text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"),
            "{path} refers to an outside resource"
        );
    }
}

#[tokio::test]
async fn the_live_feed_starts_with_the_status_and_carries_verdicts() {
    let mut b = bench("").await;
    let req = Request::get("/api/events")
        .header(header::HOST, "127.0.0.1")
        .body(Body::empty())
        .unwrap();
    let r = b.app.clone().oneshot(req).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut body = r.into_body().into_data_stream();
    use tokio_stream::StreamExt as _;
    let mut seen = String::new();
    let mut next = async |seen: &mut String| {
        let chunk = tokio::time::timeout(Duration::from_secs(10), body.next())
            .await
            .expect("feed data within 10 s")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    };
    while !seen.contains("\"expecting\":\"scan a work order\"") {
        next(&mut seen).await;
    }
    assert!(seen.starts_with("event: status\n"), "{seen}");
    b.scan(b"]C0WO-1001").await;
    b.scan(OATS_QUARANTINED).await;
    while !seen.contains("\"type\":\"verdict\"") {
        next(&mut seen).await;
    }
    assert!(
        seen.contains("event: station\ndata: {\"type\":\"verdict\""),
        "{seen}"
    );
    assert!(seen.contains("LOT_QUARANTINED"));
}
