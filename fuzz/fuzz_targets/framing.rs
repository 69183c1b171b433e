//! The serial framer: the first three bytes choose the configuration
//! (suffix, prefix, timeout, AIM), the maximum length and the read size;
//! the rest is the byte stream, framed in one piece and in chunks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lotstation::source::fuzzing::check_framing(data);
});
