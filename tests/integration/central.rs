//! The real `lotstation central` binary over HTTP on 127.0.0.1: the push and
//! pull protocol, tokens, admin commands through the CLI, log trimming with
//! a snapshot, and the fault switches.

use std::io::Write;
use std::process::Command;

use crate::central_util::{Central, JsonValue, runtime};

fn tx(station: &str, seq: u64, item: &str) -> serde_json::Value {
    serde_json::json!({
        "id": uuid::Uuid::now_v7(),
        "station": station,
        "seq": seq,
        "move": {"kind": "move", "lines": [{"lot": {"item": item, "lot": "L1"}, "qty": 1000}],
                 "from": "A", "to": "B"},
        "at": lotstation::clock::Clock::system().now(),
        "tz_offset_secs": 0,
        "verdict": {"outcome": "accepted", "reasons": []},
        "knowledge": {"status": 0, "master": 0},
    })
}

fn gzip(v: &serde_json::Value) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(&serde_json::to_vec(v).unwrap()).unwrap();
    e.finish().unwrap()
}

async fn push(
    url: &str,
    station: &str,
    token: Option<&str>,
    key: &str,
    txs: &[serde_json::Value],
) -> (u16, Option<String>, serde_json::Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{url}/v1/stations/{station}/transactions"))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .header("idempotency-key", key)
        .body(gzip(&serde_json::json!({ "transactions": txs })));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let retry_after = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, retry_after, r.json_value().await)
}

fn admin(args: &[&str]) -> String {
    let o = Command::new(crate::util::bin())
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn central_records_each_station_sequence_once_answers_replays_as_duplicates_and_refuses_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.toml");
    std::fs::write(
        &tokens,
        "s1 = \"token-of-station-one\"\ns2 = \"token-of-station-two\"\n",
    )
    .unwrap();
    let central = Central::start(
        "127.0.0.1:0",
        &dir.path().join("data"),
        &["--station-tokens", tokens.to_str().unwrap()],
    );
    let url = central.url.clone();
    let t1 = Some("token-of-station-one");
    runtime().block_on(async {
        let batch: Vec<_> = (1..=3).map(|s| tx("s1", s, "I1")).collect();
        let (status, _, body) = push(&url, "s1", t1, "k1", &batch).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["next_seq"], 4);
        assert!(
            body["results"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["result"] == "accepted")
        );

        let (status, _, body) = push(&url, "s1", t1, "k1", &batch).await;
        assert_eq!(status, 200);
        assert!(
            body["results"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["result"] == "duplicate" && r["original"] == "accepted"),
            "{body}"
        );

        let (status, _, body) = push(&url, "s1", t1, "k2", &[tx("s1", 5, "I1")]).await;
        assert_eq!((status, body["code"].as_str()), (409, Some("SEQUENCE_GAP")));
        assert_eq!(body["expected_seq"], 4);

        let (status, _, body) = push(&url, "s1", t1, "k3", &[tx("s1", 3, "I1")]).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("CONTENT_CONFLICT")),
            "{body}"
        );

        let (status, _, _) = push(&url, "s1", None, "k4", &[tx("s1", 4, "I1")]).await;
        assert_eq!(status, 401);
        let (status, _, _) = push(
            &url,
            "s1",
            Some("token-of-station-two"),
            "k4",
            &[tx("s1", 4, "I1")],
        )
        .await;
        assert_eq!(status, 403);
    });
    let sent = crate::central_util::sent(&url, "s1");
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[2]["transaction"]["seq"], 3);
}

#[test]
fn holds_and_master_data_set_through_the_cli_arrive_as_changes_and_trimmed_logs_answer_gone() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Admin commands on the data directory of a stopped server...
    let master = concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo-data/master.json");
    let out = admin(&[
        "central",
        "import",
        "--data",
        data.to_str().unwrap(),
        master,
    ]);
    assert!(out.starts_with("imported 13 master-data changes"), "{out}");

    let central = Central::start("127.0.0.1:0", &data, &["--retain-changes", "5"]);
    // ... and through a running one.
    let out = admin(&[
        "central",
        "hold",
        "09506000134352/24-0847",
        "--reason",
        "customer complaint",
        "--case",
        "CASE-2026-017",
        "--server",
        &central.url,
    ]);
    assert!(out.contains("is hold centrally (status cursor 1)"), "{out}");

    let url = central.url.clone();
    runtime().block_on(async {
        let get = |q: String| {
            let url = url.clone();
            async move {
                let r = reqwest::get(format!("{url}/v1/stations/s1/{q}"))
                    .await
                    .unwrap();
                (r.status().as_u16(), r.json_value().await)
            }
        };
        let (status, page) = get("changes?lane=status&since=0".into()).await;
        assert_eq!(status, 200);
        assert_eq!(page["changes"][0]["entity"], "lot_status");
        assert_eq!(page["changes"][0]["data"]["case_ref"], "CASE-2026-017");
        assert_eq!(
            (page["next"].as_u64(), page["more"].as_bool()),
            (Some(1), Some(false))
        );

        let (status, err) = get("changes?lane=master&since=0".into()).await;
        assert_eq!((status, err["code"].as_str()), (410, Some("CURSOR_GONE")));
        let (status, snap) = get("snapshot?lane=master&limit=100".into()).await;
        assert_eq!(status, 200);
        assert_eq!(snap["changes"].as_array().unwrap().len(), 13);
        assert_eq!(snap["cursor"], 13);
        let (status, page) = get("changes?lane=master&since=13".into()).await;
        assert_eq!(
            (status, page["changes"].as_array().unwrap().len()),
            (200, 0)
        );
    });
}

#[test]
fn fault_switches_fail_requests_as_configured_and_a_lost_answer_still_records_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let central = Central::start(
        "127.0.0.1:0",
        &dir.path().join("data"),
        &["--fault", "http_429=1", "--fault", "retry_after_secs=3"],
    );
    let url = central.url.clone();
    runtime().block_on(async {
        let (status, retry_after, body) = push(&url, "s1", None, "k1", &[tx("s1", 1, "I1")]).await;
        assert_eq!((status, retry_after.as_deref()), (429, Some("3")));
        assert_eq!(body["code"], "RATE_LIMITED");

        let client = reqwest::Client::new();
        let set = |f: serde_json::Value| {
            let client = client.clone();
            let url = url.clone();
            async move {
                let r = client
                    .put(format!("{url}/v1/admin/faults"))
                    .body(serde_json::to_vec(&f).unwrap())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 200);
            }
        };
        set(serde_json::json!({"lost_after_commit": 1.0})).await;
        let sent = client
            .post(format!("{url}/v1/stations/s1/transactions"))
            .header("content-encoding", "gzip")
            .header("idempotency-key", "k2")
            .body(gzip(
                &serde_json::json!({"transactions": [tx("s1", 1, "I1")]}),
            ))
            .send()
            .await;
        let heard = match sent {
            Ok(r) => r.bytes().await.is_ok(),
            Err(_) => false,
        };
        assert!(!heard, "the answer must be lost");

        set(serde_json::json!({"truncate": 1.0})).await;
        let r = client
            .get(format!("{url}/v1/stations/s1/changes?lane=status"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let b = r.bytes().await.unwrap();
        assert!(
            serde_json::from_slice::<serde_json::Value>(&b).is_err(),
            "cut JSON"
        );

        set(serde_json::json!({"http_500": 1.0})).await;
        let (status, _, body) = push(&url, "s1", None, "k3", &[tx("s1", 2, "I1")]).await;
        assert_eq!((status, body["code"].as_str()), (500, Some("INTERNAL")));
        set(serde_json::json!({})).await;
    });
    let sent = crate::central_util::sent(&url, "s1");
    assert_eq!(sent.len(), 1, "the batch whose answer was lost is recorded");
}
