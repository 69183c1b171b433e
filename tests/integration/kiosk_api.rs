//! The kiosk API over a real socket, served by the real `lotstation run`:
//! scans from the station's stdin and typed at the kiosk, the latched error
//! and its acknowledgement, the live feed, health and metrics; the token;
//! and the refusals to start (non-loopback without a token, port in use).

use std::process::Command;

use serde_json::json;

use crate::kiosk_util::{Daemon, Http, kiosk_config};

fn oats_quarantined() -> String {
    format!(
        "]C1010950600013435217{}1024-0912{{GS}}3103025000",
        crate::dates::yymmdd(351)
    )
}
const OATS_RELEASED: &str = "(01)09506000134352(17)261231(10)24-0847(3103)025000";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn the_daemon_serves_status_scans_acknowledgements_and_its_live_feed_over_a_socket() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Daemon::start(&kiosk_config(dir.path(), ""));
    let http = Http::new(&d.base, None);
    let rt = runtime();
    rt.block_on(async {
        let (s, st) = http.get("/api/status").await;
        assert_eq!(s, 200, "{st}");
        assert_eq!(st["mode"], "issue");
        assert_eq!(st["devices"][0]["name"], "keyboard");
        assert_eq!(st["devices"][0]["state"], "connected");

        d.scan("]C0WO-1001");
        d.scan(&oats_quarantined());
        assert!(d.line_starting(&["REJECTED"]).contains("24-0912"));
        let (_, st) = http.get("/api/status").await;
        assert_eq!(st["latched"]["codes"][0], "LOT_QUARANTINED", "{st}");

        // Typed at the kiosk: the same path as the scanner, source "kiosk".
        let (s, r) = http.post("/api/scan", json!({"text": OATS_RELEASED})).await;
        assert_eq!((s, r["source"].clone()), (202, json!("kiosk")), "{r}");
        let line = d.line_starting(&["ACCEPTED"]);
        assert!(line.contains("24-0847") && line.contains("#1"), "{line}");
        let (_, st) = http.get("/api/status").await;
        assert_eq!(st["latched"]["codes"][0], "LOT_QUARANTINED", "still up");
        assert_eq!(st["sync"]["outbox"], 1);

        let (s, a) = http.post("/api/ack", json!({})).await;
        assert_eq!((s, a["acknowledged"].clone()), (200, json!(true)));
        assert!(d.line_starting(&["ACK"]).contains("by kiosk"));

        let feed = http.stream_until("/api/events", "event: status").await;
        assert!(feed.contains("\"latched\":null"), "{feed}");

        let (s, v) = http.get("/api/verdicts").await;
        assert_eq!(s, 200);
        assert_eq!(v["verdicts"][0]["source"], "kiosk");
        assert_eq!(v["verdicts"][1]["source"], "keyboard");

        let (s, h) = http.get("/healthz").await;
        assert_eq!((s, h["status"].clone()), (200, json!("ok")), "{h}");
        let (s, m) = http.get("/metrics").await;
        assert_eq!(s, 200);
        let m = m.as_str().unwrap().to_owned();
        assert!(
            m.contains("lotstation_verdicts_total{outcome=\"rejected\",kind=\"issue\"} 1"),
            "{m}"
        );
        assert!(m.contains("lotstation_outbox_depth 1"), "{m}");
    });
    assert!(d.finish().success());
}

#[test]
fn with_a_token_the_api_answers_only_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let token = "socket-token-0123456789abcdef";
    let d = Daemon::start(&kiosk_config(dir.path(), &format!("token = \"{token}\"")));
    let rt = runtime();
    rt.block_on(async {
        let (s, e) = Http::new(&d.base, None).get("/api/status").await;
        assert_eq!(s, 401, "{e}");
        assert!(
            e["hint"]
                .as_str()
                .unwrap()
                .contains("Authorization: Bearer")
        );
        let (s, _) = Http::new(&d.base, Some("wrong-token-0123456789"))
            .get("/api/status")
            .await;
        assert_eq!(s, 401);
        let (s, st) = Http::new(&d.base, Some(token)).get("/api/status").await;
        assert_eq!(s, 200, "{st}");
    });
}

#[test]
fn a_non_loopback_address_without_a_token_stops_the_start_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let config = kiosk_config(dir.path(), "").to_str().unwrap().to_owned();
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("listen = \"127.0.0.1:0\"", "listen = \"0.0.0.0:0\"");
    std::fs::write(&config, text).unwrap();
    let o = Command::new(crate::util::bin())
        .args(["run", "--config", &config])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "key api.listen: 0.0.0.0:0 is not a loopback address and api.token is not set"
        ) && err.contains("set api.token"),
        "{err}"
    );
    assert!(
        !dir.path().join("station.redb").exists(),
        "nothing was started"
    );
    let c = Command::new(crate::util::bin())
        .args(["check-config", &config])
        .output()
        .unwrap();
    assert_eq!(c.status.code(), Some(1), "check-config finds it too");
}

#[test]
fn a_port_in_use_stops_the_start_and_says_what_to_change() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let config = kiosk_config(dir.path(), "");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "listen = \"127.0.0.1:0\"",
        &format!("listen = \"127.0.0.1:{port}\""),
    );
    std::fs::write(&config, text).unwrap();
    let o = Command::new(crate::util::bin())
        .args(["run", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "cannot listen on 127.0.0.1:{port} for the kiosk and API"
        )) && err.contains("change api.listen"),
        "{err}"
    );
}

#[test]
fn signers_are_added_from_stdin_listed_and_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    let config = kiosk_config(dir.path(), "");
    let signer = |args: &[&str], stdin: &str| {
        let mut c = Command::new(crate::util::bin())
            .arg("signer")
            .args(args)
            .arg("--config")
            .arg(&config)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        c.wait_with_output().unwrap()
    };
    let o = signer(&["add", "OP-SUP1", "--name", "Dana Smith"], "482913\n");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let file = std::fs::read_to_string(dir.path().join("signers.json")).unwrap();
    assert!(file.contains("$argon2id$") && !file.contains("482913"));
    let o = signer(&["list"], "");
    assert!(String::from_utf8_lossy(&o.stdout).contains("OP-SUP1"));
    let o = signer(&["add", "OP-SUP1", "--name", "Someone Else"], "777777\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already taken"));
    let o = signer(&["add", "OP-SUP2", "--name", "Short Pin"], "123\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("allowed: 6 to 128"));
}
