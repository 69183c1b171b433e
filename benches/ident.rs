//! Decode speed and allocations per scan for typical labels.
//!
//! Run with `cargo bench --bench ident`. The allocation profiler reports
//! allocations and bytes per iteration next to the time.

use divan::{AllocProfiler, Bencher, black_box};
use lotstation::ident::{self, DecodeOptions};

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
    // Fail loudly if a sample stopped decoding: a benchmark of errors is meaningless.
    assert!(
        ident::decode(input, &opts).is_ok(),
        "sample does not decode"
    );
    bencher.bench(|| ident::decode(black_box(input), black_box(&opts)));
}

#[divan::bench]
fn element_string_to_raw(bencher: Bencher) {
    let decoded = ident::decode(DATAMATRIX_6AI, &DecodeOptions::default());
    let Ok(d) = decoded else {
        panic!("sample does not decode")
    };
    let Some(es) = d.element_string() else {
        panic!("sample is not GS1")
    };
    bencher.bench(|| black_box(es).to_raw());
}
