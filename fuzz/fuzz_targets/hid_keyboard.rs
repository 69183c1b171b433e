//! Boot-keyboard reports through the keyboard decoder: byte 0 picks layout, suffix,
//! GS substitute and maximum; byte 1 the report size; the rest is the report stream.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lotstation::source::usb_hid::fuzzing::check_keyboard(data);
});
