//! `GET /api/events`: the kiosk's live feed, as Server-Sent Events.
//!
//! - `status`: the whole [`Status`](super::json::Status), once at connect
//!   and again whenever it changes (the station's view at once; devices and
//!   the outbox are looked at every [`STATUS_POLL`]);
//! - `station`: each [`StationEvent`] (verdicts, prompts, mode, operator,
//!   errors, acknowledgements) as JSON with its `type`;
//! - `lagged`: the client fell more than the event queue behind and missed
//!   `n` events (a fresh `status` follows).
//!
//! One task per client feeds a small bounded channel; it ends when the
//! client goes away or the daemon shuts down. At most
//! [`MAX_SSE_CLIENTS`](super::MAX_SSE_CLIENTS) clients at once.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::json::current_status;
use super::{ApiError, ApiState};
use crate::events::StationEvent;

/// How often devices and the outbox are looked at for changes.
pub const STATUS_POLL: Duration = Duration::from_secs(2);

pub(super) async fn events(
    State(state): State<ApiState>,
) -> Result<Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let Ok(permit) = state.inner.sse_clients.clone().try_acquire_owned() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many live-feed clients",
        )
        .hint(format!(
            "at most {} kiosk pages may follow the station at once",
            super::MAX_SSE_CLIENTS
        )));
    };
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        feed(state, tx).await;
        drop(permit);
    });
    Ok(Sse::new(ReceiverStream::new(rx)).keep_alive(KeepAlive::default()))
}

fn status_event(state: &ApiState) -> Option<(String, Event)> {
    match current_status(state).map(|s| serde_json::to_string(&s)) {
        Ok(Ok(json)) => Some((json.clone(), Event::default().event("status").data(json))),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "status not serialisable");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e.error, "status unavailable for the live feed");
            None
        }
    }
}

fn station_event(e: &StationEvent) -> Option<Event> {
    serde_json::to_string(e)
        .ok()
        .map(|json| Event::default().event("station").data(json))
}

async fn feed(state: ApiState, tx: mpsc::Sender<Result<Event, Infallible>>) {
    let mut events = state.inner.events.subscribe();
    let mut view = state.inner.view.clone();
    let mut poll = tokio::time::interval(STATUS_POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_status = String::new();
    let cancel = state.inner.cancel.clone();
    let mut view_open = true;
    loop {
        let mut send_status = false;
        let out = tokio::select! {
            () = cancel.cancelled() => return,
            () = tx.closed() => return,
            _ = poll.tick() => { send_status = true; None }
            changed = view.changed(), if view_open => {
                // An error: the station task has ended; the poll goes on.
                view_open = changed.is_ok();
                send_status = true;
                None
            }
            e = events.recv() => match e {
                Ok(e) => station_event(&e),
                Err(RecvError::Lagged(n)) => {
                    send_status = true;
                    Some(Event::default().event("lagged").data(n.to_string()))
                }
                Err(RecvError::Closed) => return,
            },
        };
        if let Some(event) = out
            && tx.send(Ok(event)).await.is_err()
        {
            return;
        }
        if send_status
            && let Some((json, event)) = status_event(&state)
            && json != last_status
        {
            last_status = json;
            if tx.send(Ok(event)).await.is_err() {
                return;
            }
        }
    }
}
