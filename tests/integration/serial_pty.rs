//! The serial source against real pseudo-terminals (see `fake_scanner`):
//! tokio-serial opens `/dev/pts/N` exactly as it opens `/dev/ttyACM0`, so
//! these tests run the real open, read, framing, unplug and reconnect code.
//! Timeouts are generous and only stop a hung test; nothing here asserts
//! how fast anything is (that belongs in benchmarks).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lotstation::events::{Events, StationEvent, VerdictEvent};
use lotstation::model::Outcome;
use lotstation::source::Frame;
use lotstation::source::framing::{FramingConfig, Suffix};
use lotstation::source::selector::DeviceSelector;
use lotstation::source::serial::{self, LineSettings, ScannerFeedback, SerialSettings};
use lotstation::source::status::{DeviceState, DeviceStatus, Devices};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::fake_scanner::{FakeScanner, point_link};

/// Long enough that only a hang trips it.
const PATIENCE: Duration = Duration::from_secs(20);

const GS1_128: &[u8] = b"]C10109506000134352172612311012345A\x1d21S0001";
const GS1_DM: &[u8] = b"]d2010950600013437617280630102803\x1d3103010000";
const BADGE: &[u8] = b"]C0OP-ANNA";

fn settings(device: &Path, suffix: Suffix) -> SerialSettings {
    SerialSettings {
        name: Arc::from("scanner"),
        device: DeviceSelector::Path(device.to_owned()),
        line: LineSettings::default(),
        framing: FramingConfig {
            suffix,
            prefix: Vec::new(),
            inter_byte_timeout: (suffix == Suffix::None).then_some(Duration::from_millis(50)),
            max_frame_bytes: 256,
            aim_expected: false,
        },
        assume_symbology: None,
        feedback: ScannerFeedback::default(),
        reconnect_max: Duration::from_millis(500),
        clock: lotstation::clock::Clock::system(),
    }
}

/// A serial source running on the test's runtime.
struct Running {
    frames: mpsc::Receiver<Frame>,
    state: watch::Receiver<DeviceStatus>,
    cancel: CancellationToken,
    task: JoinHandle<u64>,
}

fn start(s: SerialSettings, verdicts: Option<broadcast::Receiver<StationEvent>>) -> Running {
    let devices = Devices::default();
    let status = devices.register(s.name.clone());
    let state = devices.watch(&s.name).unwrap();
    let (tx, frames) = mpsc::channel(64);
    let cancel = CancellationToken::new();
    let task = tokio::spawn(serial::run(s, tx, status, verdicts, cancel.clone()));
    Running {
        frames,
        state,
        cancel,
        task,
    }
}

impl Running {
    async fn next(&mut self) -> Frame {
        tokio::time::timeout(PATIENCE, self.frames.recv())
            .await
            .expect("no frame within the patience timeout")
            .expect("the source ended")
    }

    /// Wait until the device state is `name`; returns it.
    async fn wait_state(&mut self, name: &str) -> DeviceState {
        let waited =
            tokio::time::timeout(PATIENCE, self.state.wait_for(|s| s.state.name() == name))
                .await
                .map(|r| r.map(|st| st.state.clone()));
        match waited {
            Ok(Ok(st)) => st,
            _ => panic!(
                "state {name} not reached; last state {:?}",
                self.state.borrow().state
            ),
        }
    }

    /// Cancel and wait for the task; returns the frames it sent.
    async fn stop(mut self) -> u64 {
        self.cancel.cancel();
        let n = tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("the source did not stop when cancelled")
            .unwrap();
        assert_eq!(self.state.borrow_and_update().state, DeviceState::Stopped);
        n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_ending_in_cr_arrive_whole_with_gs_and_aim_identifier_kept_even_when_written_in_pieces()
 {
    let mut scanner = FakeScanner::plug();
    let mut src = start(settings(scanner.path(), Suffix::Cr), None);
    let st = src.wait_state("connected").await;
    let DeviceState::Connected { detail } = st else {
        unreachable!()
    };
    assert!(detail.contains("9600 8N1"), "{detail}");

    scanner.send(b"]C0OP-ANNA\r");
    // A 9600-baud scanner: the bytes trickle in a few at a time.
    let mut scan = GS1_128.to_vec();
    scan.push(b'\r');
    scanner.send_paced(&scan, 3, Duration::from_millis(2));
    // Two scans in one write.
    scanner.send(b"]C0WO-1001\r]d2010950600013437617280630102803\x1d3103010000\r");

    let got: Vec<Vec<u8>> = [
        src.next().await,
        src.next().await,
        src.next().await,
        src.next().await,
    ]
    .into_iter()
    .map(|f| f.bytes)
    .collect();
    assert_eq!(
        got,
        [
            BADGE.to_vec(),
            GS1_128.to_vec(),
            b"]C0WO-1001".to_vec(),
            GS1_DM.to_vec()
        ]
    );
    assert_eq!(src.stop().await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crlf_scans_lose_their_suffix_even_when_cr_and_lf_arrive_apart() {
    let mut scanner = FakeScanner::plug();
    let mut src = start(settings(scanner.path(), Suffix::CrLf), None);
    src.wait_state("connected").await;
    scanner.send(GS1_128);
    scanner.send(b"\r");
    std::thread::sleep(Duration::from_millis(20));
    scanner.send(b"\n]C0OP-ANNA\r\n");
    let a = src.next().await;
    let b = src.next().await;
    assert_eq!(a.bytes, GS1_128);
    assert_eq!(b.bytes, BADGE);
    assert_eq!((a.seq, b.seq), (1, 2));
    assert_eq!(&*a.source, "scanner");
    src.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_without_a_suffix_end_at_the_pause_not_at_the_reads() {
    let mut scanner = FakeScanner::plug();
    let mut src = start(settings(scanner.path(), Suffix::None), None);
    src.wait_state("connected").await;
    // Pieces 5 ms apart (inside the 50 ms timeout), then a pause.
    scanner.send_paced(GS1_128, 7, Duration::from_millis(5));
    std::thread::sleep(Duration::from_millis(300));
    scanner.send_paced(GS1_DM, 11, Duration::from_millis(5));
    assert_eq!(src.next().await.bytes, GS1_128);
    assert_eq!(src.next().await.bytes, GS1_DM);
    src.stop().await;
}

/// Deterministic noise: what a scanner at the wrong baud rate produces.
fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 56) as u8
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_megabyte_of_garbage_is_dropped_in_bounded_frames_and_the_next_scan_arrives_intact() {
    let scanner = FakeScanner::plug();
    let mut src = start(settings(scanner.path(), Suffix::Cr), None);
    src.wait_state("connected").await;
    let noise = garbage(1 << 20, 7);
    // The pty holds a few KiB; the writer blocks until the source reads.
    let writer = std::thread::spawn(move || {
        let mut scanner = scanner;
        for chunk in noise.chunks(4096) {
            scanner.send(chunk);
        }
        scanner.send(b"\r");
        scanner.send(GS1_128);
        scanner.send(b"\r");
        scanner
    });
    let mut frames = 0usize;
    loop {
        let f = src.next().await;
        assert!(
            f.bytes.len() <= 256,
            "a {}-byte frame passed the 256-byte limit",
            f.bytes.len()
        );
        frames += 1;
        if f.bytes == GS1_128 {
            break;
        }
    }
    let _scanner = writer.join().unwrap();
    // Noise with CR bytes in it splits into short frames (the station
    // rejects them); everything longer was dropped, none of it buffered.
    assert!(frames > 1);
    assert!(src.state.borrow().state.is_up(), "the source kept reading");
    src.stop().await;
}

fn verdict(source: &str, outcome: Outcome) -> StationEvent {
    StationEvent::Verdict(Box::new(VerdictEvent {
        at: lotstation::clock::Clock::system().now(),
        source: Some(source.to_owned()),
        outcome,
        kind: None,
        mv: None,
        reasons: Vec::new(),
        recorded: None,
        override_by: None,
        line: String::new(),
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verdicts_on_its_scans_send_the_configured_bytes_to_the_scanner() {
    let mut scanner = FakeScanner::plug();
    let mut s = settings(scanner.path(), Suffix::Cr);
    s.framing.aim_expected = true;
    s.feedback = ScannerFeedback {
        accepted: vec![0x1b, 0x31],
        warning: vec![0x1b, 0x32],
        rejected: vec![0x1b, 0x33],
    };
    let bus = Events::new();
    let mut src = start(s, Some(bus.subscribe()));
    src.wait_state("connected").await;

    bus.publish(verdict("scanner", Outcome::Accepted));
    scanner.expect_received(&[0x1b, 0x31], PATIENCE);
    bus.publish(verdict("other-scanner", Outcome::Rejected));
    bus.publish(verdict("scanner", Outcome::Warning));
    // Only this source's verdicts reach it.
    let got = scanner.received(Duration::from_millis(300));
    assert_eq!(got, [0x1b, 0x32]);
    bus.publish(verdict("scanner", Outcome::Rejected));
    scanner.expect_received(&[0x1b, 0x33], PATIENCE);

    // A scan the framing drops (no AIM identifier) beeps "rejected" too.
    scanner.send(b"0109506000134352\r");
    scanner.expect_received(&[0x1b, 0x33], PATIENCE);
    scanner.send(b"]C0OP-ANNA\r");
    assert_eq!(src.next().await.bytes, BADGE);
    src.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unplugged_scanner_is_reported_and_read_again_behind_the_same_symlink_without_losing_scans()
 {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("scanner-0c2e-0b61");
    let mut scanner = FakeScanner::plug();
    point_link(&link, scanner.path());
    let mut src = start(settings(&link, Suffix::Cr), None);
    let DeviceState::Connected { detail } = src.wait_state("connected").await else {
        unreachable!()
    };
    assert!(detail.contains("via"), "{detail}");

    for i in 0..5 {
        scanner.send(format!("]C0LOT-A{i}\r").as_bytes());
    }
    for i in 0..5 {
        assert_eq!(src.next().await.bytes, format!("]C0LOT-A{i}").as_bytes());
    }

    for round in 0..3u64 {
        // Unplug: udev drops the stable link, the reader sees end of file,
        // the node disappears. (The link goes first: tests running beside
        // this one allocate ptys too, and the freed pts number may come back
        // for one of them; a link left behind would then name their device.)
        std::fs::remove_file(&link).unwrap();
        scanner.unplug();
        tokio::time::timeout(PATIENCE, src.state.wait_for(|s| !s.state.is_up()))
            .await
            .expect("the unplug was not noticed")
            .unwrap();
        assert_eq!(src.state.borrow().disconnects, round + 1);
        // While it is away, the link dangles: "no device".
        src.wait_state("no_device").await;

        // Replug: a new pty behind the same stable name.
        let replugged = Instant::now();
        scanner = FakeScanner::plug();
        point_link(&link, scanner.path());
        src.wait_state("connected").await;
        eprintln!(
            "round {round}: reconnected {} ms after the replug",
            replugged.elapsed().as_millis()
        );
        // Every scan after the reconnect arrives, in order, numbered on.
        for i in 0..20 {
            scanner.send(format!("]C0LOT-R{round}-{i}\r").as_bytes());
        }
        for i in 0..20 {
            let f = src.next().await;
            assert_eq!(f.bytes, format!("]C0LOT-R{round}-{i}").as_bytes());
            assert_eq!(f.seq, 5 + round * 20 + i + 1);
        }
    }
    assert_eq!(src.state.borrow().disconnects, 3);
    assert_eq!(src.stop().await, 65);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absent_devices_are_reported_as_no_device_and_retried_until_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let mut src = start(settings(&dir.path().join("ttyACM9"), Suffix::Cr), None);
    let DeviceState::NoDevice { selector } = src.wait_state("no_device").await else {
        unreachable!()
    };
    assert!(selector.ends_with("ttyACM9"), "{selector}");
    src.stop().await;

    // No USB bus here: a USB selector finds nothing, and says which.
    let mut s = settings(Path::new("/unused"), Suffix::Cr);
    s.device = "usb:0c2e:0b61:NOPE".parse().unwrap();
    let mut src = start(s, None);
    let DeviceState::NoDevice { selector } = src.wait_state("no_device").await else {
        unreachable!()
    };
    assert_eq!(selector, "usb:0c2e:0b61:NOPE");
    src.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_is_not_a_serial_port_is_retried_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-tty");
    std::fs::write(&file, b"plain file").unwrap();
    let mut src = start(settings(&file, Suffix::Cr), None);
    let DeviceState::Retrying { reason, attempt } = src.wait_state("retrying").await else {
        unreachable!()
    };
    assert!(attempt >= 1);
    assert!(reason.contains("not-a-tty"), "{reason}");
    src.stop().await;
}

// ---------------------------------------------------------------------------
// The whole daemon: the real `lotstation run` binary with a pty scanner.

mod daemon {
    use std::io::{BufRead, BufReader};
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::sync::mpsc::{Receiver, channel};
    use std::time::{Duration, Instant};

    use super::{PATIENCE, garbage};
    use crate::fake_scanner::{FakeScanner, point_link};

    /// An issue station reading one serial scanner behind `link`.
    fn config(dir: &Path, link: &Path) -> PathBuf {
        let text = format!(
            r#"
[station]
id = "serial-1"
mode = "issue"
operator = "OP-0001"
receive_location = "DOCK"
production_location = "LINE-1"

[store]
path = {store:?}
seed_files = [{seed:?}]

[[sources]]
name = "issue-scanner"
kind = "serial"
device = {link:?}
baud = 115200
suffix = "crlf"
aim_expected = true
feedback_accepted_hex = "06"
feedback_rejected_hex = "15"

[api]
listen = "127.0.0.1:0"

[log]
level = "info"
format = "text"
"#,
            store = dir.join("station.redb"),
            seed = crate::util::repo("config/demo-data/master.json"),
        );
        let path = dir.join("serial.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Lines of a child's output stream, read on a thread.
    fn lines(stream: impl std::io::Read + Send + 'static) -> Receiver<String> {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        rx
    }

    /// Wait for a line containing `text`; returns it. Lines before it are
    /// kept in `seen` for the failure message.
    fn expect_line(rx: &Receiver<String>, text: &str, seen: &mut Vec<String>) -> String {
        let end = Instant::now() + PATIENCE;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(l) if l.contains(text) => return l,
                Ok(l) => seen.push(l),
                Err(_) => panic!("no line with {text:?}; output so far:\n{}", seen.join("\n")),
            }
        }
    }

    fn run(args: &[&str]) -> String {
        let o = Command::new(crate::util::bin())
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    }

    struct Station(Child);

    impl Drop for Station {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    #[test]
    fn the_station_binary_turns_pty_scans_into_verdicts_and_transactions_across_garbage_and_a_replug()
     {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("scanner");
        let mut scanner = FakeScanner::plug();
        point_link(&link, scanner.path());
        let cfg = config(dir.path(), &link);
        let mut child = Command::new(crate::util::bin())
            .args(["run", "--config", cfg.to_str().unwrap()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = lines(child.stdout.take().unwrap());
        let err = lines(child.stderr.take().unwrap());
        let mut station = Station(child);
        let (mut seen_out, mut seen_err) = (Vec::new(), Vec::new());
        expect_line(&err, "device connected", &mut seen_err);

        // Issue mode: the work order first, then lots.
        scanner.send(b"]C0WO-1001\r\n");
        // A megabyte of noise without a line end: dropped once, bounded.
        let noise: Vec<u8> = garbage(1 << 20, 3)
            .into_iter()
            .map(|b| b' ' + b % 90)
            .collect();
        for chunk in noise.chunks(4096) {
            scanner.send(chunk);
        }
        scanner.send(b"\r\n");
        expect_line(&err, "scan dropped", &mut seen_err);
        scanner.expect_received(&[0x15], PATIENCE);

        // Oats in quarantine: refused, and the scanner is told.
        scanner.send(b"]C10109506000134352172702281024-0912\x1d3103025000\r\n");
        let l = expect_line(&out, "REJECTED", &mut seen_out);
        assert!(l.contains("issue"), "{l}");
        expect_line(&out, "LOT_QUARANTINED", &mut seen_out);
        scanner.expect_received(&[0x15], PATIENCE);

        // Honey, released: issued to the work order and recorded.
        scanner.send(b"]C10109506000134376172806301028-0301\x1d3103010000\r\n");
        let l = expect_line(&out, "ACCEPTED", &mut seen_out);
        assert!(
            l.contains("issue") && l.contains("28-0301") && l.contains("[WO-1001]"),
            "{l}"
        );
        scanner.expect_received(&[0x06], PATIENCE);

        // Unplug and replug behind the same link: the station reads again.
        // (The link goes first, as in the unplug test above.)
        std::fs::remove_file(&link).unwrap();
        scanner.unplug();
        expect_line(&err, "device disconnected", &mut seen_err);
        std::thread::sleep(Duration::from_millis(200));
        let mut scanner = FakeScanner::plug();
        point_link(&link, scanner.path());
        expect_line(&err, "device connected", &mut seen_err);
        scanner.send(b"]C10109506000134352172702281024-0912\x1d3103025000\r\n");
        expect_line(&out, "REJECTED", &mut seen_out);

        // SIGTERM: a clean stop.
        let st = Command::new("kill")
            .args(["-TERM", &station.0.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        let code = station.0.wait().unwrap();
        assert!(
            code.success(),
            "exit {code:?}; stderr:\n{}",
            seen_err.join("\n")
        );

        let store = dir.path().join("station.redb");
        let store = store.to_str().unwrap();
        let v = run(&["verify", "--store", store]);
        assert!(v.starts_with("1 transaction"), "{v}");
        let ob: serde_json::Value =
            serde_json::from_str(&run(&["outbox", "--json", "--store", store])).unwrap();
        assert_eq!(ob["pending"], 1);
        drop(station);
    }
}
