//! AIM symbology identifiers and the whole `decode`: the first byte chooses the
//! decode options (one bit per option), the rest is the scan.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lotstation::ident::fuzzing::check_decode(data);
});
