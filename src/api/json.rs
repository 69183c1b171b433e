//! JSON endpoints: status, recent verdicts, lot lookup, trace, pending
//! exceptions, and the kiosk's actions (typed scan, mode switch,
//! acknowledge, signed override).

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::{ApiError, ApiState};
use crate::events::control::{Control, KIOSK_SOURCE, StationView};
use crate::events::{Recorded, VerdictEvent};
use crate::ident::{self, DecodeOptions};
use crate::model::{ItemCode, Lot, LotKey, LotNo, Transaction};
use crate::signers::{self, Refusal};
use crate::source::Frame;
use crate::station::Mode;
use crate::store::trace;

/// How long an action waits for the station to answer.
const STATION_ANSWER: Duration = Duration::from_secs(10);
/// Most transactions returned with a lot.
const LOT_HISTORY: usize = 100;
/// Largest trace walk.
const MAX_TRACE: usize = 10_000;

/// A JSON body, or a 400/413/415 that says what was wrong with it.
fn body<T>(r: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    r.map(|Json(t)| t).map_err(|e| {
        let hint = match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                format!("bodies are limited to {} bytes", super::MAX_BODY_BYTES)
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                "send the body as JSON with Content-Type: application/json".to_owned()
            }
            _ => "see the README for the fields each endpoint takes".to_owned(),
        };
        ApiError::new(e.status(), e.body_text()).hint(hint)
    })
}

fn query<T>(r: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    r.map(|Query(t)| t).map_err(|e| {
        ApiError::new(e.status(), e.body_text())
            .hint("see the README for the query parameters each endpoint takes")
    })
}

/// The station's sync state as the kiosk shows it.
#[derive(Debug, Serialize)]
pub struct SyncView {
    /// `true` when the last exchange with the central server succeeded,
    /// `false` after a failure, `null` before any exchange.
    pub online: Option<bool>,
    /// Transactions waiting to be sent.
    pub outbox: u64,
    /// When the oldest of them was recorded.
    pub oldest_pending_at: Option<Timestamp>,
    /// Last successful push.
    pub last_sync: Option<Timestamp>,
    /// Last error, as shown to IT.
    pub last_error: Option<String>,
    /// Transactions the central server rejected (parked until a person
    /// fixes them) or flagged (e.g. a lot used while held centrally).
    pub exceptions: u64,
}

/// One source's state.
#[derive(Debug, Serialize)]
pub struct DeviceView {
    /// Source name.
    pub name: String,
    /// State and its details.
    #[serde(flatten)]
    pub status: crate::source::status::DeviceStatus,
}

/// `GET /api/status`.
#[derive(Debug, Serialize)]
pub struct Status {
    /// Mode, step, operator, latched error, overridable refusal.
    #[serde(flatten)]
    pub view: StationView,
    /// Every mode, in the kiosk's order.
    pub modes: Vec<Mode>,
    /// Sources and their states.
    pub devices: Vec<DeviceView>,
    /// Outbox and central server.
    pub sync: SyncView,
    /// lotstation version.
    pub version: &'static str,
}

/// The current status (also the SSE `status` event).
pub fn current_status(state: &ApiState) -> Result<Status, ApiError> {
    let snap = state.inner.store.snapshot()?;
    let sync = snap.sync_state()?;
    let online = match (&sync.last_error, &sync.last_push) {
        (Some(_), _) => Some(false),
        (None, Some(_)) => Some(true),
        (None, None) => None,
    };
    Ok(Status {
        view: state.inner.view.borrow().clone(),
        modes: Mode::ALL.to_vec(),
        devices: state
            .inner
            .devices
            .snapshot()
            .into_iter()
            .map(|(name, status)| DeviceView {
                name: name.to_string(),
                status,
            })
            .collect(),
        sync: SyncView {
            online,
            outbox: snap.outbox_len()?,
            oldest_pending_at: snap.outbox_oldest()?.map(|e| e.tx.at),
            last_sync: sync.last_push,
            last_error: sync.last_error,
            exceptions: snap.sync_exception_count()?,
        },
        version: env!("CARGO_PKG_VERSION"),
    })
}

pub(super) async fn status(State(state): State<ApiState>) -> Result<Json<Status>, ApiError> {
    current_status(&state).map(Json)
}

/// `?limit=N`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Limit {
    limit: Option<usize>,
}

/// `GET /api/verdicts`: the latest verdicts, newest first.
#[derive(Debug, Serialize)]
pub struct Verdicts {
    /// Newest first.
    pub verdicts: Vec<VerdictEvent>,
}

pub(super) async fn verdicts(
    State(state): State<ApiState>,
    q: Result<Query<Limit>, QueryRejection>,
) -> Result<Json<Verdicts>, ApiError> {
    let limit = query(q)?.limit.unwrap_or(super::RECENT_VERDICTS);
    Ok(Json(Verdicts {
        verdicts: state.recent(limit.min(super::RECENT_VERDICTS)),
    }))
}

/// A lot named in a query: `item` + `lot`, or `code` (a GS1 label with
/// (01) and (10), or `ITEM/LOT`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LotQuery {
    item: Option<String>,
    lot: Option<String>,
    code: Option<String>,
    direction: Option<String>,
    limit: Option<usize>,
}

impl LotQuery {
    fn key(&self) -> Result<LotKey, ApiError> {
        let bad = |what: String| {
            ApiError::bad_request(what).hint(
                "name the lot as ?item=GTIN&lot=LOT, or ?code= with a GS1 label carrying (01) and (10), or ITEM/LOT",
            )
        };
        let checked = |item: &str, lot: &str| -> Result<LotKey, ApiError> {
            for (name, v) in [("item", item), ("lot", lot)] {
                if v.is_empty() || v.len() > 64 || v.chars().any(char::is_control) {
                    return Err(bad(format!(
                        "{name} {v:?} is not valid (1 to 64 characters, no control characters)"
                    )));
                }
            }
            Ok(LotKey {
                item: ItemCode(item.to_owned()),
                lot: LotNo(lot.to_owned()),
            })
        };
        match (&self.item, &self.lot, &self.code) {
            (Some(i), Some(l), None) => checked(i, l),
            (None, None, Some(code)) => {
                if code.len() > 512 {
                    return Err(bad("code is longer than 512 bytes".to_owned()));
                }
                let decoded = ident::decode(code.as_bytes(), &DecodeOptions::default());
                if let Some(es) = decoded.as_ref().ok().and_then(|d| d.element_string())
                    && let (Some(item), Some(lot)) = (es.get("01"), es.get("10"))
                {
                    return checked(item, lot);
                }
                match code.split_once('/') {
                    Some((i, l)) => checked(i, l),
                    None => Err(bad(format!("{code:?} names no lot"))),
                }
            }
            _ => Err(bad("give either item and lot, or code".to_owned())),
        }
    }
}

/// `GET /api/lot`.
#[derive(Debug, Serialize)]
pub struct LotReport {
    /// The lot.
    pub lot: Lot,
    /// Its latest transactions, oldest first.
    pub history: Vec<Transaction>,
    /// True if older transactions were left out.
    pub history_truncated: bool,
}

pub(super) async fn lot(
    State(state): State<ApiState>,
    q: Result<Query<LotQuery>, QueryRejection>,
) -> Result<Json<LotReport>, ApiError> {
    let key = query(q)?.key()?;
    let snap = state.inner.store.snapshot()?;
    let Some(lot) = snap.try_lot(&key)? else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("lot {key} is not in the station's store"),
        )
        .hint("check the item and the lot number as stored (canonical form)"));
    };
    let mut history = snap.history(&key)?;
    let cut = history.len().saturating_sub(LOT_HISTORY);
    let history_truncated = cut > 0;
    history.drain(..cut);
    Ok(Json(LotReport {
        lot,
        history,
        history_truncated,
    }))
}

/// `GET /api/trace`.
#[derive(Debug, Serialize)]
pub struct TraceReport {
    /// The lot traced.
    pub lot: LotKey,
    /// `backward` or `forward`.
    pub direction: &'static str,
    /// Lots found, nearest first.
    pub lots: Vec<LotKey>,
    /// Shipments that carried the lot or its descendants (forward only).
    pub shipments: Vec<String>,
    /// True if the walk stopped at its limit.
    pub truncated: bool,
}

pub(super) async fn trace(
    State(state): State<ApiState>,
    q: Result<Query<LotQuery>, QueryRejection>,
) -> Result<Json<TraceReport>, ApiError> {
    let q = query(q)?;
    let key = q.key()?;
    let limit = q.limit.unwrap_or(MAX_TRACE).clamp(1, MAX_TRACE);
    let snap = state.inner.store.snapshot()?;
    if snap.try_lot(&key)?.is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("lot {key} is not in the station's store"),
        ));
    }
    let report = match q.direction.as_deref() {
        Some("backward") | None => {
            let b = trace::backward(&snap, &key, limit)?;
            TraceReport {
                lot: key,
                direction: "backward",
                lots: b.lots,
                shipments: Vec::new(),
                truncated: b.truncated,
            }
        }
        Some("forward") => {
            let f = trace::forward(&snap, &key, limit)?;
            TraceReport {
                lot: key,
                direction: "forward",
                lots: f.lots,
                shipments: f.shipments,
                truncated: f.truncated,
            }
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!("unknown direction {other:?}"))
                .hint("allowed: backward (what the lot was made from), forward (what was made from it, and shipments)"));
        }
    };
    Ok(Json(report))
}

/// `GET /api/exceptions`: what needs a person now.
#[derive(Debug, Serialize)]
pub struct Exceptions {
    /// The error shown until acknowledged.
    pub latched: Option<crate::events::control::Latched>,
    /// A refused move a supervisor may still override.
    pub overridable: Option<crate::events::control::Overridable>,
    /// Sources that are not delivering scans (disconnected, retrying,
    /// missing, permission denied).
    pub devices_down: Vec<DeviceView>,
    /// The central server's last error, while offline.
    pub sync_error: Option<String>,
    /// Transactions waiting for the central server.
    pub outbox: u64,
    /// When the oldest of them was recorded.
    pub oldest_pending_at: Option<Timestamp>,
    /// Transactions the central server rejected (parked: `lotstation
    /// outbox retry ID` after the fix) or flagged, oldest first (at most
    /// [`MAX_SYNC_EXCEPTIONS`]).
    pub sync_exceptions: Vec<crate::store::SyncException>,
}

/// Most sync exceptions `/api/exceptions` lists.
pub const MAX_SYNC_EXCEPTIONS: usize = 100;

pub(super) async fn exceptions(
    State(state): State<ApiState>,
) -> Result<Json<Exceptions>, ApiError> {
    let s = current_status(&state)?;
    let sync_exceptions = state
        .inner
        .store
        .snapshot()?
        .sync_exceptions(MAX_SYNC_EXCEPTIONS)?;
    use crate::source::status::DeviceState;
    Ok(Json(Exceptions {
        latched: s.view.latched,
        overridable: s.view.overridable,
        devices_down: s
            .devices
            .into_iter()
            .filter(|d| {
                !matches!(
                    d.status.state,
                    DeviceState::Connected { .. } | DeviceState::Starting | DeviceState::Stopped
                )
            })
            .collect(),
        sync_error: s.sync.last_error,
        outbox: s.sync.outbox,
        oldest_pending_at: s.sync.oldest_pending_at,
        sync_exceptions,
    }))
}

/// `POST /api/scan` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScanBody {
    /// What the operator typed, as a scanner would send it. `{GS}`, `<GS>`
    /// and `\x1d` stand for the GS separator.
    text: String,
}

/// `POST /api/scan` answer.
#[derive(Debug, Serialize)]
pub struct ScanQueued {
    /// Source the scan comes from (`kiosk`).
    pub source: &'static str,
    /// Its sequence number on that source.
    pub seq: u64,
}

/// Check a typed scan and turn it into scan bytes.
pub fn typed_scan(text: &str, max: usize) -> Result<Vec<u8>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::bad_request("the scan is empty")
            .hint("type the label's text, e.g. (01)09506000134352(10)24-0847 or WO-1001"));
    }
    let bytes = crate::source::stdin::expand_gs_aids(text.as_bytes());
    if bytes.len() > max {
        return Err(ApiError::bad_request(format!(
            "the scan has {} bytes, more than the {max} allowed",
            bytes.len()
        ))
        .hint("see decode.max_scan_bytes"));
    }
    if let Some(c) = bytes.iter().find(|b| b.is_ascii_control() && **b != 0x1d) {
        return Err(ApiError::bad_request(format!(
            "the scan contains the control character 0x{c:02X}"
        ))
        .hint("only the GS separator is allowed; type it as {GS}"));
    }
    Ok(bytes)
}

pub(super) async fn scan(
    State(state): State<ApiState>,
    b: Result<Json<ScanBody>, JsonRejection>,
) -> Result<(StatusCode, Json<ScanQueued>), ApiError> {
    let b = body(b)?;
    let bytes = typed_scan(&b.text, state.inner.config.decode.max_input_len)?;
    let Some(tx) = state.inner.frames.upgrade() else {
        return Err(stopped());
    };
    let seq = state.next_kiosk_seq();
    let frame = Frame {
        source: std::sync::Arc::from(KIOSK_SOURCE),
        bytes,
        assume_symbology: None,
        at: state.inner.clock.now(),
        seq,
    };
    match tokio::time::timeout(STATION_ANSWER, tx.send(frame)).await {
        Ok(Ok(())) => Ok((
            StatusCode::ACCEPTED,
            Json(ScanQueued {
                source: KIOSK_SOURCE,
                seq,
            }),
        )),
        Ok(Err(_)) => Err(stopped()),
        Err(_) => Err(busy()),
    }
}

fn stopped() -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the station has stopped")
        .hint("restart lotstation")
}

fn busy() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "the station did not answer in time",
    )
    .hint("try again; if it persists, check the logs")
}

/// Send a control and wait for its answer.
async fn ask<T>(
    state: &ApiState,
    make: impl FnOnce(oneshot::Sender<T>) -> Control,
) -> Result<T, ApiError> {
    let (reply, rx) = oneshot::channel();
    tokio::time::timeout(STATION_ANSWER, async {
        state
            .inner
            .control
            .send(make(reply))
            .await
            .map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())
    })
    .await
    .map_err(|_| busy())?
}

/// `POST /api/mode` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ModeBody {
    mode: String,
}

/// `POST /api/mode` answer.
#[derive(Debug, Serialize)]
pub struct ModeSet {
    /// The new mode.
    pub mode: Mode,
    /// What its first step expects.
    pub expecting: String,
}

pub(super) async fn mode(
    State(state): State<ApiState>,
    b: Result<Json<ModeBody>, JsonRejection>,
) -> Result<Json<ModeSet>, ApiError> {
    let b = body(b)?;
    let mode: Mode = b
        .mode
        .parse()
        .map_err(|e: crate::station::UnknownMode| ApiError::bad_request(e.to_string()))?;
    ask(&state, |reply| Control::SetMode { mode, reply }).await?;
    let view = state.inner.view.borrow().clone();
    Ok(Json(ModeSet {
        mode: view.mode,
        expecting: view.expecting,
    }))
}

/// `POST /api/ack` answer.
#[derive(Debug, Serialize)]
pub struct Acked {
    /// False if no error was latched.
    pub acknowledged: bool,
}

pub(super) async fn ack(State(state): State<ApiState>) -> Result<Json<Acked>, ApiError> {
    let acknowledged = ask(&state, |reply| Control::Acknowledge {
        by: KIOSK_SOURCE.to_owned(),
        reply,
    })
    .await?;
    Ok(Json(Acked { acknowledged }))
}

/// `POST /api/override` body: the two signature components and the reason.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OverrideBody {
    user: String,
    pin: String,
    reason: String,
}

impl std::fmt::Debug for OverrideBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OverrideBody")
            .field("user", &self.user)
            .field("reason", &self.reason)
            .finish_non_exhaustive()
    }
}

/// `POST /api/override` answer.
#[derive(Debug, Serialize)]
pub struct Overridden {
    /// The transaction recorded.
    pub recorded: Recorded,
    /// Who signed, by printed name.
    pub signed_by: String,
}

pub(super) async fn override_refusal(
    State(state): State<ApiState>,
    b: Result<Json<OverrideBody>, JsonRejection>,
) -> Result<Json<Overridden>, ApiError> {
    let b = body(b)?;
    if !signers::valid_user(&b.user) {
        return Err(ApiError::bad_request("the user id is not valid")
            .hint("1 to 64 characters A-Z a-z 0-9 . _ -"));
    }
    if b.pin.is_empty() || b.pin.chars().count() > *signers::PIN_LEN.end() {
        return Err(ApiError::bad_request("the PIN is empty or too long"));
    }
    let reason = b.reason.trim().to_owned();
    if !(3..=500).contains(&reason.chars().count()) || reason.chars().any(char::is_control) {
        return Err(
            ApiError::bad_request("the reason must be 3 to 500 characters on one line")
                .hint("say why the refusal is overridden, e.g. \"inspected, certificate on file\""),
        );
    }
    if state.inner.view.borrow().overridable.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "no refused move in the last 60 s to override",
        ));
    }
    let now = Instant::now();
    if let Ok(mut a) = state.inner.attempts.lock() {
        a.check(&b.user, now).map_err(refusal)?;
    }
    let path = state.inner.config.api.signers_path.clone();
    let (user, pin) = (b.user.clone(), b.pin);
    let checked = tokio::task::spawn_blocking(move || {
        let records = signers::load(&path).map_err(|e| Refusal::Unavailable(e.to_string()))?;
        signers::verify(&records, &user, &pin)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let signer = match checked {
        Ok(s) => {
            if let Ok(mut a) = state.inner.attempts.lock() {
                a.succeeded(&b.user);
            }
            s
        }
        Err(r) => {
            if r == Refusal::NotAccepted {
                metrics::counter!("lotstation_signature_failures_total").increment(1);
                tracing::warn!(user = %b.user, "electronic signature refused: user id or PIN not accepted");
                if let Ok(mut a) = state.inner.attempts.lock() {
                    a.failed(&b.user, now);
                }
            }
            return Err(refusal(r));
        }
    };
    let signed_by = signer.name.clone();
    let recorded = ask(&state, |reply| Control::Override {
        signer,
        why: reason,
        reply,
    })
    .await?
    .map_err(|e| ApiError::new(StatusCode::CONFLICT, e))?;
    Ok(Json(Overridden {
        recorded,
        signed_by,
    }))
}

fn refusal(r: Refusal) -> ApiError {
    let status = match r {
        Refusal::NotAccepted => StatusCode::FORBIDDEN,
        Refusal::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    };
    ApiError::new(status, r.to_string())
}
