//! The LLRP reader session against the fake reader (a real TCP peer on
//! 127.0.0.1): setup order, tag reads, GPI, and the field faults: a silent
//! socket, a refused second client, a reboot that forgets the ROSpec, error
//! responses, unknown vendor parameters, batched and unbatched reports.

use std::sync::Arc;
use std::time::Duration;

use lotstation::source::llrp::messages::{IMPINJ_PEN, Message, Spec};
use lotstation::source::llrp::{self, ReaderSettings, StartMode};
use lotstation::source::status::{DeviceState, Devices};
use lotstation::station::portal::{PortalInput, TagRead};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::llrp_fake::{FakeReader, Script, ScriptedRead};

const SGTIN: &str = "3074257bf7194e4000001a85";
const SSCC: &str = "3114257bf4b9ad0000000001";

fn settings(reader: &FakeReader) -> ReaderSettings {
    let mut s = ReaderSettings::new("dock-1", &reader.address());
    s.plan.antennas = vec![1, 2];
    s.plan.tx_power_cdbm = Some(2500);
    s.plan.keepalive = Duration::from_millis(100);
    s.missed_keepalives = 3;
    s.response_timeout = Duration::from_secs(2);
    s.backoff = (Duration::from_millis(20), Duration::from_millis(200));
    s
}

struct Running {
    rx: mpsc::Receiver<PortalInput>,
    devices: Devices,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<llrp::Counters>,
}

fn start(s: ReaderSettings) -> Running {
    let (tx, rx) = mpsc::channel(1024);
    let devices = Devices::default();
    let status = devices.register(Arc::from("dock-1"));
    let cancel = CancellationToken::new();
    let task = tokio::spawn(llrp::run(s, tx, status, cancel.clone()));
    Running {
        rx,
        devices,
        cancel,
        task,
    }
}

impl Running {
    async fn reads(&mut self, n: usize) -> Vec<TagRead> {
        let mut out = Vec::new();
        while out.len() < n {
            match tokio::time::timeout(Duration::from_secs(10), self.rx.recv()).await {
                Ok(Some(PortalInput::Read(r))) => out.push(r),
                Ok(Some(PortalInput::Gpi(_))) => {}
                Ok(None) | Err(_) => panic!("only {} of {n} reads arrived", out.len()),
            }
        }
        out
    }

    fn state(&self) -> DeviceState {
        self.devices.snapshot()[0].1.state.clone()
    }

    async fn wait_state(&self, what: &str, cond: impl Fn(&DeviceState) -> bool) {
        let mut rx = self.devices.watch("dock-1").unwrap();
        let wait = async {
            loop {
                if cond(&rx.borrow_and_update().state) {
                    return;
                }
                rx.changed().await.unwrap();
            }
        };
        tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .unwrap_or_else(|_| panic!("device never became {what}; last {:?}", self.state()));
    }

    async fn stop(self) -> llrp::Counters {
        self.cancel.cancel();
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("session stops on cancel")
            .unwrap()
    }
}

fn hex(b: &[u8]) -> String {
    lotstation::ident::hex::encode(b)
}

#[tokio::test]
async fn the_session_cleans_up_configures_and_delivers_unbatched_reads_with_vendor_parameters() {
    let reader = FakeReader::start(Script {
        reads: vec![
            ScriptedRead::new(10, 1, SGTIN, -5512),
            ScriptedRead::new(20, 2, SSCC, -6120),
        ],
        vendor_custom: true,
        ..Script::default()
    })
    .await;
    let mut run = start(settings(&reader));
    let reads = run.reads(2).await;
    assert_eq!(hex(&reads[0].epc), SGTIN);
    assert_eq!((reads[0].antenna, reads[0].rssi_cdbm), (1, Some(-5512)));
    assert_eq!(hex(&reads[1].epc), SSCC);
    assert_eq!(&*reads[1].reader, "dock-1");
    run.wait_state("connected", |s| s.is_up()).await;
    let DeviceState::Connected { detail } = run.state() else {
        panic!()
    };
    assert!(detail.contains("Impinj model 700"), "{detail}");
    {
        let seen = reader.seen.lock().unwrap();
        assert_eq!(
            seen.names(0),
            [
                "GET_READER_CAPABILITIES",
                "CUSTOM_MESSAGE",
                "SET_READER_CONFIG",
                "DELETE_ACCESSSPEC",
                "DELETE_ROSPEC",
                "ADD_ROSPEC",
                "ENABLE_ROSPEC",
                "START_ROSPEC",
                "ENABLE_EVENTS_AND_REPORTS",
            ]
            .iter()
            .chain(std::iter::repeat_n(
                &"KEEPALIVE_ACK",
                seen.names(0).len() - 9
            ))
            .copied()
            .collect::<Vec<_>>()
        );
        // Clean slate: everything deleted, whatever was there.
        assert!(matches!(
            seen.connections[0][3],
            Message::DeleteAccessspec(0)
        ));
        assert!(matches!(seen.connections[0][4], Message::DeleteRospec(0)));
        let Message::AddRospec(spec) = &seen.connections[0][5] else {
            panic!()
        };
        let Spec::Ai(ai) = &spec.specs[0] else {
            panic!()
        };
        assert_eq!(ai.antennas, vec![1, 2]);
        // 25 dBm from the reader's power table (10 dBm + 1 dB per index from 1).
        assert_eq!(
            ai.inventory[0].antenna_configurations[0].transmitter,
            Some((1, 0, 16))
        );
    }
    let counters = run.stop().await;
    assert_eq!(counters.reads, 2);
    // A polite goodbye on shutdown.
    reader
        .wait_for("CLOSE_CONNECTION", |s| {
            s.names(0).contains(&"CLOSE_CONNECTION")
        })
        .await;
}

#[tokio::test]
async fn batched_reports_deliver_every_tag() {
    let reads: Vec<ScriptedRead> = (0..50)
        .map(|i| ScriptedRead::new(5, 1 + (i % 2), &format!("30742{i:019x}"), -6000))
        .collect();
    let reader = FakeReader::start(Script {
        reads,
        batched: true,
        ..Script::default()
    })
    .await;
    let mut run = start(settings(&reader));
    let got = run.reads(50).await;
    assert_eq!(got.len(), 50);
    assert_eq!(hex(&got[49].epc), format!("30742{:019x}", 49));
    run.stop().await;
}

#[tokio::test]
async fn a_silent_socket_is_declared_dead_and_the_session_reconnects() {
    let reader = FakeReader::start(Script {
        reads: vec![ScriptedRead::new(10, 1, SGTIN, -5000)],
        silent_after_ms: Some(50),
        silent_connections: 1,
        ..Script::default()
    })
    .await;
    let mut run = start(settings(&reader));
    run.reads(1).await;
    // The first connection goes quiet with the socket open; 3 missed
    // keepalives of 100 ms later the session gives up on it and reconnects.
    run.reads(1).await;
    reader
        .wait_for("a second connection", |s| s.connections.len() >= 2)
        .await;
    let disconnects = run.devices.snapshot()[0].1.disconnects;
    assert!(disconnects >= 1, "{disconnects}");
    run.stop().await;
}

#[tokio::test]
async fn a_reader_owned_by_another_client_is_reported_busy_and_retried() {
    let reader = FakeReader::start(Script {
        reads: vec![ScriptedRead::new(10, 1, SGTIN, -5000)],
        ..Script::default()
    })
    .await;
    // Another host holds the reader.
    let other = tokio::net::TcpStream::connect(reader.addr).await.unwrap();
    reader.wait_for("the other client", |s| s.busy).await;
    let mut run = start(settings(&reader));
    run.wait_state("retrying (busy)", |s| {
        matches!(s, DeviceState::Retrying { reason, .. } if reason.contains("another client is connected"))
    })
    .await;
    assert!(reader.seen.lock().unwrap().refused >= 1);
    drop(other);
    // Once the other client leaves, the session gets the reader.
    run.reads(1).await;
    run.stop().await;
}

#[tokio::test]
async fn after_a_reboot_the_configuration_is_applied_again_and_reads_resume() {
    let reader = FakeReader::start(Script {
        reads: vec![ScriptedRead::new(10, 1, SGTIN, -5000)],
        reboot_after_ms: Some(100),
        reboot_connections: 1,
        ..Script::default()
    })
    .await;
    let mut run = start(settings(&reader));
    run.reads(1).await;
    // The reader rebooted and forgot our ROSpec: the next connection adds it again.
    run.reads(1).await;
    {
        let seen = reader.seen.lock().unwrap();
        assert!(seen.connections.len() >= 2);
        assert!(seen.names(1).contains(&"ADD_ROSPEC"));
        assert!(seen.names(1).contains(&"SET_READER_CONFIG"));
        assert!(seen.rospecs.contains_key(&1));
    }
    run.stop().await;
}

#[tokio::test]
async fn a_refused_rospec_is_reported_with_the_readers_words_and_retried() {
    let reader = FakeReader::start(Script {
        reads: vec![ScriptedRead::new(10, 1, SGTIN, -5000)],
        // ADD_ROSPEC (type 20) refused twice; DELETE_ROSPEC refused once (tolerated).
        failures: vec![
            (20, 201, "RFTransmitter power index out of range".into(), 2),
            (21, 100, "no ROSpec".into(), 1),
        ],
        ..Script::default()
    })
    .await;
    let mut run = start(settings(&reader));
    run.wait_state("retrying (refused)", |s| {
        matches!(s, DeviceState::Retrying { reason, .. }
            if reason.contains("ADD_ROSPEC") && reason.contains("power index out of range"))
    })
    .await;
    run.reads(1).await;
    run.stop().await;
}

#[tokio::test]
async fn reader_quirks_error_on_enable_events_and_ignored_immediate_start_are_tolerated() {
    let reader = FakeReader::start(Script {
        reads: vec![ScriptedRead::new(10, 3, SGTIN, -4800)],
        error_on_enable_events: true,
        ignore_immediate_start: true,
        gpi: vec![(5, 1, true)],
        ..Script::default()
    })
    .await;
    let mut s = settings(&reader);
    s.plan.antennas = vec![];
    let mut run = start(s);
    let mut gpi = None;
    let mut read = None;
    while gpi.is_none() || read.is_none() {
        match tokio::time::timeout(Duration::from_secs(10), run.rx.recv()).await {
            Ok(Some(PortalInput::Gpi(g))) => gpi = Some(g),
            Ok(Some(PortalInput::Read(r))) => read = Some(r),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((gpi.as_ref().unwrap().port, gpi.unwrap().high), (1, true));
    assert_eq!(read.unwrap().antenna, 3);
    run.wait_state("connected", |s| s.is_up()).await;
    // One connection only: the ERROR_MESSAGE did not end it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(reader.seen.lock().unwrap().connections.len(), 1);
    run.stop().await;
}

#[tokio::test]
async fn a_zebra_reader_gets_no_impinj_extensions_and_a_gpi_triggered_rospec() {
    let reader = FakeReader::start(Script {
        manufacturer: 10642,
        ..Script::default()
    })
    .await;
    let mut s = settings(&reader);
    s.plan.search_mode = Some(3);
    s.plan.start = StartMode::Gpi {
        port: 2,
        high: true,
        timeout_ms: 0,
    };
    let run = start(s);
    run.wait_state("connected", |s| s.is_up()).await;
    {
        let seen = reader.seen.lock().unwrap();
        let names = seen.names(0);
        assert!(!names.contains(&"CUSTOM_MESSAGE"), "{names:?}");
        assert!(!names.contains(&"START_ROSPEC"), "{names:?}");
        let spec = seen.rospecs.get(&1).unwrap();
        assert_eq!(spec.start.kind, 3);
        assert_eq!(spec.start.gpi.unwrap().port, 2);
        let Spec::Ai(ai) = &spec.specs[0] else {
            panic!()
        };
        assert!(
            ai.inventory[0].antenna_configurations[0].c1g2[0]
                .extra
                .is_empty()
        );
    }
    run.stop().await;
    assert_ne!(IMPINJ_PEN, 10642);
}

#[tokio::test]
async fn probe_reports_capabilities_and_reads_then_closes() {
    let reader = FakeReader::start(Script {
        reads: vec![ScriptedRead::new(10, 1, SGTIN, -5000)],
        ..Script::default()
    })
    .await;
    let report = llrp::probe(&settings(&reader), Duration::from_millis(300))
        .await
        .unwrap();
    assert_eq!(report.capabilities.manufacturer(), IMPINJ_PEN);
    assert_eq!(report.capabilities.power_table().len(), 21);
    assert_eq!(report.reads.len(), 1);
    assert!(
        reader
            .seen
            .lock()
            .unwrap()
            .names(0)
            .contains(&"CLOSE_CONNECTION")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn llrp_probe_prints_capabilities_and_reads_and_traces_frames_that_decode_again() {
    let reader = FakeReader::start(Script {
        reads: vec![
            ScriptedRead::new(10, 1, SGTIN, -5512),
            ScriptedRead::new(20, 2, SGTIN, -6000),
        ],
        ..Script::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("reader.trace");
    let (addr, trace2) = (reader.address(), trace.clone());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(crate::util::bin())
            .args(["llrp", "probe", &addr, "--seconds", "1", "--trace-llrp"])
            .arg(&trace2)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Impinj (PEN 25882) model 700"), "{text}");
    assert!(text.contains("10.00 .. 30.00 dBm in 21 steps"), "{text}");
    assert!(
        text.contains("3074257BF7194E4000001A85  antennas [1, 2]  reads 2"),
        "{text}"
    );
    assert!(
        text.contains("urn:epc:id:sgtin:0614141.812345.6789"),
        "{text}"
    );
    let decoded = tokio::task::spawn_blocking(move || {
        std::process::Command::new(crate::util::bin())
            .args(["llrp", "decode"])
            .arg(&trace)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(decoded.status.success(), "{decoded:?}");
    let lines = String::from_utf8(decoded.stdout).unwrap();
    assert!(
        lines
            .lines()
            .next()
            .unwrap()
            .contains("READER_EVENT_NOTIFICATION")
    );
    assert!(lines.contains("\"ADD_ROSPEC\""), "{lines}");
    assert!(lines.contains("\"CLOSE_CONNECTION_RESPONSE\""), "{lines}");
}
