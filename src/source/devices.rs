//! The USB devices lotstation supports out of the box: barcode scanners of
//! the common vendors (every product of the vendor: their scanners present
//! themselves as USB-CDC serial ports, HID keyboards or HID-POS devices
//! depending on the mode set with a configuration barcode) and the common
//! USB-serial adapters (for scanners with an RS-232 cable).
//!
//! Invariant: `udev/70-lotstation.rules` has exactly one device line per
//! entry of [`SUPPORTED`], in the same order (sorted by vendor id, then
//! product id); a test compares them. Adding a device means adding it to
//! both.
//!
//! Vendor and product ids are those of the public USB id list (`usb.ids`,
//! Debian package usb.ids 2025.07.26).

use serde::Serialize;

/// What a supported device is to lotstation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceClass {
    /// A barcode scanner: its serial port, hidraw node and USB device node
    /// are given to the service (serial and USB HID sources).
    Scanner,
    /// A USB-serial adapter: only its serial port (tty) is given to the
    /// service.
    SerialAdapter,
}

impl DeviceClass {
    /// The value of `ENV{LOTSTATION_DEVICE}` in the udev rules.
    pub const fn udev_name(self) -> &'static str {
        match self {
            DeviceClass::Scanner => "scanner",
            DeviceClass::SerialAdapter => "serial-adapter",
        }
    }
}

/// One supported device (or every product of a vendor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct SupportedDevice {
    /// USB vendor id.
    pub vid: u16,
    /// USB product id; `None`: every product of the vendor.
    pub pid: Option<u16>,
    /// Who makes it, as an operator knows the brand.
    pub vendor: &'static str,
    /// What it is.
    pub what: &'static str,
    /// How lotstation treats it.
    pub class: DeviceClass,
}

const fn scanner(vid: u16, vendor: &'static str, what: &'static str) -> SupportedDevice {
    SupportedDevice {
        vid,
        pid: None,
        vendor,
        what,
        class: DeviceClass::Scanner,
    }
}

const fn adapter(vid: u16, pid: u16, vendor: &'static str, what: &'static str) -> SupportedDevice {
    SupportedDevice {
        vid,
        pid: Some(pid),
        vendor,
        what,
        class: DeviceClass::SerialAdapter,
    }
}

/// Every supported device, sorted by vendor id, then product id.
pub const SUPPORTED: &[SupportedDevice] = &[
    adapter(0x0403, 0x6001, "FTDI", "FT232R USB-serial adapter"),
    adapter(0x0403, 0x6010, "FTDI", "FT2232 dual USB-serial adapter"),
    adapter(0x0403, 0x6011, "FTDI", "FT4232H quad USB-serial adapter"),
    adapter(0x0403, 0x6014, "FTDI", "FT232H USB-serial adapter"),
    adapter(0x0403, 0x6015, "FTDI", "FT-X series USB-serial adapter"),
    scanner(0x0536, "Honeywell", "Hand Held Products scanners"),
    scanner(0x05e0, "Zebra", "Symbol scanners"),
    scanner(0x05f9, "Datalogic", "PSC scanners (Gryphon, Magellan)"),
    adapter(0x067b, 0x2303, "Prolific", "PL2303 USB-serial adapter"),
    adapter(
        0x067b,
        0x23a3,
        "Prolific",
        "PL2303 (ATEN) USB-serial adapter",
    ),
    scanner(0x080c, "Datalogic", "Datalogic scanners"),
    scanner(0x0a5f, "Zebra", "Zebra Technologies devices"),
    scanner(0x0c2e, "Honeywell", "Metrologic scanners"),
    adapter(0x1a86, 0x5523, "WCH", "CH341 USB-serial adapter"),
    adapter(0x1a86, 0x7522, "WCH", "CH340 USB-serial adapter"),
    adapter(0x1a86, 0x7523, "WCH", "CH340 USB-serial adapter"),
    scanner(0x1eab, "Newland", "Newland scanners"),
];

/// The supported device with these ids, if any.
pub fn lookup(vid: u16, pid: u16) -> Option<&'static SupportedDevice> {
    SUPPORTED
        .iter()
        .find(|d| d.vid == vid && d.pid.is_none_or(|p| p == pid))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules file as shipped.
    const RULES: &str = include_str!("../../udev/70-lotstation.rules");

    /// `(vid, pid, class, tty-only)` of every device line of the rules.
    fn device_lines() -> Vec<(u16, Option<u16>, String, bool)> {
        let value = |line: &str, key: &str| -> Option<String> {
            let at = line.find(key)? + key.len();
            let rest = line.get(at..)?;
            let rest = rest
                .strip_prefix("==\"")
                .or_else(|| rest.strip_prefix("=\""))?;
            Some(rest.split('"').next()?.to_owned())
        };
        RULES
            .lines()
            .filter(|l| !l.trim_start().starts_with('#') && l.contains("ENV{LOTSTATION_DEVICE}=\""))
            .map(|l| {
                let vid = value(l, "ATTRS{idVendor}").expect("a device line names its vendor id");
                let pid = value(l, "ATTRS{idProduct}");
                (
                    u16::from_str_radix(&vid, 16).unwrap(),
                    pid.map(|p| u16::from_str_radix(&p, 16).unwrap()),
                    value(l, "ENV{LOTSTATION_DEVICE}").unwrap(),
                    l.contains("SUBSYSTEM==\"tty\""),
                )
            })
            .collect()
    }

    #[test]
    fn the_udev_rules_cover_the_supported_device_table_line_for_line() {
        let table: Vec<(u16, Option<u16>, String, bool)> = SUPPORTED
            .iter()
            .map(|d| {
                (
                    d.vid,
                    d.pid,
                    d.class.udev_name().to_owned(),
                    d.class == DeviceClass::SerialAdapter,
                )
            })
            .collect();
        assert_eq!(device_lines(), table);
    }

    #[test]
    fn the_table_and_the_rules_are_sorted_and_name_the_required_vendors() {
        let key = |d: &SupportedDevice| (d.vid, d.pid.unwrap_or(0));
        assert!(SUPPORTED.windows(2).all(|w| key(&w[0]) < key(&w[1])));
        for vendor in [
            "Zebra",
            "Honeywell",
            "Datalogic",
            "Newland",
            "FTDI",
            "Prolific",
            "WCH",
        ] {
            assert!(
                SUPPORTED.iter().any(|d| d.vendor == vendor),
                "{vendor} is missing"
            );
        }
        // Serial adapters are named one product at a time, scanners by vendor.
        for d in SUPPORTED {
            assert_eq!(
                d.pid.is_some(),
                d.class == DeviceClass::SerialAdapter,
                "{d:?}"
            );
        }
    }

    #[test]
    fn the_rules_give_the_service_group_access_and_stable_names() {
        assert!(RULES.contains("ACTION==\"remove\", GOTO=\"lotstation_end\""));
        assert!(RULES.trim_end().ends_with("LABEL=\"lotstation_end\""));
        for subsystem in ["tty", "hidraw", "usb"] {
            assert!(
                RULES
                    .lines()
                    .any(|l| l.starts_with(&format!("SUBSYSTEM==\"{subsystem}\""))
                        && l.contains("GROUP=\"lotstation\", MODE=\"0660\"")),
                "no access rule for {subsystem}"
            );
        }
        assert!(RULES.contains("SYMLINK+=\"lotstation/serial-"));
        assert!(RULES.contains("SYMLINK+=\"lotstation/hidraw-"));
        // A system service, not the desktop user; never world-writable.
        let rules: Vec<&str> = RULES
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect();
        assert!(
            rules
                .iter()
                .all(|l| !l.contains("uaccess") && !l.contains("0666"))
        );
    }

    #[test]
    fn lookup_finds_vendor_wide_and_single_product_entries() {
        assert_eq!(lookup(0x0c2e, 0x0b61).unwrap().vendor, "Honeywell");
        assert_eq!(
            lookup(0x0403, 0x6001).unwrap().class,
            DeviceClass::SerialAdapter
        );
        assert!(lookup(0x0403, 0x6002).is_none());
        assert!(lookup(0x046d, 0xc52b).is_none());
    }
}
