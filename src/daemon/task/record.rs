//! A proposed move: numbered (a new lot's internal number), judged against
//! a fresh snapshot, held for a supervisor when the holds and recalls the
//! station knows are older than the staleness budget, and, if accepted,
//! committed; its verdict is published once the commit returned.

use jiff::Timestamp;

use super::{Refused, StationTask};
use crate::events::Recorded;
use crate::events::feedback;
use crate::model::{
    Knowledge, LotNo, Move, Override, Reason, ReasonCode, Transaction, TxId, Verdict,
};
use crate::rules::judge;
use crate::store::Committed;

impl StationTask {
    /// Give a new lot its internal number (and its key, when the label had none).
    pub(super) async fn number_new_lot(
        &mut self,
        mv: &mut Move,
        now: Timestamp,
    ) -> Result<(), String> {
        let Some(new_lot) = mv.new_lot.as_mut() else {
            return Ok(());
        };
        if new_lot.internal_lot.is_some() {
            return Ok(());
        }
        let today = self.config.today(now);
        let seq = self
            .store
            .next_internal_lot_seq(today)
            .await
            .map_err(|e| format!("cannot number the new lot: {e}"))?;
        let number = self.config.lots.internal_pattern.render(
            today,
            u64::from(seq),
            &self.config.station.id,
        );
        new_lot.internal_lot = Some(number.clone());
        if new_lot.key.lot.0.is_empty() {
            let old = new_lot.key.clone();
            new_lot.key.lot = LotNo(number);
            for line in &mut mv.lines {
                if line.lot == old {
                    line.lot = new_lot.key.clone();
                }
            }
        }
        Ok(())
    }

    pub(super) async fn propose(&mut self, mut mv: Move) {
        let now = self.clock.now();
        if let Err(e) = self.number_new_lot(&mut mv, now).await {
            self.tally.failed += 1;
            tracing::error!(error = %e, "move not recorded");
            self.error(format!("{} not recorded: {e}", mv.kind.as_str()));
            return;
        }
        let mut ctx = self.config.rules_context(self.config.today(now));
        ctx.supervisor_present = self.supervisor_present(now).is_some();
        // The cursors are read from the snapshot the move is judged on: they
        // are what the station knew when it decided.
        let (mut verdict, sync_state) = match self.store.snapshot() {
            Ok(snap) => (judge(&snap, &mv, &ctx), snap.sync_state().ok()),
            Err(e) => {
                self.tally.failed += 1;
                tracing::error!(error = %e, "cannot read the store; move not judged");
                self.error(format!("store unreadable ({e}); move not recorded"));
                return;
            }
        };
        let knowledge = sync_state.as_ref().map(|s| s.knowledge());
        if verdict.is_accepted()
            && !ctx.supervisor_present
            && let Some(text) = self.stale(&mv, sync_state.as_ref(), now)
        {
            verdict = Verdict {
                outcome: crate::model::Outcome::Rejected,
                reasons: vec![Reason {
                    code: ReasonCode::SupervisorRequired,
                    text,
                }],
            };
        }
        if !verdict.is_accepted() {
            self.tally.rejected += 1;
            tracing::info!(kind = mv.kind.as_str(), reasons = ?verdict.reasons.iter().map(|r| r.code).collect::<Vec<_>>(), "move rejected");
            let line = feedback::verdict_line(&mv, &verdict, None);
            // Overridable from the moment the refusal is shown.
            self.last_refused = Some(Refused {
                mv: mv.clone(),
                verdict: verdict.clone(),
                knowledge,
                at: now,
            });
            self.verdict(line, &verdict, Some(&mv), None, None);
            return;
        }
        self.record(mv, verdict, None, knowledge, now).await;
    }

    /// With a staleness budget: why `mv` needs a supervisor because the
    /// holds and recalls the station knows are older than the budget.
    pub(super) fn stale(
        &self,
        mv: &Move,
        state: Option<&crate::store::SyncState>,
        now: Timestamp,
    ) -> Option<String> {
        let sync = self.config.sync.as_ref()?;
        staleness_refusal(sync, mv.kind, state.and_then(|s| s.last_status_pull), now)
    }

    /// Commit a judged move (accepted, or refused and overridden) and print
    /// its verdict line once it is on disk.
    pub(super) async fn record(
        &mut self,
        mv: Move,
        verdict: Verdict,
        override_by: Option<Override>,
        knowledge: Option<Knowledge>,
        now: Timestamp,
    ) -> Option<Recorded> {
        let tz_offset_secs = self.config.station.timezone.to_offset(now).seconds();
        let tx = Transaction {
            id: TxId::new(),
            station: self.config.station.id.clone(),
            seq: 0,
            mv,
            at: now,
            tz_offset_secs,
            verdict,
            override_by,
            knowledge,
        };
        let started = std::time::Instant::now();
        let committed = self.store.commit(tx.clone()).await;
        metrics::histogram!("lotstation_commit_seconds").record(started.elapsed().as_secs_f64());
        match committed {
            Ok(Committed::New { id, seq } | Committed::AlreadyRecorded { id, seq, .. }) => {
                self.tally.recorded += 1;
                tracing::info!(kind = tx.mv.kind.as_str(), %id, seq, outcome = ?tx.verdict.outcome, overridden = tx.override_by.is_some(), "move recorded");
                let mut line = feedback::verdict_line(&tx.mv, &tx.verdict, Some((seq, id)));
                if let Some(o) = &tx.override_by {
                    line = format!("OVERRIDE  by {}: {line}", o.by);
                }
                self.verdict(
                    line,
                    &tx.verdict,
                    Some(&tx.mv),
                    Some(Recorded { seq, id }),
                    tx.override_by.as_ref().map(|o| o.by.clone()),
                );
                Some(Recorded { seq, id })
            }
            Err(e) => {
                self.tally.failed += 1;
                metrics::counter!("lotstation_commit_failures_total").increment(1);
                tracing::error!(error = %e, kind = tx.mv.kind.as_str(), "commit failed; move not recorded");
                self.error(format!("{} not recorded: {e}", tx.mv.kind.as_str()));
                None
            }
        }
    }
}

/// The operator text when a move of `kind` needs a supervisor because the
/// status lane (holds, releases, recalls) was last pulled at
/// `last_status_pull` (or never) and that is longer ago than the staleness
/// budget; `None` when there is no budget, `kind` is not one of
/// `staleness_moves`, or the lane is fresh enough.
pub(crate) fn staleness_refusal(
    sync: &crate::config::SyncConfig,
    kind: crate::model::MoveKind,
    last_status_pull: Option<Timestamp>,
    now: Timestamp,
) -> Option<String> {
    let budget = sync.staleness_budget?;
    if !sync.staleness_moves.contains(&kind) {
        return None;
    }
    // A pull stamped further in the future than the budget (the clock was
    // set back) does not count as fresh: the station cannot tell its age.
    let age = last_status_pull.map(|t| now.duration_since(t));
    if age.is_some_and(|a| a.unsigned_abs() <= budget) {
        return None;
    }
    let since = match (last_status_pull, age) {
        (Some(t), Some(a)) if a.as_secs() >= 0 => format!("for {}", crate::sync::fmt_age(now, t)),
        (Some(t), _) => format!(
            "since {t} (the station's clock is {} behind that)",
            crate::sync::fmt_age(t, now)
        ),
        (None, _) => "ever".to_owned(),
    };
    Some(format!(
        "Holds and recalls not synced {since} (budget {}): a supervisor must confirm this {}",
        crate::sync::fmt_secs(budget.as_secs()),
        kind.as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::model::MoveKind;

    pub(super) fn sync(budget_secs: Option<u64>, moves: &[MoveKind]) -> crate::config::SyncConfig {
        let mut text =
            "[station]\nid = \"s1\"\n[sync]\ncentral_url = \"https://central.example.com\"\n"
                .to_owned();
        if let Some(b) = budget_secs {
            text.push_str(&format!("staleness_budget_secs = {b}\n"));
        }
        let list: Vec<String> = moves.iter().map(|m| format!("{:?}", m.as_str())).collect();
        text.push_str(&format!("staleness_moves = [{}]\n", list.join(", ")));
        match Config::from_str(&text, "/etc/lotstation/test.toml") {
            Ok(c) => c.sync.unwrap_or_else(|| unreachable!("[sync] is set")),
            Err(e) => unreachable!("valid config expected: {e}"),
        }
    }

    pub(super) fn at(s: &str) -> Timestamp {
        s.parse().unwrap_or_else(|e| unreachable!("{s}: {e}"))
    }

    #[test]
    pub(super) fn a_listed_move_needs_a_supervisor_when_the_status_lane_is_older_than_the_budget_or_never_pulled()
     {
        let now = at("2026-03-14T12:00:00Z");
        let c = sync(Some(4 * 3600), &[MoveKind::Ship]);
        // Never pulled.
        assert_eq!(
            staleness_refusal(&c, MoveKind::Ship, None, now).as_deref(),
            Some(
                "Holds and recalls not synced ever (budget 4h 0m): a supervisor must confirm this ship"
            )
        );
        // Pulled long ago.
        assert_eq!(
            staleness_refusal(&c, MoveKind::Ship, Some(at("2026-03-13T06:30:00Z")), now).as_deref(),
            Some(
                "Holds and recalls not synced for 1d 5h (budget 4h 0m): a supervisor must confirm this ship"
            )
        );
        assert!(
            staleness_refusal(&c, MoveKind::Ship, Some(at("2026-03-14T07:59:59Z")), now)
                .is_some_and(|t| t.contains("for 4h 0m"))
        );
        // Within the budget, to the second.
        for fresh in [
            "2026-03-14T08:00:00Z",
            "2026-03-14T11:59:00Z",
            "2026-03-14T12:00:00Z",
        ] {
            assert_eq!(
                staleness_refusal(&c, MoveKind::Ship, Some(at(fresh)), now),
                None,
                "{fresh}"
            );
        }
        // Moves not listed are never held up, however old the lane.
        for kind in [
            MoveKind::Receive,
            MoveKind::Issue,
            MoveKind::Move,
            MoveKind::Produce,
        ] {
            assert_eq!(staleness_refusal(&c, kind, None, now), None, "{kind:?}");
        }
    }

    #[test]
    pub(super) fn without_a_budget_nothing_needs_a_supervisor_and_a_pull_stamped_ahead_of_the_clock_is_not_fresh()
     {
        let now = at("2026-03-14T12:00:00Z");
        let none = sync(None, &[MoveKind::Ship]);
        assert_eq!(staleness_refusal(&none, MoveKind::Ship, None, now), None);
        let c = sync(Some(3600), &[MoveKind::Ship, MoveKind::Issue]);
        assert!(
            staleness_refusal(&c, MoveKind::Issue, None, now)
                .is_some_and(|t| t.ends_with("confirm this issue"))
        );
        // A clock set back by less than the budget: still fresh.
        assert_eq!(
            staleness_refusal(&c, MoveKind::Ship, Some(at("2026-03-14T12:30:00Z")), now),
            None
        );
        // By more: the age cannot be told; a supervisor decides.
        assert_eq!(
            staleness_refusal(&c, MoveKind::Ship, Some(at("2026-03-14T17:00:00Z")), now).as_deref(),
            Some(
                "Holds and recalls not synced since 2026-03-14T17:00:00Z (the station's clock is 5h 0m behind that) (budget 1h 0m): a supervisor must confirm this ship"
            )
        );
    }
}
