use proptest::prelude::*;

use super::bits::BitWriter;
use super::plus::int_bits;
use super::*;
use crate::ident::check_digit::mod10_valid;

fn kind_of(r: Result<Epc, IdentError>) -> ErrorKind {
    r.expect_err("expected an error").kind
}

fn ais(epc: &Epc) -> Vec<(&str, &str)> {
    epc.ais.iter().map(|(a, v)| (*a, v.as_str())).collect()
}

/// Hex of the given (value, bit count) fields, zero-padded to a whole byte.
fn hex_of(fields: &[(u64, usize)]) -> String {
    let mut w = BitWriter::default();
    for &(v, n) in fields {
        w.write(v, n);
    }
    w.to_hex()
}

fn bcd(digits: &str) -> Vec<(u64, usize)> {
    digits.bytes().map(|d| (u64::from(d - b'0'), 4)).collect()
}

fn seven_bit(s: &str) -> Vec<(u64, usize)> {
    s.bytes().map(|c| (u64::from(c), 7)).collect()
}

// --- TDS worked examples -------------------------------------------------

#[test]
fn sgtin96_tds_example_decodes_to_uris_and_element_string() {
    let epc = decode_hex("3074257BF7194E4000001A85").unwrap();
    assert_eq!(epc.scheme, EpcScheme::Sgtin96);
    assert_eq!(epc.scheme.as_str(), "sgtin-96");
    assert_eq!(epc.filter, Some(3));
    assert_eq!(epc.pure_uri, "urn:epc:id:sgtin:0614141.812345.6789");
    assert_eq!(
        epc.tag_uri.as_deref(),
        Some("urn:epc:tag:sgtin-96:3.0614141.812345.6789")
    );
    assert_eq!(ais(&epc), [("01", "80614141123458"), ("21", "6789")]);
    assert_eq!(epc.data_toggle, None);
}

#[test]
fn sgtin96_tds_example_encodes_from_its_tag_uri() {
    assert_eq!(
        encode_tag_uri("urn:epc:tag:sgtin-96:3.0614141.812345.6789").unwrap(),
        "3074257BF7194E4000001A85"
    );
}

#[test]
fn lower_case_hex_decodes_like_upper_case() {
    assert_eq!(
        decode_hex("3074257bf7194e4000001a85").unwrap(),
        decode_hex("3074257BF7194E4000001A85").unwrap()
    );
}

#[test]
fn sscc96_tds_example_round_trips_with_computed_check_digit() {
    let uri = "urn:epc:tag:sscc-96:3.0614141.1234567890";
    let hex = encode_tag_uri(uri).unwrap();
    assert_eq!(hex, "3174257BF4499602D2000000");
    let epc = decode_hex(&hex).unwrap();
    assert_eq!(epc.pure_uri, "urn:epc:id:sscc:0614141.1234567890");
    assert_eq!(epc.tag_uri.as_deref(), Some(uri));
    assert_eq!(ais(&epc), [("00", "106141412345678908")]);
}

#[test]
fn sgln96_example_maps_to_gln_and_extension() {
    let uri = "urn:epc:tag:sgln-96:3.0614141.12345.400";
    let hex = encode_tag_uri(uri).unwrap();
    assert_eq!(hex, "3274257BF460720000000190");
    let epc = decode_hex(&hex).unwrap();
    assert_eq!(epc.pure_uri, "urn:epc:id:sgln:0614141.12345.400");
    assert_eq!(ais(&epc), [("414", "0614141123452"), ("254", "400")]);
}

#[test]
fn sgln96_with_extension_zero_has_no_ai_254() {
    let hex = encode_tag_uri("urn:epc:tag:sgln-96:0.0614141.12345.0").unwrap();
    let epc = decode_hex(&hex).unwrap();
    assert_eq!(ais(&epc), [("414", "0614141123452")]);
}

#[test]
fn grai96_example_maps_to_ai_8003_with_padding_zero_and_check_digit() {
    let uri = "urn:epc:tag:grai-96:3.0614141.12345.400";
    let hex = encode_tag_uri(uri).unwrap();
    assert_eq!(hex, "3374257BF40C0E4000000190");
    let epc = decode_hex(&hex).unwrap();
    assert_eq!(epc.pure_uri, "urn:epc:id:grai:0614141.12345.400");
    assert_eq!(ais(&epc), [("8003", "00614141123452400")]);
}

#[test]
fn giai96_example_maps_to_ai_8004() {
    let uri = "urn:epc:tag:giai-96:3.0614141.5678";
    let hex = encode_tag_uri(uri).unwrap();
    assert_eq!(hex, "3474257BF40000000000162E");
    let epc = decode_hex(&hex).unwrap();
    assert_eq!(epc.pure_uri, "urn:epc:id:giai:0614141.5678");
    assert_eq!(ais(&epc), [("8004", "06141415678")]);
}

#[test]
fn gid96_example_has_no_filter_and_no_ais() {
    let uri = "urn:epc:tag:gid-96:31415.271828.1414";
    let hex = encode_tag_uri(uri).unwrap();
    assert_eq!(hex, "350007AB70425D4000000586");
    let epc = decode_hex(&hex).unwrap();
    assert_eq!(epc.filter, None);
    assert_eq!(epc.pure_uri, "urn:epc:id:gid:31415.271828.1414");
    assert_eq!(epc.tag_uri.as_deref(), Some(uri));
    assert!(epc.ais.is_empty());
}

// --- partitions and digit overflow ---------------------------------------

#[test]
fn sgtin96_decodes_every_partition_value() {
    for p in 0u8..=6 {
        let company_digits = 12 - usize::from(p);
        let item_digits = 13 - company_digits;
        let company = "9".repeat(company_digits);
        let item = "1".repeat(item_digits);
        let uri = format!("urn:epc:tag:sgtin-96:1.{company}.{item}.42");
        let hex = encode_tag_uri(&uri).unwrap();
        let epc = decode_hex(&hex).unwrap();
        assert_eq!(epc.tag_uri.as_deref(), Some(uri.as_str()), "partition {p}");
        let gtin = &epc.ais[0].1;
        assert_eq!(gtin.len(), 14);
        assert!(mod10_valid(gtin.as_bytes()), "partition {p}: {gtin}");
    }
}

#[test]
fn sgtin96_with_reserved_partition_is_rejected() {
    // Header 30, filter 3, partition 7.
    let hex = hex_of(&[(0x30, 8), (3, 3), (7, 3), (0, 44), (1, 38)]);
    let err = decode_hex(&hex).unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadPartition);
    assert_eq!(err.position, 2);
    assert!(err.message.contains("partition value 7"), "{}", err.message);
}

#[test]
fn every_partitioned_scheme_rejects_partition_seven() {
    for header in [0x30u64, 0x31, 0x32, 0x33, 0x34] {
        let hex = hex_of(&[(header, 8), (0, 3), (7, 3), (0, 82)]);
        assert_eq!(
            kind_of(decode_hex(&hex)),
            ErrorKind::BadPartition,
            "{header:X}"
        );
    }
}

#[test]
fn sgtin96_item_reference_that_overflows_its_digits_is_rejected() {
    // Partition 5: 7-digit company prefix, 6-digit item reference in 20 bits.
    let hex = hex_of(&[
        (0x30, 8),
        (3, 3),
        (5, 3),
        (614141, 24),
        (1_000_000, 20),
        (1, 38),
    ]);
    let err = decode_hex(&hex).unwrap_err();
    assert_eq!(err.kind, ErrorKind::EpcDigitOverflow);
    assert!(err.message.contains("item reference"), "{}", err.message);
}

#[test]
fn sgtin96_company_prefix_that_overflows_twelve_digits_is_rejected() {
    let hex = hex_of(&[
        (0x30, 8),
        (3, 3),
        (0, 3),
        (1_000_000_000_000, 40),
        (0, 4),
        (1, 38),
    ]);
    assert_eq!(kind_of(decode_hex(&hex)), ErrorKind::EpcDigitOverflow);
}

#[test]
fn sscc96_with_non_zero_reserved_bits_is_rejected() {
    let hex = hex_of(&[(0x31, 8), (3, 3), (5, 3), (614141, 24), (1, 34), (1, 24)]);
    let err = decode_hex(&hex).unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadEpcField);
    assert_eq!(err.position, 18);
}

// --- 7-bit strings --------------------------------------------------------

fn sgtin198(serial_fields: &[(u64, usize)]) -> String {
    let mut f = vec![(0x36, 8), (3, 3), (5, 3), (614141, 24), (812345, 20)];
    f.extend_from_slice(serial_fields);
    let used: usize = serial_fields.iter().map(|x| x.1).sum();
    f.push((0, 140 - used));
    hex_of(&f)
}

#[test]
fn sgtin198_serial_characters_are_escaped_in_uris_but_not_in_ais() {
    let hex = sgtin198(&seven_bit("32a/b"));
    assert_eq!(hex.len(), 50);
    let epc = decode_hex(&hex).unwrap();
    assert_eq!(epc.pure_uri, "urn:epc:id:sgtin:0614141.812345.32a%2Fb");
    assert_eq!(
        epc.tag_uri.as_deref(),
        Some("urn:epc:tag:sgtin-198:3.0614141.812345.32a%2Fb")
    );
    assert_eq!(ais(&epc), [("01", "80614141123458"), ("21", "32a/b")]);
}

#[test]
fn every_character_the_tds_requires_escaped_is_escaped() {
    let hex = sgtin198(&seven_bit("\"%&/<>?!'()*+,-.:;=_"));
    let epc = decode_hex(&hex).unwrap();
    assert!(
        epc.pure_uri
            .ends_with(".%22%25%26%2F%3C%3E%3F!'()*+,-.:;=_"),
        "{}",
        epc.pure_uri
    );
}

#[test]
fn sgtin198_padded_to_a_whole_word_is_accepted() {
    let hex = sgtin198(&seven_bit("A1")) + "00";
    assert_eq!(hex.len(), 52);
    assert_eq!(decode_hex(&hex).unwrap().ais[1].1, "A1");
}

#[test]
fn sgtin198_with_non_zero_bits_after_the_terminator_is_rejected() {
    let mut f = seven_bit("A1");
    f.push((0, 7));
    f.push((0x41, 7));
    let err = decode_hex(&sgtin198(&f)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadEpcField);
    assert!(err.message.contains("terminating"), "{}", err.message);
}

#[test]
fn sgtin198_serial_with_a_character_outside_the_tds_table_is_rejected() {
    let err = decode_hex(&sgtin198(&seven_bit("A#"))).unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadEpcField);
    assert!(err.message.contains("0x23"), "{}", err.message);
}

#[test]
fn sgtin198_with_an_empty_serial_is_rejected() {
    assert_eq!(kind_of(decode_hex(&sgtin198(&[]))), ErrorKind::BadEpcField);
}

#[test]
fn non_zero_padding_after_a_fixed_length_scheme_is_rejected() {
    let hex = sgtin198(&seven_bit("A1")) + "01";
    let err = decode_hex(&hex).unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadEpcField);
    assert_eq!(err.position, 49);
}

#[test]
fn sgln195_grai170_and_giai202_decode_their_string_fields() {
    let mut f = vec![(0x39, 8), (2, 3), (5, 3), (614141, 24), (12345, 17)];
    f.extend(seven_bit("EXT-1"));
    f.push((0, 140 - 35));
    let epc = decode_hex(&hex_of(&f)).unwrap();
    assert_eq!(epc.pure_uri, "urn:epc:id:sgln:0614141.12345.EXT-1");
    assert_eq!(ais(&epc), [("414", "0614141123452"), ("254", "EXT-1")]);

    let mut f = vec![(0x37, 8), (0, 3), (5, 3), (614141, 24), (12345, 20)];
    f.extend(seven_bit("ab&c"));
    f.push((0, 112 - 28));
    let epc = decode_hex(&hex_of(&f)).unwrap();
    assert_eq!(epc.pure_uri, "urn:epc:id:grai:0614141.12345.ab%26c");
    assert_eq!(ais(&epc), [("8003", "00614141123452ab&c")]);

    let mut f = vec![(0x38, 8), (1, 3), (5, 3), (614141, 24)];
    f.extend(seven_bit("X-9"));
    f.push((0, 164 - 21));
    let epc = decode_hex(&hex_of(&f)).unwrap();
    assert_eq!(
        epc.tag_uri.as_deref(),
        Some("urn:epc:tag:giai-202:1.0614141.X-9")
    );
    assert_eq!(ais(&epc), [("8004", "0614141X-9")]);
}

// --- input errors ----------------------------------------------------------

#[test]
fn hex_input_errors_name_the_offending_character() {
    let err = decode_hex("3074257BF7194E4000001A8G").unwrap_err();
    assert_eq!((err.kind, err.position), (ErrorKind::BadHex, 23));
    let err = decode_hex("3074 257BF7194E4000001A85").unwrap_err();
    assert_eq!((err.kind, err.position), (ErrorKind::BadHex, 4));
    let err = decode_hex("3074257BF7194E4000001A8").unwrap_err();
    assert_eq!((err.kind, err.position), (ErrorKind::BadHex, 23));
    assert_eq!(kind_of(decode_hex("")), ErrorKind::Empty);
    assert_eq!(kind_of(decode_bytes(&[])), ErrorKind::Empty);
    assert_eq!(
        kind_of(decode_hex(&"30".repeat(65))),
        ErrorKind::InputTooLong
    );
    assert_eq!(kind_of(decode_bytes(&[0x30; 65])), ErrorKind::InputTooLong);
}

#[test]
fn unknown_headers_are_reported_as_unknown_schemes() {
    for hex in ["00", "2F00", "F200000000000000", "FF"] {
        let err = decode_hex(hex).unwrap_err();
        assert_eq!(
            (err.kind, err.position),
            (ErrorKind::UnknownEpcScheme, 0),
            "{hex}"
        );
    }
}

#[test]
fn a_96_bit_scheme_of_the_wrong_length_is_rejected() {
    let err = decode_hex("3074257BF7194E4000001A").unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadEpcLength);
    assert!(err.message.contains("24 hex digits"), "{}", err.message);
    assert_eq!(
        kind_of(decode_hex("3074257BF7194E4000001A850000")),
        ErrorKind::BadEpcLength
    );
}

// --- URI parsing -----------------------------------------------------------

fn uri_err(uri: &str) -> (ErrorKind, usize) {
    let e = encode_tag_uri(uri).unwrap_err();
    (e.kind, e.position)
}

#[test]
fn tag_uri_errors_point_at_the_offending_byte() {
    assert_eq!(uri_err(""), (ErrorKind::Empty, 0));
    assert_eq!(uri_err(&"u".repeat(300)).0, ErrorKind::InputTooLong);
    assert_eq!(
        uri_err("urn:epc:id:sgtin:0614141.812345.6789"),
        (ErrorKind::BadEpcUri, 8)
    );
    assert_eq!(
        uri_err("URN:epc:tag:sgtin-96:3.0614141.812345.6789"),
        (ErrorKind::BadEpcUri, 0)
    );
    assert_eq!(uri_err("urn:epc:tag:sgtin-96"), (ErrorKind::BadEpcUri, 20));
    assert_eq!(
        uri_err("urn:epc:tag:sgtin-97:3.0614141.812345.6789"),
        (ErrorKind::UnknownEpcScheme, 12)
    );
    assert_eq!(
        uri_err("urn:epc:tag:sgtin-198:3.0614141.812345.AB"),
        (ErrorKind::BadEpcUri, 12)
    );
    // Filter out of range.
    assert_eq!(
        uri_err("urn:epc:tag:sgtin-96:8.0614141.812345.6789"),
        (ErrorKind::BadEpcUri, 21)
    );
    // Non-digit in the company prefix.
    assert_eq!(
        uri_err("urn:epc:tag:sgtin-96:3.06141x1.812345.6789"),
        (ErrorKind::BadEpcUri, 28)
    );
    // Company prefix of 5 digits.
    assert_eq!(
        uri_err("urn:epc:tag:sgtin-96:3.06141.81234500.6789"),
        (ErrorKind::BadEpcUri, 23)
    );
    // Item reference with the wrong digit count for a 7-digit company prefix.
    assert_eq!(
        uri_err("urn:epc:tag:sgtin-96:3.0614141.81234.6789"),
        (ErrorKind::BadEpcUri, 31)
    );
    // Leading zero in a numeric serial.
    assert_eq!(
        uri_err("urn:epc:tag:sgtin-96:3.0614141.812345.06789"),
        (ErrorKind::BadEpcUri, 38)
    );
    // Serial that does not fit 38 bits.
    assert_eq!(
        uri_err("urn:epc:tag:sgtin-96:3.0614141.812345.274877906944"),
        (ErrorKind::EpcDigitOverflow, 38)
    );
    // Too few and too many fields.
    assert_eq!(
        uri_err("urn:epc:tag:sgtin-96:3.0614141.812345").0,
        ErrorKind::BadEpcUri
    );
    assert_eq!(
        uri_err("urn:epc:tag:sgtin-96:3.0614141.812345.1.2"),
        (ErrorKind::BadEpcUri, 39)
    );
    // GID fields are plain integers within their bit widths.
    assert_eq!(
        uri_err("urn:epc:tag:gid-96:268435456.1.1"),
        (ErrorKind::EpcDigitOverflow, 19)
    );
}

#[test]
fn largest_sgtin96_serial_encodes_and_decodes() {
    let uri = "urn:epc:tag:sgtin-96:0.0614141.812345.274877906943";
    let epc = decode_hex(&encode_tag_uri(uri).unwrap()).unwrap();
    assert_eq!(epc.tag_uri.as_deref(), Some(uri));
}

// --- TDS 2.0 "+" schemes ----------------------------------------------------

fn sgtin_plus(toggle: u64, serial: &[(u64, usize)], aidc: &[(u64, usize)]) -> String {
    let mut f = vec![(0xF7, 8), (toggle, 1), (3, 3)];
    f.extend(bcd("09506000134352"));
    f.extend_from_slice(serial);
    f.extend_from_slice(aidc);
    hex_of(&f)
}

fn serial_7bit(s: &str) -> Vec<(u64, usize)> {
    let mut f = vec![(4, 3), (s.len() as u64, 5)];
    f.extend(seven_bit(s));
    f
}

#[test]
fn sgtin_plus_without_aidc_data_decodes_gtin_and_serial() {
    let hex = sgtin_plus(0, &serial_7bit("ABC"), &[]);
    assert_eq!(hex, "F730950600013435283830A180");
    let epc = decode_hex(&hex).unwrap();
    assert_eq!(epc.scheme, EpcScheme::SgtinPlus);
    assert_eq!(epc.filter, Some(3));
    assert_eq!(epc.data_toggle, Some(false));
    assert_eq!(epc.tag_uri, None);
    assert_eq!(epc.pure_uri, "https://id.gs1.org/01/09506000134352/21/ABC");
    assert_eq!(ais(&epc), [("01", "09506000134352"), ("21", "ABC")]);
}

#[test]
fn sgtin_plus_with_aidc_data_reports_lot_and_expiry_in_tag_order() {
    let mut aidc = bcd("10");
    aidc.extend(serial_7bit("LOT/7"));
    aidc.extend(bcd("17"));
    aidc.extend([(25, 7), (12, 4), (31, 5)]);
    let epc = decode_hex(&sgtin_plus(1, &serial_7bit("S1"), &aidc)).unwrap();
    assert_eq!(epc.data_toggle, Some(true));
    assert_eq!(
        ais(&epc),
        [
            ("01", "09506000134352"),
            ("21", "S1"),
            ("10", "LOT/7"),
            ("17", "251231")
        ]
    );
}

#[test]
fn variable_length_alphanumeric_decodes_every_defined_encoding_indicator() {
    // 0: integer, leading zeros kept by the length indicator.
    let epc = decode_hex(&sgtin_plus(0, &[(0, 3), (5, 5), (123, int_bits(5))], &[])).unwrap();
    assert_eq!(epc.ais[1].1, "00123");
    // 1 and 2: upper and lower case hex.
    let epc = decode_hex(&sgtin_plus(
        0,
        &[(1, 3), (3, 5), (0xA, 4), (0x1, 4), (0xF, 4)],
        &[],
    ))
    .unwrap();
    assert_eq!(epc.ais[1].1, "A1F");
    let epc = decode_hex(&sgtin_plus(0, &[(2, 3), (2, 5), (0xB, 4), (0x2, 4)], &[])).unwrap();
    assert_eq!(epc.ais[1].1, "b2");
    // 3: URI-safe base 64 (RFC 4648 section 5).
    let epc = decode_hex(&sgtin_plus(
        0,
        &[(3, 3), (4, 5), (0, 6), (26, 6), (62, 6), (63, 6)],
        &[],
    ))
    .unwrap();
    assert_eq!(epc.ais[1].1, "Aa-_");
    // 5: URN Code 40; "AB1" in one group, then "Z" padded.
    let g1 = 1600 + 40 * 2 + 31 + 1;
    let g2 = 1600 * 26 + 1;
    let epc = decode_hex(&sgtin_plus(0, &[(5, 3), (4, 5), (g1, 16), (g2, 16)], &[])).unwrap();
    assert_eq!(epc.ais[1].1, "AB1Z");
    assert_eq!(epc.pure_uri, "https://id.gs1.org/01/09506000134352/21/AB1Z");
}

#[test]
fn digital_link_form_percent_encodes_reserved_serial_characters() {
    let epc = decode_hex(&sgtin_plus(0, &serial_7bit("a/b"), &[])).unwrap();
    assert_eq!(
        epc.pure_uri,
        "https://id.gs1.org/01/09506000134352/21/a%2Fb"
    );
}

#[test]
fn integer_bit_counts_match_the_tdt_tables() {
    // Table B (1 digit: 4 bits) and Table F fixed-bit-length sizes.
    for (digits, bits) in [
        (1, 4),
        (2, 7),
        (3, 10),
        (4, 14),
        (6, 20),
        (13, 44),
        (17, 57),
        (20, 67),
    ] {
        assert_eq!(int_bits(digits), bits, "{digits} digits");
    }
}

#[test]
fn dsgtin_plus_reports_its_date_under_the_ai_its_date_type_names() {
    let mut f = vec![(0xFB, 8), (0, 1), (1, 3), (4, 4), (26, 7), (2, 4), (28, 5)];
    f.extend(bcd("09506000134352"));
    f.extend(serial_7bit("X"));
    let epc = decode_hex(&hex_of(&f)).unwrap();
    assert_eq!(epc.scheme, EpcScheme::DsgtinPlus);
    assert_eq!(
        ais(&epc),
        [("01", "09506000134352"), ("21", "X"), ("17", "260228")]
    );
}

#[test]
fn dsgtin_plus_with_a_reserved_date_type_is_rejected() {
    let mut f = vec![(0xFB, 8), (0, 1), (1, 3), (7, 4), (26, 7), (2, 4), (28, 5)];
    f.extend(bcd("09506000134352"));
    f.extend(serial_7bit("X"));
    let err = decode_hex(&hex_of(&f)).unwrap_err();
    assert_eq!((err.kind, err.position), (ErrorKind::BadEpcField, 3));
}

#[test]
fn sscc_plus_decodes_and_checks_the_check_digit() {
    let mut f = vec![(0xF9, 8), (0, 1), (2, 3)];
    f.extend(bcd("106141412345678908"));
    let epc = decode_hex(&hex_of(&f)).unwrap();
    assert_eq!(epc.scheme, EpcScheme::SsccPlus);
    assert_eq!(epc.pure_uri, "https://id.gs1.org/00/106141412345678908");
    assert_eq!(ais(&epc), [("00", "106141412345678908")]);

    let mut f = vec![(0xF9, 8), (0, 1), (2, 3)];
    f.extend(bcd("106141412345678909"));
    assert_eq!(kind_of(decode_hex(&hex_of(&f))), ErrorKind::BadCheckDigit);
}

#[test]
fn plus_scheme_format_errors_are_rejected_with_bad_epc_field() {
    // Reserved encoding indicator.
    let err = decode_hex(&sgtin_plus(0, &[(6, 3), (1, 5), (0, 8)], &[])).unwrap_err();
    assert_eq!(
        (err.kind, err.ai.as_deref()),
        (ErrorKind::BadEpcField, Some("21"))
    );
    // Toggle set, nothing follows.
    assert_eq!(
        kind_of(decode_hex(&sgtin_plus(1, &serial_7bit("A"), &[]))),
        ErrorKind::BadEpcField
    );
    // Toggle clear, but data follows.
    assert_eq!(
        kind_of(decode_hex(&sgtin_plus(0, &serial_7bit("A"), &bcd("10")))),
        ErrorKind::BadEpcField
    );
    // An AI whose encoding is not implemented is named, not guessed.
    let mut aidc = bcd("7003");
    aidc.push((0, 27));
    let err = decode_hex(&sgtin_plus(1, &serial_7bit("A"), &aidc)).unwrap_err();
    assert_eq!(
        (err.kind, err.ai.as_deref()),
        (ErrorKind::BadEpcField, Some("7003"))
    );
    // A GTIN digit above 9.
    let mut f = vec![(0xF7, 8), (0, 1), (3, 3), (0xA, 4)];
    f.extend(bcd("9506000134352"));
    f.extend(serial_7bit("A"));
    assert_eq!(kind_of(decode_hex(&hex_of(&f))), ErrorKind::BadEpcField);
    // Ends inside the serial.
    assert_eq!(
        kind_of(decode_hex(&sgtin_plus(0, &[(4, 3), (9, 5)], &[]))),
        ErrorKind::BadEpcLength
    );
}

#[test]
fn aidc_data_naming_a_non_gs1_ai_is_rejected() {
    // Prefix 19 is a two-digit AI range, but AI 19 is not allocated.
    let mut aidc = bcd("19");
    aidc.push((0, 16));
    let err = decode_hex(&sgtin_plus(1, &serial_7bit("A"), &aidc)).unwrap_err();
    assert_eq!(
        (err.kind, err.ai.as_deref()),
        (ErrorKind::UnknownAi, Some("19"))
    );
    // No GS1 AI starts with 26.
    let err = decode_hex(&sgtin_plus(1, &serial_7bit("A"), &bcd("2600"))).unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadEpcField);
}

#[test]
fn aidc_data_decodes_fixed_bit_length_numbers_and_trade_measures() {
    let mut aidc = bcd("20");
    aidc.push((7, 7));
    aidc.extend(bcd("3103"));
    aidc.push((1250, 20));
    aidc.extend(bcd("414"));
    aidc.extend(bcd("9521234543213"));
    let epc = decode_hex(&sgtin_plus(1, &serial_7bit("A"), &aidc)).unwrap();
    assert_eq!(
        &ais(&epc)[2..],
        [("20", "07"), ("3103", "001250"), ("414", "9521234543213")]
    );
}

// --- properties --------------------------------------------------------------

fn digits(value: u64, width: usize) -> String {
    format!("{value:0width$}")
}

prop_compose! {
    fn partitioned(widths: [u8; 7])(p in 0usize..7)
        (p in Just(p), company in 0..10u64.pow(12 - p as u32), other in 0..10u64.pow(u32::from(widths[p])))
        -> (String, String)
    {
        let w = usize::from(widths[p]);
        (digits(company, 12 - p), if w == 0 { String::new() } else { digits(other, w) })
    }
}

fn round_trip(uri: &str) -> Epc {
    let hex = encode_tag_uri(uri).unwrap_or_else(|e| panic!("{uri}: {e}"));
    assert_eq!(hex.len(), 24);
    let epc = decode_hex(&hex).unwrap_or_else(|e| panic!("{uri} -> {hex}: {e}"));
    assert_eq!(epc.tag_uri.as_deref(), Some(uri));
    epc
}

proptest! {
    #[test]
    fn sgtin96_tag_uris_round_trip(f in 0u8..8, (c, i) in partitioned([1, 2, 3, 4, 5, 6, 7]), s in 0u64..(1 << 38)) {
        let epc = round_trip(&format!("urn:epc:tag:sgtin-96:{f}.{c}.{i}.{s}"));
        prop_assert!(mod10_valid(epc.ais[0].1.as_bytes()));
        prop_assert_eq!(&epc.ais[1].1, &s.to_string());
        prop_assert_eq!(epc.pure_uri, format!("urn:epc:id:sgtin:{c}.{i}.{s}"));
    }

    #[test]
    fn sscc96_tag_uris_round_trip(f in 0u8..8, (c, s) in partitioned([5, 6, 7, 8, 9, 10, 11])) {
        let epc = round_trip(&format!("urn:epc:tag:sscc-96:{f}.{c}.{s}"));
        prop_assert_eq!(epc.ais[0].1.len(), 18);
        prop_assert!(mod10_valid(epc.ais[0].1.as_bytes()));
    }

    #[test]
    fn sgln96_tag_uris_round_trip(f in 0u8..8, (c, l) in partitioned([0, 1, 2, 3, 4, 5, 6]), e in 0u64..(1 << 41)) {
        let epc = round_trip(&format!("urn:epc:tag:sgln-96:{f}.{c}.{l}.{e}"));
        prop_assert_eq!(epc.ais[0].1.len(), 13);
        prop_assert!(mod10_valid(epc.ais[0].1.as_bytes()));
        prop_assert_eq!(epc.ais.len(), if e == 0 { 1 } else { 2 });
    }

    #[test]
    fn grai96_tag_uris_round_trip(f in 0u8..8, (c, a) in partitioned([0, 1, 2, 3, 4, 5, 6]), s in 0u64..(1 << 38)) {
        let epc = round_trip(&format!("urn:epc:tag:grai-96:{f}.{c}.{a}.{s}"));
        let v = &epc.ais[0].1;
        prop_assert!(v.starts_with('0'));
        prop_assert!(mod10_valid(v.as_bytes().get(..14).unwrap()));
        prop_assert_eq!(&v[14..], s.to_string());
    }

    #[test]
    fn giai96_tag_uris_round_trip(f in 0u8..8, p in 0usize..7, seed in any::<u64>()) {
        let bits = [42u32, 45, 48, 52, 55, 58, 62][p];
        let asset = seed % (1u64 << bits);
        let company = digits(seed % 10u64.pow(12 - p as u32), 12 - p);
        let epc = round_trip(&format!("urn:epc:tag:giai-96:{f}.{company}.{asset}"));
        prop_assert_eq!(&epc.ais[0].1, &format!("{company}{asset}"));
    }

    #[test]
    fn gid96_tag_uris_round_trip(m in 0u64..(1 << 28), c in 0u64..(1 << 24), s in 0u64..(1 << 36)) {
        round_trip(&format!("urn:epc:tag:gid-96:{m}.{c}.{s}"));
    }

    #[test]
    fn decoding_arbitrary_hex_never_panics(hex in "[0-9A-Fa-f]{0,140}") {
        let _ = decode_hex(&hex);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..70)) {
        let _ = decode_bytes(&bytes);
    }

    #[test]
    fn decoding_plus_scheme_bytes_never_panics(
        header in prop::sample::select(vec![0xF7u8, 0xF9, 0xFB]),
        rest in proptest::collection::vec(any::<u8>(), 0..62),
    ) {
        let mut bytes = vec![header];
        bytes.extend(rest);
        let _ = decode_bytes(&bytes);
    }

    #[test]
    fn decoding_classic_scheme_bytes_never_panics(
        header in 0x30u8..=0x39,
        rest in proptest::collection::vec(any::<u8>(), 11..26),
    ) {
        let mut bytes = vec![header];
        bytes.extend(rest);
        let _ = decode_bytes(&bytes);
    }

    #[test]
    fn encoding_arbitrary_text_never_panics(s in "\\PC{0,80}", tail in "[0-9.:a-z-]{0,60}") {
        let _ = encode_tag_uri(&s);
        let _ = encode_tag_uri(&format!("urn:epc:tag:{tail}"));
    }
}

#[test]
fn bit_writer_and_reader_agree() {
    let mut w = BitWriter::default();
    w.write(0b101, 3);
    w.write(u64::MAX, 64);
    w.write(0, 5);
    assert_eq!(w.len(), 72);
    let mut r = BitReader::new(w.bytes(), w.len());
    assert_eq!(r.read(3), Some(0b101));
    assert_eq!(r.read(64), Some(u64::MAX));
    assert_eq!(r.read(5), Some(0));
    assert_eq!(r.read(1), None);
}

#[test]
fn a_plus_tag_cut_off_after_its_header_names_no_ai() {
    let err = decode_hex("f7").unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadEpcLength);
    assert_eq!(err.ai, None, "{err}");
    assert!(err.message.contains("data toggle"), "{err}");
}
