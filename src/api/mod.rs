//! The local API and the operator kiosk page (axum), bound to 127.0.0.1 by
//! default.
//!
//! - `GET /` and `/assets/*`: the kiosk page, embedded in the binary
//!   ([`kiosk`]); no external resource.
//! - `GET /api/status`, `/api/verdicts`, `/api/lot`, `/api/trace`,
//!   `/api/exceptions`: JSON ([`json`]).
//! - `GET /api/events`: Server-Sent Events of verdicts and state changes
//!   ([`sse`]).
//! - `POST /api/scan`, `/api/mode`, `/api/ack`, `/api/override`: actions
//!   ([`json`]). A typed scan becomes a [`Frame`] from the source `kiosk` and
//!   takes the scanner's path; the others are [`Control`]s to the station.
//! - `GET /healthz` ([`health`]) and `GET /metrics` ([`metrics`]).
//!
//! Invariants: every request body is at most [`MAX_BODY_BYTES`] and every
//! input is validated with an error that says what was wrong
//! ([`ApiError`]). When `api.token` is set, every route except the page's
//! own assets needs `Authorization: Bearer TOKEN`, compared in constant time
//! (the config refuses a non-loopback address without a token). Without a
//! token, only requests whose `Host` is an IP address or `localhost` are
//! served, so a web page cannot reach the station through a DNS name that
//! resolves to 127.0.0.1; and actions need a JSON body, which a cross-site
//! form cannot send.
//!
//! [`router`] builds the whole app over an [`ApiState`], so tests drive it
//! with `tower::ServiceExt::oneshot` and no socket; [`serve`] runs it on a
//! bound listener until cancelled.

pub mod health;
pub mod json;
pub mod kiosk;
pub mod metrics;
pub mod sse;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::Config;
use crate::events::control::{Control, StationView};
use crate::events::{Events, StationEvent, VerdictEvent};
use crate::signers::Attempts;
use crate::source::Frame;
use crate::source::status::Devices;
use crate::store::Store;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Verdicts kept for `/api/verdicts` and a newly opened kiosk page.
pub const RECENT_VERDICTS: usize = 50;
/// Live-feed (SSE) clients served at once.
pub const MAX_SSE_CLIENTS: usize = 16;

/// What the API is built from: the station's shared handles.
#[derive(Debug)]
pub struct ApiParts {
    /// The validated configuration.
    pub config: Arc<Config>,
    /// The store (read snapshots; the writer ping for `/healthz`).
    pub store: Store,
    /// The station's event bus.
    pub events: Events,
    /// Device states of the sources.
    pub devices: Devices,
    /// What the station shows.
    pub view: watch::Receiver<StationView>,
    /// Controls to the station task.
    pub control: mpsc::Sender<Control>,
    /// Where typed scans go. Weak: the kiosk never keeps the station
    /// running by itself; once the station stops, typed scans are refused.
    pub frames: mpsc::WeakSender<Frame>,
    /// Ends live feeds at shutdown.
    pub cancel: CancellationToken,
    /// Stamps typed scans and the age figures of the status and metrics.
    pub clock: Clock,
}

/// The API's state (cheap to clone).
#[derive(Debug, Clone)]
pub struct ApiState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Arc<Config>,
    store: Store,
    events: Events,
    devices: Devices,
    view: watch::Receiver<StationView>,
    control: mpsc::Sender<Control>,
    frames: mpsc::WeakSender<Frame>,
    cancel: CancellationToken,
    clock: Clock,
    kiosk_seq: AtomicU64,
    recent: Mutex<VecDeque<VerdictEvent>>,
    attempts: Mutex<Attempts>,
    token_digest: Option<[u8; 32]>,
    sse_clients: Arc<Semaphore>,
}

impl ApiState {
    /// Build the state and start keeping the recent verdicts (needs a tokio
    /// runtime; the keeper ends with `parts.cancel`).
    pub fn new(parts: ApiParts) -> ApiState {
        let token_digest = parts
            .config
            .api
            .token
            .as_ref()
            .map(|t| Sha256::digest(t.expose().as_bytes()).into());
        let state = ApiState {
            inner: Arc::new(Inner {
                config: parts.config,
                store: parts.store,
                events: parts.events,
                devices: parts.devices,
                view: parts.view,
                control: parts.control,
                frames: parts.frames,
                cancel: parts.cancel,
                clock: parts.clock,
                kiosk_seq: AtomicU64::new(0),
                recent: Mutex::new(VecDeque::with_capacity(RECENT_VERDICTS)),
                attempts: Mutex::new(Attempts::default()),
                token_digest,
                sse_clients: Arc::new(Semaphore::new(MAX_SSE_CLIENTS)),
            }),
        };
        tokio::spawn(keep_recent(state.clone()));
        state
    }

    fn next_kiosk_seq(&self) -> u64 {
        self.inner.kiosk_seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The most recent verdicts, newest first.
    fn recent(&self, limit: usize) -> Vec<VerdictEvent> {
        match self.inner.recent.lock() {
            Ok(r) => r.iter().rev().take(limit).cloned().collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// Keep the last [`RECENT_VERDICTS`] verdicts from the event bus.
async fn keep_recent(state: ApiState) {
    use tokio::sync::broadcast::error::RecvError;
    let mut rx = state.inner.events.subscribe();
    loop {
        let event = tokio::select! {
            () = state.inner.cancel.cancelled() => return,
            e = rx.recv() => e,
        };
        match event {
            Ok(StationEvent::Verdict(v)) => {
                if let Ok(mut r) = state.inner.recent.lock() {
                    if r.len() >= RECENT_VERDICTS {
                        r.pop_front();
                    }
                    r.push_back(*v);
                }
            }
            Ok(_) => {}
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "recent-verdict list fell behind the station");
            }
            Err(RecvError::Closed) => return,
        }
    }
}

/// An error answer: status code plus `{"error": ..., "hint": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    /// HTTP status.
    #[serde(skip)]
    pub status: StatusCode,
    /// What was wrong.
    pub error: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl ApiError {
    /// An error with a status and text.
    pub fn new(status: StatusCode, error: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error: error.into(),
            hint: None,
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(error: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, error)
    }

    /// Add a hint.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> ApiError {
        self.hint = Some(hint.into());
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(&self)).into_response()
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        tracing::error!(error = %e, "store read failed in an API request");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
    }
}

/// The whole app: kiosk page, API, health and metrics.
pub fn router(state: ApiState) -> Router {
    let guarded = Router::new()
        .route("/api/status", get(json::status))
        .route("/api/verdicts", get(json::verdicts))
        .route("/api/lot", get(json::lot))
        .route("/api/trace", get(json::trace))
        .route("/api/exceptions", get(json::exceptions))
        .route("/api/events", get(sse::events))
        .route("/api/scan", post(json::scan))
        .route("/api/mode", post(json::mode))
        .route("/api/ack", post(json::ack))
        .route("/api/override", post(json::override_refusal))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics::render))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authorize,
        ));
    Router::new()
        .route("/", get(kiosk::page))
        .route("/assets/kiosk.css", get(kiosk::css))
        .route("/assets/kiosk.js", get(kiosk::js))
        .merge(guarded)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            check_host,
        ))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such page or endpoint")
        .hint("the kiosk is at /, the API under /api/ (see the README)")
}

/// Without a token, serve only requests addressed to an IP or `localhost`
/// (defeats DNS rebinding).
async fn check_host(State(state): State<ApiState>, req: Request, next: Next) -> Response {
    if state.inner.token_digest.is_none() {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if !host_is_local_name(host) {
            return ApiError::new(
                StatusCode::MISDIRECTED_REQUEST,
                format!("requests for host {host:?} are not served"),
            )
            .hint("open the kiosk by IP address (e.g. http://127.0.0.1:8370/) or as localhost; set api.token to serve other names")
            .into_response();
        }
    }
    next.run(req).await
}

/// True for `localhost`, an IPv4 address or a bracketed IPv6 address, each
/// with an optional port.
fn host_is_local_name(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        return rest.split_once(']').is_some_and(|(ip, port)| {
            ip.parse::<std::net::Ipv6Addr>().is_ok() && valid_port(port)
        });
    } else {
        match host.rsplit_once(':') {
            Some((n, port)) if valid_port(&format!(":{port}")) => n,
            _ => host,
        }
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::Ipv4Addr>().is_ok()
}

fn valid_port(s: &str) -> bool {
    s.is_empty()
        || s.strip_prefix(':')
            .is_some_and(|p| p.parse::<u16>().is_ok())
}

/// Check the bearer token, when one is configured.
async fn authorize(State(state): State<ApiState>, req: Request, next: Next) -> Response {
    if let Some(want) = &state.inner.token_digest {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(|t| Sha256::digest(t.trim().as_bytes()));
        let ok = given.is_some_and(|g| bool::from(g.as_slice().ct_eq(want.as_slice())));
        if !ok {
            ::metrics::counter!("lotstation_api_unauthorized_total").increment(1);
            let mut r = ApiError::new(StatusCode::UNAUTHORIZED, "missing or wrong API token")
                .hint("send Authorization: Bearer TOKEN with the token from api.token")
                .into_response();
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
    }
    next.run(req).await
}

/// Why the API could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The address could not be bound.
    #[error(
        "cannot listen on {addr} for the kiosk and API: {source} (is another lotstation or program using the port? change api.listen, or set it to \"\" to turn the API off)"
    )]
    Bind {
        /// Address.
        addr: std::net::SocketAddr,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// Bind the API's listener (before the station says it is ready).
pub async fn bind(addr: std::net::SocketAddr) -> Result<tokio::net::TcpListener, ServeError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })
}

/// Serve the app on `listener` until `shutdown` is cancelled (live feeds end
/// then too, so the server drains).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ApiState,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let app = router(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}
