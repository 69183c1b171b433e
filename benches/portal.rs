//! Portal engine throughput: tag reads per second through read points,
//! filters, dedup, cycles and direction on one core, and the memory it keeps.
//!
//! Run with `cargo bench --bench portal`. Items/s is tag reads handled per
//! second; the allocation profiler shows what each read costs.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "benchmark setup: a sample that does not parse must fail loudly"
)]

use std::sync::Arc;
use std::time::Duration;

use divan::counter::ItemsCount;
use divan::{AllocProfiler, Bencher, black_box};
use jiff::{SignedDuration, Timestamp};
use lotstation::model::LocationCode;
use lotstation::station::portal::{
    Door, Portal, PortalInput, PortalSettings, ReadPoint, Side, TagRead,
};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

fn settings(doors: usize) -> PortalSettings {
    let mut s = PortalSettings::default();
    for d in 0..doors {
        let name = format!("dock-{d}");
        let reader = format!("r{d}");
        s.doors.push(Door {
            name: name.clone(),
            gpi: None,
            stable_set: Duration::from_millis(1500),
            max_cycle: Duration::from_secs(120),
            receive_location: LocationCode("DOCK-IN".into()),
            ship_location: LocationCode("DOCK-OUT".into()),
            expected_shipment: None,
        });
        for (antenna, side) in [(1, Side::Outside), (2, Side::Inside)] {
            s.read_points.push(ReadPoint {
                reader: reader.clone(),
                antenna,
                name: format!("{name}-{antenna}"),
                door: name.clone(),
                side,
                min_rssi_cdbm: Some(-7500),
            });
        }
    }
    s
}

/// A pallet of `tags` SGTIN-96 tags passing door 0 outside → inside, each
/// tag read `reads_per_side` times per antenna, 2 ms apart.
fn passage(tags: u32, reads_per_side: u32) -> Vec<PortalInput> {
    let t0: Timestamp = "2026-03-02T08:00:00Z".parse().unwrap();
    let reader: Arc<str> = Arc::from("r0");
    let mut out = Vec::new();
    let mut ms = 0i64;
    for (antenna, rssi) in [(1u16, -6000), (2u16, -5500)] {
        for r in 0..reads_per_side {
            for t in 0..tags {
                let mut epc = vec![0x30, 0x34, 0x25, 0x7B, 0xF7, 0x19, 0x4E, 0x40];
                epc.extend_from_slice(&(0x1000 + t).to_be_bytes());
                out.push(PortalInput::Read(TagRead {
                    reader: reader.clone(),
                    antenna,
                    epc,
                    rssi_cdbm: Some(rssi + (r as i32 % 5) * 100),
                    count: 1,
                    reader_time_us: None,
                    at: t0 + SignedDuration::from_millis(ms),
                }));
                ms += 2;
            }
        }
    }
    out
}

/// 200 tags × 2 antennas × 10 reads = 4,000 reads, one door of 8 configured;
/// ticks every 250 ms of reader time, as the station task does.
#[divan::bench(args = [50, 200, 1000])]
fn portal_reads(bencher: Bencher, tags: u32) {
    let inputs = passage(tags, 10);
    let n = inputs.len() as u32;
    bencher
        .counter(ItemsCount::new(n))
        .with_inputs(|| Portal::new(settings(8)))
        .bench_local_values(|mut p| {
            let mut cycles = 0usize;
            let mut last_tick: Option<Timestamp> = None;
            for i in &inputs {
                black_box(p.on_input(i));
                if let PortalInput::Read(r) = i
                    && last_tick.is_none_or(|t| r.at.duration_since(t).as_millis() >= 250)
                {
                    cycles += p.on_tick(r.at).len();
                    last_tick = Some(r.at);
                }
            }
            (cycles, p.tags_remembered())
        });
}
