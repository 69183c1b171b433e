//! EPC tag data: `epc::decode_hex` and `epc::encode_tag_uri` over text.
//!
//! Not yet in `Cargo.toml`'s `[[bin]]` list: it is enabled once `ident::epc`
//! lands. Then move `check_epc` into `lotstation::ident::fuzzing` next to the
//! other checks, so `tests/integration/fuzz_corpus.rs` replays `corpus/epc`
//! through it too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lotstation::ident::IdentError;
use lotstation::ident::epc;

fn check_error(e: &IdentError, input: &str, what: &str) {
    assert!(
        e.position <= input.len(),
        "{what}: error position {} past the end of {input:?}: {e}",
        e.position
    );
    assert!(
        !e.kind.as_str().is_empty() && !e.message.is_empty(),
        "{what}: error without kind or message for {input:?}: {e:?}"
    );
}

fn check_epc(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let decoded = epc::decode_hex(text);
    if let Err(e) = &decoded {
        check_error(e, text, "decode_hex");
    }
    // Decoding is a pure function of the text.
    assert_eq!(
        format!("{decoded:?}"),
        format!("{:?}", epc::decode_hex(text)),
        "decode_hex is not deterministic for {text:?}"
    );
    match epc::encode_tag_uri(text) {
        Ok(uri) => {
            assert!(
                uri.starts_with("urn:epc:") && uri.is_ascii() && !uri.contains(char::is_whitespace),
                "encode_tag_uri({text:?}) gave {uri:?}, which is not an EPC URN"
            );
        }
        Err(e) => check_error(&e, text, "encode_tag_uri"),
    }
}

fuzz_target!(|data: &[u8]| {
    check_epc(data);
});
