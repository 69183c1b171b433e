//! Every error kind the identifier engine documents is produced by a real
//! input. The `match` is exhaustive, so a new kind cannot be added without an
//! example here.

use lotstation::ident::element_string::{self, Options};
use lotstation::ident::{self, DecodeOptions, ErrorKind, IdentError, epc};

fn decode(s: &[u8]) -> Result<(), IdentError> {
    ident::decode(s, &DecodeOptions::default()).map(drop)
}

/// An input that produces `kind`, and how to feed it.
fn example(kind: ErrorKind) -> Result<(), IdentError> {
    match kind {
        ErrorKind::Empty => decode(b"]C1"),
        ErrorKind::InputTooLong => decode(&vec![b'9'; ident::DEFAULT_MAX_INPUT_LEN + 1]),
        ErrorKind::AmbiguousSymbology => decode(b"0109506000134352"),
        ErrorKind::BadSymbology => decode(b"]1C0"),
        ErrorKind::UnknownAi => decode(b"]C1891234"),
        ErrorKind::TruncatedAi => decode(b"]C10109506000134352\x1d25"),
        ErrorKind::TooLong => decode(b"(01)095060001343521"),
        ErrorKind::TooShort => decode(b"]C1010950600013435"),
        ErrorKind::BadCharacter => decode(b"]C10109506000134352\x1d10AB C"),
        ErrorKind::UnexpectedSeparator => decode(b"]C10109506000134352\x1d\x1d10ABC"),
        ErrorKind::MissingSeparator => decode(b"]C1010950600013435210ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        ErrorKind::BadCheckDigit => decode(b"]C10109506000134353"),
        ErrorKind::BadDate => decode(b"]C101095060001343521726023010ABC"),
        ErrorKind::BadTime => decode(b"(01)09506000134352(7003)2612312460"),
        ErrorKind::BadCountry => decode(b"(01)09506000134352(422)987"),
        ErrorKind::BadCurrency => decode(b"(255)95060001343521(3910)9871000"),
        ErrorKind::BadIban => decode(b"(415)9506000134352(8020)INV1(8007)BE71096123456760"),
        ErrorKind::BadPercentEncoding => decode(b"(00)106141412345678908(4300)ACME%2G"),
        ErrorKind::BadCompanyPrefix => decode(b"(401)123"),
        ErrorKind::BadComponent => decode(b"(00)106141412345678908(4321)2"),
        ErrorKind::ForbiddenPair => decode(b"(01)09506000134352(02)09506000134352"),
        ErrorKind::MissingRequired => decode(b"(10)ABC"),
        ErrorKind::DuplicateAiConflict => decode(b"(400)ABC(400)ABD"),
        ErrorKind::BadBracketedForm => {
            element_string::parse_bracketed("(01", 0, &Options::default()).map(drop)
        }
        ErrorKind::BadDigitalLink => decode(b"https://example.com/01/09506000134352/"),
        ErrorKind::BadHex => epc::decode_hex("3074257BF7194E4000001A8G").map(drop),
        ErrorKind::UnknownEpcScheme => epc::decode_hex("FF74257BF7194E4000001A85").map(drop),
        ErrorKind::BadEpcLength => epc::decode_hex("3074257BF7194E40").map(drop),
        ErrorKind::BadPartition => epc::decode_hex("307C00000000000000000001").map(drop),
        ErrorKind::EpcDigitOverflow => epc::decode_hex("3114257BF7194E4000001A85").map(drop),
        ErrorKind::BadEpcUri => epc::encode_tag_uri("urn:epc:tag:sgtin-96:3.0614141").map(drop),
        ErrorKind::BadEpcField => epc::decode_hex("3174257BF400000001000001").map(drop),
        // `ErrorKind` is non_exhaustive for users of the library; inside the
        // project every kind must be listed above.
        _ => panic!("no example for error kind {kind}"),
    }
}

#[test]
fn every_error_kind_has_an_input_that_produces_it() {
    for &kind in ErrorKind::ALL {
        match example(kind) {
            Err(e) => {
                assert_eq!(e.kind, kind, "example for {kind} gave {e}");
                assert!(!e.message.is_empty(), "{kind} has no message");
            }
            Ok(()) => panic!("example for {kind} was accepted"),
        }
    }
}
