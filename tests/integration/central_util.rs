//! Helpers for tests that run the real `lotstation central` binary: start
//! it on a free loopback port, talk to it over HTTP, stop it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `lotstation central`; killed when dropped.
pub struct Central {
    pub child: Child,
    pub url: String,
    /// Standard error, when captured ([`Central::start_logged`]).
    errs: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Central {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Central {
    /// Start on `listen` (e.g. `127.0.0.1:0`) with `data` and extra args.
    pub fn start(listen: &str, data: &Path, extra: &[&str]) -> Central {
        Central::spawn(listen, data, extra, None)
    }

    /// Like [`Central::start`], logging with the filter `rust_log`, its
    /// standard error captured.
    pub fn start_logged(listen: &str, data: &Path, extra: &[&str], rust_log: &str) -> Central {
        Central::spawn(listen, data, extra, Some(rust_log))
    }

    fn spawn(listen: &str, data: &Path, extra: &[&str], rust_log: Option<&str>) -> Central {
        let mut cmd = Command::new(crate::util::bin());
        cmd.args([
            "central",
            "--listen",
            listen,
            "--data",
            data.to_str().unwrap(),
            "--log",
            "warn",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
        if let Some(filter) = rust_log {
            cmd.env("RUST_LOG", filter).stderr(Stdio::piped());
        }
        let mut child = cmd.spawn().expect("start lotstation central");
        let errs = Arc::new(Mutex::new(Vec::new()));
        let reader = child.stderr.take().map(|e| {
            let sink = errs.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(e).lines() {
                    let Ok(line) = line else { break };
                    sink.lock().unwrap().push(line);
                }
            })
        });
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from central: {line:?}"))
            .to_owned();
        Central {
            child,
            url: format!("http://{addr}"),
            errs,
            reader,
        }
    }

    /// Stop it (SIGKILL), wait, and return its captured standard error.
    pub fn stop_output(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            r.join().unwrap();
        }
        self.errs.lock().unwrap().clone()
    }

    /// Stop it (SIGKILL) and wait.
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// GET `url` as JSON.
pub fn get_json(url: &str) -> serde_json::Value {
    runtime().block_on(async {
        let r = reqwest::get(url).await.unwrap();
        assert!(r.status().is_success(), "{url}: {}", r.status());
        r.json_value().await
    })
}

/// Every transaction `station` sent to the central at `url`, in seq order.
pub fn sent(url: &str, station: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut after = 0u64;
    loop {
        let page = get_json(&format!(
            "{url}/v1/stations/{station}/transactions?after={after}&limit=10000"
        ));
        let txs = page["transactions"].as_array().unwrap();
        out.extend(txs.iter().cloned());
        match page["next_after"].as_u64() {
            Some(a) => after = a,
            None => return out,
        }
    }
}

/// Wait until `f` is true, up to `limit`, polling every 50 ms.
pub fn wait_until(limit: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `reqwest::Response` as JSON without the `json` feature.
pub trait JsonValue {
    async fn json_value(self) -> serde_json::Value;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> serde_json::Value {
        let b = self.bytes().await.unwrap();
        serde_json::from_slice(&b)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&b)))
    }
}
