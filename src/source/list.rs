//! What `lotstation devices` shows: the scanner candidates present on this
//! machine, from several enumerators ([`ENUMERATORS`]: serial ports and USB
//! HID interfaces), each with its path, USB identity, the stable names udev
//! gave it, and whether lotstation may open it, with the fix when it may
//! not.
//!
//! Listing never changes a device: access is checked with `access(2)` (the
//! caller's permissions), not by opening the port, so a port another
//! program uses keeps its line settings and modem lines.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::devices;
use super::selector::{self, DeviceSelector, UsbIdentity};
use super::serial::permission_hint;

/// Whether the device can be opened by the user running the listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "access", rename_all = "snake_case")]
pub enum Access {
    /// Read and write allowed.
    Ok,
    /// Present, but not readable and writable by this user.
    PermissionDenied {
        /// What to do about it.
        hint: String,
    },
    /// The check itself failed (the device vanished meanwhile, ...).
    Unknown {
        /// Why.
        reason: String,
    },
}

/// One device that could be a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceEntry {
    /// The source `kind` that reads it, e.g. `serial`.
    pub kind: &'static str,
    /// Device node.
    pub path: PathBuf,
    /// USB identity, when it is a USB device.
    pub usb: Option<UsbIdentity>,
    /// Stable symlinks pointing at it (`/dev/serial/by-id/…`,
    /// `/dev/lotstation/…`), to use in the configuration.
    pub links: Vec<PathBuf>,
    /// A `device =` value for the configuration that survives replugs.
    pub selector: String,
    /// Owner group and permission bits, e.g. `dialout 0660`.
    pub mode: Option<String>,
    /// The entry of the supported-device table it matches
    /// (`udev/70-lotstation.rules` covers it), e.g. `Honeywell Metrologic
    /// scanners`.
    pub supported: Option<String>,
    /// For a USB HID candidate: the `mode` a `usb_hid` source reads it in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usb_hid_mode: Option<HidRole>,
    /// Whether lotstation (as this user) can open it.
    #[serde(flatten)]
    pub access: Access,
}

/// What a USB HID interface can be to a `usb_hid` source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HidRole {
    /// A boot-protocol keyboard: a keyboard-wedge scanner, or a keyboard
    /// (ordered before `HidPos`: a device with both is read as HID-POS).
    Keyboard,
    /// Declares the bar code scanner usage page (0x8C): a HID-POS scanner.
    HidPos,
}

impl HidRole {
    /// The `mode = ` value of a `usb_hid` source.
    pub fn as_str(self) -> &'static str {
        match self {
            HidRole::Keyboard => "keyboard",
            HidRole::HidPos => "hid_pos",
        }
    }
}

/// The role of one HID interface from its subclass and protocol codes and,
/// when the kernel exposes it, its report descriptor. HID-POS wins over the
/// boot keyboard; anything else (a mouse, a UPS, ...) is no scanner.
pub fn hid_role(sub_class: u8, protocol: u8, report_descriptor: Option<&[u8]>) -> Option<HidRole> {
    if report_descriptor.is_some_and(|r| {
        super::usb_hid::report::has_usage_page(r, super::usb_hid::USAGE_PAGE_BAR_CODE_SCANNER)
    }) {
        Some(HidRole::HidPos)
    } else if sub_class == 1 && protocol == 1 {
        Some(HidRole::Keyboard)
    } else {
        None
    }
}

/// Everything listed, and what could not be listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Listing {
    /// Devices found, grouped by enumerator, sorted by path within each.
    pub devices: Vec<DeviceEntry>,
    /// Enumerators that failed, with why.
    pub problems: Vec<String>,
}

/// An enumerator: the devices of one kind.
pub type Enumerator = fn() -> Result<Vec<DeviceEntry>, String>;

/// Every enumerator, in listing order.
pub const ENUMERATORS: &[(&str, Enumerator)] = &[
    ("serial ports", serial_entries),
    ("USB HID devices", usb_hid_entries),
];

/// List every device of every enumerator.
pub fn list() -> Listing {
    let mut out = Listing::default();
    for (what, enumerate) in ENUMERATORS {
        match enumerate() {
            Ok(mut d) => out.devices.append(&mut d),
            Err(e) => out.problems.push(format!("{what}: {e}")),
        }
    }
    out
}

/// Directories whose symlinks give devices stable names.
const LINK_DIRS: &[&str] = &[
    "/dev/lotstation",
    "/dev/serial/by-id",
    "/dev/serial/by-path",
];

/// The serial ports serialport lists, with access and stable names.
pub fn serial_entries() -> Result<Vec<DeviceEntry>, String> {
    let ports = selector::serial_ports().map_err(|e| e.to_string())?;
    let links = links_in(LINK_DIRS);
    Ok(ports
        .into_iter()
        .map(|p| {
            let real = std::fs::canonicalize(&p.path).unwrap_or_else(|_| p.path.clone());
            let mine: Vec<PathBuf> = links
                .iter()
                .filter(|(_, target)| *target == real)
                .map(|(link, _)| link.clone())
                .collect();
            let selector = stable_selector(&p.path, p.usb.as_ref(), &mine);
            let supported = p
                .usb
                .as_ref()
                .and_then(|u| devices::lookup(u.vid, u.pid))
                .map(|d| format!("{} {}", d.vendor, d.what));
            DeviceEntry {
                kind: "serial",
                supported,
                access: access(&p.path),
                mode: mode(&p.path),
                path: p.path,
                usb: p.usb,
                links: mine,
                selector,
                usb_hid_mode: None,
            }
        })
        .collect())
}

/// Where the kernel publishes USB devices (descriptors, strings, and the
/// HID report descriptors of bound interfaces), readable without opening.
const SYSFS_USB: &str = "/sys/bus/usb/devices";

/// USB devices with a HID interface that can be a scanner source: boot
/// keyboards (keyboard-wedge scanners, and keyboards: a wedge scanner looks
/// like one) and HID-POS scanners. Descriptors come from libusb's listing
/// and strings from sysfs; no device is opened. A machine without a USB bus
/// lists none.
pub fn usb_hid_entries() -> Result<Vec<DeviceEntry>, String> {
    if !Path::new("/dev/bus/usb").exists() {
        return Ok(Vec::new());
    }
    let list = rusb::devices().map_err(|e| format!("libusb could not list USB devices: {e}"))?;
    let mut out = Vec::new();
    for d in list.iter() {
        let Ok(desc) = d.device_descriptor() else {
            continue;
        };
        let Some(config) = d
            .active_config_descriptor()
            .or_else(|_| d.config_descriptor(0))
            .ok()
        else {
            continue;
        };
        // The sysfs name of the device, e.g. "1-1.4".
        let sys_name = d.port_numbers().ok().filter(|p| !p.is_empty()).map(|p| {
            let ports: Vec<String> = p.iter().map(u8::to_string).collect();
            format!("{}-{}", d.bus_number(), ports.join("."))
        });
        let mut role = None;
        for iface in config.interfaces() {
            for alt in iface.descriptors() {
                if alt.class_code() != 3 {
                    continue;
                }
                let report = sys_name.as_ref().and_then(|n| {
                    sysfs_report_descriptor(&format!(
                        "{n}:{}.{}",
                        config.number(),
                        alt.interface_number()
                    ))
                });
                let r = hid_role(alt.sub_class_code(), alt.protocol_code(), report.as_deref());
                // One entry per device: HID-POS over keyboard.
                role = role.max(r);
            }
        }
        let Some(role) = role else { continue };
        let text = |file: &str| sys_name.as_ref().and_then(|n| sysfs_string(n, file));
        let usb = UsbIdentity {
            vid: desc.vendor_id(),
            pid: desc.product_id(),
            serial: text("serial"),
            manufacturer: text("manufacturer"),
            product: text("product"),
        };
        let path = PathBuf::from(format!(
            "/dev/bus/usb/{:03}/{:03}",
            d.bus_number(),
            d.address()
        ));
        let selector = DeviceSelector::Usb {
            vid: usb.vid,
            pid: usb.pid,
            serial: usb.serial.clone(),
        }
        .to_string();
        out.push(DeviceEntry {
            kind: "usb_hid",
            supported: devices::lookup(usb.vid, usb.pid)
                .map(|x| format!("{} {}", x.vendor, x.what)),
            access: access(&path),
            mode: mode(&path),
            path,
            usb: Some(usb),
            links: Vec::new(),
            selector,
            usb_hid_mode: Some(role),
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// A sysfs string attribute of a USB device (`product`, `serial`, ...),
/// trimmed and bounded; `None` when absent or empty.
fn sysfs_string(device: &str, file: &str) -> Option<String> {
    let text = std::fs::read_to_string(Path::new(SYSFS_USB).join(device).join(file)).ok()?;
    let t: String = text.trim().chars().take(128).collect();
    (!t.is_empty()).then_some(t)
}

/// The report descriptor of a HID interface bound to the kernel's HID
/// driver (`<interface>/<hid device>/report_descriptor`); `None` when no
/// driver holds it (e.g. lotstation itself has claimed it).
fn sysfs_report_descriptor(interface: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let dir = Path::new(SYSFS_USB).join(interface);
    for e in std::fs::read_dir(&dir).ok()?.flatten() {
        let p = e.path().join("report_descriptor");
        if let Ok(f) = std::fs::File::open(&p) {
            let mut buf = Vec::new();
            // HID report descriptors are at most 4 KiB.
            if f.take(4096).read_to_end(&mut buf).is_ok() && !buf.is_empty() {
                return Some(buf);
            }
        }
    }
    None
}

/// The configuration value that names this device best: a lotstation
/// symlink, else the USB ids (with the serial number when there is one),
/// else a by-id link, else the path.
fn stable_selector(path: &Path, usb: Option<&UsbIdentity>, links: &[PathBuf]) -> String {
    if let Some(l) = links.iter().find(|l| l.starts_with("/dev/lotstation")) {
        return l.display().to_string();
    }
    if let Some(u) = usb {
        return DeviceSelector::Usb {
            vid: u.vid,
            pid: u.pid,
            serial: u.serial.clone(),
        }
        .to_string();
    }
    if let Some(l) = links.iter().find(|l| l.starts_with("/dev/serial/by-id")) {
        return l.display().to_string();
    }
    path.display().to_string()
}

/// Every symlink in `dirs` (one level, and one level of subdirectories for
/// `/dev/lotstation/<kind>/`), with the device it resolves to.
fn links_in(dirs: &[&str]) -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    let mut queue: Vec<(PathBuf, u8)> = dirs.iter().map(|d| (PathBuf::from(d), 0)).collect();
    while let Some((dir, depth)) = queue.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_symlink() {
                if let Ok(target) = std::fs::canonicalize(&p) {
                    out.push((p, target));
                }
            } else if ft.is_dir() && depth == 0 {
                queue.push((p, 1));
            }
        }
    }
    out.sort();
    out
}

/// Read and write access for the calling user.
pub fn access(path: &Path) -> Access {
    use rustix::fs::Access as A;
    match rustix::fs::access(path, A::READ_OK | A::WRITE_OK) {
        Ok(()) => Access::Ok,
        Err(e) if e == rustix::io::Errno::ACCESS || e == rustix::io::Errno::PERM => {
            Access::PermissionDenied {
                hint: permission_hint(path),
            }
        }
        Err(e) => Access::Unknown {
            reason: std::io::Error::from(e).to_string(),
        },
    }
}

/// `group 0660` for a device node.
fn mode(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    let group = device_group(path)?;
    Some(format!("{group} {:04o}", m.mode() & 0o7777))
}

/// The name (or number) of the group owning a device node.
pub fn device_group(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let gid = std::fs::metadata(path).ok()?.gid();
    Some(group_name(gid).unwrap_or_else(|| gid.to_string()))
}

/// The name of group `gid` from `/etc/group`.
fn group_name(gid: u32) -> Option<String> {
    let text = std::fs::read_to_string("/etc/group").ok()?;
    group_name_in(&text, gid)
}

fn group_name_in(text: &str, gid: u32) -> Option<String> {
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id: u32 = f.nth(1)?.parse().ok()?;
        (id == gid).then(|| name.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_come_from_the_group_file() {
        let text = "root:x:0:\ndialout:x:20:ops\nlotstation:x:998:\nbroken\n";
        assert_eq!(group_name_in(text, 20).as_deref(), Some("dialout"));
        assert_eq!(group_name_in(text, 998).as_deref(), Some("lotstation"));
        assert_eq!(group_name_in(text, 5), None);
    }

    #[test]
    fn the_stable_selector_prefers_lotstation_links_then_usb_ids() {
        let usb = UsbIdentity {
            vid: 0x0c2e,
            pid: 0x0b61,
            serial: Some("A1".into()),
            manufacturer: None,
            product: None,
        };
        let by_id = PathBuf::from("/dev/serial/by-id/usb-Honeywell-if00");
        let ours = PathBuf::from("/dev/lotstation/scanner-0c2e-0b61-A1");
        let p = Path::new("/dev/ttyACM0");
        assert_eq!(
            stable_selector(p, Some(&usb), &[by_id.clone(), ours.clone()]),
            ours.display().to_string()
        );
        assert_eq!(
            stable_selector(p, Some(&usb), std::slice::from_ref(&by_id)),
            "usb:0c2e:0b61:A1"
        );
        assert_eq!(
            stable_selector(p, None, std::slice::from_ref(&by_id)),
            by_id.display().to_string()
        );
        assert_eq!(stable_selector(p, None, &[]), "/dev/ttyACM0");
    }

    #[test]
    fn access_is_checked_without_opening_and_a_refusal_says_how_to_fix_it() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("ttyFAKE");
        std::fs::write(&f, b"").unwrap();
        assert_eq!(access(&f), Access::Ok);
        assert!(matches!(
            access(&dir.path().join("gone")),
            Access::Unknown { .. }
        ));
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
        let is_root = {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(&f).unwrap().uid() == 0
        };
        match access(&f) {
            Access::PermissionDenied { hint } => {
                assert!(!is_root);
                assert!(hint.contains("70-lotstation.rules"), "{hint}");
                assert!(hint.contains("udevadm trigger"), "{hint}");
            }
            // root may open anything.
            Access::Ok => assert!(is_root),
            other => panic!("{other:?}"),
        }
        assert_eq!(mode(&f).unwrap().split(' ').nth(1), Some("0000"));
    }

    #[test]
    fn listing_this_machine_works_even_without_serial_or_usb_hardware() {
        let l = list();
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        for d in &l.devices {
            assert!(["serial", "usb_hid"].contains(&d.kind), "{d:?}");
            assert_eq!(d.usb_hid_mode.is_some(), d.kind == "usb_hid", "{d:?}");
            assert!(!d.selector.is_empty());
        }
    }

    #[test]
    fn hid_interfaces_are_keyboards_hid_pos_scanners_or_nothing() {
        // Usage Page (Bar Code Scanner 0x8C), Usage (1), Collection.
        let pos = [0x06, 0x8C, 0x00, 0x09, 0x01, 0xA1, 0x01, 0xC0];
        // Usage Page (Generic Desktop), Usage (Mouse).
        let mouse = [0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0xC0];
        assert_eq!(hid_role(1, 1, None), Some(HidRole::Keyboard));
        assert_eq!(hid_role(0, 0, Some(&pos)), Some(HidRole::HidPos));
        // A scanner with both interfaces' traits is read as HID-POS.
        assert_eq!(hid_role(1, 1, Some(&pos)), Some(HidRole::HidPos));
        assert_eq!(hid_role(1, 2, Some(&mouse)), None);
        assert_eq!(hid_role(0, 0, None), None);
        assert_eq!(hid_role(0, 0, Some(&[0xFF])), None);
        assert_eq!(HidRole::HidPos.as_str(), "hid_pos");
    }
}
