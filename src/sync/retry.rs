//! The sync retry policy: a pure classifier of what came back from one
//! exchange with the central server, and capped exponential backoff with
//! jitter. No I/O and no clock: the caller passes the answer's facts, `now`
//! and a random number.
//!
//! Invariants:
//! - nothing is ever skipped: an answer the station cannot act on halts
//!   the push (surfaced in logs, metrics and `lotstation outbox`) and is
//!   tried again at the backoff cap, so a fix on either side resumes it;
//! - a transient failure (5xx, 429, timeout, connection or body broken off,
//!   unparsable body) is retried; `Retry-After` is a floor for the wait;
//! - a wait is never longer than [`MAX_WAIT`].

use std::time::Duration;

use jiff::Timestamp;

use crate::backoff::Backoff;

/// Longest wait, whatever a `Retry-After` header asks for.
pub const MAX_WAIT: Duration = Duration::from_secs(3600);

/// Which exchange the answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// A push of `batch_len` transactions.
    Push {
        /// Transactions in the batch.
        batch_len: usize,
    },
    /// A pull of changes.
    Pull,
    /// A snapshot page.
    Snapshot,
}

/// What came back, as far as the policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exchange<'a> {
    /// A whole HTTP answer.
    Answer {
        /// Status code.
        status: u16,
        /// For 2xx: the body parsed into the expected shape and passed the
        /// protocol checks.
        body_ok: bool,
        /// The `Retry-After` header, as sent.
        retry_after: Option<&'a str>,
    },
    /// No answer within the request timeout.
    Timeout,
    /// No connection: refused, reset before an answer, DNS or TLS failure.
    Connect,
    /// The answer broke off in its body (the request may have been
    /// committed: the resend is answered `duplicate`).
    BodyBroken,
}

/// Why the policy decided as it did; a bounded label for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// 5xx.
    ServerError,
    /// 429.
    RateLimited,
    /// 408 or 425.
    RequestTimeout,
    /// No answer in time.
    Timeout,
    /// No connection.
    Connect,
    /// The body broke off.
    BodyBroken,
    /// A 2xx whose body did not parse or broke a protocol rule.
    Unparsable,
    /// 401 or 403: the token or certificate is wrong.
    Unauthorized,
    /// 409: sequence gap or content conflict.
    SequenceConflict,
    /// 413, or another 4xx for a batch.
    BatchRefused,
    /// Another 4xx for a single transaction or a pull.
    Refused,
    /// 410 on a pull: the cursor is older than the server's log.
    CursorGone,
    /// A redirect or another status the protocol does not use.
    UnexpectedStatus,
}

impl Reason {
    /// Stable label.
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::ServerError => "server_error",
            Reason::RateLimited => "rate_limited",
            Reason::RequestTimeout => "request_timeout",
            Reason::Timeout => "timeout",
            Reason::Connect => "connect",
            Reason::BodyBroken => "body_broken",
            Reason::Unparsable => "unparsable",
            Reason::Unauthorized => "unauthorized",
            Reason::SequenceConflict => "sequence_conflict",
            Reason::BatchRefused => "batch_refused",
            Reason::Refused => "refused",
            Reason::CursorGone => "cursor_gone",
            Reason::UnexpectedStatus => "unexpected_status",
        }
    }
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Success: act on the answer.
    Done,
    /// Transient: wait (at least `at_least`, when the server said so) and
    /// send the same request again.
    Retry {
        /// Why.
        reason: Reason,
        /// `Retry-After`, when given and valid.
        at_least: Option<Duration>,
    },
    /// The batch was refused as a whole: send its transactions one at a
    /// time to find the one at fault.
    Shrink {
        /// Why.
        reason: Reason,
    },
    /// The pull cursor is gone: download the lane's snapshot.
    Snapshot,
    /// A person must act (token, sequence conflict, a transaction refused
    /// outside the per-transaction results): surface it, skip nothing, and
    /// try again at the backoff cap.
    Halt {
        /// Why.
        reason: Reason,
    },
}

/// Classify one exchange.
pub fn classify(call: Call, exchange: Exchange<'_>, now: Timestamp) -> Action {
    let (status, body_ok, retry_after) = match exchange {
        Exchange::Timeout => return retry(Reason::Timeout, None),
        Exchange::Connect => return retry(Reason::Connect, None),
        Exchange::BodyBroken => return retry(Reason::BodyBroken, None),
        Exchange::Answer {
            status,
            body_ok,
            retry_after,
        } => (status, body_ok, retry_after),
    };
    let hint = retry_after.and_then(|v| parse_retry_after(v, now));
    match status {
        200..=299 if body_ok => Action::Done,
        200..=299 => retry(Reason::Unparsable, None),
        429 => retry(Reason::RateLimited, hint),
        408 | 425 => retry(Reason::RequestTimeout, hint),
        500..=599 => retry(Reason::ServerError, hint),
        401 | 403 => Action::Halt {
            reason: Reason::Unauthorized,
        },
        409 => Action::Halt {
            reason: Reason::SequenceConflict,
        },
        410 if matches!(call, Call::Pull) => Action::Snapshot,
        400..=499 => match call {
            Call::Push { batch_len } if batch_len > 1 => Action::Shrink {
                reason: Reason::BatchRefused,
            },
            _ => Action::Halt {
                reason: Reason::Refused,
            },
        },
        _ => Action::Halt {
            reason: Reason::UnexpectedStatus,
        },
    }
}

fn retry(reason: Reason, at_least: Option<Duration>) -> Action {
    Action::Retry { reason, at_least }
}

/// Parse a `Retry-After` value: whole seconds, or an HTTP date (then the
/// time from `now` until it; a date in the past is zero). Capped at
/// [`MAX_WAIT`]; anything else is `None`.
pub fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u64 = v.parse().ok()?;
        return Some(Duration::from_secs(secs).min(MAX_WAIT));
    }
    if v.len() > 64 {
        return None;
    }
    let at = jiff::fmt::rfc2822::parse(v).ok()?.timestamp();
    let d = at.duration_since(now);
    let d = if d.is_negative() {
        Duration::ZERO
    } else {
        d.unsigned_abs()
    };
    Some(d.min(MAX_WAIT))
}

/// The wait for `action` after a failure: a halt waits the cap, a retry
/// the next backoff step but at least its `Retry-After`; success resets.
pub fn wait_for(backoff: &mut Backoff, action: Action, random: u64) -> Duration {
    match action {
        Action::Done => {
            backoff.reset();
            Duration::ZERO
        }
        Action::Halt { .. } => backoff.wait_at_cap(random),
        Action::Retry { at_least, .. } => {
            let w = backoff.next_wait(random);
            at_least.map_or(w, |h| w.max(h)).min(MAX_WAIT)
        }
        Action::Shrink { .. } | Action::Snapshot => Duration::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn now() -> Timestamp {
        "2026-03-14T12:00:00Z".parse().unwrap()
    }

    fn answer(status: u16) -> Exchange<'static> {
        Exchange::Answer {
            status,
            body_ok: true,
            retry_after: None,
        }
    }

    #[test]
    fn statuses_map_to_the_documented_actions() {
        let push = Call::Push { batch_len: 100 };
        let one = Call::Push { batch_len: 1 };
        let table: &[(Call, Exchange<'static>, Action)] = &[
            (push, answer(200), Action::Done),
            (
                push,
                Exchange::Answer {
                    status: 200,
                    body_ok: false,
                    retry_after: None,
                },
                retry(Reason::Unparsable, None),
            ),
            (push, answer(500), retry(Reason::ServerError, None)),
            (push, answer(503), retry(Reason::ServerError, None)),
            (push, answer(429), retry(Reason::RateLimited, None)),
            (push, answer(408), retry(Reason::RequestTimeout, None)),
            (push, Exchange::Timeout, retry(Reason::Timeout, None)),
            (push, Exchange::Connect, retry(Reason::Connect, None)),
            (push, Exchange::BodyBroken, retry(Reason::BodyBroken, None)),
            (
                push,
                answer(401),
                Action::Halt {
                    reason: Reason::Unauthorized,
                },
            ),
            (
                push,
                answer(403),
                Action::Halt {
                    reason: Reason::Unauthorized,
                },
            ),
            (
                push,
                answer(409),
                Action::Halt {
                    reason: Reason::SequenceConflict,
                },
            ),
            (
                push,
                answer(400),
                Action::Shrink {
                    reason: Reason::BatchRefused,
                },
            ),
            (
                push,
                answer(413),
                Action::Shrink {
                    reason: Reason::BatchRefused,
                },
            ),
            (
                one,
                answer(422),
                Action::Halt {
                    reason: Reason::Refused,
                },
            ),
            (
                push,
                answer(410),
                Action::Shrink {
                    reason: Reason::BatchRefused,
                },
            ),
            (Call::Pull, answer(410), Action::Snapshot),
            (
                Call::Snapshot,
                answer(410),
                Action::Halt {
                    reason: Reason::Refused,
                },
            ),
            (
                Call::Pull,
                answer(400),
                Action::Halt {
                    reason: Reason::Refused,
                },
            ),
            (
                Call::Pull,
                answer(302),
                Action::Halt {
                    reason: Reason::UnexpectedStatus,
                },
            ),
        ];
        for (call, ex, want) in table {
            assert_eq!(classify(*call, *ex, now()), *want, "{call:?} {ex:?}");
        }
    }

    #[test]
    fn retry_after_is_a_floor_in_seconds_or_an_http_date_and_capped() {
        let ex = Exchange::Answer {
            status: 429,
            body_ok: false,
            retry_after: Some("7"),
        };
        assert_eq!(
            classify(Call::Pull, ex, now()),
            retry(Reason::RateLimited, Some(Duration::from_secs(7)))
        );
        assert_eq!(
            parse_retry_after("Sat, 14 Mar 2026 12:00:30 GMT", now()),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sat, 14 Mar 2026 11:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("99999999", now()), Some(MAX_WAIT));
        assert_eq!(parse_retry_after("-1", now()), None);
        assert_eq!(parse_retry_after("soon", now()), None);
        assert_eq!(parse_retry_after("", now()), None);

        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
        let w = wait_for(
            &mut b,
            retry(Reason::RateLimited, Some(Duration::from_secs(7))),
            0,
        );
        assert_eq!(w, Duration::from_secs(7));
    }

    #[test]
    fn backoff_doubles_to_its_cap_and_resets_after_success() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(1000));
        let ceilings: Vec<u128> = (0..6)
            .map(|_| {
                let c = b.ceiling().as_millis();
                b.next_wait(0);
                c
            })
            .collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.failures(), 6);
        assert_eq!(wait_for(&mut b, Action::Done, 0), Duration::ZERO);
        assert_eq!(b.ceiling(), Duration::from_millis(100));
        let halt = Action::Halt {
            reason: Reason::Unauthorized,
        };
        assert!(wait_for(&mut b, halt, u64::MAX) >= Duration::from_millis(500));
    }

    proptest! {
        #[test]
        fn waits_stay_between_half_the_ceiling_and_the_cap(
            base_ms in 1u64..5_000,
            cap_ms in 1u64..600_000,
            randoms in prop::collection::vec(any::<u64>(), 1..80),
        ) {
            let base = Duration::from_millis(base_ms);
            let cap = Duration::from_millis(cap_ms).max(base);
            let mut b = Backoff::new(base, cap);
            for r in randoms {
                let ceiling = b.ceiling();
                let w = b.next_wait(r);
                prop_assert!(w <= ceiling && ceiling <= cap);
                prop_assert!(w >= ceiling / 2);
            }
        }

        #[test]
        fn every_status_and_header_is_classified_without_panicking(
            status in any::<u16>(),
            body_ok in any::<bool>(),
            header in prop::option::of(".{0,80}"),
            batch_len in 0usize..10_000,
        ) {
            for call in [Call::Push { batch_len }, Call::Pull, Call::Snapshot] {
                let a = classify(call, Exchange::Answer { status, body_ok, retry_after: header.as_deref() }, now());
                if let Action::Retry { at_least: Some(d), .. } = a {
                    prop_assert!(d <= MAX_WAIT);
                }
                if (200..300).contains(&status) && body_ok {
                    prop_assert_eq!(a, Action::Done);
                }
                if a == Action::Done {
                    prop_assert!((200..300).contains(&status));
                }
            }
        }
    }
}
