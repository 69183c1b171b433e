//! The serial framer: time and allocations per scan, and how fast it
//! throws away a megabyte of noise (the bound on what a babbling device can
//! cost). A scan at 9600 baud takes about 45 ms on the wire; the framer's
//! share must be negligible next to that.
//!
//! Run with `cargo bench --bench framing`.
#![allow(
    clippy::expect_used,
    reason = "benchmark setup: a configuration the framer refuses must fail loudly, not be timed"
)]

use std::time::Instant;

use divan::counter::BytesCount;
use divan::{AllocProfiler, Bencher, black_box};
use lotstation::source::framing::{Framer, FramingConfig, Suffix};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

/// A GS1-128 label with AIM identifier and CR suffix, as a scanner sends it.
const SCAN: &[u8] = b"]C10109506000134352172612311012345A\x1d21S0001\r";

fn framer(suffix: Suffix, aim: bool) -> Framer {
    Framer::new(FramingConfig {
        suffix,
        prefix: Vec::new(),
        inter_byte_timeout: (suffix == Suffix::None)
            .then_some(std::time::Duration::from_millis(50)),
        max_frame_bytes: 8192,
        aim_expected: aim,
    })
    .expect("a valid framing")
}

/// One whole scan in one read (USB-CDC delivers a short scan in one packet).
#[divan::bench]
fn scan_in_one_read(b: Bencher) {
    let mut f = framer(Suffix::Cr, true);
    let now = Instant::now();
    b.bench_local(|| f.push(black_box(SCAN), now));
}

/// The same scan a byte at a time (an RS-232 scanner read as bytes arrive).
#[divan::bench]
fn scan_one_byte_per_read(b: Bencher) {
    let mut f = framer(Suffix::Cr, true);
    let now = Instant::now();
    b.counter(BytesCount::of_slice(SCAN)).bench_local(|| {
        let mut n = 0;
        for byte in SCAN.chunks(1) {
            n += f.push(black_box(byte), now).len();
        }
        n
    });
}

/// A megabyte of noise with no suffix in 4 KiB reads: dropped as one
/// over-long frame, never buffered.
#[divan::bench]
fn megabyte_of_noise(b: Bencher) {
    let noise: Vec<u8> = (0..1u32 << 20).map(|i| b' ' + (i % 90) as u8).collect();
    let now = Instant::now();
    b.counter(BytesCount::of_slice(&noise)).bench_local(|| {
        let mut f = framer(Suffix::Cr, false);
        let mut n = 0;
        for chunk in noise.chunks(4096) {
            n += f.push(black_box(chunk), now).len();
        }
        n + f.push(b"\r", now).len()
    });
}
