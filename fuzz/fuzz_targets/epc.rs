//! EPC tag data: `epc::decode_hex` and `epc::encode_tag_uri` over text, with
//! the round-trip invariants of `lotstation::ident::fuzzing::check_epc`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lotstation::ident::fuzzing;

fuzz_target!(|data: &[u8]| {
    fuzzing::check_epc(data);
});
