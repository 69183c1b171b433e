//! lotstation: a lot-tracking scanning station for Linux edge boxes.
//!
//! # Layout
//!
//! The data path is Frame → Scan → Verdict → durable transaction → outbox;
//! `docs/architecture.md` follows one scan, one tag read and one outbox
//! record through the files, and gives the rule for which module may import
//! which (lowest first here; `tests/integration/layering.rs` enforces it).
//!
//! - [`model`]: shared value types: items, lots, locations, work orders,
//!   shipments, moves, verdicts, transactions, RFID portal inputs.
//! - [`clock`]: time as an input: the [`clock::Clock`] the shell reads, and
//!   the day offsets (`+25d`) of demo data and fixtures.
//! - [`backoff`]: capped exponential backoff with jitter, for device
//!   reconnects and sync retries (pure).
//! - [`ident`]: pure decoding of what a device delivered into identifiers:
//!   AIM symbology identifiers, GS1 element strings, GS1 Digital Link URIs,
//!   EPC tag data, hex, and the station's own internal codes. No I/O.
//! - [`rules`]: pure judgement of a move against a read-only [`rules::View`]
//!   of the store: `judge(&view, &move, &context) -> Verdict`, reason codes
//!   and operator texts, lot-number canonicalisation, and [`rules::MemView`]
//!   (in memory, for tests and the demo). No I/O.
//! - [`protocol`]: the sync protocol's wire types, limits and checks, shared
//!   by the station's sync and the central server. No I/O.
//! - [`masterdata`]: the pure parser of master data files (JSON, CSV):
//!   rows validated with file, line and field; relative dates resolved.
//! - [`signers`]: supervisors' electronic-signature records (user id,
//!   printed name, salted Argon2 hash of the PIN) and their check.
//! - [`station`]: the sans-IO workflow state machines (receive, issue,
//!   produce, move, ship, hold/release, merge/split, lookup), the one path
//!   from a frame's bytes to a scan ([`station::scan::read`]), and the RFID
//!   portal engine. No I/O.
//! - [`events`]: what the station tells its operator (verdicts, prompts,
//!   errors) on a bounded broadcast bus, the kiosk's controls back to the
//!   station, and the terminal lines.
//! - [`store`]: the durable redb store: master data, stock, transactions,
//!   outbox and audit chain, behind a single writer thread.
//! - [`source`]: where scans come from: serial and USB-CDC scanners, USB HID
//!   scanners, LLRP RFID readers, camera image directories, replay captures,
//!   stdin; device state and reconnect backoff.
//! - [`config`]: the station's TOML configuration, read in two stages
//!   (what the file says, then validated and resolved), with errors that
//!   name the file, line and key.
//! - [`sync`]: push of the outbox to the central server and pull of its
//!   changes (status and master-data lanes); the retry policy.
//! - [`telemetry`]: logging to the terminal or journald.
//! - [`api`]: the local API and the operator kiosk page (axum): status,
//!   verdicts, lot lookup and trace as JSON, a live feed (SSE), actions,
//!   `/healthz` and `/metrics`.
//! - [`central`]: `lotstation central`, the reference central server of
//!   the sync protocol (its own redb store, change logs, fault switches).
//! - [`daemon`]: the supervisor: spawns the sources, the station task, the
//!   API, sync and the systemd keep-alive; ordered shutdown.
//! - `cli` (in the binary): the `lotstation` command line over the library.

pub mod api;
pub mod backoff;
pub mod central;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod events;
pub mod ident;
pub mod masterdata;
pub mod model;
pub mod protocol;
pub mod rules;
pub mod signers;
pub mod source;
pub mod station;
pub mod store;
pub mod sync;
pub mod telemetry;
