//! The station task's other side for the kiosk: what the kiosk may ask of
//! it ([`Control`]), and what it shows about itself ([`StationView`]).
//!
//! Scans typed at the kiosk are not controls: they are [`Frame`]s from the
//! source `kiosk` and take the same path as a scanner's. Controls are the
//! things no scan expresses as well: switching mode from a button,
//! acknowledging a latched error, and a supervisor override signed with
//! user id and PIN.
//!
//! The view is a `watch`: readers see the latest state, never a queue.
//!
//! [`Frame`]: crate::source::Frame

use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::oneshot;

use super::Recorded;
use crate::model::{MoveKind, Reason};
use crate::signers::Signer;
use crate::station::Mode;

/// Controls queued from the API to the station task.
pub const CONTROL_QUEUE: usize = 16;

/// Name of the source scans typed at the kiosk come from (reserved: no
/// configured source may take it).
pub const KIOSK_SOURCE: &str = "kiosk";

/// What the kiosk asks the station to do.
#[derive(Debug)]
#[non_exhaustive]
pub enum Control {
    /// Switch the workflow mode (the current step's scans are dropped).
    SetMode {
        /// New mode.
        mode: Mode,
        /// Answered once the mode is switched.
        reply: oneshot::Sender<()>,
    },
    /// Acknowledge the latched error.
    Acknowledge {
        /// Who or what acknowledged (`kiosk`, a badge).
        by: String,
        /// `true` if there was an error to acknowledge.
        reply: oneshot::Sender<bool>,
    },
    /// Record the move just refused, signed by a supervisor whose user id
    /// and PIN were checked.
    Override {
        /// The signer.
        signer: Signer,
        /// Why, as the supervisor entered it.
        why: String,
        /// The recorded transaction, or why nothing was recorded.
        reply: oneshot::Sender<Result<Recorded, String>>,
    },
}

/// What the station shows now: mode, step, operator, latched error and the
/// refusal that can still be overridden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationView {
    /// Station id.
    pub station: String,
    /// Current workflow.
    pub mode: Mode,
    /// What the current step expects, e.g. "scan a work order".
    pub expecting: String,
    /// Current operator (badge or configured default).
    pub operator: Option<String>,
    /// A supervisor whose badge scan is still within its 60 s.
    pub supervisor: Option<String>,
    /// The error that stays up until acknowledged.
    pub latched: Option<Latched>,
    /// The refused move a supervisor may still override, and until when.
    pub overridable: Option<Overridable>,
}

/// An error shown until someone acknowledges it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Latched {
    /// When the (latest) error happened.
    pub at: Timestamp,
    /// Stable reason codes (`ERROR` for a failure with nothing recorded).
    pub codes: Vec<String>,
    /// Operator text.
    pub text: String,
    /// Errors since the last acknowledgement (the latest is shown).
    pub count: u32,
}

/// A refused move within its override window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overridable {
    /// Kind of move.
    pub kind: MoveKind,
    /// Why it was refused.
    pub reasons: Vec<Reason>,
    /// Last moment an override is accepted.
    pub until: Timestamp,
}
