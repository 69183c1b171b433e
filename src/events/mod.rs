//! What the station tells its operator, as events: every verdict, prompt,
//! mode change and error the station task produces is published once on a
//! bounded broadcast channel, read by the terminal line printer, the kiosk's
//! live feed, the scanner feedback of device sources and the metrics.
//!
//! A slow reader never holds the station back: the channel keeps the last
//! [`EVENT_QUEUE`] events and a lagging subscriber is told how many it
//! missed (`RecvError::Lagged`) instead of blocking the sender.
//!
//! This module sits below everything that reports or shows station state
//! (the station task, device sources giving scanner feedback, sync, the
//! API): they all import it, it imports none of them. [`control`] holds what
//! the kiosk sends back to the station task; [`feedback`] the terminal lines.

pub mod control;
pub mod feedback;

use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::broadcast;

pub use feedback::Feedback;

use crate::model::{Move, MoveKind, Outcome, Reason, TxId};

/// Events kept for subscribers that fall behind.
pub const EVENT_QUEUE: usize = 64;

/// One thing the station said.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StationEvent {
    /// A verdict: on a move (accepted, warning, rejected) or on a scan
    /// refused before it became a move (wrong step, unreadable).
    Verdict(Box<VerdictEvent>),
    /// What the station expects next.
    Prompt {
        /// When.
        at: Timestamp,
        /// Operator text.
        text: String,
    },
    /// Information (lot lookup, trace).
    Info {
        /// When.
        at: Timestamp,
        /// Operator text, possibly several lines.
        text: String,
    },
    /// The workflow mode changed.
    Mode {
        /// When.
        at: Timestamp,
        /// New mode name.
        mode: String,
    },
    /// An operator (or supervisor) scanned their badge.
    Operator {
        /// When.
        at: Timestamp,
        /// Badge id.
        id: String,
        /// The badge belongs to a supervisor.
        supervisor: bool,
    },
    /// Something failed and nothing was recorded (store unreadable, commit
    /// failed): the operator must scan again or call IT.
    Error {
        /// When.
        at: Timestamp,
        /// Operator text.
        text: String,
    },
    /// The latched error was acknowledged (kiosk button or `CMD:ACK`).
    Acknowledged {
        /// When.
        at: Timestamp,
        /// Who or what acknowledged it (`kiosk`, a source name).
        by: String,
    },
    /// The central server rejected a recorded transaction (it is parked
    /// for a person) or accepted it with an exception (e.g. the lot was
    /// held centrally when it was used offline).
    SyncException {
        /// When the answer arrived.
        at: Timestamp,
        /// The transaction.
        id: TxId,
        /// Its station sequence number.
        seq: u64,
        /// The server's code, e.g. `LOT_HELD_CENTRALLY`.
        code: String,
        /// The server's case reference.
        case_ref: Option<String>,
        /// Text for a person.
        text: String,
    },
}

/// A verdict with what it was about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerdictEvent {
    /// When the verdict was given (after the commit, for recorded moves).
    pub at: Timestamp,
    /// Source of the scan that led to it, when known.
    pub source: Option<String>,
    /// Green, amber or red.
    pub outcome: Outcome,
    /// The move judged; `None` when the scan was refused before any move.
    pub kind: Option<MoveKind>,
    /// The move itself.
    pub mv: Option<Move>,
    /// Reasons with their stable codes and operator texts.
    pub reasons: Vec<Reason>,
    /// Station sequence number and id, when the move was recorded.
    pub recorded: Option<Recorded>,
    /// Supervisor whose override recorded a refused move.
    pub override_by: Option<String>,
    /// The one-line terminal form (`ACCEPTED  issue ...`).
    pub line: String,
}

/// Where a recorded move sits in the station's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Recorded {
    /// Station sequence number.
    pub seq: u64,
    /// Transaction id.
    pub id: TxId,
}

impl StationEvent {
    /// The terminal line(s) for this event; the first word is stable.
    pub fn line(&self) -> String {
        match self {
            StationEvent::Verdict(v) => v.line.clone(),
            StationEvent::Prompt { text, .. } => format!("PROMPT    {text}"),
            StationEvent::Info { text, .. } => text
                .lines()
                .map(|l| format!("INFO      {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
            StationEvent::Mode { mode, .. } => format!("MODE      {mode}"),
            StationEvent::Operator {
                id,
                supervisor: true,
                ..
            } => format!("OPERATOR  {id} (supervisor, for 60 s)"),
            StationEvent::Operator { id, .. } => format!("OPERATOR  {id}"),
            StationEvent::Error { text, .. } => format!("ERROR     {text}"),
            StationEvent::Acknowledged { by, .. } => format!("ACK       by {by}"),
            StationEvent::SyncException { text, .. } => format!("EXCEPTION {text}"),
        }
    }

    /// When it happened.
    pub fn at(&self) -> Timestamp {
        match self {
            StationEvent::Verdict(v) => v.at,
            StationEvent::Prompt { at, .. }
            | StationEvent::Info { at, .. }
            | StationEvent::Mode { at, .. }
            | StationEvent::Operator { at, .. }
            | StationEvent::Error { at, .. }
            | StationEvent::Acknowledged { at, .. }
            | StationEvent::SyncException { at, .. } => *at,
        }
    }
}

/// The station's event bus (cheap to clone).
#[derive(Debug, Clone)]
pub struct Events {
    tx: broadcast::Sender<StationEvent>,
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}

impl Events {
    /// A bus keeping [`EVENT_QUEUE`] events for slow readers.
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(EVENT_QUEUE);
        Events { tx }
    }

    /// Publish; never blocks, and having no subscriber is fine.
    pub fn publish(&self, event: StationEvent) {
        let _ = self.tx.send(event);
    }

    /// Receive every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<StationEvent> {
        self.tx.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_get_events_in_order_and_lag_is_reported() {
        let bus = Events::new();
        let mut rx = bus.subscribe();
        let at = Timestamp::UNIX_EPOCH;
        bus.publish(StationEvent::Mode {
            at,
            mode: "issue".into(),
        });
        bus.publish(StationEvent::Prompt {
            at,
            text: "scan a work order".into(),
        });
        assert_eq!(rx.recv().await.unwrap().line(), "MODE      issue");
        assert_eq!(
            rx.recv().await.unwrap().line(),
            "PROMPT    scan a work order"
        );
        for i in 0..(EVENT_QUEUE + 5) {
            bus.publish(StationEvent::Info {
                at,
                text: format!("{i}"),
            });
        }
        assert!(matches!(
            rx.recv().await,
            Err(broadcast::error::RecvError::Lagged(5))
        ));
    }

    #[test]
    fn events_serialise_with_a_type_tag() {
        let e = StationEvent::Operator {
            at: Timestamp::UNIX_EPOCH,
            id: "OP-7".into(),
            supervisor: true,
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "operator");
        assert_eq!(v["supervisor"], true);
        assert_eq!(e.line(), "OPERATOR  OP-7 (supervisor, for 60 s)");
        let info = StationEvent::Info {
            at: Timestamp::UNIX_EPOCH,
            text: "a\nb".into(),
        };
        assert_eq!(info.line(), "INFO      a\nINFO      b");
    }
}
