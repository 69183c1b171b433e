//! Invariant checks for the `llrp_codec` fuzz target and the corpus replay
//! test (test support, not API; pure like the codec it checks).
//!
//! [`check_codec`] feeds arbitrary bytes through the frame splitter, split
//! at points the input itself chooses, and every whole frame through
//! [`Envelope::decode`]. Beyond "never panics" it checks that:
//! - the splitter returns the same frames whatever the read boundaries;
//! - an error names an offset inside the frame and says something;
//! - a decoded message re-encodes, the encoding decodes to the same value,
//!   and encoding is a fixed point (`encode(decode(encode(m))) == encode(m)`).

#![expect(
    clippy::panic,
    reason = "test support: a broken invariant must stop the fuzzer or fail the test"
)]

use super::codec::FrameSplitter;
use super::messages::Envelope;

/// Largest frame the check accepts (keeps fuzzing fast and memory small).
const MAX_FRAME: usize = 16 * 1024;

/// Run every invariant over `data` (panics with the broken invariant).
pub fn check_codec(data: &[u8]) {
    let whole = split(data, data.len().max(1));
    // Read boundaries chosen by the input: a step of 1..=16 bytes.
    let step = usize::from(data.first().copied().unwrap_or(0) % 16) + 1;
    let chunked = split(data, step);
    if whole != chunked {
        panic!(
            "frames differ with {step}-byte reads for input {}",
            crate::ident::hex::encode(data)
        );
    }
    let (frames, _) = whole;
    for f in frames {
        check_frame(&f);
    }
}

/// Frames found (and the error that stopped the stream, as text).
fn split(data: &[u8], step: usize) -> (Vec<Vec<u8>>, Option<String>) {
    let mut s = FrameSplitter::new(MAX_FRAME);
    let mut frames = Vec::new();
    for chunk in data.chunks(step) {
        s.push(chunk);
        loop {
            match s.next_frame() {
                Ok(Some(f)) => frames.push(f.to_vec()),
                Ok(None) => break,
                Err(e) => return (frames, Some(e.to_string())),
            }
        }
    }
    (frames, None)
}

/// The invariants of one whole frame.
pub fn check_frame(frame: &[u8]) {
    match Envelope::decode(frame) {
        Err(e) => {
            if e.offset > frame.len() || e.detail.is_empty() {
                panic!(
                    "error {e:?} points outside the {}-byte frame {}",
                    frame.len(),
                    crate::ident::hex::encode(frame)
                );
            }
        }
        Ok(env) => {
            let Ok(bytes) = env.encode() else {
                // Only a value too large for its length fields may fail; a
                // frame of at most MAX_FRAME bytes re-encodes within them.
                panic!(
                    "decoded frame does not re-encode: {}",
                    crate::ident::hex::encode(frame)
                );
            };
            match Envelope::decode(&bytes) {
                Ok(again) if again == env => {}
                Ok(again) => panic!(
                    "re-encoding changed the message:\n  frame  {}\n  first  {env:?}\n  second {again:?}",
                    crate::ident::hex::encode(frame)
                ),
                Err(e) => panic!(
                    "re-encoded frame does not decode ({e}): {}",
                    crate::ident::hex::encode(&bytes)
                ),
            }
            match Envelope::decode(&bytes).map(|m| m.encode()) {
                Ok(Ok(b)) if b == bytes => {}
                _ => panic!(
                    "encoding is not a fixed point for {}",
                    crate::ident::hex::encode(frame)
                ),
            }
        }
    }
}
