//! Pure decoding of scans into identifiers. No I/O, no async, no files.
//!
//! Invariant: every function here is total over its input bytes. Bad input
//! yields an [`IdentError`] with a stable [`ErrorKind`], never a panic, and
//! inputs longer than the configured maximum are refused before parsing.

pub mod ai;
mod ai_table;
pub mod check_digit;
pub mod epc;
pub mod error;
pub mod symbology;

pub use epc::{Epc, EpcScheme};
pub use error::{ErrorKind, IdentError};
pub use symbology::{AimId, Carrier};
