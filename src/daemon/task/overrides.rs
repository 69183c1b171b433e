//! Supervisor overrides of a refused move: by badge (`CMD:OVERRIDE` after a
//! supervisor's badge scan) or signed at the kiosk (user id and PIN, with
//! the meaning of the signature recorded).

use jiff::Timestamp;

use super::{Refused, SUPERVISOR_WINDOW, StationTask};
use crate::events::Recorded;
use crate::model::{Move, Override, Reason, ReasonCode, ScanRecord, Signature, Verdict};

impl StationTask {
    /// The refused move still within its override window, and its deadline.
    pub(super) fn overridable(&self, now: Timestamp) -> Option<(&Move, &Verdict, Timestamp)> {
        let r = self.last_refused.as_ref()?;
        let until = r.at.checked_add(SUPERVISOR_WINDOW).ok()?;
        (now <= until).then_some((&r.mv, &r.verdict, until))
    }

    /// The supervisor present now, if one scanned a badge within the window.
    pub(super) fn supervisor_present(&self, now: Timestamp) -> Option<String> {
        self.supervisor
            .as_ref()
            .filter(|(_, at)| now.duration_since(*at).unsigned_abs() <= SUPERVISOR_WINDOW)
            .map(|(who, _)| who.clone())
    }

    /// `CMD:OVERRIDE`: record the move just refused, naming the supervisor.
    pub(super) async fn override_last(&mut self, record: ScanRecord) {
        let now = self.clock.now();
        let Some(by) = self.supervisor_present(now) else {
            self.tally.rejected += 1;
            self.refuse_override("a supervisor must scan their badge first");
            return;
        };
        let refused = self
            .last_refused
            .take()
            .filter(|r| now.duration_since(r.at).unsigned_abs() <= SUPERVISOR_WINDOW);
        let Some(Refused {
            mut mv,
            mut verdict,
            knowledge,
            ..
        }) = refused
        else {
            self.tally.rejected += 1;
            self.refuse_override("no refused move in the last 60 s to override");
            return;
        };
        mv.scans.push(record);
        verdict.reasons.push(Reason {
            code: ReasonCode::Overridden,
            text: format!("Overridden by {by}"),
        });
        let why = "refusal overridden by a supervisor at the station".to_owned();
        self.supervisor = None;
        self.record(
            mv,
            verdict,
            Some(Override {
                by,
                at: now,
                why,
                signature: None,
            }),
            knowledge,
            now,
        )
        .await;
    }

    /// An override from the kiosk, signed with user id and PIN (already
    /// checked): records the move just refused with the signature.
    pub(super) async fn signed_override(
        &mut self,
        signer: crate::signers::Signer,
        why: String,
    ) -> Result<Recorded, String> {
        let now = self.clock.now();
        if self.overridable(now).is_none() {
            self.last_refused = None;
            return Err("no refused move in the last 60 s to override".to_owned());
        }
        let Some(Refused {
            mut mv,
            mut verdict,
            knowledge,
            ..
        }) = self.last_refused.take()
        else {
            return Err("no refused move in the last 60 s to override".to_owned());
        };
        let codes: Vec<&str> = verdict
            .reasons
            .iter()
            .map(|r| crate::rules::code_name(r.code))
            .collect();
        let meaning = format!(
            "approval: record the {} refused by the station ({}) on my responsibility",
            mv.kind.as_str(),
            codes.join(", ")
        );
        verdict.reasons.push(Reason {
            code: ReasonCode::Overridden,
            text: format!("Overridden by {} ({}), signed", signer.name, signer.user),
        });
        if mv.operator.is_none() {
            mv.operator = Some(signer.user.clone());
        }
        let o = Override {
            by: signer.user.clone(),
            at: now,
            why,
            signature: Some(Signature {
                user: signer.user,
                printed_name: signer.name,
                signed_at: now,
                meaning,
            }),
        };
        match self.record(mv, verdict, Some(o), knowledge, now).await {
            Some(r) => {
                // The refusal it overrides is dealt with.
                self.latched = None;
                Ok(r)
            }
            None => Err("the override could not be recorded; see the error shown".to_owned()),
        }
    }

    pub(super) fn refuse_override(&mut self, why: &str) {
        let verdict = Verdict {
            outcome: crate::model::Outcome::Rejected,
            reasons: Vec::new(),
        };
        self.verdict(
            format!("REJECTED  OVERRIDE: {why}"),
            &verdict,
            None,
            None,
            None,
        );
    }
}
