//! `GET /metrics`: Prometheus text format.
//!
//! Every module counts through the `metrics` facade (`metrics::counter!`
//! and friends, names `lotstation_*`); [`install`] sets the process-wide
//! Prometheus recorder once (no listener of its own: this route renders
//! it). Gauges that describe state rather than events (outbox depth and
//! age, device states, writer totals, the latched error) are set from the
//! live values at each scrape. docs/metrics.md lists every metric.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::ApiState;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Device state names, each exported as a 0/1 gauge per source.
const STATE_NAMES: [&str; 7] = [
    "starting",
    "connected",
    "disconnected",
    "retrying",
    "no_device",
    "permission_denied",
    "stopped",
];

/// Commit latency buckets, in seconds (a durable commit is a few ms on an
/// SSD, up to tens of ms on an SD card).
const COMMIT_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0,
];

/// Install the Prometheus recorder for this process (once; later calls
/// return the same handle). `None` if another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("lotstation_commit_seconds".to_owned()),
                    &COMMIT_BUCKETS,
                )
                .ok()?;
            match builder.install_recorder() {
                Ok(h) => {
                    describe();
                    Some(h)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed; /metrics is empty");
                    None
                }
            }
        })
        .as_ref()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "lotstation_verdicts_total",
        "Verdicts given, by outcome (accepted, warning, rejected) and move kind (none: refused before a move)"
    );
    describe_counter!(
        "lotstation_verdict_reasons_total",
        "Reasons given in verdicts, by stable reason code"
    );
    describe_counter!(
        "lotstation_decode_failures_total",
        "Scans that could not be decoded, by error kind"
    );
    describe_histogram!(
        "lotstation_commit_seconds",
        metrics::Unit::Seconds,
        "Time from handing a transaction to the store writer to its durable commit"
    );
    describe_counter!(
        "lotstation_commit_failures_total",
        "Transactions the store writer could not record"
    );
    describe_gauge!(
        "lotstation_outbox_depth",
        "Transactions waiting to be sent to the central server"
    );
    describe_gauge!(
        "lotstation_outbox_oldest_age_seconds",
        metrics::Unit::Seconds,
        "Age of the oldest transaction waiting in the outbox (0 when empty)"
    );
    describe_gauge!(
        "lotstation_device_up",
        "1 when the source is connected and delivering scans"
    );
    describe_gauge!(
        "lotstation_device_state",
        "1 for the source's current state, 0 for the others"
    );
    describe_counter!(
        "lotstation_device_disconnects_total",
        "Times the source went from connected to not connected"
    );
    describe_gauge!(
        "lotstation_latched_error",
        "1 while an error is shown on the kiosk waiting for acknowledgement"
    );
    describe_counter!(
        "lotstation_store_write_transactions_total",
        "Durable write transactions that recorded commits (group commit: fewer than transactions)"
    );
    describe_counter!(
        "lotstation_store_transactions_total",
        "Transactions recorded by the store writer since start"
    );
    describe_gauge!(
        "lotstation_sync_last_push_timestamp_seconds",
        metrics::Unit::Seconds,
        "Unix time of the last successful push to the central server"
    );
    describe_counter!(
        "lotstation_signature_failures_total",
        "Electronic signatures refused (user id or PIN not accepted)"
    );
    describe_counter!(
        "lotstation_api_unauthorized_total",
        "API requests refused for a missing or wrong token"
    );
}

/// Set the state gauges from live values.
fn refresh(state: &ApiState) {
    let now = state.inner.clock.now();
    if let Ok(snap) = state.inner.store.snapshot() {
        if let Ok(n) = snap.outbox_len() {
            metrics::gauge!("lotstation_outbox_depth").set(n as f64);
        }
        if let Ok(oldest) = snap.outbox_oldest() {
            let age = oldest.map_or(0.0, |e| now.duration_since(e.tx.at).as_secs_f64().max(0.0));
            metrics::gauge!("lotstation_outbox_oldest_age_seconds").set(age);
        }
        if let Ok(sync) = snap.sync_state()
            && let Some(t) = sync.last_push
        {
            metrics::gauge!("lotstation_sync_last_push_timestamp_seconds")
                .set(t.as_millisecond() as f64 / 1000.0);
        }
    }
    for (name, status) in state.inner.devices.snapshot() {
        let source = name.to_string();
        metrics::gauge!("lotstation_device_up", "source" => source.clone())
            .set(if status.state.is_up() { 1.0 } else { 0.0 });
        for s in STATE_NAMES {
            let v = if status.state.name() == s { 1.0 } else { 0.0 };
            metrics::gauge!("lotstation_device_state", "source" => source.clone(), "state" => s)
                .set(v);
        }
        metrics::counter!("lotstation_device_disconnects_total", "source" => source)
            .absolute(status.disconnects);
    }
    let latched = state.inner.view.borrow().latched.is_some();
    metrics::gauge!("lotstation_latched_error").set(if latched { 1.0 } else { 0.0 });
    let w = state.inner.store.stats();
    metrics::counter!("lotstation_store_write_transactions_total").absolute(w.commit_txns);
    metrics::counter!("lotstation_store_transactions_total").absolute(w.recorded);
}

pub(super) async fn render(State(state): State<ApiState>) -> Response {
    let Some(handle) = install() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics are not available: another metrics recorder is installed in this process\n",
        )
            .into_response();
    };
    refresh(&state);
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}
