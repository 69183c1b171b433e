//! Invariant checks the `sync_answer` fuzz target runs (and the stable
//! corpus replay in the tests): whatever bytes a central server answers,
//! the station's parsing and protocol checks end in a value or an error,
//! never a panic, and what they accept keeps the protocol's rules.

use super::retry;
use crate::protocol::{self, ChangesResponse, ErrorBody, Lane, PushResponse, SnapshotPage};

/// Parse `data` as every answer the station reads and check what passes.
///
/// # Panics
///
/// When an accepted answer breaks a protocol invariant (that is the bug the
/// fuzzer looks for).
pub fn check_answer(data: &[u8]) {
    if let Ok(r) = serde_json::from_slice::<PushResponse>(data) {
        let sent: Vec<(u64, crate::model::TxId)> =
            r.results.iter().map(|t| (t.seq, t.id)).collect();
        assert!(protocol::check_results(&sent, &r.results).is_ok());
        for t in &r.results {
            assert_ne!(t.effective(), protocol::ResultKind::Duplicate);
        }
    }
    if let Ok(page) = serde_json::from_slice::<ChangesResponse>(data) {
        for lane in Lane::ALL {
            if protocol::check_changes(lane, 0, &page).is_ok() {
                let mut prev = 0;
                for c in &page.changes {
                    assert!(c.cursor > prev && c.entity.lane() == lane);
                    prev = c.cursor;
                }
                assert!(page.next >= prev);
            }
        }
        for c in &page.changes {
            let _ = protocol::decode_change(c);
        }
    }
    let _ = serde_json::from_slice::<SnapshotPage>(data);
    let _ = serde_json::from_slice::<ErrorBody>(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let now = jiff::Timestamp::UNIX_EPOCH;
        if let Some(d) = retry::parse_retry_after(text, now) {
            assert!(d <= retry::MAX_WAIT);
        }
    }
}
