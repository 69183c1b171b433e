//! Decode speed and allocations per scan for typical labels and tags.
//!
//! Run with `cargo bench --bench ident`. The allocation profiler reports
//! allocations and bytes per iteration next to the time.
#![allow(
    clippy::panic,
    clippy::expect_used,
    reason = "benchmark setup: a sample that stops decoding must fail loudly, not be timed"
)]

use divan::{AllocProfiler, Bencher, black_box};
use lotstation::ident::{self, DecodeOptions, epc};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

/// GS1-128 with AIM prefix, 4 AIs: GTIN, expiry, lot (GS-terminated), serial.
const GS1_128_4AI: &[u8] = b"]C10109506000134352172612311012345A\x1d21S0001";

/// GS1 DataMatrix with 6 AIs: GTIN, expiry, production date, lot, net weight, serial.
const DATAMATRIX_6AI: &[u8] =
    b"]d20109506000134352172612311125010110LOT-2024-0847\x1d3103001250\x1d21SN0000123456";

/// GS1 Digital Link URI as a QR code carries it.
const DIGITAL_LINK: &[u8] =
    b"]Q1https://id.example.com/01/09506000134352/10/ABC123/21/S0001?17=261231";

/// Bracketed human form as typed or printed.
const BRACKETED: &[u8] = b"(01)09506000134352(17)261231(10)12345A(21)S0001";

/// SGTIN-96 from the TDS worked example.
const SGTIN96_HEX: &str = "3074257BF7194E4000001A85";

fn sample(name: &str) -> &'static [u8] {
    match name {
        "gs1_128_4ai" => GS1_128_4AI,
        "datamatrix_6ai" => DATAMATRIX_6AI,
        "digital_link" => DIGITAL_LINK,
        _ => BRACKETED,
    }
}

#[divan::bench(args = ["gs1_128_4ai", "datamatrix_6ai", "digital_link", "bracketed"])]
fn decode(bencher: Bencher, name: &str) {
    let input = sample(name);
    let opts = DecodeOptions::default();
    ident::decode(input, &opts).expect("sample decodes");
    bencher.bench(|| ident::decode(black_box(input), black_box(&opts)));
}

#[divan::bench]
fn element_string_to_raw(bencher: Bencher) {
    let d = ident::decode(DATAMATRIX_6AI, &DecodeOptions::default()).expect("sample decodes");
    let es = d.element_string().expect("sample is GS1");
    bencher.bench(|| black_box(es).to_raw());
}

/// SGTIN-96 from hex to URIs and element string: the RFID portal's hot path.
#[divan::bench]
fn epc_decode_sgtin96_hex(bencher: Bencher) {
    epc::decode_hex(SGTIN96_HEX).expect("sample decodes");
    bencher.bench(|| epc::decode_hex(black_box(SGTIN96_HEX)));
}

/// SGTIN-96 from the EPC bank bytes (no hex parsing).
#[divan::bench]
fn epc_decode_sgtin96_bytes(bencher: Bencher) {
    const BYTES: [u8; 12] = [
        0x30, 0x74, 0x25, 0x7B, 0xF7, 0x19, 0x4E, 0x40, 0x00, 0x00, 0x1A, 0x85,
    ];
    epc::decode_bytes(&BYTES).expect("sample decodes");
    bencher.bench(|| epc::decode_bytes(black_box(&BYTES)));
}

/// Tag URI to hex.
#[divan::bench]
fn epc_encode_sgtin96_tag_uri(bencher: Bencher) {
    let uri = "urn:epc:tag:sgtin-96:3.0614141.812345.6789";
    epc::encode_tag_uri(uri).expect("sample encodes");
    bencher.bench(|| epc::encode_tag_uri(black_box(uri)));
}
