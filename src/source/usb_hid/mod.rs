//! USB HID scanners: keyboard-wedge (boot protocol) and HID-POS (usage page
//! 0x8C) devices read directly through libusb (rusb), so keystrokes never
//! reach another program, GS separators and AIM identifiers survive, and
//! the keyboard layout is the scanner's, not the desktop's.
//!
//! - [`keymap`] (pure): HID keyboard usages to characters per layout.
//! - [`report`] (pure): boot-keyboard and HID-POS input reports to scans,
//!   and the report-descriptor check that finds HID-POS interfaces.
//! - [`fuzzing`]: the invariant checks the fuzz targets and the corpus
//!   replay test run on the two decoders.
//! - this module: the I/O thread. It finds the device (by `usb:VID:PID[:SERIAL]`,
//!   or for HID-POS by the bar-code-scanner usage page), detaches the kernel
//!   driver and claims the interface (from then on keystrokes no longer reach
//!   the desktop), reads interrupt-IN reports, feeds the decoder, and sends
//!   frames. On unplug it reports the state, releases the interface, gives
//!   the kernel driver back, and waits for the device with backoff, woken
//!   early by libusb hotplug events where the platform has them (polling
//!   otherwise). With no USB bus at all it reports "no device" and waits; it
//!   never ends the daemon.
//!
//! Invariant: the interface is only ever held inside [`Claimed`], whose drop
//! releases it and re-attaches the kernel driver, so the keyboard comes back
//! to the desktop when the source stops, whatever the path out.
//!
//! Blocking libusb calls run on one dedicated blocking thread per source
//! (`spawn_blocking`); it polls its cancellation token between reads (every
//! [`READ_TIMEOUT`]) and converts everything to owned values before sending.

pub mod fuzzing;
pub mod keymap;
pub mod report;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rusb::UsbContext;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Frame;
use super::status::{DeviceState, StatusReporter};
use crate::backoff::Backoff;
use crate::ident::AimId;
use report::{KeyboardDecoder, KeyboardSettings, Outcome, PosAssembler, PosSettings, ReportError};

/// How long one interrupt read waits before the thread checks for
/// cancellation and quiet gaps.
pub const READ_TIMEOUT: Duration = Duration::from_millis(100);
/// How often the device list is scanned again while nothing matches, when
/// no hotplug event comes first.
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// USB interface class of HID devices.
const CLASS_HID: u8 = 3;
/// HID usage page of bar code scanners (HID Point of Sale usage tables).
pub const USAGE_PAGE_BAR_CODE_SCANNER: u16 = 0x8C;
/// Largest input report read.
const MAX_REPORT: usize = 1024;

/// Which device a source reads.
///
/// ```
/// use lotstation::source::usb_hid::UsbMatch;
///
/// let m = UsbMatch::parse("usb:0C2E:0b61:LS0001").unwrap();
/// assert_eq!((m.vid, m.pid, m.serial.as_deref()), (Some(0x0c2e), Some(0x0b61), Some("LS0001")));
/// assert_eq!(m.to_string(), "usb:0c2e:0b61:LS0001");
/// assert!(UsbMatch::parse("/dev/hidraw0").is_err());
/// assert!(UsbMatch::parse("usb:5e0:1200").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsbMatch {
    /// Vendor id; `None` matches any (HID-POS only).
    pub vid: Option<u16>,
    /// Product id.
    pub pid: Option<u16>,
    /// USB serial number string, compared exactly.
    pub serial: Option<String>,
}

impl UsbMatch {
    /// Parse `usb:VID:PID` or `usb:VID:PID:SERIAL` (four hex digits each).
    pub fn parse(text: &str) -> Result<UsbMatch, String> {
        let Some(rest) = text.strip_prefix("usb:") else {
            return Err(format!(
                "device {text:?} is not a USB selector: a usb_hid source is found by its USB ids, not a device path"
            ));
        };
        let mut parts = rest.splitn(3, ':');
        let id = |p: Option<&str>, what: &str| -> Result<u16, String> {
            match p {
                Some(h) if h.len() == 4 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    u16::from_str_radix(h, 16).map_err(|e| e.to_string())
                }
                _ => Err(format!(
                    "device {text:?}: the {what} id must be four hex digits"
                )),
            }
        };
        let vid = id(parts.next(), "vendor")?;
        let pid = id(parts.next(), "product")?;
        let serial = match parts.next() {
            None => None,
            Some(s) if !s.is_empty() && s.len() <= 126 && !s.chars().any(char::is_control) => {
                Some(s.to_owned())
            }
            Some(_) => {
                return Err(format!(
                    "device {text:?}: the serial number after the second ':' is empty, too long or has control characters"
                ));
            }
        };
        Ok(UsbMatch {
            vid: Some(vid),
            pid: Some(pid),
            serial,
        })
    }
}

impl fmt::Display for UsbMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.vid, self.pid) {
            (Some(v), Some(p)) => write!(f, "usb:{v:04x}:{p:04x}")?,
            (Some(v), None) => write!(f, "usb:{v:04x}:*")?,
            _ => write!(f, "any HID-POS bar code scanner")?,
        }
        if let Some(s) = &self.serial {
            write!(f, ":{s}")?;
        }
        Ok(())
    }
}

/// The device mode and its decoder settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HidMode {
    /// Boot-protocol keyboard.
    Keyboard(KeyboardSettings),
    /// HID-POS scanned-data reports.
    Pos(PosSettings),
}

impl HidMode {
    /// The config name of the mode.
    pub fn name(&self) -> &'static str {
        match self {
            HidMode::Keyboard(_) => "keyboard",
            HidMode::Pos(_) => "hid_pos",
        }
    }
}

/// What a USB HID source needs to know.
#[derive(Debug, Clone)]
pub struct UsbHidSettings {
    /// Source name.
    pub name: Arc<str>,
    /// Which device.
    pub device: UsbMatch,
    /// Mode and decoder settings.
    pub mode: HidMode,
    /// Keyboard mode without suffix: a scan ends after this quiet gap.
    /// HID-POS: a continued symbol whose next part has not come after this
    /// gap is dropped.
    pub gap: Duration,
    /// Symbology to assume for scans without an AIM prefix.
    pub assume_symbology: Option<AimId>,
    /// Stamps each frame with when it was read.
    pub clock: crate::clock::Clock,
}

/// The decoder of either mode.
#[derive(Debug)]
enum Decoder {
    Keyboard(KeyboardDecoder),
    Pos(PosAssembler),
}

impl Decoder {
    fn new(mode: &HidMode) -> Self {
        match mode {
            HidMode::Keyboard(k) => Decoder::Keyboard(KeyboardDecoder::new(k.clone())),
            HidMode::Pos(p) => Decoder::Pos(PosAssembler::new(p.clone())),
        }
    }

    fn push(&mut self, report: &[u8], out: &mut Vec<Outcome>) {
        match self {
            Decoder::Keyboard(d) => d.push(report, out),
            Decoder::Pos(a) => a.push(report, out),
        }
    }

    fn has_pending(&self) -> bool {
        match self {
            Decoder::Keyboard(d) => d.has_pending(),
            Decoder::Pos(a) => a.has_pending(),
        }
    }

    /// The quiet gap passed: end the keyboard scan (no-suffix mode) or give
    /// up on the continued symbol.
    fn gap_passed(&mut self, out: &mut Vec<Outcome>) {
        match self {
            Decoder::Keyboard(d) => {
                if d.settings().suffix == report::Suffix::None
                    && let Some(o) = d.flush()
                {
                    out.push(o);
                }
            }
            Decoder::Pos(a) => {
                if let Some(e) = a.expire() {
                    out.push(Err(e));
                }
            }
        }
    }

    /// The device went away: what was half-typed is lost, say so.
    fn abandon(&mut self) -> Option<ReportError> {
        match self {
            Decoder::Keyboard(d) => match d.flush() {
                Some(Ok(s)) => Some(ReportError::Incomplete {
                    bytes: s.bytes.len(),
                }),
                Some(Err(e)) => Some(e),
                None => None,
            },
            Decoder::Pos(a) => a.expire(),
        }
    }
}

/// Why a source could not read its device; becomes a [`DeviceState`].
#[derive(Debug)]
enum OpenError {
    /// Nothing matching is connected.
    NotFound,
    /// Present but not ours to open.
    Access { path: String },
    /// Anything else libusb said.
    Usb {
        what: &'static str,
        error: rusb::Error,
    },
}

/// A claimed interface. Dropping it releases the interface and gives the
/// kernel driver back if it had one.
struct Claimed {
    handle: rusb::DeviceHandle<rusb::Context>,
    iface: u8,
    endpoint: u8,
    packet: usize,
    reattach: bool,
    detail: String,
}

impl fmt::Debug for Claimed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claimed")
            .field("iface", &self.iface)
            .field("endpoint", &self.endpoint)
            .field("detail", &self.detail)
            .finish()
    }
}

impl Drop for Claimed {
    fn drop(&mut self) {
        let _ = self.handle.release_interface(self.iface);
        if self.reattach {
            match self.handle.attach_kernel_driver(self.iface) {
                Ok(()) => tracing::info!(device = %self.detail, "kernel driver re-attached"),
                // Gone already: nothing to give back.
                Err(rusb::Error::NoDevice | rusb::Error::NotFound) => {}
                Err(e) => {
                    tracing::warn!(device = %self.detail, error = %e, "could not re-attach the kernel driver")
                }
            }
        }
    }
}

fn dev_path<T: UsbContext>(d: &rusb::Device<T>) -> String {
    format!("/dev/bus/usb/{:03}/{:03}", d.bus_number(), d.address())
}

/// An interface that fits the mode: (interface number, IN endpoint
/// address, max packet size).
fn candidate_interfaces<T: UsbContext>(
    d: &rusb::Device<T>,
    keyboard: bool,
) -> Vec<(u8, u8, usize, bool)> {
    let Ok(config) = d.active_config_descriptor() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for iface in config.interfaces() {
        for alt in iface.descriptors() {
            if alt.class_code() != CLASS_HID {
                continue;
            }
            let boot_keyboard = alt.sub_class_code() == 1 && alt.protocol_code() == 1;
            let ep = alt.endpoint_descriptors().find(|e| {
                e.direction() == rusb::Direction::In
                    && e.transfer_type() == rusb::TransferType::Interrupt
            });
            if let Some(ep) = ep {
                let packet = usize::from(ep.max_packet_size()).clamp(8, MAX_REPORT);
                out.push((alt.interface_number(), ep.address(), packet, boot_keyboard));
            }
        }
    }
    if keyboard {
        // Boot keyboard interfaces first.
        out.sort_by_key(|c| !c.3);
    }
    out
}

/// Read the HID report descriptor of `iface` (GET_DESCRIPTOR, type 0x22).
fn report_descriptor(h: &rusb::DeviceHandle<rusb::Context>, iface: u8) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 4096];
    let n = h
        .read_control(
            0x81,
            0x06,
            0x2200,
            u16::from(iface),
            &mut buf,
            Duration::from_secs(1),
        )
        .ok()?;
    buf.truncate(n);
    Some(buf)
}

fn open(s: &UsbHidSettings) -> Result<Claimed, OpenError> {
    let keyboard = matches!(s.mode, HidMode::Keyboard(_));
    // A fresh libusb context for every attempt: its device list is read
    // from the system now. A long-lived context only learns about new
    // devices from udev events, which a machine without udevd (minimal
    // images, containers, the QEMU test guest) never sends, so a replugged
    // scanner would stay invisible.
    let ctx = rusb::Context::new().map_err(|error| OpenError::Usb {
        what: "starting libusb",
        error,
    })?;
    let devices = ctx.devices().map_err(|error| OpenError::Usb {
        what: "listing USB devices",
        error,
    })?;
    let mut denied: Option<String> = None;
    let mut last_error: Option<OpenError> = None;
    for d in devices.iter() {
        let Ok(desc) = d.device_descriptor() else {
            continue;
        };
        if s.device.vid.is_some_and(|v| v != desc.vendor_id())
            || s.device.pid.is_some_and(|p| p != desc.product_id())
        {
            continue;
        }
        let candidates = candidate_interfaces(&d, keyboard);
        if candidates.is_empty() {
            continue;
        }
        let handle = match d.open() {
            Ok(h) => h,
            Err(rusb::Error::Access) => {
                denied.get_or_insert_with(|| dev_path(&d));
                continue;
            }
            Err(error) => {
                last_error = Some(OpenError::Usb {
                    what: "opening the device",
                    error,
                });
                continue;
            }
        };
        if let Some(want) = &s.device.serial {
            let got = handle.read_serial_number_string_ascii(&desc).ok();
            if got.as_deref() != Some(want.as_str()) {
                continue;
            }
        }
        for (iface, endpoint, packet, _) in candidates {
            if !keyboard {
                // HID-POS: the interface must declare the bar code scanner
                // usage page. With an explicit VID:PID a missing descriptor
                // is tolerated (some devices refuse the request).
                let is_pos = report_descriptor(&handle, iface)
                    .is_some_and(|r| report::has_usage_page(&r, USAGE_PAGE_BAR_CODE_SCANNER));
                if !is_pos && s.device.vid.is_none() {
                    continue;
                }
            }
            match claim(handle, iface, endpoint, packet, &d, &desc, keyboard) {
                Ok(c) => return Ok(c),
                Err(e) => return Err(e),
            }
        }
    }
    if let Some(path) = denied {
        return Err(OpenError::Access { path });
    }
    Err(last_error.unwrap_or(OpenError::NotFound))
}

fn claim(
    handle: rusb::DeviceHandle<rusb::Context>,
    iface: u8,
    endpoint: u8,
    packet: usize,
    d: &rusb::Device<rusb::Context>,
    desc: &rusb::DeviceDescriptor,
    keyboard: bool,
) -> Result<Claimed, OpenError> {
    let detail = format!(
        "usb:{:04x}:{:04x} interface {iface} ({})",
        desc.vendor_id(),
        desc.product_id(),
        dev_path(d)
    );
    let had_driver = handle.kernel_driver_active(iface).unwrap_or(false);
    if had_driver {
        handle
            .detach_kernel_driver(iface)
            .map_err(|error| match error {
                rusb::Error::Access => OpenError::Access { path: dev_path(d) },
                error => OpenError::Usb {
                    what: "detaching the kernel driver",
                    error,
                },
            })?;
    }
    let claimed = Claimed {
        handle,
        iface,
        endpoint,
        packet,
        reattach: had_driver,
        detail,
    };
    claimed
        .handle
        .claim_interface(iface)
        .map_err(|error| match error {
            rusb::Error::Access => OpenError::Access { path: dev_path(d) },
            error => OpenError::Usb {
                what: "claiming the interface",
                error,
            },
        })?;
    if keyboard {
        // SET_PROTOCOL(boot) and SET_IDLE(0): 8-byte reports, sent only on
        // change. Best effort: a device already in boot mode may refuse.
        let t = Duration::from_millis(500);
        if let Err(e) = claimed
            .handle
            .write_control(0x21, 0x0B, 0, u16::from(iface), &[], t)
        {
            tracing::debug!(device = %claimed.detail, error = %e, "SET_PROTOCOL(boot) refused");
        }
        if let Err(e) = claimed
            .handle
            .write_control(0x21, 0x0A, 0, u16::from(iface), &[], t)
        {
            tracing::debug!(device = %claimed.detail, error = %e, "SET_IDLE(0) refused");
        }
    }
    Ok(claimed)
}

/// Wakes the waiting thread when a device arrives (libusb hotplug).
struct Arrivals(Arc<AtomicBool>);

impl<T: UsbContext> rusb::Hotplug<T> for Arrivals {
    fn device_arrived(&mut self, _device: rusb::Device<T>) {
        self.0.store(true, Ordering::SeqCst);
    }
    fn device_left(&mut self, _device: rusb::Device<T>) {}
}

/// Hotplug registration for the selector, if the platform supports it.
fn watch_arrivals(
    ctx: &rusb::Context,
    device: &UsbMatch,
    flag: &Arc<AtomicBool>,
) -> Option<rusb::Registration<rusb::Context>> {
    if !rusb::has_hotplug() {
        return None;
    }
    let mut b = rusb::HotplugBuilder::new();
    if let Some(v) = device.vid {
        b.vendor_id(v);
    }
    if let Some(p) = device.pid {
        b.product_id(p);
    }
    match b.register(ctx, Box::new(Arrivals(flag.clone()))) {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::debug!(error = %e, "USB hotplug events unavailable; polling instead");
            None
        }
    }
}

/// Wait up to `delay`, returning early on cancellation or (with hotplug) a
/// device arrival. Returns false when cancelled.
fn wait(
    ctx: &rusb::Context,
    arrived: &AtomicBool,
    cancel: &CancellationToken,
    delay: Duration,
) -> bool {
    let until = Instant::now() + delay;
    loop {
        if cancel.is_cancelled() {
            return false;
        }
        if arrived.swap(false, Ordering::SeqCst) {
            return true;
        }
        let now = Instant::now();
        if now >= until {
            return true;
        }
        let step = (until - now).min(READ_TIMEOUT);
        // Runs hotplug callbacks; with nothing to handle it sleeps `step`.
        if ctx.handle_events(Some(step)).is_err() {
            std::thread::sleep(step);
        }
    }
}

/// Counters a source keeps while it runs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HidTally {
    /// Frames sent.
    pub frames: u64,
    /// Reports read.
    pub reports: u64,
    /// Scans dropped or reports ignored (each logged).
    pub errors: u64,
}

/// Run the source until cancelled. Returns its counters.
pub async fn run(
    s: UsbHidSettings,
    tx: mpsc::Sender<Frame>,
    status: StatusReporter,
    cancel: CancellationToken,
) -> HidTally {
    let name = s.name.clone();
    match tokio::task::spawn_blocking(move || io_thread(&s, &tx, &status, &cancel)).await {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(source = %name, error = %e, "the USB HID thread failed");
            HidTally::default()
        }
    }
}

fn io_thread(
    s: &UsbHidSettings,
    tx: &mpsc::Sender<Frame>,
    status: &StatusReporter,
    cancel: &CancellationToken,
) -> HidTally {
    let mut tally = HidTally::default();
    let ctx = match rusb::Context::new() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(source = %s.name, error = %e, "USB is not available on this machine");
            status.set(DeviceState::NoDevice {
                selector: format!("{} (USB not available: {e})", s.device),
            });
            cancel_wait(cancel);
            status.set(DeviceState::Stopped);
            return tally;
        }
    };
    let arrived = Arc::new(AtomicBool::new(false));
    let _registration = watch_arrivals(&ctx, &s.device, &arrived);
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
    let mut rng = fastrand::Rng::new();
    let mut seq = 0u64;
    while !cancel.is_cancelled() {
        let delay = match open(s) {
            Ok(claimed) => {
                backoff.reset();
                tracing::info!(source = %s.name, device = %claimed.detail, mode = s.mode.name(), "USB HID scanner claimed; its keystrokes no longer reach the desktop");
                status.set(DeviceState::Connected {
                    detail: claimed.detail.clone(),
                });
                let reason = read_loop(s, &claimed, tx, cancel, &mut seq, &mut tally);
                drop(claimed);
                match reason {
                    Stop::Cancelled | Stop::Closed => break,
                    Stop::Lost(reason) => {
                        tracing::warn!(source = %s.name, %reason, "USB HID scanner lost");
                        status.set(DeviceState::Disconnected { reason });
                        backoff.next_delay(&mut rng)
                    }
                }
            }
            Err(OpenError::NotFound) => {
                status.set(DeviceState::NoDevice {
                    selector: s.device.to_string(),
                });
                POLL_INTERVAL
            }
            Err(OpenError::Access { path }) => {
                status.set(DeviceState::PermissionDenied {
                    hint: format!(
                        "lotstation may not open {path}: install udev/70-lotstation.rules (GROUP=\"lotstation\", MODE=\"0660\") and add the service user to the lotstation group, then replug the scanner"
                    ),
                    path,
                });
                backoff.next_delay(&mut rng).max(POLL_INTERVAL)
            }
            Err(OpenError::Usb { what, error }) => {
                let delay = backoff.next_delay(&mut rng);
                status.set(DeviceState::Retrying {
                    attempt: backoff.failures(),
                    reason: format!("{what}: {error}"),
                });
                delay
            }
        };
        if !wait(&ctx, &arrived, cancel, delay) {
            break;
        }
    }
    status.set(DeviceState::Stopped);
    tally
}

fn cancel_wait(cancel: &CancellationToken) {
    while !cancel.is_cancelled() {
        std::thread::sleep(READ_TIMEOUT);
    }
}

enum Stop {
    Cancelled,
    /// The station is gone.
    Closed,
    Lost(String),
}

fn read_loop(
    s: &UsbHidSettings,
    c: &Claimed,
    tx: &mpsc::Sender<Frame>,
    cancel: &CancellationToken,
    seq: &mut u64,
    tally: &mut HidTally,
) -> Stop {
    let mut decoder = Decoder::new(&s.mode);
    let mut buf = vec![0u8; c.packet];
    let mut out = Vec::new();
    let mut last_report = Instant::now();
    let timeout = READ_TIMEOUT.min(s.gap).max(Duration::from_millis(5));
    let stop = loop {
        if cancel.is_cancelled() {
            break Stop::Cancelled;
        }
        match c.handle.read_interrupt(c.endpoint, &mut buf, timeout) {
            Ok(n) => {
                tally.reports += 1;
                last_report = Instant::now();
                decoder.push(buf.get(..n).unwrap_or_default(), &mut out);
            }
            Err(rusb::Error::Timeout | rusb::Error::Interrupted) => {
                if decoder.has_pending() && last_report.elapsed() >= s.gap {
                    decoder.gap_passed(&mut out);
                }
            }
            Err(rusb::Error::Overflow) => {
                tally.errors += 1;
                tracing::warn!(source = %s.name, "the scanner sent a report larger than its endpoint allows; report dropped");
            }
            Err(e) => break Stop::Lost(describe_loss(e)),
        }
        for o in out.drain(..) {
            match o {
                Ok(scan) => {
                    *seq += 1;
                    tally.frames += 1;
                    let frame = Frame {
                        source: s.name.clone(),
                        bytes: scan.bytes,
                        assume_symbology: s.assume_symbology,
                        at: s.clock.now(),
                        seq: *seq,
                    };
                    if tx.blocking_send(frame).is_err() {
                        return Stop::Closed;
                    }
                }
                Err(e) => {
                    tally.errors += 1;
                    log_report_error(&s.name, &e);
                }
            }
        }
    };
    if let Some(e) = decoder.abandon() {
        tally.errors += 1;
        tracing::warn!(source = %s.name, error = %e, "a scan in progress was lost when reading stopped");
    }
    stop
}

fn describe_loss(e: rusb::Error) -> String {
    match e {
        rusb::Error::NoDevice | rusb::Error::Io => format!("unplugged ({e})"),
        rusb::Error::Pipe => format!("the device stalled its endpoint ({e})"),
        e => format!("reading reports failed: {e}"),
    }
}

fn log_report_error(source: &str, e: &ReportError) {
    match e {
        // Status and attribute reports are expected on HID-POS devices.
        ReportError::PosOtherReport { .. } => tracing::debug!(source, error = %e, "report ignored"),
        _ => tracing::warn!(source, error = %e, "USB HID input not delivered"),
    }
}
