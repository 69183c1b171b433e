//! Benchmarks of the pure identifier decoders (`cargo bench --bench ident`).

use lotstation::ident::epc;

fn main() {
    divan::main();
}

/// SGTIN-96 from hex to URIs and element string: the RFID portal's hot path.
#[divan::bench]
fn epc_decode_sgtin96_hex() -> epc::Epc {
    epc::decode_hex(divan::black_box("3074257BF7194E4000001A85")).unwrap_or_else(|_| unreachable!())
}

/// SGTIN-96 from the EPC bank bytes (no hex parsing).
#[divan::bench]
fn epc_decode_sgtin96_bytes() -> epc::Epc {
    const BYTES: [u8; 12] = [
        0x30, 0x74, 0x25, 0x7B, 0xF7, 0x19, 0x4E, 0x40, 0x00, 0x00, 0x1A, 0x85,
    ];
    epc::decode_bytes(divan::black_box(&BYTES)).unwrap_or_else(|_| unreachable!())
}

/// Tag URI to hex.
#[divan::bench]
fn epc_encode_sgtin96_tag_uri() -> String {
    epc::encode_tag_uri(divan::black_box(
        "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
    ))
    .unwrap_or_else(|_| unreachable!())
}
