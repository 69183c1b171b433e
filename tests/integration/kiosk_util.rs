//! A real `lotstation run` with its API on a free loopback port, and a small
//! HTTP client for it (hyper), shared by the kiosk API and browser tests.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// A station reading scans from standard input, seeded with the demo
/// master data, its API on a free port; `extra` is appended to `[api]`.
pub fn kiosk_config(dir: &Path, api_extra: &str) -> PathBuf {
    let text = format!(
        r#"
[station]
id = "kiosk-it"
mode = "issue"
operator = "OP-0001"
receive_location = "DOCK"
production_location = "LINE-1"

[store]
path = {store:?}
seed_files = [{seed:?}]

[lots.canonical.default]
strip_prefixes = ["LOT-"]
uppercase = true

[[sources]]
name = "keyboard"
kind = "stdin"

[api]
listen = "127.0.0.1:0"
signers_path = "signers.json"
{api_extra}

[log]
level = "info"
format = "text"
"#,
        store = dir.join("station.redb"),
        seed = crate::util::repo("config/demo-data/master.json"),
    );
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The running daemon: its stdin (the "scanner"), its verdict lines, and
/// the base URL of its API.
pub struct Daemon {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    pub lines: mpsc::Receiver<String>,
    pub base: String,
}

impl Daemon {
    /// Start `lotstation run --config config` and wait for its API address
    /// (logged as `kiosk and API listening: http://ADDR/`).
    pub fn start(config: &Path) -> Daemon {
        let mut child = Command::new(crate::util::bin())
            .args(["run", "--verdicts", "always", "--config"])
            .arg(config)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .env_remove("NOTIFY_SOCKET")
            .env_remove("JOURNAL_STREAM")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start lotstation run");
        let stdin = child.stdin.take();
        let (addr_tx, addr_rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(i) = line.find("listening: http://") {
                    let rest = &line[i + "listening: ".len()..];
                    let url: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
                    let _ = addr_tx.send(url.trim_end_matches('/').to_owned());
                }
            }
        });
        let (line_tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let base = addr_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the daemon logs its API address within 30 s");
        Daemon {
            child,
            stdin,
            lines,
            base,
        }
    }

    /// Type one scan on the daemon's standard input.
    pub fn scan(&mut self, data: &str) {
        let s = self.stdin.as_mut().unwrap();
        s.write_all(data.as_bytes()).unwrap();
        s.write_all(b"\n").unwrap();
        s.flush().unwrap();
    }

    /// The next verdict line starting with one of `words`.
    pub fn line_starting(&self, words: &[&str]) -> String {
        loop {
            let l = self
                .lines
                .recv_timeout(Duration::from_secs(20))
                .expect("a verdict line within 20 s");
            if words.iter().any(|w| l.starts_with(w)) {
                return l;
            }
        }
    }

    /// Close stdin (the only source): the daemon drains and exits.
    pub fn finish(mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the daemon did not stop within 30 s of stdin closing");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A small HTTP/1.1 client for the daemon's API.
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
    token: Option<String>,
}

impl Http {
    pub fn new(base: &str, token: Option<&str>) -> Http {
        Http {
            client: Client::builder(TokioExecutor::new()).build_http(),
            base: base.to_owned(),
            token: token.map(str::to_owned),
        }
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Full::new(Bytes::from(b.to_string()))
            }
            None => Full::new(Bytes::new()),
        };
        let r = tokio::time::timeout(
            Duration::from_secs(20),
            self.client.request(req.body(body).unwrap()),
        )
        .await
        .expect("an answer within 20 s")
        .expect("HTTP request");
        let status = r.status().as_u16();
        let bytes = r.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
            }),
        )
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        self.request("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        self.request("POST", path, Some(body)).await
    }

    /// The first `n` bytes of a streaming answer (the live feed).
    pub async fn stream_until(&self, path: &str, until: &str) -> String {
        let mut req = hyper::Request::builder().uri(format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let r = self
            .client
            .request(req.body(Full::new(Bytes::new())).unwrap())
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let mut body = r.into_body();
        let mut seen = String::new();
        tokio::time::timeout(Duration::from_secs(20), async {
            while !seen.contains(until) {
                match body.frame().await {
                    Some(Ok(f)) => {
                        if let Some(d) = f.data_ref() {
                            seen.push_str(&String::from_utf8_lossy(d));
                        }
                    }
                    _ => break,
                }
            }
        })
        .await
        .expect("the feed delivers within 20 s");
        seen
    }
}
