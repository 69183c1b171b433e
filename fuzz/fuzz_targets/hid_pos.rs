//! HID-POS scanned-data reports through the assembler: byte 0 picks the report size,
//! byte 1 the maximum scan length; the rest is the report stream.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lotstation::source::usb_hid::fuzzing::check_pos(data);
});
