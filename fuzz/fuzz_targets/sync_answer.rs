//! What a central server answers: push results, change pages, snapshot
//! pages, error bodies and Retry-After values.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lotstation::sync::fuzzing::check_answer(data);
});
