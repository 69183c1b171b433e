//! Sync with the central server: push the outbox (at-least-once delivery
//! plus per-transaction idempotency on the server: exactly-once effect) and
//! pull changes in two lanes (status first, then master data), each applied
//! with its new cursor in one write transaction.
//!
//! The protocol is written down in `docs/sync-protocol.md` and
//! `docs/sync-openapi.yaml`.
//!
//! # Layout
//!
//! - [`protocol`]: wire types, limits and the checks both sides run (pure).
//! - [`retry`]: the retry classifier and capped backoff with jitter (pure).
//! - [`fuzzing`]: the invariant checks of the `sync_answer` fuzz target.

pub mod fuzzing;
pub mod protocol;
pub mod retry;
