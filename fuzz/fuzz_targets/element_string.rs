//! GS1 element strings: `parse_raw` (GS as FNC1) and `parse_bracketed`, with
//! the raw, bracketed and Digital Link round trips checked on every success.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lotstation::ident::fuzzing::check_element_string(data);
});
