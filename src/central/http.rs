//! The reference central server's HTTP routes (axum): the sync protocol,
//! the read API, the admin endpoints and the fault switches.
//!
//! Every body is bounded ([`protocol::MAX_PUSH_WIRE_BYTES`] as sent,
//! [`protocol::MAX_PUSH_BODY_BYTES`] decompressed); decompression, parsing
//! and the store's write run on a blocking thread. Tokens are compared, never
//! logged.

// The helpers refuse a request with the `Response` the handler returns; it
// is built once per refused request, so its size does not matter.
#![allow(
    clippy::result_large_err,
    reason = "refusals are axum Responses returned as the error"
)]

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::db::{CentralDb, CentralError, Incoming};
use super::faults::{Dice, Faults, Roll};
use crate::protocol::{self, ErrorBody, Lane, LotStatusData, codes};

/// Shared state of the routes.
#[derive(Debug)]
pub struct App {
    /// The store.
    pub db: Arc<CentralDb>,
    /// Fault switches.
    pub dice: Dice,
    /// Station → token; `None`: any station, no token (trials).
    pub tokens: Option<BTreeMap<String, String>>,
    /// Admin token; `None`: the admin endpoints are open (loopback only).
    pub admin_token: Option<String>,
}

/// The router over `app`.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            "/v1/stations/{station}/transactions",
            post(push)
                .get(sent)
                .layer(DefaultBodyLimit::max(protocol::MAX_PUSH_WIRE_BYTES)),
        )
        .route("/v1/stations/{station}/changes", get(changes))
        .route("/v1/stations/{station}/snapshot", get(snapshot))
        .route("/v1/stations", get(stations))
        .route("/v1/admin/lot-status", post(lot_status))
        .route(
            "/v1/admin/master-data",
            post(master_data).layer(DefaultBodyLimit::max(protocol::MAX_PUSH_BODY_BYTES)),
        )
        .route("/v1/admin/faults", get(get_faults).put(put_faults))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(app)
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = ErrorBody {
        code: code.to_owned(),
        message: message.into(),
        expected_seq: None,
        conflicting_seq: None,
    };
    json_response(status, serde_json::to_vec(&body).unwrap_or_default())
}

fn central_error(e: &CentralError) -> Response {
    let (status, _) = e.status_and_code();
    if status >= 500 {
        tracing::error!(error = %e, "central server failed a request");
    }
    json_response(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        serde_json::to_vec(&e.body()).unwrap_or_default(),
    )
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Equal in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn check_station(app: &App, headers: &HeaderMap, station: &str) -> Result<(), Response> {
    let Some(tokens) = &app.tokens else {
        return Ok(());
    };
    let Some(token) = bearer(headers) else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHORIZED,
            "no bearer token; set sync.token or sync.token_file on the station",
        ));
    };
    match tokens.get(station) {
        Some(t) if same(t, token) => Ok(()),
        _ if tokens.values().any(|t| same(t, token)) => Err(error(
            StatusCode::FORBIDDEN,
            codes::FORBIDDEN,
            format!("this token belongs to another station than {station}"),
        )),
        _ => Err(error(
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHORIZED,
            format!("the token is not valid for station {station}"),
        )),
    }
}

fn check_admin(app: &App, headers: &HeaderMap) -> Result<(), Response> {
    match &app.admin_token {
        None => Ok(()),
        Some(t) if bearer(headers).is_some_and(|b| same(t, b)) => Ok(()),
        Some(_) => Err(error(
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHORIZED,
            "admin endpoints need the admin bearer token",
        )),
    }
}

fn check_station_name(station: &str) -> Result<(), Response> {
    let ok = (1..=64).contains(&station.len())
        && station
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(error(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            "a station id is 1 to 64 of A-Z a-z 0-9 . _ -",
        ))
    }
}

/// Faults that act before the request is served.
async fn before(app: &App) -> Result<Roll, Response> {
    let roll = app.dice.roll();
    if roll.slow {
        let ms = app.dice.faults().slow_ms;
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if roll.http_500 {
        return Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "fault switch http_500",
        ));
    }
    if roll.http_429 {
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            codes::RATE_LIMITED,
            "fault switch http_429",
        );
        let secs = app.dice.faults().retry_after_secs;
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Err(r);
    }
    Ok(roll)
}

/// Faults that act on a served request's answer.
fn after(roll: Roll, body: Vec<u8>, push: bool) -> Response {
    if push && roll.lost_after_commit {
        return broken(Vec::new());
    }
    if roll.reset {
        let half = body.len() / 2;
        return broken(body.get(..half).unwrap_or_default().to_vec());
    }
    if roll.truncate {
        let cut = body.len() * 2 / 3;
        return json_response(StatusCode::OK, body.get(..cut).unwrap_or_default().to_vec());
    }
    json_response(StatusCode::OK, body)
}

/// A 200 whose body breaks off after `sent` bytes: the connection is closed
/// mid-body.
fn broken(sent: Vec<u8>) -> Response {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from(sent)),
        Err(std::io::Error::other(
            "fault switch: connection broken mid-body",
        )),
    ];
    let mut r = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(protocol::MAX_PUSH_BODY_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("the body is not valid gzip: {e}"))?;
    if out.len() > protocol::MAX_PUSH_BODY_BYTES {
        return Err(format!(
            "the body is larger than {} bytes decompressed",
            protocol::MAX_PUSH_BODY_BYTES
        ));
    }
    Ok(out)
}

async fn push(
    State(app): State<Arc<App>>,
    Path(station): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) =
        check_station_name(&station).and_then(|()| check_station(&app, &headers, &station))
    {
        return r;
    }
    let roll = match before(&app).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let key = match headers
        .get(protocol::IDEMPOTENCY_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        Some(k)
            if !k.is_empty()
                && k.len() <= protocol::MAX_IDEMPOTENCY_KEY_LEN
                && k.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            k.to_owned()
        }
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                codes::BAD_REQUEST,
                "an Idempotency-Key header of 1 to 128 visible ASCII characters is required",
            );
        }
    };
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    let db = Arc::clone(&app.db);
    let st = station.clone();
    let served = tokio::task::spawn_blocking(move || {
        let plain;
        let raw: &[u8] = if gzip {
            plain =
                gunzip(&body).map_err(|m| error(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, m))?;
            &plain
        } else {
            &body
        };
        if raw.len() > protocol::MAX_PUSH_BODY_BYTES {
            return Err(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::BATCH_TOO_LARGE,
                "the body is too large",
            ));
        }
        #[derive(serde::Deserialize)]
        struct RawPush<'a> {
            #[serde(borrow)]
            transactions: Vec<&'a serde_json::value::RawValue>,
        }
        let bad = |e: serde_json::Error| {
            error(
                StatusCode::BAD_REQUEST,
                codes::BAD_REQUEST,
                format!("the body is not a push request: {e}"),
            )
        };
        let req: RawPush<'_> = serde_json::from_slice(raw).map_err(bad)?;
        if req.transactions.len() > protocol::MAX_BATCH {
            return Err(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::BATCH_TOO_LARGE,
                format!("at most {} transactions per batch", protocol::MAX_BATCH),
            ));
        }
        let incoming = req
            .transactions
            .iter()
            .map(|r| {
                serde_json::from_str::<crate::model::Transaction>(r.get()).map(|tx| Incoming {
                    tx,
                    raw: r.get().as_bytes(),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        let resp = db
            .push_raw(&st, &key, &incoming)
            .map_err(|e| central_error(&e))?;
        serde_json::to_vec(&resp)
            .map_err(|e| {
                error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    codes::INTERNAL,
                    e.to_string(),
                )
            })
            .map(|b| (b, incoming.len(), resp.next_seq))
    })
    .await;
    match served {
        Ok(Ok((body, n, next))) => {
            tracing::debug!(station = %station, transactions = n, next_seq = next, "push recorded");
            after(roll, body, true)
        }
        Ok(Err(r)) => r,
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            e.to_string(),
        ),
    }
}

#[derive(Debug, Deserialize)]
struct ChangesQuery {
    lane: String,
    #[serde(default)]
    since: u64,
    #[serde(default)]
    limit: Option<usize>,
}

fn lane_of(s: &str) -> Result<Lane, Response> {
    Lane::parse(s).ok_or_else(|| {
        error(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!("lane={s:?}; allowed: status, master"),
        )
    })
}

fn limit_of(l: Option<usize>) -> usize {
    l.unwrap_or(1_000).clamp(1, protocol::MAX_PAGE)
}

async fn changes(
    State(app): State<Arc<App>>,
    Path(station): Path<String>,
    Query(q): Query<ChangesQuery>,
    headers: HeaderMap,
) -> Response {
    let since = q.since;
    lane_page(
        &app,
        &station,
        &headers,
        &q.lane,
        q.limit,
        move |db, lane, limit| db.changes(lane, since, limit),
    )
    .await
}

/// A page of a lane for a station (changes or snapshot): the station and
/// its token checked, the lane parsed, the read done off the runtime, the
/// page sent as JSON through the fault switches.
async fn lane_page<T: Serialize + Send + 'static>(
    app: &Arc<App>,
    station: &str,
    headers: &HeaderMap,
    lane: &str,
    limit: Option<usize>,
    read: impl FnOnce(&CentralDb, Lane, usize) -> Result<T, CentralError> + Send + 'static,
) -> Response {
    if let Err(r) = check_station_name(station).and_then(|()| check_station(app, headers, station))
    {
        return r;
    }
    let lane = match lane_of(lane) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let roll = match before(app).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let db = Arc::clone(&app.db);
    let limit = limit_of(limit);
    match tokio::task::spawn_blocking(move || read(&db, lane, limit)).await {
        Ok(Ok(page)) => match serde_json::to_vec(&page) {
            Ok(b) => after(roll, b, false),
            Err(e) => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                codes::INTERNAL,
                e.to_string(),
            ),
        },
        Ok(Err(e)) => central_error(&e),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            e.to_string(),
        ),
    }
}

#[derive(Debug, Deserialize)]
struct SnapshotQuery {
    lane: String,
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    cursor: Option<u64>,
    #[serde(default)]
    limit: Option<usize>,
}

async fn snapshot(
    State(app): State<Arc<App>>,
    Path(station): Path<String>,
    Query(q): Query<SnapshotQuery>,
    headers: HeaderMap,
) -> Response {
    let (after_key, cursor) = (q.after, q.cursor);
    lane_page(
        &app,
        &station,
        &headers,
        &q.lane,
        q.limit,
        move |db, lane, limit| db.snapshot(lane, after_key.as_deref(), cursor, limit),
    )
    .await
}

#[derive(Debug, Serialize)]
struct StationsBody {
    stations: Vec<super::db::StationSummary>,
}

async fn stations(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(r) = check_admin(&app, &headers) {
        return r;
    }
    let db = Arc::clone(&app.db);
    match tokio::task::spawn_blocking(move || db.stations()).await {
        Ok(Ok(stations)) => json_response(
            StatusCode::OK,
            serde_json::to_vec(&StationsBody { stations }).unwrap_or_default(),
        ),
        Ok(Err(e)) => central_error(&e),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            e.to_string(),
        ),
    }
}

#[derive(Debug, Deserialize)]
struct SentQuery {
    #[serde(default)]
    after: u64,
    #[serde(default)]
    limit: Option<usize>,
}

async fn sent(
    State(app): State<Arc<App>>,
    Path(station): Path<String>,
    Query(q): Query<SentQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = check_station_name(&station).and_then(|()| check_admin(&app, &headers)) {
        return r;
    }
    let db = Arc::clone(&app.db);
    let limit = limit_of(q.limit);
    match tokio::task::spawn_blocking(move || db.sent(&station, q.after, limit)).await {
        Ok(Ok(page)) => json_response(
            StatusCode::OK,
            serde_json::to_vec(&page).unwrap_or_default(),
        ),
        Ok(Err(e)) => central_error(&e),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            e.to_string(),
        ),
    }
}

async fn lot_status(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = check_admin(&app, &headers) {
        return r;
    }
    let data: LotStatusData = match serde_json::from_slice(&body) {
        Ok(d) => d,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                codes::BAD_REQUEST,
                format!("not a lot status: {e}"),
            );
        }
    };
    let db = Arc::clone(&app.db);
    match tokio::task::spawn_blocking(move || db.set_lot_status(&data).map(|c| (c, data))).await {
        Ok(Ok((cursor, data))) => {
            tracing::info!(item = %data.item, lot = %data.lot, status = data.status.as_str(), case = data.case_ref.as_deref().unwrap_or(""), cursor, "lot status set centrally");
            json_response(
                StatusCode::OK,
                serde_json::to_vec(&serde_json::json!({ "cursor": cursor })).unwrap_or_default(),
            )
        }
        Ok(Err(e)) => central_error(&e),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            e.to_string(),
        ),
    }
}

async fn master_data(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = check_admin(&app, &headers) {
        return r;
    }
    let db = Arc::clone(&app.db);
    let done = tokio::task::spawn_blocking(move || {
        let text = std::str::from_utf8(&body).map_err(|e| {
            error(
                StatusCode::BAD_REQUEST,
                codes::BAD_REQUEST,
                format!("not UTF-8: {e}"),
            )
        })?;
        let anchor = crate::clock::Anchor::utc(db.clock().now());
        let data = crate::store::import::parse_json("request body", text, &anchor)
            .map_err(|e| error(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, e.to_string()))?;
        db.import(&data).map_err(|e| central_error(&e))
    })
    .await;
    match done {
        Ok(Ok((n, cursor))) => {
            tracing::info!(changes = n, cursor, "master data imported centrally");
            json_response(
                StatusCode::OK,
                serde_json::to_vec(&serde_json::json!({ "changes": n, "cursor": cursor }))
                    .unwrap_or_default(),
            )
        }
        Ok(Err(r)) => r,
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            e.to_string(),
        ),
    }
}

async fn get_faults(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(r) = check_admin(&app, &headers) {
        return r;
    }
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&app.dice.faults()).unwrap_or_default(),
    )
}

async fn put_faults(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = check_admin(&app, &headers) {
        return r;
    }
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                codes::BAD_REQUEST,
                format!("not fault switches: {e}"),
            );
        }
    };
    if let Err(m) = faults.validate() {
        return error(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, m);
    }
    app.dice.set(faults);
    tracing::info!(?faults, "fault switches set");
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(&faults).unwrap_or_default(),
    )
        .into_response()
}
