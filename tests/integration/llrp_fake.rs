//! A fake LLRP reader for the tests: a real TCP peer on 127.0.0.1 that
//! answers the setup requests like a reader does, plays a scripted tag
//! timeline once its ROSpec runs, and injects the faults seen in the field
//! (a silent socket, a second client refused, a reboot that forgets the
//! ROSpec, error responses, unknown vendor parameters, batched or unbatched
//! reports). It records every message it receives, per connection.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lotstation::source::llrp::Envelope;
use lotstation::source::llrp::FrameSplitter;
use lotstation::source::llrp::messages::{
    Capabilities, CustomMessage, EpcField, EventTime, Extra, GeneralDeviceCapabilities, GpiEvent,
    IMPINJ_PEN, Impinj, Message, ReaderEvent, RegulatoryCapabilities, Reply, RoAccessReport,
    RoSpec, Status, TagReportData, UhfBandCapabilities,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// One scripted tag read, played `at_ms` after the ROSpec started.
#[derive(Debug, Clone)]
pub struct ScriptedRead {
    pub at_ms: u64,
    pub antenna: u16,
    pub epc: Vec<u8>,
    pub rssi_cdbm: i16,
}

impl ScriptedRead {
    pub fn new(at_ms: u64, antenna: u16, epc_hex: &str, rssi_cdbm: i16) -> ScriptedRead {
        ScriptedRead {
            at_ms,
            antenna,
            epc: lotstation::ident::hex::decode(epc_hex).unwrap(),
            rssi_cdbm,
        }
    }
}

/// What the fake reader does.
#[derive(Debug, Clone)]
pub struct Script {
    /// Manufacturer PEN in the capabilities.
    pub manufacturer: u32,
    pub antennas: u16,
    pub gpis: u16,
    /// Tag reads after the ROSpec starts.
    pub reads: Vec<ScriptedRead>,
    /// GPI changes after the ROSpec is enabled: (ms, port, high).
    pub gpi: Vec<(u64, u16, bool)>,
    /// All reads of the timeline in one RO_ACCESS_REPORT (at the last read's time).
    pub batched: bool,
    /// Add a Zebra custom parameter (PEN 161, subtype 709) to every TagReportData.
    pub vendor_custom: bool,
    /// The first `silent_connections` connections stop sending anything
    /// `silent_after_ms` after the ROSpec starts (the socket stays open).
    pub silent_after_ms: Option<u64>,
    pub silent_connections: usize,
    /// The first `reboot_connections` connections are closed by a "reboot"
    /// `reboot_after_ms` after the ROSpec starts; the ROSpecs are forgotten.
    pub reboot_after_ms: Option<u64>,
    pub reboot_connections: usize,
    /// Answer requests of these message types with this error, this many times.
    pub failures: Vec<(u16, u16, String, usize)>,
    /// Answer ENABLE_EVENTS_AND_REPORTS with ERROR_MESSAGE (llrpkit does).
    pub error_on_enable_events: bool,
    /// Do not start an immediate-trigger ROSpec on ENABLE_ROSPEC (llrpkit doesn't).
    pub ignore_immediate_start: bool,
    /// Refuse a second client while one is connected (status 2, then close).
    pub refuse_second_client: bool,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            manufacturer: IMPINJ_PEN,
            antennas: 4,
            gpis: 4,
            reads: Vec::new(),
            gpi: Vec::new(),
            batched: false,
            vendor_custom: false,
            silent_after_ms: None,
            silent_connections: 0,
            reboot_after_ms: None,
            reboot_connections: 0,
            failures: Vec::new(),
            error_on_enable_events: false,
            ignore_immediate_start: false,
            refuse_second_client: true,
        }
    }
}

/// What the fake reader saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Messages received, per accepted connection (refused ones excluded).
    pub connections: Vec<Vec<Message>>,
    /// Connections refused because another client was connected.
    pub refused: usize,
    /// ROSpecs currently added.
    pub rospecs: HashMap<u32, RoSpec>,
    /// A client is connected.
    pub busy: bool,
    /// Failures still to inject: (message type, code, text, remaining).
    pub failures: Vec<(u16, u16, String, usize)>,
}

impl Seen {
    /// Names of the messages received on connection `i`.
    pub fn names(&self, i: usize) -> Vec<&'static str> {
        self.connections
            .get(i)
            .map(|c| c.iter().map(|m| m.name()).collect())
            .unwrap_or_default()
    }
}

pub struct FakeReader {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Seen>>,
    stop: CancellationToken,
}

impl Drop for FakeReader {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl FakeReader {
    pub async fn start(script: Script) -> FakeReader {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Seen {
            failures: script.failures.clone(),
            ..Seen::default()
        }));
        let stop = CancellationToken::new();
        let (s2, st2) = (seen.clone(), stop.clone());
        tokio::spawn(async move {
            let script = Arc::new(script);
            loop {
                let (sock, _) = tokio::select! {
                    _ = st2.cancelled() => return,
                    a = listener.accept() => match a { Ok(a) => a, Err(_) => return },
                };
                let busy = s2.lock().unwrap().busy;
                if busy && script.refuse_second_client {
                    s2.lock().unwrap().refused += 1;
                    tokio::spawn(refuse(sock));
                    continue;
                }
                let index = {
                    let mut s = s2.lock().unwrap();
                    s.busy = true;
                    s.connections.push(Vec::new());
                    s.connections.len() - 1
                };
                let (script, seen, stop) = (script.clone(), s2.clone(), st2.clone());
                tokio::spawn(async move {
                    let _ = serve(sock, index, &script, &seen, &stop).await;
                    seen.lock().unwrap().busy = false;
                });
            }
        });
        FakeReader { addr, seen, stop }
    }

    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Wait until `cond` holds on what the reader saw (up to 10 s).
    pub async fn wait_for(&self, what: &str, cond: impl Fn(&Seen) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if cond(&self.seen.lock().unwrap()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "fake reader: timed out waiting for {what}; saw {:?}",
                (0..self.seen.lock().unwrap().connections.len())
                    .map(|i| self.seen.lock().unwrap().names(i))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

fn event(ev: ReaderEvent) -> Message {
    Message::ReaderEventNotification(ev)
}

fn now_us() -> u64 {
    lotstation::clock::Clock::system()
        .now()
        .as_microsecond()
        .try_into()
        .unwrap_or(0)
}

fn connection_event(status: u16) -> Message {
    let mut e = ReaderEvent::at(EventTime::Utc(now_us()));
    e.connection_attempt = Some(status);
    event(e)
}

async fn refuse(mut sock: TcpStream) {
    let _ = sock
        .write_all(&connection_event(2).encode(0).unwrap())
        .await;
    let _ = sock.shutdown().await;
}

fn capabilities(script: &Script) -> Capabilities {
    Capabilities {
        status: Status::success(),
        general: Some(GeneralDeviceCapabilities {
            max_antennas: script.antennas,
            has_utc_clock: true,
            manufacturer: script.manufacturer,
            model: 700,
            firmware: "fake 1.0".into(),
            receive_sensitivity: vec![(1, 0), (2, -10), (3, -20)],
            gpio: Some((script.gpis, 4)),
            air_protocols: (1..=script.antennas).map(|a| (a, vec![1])).collect(),
            ..GeneralDeviceCapabilities::default()
        }),
        regulatory: Some(RegulatoryCapabilities {
            country_code: 276,
            communications_standard: 2,
            uhf_band: Some(UhfBandCapabilities {
                power_levels: (1..=21).map(|i| (i, 1000 + (i as i16 - 1) * 100)).collect(),
                ..UhfBandCapabilities::default()
            }),
            extra: vec![],
        }),
        ..Capabilities::default()
    }
}

fn tag(r: &ScriptedRead, vendor_custom: bool) -> TagReportData {
    let epc = match <[u8; 12]>::try_from(r.epc.as_slice()) {
        Ok(a) => EpcField::Epc96(a),
        Err(_) => EpcField::Data {
            bits: (r.epc.len() * 8) as u16,
            bytes: r.epc.clone(),
        },
    };
    let mut t = TagReportData::new(epc);
    t.antenna_id = Some(r.antenna);
    t.peak_rssi = Some((r.rssi_cdbm / 100) as i8);
    t.first_seen_utc = Some(now_us());
    t.last_seen_utc = t.first_seen_utc;
    t.tag_seen_count = Some(1);
    if vendor_custom {
        t.extra.push(Extra::Custom {
            vendor: 161,
            subtype: 709,
            data: vec![0xde, 0xad, 0xbe, 0xef],
        });
    }
    t.extra.push(Extra::Impinj(Impinj::PeakRssi(r.rssi_cdbm)));
    t
}

enum Timed {
    Keepalive,
    Report(Vec<TagReportData>),
    Gpi(u16, bool),
    Silence,
    Reboot,
}

async fn serve(
    mut sock: TcpStream,
    index: usize,
    script: &Script,
    seen: &Mutex<Seen>,
    stop: &CancellationToken,
) -> std::io::Result<()> {
    sock.write_all(&connection_event(0).encode(0).unwrap())
        .await?;
    let mut splitter = FrameSplitter::new(1 << 20);
    let mut buf = vec![0u8; 65536];
    let mut timed: Vec<(Instant, Timed)> = Vec::new();
    let mut keepalive: Option<Duration> = None;
    let mut silent = false;
    let mut next_ka_id = 1000u32;
    let mut started = false;
    loop {
        timed.sort_by_key(|(t, _)| *t);
        let next = timed.first().map(|(t, _)| *t);
        let sleep = async {
            match next {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            _ = sleep => {
                let (_, ev) = timed.remove(0);
                match ev {
                    Timed::Silence => silent = true,
                    Timed::Reboot => {
                        seen.lock().unwrap().rospecs.clear();
                        let _ = sock.shutdown().await;
                        return Ok(());
                    }
                    Timed::Keepalive => {
                        if let Some(p) = keepalive {
                            timed.push((Instant::now() + p, Timed::Keepalive));
                        }
                        if !silent {
                            next_ka_id += 1;
                            sock.write_all(&Message::Keepalive.encode(next_ka_id).unwrap()).await?;
                        }
                    }
                    Timed::Report(tags) => {
                        if !silent {
                            let m = Message::RoAccessReport(RoAccessReport { tags, extra: vec![] });
                            sock.write_all(&m.encode(0).unwrap()).await?;
                        }
                    }
                    Timed::Gpi(port, high) => {
                        if !silent {
                            let mut e = ReaderEvent::at(EventTime::Utc(now_us()));
                            e.gpi = Some(GpiEvent { port, high });
                            sock.write_all(&event(e).encode(0).unwrap()).await?;
                        }
                    }
                }
            }
            n = sock.read(&mut buf) => {
                let n = n?;
                if n == 0 {
                    return Ok(());
                }
                splitter.push(&buf[..n]);
                while let Some(frame) = splitter.next_frame().map_err(std::io::Error::other)? {
                    let env = Envelope::decode(frame).map_err(std::io::Error::other)?;
                    seen.lock().unwrap().connections[index].push(env.message.clone());
                    let mut start_now = false;
                    let reply = |seen: &Mutex<Seen>, ty: u16| -> Reply {
                        let mut s = seen.lock().unwrap();
                        for f in s.failures.iter_mut() {
                            if f.0 == ty && f.3 > 0 {
                                f.3 -= 1;
                                return Reply::error(f.1, f.2.clone());
                            }
                        }
                        Reply::success()
                    };
                    let answer = match &env.message {
                        Message::GetReaderCapabilities { .. } => {
                            Some(Message::GetReaderCapabilitiesResponse(capabilities(script)))
                        }
                        Message::CustomMessage(c) if c.vendor == IMPINJ_PEN && c.subtype == 21 => {
                            let mut data = Vec::new();
                            let status = Message::ErrorMessage(Reply::success()).encode(0).unwrap();
                            data.extend_from_slice(&status[10..]);
                            Some(Message::CustomMessage(CustomMessage { vendor: IMPINJ_PEN, subtype: 22, data }))
                        }
                        Message::SetReaderConfig { config, .. } => {
                            if let Some(k) = config.keepalive {
                                let p = Duration::from_millis(u64::from(k.period_ms));
                                keepalive = Some(p);
                                timed.retain(|(_, e)| !matches!(e, Timed::Keepalive));
                                timed.push((Instant::now() + p, Timed::Keepalive));
                            }
                            Some(Message::SetReaderConfigResponse(reply(seen, 3)))
                        }
                        Message::DeleteAccessspec(_) => Some(Message::DeleteAccessspecResponse(reply(seen, 41))),
                        Message::DeleteRospec(id) => {
                            let mut r = reply(seen, 21);
                            let mut s = seen.lock().unwrap();
                            if r.status.is_success() {
                                if *id == 0 {
                                    s.rospecs.clear();
                                } else if s.rospecs.remove(id).is_none() {
                                    r = Reply::error(100, format!("no ROSpec {id}"));
                                }
                            }
                            Some(Message::DeleteRospecResponse(r))
                        }
                        Message::AddRospec(spec) => {
                            let r = reply(seen, 20);
                            if r.status.is_success() {
                                seen.lock().unwrap().rospecs.insert(spec.id, spec.clone());
                            }
                            Some(Message::AddRospecResponse(r))
                        }
                        Message::EnableRospec(id) => {
                            let r = reply(seen, 24);
                            let immediate = seen.lock().unwrap().rospecs.get(id).is_some_and(|s| s.start.kind == 1);
                            if r.status.is_success() {
                                let t0 = Instant::now();
                                for (ms, port, high) in &script.gpi {
                                    timed.push((t0 + Duration::from_millis(*ms), Timed::Gpi(*port, *high)));
                                }
                                if immediate && !script.ignore_immediate_start {
                                    start_now = true;
                                }
                            }
                            Some(Message::EnableRospecResponse(r))
                        }
                        Message::StartRospec(id) => {
                            let known = seen.lock().unwrap().rospecs.contains_key(id);
                            if !known {
                                Some(Message::StartRospecResponse(Reply::error(100, format!("no ROSpec {id}"))))
                            } else if started {
                                Some(Message::StartRospecResponse(Reply::error(100, "ROSpec already active")))
                            } else {
                                start_now = true;
                                Some(Message::StartRospecResponse(reply(seen, 22)))
                            }
                        }
                        Message::StopRospec(_) => Some(Message::StopRospecResponse(Reply::success())),
                        Message::DisableRospec(_) => Some(Message::DisableRospecResponse(Reply::success())),
                        Message::EnableEventsAndReports => script.error_on_enable_events.then(|| {
                            Message::ErrorMessage(Reply::error(109, "emulator does not handle ENABLE_EVENTS_AND_REPORTS"))
                        }),
                        Message::CloseConnection => {
                            let m = Message::CloseConnectionResponse(Reply::success());
                            sock.write_all(&m.encode(env.id).unwrap()).await?;
                            let _ = sock.shutdown().await;
                            return Ok(());
                        }
                        _ => None,
                    };
                    if let Some(a) = answer {
                        sock.write_all(&a.encode(env.id).unwrap()).await?;
                    }
                    if start_now && !started {
                        started = true;
                        let t0 = Instant::now();
                        if script.batched {
                            let last = script.reads.iter().map(|r| r.at_ms).max().unwrap_or(0);
                            let tags = script.reads.iter().map(|r| tag(r, script.vendor_custom)).collect();
                            timed.push((t0 + Duration::from_millis(last), Timed::Report(tags)));
                        } else {
                            for r in &script.reads {
                                timed.push((t0 + Duration::from_millis(r.at_ms), Timed::Report(vec![tag(r, script.vendor_custom)])));
                            }
                        }
                        if let Some(ms) = script.silent_after_ms
                            && index < script.silent_connections
                        {
                            timed.push((t0 + Duration::from_millis(ms), Timed::Silence));
                        }
                        if let Some(ms) = script.reboot_after_ms
                            && index < script.reboot_connections
                        {
                            timed.push((t0 + Duration::from_millis(ms), Timed::Reboot));
                        }
                    }
                }
            }
        }
    }
}
