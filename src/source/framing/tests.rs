use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;

fn cfg(suffix: Suffix) -> FramingConfig {
    FramingConfig {
        suffix,
        prefix: Vec::new(),
        inter_byte_timeout: None,
        max_frame_bytes: 64,
        aim_expected: false,
    }
}

fn framer(c: FramingConfig) -> Framer {
    Framer::new(c).unwrap()
}

fn frames(events: &[Event]) -> Vec<&[u8]> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Frame(f) => Some(f.as_slice()),
            Event::Error(_) => None,
        })
        .collect()
}

fn errors(events: &[Event]) -> Vec<&FramingError> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Error(e) => Some(e),
            Event::Frame(_) => None,
        })
        .collect()
}

const GS1: &[u8] = b"]C10109506000134352172612311012345A\x1d21S0001";

#[test]
fn cr_ends_a_scan_and_the_rest_waits_for_more_bytes() {
    let now = Instant::now();
    let mut f = framer(cfg(Suffix::Cr));
    let ev = f.push(b"]C1010950600013435\r]C0OP-", now);
    assert_eq!(frames(&ev), [b"]C1010950600013435"]);
    assert_eq!(f.pending(), 6);
    let ev = f.push(b"ANNA\r", now);
    assert_eq!(frames(&ev), [b"]C0OP-ANNA"]);
    assert_eq!(f.pending(), 0);
    assert_eq!(f.stats().frames, 2);
}

#[test]
fn lf_and_tab_suffixes_end_scans_and_cr_stays_data_for_them() {
    let now = Instant::now();
    let mut f = framer(cfg(Suffix::Lf));
    assert_eq!(frames(&f.push(b"ab\r\ncd\n", now)), [&b"ab\r"[..], b"cd"]);
    let mut f = framer(cfg(Suffix::Tab));
    assert_eq!(frames(&f.push(b"ab\tcd\r\t", now)), [&b"ab"[..], b"cd\r"]);
}

#[test]
fn crlf_strips_the_cr_before_lf_even_when_they_arrive_apart() {
    let now = Instant::now();
    let mut f = framer(cfg(Suffix::CrLf));
    assert!(f.push(b"]C0WO-1001\r", now).is_empty());
    assert_eq!(frames(&f.push(b"\n", now)), [b"]C0WO-1001"]);
    // A lone LF also ends a frame; a CR in the middle is data.
    assert_eq!(frames(&f.push(b"a\rb\nc\r\n", now)), [&b"a\rb"[..], b"c"]);
}

#[test]
fn empty_frames_are_skipped_silently() {
    let now = Instant::now();
    let mut f = framer(cfg(Suffix::Cr));
    let ev = f.push(b"\r\r\rx\r\r", now);
    assert_eq!(frames(&ev), [b"x"]);
    assert!(errors(&ev).is_empty());
}

#[test]
fn without_suffix_a_pause_ends_the_scan() {
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    let mut c = cfg(Suffix::None);
    c.inter_byte_timeout = Some(ms(50));
    let mut f = framer(c);
    assert_eq!(f.deadline(), None);
    assert!(f.push(b"]C0LOT", t0).is_empty());
    assert!(f.push(b"-42", t0 + ms(30)).is_empty());
    // The deadline counts from the last byte.
    assert_eq!(f.deadline(), Some(t0 + ms(80)));
    assert!(f.poll(t0 + ms(79)).is_empty());
    assert_eq!(frames(&f.poll(t0 + ms(80))), [b"]C0LOT-42"]);
    assert_eq!(f.deadline(), None);
    // A byte after the pause starts a new scan, even without a poll between.
    assert!(f.push(b"A", t0 + ms(200)).is_empty());
    let ev = f.push(b"B", t0 + ms(300));
    assert_eq!(frames(&ev), [b"A"]);
    assert_eq!(frames(&f.finish()), [b"B"]);
}

#[test]
fn with_a_suffix_the_timeout_drops_an_unfinished_scan() {
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    let mut c = cfg(Suffix::Cr);
    c.inter_byte_timeout = Some(ms(100));
    let mut f = framer(c);
    assert!(f.push(b"half a sc", t0).is_empty());
    let ev = f.push(b"]C0OK\r", t0 + ms(500));
    assert_eq!(errors(&ev), [&FramingError::Unterminated { len: 9 }]);
    assert_eq!(frames(&ev), [b"]C0OK"]);
    assert_eq!(f.stats().unterminated, 1);
}

#[test]
fn the_end_of_the_stream_reports_an_unfinished_scan() {
    let now = Instant::now();
    let mut f = framer(cfg(Suffix::Cr));
    f.push(b"]C0AB", now);
    assert_eq!(
        errors(&f.finish()),
        [&FramingError::Unterminated { len: 5 }]
    );
    assert!(f.finish().is_empty());
}

#[test]
fn a_prefix_is_removed_and_noise_before_it_is_dropped_and_counted() {
    let now = Instant::now();
    let mut c = cfg(Suffix::Cr);
    c.prefix = vec![0x02];
    let mut f = framer(c);
    assert_eq!(frames(&f.push(b"\x02]C0A\r", now)), [b"]C0A"]);
    let ev = f.push(b"\x00\xff\x02]C0B\r", now);
    assert_eq!(frames(&ev), [b"]C0B"]);
    assert_eq!(
        errors(&ev),
        [&FramingError::NoiseBeforePrefix { dropped: 2 }]
    );
    let ev = f.push(b"]C0C\r", now);
    assert!(frames(&ev).is_empty());
    assert_eq!(errors(&ev), [&FramingError::MissingPrefix { len: 4 }]);
    let s = f.stats();
    assert_eq!((s.frames, s.noise_bytes, s.missing_prefix), (2, 2, 1));
}

#[test]
fn a_scan_of_exactly_the_maximum_passes_and_one_byte_more_is_dropped() {
    let now = Instant::now();
    let mut c = cfg(Suffix::CrLf);
    c.max_frame_bytes = 5;
    c.prefix = b"<<".to_vec();
    let mut f = framer(c);
    assert_eq!(frames(&f.push(b"<<12345\r\n", now)), [b"12345"]);
    let ev = f.push(b"<<123456\r\n", now);
    assert_eq!(errors(&ev), [&FramingError::TooLong { max: 5 }]);
    assert!(frames(&ev).is_empty());
    assert_eq!(frames(&f.push(b"<<1\r\n", now)), [b"1"]);
}

#[test]
fn a_megabyte_of_garbage_is_dropped_once_in_bounded_memory_and_the_next_scan_passes() {
    let now = Instant::now();
    let mut f = framer(cfg(Suffix::Cr));
    let garbage: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i % 251) as u8)
        .filter(|b| *b != b'\r')
        .collect();
    let mut events = Vec::new();
    for chunk in garbage.chunks(4096) {
        events.extend(f.push(chunk, now));
        assert!(f.pending() <= f.capacity());
        assert!(f.buf.capacity() <= f.capacity().next_power_of_two() * 2);
    }
    events.extend(f.push(b"\r", now));
    events.extend(f.push(GS1, now));
    events.extend(f.push(b"\r", now));
    assert_eq!(errors(&events), [&FramingError::TooLong { max: 64 }]);
    assert_eq!(frames(&events), [GS1]);
}

#[test]
fn an_expected_aim_identifier_must_be_there() {
    let now = Instant::now();
    let mut c = cfg(Suffix::Cr);
    c.aim_expected = true;
    let mut f = framer(c);
    let ev = f.push(b"]d2010950600013435\r0109506000134352\r]x\r", now);
    assert_eq!(frames(&ev), [b"]d2010950600013435"]);
    assert_eq!(
        errors(&ev),
        [
            &FramingError::MissingAim { len: 16 },
            &FramingError::MissingAim { len: 2 }
        ]
    );
    // Not expected: the same bytes pass as they are.
    let mut f = framer(cfg(Suffix::Cr));
    assert_eq!(frames(&f.push(b"0109506000134352\r", now)).len(), 1);
}

#[test]
fn impossible_configurations_are_refused_with_the_reason() {
    let mut c = cfg(Suffix::None);
    assert_eq!(
        Framer::new(c.clone()).unwrap_err(),
        FramingConfigError::NoEnd
    );
    c.inter_byte_timeout = Some(Duration::ZERO);
    assert_eq!(
        Framer::new(c.clone()).unwrap_err(),
        FramingConfigError::ZeroTimeout
    );
    let mut c = cfg(Suffix::Cr);
    c.max_frame_bytes = 0;
    assert_eq!(Framer::new(c).unwrap_err(), FramingConfigError::ZeroMax);
    let mut c = cfg(Suffix::Cr);
    c.prefix = vec![0x02; 17];
    assert_eq!(
        Framer::new(c).unwrap_err(),
        FramingConfigError::PrefixTooLong(17)
    );
    let mut c = cfg(Suffix::Tab);
    c.prefix = b"\t".to_vec();
    let e = Framer::new(c).unwrap_err();
    assert_eq!(e, FramingConfigError::PrefixHasSuffix);
    assert!(e.to_string().contains("suffix"));
}

// ---------------------------------------------------------------------------
// Properties.

/// Bytes that matter to the framer, often, and any byte now and then.
fn stream_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        6 => prop::sample::select(b"ab]C1d2".to_vec()),
        2 => prop::sample::select(b"\r\n\t\x02".to_vec()),
        1 => any::<u8>(),
    ]
}

fn any_config(timeout: bool) -> impl Strategy<Value = FramingConfig> {
    (
        prop::sample::select(vec![Suffix::Cr, Suffix::Lf, Suffix::CrLf, Suffix::Tab]),
        prop::sample::select(vec![Vec::new(), vec![0x02], b"]C".to_vec()]),
        1usize..24,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            move |(suffix, prefix, max, aim, with_timeout)| FramingConfig {
                suffix,
                prefix,
                inter_byte_timeout: (timeout && with_timeout).then(|| Duration::from_millis(50)),
                max_frame_bytes: max,
                aim_expected: aim,
            },
        )
}

/// Split `data` at the given cut points (taken modulo its length).
fn split(data: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut at: Vec<usize> = cuts
        .iter()
        .map(|c| if data.is_empty() { 0 } else { c % data.len() })
        .collect();
    at.sort_unstable();
    at.dedup();
    let mut out = Vec::new();
    let mut start = 0;
    for a in at {
        out.push(data[start..a].to_vec());
        start = a;
    }
    out.push(data[start..].to_vec());
    out
}

/// Reference model for suffix CR, no prefix, no AIM check: split at CR,
/// keep complete non-empty pieces; over-long ones become one error each.
fn model_cr(data: &[u8], max: usize) -> Vec<Event> {
    let mut out = Vec::new();
    let mut pieces: Vec<&[u8]> = data.split(|b| *b == b'\r').collect();
    let last = pieces.pop().unwrap_or_default();
    for p in pieces {
        if p.len() > max {
            out.push(Event::Error(FramingError::TooLong { max }));
        } else if !p.is_empty() {
            out.push(Event::Frame(p.to_vec()));
        }
    }
    if last.len() > max {
        out.push(Event::Error(FramingError::TooLong { max }));
    }
    out
}

proptest! {
    #[test]
    fn any_split_of_the_stream_gives_the_same_events(
        c in any_config(true),
        data in prop::collection::vec(stream_byte(), 0..300),
        cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let now = Instant::now();
        let mut whole = Framer::new(c.clone()).unwrap();
        let mut expected = whole.push(&data, now);
        expected.extend(whole.finish());
        let mut chunked = Framer::new(c).unwrap();
        let mut got = Vec::new();
        for (i, piece) in split(&data, &cuts).iter().enumerate() {
            // Chunks 1 ms apart: well inside the timeout.
            got.extend(chunked.push(piece, now + Duration::from_millis(i as u64)));
            prop_assert!(chunked.pending() <= chunked.capacity());
        }
        got.extend(chunked.finish());
        prop_assert_eq!(got, expected);
        prop_assert_eq!(chunked.stats(), whole.stats());
    }

    #[test]
    fn without_suffix_frames_follow_the_pauses_not_the_reads(
        bursts in prop::collection::vec(
            (prop::collection::vec(stream_byte(), 1..40), prop::collection::vec(any::<usize>(), 0..6)),
            1..8,
        ),
        max in 1usize..48,
    ) {
        let timeout = Duration::from_millis(50);
        let c = FramingConfig {
            suffix: Suffix::None,
            prefix: Vec::new(),
            inter_byte_timeout: Some(timeout),
            max_frame_bytes: max,
            aim_expected: false,
        };
        let mut f = Framer::new(c).unwrap();
        let mut t = Instant::now();
        let mut got = Vec::new();
        let mut expected = Vec::new();
        for (burst, cuts) in &bursts {
            for piece in split(burst, cuts) {
                got.extend(f.push(&piece, t));
                prop_assert!(f.pending() <= f.capacity());
                t += Duration::from_millis(10);
            }
            // A pause: the deadline passes and a poll ends the frame.
            let deadline = f.deadline().unwrap();
            prop_assert!(deadline <= t + timeout);
            t = deadline;
            got.extend(f.poll(t));
            prop_assert_eq!(f.deadline(), None);
            expected.push(if burst.len() > max {
                Event::Error(FramingError::TooLong { max })
            } else {
                Event::Frame(burst.clone())
            });
            t += Duration::from_millis(1);
        }
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn cr_framing_matches_a_plain_split_at_cr(
        data in prop::collection::vec(stream_byte(), 0..400),
        cuts in prop::collection::vec(any::<usize>(), 0..10),
        max in 1usize..30,
    ) {
        let mut c = cfg(Suffix::Cr);
        c.max_frame_bytes = max;
        let mut f = Framer::new(c).unwrap();
        let now = Instant::now();
        let mut got = Vec::new();
        for piece in split(&data, &cuts) {
            got.extend(f.push(&piece, now));
        }
        prop_assert_eq!(got, model_cr(&data, max));
    }

    #[test]
    fn every_delivered_frame_respects_the_configuration(
        c in any_config(false),
        data in prop::collection::vec(stream_byte(), 0..300),
    ) {
        let mut f = Framer::new(c.clone()).unwrap();
        let mut events = f.push(&data, Instant::now());
        events.extend(f.finish());
        for e in &events {
            if let Event::Frame(fr) = e {
                prop_assert!(!fr.is_empty() && fr.len() <= c.max_frame_bytes);
                if let Some(t) = c.suffix.terminator() {
                    prop_assert!(!fr.contains(&t));
                }
                if c.aim_expected {
                    prop_assert!(matches!(AimId::split(fr), Ok(Some(_))));
                }
            }
        }
        let s = f.stats();
        prop_assert_eq!(s.frames as usize, frames(&events).len());
    }
}
