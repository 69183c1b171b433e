//! GS1 Digital Link URIs: `digital_link::parse`, with the `to_uri` round trip
//! checked on every success.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lotstation::ident::fuzzing::check_digital_link(data);
});
