//! Issue 6: the real station daemon (`lotstation run`, scans on stdin)
//! syncing with the real `lotstation central` over HTTP on 127.0.0.1:
//! days offline, fault switches, kill -9 during a push, central holds,
//! exceptions and `outbox retry`.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::central_util::{Central, JsonValue, free_port, runtime, sent, wait_until};

pub(crate) const HONEY: &str = "09506000134376";
/// A complete supplier label: receiving it again and again is accepted
/// (with a warning) each time.
pub(crate) fn receipt() -> String {
    format!(
        "]C1010950600013437617{}1028-0912\x1d3103020000",
        crate::dates::yymmdd(1023)
    )
}
/// A lot label of the released honey lot 28-0301, 1 kg.
pub(crate) const HONEY_LOT: &str = "]C1010950600013437610HON-7\x1d3103001000";
pub(crate) const LONG: Duration = Duration::from_secs(120);

pub(crate) fn master(dir: &Path) -> PathBuf {
    let p = dir.join("master.json");
    std::fs::write(
        &p,
        r#"{
  "items": [{"code": "09506000134376", "description": "Acacia honey", "unit": "kg", "fefo": "off"}],
  "locations": [
    {"code": "DOCK", "accepts": ["released", "quarantine"]},
    {"code": "A-01"},
    {"code": "LINE-1"}
  ],
  "lots": [{"item": "09506000134376", "lot": "HON-7", "status": "released",
            "expiry_date": "+1300d", "on_hand": {"A-01": "100000"}}],
  "work_orders": [{"id": "WO-1", "output_item": "09506000134376", "status": "released",
                   "bom": [{"item": "09506000134376", "qty": "1000000"}]}]
}"#,
    )
    .unwrap();
    p
}

/// A stdin station syncing with `url`; `extra` is appended to `[sync]`.
pub(crate) fn config(dir: &Path, id: &str, mode: &str, url: &str, extra: &str) -> PathBuf {
    let text = format!(
        r#"
[station]
id = "{id}"
mode = "{mode}"
operator = "OP-1"
receive_location = "DOCK"
production_location = "LINE-1"

[store]
path = {store:?}
seed_files = [{seed:?}]

[[sources]]
name = "keyboard"
kind = "stdin"

[log]
level = "warn"
format = "text"

[api]
listen = ""

[sync]
central_url = "{url}"
status_interval_ms = 200
master_interval_ms = 500
push_interval_ms = 500
backoff_max_ms = 400
{extra}
{timeout}
"#,
        timeout = if extra.contains("request_timeout_ms") {
            ""
        } else {
            "request_timeout_ms = 1500"
        },
        store = dir.join(format!("{id}.redb")),
        seed = master(dir),
    );
    let path = dir.join(format!("{id}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// A running `lotstation run` fed on stdin, its output lines collected.
pub(crate) struct Station {
    child: Child,
    pub(crate) stdin: Option<ChildStdin>,
    lines: Arc<Mutex<Vec<String>>>,
    /// Standard error, when captured ([`Station::start_captured`]).
    errs: Arc<Mutex<Vec<String>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

/// Collect the lines of `from` into a shared list.
fn collect(
    from: impl std::io::Read + Send + 'static,
    readers: &mut Vec<std::thread::JoinHandle<()>>,
) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    readers.push(std::thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push(line);
        }
    }));
    lines
}

impl Station {
    pub(crate) fn start(config: &Path) -> Station {
        Station::spawn(config, &[], false)
    }

    /// Start with extra environment variables, standard error captured.
    pub(crate) fn start_captured(config: &Path, env: &[(&str, &str)]) -> Station {
        Station::spawn(config, env, true)
    }

    fn spawn(config: &Path, env: &[(&str, &str)], capture: bool) -> Station {
        let mut child = Command::new(crate::util::bin())
            .args(["run", "--config", config.to_str().unwrap()])
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if capture {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .expect("start lotstation run");
        let mut readers = Vec::new();
        let lines = collect(child.stdout.take().unwrap(), &mut readers);
        let errs = match child.stderr.take() {
            Some(e) => collect(e, &mut readers),
            None => Arc::default(),
        };
        Station {
            stdin: child.stdin.take(),
            child,
            lines,
            errs,
            readers,
        }
    }

    /// Captured standard error so far.
    pub(crate) fn errs(&self) -> Vec<String> {
        self.errs.lock().unwrap().clone()
    }

    pub(crate) fn scan(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    pub(crate) fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// (seq, id) of every recorded move, in order.
    pub(crate) fn acked(&self) -> Vec<(u64, String)> {
        self.lines()
            .iter()
            .filter(|l| l.starts_with("ACCEPTED") || l.starts_with("WARNING"))
            .map(|l| {
                let first = l.lines().next().unwrap();
                let mut w = first.rsplit(' ');
                let id = w.next().unwrap().to_owned();
                let seq = w.next().unwrap().trim_start_matches('#').parse().unwrap();
                (seq, id)
            })
            .collect()
    }

    pub(crate) fn count(&self, prefix: &str) -> usize {
        self.lines()
            .iter()
            .filter(|l| l.starts_with(prefix))
            .count()
    }

    /// Close stdin and wait for a clean stop.
    pub(crate) fn finish(self) {
        self.finish_output();
    }

    /// Close stdin, wait for a clean stop and return everything it wrote:
    /// (standard output, standard error if captured).
    pub(crate) fn finish_output(mut self) -> (Vec<String>, Vec<String>) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        for r in self.readers.drain(..) {
            r.join().unwrap();
        }
        assert!(
            status.success(),
            "the station did not stop cleanly: {:#?}",
            self.errs()
        );
        (self.lines(), self.errs())
    }

    pub(crate) fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// The central holds exactly `acked`, once each, in station order.
pub(crate) fn assert_central_holds(url: &str, station: &str, acked: &[(u64, String)]) {
    let got = sent(url, station);
    let got: Vec<(u64, String)> = got
        .iter()
        .map(|t| {
            (
                t["seq"].as_u64().unwrap(),
                t["transaction"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut want = acked.to_vec();
    want.sort();
    want.dedup();
    assert_eq!(
        want.len(),
        acked.len(),
        "the station acknowledged a seq twice"
    );
    assert_eq!(
        got, want,
        "central content differs from what the station acknowledged"
    );
    let seqs: Vec<u64> = got.iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
}

fn central_count(url: &str, station: &str) -> usize {
    sent(url, station).len()
}

pub(crate) fn outbox(config_store: &Path) -> serde_json::Value {
    let o = Command::new(crate::util::bin())
        .args([
            "outbox",
            "--json",
            "--store",
            config_store.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

pub(crate) fn set_faults(url: &str, faults: serde_json::Value) {
    runtime().block_on(async {
        let r = reqwest::Client::new()
            .put(format!("{url}/v1/admin/faults"))
            .body(serde_json::to_vec(&faults).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", r.json_value().await);
    });
}

pub(crate) fn feed(station: &mut Station, n: usize, label: &str) {
    let before = station.acked().len();
    for _ in 0..n {
        station.scan(label);
    }
    wait_until(LONG, "the scans to be recorded", || {
        station.acked().len() >= before + n
    });
}

#[test]
fn an_offline_station_records_10000_scans_and_each_arrives_once_in_order_when_central_comes_up() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let cfg = config(
        dir.path(),
        "dock-1",
        "receive",
        &url,
        "batch_size = 500\nrequest_timeout_ms = 10000",
    );
    let mut station = Station::start(&cfg);
    // The central is not there: every scan is still judged and recorded.
    let label = format!("{}\n", receipt()).repeat(10_000);
    station
        .stdin
        .as_mut()
        .unwrap()
        .write_all(label.as_bytes())
        .unwrap();
    wait_until(LONG, "10,000 scans recorded offline", || {
        station.acked().len() >= 10_000
    });
    assert_eq!(station.count("ERROR"), 0);
    let central = Central::start(
        &format!("127.0.0.1:{port}"),
        &dir.path().join("central"),
        &[],
    );
    wait_until(LONG, "the backlog to arrive", || {
        central_count(&central.url, "dock-1") >= 10_000
    });
    let acked = station.acked();
    assert_eq!(acked.len(), 10_000);
    assert_central_holds(&central.url, "dock-1", &acked);
    station.finish();
    let ob = outbox(&dir.path().join("dock-1.redb"));
    assert_eq!(ob["pending"], 0, "{ob}");
    assert!(ob["sync"]["offline_since"].is_null(), "{ob}");
    assert!(ob["sync"]["last_push"].is_string(), "{ob}");
}

#[test]
fn every_fault_switch_alone_and_all_mixed_leave_central_with_exactly_the_acknowledged_transactions()
{
    let dir = tempfile::tempdir().unwrap();
    let central = Central::start(
        "127.0.0.1:0",
        &dir.path().join("central"),
        &["--fault", "retry_after_secs=1", "--fault", "slow_ms=2000"],
    );
    let cfg = config(
        dir.path(),
        "dock-2",
        "receive",
        &central.url,
        "batch_size = 7",
    );
    let mut station = Station::start(&cfg);
    let phases = [
        serde_json::json!({"http_500": 0.5, "retry_after_secs": 1, "slow_ms": 2000}),
        serde_json::json!({"http_429": 0.5, "retry_after_secs": 1, "slow_ms": 2000}),
        serde_json::json!({"slow": 0.5, "retry_after_secs": 1, "slow_ms": 2000}),
        serde_json::json!({"reset": 0.5, "retry_after_secs": 1, "slow_ms": 2000}),
        serde_json::json!({"truncate": 0.5, "retry_after_secs": 1, "slow_ms": 2000}),
        serde_json::json!({"lost_after_commit": 0.6, "retry_after_secs": 1, "slow_ms": 2000}),
        serde_json::json!({"http_500": 0.15, "http_429": 0.15, "slow": 0.1, "reset": 0.15,
                           "truncate": 0.15, "lost_after_commit": 0.2,
                           "retry_after_secs": 1, "slow_ms": 2000, "seed": 20261122}),
    ];
    for faults in phases {
        set_faults(&central.url, faults.clone());
        feed(&mut station, 25, &receipt());
        let want = station.acked().len();
        wait_until(LONG, &format!("delivery under {faults}"), || {
            central_count(&central.url, "dock-2") >= want
        });
        assert_central_holds(&central.url, "dock-2", &station.acked());
    }
    set_faults(&central.url, serde_json::json!({}));
    let acked = station.acked();
    station.finish();
    assert_central_holds(&central.url, "dock-2", &acked);
    let ob = outbox(&dir.path().join("dock-2.redb"));
    assert_eq!(ob["pending"], 0, "{ob}");
}

#[test]
fn a_station_killed_during_pushes_restarts_and_central_ends_with_each_acknowledged_transaction_once()
 {
    let dir = tempfile::tempdir().unwrap();
    // Every answer is slow: kills land while a push is in flight (or its
    // answer is on the way).
    let central = Central::start(
        "127.0.0.1:0",
        &dir.path().join("central"),
        &["--fault", "slow=1", "--fault", "slow_ms=400"],
    );
    let cfg = config(
        dir.path(),
        "dock-3",
        "receive",
        &central.url,
        "batch_size = 3",
    );
    let mut acked: Vec<(u64, String)> = Vec::new();
    for round in 0..4 {
        let mut station = Station::start(&cfg);
        feed(&mut station, 12, &receipt());
        acked.extend(station.acked());
        std::thread::sleep(Duration::from_millis(150 + 170 * round));
        station.kill(); // SIGKILL, mid-push
    }
    set_faults(&central.url, serde_json::json!({}));
    let station = Station::start(&cfg);
    wait_until(LONG, "the rest of the outbox after the kills", || {
        central_count(&central.url, "dock-3") >= acked.len()
    });
    station.finish();
    assert_central_holds(&central.url, "dock-3", &acked);
}

#[test]
fn a_hold_set_centrally_reaches_a_running_station_and_the_next_scan_of_that_lot_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("central");
    let central = Central::start("127.0.0.1:0", &data, &[]);
    let cfg = config(dir.path(), "line-1", "issue", &central.url, "");
    let mut station = Station::start(&cfg);
    station.scan("WO-1");
    feed(&mut station, 1, HONEY_LOT);
    let hold = Command::new(crate::util::bin())
        .args([
            "central",
            "hold",
            &format!("{HONEY}/HON-7"),
            "--reason",
            "supplier recall notice",
            "--case",
            "CASE-9",
            "--server",
            &central.url,
        ])
        .output()
        .unwrap();
    assert!(
        hold.status.success(),
        "{}",
        String::from_utf8_lossy(&hold.stderr)
    );
    // Scan the lot until the hold is in (the status lane is pulled every
    // 200 ms); from then on every scan of it is refused.
    wait_until(
        Duration::from_secs(30),
        "the hold to reach the station",
        || {
            station.scan(HONEY_LOT);
            std::thread::sleep(Duration::from_millis(100));
            station.count("REJECTED") > 0
        },
    );
    let before = station.count("REJECTED");
    station.scan(HONEY_LOT);
    wait_until(LONG, "the next scan's verdict", || {
        station.count("REJECTED") > before
    });
    let lines = station.lines();
    let first_refusal = lines
        .iter()
        .position(|l| l.starts_with("REJECTED"))
        .unwrap();
    assert!(
        lines[first_refusal..]
            .iter()
            .all(|l| !l.starts_with("ACCEPTED") && !l.starts_with("WARNING")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("LOT_ON_HOLD")),
        "{lines:#?}"
    );
    // The operator was told the hold arrived.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("INFO      CENTRAL") && l.contains(HONEY)),
        "{lines:#?}"
    );
    station.finish();
}

#[test]
fn a_hold_an_offline_station_could_not_know_comes_back_as_an_exception_with_the_case_reference() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("central");
    let master_file = master(dir.path());
    let admin = |args: &[&str]| {
        let o = Command::new(crate::util::bin())
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    // Decided centrally while the station cannot be reached.
    admin(&[
        "central",
        "import",
        "--data",
        data.to_str().unwrap(),
        master_file.to_str().unwrap(),
    ]);
    admin(&[
        "central",
        "hold",
        &format!("{HONEY}/HON-7"),
        "--case",
        "CASE-11",
        "--data",
        data.to_str().unwrap(),
    ]);
    let port = free_port();
    let cfg = config(
        dir.path(),
        "line-2",
        "issue",
        &format!("http://127.0.0.1:{port}"),
        "",
    );
    let mut station = Station::start(&cfg);
    station.scan("WO-1");
    feed(&mut station, 2, HONEY_LOT);
    let central = Central::start(&format!("127.0.0.1:{port}"), &data, &[]);
    wait_until(LONG, "the exceptions", || station.count("EXCEPTION") >= 2);
    let lines = station.lines();
    let ex: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("EXCEPTION"))
        .collect();
    assert!(
        ex[0].contains("LOT_HELD_CENTRALLY") && ex[0].contains("CASE-11"),
        "{ex:#?}"
    );
    // The status lane comes after the push: once the station says the hold
    // has arrived, the lot is refused.
    wait_until(LONG, "the hold from central", || {
        station
            .lines()
            .iter()
            .any(|l| l.starts_with("INFO      CENTRAL") && l.contains(HONEY))
    });
    station.scan(HONEY_LOT);
    wait_until(LONG, "the refusal", || station.count("REJECTED") >= 1);
    station.finish();
    assert_eq!(central_count(&central.url, "line-2"), 2);
    let ob = outbox(&dir.path().join("line-2.redb"));
    let exceptions = ob["exceptions"].as_array().unwrap();
    assert_eq!(exceptions.len(), 2, "{ob}");
    assert_eq!(exceptions[0]["kind"], "flagged");
    assert_eq!(exceptions[0]["case_ref"], "CASE-11");
    assert_eq!(exceptions[0]["station_knew"], false);
    assert_eq!(ob["pending"], 0);
}

#[test]
fn a_transaction_central_rejects_is_parked_and_outbox_retry_sends_it_again_after_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("central");
    // The central knows another item only: the honey receipt is refused.
    let other = dir.path().join("other.json");
    std::fs::write(
        &other,
        r#"{"items": [{"code": "09506000134352", "description": "Oats", "unit": "kg"}]}"#,
    )
    .unwrap();
    let import = |file: &Path| {
        let o = Command::new(crate::util::bin())
            .args([
                "central",
                "import",
                "--data",
                data.to_str().unwrap(),
                file.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    import(&other);
    let central = Central::start("127.0.0.1:0", &data, &[]);
    let cfg = config(dir.path(), "dock-4", "receive", &central.url, "");
    let mut station = Station::start(&cfg);
    feed(&mut station, 2, &receipt());
    wait_until(LONG, "the rejections", || station.count("EXCEPTION") >= 2);
    assert!(station.lines().iter().any(|l| l.contains("UNKNOWN_ITEM")));
    let acked = station.acked();
    station.finish();
    let store = dir.path().join("dock-4.redb");
    let ob = outbox(&store);
    assert_eq!(
        ob["pending"], 0,
        "parked transactions leave the outbox: {ob}"
    );
    assert_eq!(ob["exceptions"][0]["kind"], "rejected");
    central.stop();

    // The fix on the central side, then a retry on the station.
    import(&master(dir.path()));
    let central = Central::start("127.0.0.1:0", &data, &[]);
    std::fs::write(
        &cfg,
        std::fs::read_to_string(&cfg)
            .unwrap()
            .lines()
            .map(|l| {
                if l.starts_with("central_url") {
                    format!("central_url = \"{}\"", central.url)
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    for (_, id) in &acked {
        let o = Command::new(crate::util::bin())
            .args(["outbox", "retry", id, "--store", store.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = Command::new(crate::util::bin())
        .args(["sync", "--once", "--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains("push:   2 transaction(s) in 1 batch(es): 2 accepted"),
        "{text}"
    );
    assert!(text.contains("outbox: 0 transaction(s) waiting"), "{text}");
    let results: HashSet<String> = sent(&central.url, "dock-4")
        .iter()
        .map(|t| t["result"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(results, HashSet::from(["accepted".to_owned()]));
}
