//! lotstation: a lot-tracking scanning station for Linux edge boxes.
//!
//! # Layout
//!
//! The data path is Frame → Scan → Verdict → durable transaction → outbox
//! (see `docs/` and the README):
//!
//! - [`api`]: the local API and the operator kiosk page (axum): status,
//!   verdicts, lot lookup and trace as JSON, a live feed (SSE), actions,
//!   `/healthz` and `/metrics`.
//! - [`config`]: the station's TOML configuration, read in two stages
//!   (what the file says, then validated and resolved), with errors that
//!   name the file, line and key.
//! - [`ident`]: pure decoding of what a device delivered into identifiers:
//!   AIM symbology identifiers, GS1 element strings, GS1 Digital Link URIs,
//!   EPC tag data, and the station's own internal codes. No I/O.
//! - [`model`]: shared value types: items, lots, locations, work orders,
//!   shipments, moves, verdicts, transactions.
//! - [`rules`]: pure judgement of a move against a read-only [`rules::View`]
//!   of the store: `judge(&view, &move, &context) -> Verdict`, reason codes
//!   and operator texts, lot-number canonicalisation, and [`rules::MemView`]
//!   (in memory, for tests and the demo). No I/O.
//! - [`station`]: the sans-IO workflow state machines (receive, issue,
//!   produce, move, ship, hold/release, merge/split, lookup) that turn
//!   classified scans into proposed moves, prompts and rejections. No I/O.
//! - [`store`]: the durable redb store: master data, stock, transactions,
//!   outbox and audit chain, behind a single writer thread.
//! - [`signers`]: supervisors' electronic-signature records (user id,
//!   printed name, salted Argon2 hash of the PIN) and their check.
//! - [`sync`]: push of the outbox to the central server and pull of its
//!   changes (status and master-data lanes); the protocol's pure types and
//!   retry policy.
//! - [`central`]: `lotstation central`, the reference central server of
//!   the sync protocol (its own redb store, change logs, fault switches).
//! - `cli` (in the binary): the `lotstation` command line over the library.

pub mod api;
pub mod central;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod events;
pub mod ident;
pub mod model;
pub mod protocol;
pub mod rules;
pub mod signers;
pub mod source;
pub mod station;
pub mod store;
pub mod sync;
pub mod telemetry;
