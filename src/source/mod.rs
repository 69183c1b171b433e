//! Sources: where scans come from. A source only frames bytes: it sends
//! [`Frame`]s to the station and knows nothing of lots.
//!
//! Sources in this build: `replay` (plays a capture from
//! `hardware-fixtures/` with its timing), `stdin` (one scan per line) and
//! `serial` ([`serial`]: a scanner on a serial port or USB-CDC, cut into
//! scans by the pure [`framing`], opened by a [`selector`]). Device sources
//! implement the same shape: a task that sends frames on a bounded channel
//! until cancelled. [`list`] enumerates the devices present for `lotstation
//! devices`, and [`devices`] is the supported-device table the udev rules
//! follow.
//!
//! Every source reports its device state through a
//! [`status::StatusReporter`] (one `watch` channel per source, collected in
//! [`status::Devices`]); device sources pace reconnects with
//! [`crate::backoff::Backoff`].
//!
//! Back-pressure: an operator's scanner uses `send().await` (a person is
//! waiting; dropping a scan silently is the worst outcome).

pub mod capture;
pub mod devices;
pub mod framing;
#[doc(hidden)]
pub mod fuzzing;
pub mod image;
pub mod list;
pub mod llrp;
pub mod replay;
pub mod selector;
pub mod serial;
pub mod status;
pub mod stdin;
pub mod usb_hid;

use std::sync::Arc;

use jiff::Timestamp;

use crate::ident::AimId;

/// What a device delivered: bytes, the source's name, the symbology the
/// source is configured to assume (when the device sends no AIM prefix), and
/// when it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Source name from the configuration.
    pub source: Arc<str>,
    /// Raw bytes (bounded by the configured maximum scan length).
    pub bytes: Vec<u8>,
    /// Symbology to assume when the bytes carry no AIM identifier.
    pub assume_symbology: Option<AimId>,
    /// Arrival time.
    pub at: Timestamp,
    /// Per-source sequence number, from 1.
    pub seq: u64,
}
