//! Invariant checks for the `framing` fuzz target and the corpus replay
//! test. Test support, not API: `fuzz/fuzz_targets/framing.rs` and
//! `tests/integration/fuzz_corpus.rs` call the same function, so a corpus
//! file that once broke the framer keeps being checked by `cargo test`.
//!
//! [`check_framing`] panics with a message naming the broken invariant:
//! - the framer never holds more than its capacity;
//! - the same bytes read in one piece and in chunks (gaps well inside the
//!   inter-byte timeout) give the same events and the same counters;
//! - every delivered frame is non-empty, at most the maximum length, holds
//!   no terminator byte, and starts with an AIM identifier when one is
//!   expected.

#![expect(
    clippy::panic,
    reason = "test support: a broken invariant must stop the fuzzer or fail the test"
)]

use std::time::{Duration, Instant};

use super::framing::{Event, Framer, FramingConfig, Suffix};
use crate::ident::AimId;

/// The configuration picked by the first two input bytes.
fn config(b0: u8, b1: u8) -> FramingConfig {
    let suffix = Suffix::ALL
        .get(usize::from(b0 % 5))
        .copied()
        .unwrap_or(Suffix::Cr);
    let prefix = match (b0 >> 3) & 3 {
        0 | 3 => Vec::new(),
        1 => vec![0x02],
        _ => b"]C".to_vec(),
    };
    let timeout = suffix == Suffix::None || b0 & 0x20 != 0;
    FramingConfig {
        suffix,
        prefix,
        inter_byte_timeout: timeout.then_some(Duration::from_millis(50)),
        max_frame_bytes: 1 + usize::from(b1 % 64),
        aim_expected: b0 & 0x40 != 0,
    }
}

/// Frame `data` (after a 3-byte header: configuration, maximum, chunk size)
/// in one piece and in chunks, and check the invariants.
pub fn check_framing(data: &[u8]) {
    let (header, stream) = data.split_at(data.len().min(3));
    let b = |i: usize| header.get(i).copied().unwrap_or(0);
    let cfg = config(b(0), b(1));
    let chunk = 1 + usize::from(b(2) % 17);
    let Ok(mut whole) = Framer::new(cfg.clone()) else {
        panic!("the fuzz configuration {cfg:?} was refused");
    };
    let Ok(mut chunked) = Framer::new(cfg.clone()) else {
        panic!("the fuzz configuration {cfg:?} was refused");
    };
    let t0 = Instant::now();
    let mut expected = whole.push(stream, t0);
    expected.extend(whole.finish());
    let mut got = Vec::new();
    for (i, piece) in stream.chunks(chunk).enumerate() {
        let at = t0 + Duration::from_micros(u64::try_from(i).unwrap_or(u64::MAX) % 1000);
        got.extend(chunked.push(piece, at));
        if chunked.pending() > chunked.capacity() {
            panic!(
                "the framer holds {} bytes, more than its capacity {} ({cfg:?})",
                chunked.pending(),
                chunked.capacity()
            );
        }
    }
    got.extend(chunked.finish());
    if got != expected {
        panic!(
            "reading in {chunk}-byte chunks changed the events ({cfg:?}):\n{got:?}\n{expected:?}"
        );
    }
    if chunked.stats() != whole.stats() {
        panic!("reading in chunks changed the counters ({cfg:?})");
    }
    let mut delivered = 0u64;
    for e in &expected {
        let Event::Frame(f) = e else { continue };
        delivered += 1;
        if f.is_empty() || f.len() > cfg.max_frame_bytes {
            panic!("a {}-byte frame was delivered ({cfg:?})", f.len());
        }
        if cfg.suffix != Suffix::None && f.ends_with(cfg.suffix.bytes()) {
            panic!("a frame kept its suffix ({cfg:?}): {f:?}");
        }
        if cfg.aim_expected && !matches!(AimId::split(f), Ok(Some(_))) {
            panic!("a frame without an AIM identifier was delivered ({cfg:?}): {f:?}");
        }
    }
    if delivered != whole.stats().frames {
        panic!("the frame counter disagrees with the frames delivered ({cfg:?})");
    }
}
