//! HID input reports from a scanner, turned into scans. PURE and sans-IO:
//! no tokio, no files, no USB; the I/O sibling ([`super`]) feeds reports in
//! and sends out what comes back.
//!
//! Two device modes:
//!
//! - **Keyboard (boot protocol).** Each 8-byte report is the set of keys held
//!   at that moment: byte 0 the modifier bits, byte 1 reserved, bytes 2..8
//!   up to six key usages. [`KeyboardDecoder`] turns newly pressed keys into
//!   characters with the configured [`Layout`]: a key held across several
//!   reports (rollover) is one keystroke; Enter or Tab ends a scan; GS, RS
//!   and EOT arrive as Ctrl+], Ctrl+^, Ctrl+D, as Alt+numpad codes (Alt held,
//!   keypad 0 2 9, Alt released), or as a configured substitute character.
//! - **HID-POS** (USB HID Point of Sale usage tables, usage page 0x8C bar
//!   code scanner). A scanned-data input report carries a report id, the
//!   number of data bytes, a 3-byte AIM symbology identifier, the data, and
//!   in its last byte a flag saying that the symbol continues in the next
//!   report. [`PosAssembler`] joins the reports of one symbol into one scan,
//!   prefixed with its AIM identifier so the identifier engine sees it.
//!
//! Invariants: no input makes these panic; a scan never exceeds the
//! configured maximum (longer input is dropped whole with
//! [`ReportError::ScanTooLong`], never truncated and never buffered without
//! bound); a scan that contained a key lotstation cannot type is dropped
//! rather than delivered with a character missing.

use crate::ident::AimId;

use super::keymap::{self, Key, Layout};

/// GS, the GS1 FNC1 separator.
pub const GS: u8 = 0x1D;
/// RS, the ISO/IEC 15434 record separator.
pub const RS: u8 = 0x1E;
/// EOT, the ISO/IEC 15434 end of transmission.
pub const EOT: u8 = 0x04;

/// Length of a boot-protocol keyboard report.
pub const BOOT_REPORT_LEN: usize = 8;

/// Modifier bits of byte 0 of a keyboard report.
pub mod modifier {
    /// Left Control.
    pub const LEFT_CTRL: u8 = 0x01;
    /// Left Shift.
    pub const LEFT_SHIFT: u8 = 0x02;
    /// Left Alt.
    pub const LEFT_ALT: u8 = 0x04;
    /// Left GUI (Windows key).
    pub const LEFT_GUI: u8 = 0x08;
    /// Right Control.
    pub const RIGHT_CTRL: u8 = 0x10;
    /// Right Shift.
    pub const RIGHT_SHIFT: u8 = 0x20;
    /// Right Alt (AltGr on layouts that have it).
    pub const RIGHT_ALT: u8 = 0x40;
    /// Right GUI.
    pub const RIGHT_GUI: u8 = 0x80;
}

/// Usage 0x01: the keyboard reports too many keys at once ("phantom state").
const ERROR_ROLL_OVER: u8 = 0x01;

/// What went wrong with a report or a scan. Each one is logged and counted by
/// the source; none of them stops it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A keyboard report of the wrong size.
    #[error(
        "keyboard report of {got} bytes, expected 3 to 8 (boot protocol); is the scanner in HID-POS mode? set mode = \"hid_pos\""
    )]
    BadKeyboardReport {
        /// Bytes received.
        got: usize,
    },
    /// The keyboard reported more keys than it can (ErrorRollOver); the
    /// report was ignored.
    #[error("the keyboard reported a rollover error (too many keys at once); report ignored")]
    RollOver,
    /// A key that types nothing in the configured layout was part of a scan;
    /// the scan was dropped.
    #[error(
        "scan dropped: key usage 0x{usage:02X} (modifiers 0x{modifiers:02X}) types no character with layout {layout}; check the scanner's keyboard layout and that it sends no function keys"
    )]
    UnmappedKey {
        /// HID usage of the key.
        usage: u8,
        /// Modifier byte at the time.
        modifiers: u8,
        /// Configured layout name.
        layout: &'static str,
    },
    /// An Alt+numpad code outside 1..=255; the scan was dropped.
    #[error("scan dropped: Alt+numpad code {code} is not a character (allowed 1 to 255)")]
    BadAltCode {
        /// The number typed.
        code: u32,
    },
    /// A scan longer than the maximum; dropped whole.
    #[error(
        "scan dropped: longer than the maximum of {limit} bytes (decode.max_scan_bytes); check the scanner's suffix setting"
    )]
    ScanTooLong {
        /// The maximum.
        limit: usize,
    },
    /// A HID-POS report too short to hold its header and flag.
    #[error(
        "HID-POS report of {got} bytes is too short (at least 6: id, length, 3 symbology bytes, flag)"
    )]
    PosTooShort {
        /// Bytes received.
        got: usize,
    },
    /// A HID-POS report whose length field claims more data than it holds.
    #[error("HID-POS report says {length} data bytes but has room for {room}; report ignored")]
    PosBadLength {
        /// The length field.
        length: usize,
        /// Data bytes the report can hold.
        room: usize,
    },
    /// A report id other than the scanned-data report's (attribute or
    /// status reports); ignored.
    #[error("HID-POS report id {id} is not the scanned-data report ({expected}); ignored")]
    PosOtherReport {
        /// Received id.
        id: u8,
        /// Configured scanned-data report id.
        expected: u8,
    },
    /// The symbology changed in the middle of a continued symbol; both parts
    /// were dropped.
    #[error("scan dropped: symbology changed from {first} to {now} inside one continued symbol")]
    PosSymbologyChanged {
        /// Symbology of the first part.
        first: String,
        /// Symbology of the part that differed.
        now: String,
    },
    /// A scan whose end never came: a continued HID-POS symbol whose next
    /// part did not arrive, or keys typed without a suffix when the device
    /// went away; dropped.
    #[error(
        "scan dropped: {bytes} bytes arrived but the end of the scan never came (the device went quiet or away)"
    )]
    Incomplete {
        /// Bytes received so far.
        bytes: usize,
    },
}

/// A scan decoded from reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HidScan {
    /// The bytes, with the AIM identifier in front when the device sent one.
    pub bytes: Vec<u8>,
    /// The symbology the device reported (HID-POS only; in keyboard mode
    /// an AIM prefix is just typed characters inside `bytes`).
    pub symbology: Option<AimId>,
}

/// One result of feeding a report: a scan, or a problem to log and count.
pub type Outcome = Result<HidScan, ReportError>;

/// A boot-protocol keyboard report, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BootReport {
    /// Modifier bits ([`modifier`]).
    pub modifiers: u8,
    /// Key usages, 0 for an empty slot.
    pub keys: [u8; 6],
}

impl BootReport {
    /// Parse a report. Devices send 8 bytes; shorter reports (3 to 7 bytes,
    /// seen from some emulators for key-up) are taken with the missing slots
    /// empty.
    pub fn parse(report: &[u8]) -> Result<BootReport, ReportError> {
        if !(3..=BOOT_REPORT_LEN).contains(&report.len()) {
            return Err(ReportError::BadKeyboardReport { got: report.len() });
        }
        let mut keys = [0u8; 6];
        for (slot, k) in keys.iter_mut().zip(report.iter().skip(2)) {
            *slot = *k;
        }
        Ok(BootReport {
            modifiers: report.first().copied().unwrap_or(0),
            keys,
        })
    }

    /// The report as 8 bytes.
    pub fn to_bytes(self) -> [u8; 8] {
        let [a, b, c, d, e, f] = self.keys;
        [self.modifiers, 0, a, b, c, d, e, f]
    }

    fn held(&self, usage: u8) -> bool {
        usage != 0 && self.keys.contains(&usage)
    }
}

/// How a scan ends in keyboard mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Suffix {
    /// Enter (or keypad Enter). The default of most scanners.
    #[default]
    Enter,
    /// Tab.
    Tab,
    /// Either Enter or Tab.
    EnterOrTab,
    /// No suffix: the I/O side ends a scan after a quiet gap
    /// ([`KeyboardDecoder::flush`]).
    None,
}

impl Suffix {
    /// Every suffix setting.
    pub const ALL: [Suffix; 4] = [Suffix::Enter, Suffix::Tab, Suffix::EnterOrTab, Suffix::None];

    /// The config name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Suffix::Enter => "enter",
            Suffix::Tab => "tab",
            Suffix::EnterOrTab => "enter_or_tab",
            Suffix::None => "none",
        }
    }

    fn ends_on(self, k: Key) -> bool {
        matches!(
            (self, k),
            (Suffix::Enter | Suffix::EnterOrTab, Key::Enter)
                | (Suffix::Tab | Suffix::EnterOrTab, Key::Tab)
        )
    }
}

/// Keyboard-mode settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyboardSettings {
    /// The layout the scanner was configured for.
    pub layout: Layout,
    /// What ends a scan.
    pub suffix: Suffix,
    /// Characters the scanner was told to send in place of GS, RS or EOT
    /// (e.g. `('~', GS)`); they become the control byte.
    pub substitutes: Vec<(char, u8)>,
    /// Largest scan in bytes.
    pub max_scan_bytes: usize,
}

impl Default for KeyboardSettings {
    fn default() -> Self {
        KeyboardSettings {
            layout: Layout::Us,
            suffix: Suffix::Enter,
            substitutes: Vec::new(),
            max_scan_bytes: crate::ident::DEFAULT_MAX_INPUT_LEN,
        }
    }
}

/// A scan being typed.
#[derive(Debug, Default)]
struct Pending {
    bytes: Vec<u8>,
    /// Set once the scan went over the maximum: the rest is discarded up to
    /// the suffix.
    too_long: bool,
    /// The first problem that makes this scan untrustworthy.
    poisoned: Option<ReportError>,
}

/// Keyboard-mode decoder: boot reports in, scans out.
#[derive(Debug)]
pub struct KeyboardDecoder {
    settings: KeyboardSettings,
    /// Keys held in the previous report.
    prev: BootReport,
    /// A dead key waiting for the next character.
    dead: Option<char>,
    /// Alt+numpad digits typed so far (None: no Alt code in progress).
    alt_code: Option<u32>,
    pending: Pending,
}

impl KeyboardDecoder {
    /// A decoder with nothing held and nothing typed.
    pub fn new(settings: KeyboardSettings) -> Self {
        KeyboardDecoder {
            settings,
            prev: BootReport::default(),
            dead: None,
            alt_code: None,
            pending: Pending::default(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &KeyboardSettings {
        &self.settings
    }

    /// True when characters of an unfinished scan are buffered.
    pub fn has_pending(&self) -> bool {
        !self.pending.bytes.is_empty()
            || self.pending.too_long
            || self.pending.poisoned.is_some()
            || self.dead.is_some()
            || self.alt_code.is_some()
    }

    /// Feed one input report; finished scans and problems are appended to
    /// `out` in the order they happened.
    pub fn push(&mut self, report: &[u8], out: &mut Vec<Outcome>) {
        let r = match BootReport::parse(report) {
            Ok(r) => r,
            Err(e) => {
                out.push(Err(e));
                return;
            }
        };
        if r.keys.contains(&ERROR_ROLL_OVER) {
            out.push(Err(ReportError::RollOver));
            return;
        }
        let alt = self.alt_held(r.modifiers);
        // Alt released: an Alt+numpad code is complete.
        if !alt && let Some(code) = self.alt_code.take() {
            self.alt_code_done(code);
        }
        let mut seen = [0u8; 6];
        for (i, &usage) in r.keys.iter().enumerate() {
            // New keys only (rollover: held keys were counted when pressed),
            // and each usage once even if a device repeats it in a report.
            if usage == 0
                || self.prev.held(usage)
                || seen.get(..i).is_some_and(|s| s.contains(&usage))
            {
                continue;
            }
            if let Some(s) = seen.get_mut(i) {
                *s = usage;
            }
            self.press(usage, r.modifiers, alt, out);
        }
        self.prev = r;
    }

    /// End the scan in progress, if any (no-suffix mode after a quiet gap,
    /// or the device went away). Returns what it held.
    pub fn flush(&mut self) -> Option<Outcome> {
        if let Some(code) = self.alt_code.take() {
            self.alt_code_done(code);
        }
        if let Some(d) = self.dead.take() {
            self.put_char(d);
        }
        self.prev = BootReport::default();
        self.finish()
    }

    fn alt_held(&self, modifiers: u8) -> bool {
        let right = if self.settings.layout.has_altgr() {
            0
        } else {
            modifier::RIGHT_ALT
        };
        modifiers & (modifier::LEFT_ALT | right) != 0
    }

    fn press(&mut self, usage: u8, mods: u8, alt: bool, out: &mut Vec<Outcome>) {
        let layout = self.settings.layout;
        let shift = mods & (modifier::LEFT_SHIFT | modifier::RIGHT_SHIFT) != 0;
        let altgr = layout.has_altgr() && mods & modifier::RIGHT_ALT != 0;
        let ctrl = mods & (modifier::LEFT_CTRL | modifier::RIGHT_CTRL) != 0;
        let k = keymap::key(layout, usage, shift, altgr);

        if alt {
            match k {
                Key::KeypadDigit(d) => {
                    let code = self.alt_code.unwrap_or(0);
                    // Saturate: anything past 255 is an error at release.
                    self.alt_code = Some(
                        code.saturating_mul(10)
                            .saturating_add(u32::from(d))
                            .min(100_000),
                    );
                }
                Key::Ignored => {}
                _ => self.poison(usage, mods),
            }
            return;
        }
        if self.settings.suffix.ends_on(k) {
            if let Some(d) = self.dead.take() {
                self.put_char(d);
            }
            if let Some(o) = self.finish() {
                out.push(o);
            }
            return;
        }
        if ctrl && !matches!(k, Key::Ignored) {
            match keymap::ctrl_key(layout, usage, shift, altgr) {
                Some(code) if code != 0 => {
                    self.flush_dead();
                    self.put_byte(code);
                }
                _ => self.poison(usage, mods),
            }
            return;
        }
        match k {
            Key::Char(c) => self.put_typed(c),
            Key::KeypadDigit(d) => self.put_typed(char::from(b'0' + d)),
            Key::Dead(d) => match self.dead.take() {
                // The same dead key twice types it once.
                Some(prev) if prev == d => self.put_char(d),
                Some(prev) => {
                    self.put_char(prev);
                    self.dead = Some(d);
                }
                None => self.dead = Some(d),
            },
            // Enter/Tab that are not the suffix are data (a Tab between
            // fields, say).
            Key::Enter => {
                self.flush_dead();
                self.put_byte(b'\r');
            }
            Key::Tab => {
                self.flush_dead();
                self.put_byte(b'\t');
            }
            Key::Ignored => {}
            Key::Unmapped => self.poison(usage, mods),
        }
    }

    /// A character typed normally: combines with a pending dead key.
    fn put_typed(&mut self, c: char) {
        match self.dead.take() {
            Some(d) if c == ' ' => self.put_char(d),
            Some(d) => match keymap::compose(d, c) {
                Some(composed) => self.put_char(composed),
                None => {
                    self.put_char(d);
                    self.put_char(c);
                }
            },
            None => self.put_char(c),
        }
    }

    fn flush_dead(&mut self) {
        if let Some(d) = self.dead.take() {
            self.put_char(d);
        }
    }

    fn alt_code_done(&mut self, code: u32) {
        match u8::try_from(code) {
            Ok(0) | Err(_) => {
                if self.pending.poisoned.is_none() {
                    self.pending.poisoned = Some(ReportError::BadAltCode { code });
                }
            }
            Ok(b) if b < 0x80 => {
                self.flush_dead();
                self.put_byte(b);
            }
            // 128..=255: the Latin-1 character (Windows' Alt+0nnn).
            Ok(b) => {
                self.flush_dead();
                self.put_char(char::from(b));
            }
        }
    }

    fn put_char(&mut self, c: char) {
        if let Some((_, b)) = self.settings.substitutes.iter().find(|(s, _)| *s == c) {
            self.put_byte(*b);
            return;
        }
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            self.put_byte(b);
        }
    }

    fn put_byte(&mut self, b: u8) {
        if self.pending.too_long {
            return;
        }
        if self.pending.bytes.len() >= self.settings.max_scan_bytes {
            self.pending.too_long = true;
            self.pending.bytes = Vec::new();
            return;
        }
        self.pending.bytes.push(b);
    }

    fn poison(&mut self, usage: u8, modifiers: u8) {
        if self.pending.poisoned.is_none() {
            self.pending.poisoned = Some(ReportError::UnmappedKey {
                usage,
                modifiers,
                layout: self.settings.layout.as_str(),
            });
        }
    }

    fn finish(&mut self) -> Option<Outcome> {
        let p = std::mem::take(&mut self.pending);
        if p.too_long {
            return Some(Err(ReportError::ScanTooLong {
                limit: self.settings.max_scan_bytes,
            }));
        }
        if let Some(e) = p.poisoned {
            return Some(Err(e));
        }
        if p.bytes.is_empty() {
            return None;
        }
        Some(Ok(HidScan {
            bytes: p.bytes,
            symbology: None,
        }))
    }
}

/// HID-POS settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PosSettings {
    /// Report id of the scanned-data report (2 on most scanners).
    pub report_id: u8,
    /// Largest scan in bytes (AIM prefix included).
    pub max_scan_bytes: usize,
}

impl Default for PosSettings {
    fn default() -> Self {
        PosSettings {
            report_id: 2,
            max_scan_bytes: crate::ident::DEFAULT_MAX_INPUT_LEN,
        }
    }
}

/// One scanned-data report, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PosReport<'a> {
    /// Report id.
    pub report_id: u8,
    /// The symbology identifier bytes as sent (zeros when the scanner sends
    /// none).
    pub symbology: [u8; 3],
    /// This report's data.
    pub data: &'a [u8],
    /// More data of the same symbol follows in the next report.
    pub continued: bool,
}

impl<'a> PosReport<'a> {
    /// Parse a report laid out as: report id, data length, three symbology
    /// identifier bytes, data, and (last byte) the continuation flag in bit 0.
    /// Bytes between the data and the flag are padding or vendor fields.
    pub fn parse(report: &'a [u8]) -> Result<PosReport<'a>, ReportError> {
        let [report_id, length, s1, s2, s3, rest @ ..] = report else {
            return Err(ReportError::PosTooShort { got: report.len() });
        };
        let [area @ .., flag] = rest else {
            return Err(ReportError::PosTooShort { got: report.len() });
        };
        let length = usize::from(*length);
        let data = area.get(..length).ok_or(ReportError::PosBadLength {
            length,
            room: area.len(),
        })?;
        Ok(PosReport {
            report_id: *report_id,
            symbology: [*s1, *s2, *s3],
            data,
            continued: flag & 1 != 0,
        })
    }

    /// The symbology as an AIM identifier: `]Xm` as sent, or `None` when the
    /// scanner sends zeros (AIM off) or something that is not an identifier.
    pub fn aim(&self) -> Option<AimId> {
        aim_of(self.symbology)
    }
}

fn aim_of(symbology: [u8; 3]) -> Option<AimId> {
    match symbology {
        [b']', c, m] if c.is_ascii_alphabetic() && m.is_ascii_alphanumeric() => {
            Some(AimId::new(c, m))
        }
        _ => None,
    }
}

fn show_symbology(s: [u8; 3]) -> String {
    let [a, b, c] = s;
    if s.iter().all(|b| b.is_ascii_graphic()) {
        s.iter().map(|b| char::from(*b)).collect()
    } else {
        format!("0x{a:02X}{b:02X}{c:02X}")
    }
}

/// A symbol being assembled from continued reports.
#[derive(Debug)]
struct PosPending {
    symbology: [u8; 3],
    bytes: Vec<u8>,
    too_long: bool,
    /// Bytes received, for the incomplete-symbol error.
    seen: usize,
    bad: Option<ReportError>,
}

/// HID-POS decoder: scanned-data reports in, whole symbols out.
#[derive(Debug)]
pub struct PosAssembler {
    settings: PosSettings,
    pending: Option<PosPending>,
}

impl PosAssembler {
    /// An assembler with nothing pending.
    pub fn new(settings: PosSettings) -> Self {
        PosAssembler {
            settings,
            pending: None,
        }
    }

    /// True while a continued symbol waits for its next part.
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Feed one input report; a finished symbol or a problem is appended to
    /// `out`.
    pub fn push(&mut self, report: &[u8], out: &mut Vec<Outcome>) {
        let r = match PosReport::parse(report) {
            Ok(r) => r,
            Err(e) => {
                out.push(Err(e));
                return;
            }
        };
        if r.report_id != self.settings.report_id {
            out.push(Err(ReportError::PosOtherReport {
                id: r.report_id,
                expected: self.settings.report_id,
            }));
            return;
        }
        let limit = self.settings.max_scan_bytes;
        let p = self.pending.get_or_insert_with(|| {
            let aim = r.aim();
            let mut bytes = Vec::new();
            // The AIM identifier goes in front, unless the scanner already
            // put the same one at the start of the data.
            if let Some(a) = aim
                && !r.data.starts_with(&r.symbology)
            {
                bytes.extend_from_slice(&[b']', a.code, a.modifier]);
            }
            PosPending {
                symbology: r.symbology,
                bytes,
                too_long: false,
                seen: 0,
                bad: None,
            }
        });
        p.seen = p.seen.saturating_add(r.data.len());
        if p.symbology != r.symbology && p.bad.is_none() {
            p.bad = Some(ReportError::PosSymbologyChanged {
                first: show_symbology(p.symbology),
                now: show_symbology(r.symbology),
            });
        }
        if !p.too_long && p.bad.is_none() {
            if p.bytes.len().saturating_add(r.data.len()) > limit {
                p.too_long = true;
                p.bytes = Vec::new();
            } else {
                p.bytes.extend_from_slice(r.data);
            }
        }
        if r.continued {
            return;
        }
        let Some(p) = self.pending.take() else { return };
        if let Some(e) = p.bad {
            out.push(Err(e));
        } else if p.too_long {
            out.push(Err(ReportError::ScanTooLong { limit }));
        } else if !p.bytes.is_empty() {
            out.push(Ok(HidScan {
                bytes: p.bytes,
                symbology: aim_of(p.symbology),
            }));
        }
    }

    /// Give up on a continued symbol whose next part did not come (called by
    /// the I/O side after a quiet gap, or when the device went away).
    pub fn expire(&mut self) -> Option<ReportError> {
        self.pending
            .take()
            .map(|p| ReportError::Incomplete { bytes: p.seen })
    }
}

/// True when a HID report descriptor declares usage page `page`: a Usage
/// Page item, or an extended (32-bit) Usage whose high half is the page.
/// Short items only matter here; long items are skipped. Never reads past
/// the end, whatever the bytes.
pub fn has_usage_page(descriptor: &[u8], page: u16) -> bool {
    let mut rest = descriptor;
    while let Some((&prefix, tail)) = rest.split_first() {
        if prefix == 0xFE {
            // Long item: size, tag, data.
            let size = usize::from(tail.first().copied().unwrap_or(0));
            rest = tail.get(2 + size..).unwrap_or_default();
            continue;
        }
        let size = match prefix & 0x03 {
            3 => 4,
            n => usize::from(n),
        };
        let Some(data) = tail.get(..size) else { break };
        let value = data
            .iter()
            .rev()
            .fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        match prefix & 0xFC {
            // Usage Page (global, tag 0).
            0x04 if value == u32::from(page) => return true,
            // Usage (local, tag 0) in its 4-byte extended form.
            0x08 if size == 4 && value >> 16 == u32::from(page) => return true,
            _ => {}
        }
        rest = tail.get(size..).unwrap_or_default();
    }
    false
}

/// Test and fixture support: the boot reports a scanner configured for
/// `layout` sends to type `text`, one press and one release report per
/// character; GS, RS and EOT as Ctrl+], Ctrl+^ and Ctrl+D. `None` if a
/// character cannot be typed with the layout.
pub fn type_text(layout: Layout, text: &str) -> Option<Vec<[u8; 8]>> {
    let mut out = Vec::new();
    for c in text.chars() {
        let (mods, usage) = match c {
            '\u{1d}' => (modifier::LEFT_CTRL, 0x30),
            '\u{1e}' => (modifier::LEFT_CTRL | modifier::LEFT_SHIFT, 0x23),
            '\u{04}' => (modifier::LEFT_CTRL, 0x07),
            '\r' | '\n' => (0, 0x28),
            '\t' => (0, 0x2B),
            c => {
                let (u, shift, altgr) = keymap::usage_for(layout, c)?;
                let mut m = 0;
                if shift {
                    m |= modifier::LEFT_SHIFT;
                }
                if altgr {
                    m |= modifier::RIGHT_ALT;
                }
                (m, u)
            }
        };
        out.push([mods, 0, usage, 0, 0, 0, 0, 0]);
        out.push([0; 8]);
    }
    Some(out)
}

/// Test and fixture support: the scanned-data reports (of `report_len`
/// bytes, at least 6) a HID-POS scanner sends for `data` with symbology
/// `aim` (`[0; 3]` for none), split over as many reports as needed.
pub fn pos_reports(report_id: u8, aim: [u8; 3], data: &[u8], report_len: usize) -> Vec<Vec<u8>> {
    let report_len = report_len.max(6);
    let room = (report_len - 6).clamp(1, 255);
    let parts: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(room).collect()
    };
    let last = parts.len().saturating_sub(1);
    parts
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            let mut r = Vec::with_capacity(report_len);
            r.push(report_id);
            r.push(u8::try_from(chunk.len()).unwrap_or(u8::MAX));
            r.extend_from_slice(&aim);
            r.extend_from_slice(chunk);
            r.resize(report_len - 1, 0);
            r.push(u8::from(i < last));
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb(layout: Layout) -> KeyboardDecoder {
        KeyboardDecoder::new(KeyboardSettings {
            layout,
            ..KeyboardSettings::default()
        })
    }

    fn feed(d: &mut KeyboardDecoder, reports: &[[u8; 8]]) -> Vec<Outcome> {
        let mut out = Vec::new();
        for r in reports {
            d.push(r, &mut out);
        }
        out
    }

    fn scans(out: &[Outcome]) -> Vec<Vec<u8>> {
        out.iter()
            .filter_map(|o| o.as_ref().ok().map(|s| s.bytes.clone()))
            .collect()
    }

    const GS1: &str = "]C1010950600013435210ABC\u{1d}21S0001\r";

    #[test]
    fn typed_text_round_trips_on_every_layout() {
        for layout in Layout::ALL {
            let reports = type_text(layout, GS1).unwrap();
            let mut d = kb(layout);
            let out = feed(&mut d, &reports);
            assert_eq!(
                scans(&out),
                vec![b"]C1010950600013435210ABC\x1d21S0001".to_vec()],
                "{layout:?}"
            );
            assert!(!d.has_pending());
        }
    }

    #[test]
    fn a_key_held_across_reports_is_one_keystroke() {
        let mut d = kb(Layout::Us);
        // 'a' pressed, then 'a'+'b' (rollover), then 'b' alone, then release.
        let out = feed(
            &mut d,
            &[
                [0, 0, 0x04, 0, 0, 0, 0, 0],
                [0, 0, 0x04, 0x05, 0, 0, 0, 0],
                [0, 0, 0x05, 0, 0, 0, 0, 0],
                [0, 0, 0x05, 0, 0, 0, 0, 0],
                [0; 8],
                [0, 0, 0x04, 0, 0, 0, 0, 0],
                [0, 0, 0x28, 0, 0, 0, 0, 0],
                [0; 8],
            ],
        );
        assert_eq!(scans(&out), vec![b"aba".to_vec()]);
    }

    #[test]
    fn the_same_usage_twice_in_one_report_is_one_keystroke() {
        let mut d = kb(Layout::Us);
        let out = feed(
            &mut d,
            &[[0, 0, 0x04, 0x04, 0, 0, 0, 0], [0, 0, 0x28, 0, 0, 0, 0, 0]],
        );
        assert_eq!(scans(&out), vec![b"a".to_vec()]);
    }

    #[test]
    fn shift_applies_to_the_key_pressed_with_it() {
        let mut d = kb(Layout::Us);
        let out = feed(
            &mut d,
            &[
                [modifier::LEFT_SHIFT, 0, 0, 0, 0, 0, 0, 0],
                [modifier::LEFT_SHIFT, 0, 0x04, 0, 0, 0, 0, 0],
                [0, 0, 0x04, 0, 0, 0, 0, 0], // still held: not typed again
                [0; 8],
                [modifier::RIGHT_SHIFT, 0, 0x1F, 0, 0, 0, 0, 0],
                [0; 8],
                [0, 0, 0x28, 0, 0, 0, 0, 0],
            ],
        );
        assert_eq!(scans(&out), vec![b"A@".to_vec()]);
    }

    #[test]
    fn gs_rs_eot_as_control_keys() {
        let mut d = kb(Layout::Us);
        let out = feed(
            &mut d,
            &[
                [0, 0, 0x04, 0, 0, 0, 0, 0],
                [modifier::LEFT_CTRL, 0, 0x30, 0, 0, 0, 0, 0],
                [
                    modifier::RIGHT_CTRL | modifier::LEFT_SHIFT,
                    0,
                    0x23,
                    0,
                    0,
                    0,
                    0,
                    0,
                ],
                [modifier::LEFT_CTRL, 0, 0x07, 0, 0, 0, 0, 0],
                [0, 0, 0x28, 0, 0, 0, 0, 0],
            ],
        );
        assert_eq!(scans(&out), vec![b"a\x1d\x1e\x04".to_vec()]);
    }

    #[test]
    fn gs_as_alt_numpad_029() {
        for layout in Layout::ALL {
            let mut d = kb(layout);
            let out = feed(
                &mut d,
                &[
                    [0, 0, 0x1E, 0, 0, 0, 0, 0],
                    [0; 8],
                    [modifier::LEFT_ALT, 0, 0, 0, 0, 0, 0, 0],
                    [modifier::LEFT_ALT, 0, 0x62, 0, 0, 0, 0, 0],
                    [modifier::LEFT_ALT, 0, 0, 0, 0, 0, 0, 0],
                    [modifier::LEFT_ALT, 0, 0x5A, 0, 0, 0, 0, 0],
                    [modifier::LEFT_ALT, 0, 0, 0, 0, 0, 0, 0],
                    [modifier::LEFT_ALT, 0, 0x61, 0, 0, 0, 0, 0],
                    [0; 8],
                    [0, 0, 0x28, 0, 0, 0, 0, 0],
                ],
            );
            let one = match layout {
                Layout::Fr => b"&".to_vec(),
                _ => b"1".to_vec(),
            };
            let mut want = one;
            want.push(GS);
            assert_eq!(scans(&out), vec![want], "{layout:?}");
        }
    }

    #[test]
    fn alt_numpad_out_of_range_drops_the_scan() {
        let mut d = kb(Layout::Us);
        let mut reports = vec![];
        for u in [0x59, 0x59, 0x59, 0x59] {
            reports.push([modifier::LEFT_ALT, 0, u, 0, 0, 0, 0, 0]);
            reports.push([modifier::LEFT_ALT, 0, 0, 0, 0, 0, 0, 0]);
        }
        reports.push([0; 8]);
        reports.push([0, 0, 0x28, 0, 0, 0, 0, 0]);
        let out = feed(&mut d, &reports);
        assert_eq!(out, vec![Err(ReportError::BadAltCode { code: 1111 })]);
    }

    #[test]
    fn substitute_character_becomes_gs() {
        let mut d = KeyboardDecoder::new(KeyboardSettings {
            substitutes: vec![('~', GS)],
            ..KeyboardSettings::default()
        });
        let out = feed(&mut d, &type_text(Layout::Us, "10A~21B\r").unwrap());
        assert_eq!(scans(&out), vec![b"10A\x1d21B".to_vec()]);
    }

    #[test]
    fn tab_suffix_and_enter_as_data() {
        let mut d = KeyboardDecoder::new(KeyboardSettings {
            suffix: Suffix::Tab,
            ..KeyboardSettings::default()
        });
        let out = feed(&mut d, &type_text(Layout::Us, "ab\rc\tX\t").unwrap());
        assert_eq!(scans(&out), vec![b"ab\rc".to_vec(), b"X".to_vec()]);
    }

    #[test]
    fn no_suffix_ends_on_flush() {
        let mut d = KeyboardDecoder::new(KeyboardSettings {
            suffix: Suffix::None,
            ..KeyboardSettings::default()
        });
        let out = feed(&mut d, &type_text(Layout::Us, "lot7\r").unwrap());
        assert!(out.is_empty());
        assert!(d.has_pending());
        assert_eq!(d.flush().unwrap().unwrap().bytes, b"lot7\r");
        assert_eq!(d.flush(), None);
    }

    #[test]
    fn dead_keys_type_their_character_before_space_and_compose() {
        let mut d = kb(Layout::De);
        // ^ then space -> '^'; ^ then e -> 'ê'; ^ then x -> '^x'.
        let out = feed(
            &mut d,
            &[
                [0, 0, 0x35, 0, 0, 0, 0, 0],
                [0; 8],
                [0, 0, 0x2C, 0, 0, 0, 0, 0],
                [0; 8],
                [0, 0, 0x35, 0, 0, 0, 0, 0],
                [0; 8],
                [0, 0, 0x08, 0, 0, 0, 0, 0],
                [0; 8],
                [0, 0, 0x35, 0, 0, 0, 0, 0],
                [0; 8],
                [0, 0, 0x1B, 0, 0, 0, 0, 0],
                [0; 8],
                [0, 0, 0x35, 0, 0, 0, 0, 0],
                [0, 0, 0x28, 0, 0, 0, 0, 0],
            ],
        );
        assert_eq!(scans(&out), vec!["^ê^x^".as_bytes().to_vec()]);
    }

    #[test]
    fn unmapped_keys_drop_the_scan_not_the_next_one() {
        let mut d = kb(Layout::Us);
        let mut reports = type_text(Layout::Us, "ab").unwrap();
        reports.push([0, 0, 0x3A, 0, 0, 0, 0, 0]); // F1
        reports.push([0; 8]);
        reports.extend(type_text(Layout::Us, "c\rok\r").unwrap());
        let out = feed(&mut d, &reports);
        assert!(matches!(
            out[0],
            Err(ReportError::UnmappedKey { usage: 0x3A, .. })
        ));
        assert_eq!(scans(&out), vec![b"ok".to_vec()]);
    }

    #[test]
    fn rollover_error_reports_are_ignored() {
        let mut d = kb(Layout::Us);
        let mut out = Vec::new();
        d.push(&[0, 0, 0x04, 0, 0, 0, 0, 0], &mut out);
        d.push(&[0, 0, 1, 1, 1, 1, 1, 1], &mut out);
        d.push(&[0, 0, 0x04, 0, 0, 0, 0, 0], &mut out);
        d.push(&[0, 0, 0x28, 0, 0, 0, 0, 0], &mut out);
        assert_eq!(out[0], Err(ReportError::RollOver));
        assert_eq!(scans(&out), vec![b"a".to_vec()]);
    }

    #[test]
    fn bad_report_sizes_are_errors() {
        let mut d = kb(Layout::Us);
        let mut out = Vec::new();
        d.push(&[0, 0], &mut out);
        d.push(&[0; 9], &mut out);
        d.push(&[0, 0, 0x04, 0, 0, 0], &mut out); // short but usable
        d.push(&[0, 0, 0x28], &mut out);
        assert_eq!(
            out,
            vec![
                Err(ReportError::BadKeyboardReport { got: 2 }),
                Err(ReportError::BadKeyboardReport { got: 9 }),
                Ok(HidScan {
                    bytes: b"a".to_vec(),
                    symbology: None
                }),
            ]
        );
    }

    #[test]
    fn overlong_keyboard_scan_is_dropped_and_the_next_one_is_kept() {
        let mut d = KeyboardDecoder::new(KeyboardSettings {
            max_scan_bytes: 4,
            ..KeyboardSettings::default()
        });
        let out = feed(&mut d, &type_text(Layout::Us, "abcdef\rabcd\r").unwrap());
        assert_eq!(
            out,
            vec![
                Err(ReportError::ScanTooLong { limit: 4 }),
                Ok(HidScan {
                    bytes: b"abcd".to_vec(),
                    symbology: None
                })
            ]
        );
    }

    fn pos() -> PosAssembler {
        PosAssembler::new(PosSettings::default())
    }

    #[test]
    fn pos_single_report() {
        let mut a = pos();
        let mut out = Vec::new();
        for r in pos_reports(2, *b"]d2", b"0109506000134352\x1d10X", 64) {
            a.push(&r, &mut out);
        }
        assert_eq!(
            out,
            vec![Ok(HidScan {
                bytes: b"]d20109506000134352\x1d10X".to_vec(),
                symbology: Some(AimId::GS1_DATAMATRIX)
            })]
        );
    }

    #[test]
    fn pos_continued_symbol_is_one_scan() {
        let data: Vec<u8> = (0..150u8).map(|i| b'0' + i % 10).collect();
        let reports = pos_reports(2, *b"]C1", &data, 64);
        assert_eq!(reports.len(), 3);
        let mut a = pos();
        let mut out = Vec::new();
        for (i, r) in reports.iter().enumerate() {
            a.push(r, &mut out);
            assert_eq!(a.has_pending(), i < 2);
        }
        let mut want = b"]C1".to_vec();
        want.extend_from_slice(&data);
        assert_eq!(scans(&out), vec![want]);
    }

    #[test]
    fn pos_without_aim_and_with_aim_in_the_data() {
        let mut a = pos();
        let mut out = Vec::new();
        for r in pos_reports(2, [0; 3], b"LOT42", 64) {
            a.push(&r, &mut out);
        }
        for r in pos_reports(2, *b"]C0", b"]C0BADGE", 64) {
            a.push(&r, &mut out);
        }
        assert_eq!(scans(&out), vec![b"LOT42".to_vec(), b"]C0BADGE".to_vec()]);
    }

    #[test]
    fn pos_errors() {
        let mut a = pos();
        let mut out = Vec::new();
        a.push(&[2, 0, 0, 0, 0], &mut out);
        a.push(&[2, 9, b']', b'C', b'1', b'1', b'2', 0], &mut out);
        a.push(&[4, 1, b']', b'C', b'1', b'1', 0], &mut out);
        assert_eq!(
            out,
            vec![
                Err(ReportError::PosTooShort { got: 5 }),
                Err(ReportError::PosBadLength { length: 9, room: 2 }),
                Err(ReportError::PosOtherReport { id: 4, expected: 2 }),
            ]
        );
        out.clear();
        a.push(&[2, 1, b']', b'C', b'1', b'1', 1], &mut out);
        a.push(&[2, 1, b']', b'd', b'2', b'2', 0], &mut out);
        assert!(matches!(
            out[..],
            [Err(ReportError::PosSymbologyChanged { .. })]
        ));
        out.clear();
        a.push(&[2, 2, b']', b'C', b'1', b'1', b'2', 1], &mut out);
        assert!(out.is_empty());
        assert_eq!(a.expire(), Some(ReportError::Incomplete { bytes: 2 }));
        assert_eq!(a.expire(), None);
    }

    #[test]
    fn usage_page_found_in_report_descriptors() {
        // A HID-POS scanner: Usage Page (0x8C), Usage (0x02), Collection...
        let pos = [0x06, 0x8C, 0x00, 0x09, 0x02, 0xA1, 0x01, 0x85, 0x02, 0xC0];
        assert!(has_usage_page(&pos, 0x8C));
        // One-byte form.
        assert!(has_usage_page(&[0x05, 0x8C, 0x09, 0x02], 0x8C));
        // Extended usage 0x008C0002.
        assert!(has_usage_page(&[0x0B, 0x02, 0x00, 0x8C, 0x00], 0x8C));
        // A boot keyboard: Generic Desktop, Keyboard page.
        let kbd = [
            0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x05, 0x07, 0x19, 0xE0, 0xC0,
        ];
        assert!(!has_usage_page(&kbd, 0x8C));
        // Truncated and long items do not confuse it.
        assert!(!has_usage_page(&[0x06, 0x8C], 0x8C));
        assert!(!has_usage_page(&[0xFE, 0x03, 0x00, 0x05, 0x8C, 0x00], 0x8C));
        assert!(has_usage_page(&[0xFE, 0x01, 0x00, 0x00, 0x05, 0x8C], 0x8C));
        assert!(!has_usage_page(&[], 0x8C));
    }

    #[test]
    fn pos_overlong_symbol_is_dropped_whole() {
        let mut a = PosAssembler::new(PosSettings {
            report_id: 2,
            max_scan_bytes: 100,
        });
        let mut out = Vec::new();
        for r in pos_reports(2, *b"]C1", &[b'1'; 200], 64) {
            a.push(&r, &mut out);
        }
        for r in pos_reports(2, *b"]C1", b"22", 64) {
            a.push(&r, &mut out);
        }
        assert_eq!(out[0], Err(ReportError::ScanTooLong { limit: 100 }));
        assert_eq!(scans(&out), vec![b"]C122".to_vec()]);
    }
}
