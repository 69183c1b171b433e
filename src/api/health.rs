//! `GET /healthz`: is the station able to record scans?
//!
//! `200 {"status": "ok"}` when the store writer answers a ping (a round trip
//! through its queue, the same proof the systemd watchdog uses) and every
//! source that should deliver scans does; `200 "degraded"` when the writer
//! answers but a source is down (disconnected, retrying, missing, permission
//! denied); `503 "unavailable"` when the writer does not answer within
//! [`PING_TIMEOUT`]: nothing can be recorded.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use super::ApiState;
use super::json::DeviceView;
use crate::source::status::DeviceState;

/// How long the store writer may take to answer.
pub const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// The health answer.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok`, `degraded` or `unavailable`.
    pub status: &'static str,
    /// `ok`, or why the store writer did not answer.
    pub store: String,
    /// Every source and its state.
    pub sources: Vec<DeviceView>,
}

pub(super) async fn healthz(State(state): State<ApiState>) -> (StatusCode, Json<Health>) {
    let store = match tokio::time::timeout(PING_TIMEOUT, state.inner.store.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "the store writer did not answer within {} s",
            PING_TIMEOUT.as_secs()
        )),
    };
    let sources: Vec<DeviceView> = state
        .inner
        .devices
        .snapshot()
        .into_iter()
        .map(|(name, status)| DeviceView {
            name: name.to_string(),
            status,
        })
        .collect();
    let device_down = sources.iter().any(|d| {
        !matches!(
            d.status.state,
            DeviceState::Connected { .. } | DeviceState::Starting | DeviceState::Stopped
        )
    });
    let (code, status, store) = match store {
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", e),
        Ok(()) if device_down => (StatusCode::OK, "degraded", "ok".to_owned()),
        Ok(()) => (StatusCode::OK, "ok", "ok".to_owned()),
    };
    (
        code,
        Json(Health {
            status,
            store,
            sources,
        }),
    )
}
