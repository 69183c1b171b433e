//! LLRP frames: the frame splitter over arbitrary read boundaries and every
//! whole frame through `Envelope::decode`, with the round-trip invariants of
//! `lotstation::source::llrp::fuzzing::check_codec`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lotstation::source::llrp::fuzzing;

fuzz_target!(|data: &[u8]| {
    fuzzing::check_codec(data);
});
