//! The real `lotstation` binary running a station: the demo scenario from a
//! replay capture, and crash safety under SIGKILL.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn lotstation(args: &[&str]) -> Output {
    Command::new(crate::util::bin())
        .args(args)
        .output()
        .expect("run lotstation")
}

/// The demo configuration with its store in `dir` and the capture played
/// with no delays.
fn demo_config(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(crate::util::repo("config/demo.toml")).unwrap();
    let text = text
        .replace(
            "path = \"demo-state/station.redb\"",
            &format!("path = {:?}", dir.join("station.redb")),
        )
        .replace(
            "seed_files = [\"demo-data/master.json\"]",
            &format!(
                "seed_files = [{:?}]",
                crate::util::repo("config/demo-data/master.json")
            ),
        )
        .replace(
            "path = \"../hardware-fixtures/demo/scans.replay\"",
            &format!(
                "path = {:?}",
                crate::util::repo("hardware-fixtures/demo/scans.replay")
            ),
        )
        .replace("speed = 4.0", "speed = 0.0")
        // Tests run side by side: each daemon's API takes a free port.
        .replace("listen = \"127.0.0.1:8370\"", "listen = \"127.0.0.1:0\"");
    let path = dir.join("demo.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_demo_station_receives_issues_produces_and_ships_with_one_refusal_and_one_fefo_warning() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_config(dir.path());
    let o = lotstation(&["run", "--config", config.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let verdicts: Vec<&str> = out
        .lines()
        .filter(|l| {
            l.starts_with("ACCEPTED") || l.starts_with("WARNING") || l.starts_with("REJECTED")
        })
        .collect();
    let kinds: Vec<(&str, &str)> = verdicts
        .iter()
        .map(|l| {
            let mut w = l.split_whitespace();
            (w.next().unwrap(), w.next().unwrap())
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("ACCEPTED", "receive"),
            ("ACCEPTED", "receive"),
            ("REJECTED", "issue"),
            ("ACCEPTED", "issue"),
            ("WARNING", "issue"),
            ("ACCEPTED", "produce"),
            ("ACCEPTED", "ship"),
        ],
        "{out}"
    );
    assert!(
        out.contains("LOT_QUARANTINED: Lot 24-0912 is in quarantine"),
        "{out}"
    );
    assert!(
        out.contains("FEFO_VIOLATION: Use lot 28-0301 first"),
        "{out}"
    );
    assert!(out.contains("INFO      Parents: 2 lots"), "{out}");

    let store = dir.path().join("station.redb");
    let store = store.to_str().unwrap();
    let v = lotstation(&["verify", "--store", store]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("6 transactions"));

    let t = lotstation(&[
        "trace",
        "--backward",
        "--json",
        "--store",
        store,
        "09506000134369/BAR-1121",
    ]);
    let t: serde_json::Value = serde_json::from_slice(&t.stdout).unwrap();
    let parents: Vec<String> = t["made_from"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["lot"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(parents, ["24-0847", "28-0912"]);

    let f = lotstation(&[
        "trace",
        "--forward",
        "--json",
        "--store",
        store,
        "09506000134352/24-0847",
    ]);
    let f: serde_json::Value = serde_json::from_slice(&f.stdout).unwrap();
    assert_eq!(f["shipments"], serde_json::json!(["SH-5001"]));

    let ob = lotstation(&["outbox", "--json", "--store", store]);
    let ob: serde_json::Value = serde_json::from_slice(&ob.stdout).unwrap();
    assert_eq!(ob["pending"], 6);

    let lot = lotstation(&[
        "lot",
        "show",
        "--json",
        "--store",
        store,
        "09506000134352/2024-1107",
    ]);
    let lot: serde_json::Value = serde_json::from_slice(&lot.stdout).unwrap();
    assert_eq!(
        lot["lot"]["status"], "quarantine",
        "oats arrive in quarantine"
    );
    assert!(
        lot["lot"]["internal_lot"]
            .as_str()
            .unwrap()
            .starts_with('D')
    );
}

/// A station reading scans on stdin, with its store in `dir`.
fn stdin_config(dir: &Path) -> PathBuf {
    let text = format!(
        r#"
[station]
id = "crash-1"
mode = "receive"
receive_location = "DOCK"

[store]
path = {store:?}
seed_files = [{seed:?}]

[rules]
unknown_lot = "reject"

[[sources]]
name = "keyboard"
kind = "stdin"

[api]
listen = "127.0.0.1:0"

[log]
level = "warn"
format = "text"
"#,
        store = dir.join("station.redb"),
        seed = crate::util::repo("config/demo-data/master.json"),
    );
    let path = dir.join("crash.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn start(config: &Path) -> Child {
    Command::new(crate::util::bin())
        .args(["run", "--config", config.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start lotstation run")
}

#[test]
fn accepted_scans_survive_sigkill_at_random_moments_and_the_store_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let config = stdin_config(dir.path());
    // Receiving the same honey lot again is accepted with a warning each time.
    let label = format!(
        "]C1010950600013437617{}1028-0912\x1d3103020000\n",
        crate::dates::yymmdd(1023)
    );
    let label = label.as_bytes();
    let mut acknowledged: Vec<(u64, String)> = Vec::new();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _round in 0..20 {
        let mut child = start(&config);
        let mut stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut acks = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("ACCEPTED") || line.starts_with("WARNING") {
                    // "... #SEQ TXID"
                    let mut w = line.rsplit(' ');
                    let id = w.next().unwrap().to_owned();
                    let seq: u64 = w.next().unwrap().trim_start_matches('#').parse().unwrap();
                    acks.push((seq, id));
                }
            }
            acks
        });
        // Feed scans for a pseudo-random time, then kill without warning.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let run_for = Duration::from_millis(150 + seed % 600);
        let started = Instant::now();
        while started.elapsed() < run_for {
            if stdin.write_all(label).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        drop(stdin);
        let acks = reader.join().unwrap();
        acknowledged.extend(acks);
    }
    assert!(
        acknowledged.len() >= 20,
        "only {} scans were acknowledged",
        acknowledged.len()
    );

    let store = dir.path().join("station.redb");
    let store = store.to_str().unwrap();
    let v = lotstation(&["verify", "--store", store]);
    let report = String::from_utf8_lossy(&v.stdout).into_owned();
    assert!(
        v.status.success(),
        "verify failed after the kills:\n{report}"
    );

    // Every acknowledged transaction is in the store, with the seq printed.
    let ob = lotstation(&["outbox", "--json", "--list", "100000", "--store", store]);
    let ob: serde_json::Value = serde_json::from_slice(&ob.stdout).unwrap();
    let stored: std::collections::HashMap<String, u64> = ob["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_owned(),
                t["seq"].as_u64().unwrap(),
            )
        })
        .collect();
    for (seq, id) in &acknowledged {
        assert_eq!(
            stored.get(id),
            Some(seq),
            "acknowledged transaction {id} (#{seq}) is missing after a kill"
        );
    }
    // Seqs are 1..=n with no gap and no duplicate (verify checks it too).
    let mut seqs: Vec<u64> = stored.values().copied().collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
}

/// Feed `scans` (one per line) to a stdin station and return its verdict
/// lines once standard input is closed and the station has stopped.
fn run_scans(config: &Path, scans: &[&str]) -> String {
    let mut child = start(config);
    let mut stdin = child.stdin.take().unwrap();
    for s in scans {
        stdin.write_all(s.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_supervisor_badge_allows_a_release_and_overrides_a_refusal_which_is_recorded_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let config = stdin_config(dir.path());
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace(
            "receive_location = \"DOCK\"",
            "receive_location = \"DOCK\"\nsupervisors = [\"OP-SUP1\"]",
        )
        .replace(
            "unknown_lot = \"reject\"",
            "unknown_lot = \"reject\"\nrelease_requires_supervisor = true",
        );
    std::fs::write(&config, text).unwrap();
    let quarantined_oats = format!(
        "]C1010950600013435217{}1024-0912{{GS}}3103025000",
        crate::dates::yymmdd(351)
    );
    let quarantined_oats = quarantined_oats.as_str();
    let out = run_scans(
        &config,
        &[
            "OP-ANNA",
            "CMD:RELEASE",
            quarantined_oats,
            "CMD:OVERRIDE",
            "OP-SUP1",
            quarantined_oats,
            "CMD:ISSUE",
            "WO-1001",
            quarantined_oats,
            "CMD:OVERRIDE",
        ],
    );
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with("PROMPT") && !l.starts_with("MODE"))
        .collect();
    let first_words: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        first_words,
        [
            "OPERATOR",
            "REJECTED",
            "SUPERVISOR_REQUIRED:",
            "REJECTED",
            "OPERATOR",
            "ACCEPTED",
            // Released now, the lot is still refused: an older oat lot expires first (FEFO blocks).
            "REJECTED",
            "FEFO_VIOLATION:",
            "OVERRIDE",
            "FEFO_VIOLATION:",
            "OVERRIDDEN:",
        ],
        "{out}"
    );
    assert!(
        out.contains("OVERRIDE: a supervisor must scan their badge first"),
        "{out}"
    );
    assert!(out.contains("OVERRIDE  by OP-SUP1:"), "{out}");

    let store = dir.path().join("station.redb");
    let ob = lotstation(&[
        "outbox",
        "--json",
        "--list",
        "10",
        "--store",
        store.to_str().unwrap(),
    ]);
    let ob: serde_json::Value = serde_json::from_slice(&ob.stdout).unwrap();
    let txs = ob["transactions"].as_array().unwrap();
    assert_eq!(
        txs.len(),
        2,
        "the release and the overridden issue are recorded"
    );
    assert_eq!(txs[0]["move"]["kind"], "release");
    assert_eq!(txs[1]["move"]["kind"], "issue");
    assert_eq!(txs[1]["verdict"]["outcome"], "rejected");
    assert_eq!(txs[1]["override_by"]["by"], "OP-SUP1");
    let v = lotstation(&["verify", "--store", store.to_str().unwrap()]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
}
