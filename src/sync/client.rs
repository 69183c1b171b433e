//! The HTTP side of sync (reqwest, rustls): one method per protocol
//! exchange, each ending in a checked answer or a [`Failure`] classified by
//! [`retry::classify`].
//!
//! Invariants: every answer body is read with a bound
//! ([`protocol::MAX_RESPONSE_BYTES`]); the bearer token goes in the
//! `Authorization` header only and never into an error text (errors name
//! the URL without credentials and the status).

use std::io::Write;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::retry::{self, Action, Call, Exchange};
use crate::clock::Clock;
use crate::config::{SyncConfig, TokenSource};
use crate::model::{Transaction, TxId};
use crate::protocol::{self, ChangesResponse, Cursor, ErrorBody, Lane, PushResponse, SnapshotPage};
use crate::store::RawOutboxEntry;

/// A failed exchange: what to do about it and what to tell a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The retry policy's decision.
    pub action: Action,
    /// What happened (URL, status, server's code and message).
    pub detail: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

/// Why the client could not be built (a person must fix the config).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// A file named in `[sync]` could not be read.
    #[error("cannot read {what} {path}: {source}")]
    Read {
        /// Which setting.
        what: &'static str,
        /// Path.
        path: std::path::PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The token file holds no usable token.
    #[error("the token file {0} does not hold a token (1 to 4096 visible ASCII characters)")]
    BadToken(std::path::PathBuf),
    /// TLS material could not be used.
    #[error("{what} {path}: {detail}")]
    Tls {
        /// Which setting.
        what: &'static str,
        /// Path.
        path: std::path::PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// reqwest refused the configuration.
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

/// TLS settings of a client of the central server: the CAs to trust
/// instead of the system's roots, and a client certificate with its key
/// (PEM files).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientTls {
    /// PEM bundle of the CAs to trust; `None`: the system's roots.
    pub ca_bundle: Option<std::path::PathBuf>,
    /// PEM client certificate and private key.
    pub identity: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

impl ClientTls {
    /// `b` with these settings (reads the files now).
    pub fn apply(
        &self,
        mut b: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, ClientError> {
        if let Some(p) = &self.ca_bundle {
            let certs =
                reqwest::Certificate::from_pem_bundle(&read("the CA bundle", p)?).map_err(|e| {
                    ClientError::Tls {
                        what: "sync.ca_bundle",
                        path: p.clone(),
                        detail: format!("not a PEM certificate bundle: {e}"),
                    }
                })?;
            if certs.is_empty() {
                return Err(ClientError::Tls {
                    what: "sync.ca_bundle",
                    path: p.clone(),
                    detail: "holds no certificate".to_owned(),
                });
            }
            b = b.tls_certs_only(certs);
        }
        if let Some((cert, key)) = &self.identity {
            let mut pem = read("the client certificate", cert)?;
            pem.push(b'\n');
            pem.extend(read("the client key", key)?);
            let id = reqwest::Identity::from_pem(&pem).map_err(|e| ClientError::Tls {
                what: "sync.client_cert",
                path: cert.clone(),
                detail: format!("not a usable PEM certificate and key: {e}"),
            })?;
            b = b.identity(id);
        }
        Ok(b)
    }
}

/// The central server, as one station talks to it.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    station: String,
    token: Option<crate::config::Secret>,
    /// "Now" for the retry policy (a Retry-After date is read against it).
    clock: Clock,
}

/// Largest token, CA bundle, certificate or key file read (a system CA
/// bundle is about 200 KiB).
pub const MAX_CREDENTIAL_FILE: u64 = 4 * 1024 * 1024;

/// A token, CA bundle, certificate or key file, refused past
/// [`MAX_CREDENTIAL_FILE`] bytes.
pub(crate) fn read_credential_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut buf = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_CREDENTIAL_FILE + 1)
        .read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_CREDENTIAL_FILE {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("the file is larger than {MAX_CREDENTIAL_FILE} bytes; is it the right file?"),
        ));
    }
    Ok(buf)
}

fn read(what: &'static str, path: &std::path::Path) -> Result<Vec<u8>, ClientError> {
    read_credential_file(path).map_err(|source| ClientError::Read {
        what,
        path: path.to_owned(),
        source,
    })
}

impl Client {
    /// A client for `station` from the `[sync]` settings (reads the token
    /// file, CA bundle and client certificate now).
    pub fn new(station: &str, c: &SyncConfig, clock: Clock) -> Result<Client, ClientError> {
        let token = match &c.token {
            TokenSource::None => None,
            TokenSource::Inline(s) => Some(s.clone()),
            TokenSource::File(p) => {
                let text = read("the token file", p)?;
                let t = String::from_utf8_lossy(&text).trim().to_owned();
                if t.is_empty() || t.len() > 4096 || !t.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(ClientError::BadToken(p.clone()));
                }
                Some(crate::config::Secret::new(t))
            }
        };
        let mut b = reqwest::Client::builder()
            .timeout(c.request_timeout)
            .connect_timeout(c.request_timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("lotstation/", env!("CARGO_PKG_VERSION")));
        b = ClientTls {
            ca_bundle: c.ca_bundle.clone(),
            identity: c.client_identity.clone(),
        }
        .apply(b)?;
        let http = b.build().map_err(|e| ClientError::Build(e.to_string()))?;
        if token.is_some() && !tls_or_loopback(&c.central_url) {
            tracing::warn!(central = %c.central_url, "the bearer token goes to a host other than this machine over plain http://, readable by anyone on the path; use https://");
        }
        Ok(Client {
            http,
            base: c.central_url.clone(),
            station: station.to_owned(),
            token,
            clock,
        })
    }

    fn url(&self, tail: &str) -> String {
        format!(
            "{}{}/stations/{}/{tail}",
            self.base,
            protocol::API_PREFIX,
            self.station
        )
    }

    fn auth(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => r.bearer_auth(t.expose()),
            None => r,
        }
    }

    /// Send and read the whole answer (bounded), or classify the failure.
    async fn exchange(
        &self,
        call: Call,
        url: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<Vec<u8>, Failure> {
        let fail = |ex: Exchange<'_>, detail: String| Failure {
            action: retry::classify(call, ex, self.clock.now()),
            detail,
        };
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                let ex = transport(&e);
                let described = describe(&e);
                let hint = match TlsProblem::of(&e) {
                    Some(p) => format!("; {}", p.station_hint()),
                    // hyper's words for an answer that is not HTTP, as a TLS
                    // server's alert is.
                    None if url.starts_with("http://")
                        && described.contains("invalid HTTP version") =>
                    {
                        "; the server does not answer in plain HTTP: if it serves HTTPS, write https:// in sync.central_url".to_owned()
                    }
                    None => String::new(),
                };
                return Err(fail(ex, format!("{url}: {described}{hint}")));
            }
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(c)) => {
                    if body.len() + c.len() > protocol::MAX_RESPONSE_BYTES {
                        return Err(fail(
                            Exchange::Answer {
                                status,
                                body_ok: false,
                                retry_after: None,
                            },
                            format!(
                                "{url}: the answer is larger than {} bytes",
                                protocol::MAX_RESPONSE_BYTES
                            ),
                        ));
                    }
                    body.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(fail(
                        Exchange::BodyBroken,
                        format!(
                            "{url}: HTTP {status}, the answer broke off: {}",
                            describe(&e)
                        ),
                    ));
                }
            }
        }
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let server_says = serde_json::from_slice::<ErrorBody>(&body)
            .map(|b| format!("{}: {}", b.code, b.message))
            .unwrap_or_else(|_| {
                String::from_utf8_lossy(body.get(..200).unwrap_or(&body)).into_owned()
            });
        Err(fail(
            Exchange::Answer {
                status,
                body_ok: false,
                retry_after: retry_after.as_deref(),
            },
            format!("{url}: HTTP {status}: {server_says}"),
        ))
    }

    fn unparsable(&self, call: Call, url: &str, what: String) -> Failure {
        Failure {
            action: retry::classify(
                call,
                Exchange::Answer {
                    status: 200,
                    body_ok: false,
                    retry_after: None,
                },
                self.clock.now(),
            ),
            detail: format!("{url}: {what}"),
        }
    }

    /// Push `txs` (one station's, in sequence order) and return the checked
    /// answer.
    pub async fn push(&self, txs: &[Transaction]) -> Result<PushResponse, Failure> {
        let call = Call::Push {
            batch_len: txs.len(),
        };
        let mut raw = Vec::with_capacity(txs.len());
        for (i, t) in txs.iter().enumerate() {
            let json = serde_json::to_vec(t).map_err(|e| {
                self.unparsable(call, "push", format!("cannot encode the batch: {e}"))
            })?;
            raw.push(RawOutboxEntry {
                index: i as u64,
                id: t.id,
                seq: t.seq,
                json,
            });
        }
        self.push_raw(&raw).await
    }

    /// Push outbox rows as the store holds them (their canonical JSON, not
    /// decoded and encoded again) and return the checked answer.
    pub async fn push_raw(&self, txs: &[RawOutboxEntry]) -> Result<PushResponse, Failure> {
        let batch = EncodedBatch::new(txs).map_err(|e| {
            self.unparsable(
                Call::Push {
                    batch_len: txs.len(),
                },
                "push",
                e,
            )
        })?;
        self.push_encoded(&batch).await
    }

    /// Push a batch already encoded with [`EncodedBatch::new`] and return
    /// the checked answer.
    pub async fn push_encoded(&self, batch: &EncodedBatch) -> Result<PushResponse, Failure> {
        let call = Call::Push {
            batch_len: batch.sent.len(),
        };
        let url = self.url("transactions");
        let req = self.auth(
            self.http
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(reqwest::header::CONTENT_ENCODING, "gzip")
                .header(protocol::IDEMPOTENCY_KEY_HEADER, batch.key.as_str())
                .body(batch.body.clone()),
        );
        let body = self.exchange(call, &url, req).await?;
        let resp: PushResponse = serde_json::from_slice(&body).map_err(|e| {
            self.unparsable(call, &url, format!("the push answer is not valid: {e}"))
        })?;
        protocol::check_results(&batch.sent, &resp.results)
            .map_err(|e| self.unparsable(call, &url, e.to_string()))?;
        Ok(resp)
    }

    /// Changes of `lane` after `since`.
    pub async fn changes(
        &self,
        lane: Lane,
        since: Cursor,
        limit: usize,
    ) -> Result<ChangesResponse, Failure> {
        let url = self.url(&format!(
            "changes?lane={}&since={since}&limit={limit}",
            lane.as_str()
        ));
        let body = self
            .exchange(Call::Pull, &url, self.auth(self.http.get(&url)))
            .await?;
        let page: ChangesResponse = serde_json::from_slice(&body).map_err(|e| {
            self.unparsable(
                Call::Pull,
                &url,
                format!("the changes answer is not valid: {e}"),
            )
        })?;
        if page.lane != lane {
            return Err(self.unparsable(
                Call::Pull,
                &url,
                format!(
                    "asked for the {} lane, got {}",
                    lane.as_str(),
                    page.lane.as_str()
                ),
            ));
        }
        protocol::check_changes(lane, since, &page)
            .map_err(|e| self.unparsable(Call::Pull, &url, e.to_string()))?;
        Ok(page)
    }

    /// One snapshot page of `lane`.
    pub async fn snapshot(
        &self,
        lane: Lane,
        after: Option<&str>,
        cursor: Option<Cursor>,
        limit: usize,
    ) -> Result<SnapshotPage, Failure> {
        let mut url = self.url(&format!("snapshot?lane={}&limit={limit}", lane.as_str()));
        if let Some(a) = after {
            url.push_str("&after=");
            url.push_str(&percent(a));
        }
        if let Some(c) = cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let body = self
            .exchange(Call::Snapshot, &url, self.auth(self.http.get(&url)))
            .await?;
        let page: SnapshotPage = serde_json::from_slice(&body).map_err(|e| {
            self.unparsable(
                Call::Snapshot,
                &url,
                format!("the snapshot page is not valid: {e}"),
            )
        })?;
        if page.lane != lane || page.changes.iter().any(|c| c.entity.lane() != lane) {
            return Err(self.unparsable(
                Call::Snapshot,
                &url,
                "the snapshot page holds changes of another lane".to_owned(),
            ));
        }
        Ok(page)
    }
}

/// True for an https:// URL or one whose host is this machine.
fn tls_or_loopback(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    if u.scheme() == "https" {
        return true;
    }
    let host = u.host_str().unwrap_or("");
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Percent-encode a query value (everything but unreserved characters).
/// A push batch ready for the wire: the gzip body, its idempotency key,
/// and what it holds (to check the answer against). Encoding is CPU work
/// done off the runtime, while the previous batch is on the wire.
#[derive(Debug, Clone)]
pub struct EncodedBatch {
    /// (seq, id) of each transaction, in order.
    pub sent: Vec<(u64, TxId)>,
    /// The batch's `Idempotency-Key`.
    key: String,
    /// The gzip-compressed JSON body.
    body: Vec<u8>,
}

impl EncodedBatch {
    /// Join the rows' canonical JSON into one request body, derive its key
    /// and compress it.
    pub fn new(txs: &[RawOutboxEntry]) -> Result<EncodedBatch, String> {
        let size: usize = txs.iter().map(|t| t.json.len() + 1).sum();
        let mut json = Vec::with_capacity(size + 20);
        json.extend_from_slice(b"{\"transactions\":[");
        for (i, t) in txs.iter().enumerate() {
            if i > 0 {
                json.push(b',');
            }
            json.extend_from_slice(&t.json);
        }
        json.extend_from_slice(b"]}");
        let digest: [u8; 32] = Sha256::digest(&json).into();
        let (first, last) = (
            txs.first().map_or(0, |t| t.seq),
            txs.last().map_or(0, |t| t.seq),
        );
        let key = protocol::batch_key(first, last, &digest);
        let mut gz = flate2::write::GzEncoder::new(
            Vec::with_capacity(json.len() / 4),
            flate2::Compression::fast(),
        );
        gz.write_all(&json)
            .map_err(|e| format!("cannot compress the batch: {e}"))?;
        let body = gz
            .finish()
            .map_err(|e| format!("cannot compress the batch: {e}"))?;
        Ok(EncodedBatch {
            sent: txs.iter().map(|t| (t.seq, t.id)).collect(),
            key,
            body,
        })
    }

    /// Transactions in the batch.
    pub fn len(&self) -> usize {
        self.sent.len()
    }

    /// True for an empty batch.
    pub fn is_empty(&self) -> bool {
        self.sent.is_empty()
    }
}

fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A TLS problem behind a failed request, told apart so that a person gets
/// the setting to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsProblem {
    /// The server's certificate was not accepted (its CA is not trusted,
    /// it expired, it does not name the host).
    ServerCertificate,
    /// The server requires a client certificate and got none.
    ClientCertificateRequired,
    /// The server refused the client certificate presented.
    ClientCertificateRefused,
}

impl TlsProblem {
    /// The problem behind `e`, found anywhere in its chain of causes.
    pub fn of(e: &(dyn std::error::Error + 'static)) -> Option<TlsProblem> {
        // tokio-rustls hands rustls errors up inside an io::Error (perhaps
        // wrapped in another), whose `source` skips the error it wraps: look
        // into both. The chain is short; the bound only guards a cycle.
        let mut todo: Vec<&(dyn std::error::Error + 'static)> = vec![e];
        let mut seen = 0;
        while let Some(err) = todo.pop() {
            seen += 1;
            if seen > 64 {
                break;
            }
            if let Some(p) = err
                .downcast_ref::<rustls::Error>()
                .and_then(Self::from_rustls)
            {
                return Some(p);
            }
            if let Some(inner) = err
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
            {
                todo.push(inner);
            }
            if let Some(next) = err.source() {
                todo.push(next);
            }
        }
        None
    }

    fn from_rustls(e: &rustls::Error) -> Option<TlsProblem> {
        use rustls::AlertDescription as A;
        match e {
            rustls::Error::InvalidCertificate(_) => Some(TlsProblem::ServerCertificate),
            rustls::Error::AlertReceived(A::CertificateRequired) => {
                Some(TlsProblem::ClientCertificateRequired)
            }
            rustls::Error::AlertReceived(
                A::BadCertificate
                | A::UnsupportedCertificate
                | A::CertificateRevoked
                | A::CertificateExpired
                | A::CertificateUnknown
                | A::UnknownCA
                | A::AccessDenied,
            ) => Some(TlsProblem::ClientCertificateRefused),
            _ => None,
        }
    }

    /// What to do, for a station (names the `[sync]` keys).
    pub fn station_hint(self) -> &'static str {
        match self {
            TlsProblem::ServerCertificate => {
                "the central server's certificate is not trusted: set sync.ca_bundle to the PEM file of the CA that signed it (or add that CA to the system's roots), and check that the certificate names the host of sync.central_url and is valid now"
            }
            TlsProblem::ClientCertificateRequired => {
                "the central server requires a client certificate: set sync.client_cert and sync.client_key to the station's certificate and key"
            }
            TlsProblem::ClientCertificateRefused => {
                "the central server refused the client certificate in sync.client_cert: it must be signed by a CA the server trusts and be valid now"
            }
        }
    }
}

fn transport(e: &reqwest::Error) -> Exchange<'static> {
    if e.is_timeout() {
        Exchange::Timeout
    } else if e.is_body() || e.is_decode() {
        Exchange::BodyBroken
    } else {
        Exchange::Connect
    }
}

/// A reqwest error for a person: its chain of causes, without the URL (the
/// caller names it).
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let mut s = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(c) = source {
        s.push_str(": ");
        s.push_str(&c.to_string());
        source = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_files_are_read_up_to_a_bound_and_refused_past_it() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("token");
        std::fs::write(&ok, b"0123456789abcdef\n").unwrap();
        assert_eq!(read_credential_file(&ok).unwrap(), b"0123456789abcdef\n");
        let big = dir.path().join("bundle.pem");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_CREDENTIAL_FILE + 1).unwrap();
        let e = read_credential_file(&big).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("larger than"), "{e}");
        let e = read("the CA bundle", &big).unwrap_err().to_string();
        assert!(
            e.contains("the CA bundle") && e.contains("bundle.pem"),
            "{e}"
        );
    }

    #[test]
    fn plain_http_is_only_quiet_for_this_machine() {
        for ok in [
            "https://central.example.com",
            "http://127.0.0.1:8700",
            "http://127.8.0.1",
            "http://localhost:8700",
            "http://[::1]:8700",
        ] {
            assert!(tls_or_loopback(ok), "{ok}");
        }
        for plain in [
            "http://central.example.com",
            "http://10.0.0.5:8700",
            "http://[fe80::1]:8700",
            "not a url",
        ] {
            assert!(!tls_or_loopback(plain), "{plain}");
        }
    }

    #[test]
    fn debug_of_a_client_does_not_show_its_token() {
        let text = "[station]\nid = \"s1\"\n[sync]\ncentral_url = \"https://central.example.com\"\ntoken = \"tok-CLIENT-31c9e07d5a\"\n";
        let config = match crate::config::Config::from_str(text, "/etc/lotstation/test.toml") {
            Ok(c) => c,
            Err(e) => unreachable!("{e}"),
        };
        let Some(sync) = config.sync else {
            unreachable!("[sync] is set")
        };
        let client = match Client::new("s1", &sync, Clock::system()) {
            Ok(c) => c,
            Err(e) => unreachable!("{e}"),
        };
        let shown = format!("{client:?}");
        assert!(!shown.contains("tok-"), "{shown}");
        assert!(shown.contains("Secret(***)"), "{shown}");
    }
}
