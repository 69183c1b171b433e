//! `lotstation central`: the reference central server of the sync protocol
//! (`docs/sync-protocol.md`), shipped in the same binary.
//!
//! It is the reference for integrators who implement the protocol on their
//! ERP or MES, the server for trials and single-site pilots, and the one the
//! tests and the demo use. It is not a replacement for the plant's ERP: it
//! keeps what stations sent, a change log per lane, master data imported
//! from files, and lot statuses set by a person.
//!
//! # Layout
//!
//! - [`db`]: its own redb file: idempotency per (station, seq), the change
//!   logs, the lots' central status history.
//! - [`http`]: the axum routes.
//! - [`faults`]: fault switches for tests (all off by default).
//! - [`tls`]: HTTPS (rustls), optionally requiring client certificates.
//!
//! Admin operations (hold, release, recall, import) work on the data
//! directory while the server is stopped ([`CentralDb`]), or through a
//! running server's admin endpoints ([`admin_request`]).

pub mod db;
pub mod faults;
pub mod http;
pub mod tls;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use db::{CentralDb, CentralError};
pub use faults::Faults;
pub use tls::TlsFiles;

/// How to run the server.
#[derive(Debug, Clone)]
pub struct CentralOptions {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Data directory (holds `central.redb`).
    pub data: PathBuf,
    /// Station → bearer token; `None` lets any station in without a token.
    pub tokens: Option<BTreeMap<String, String>>,
    /// The admin token; `None` serves the admin endpoints without one,
    /// which is only allowed on a loopback address.
    pub admin_token: Option<String>,
    /// Keep at most this many changes per lane.
    pub retain_changes: Option<u64>,
    /// Fault switches in force at start.
    pub faults: Faults,
    /// Serve HTTPS with these files; `None`: plain HTTP.
    pub tls: Option<TlsFiles>,
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The store.
    #[error(transparent)]
    Db(#[from] CentralError),
    /// Listening failed.
    #[error("cannot listen on {addr}: {source} (is the port in use?)")]
    Listen {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Admin endpoints without a token on a non-loopback address.
    #[error(
        "refusing to serve the admin endpoints without a token on {0}, which is not a loopback address; pass --admin-token-file"
    )]
    OpenAdmin(SocketAddr),
    /// The TLS material.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// The runtime or the server failed.
    #[error("the central server failed: {0}")]
    Io(#[from] std::io::Error),
    /// The data directory.
    #[error("cannot create the data directory {dir}: {source}")]
    DataDir {
        /// Directory.
        dir: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// A credential file as text, bounded like every credential file.
fn read_text(path: &Path) -> std::io::Result<String> {
    let bytes = crate::sync::client::read_credential_file(path)?;
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// Read a tokens file: TOML, one `station = "token"` per line.
pub fn load_tokens(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = read_text(path)
        .map_err(|e| format!("cannot read the tokens file {}: {e}", path.display()))?;
    let map: BTreeMap<String, String> = toml::from_str(&text).map_err(|e| {
        format!(
            "{}: not a tokens file (one line `station = \"token\"` each): {e}",
            path.display()
        )
    })?;
    if map.values().any(|t| t.len() < 16) {
        return Err(format!(
            "{}: every token must be at least 16 characters long",
            path.display()
        ));
    }
    Ok(map)
}

/// Read a token file (the whole file, trimmed).
pub fn load_secret(path: &Path) -> Result<String, String> {
    let t = read_text(path)
        .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?;
    let t = t.trim().to_owned();
    if t.len() < 16 || !t.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "{}: a token is at least 16 visible ASCII characters",
            path.display()
        ));
    }
    Ok(t)
}

/// Run the server until SIGTERM or SIGINT. `ready` is called with the bound
/// address once it listens. Blocks; builds its own runtime.
pub fn run(options: CentralOptions, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    if options.admin_token.is_none() && !options.listen.ip().is_loopback() {
        return Err(ServeError::OpenAdmin(options.listen));
    }
    std::fs::create_dir_all(&options.data).map_err(|source| ServeError::DataDir {
        dir: options.data.clone(),
        source,
    })?;
    let tls = options.tls.as_ref().map(tls::server_config).transpose()?;
    let db = Arc::new(CentralDb::open(
        &options.data,
        options.retain_changes,
        crate::clock::Clock::system(),
    )?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let mut sigterm = signal(SignalKind::terminate())?;
        let mut sigint = signal(SignalKind::interrupt())?;
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|source| ServeError::Listen {
                addr: options.listen,
                source,
            })?;
        let addr = listener.local_addr()?;
        if options.tokens.is_none() {
            tracing::warn!(
                "no station tokens configured: any station may push without a token (trials only)"
            );
        }
        let app = Arc::new(http::App {
            db,
            dice: faults::Dice::new(options.faults),
            tokens: options.tokens,
            admin_token: options.admin_token,
        });
        let scheme = if tls.is_some() { "https" } else { "http" };
        tracing::info!(%addr, scheme, client_certificates = options.tls.as_ref().is_some_and(|t| t.client_ca.is_some()), data = %options.data.display(), "central server listening");
        ready(addr);
        let router = http::router(app);
        let stop = async move {
            tokio::select! {
                _ = sigterm.recv() => {}
                _ = sigint.recv() => {}
            }
            tracing::info!("central server stopping");
        };
        match tls {
            None => axum::serve(listener, router).with_graceful_shutdown(stop).await?,
            Some(config) => {
                axum::serve(tls::TlsListener::new(listener, config)?, router)
                    .with_graceful_shutdown(stop)
                    .await?;
            }
        }
        Ok(())
    })
}

/// Send one admin request (a POST) to a running server, over HTTPS with
/// `tls` when `server` is an https:// URL, and return the answer's body, or
/// the server's error text.
pub async fn admin_request(
    server: &str,
    path: &str,
    token: Option<&str>,
    tls: &crate::sync::client::ClientTls,
    body: Vec<u8>,
) -> Result<serde_json::Value, String> {
    let url = format!("{}{path}", server.trim_end_matches('/'));
    let builder = reqwest::Client::builder().timeout(std::time::Duration::from_secs(30));
    let client = tls
        .apply(builder)
        .map_err(|e| e.to_string())?
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let mut req = client
        .post(&url)
        .header("content-type", "application/json")
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| {
            use crate::sync::client::TlsProblem;
            let hint = match TlsProblem::of(&e) {
                Some(TlsProblem::ServerCertificate) => "; the server's certificate is not trusted: give --ca-bundle with the CA that signed it",
                Some(TlsProblem::ClientCertificateRequired) => "; the server requires a client certificate: give --client-cert and --client-key",
                Some(TlsProblem::ClientCertificateRefused) => "; the server refused the client certificate: it must be signed by a CA in the server's --client-ca",
                _ => "",
            };
            format!("{url}: {}{hint}", crate::sync::client::describe(&e))
        })?;
    let status = resp.status();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| format!("{url}: {}", e.without_url()))?;
    if !status.is_success() {
        let msg = serde_json::from_slice::<crate::protocol::ErrorBody>(&bytes)
            .map(|b| format!("{}: {}", b.code, b.message))
            .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned());
        return Err(format!("{url}: {status}: {msg}"));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("{url}: the answer is not JSON: {e}"))
}
