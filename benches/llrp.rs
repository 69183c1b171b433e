//! LLRP codec speed: RO_ACCESS_REPORT decoding in tag reads per second on one
//! core (the portal's hot path), and the frame splitter over a TCP-like
//! stream of reports.
//!
//! Run with `cargo bench --bench llrp`. Divan prints items/s next to the
//! time: with `ItemsCount` set to the tags in the report, that is tag reads
//! decoded per second. The allocation profiler shows allocations per report.
#![allow(
    clippy::expect_used,
    reason = "benchmark setup: a sample that stops decoding must fail loudly, not be timed"
)]

use divan::counter::ItemsCount;
use divan::{AllocProfiler, Bencher, black_box};
use lotstation::source::llrp::FrameSplitter;
use lotstation::source::llrp::codec::DEFAULT_MAX_MESSAGE_LEN;
use lotstation::source::llrp::messages::{
    Envelope, EpcField, Extra, Impinj, Message, RoAccessReport, TagReportData,
};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

/// A tag as an Impinj reader reports it at a portal: EPC-96 (SGTIN-96),
/// antenna, RSSI, channel, first/last seen, seen count, and the Impinj peak
/// RSSI and phase angle (the V20 layout of the reference frames).
fn tag(i: u32) -> TagReportData {
    let mut epc = [0x30, 0x74, 0x25, 0x7b, 0xf7, 0x19, 0x4e, 0x40, 0, 0, 0, 0];
    epc[8..].copy_from_slice(&i.to_be_bytes());
    let mut t = TagReportData::new(EpcField::Epc96(epc));
    t.antenna_id = Some((i % 4) as u16 + 1);
    t.peak_rssi = Some(-48);
    t.channel_index = Some(29);
    t.first_seen_utc = Some(1_795_298_921_432_346 + u64::from(i));
    t.last_seen_utc = Some(1_795_298_921_432_346 + u64::from(i));
    t.tag_seen_count = Some(1);
    t.extra = vec![
        Extra::Impinj(Impinj::PeakRssi(-4806)),
        Extra::Impinj(Impinj::RfPhaseAngle(3868)),
    ];
    t
}

fn report(tags: u32) -> Vec<u8> {
    Message::RoAccessReport(RoAccessReport {
        tags: (0..tags).map(tag).collect(),
        extra: vec![],
    })
    .encode(0)
    .expect("report encodes")
}

/// Decode one RO_ACCESS_REPORT of N tags (N = 1: unbatched, one report per
/// read; N = 100 and 1000: batched).
#[divan::bench(args = [1, 100, 1000])]
fn ro_access_report_decode(bencher: Bencher, tags: u32) {
    let frame = report(tags);
    Envelope::decode(&frame).expect("report decodes");
    bencher
        .counter(ItemsCount::new(tags))
        .bench(|| Envelope::decode(black_box(&frame)));
}

/// Split a stream of 100 one-tag reports arriving in 1460-byte TCP segments
/// and decode each: the reader session's whole receive path.
#[divan::bench]
fn stream_of_unbatched_reports(bencher: Bencher) {
    let one = report(1);
    let stream: Vec<u8> = (0..100).flat_map(|_| one.iter().copied()).collect();
    bencher.counter(ItemsCount::new(100u32)).bench(|| {
        let mut s = FrameSplitter::new(DEFAULT_MAX_MESSAGE_LEN);
        let mut n = 0usize;
        for seg in black_box(&stream).chunks(1460) {
            s.push(seg);
            while let Ok(Some(f)) = s.next_frame() {
                if let Ok(Envelope {
                    message: Message::RoAccessReport(r),
                    ..
                }) = Envelope::decode(f)
                {
                    n += r.tags.len();
                }
            }
        }
        n
    });
}

/// Encode a 100-tag report (what the fake reader in the tests does).
#[divan::bench]
fn ro_access_report_encode(bencher: Bencher) {
    let m = Message::RoAccessReport(RoAccessReport {
        tags: (0..100).map(tag).collect(),
        extra: vec![],
    });
    bencher
        .counter(ItemsCount::new(100u32))
        .bench(|| black_box(&m).encode(0));
}
