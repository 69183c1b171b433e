//! The short human line a station prints for each verdict on its terminal,
//! e.g. `ACCEPTED  receive  09506000134376 lot 28-0912  20 → DOCK  #3`.
//! The first word is stable (ACCEPTED, WARNING, REJECTED, INFO, PROMPT) so
//! tests and wrappers can read it; the rest is for the operator.

use std::fmt::Write as _;

use std::io::Write;

use crate::model::{Move, Outcome, Reason, TxId, Verdict};
use crate::rules::code_name;

/// Where verdict lines go: the terminal (stdout) or nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feedback {
    /// Print lines on standard output.
    pub print: bool,
}

impl Feedback {
    /// Print one line (or several joined by newlines). Written and flushed
    /// at once, so a reader sees whole lines.
    pub fn line(&self, text: &str) {
        if self.print {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
            let _ = out.flush();
        }
    }
}

/// Line for a verdict on a move; `committed` carries the station seq and id
/// of the recorded transaction for accepted moves.
pub fn verdict_line(mv: &Move, verdict: &Verdict, committed: Option<(u64, TxId)>) -> String {
    let word = match verdict.outcome {
        Outcome::Accepted => "ACCEPTED",
        Outcome::Warning => "WARNING",
        Outcome::Rejected => "REJECTED",
    };
    let mut s = format!("{word:<9} {:<8}", mv.kind.as_str());
    for l in &mv.lines {
        let _ = write!(s, " {} lot {} {}", l.lot.item.0, l.lot.lot.0, l.qty);
    }
    if let Some(to) = &mv.to {
        let _ = write!(s, " -> {}", to.0);
    }
    if let Some(wo) = &mv.work_order {
        let _ = write!(s, " [{wo}]");
    }
    if let Some(sh) = &mv.shipment {
        let _ = write!(s, " [{sh}]");
    }
    if let Some((seq, id)) = committed {
        let _ = write!(s, "  #{seq} {id}");
    }
    for r in &verdict.reasons {
        let _ = write!(s, "\n          {}", reason_text(r));
    }
    s
}

fn reason_text(r: &Reason) -> String {
    format!("{}: {}", code_name(r.code), r.text)
}

/// Line for a rejection that came before any move (wrong step, unreadable).
pub fn rejection_line(verdict: &Verdict) -> String {
    let mut s = "REJECTED ".to_owned();
    for (i, r) in verdict.reasons.iter().enumerate() {
        if i > 0 {
            s.push_str("\n         ");
        }
        s.push_str(&reason_text(r));
    }
    s
}
