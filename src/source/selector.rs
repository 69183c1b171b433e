//! Which serial device a source opens: a device path, a stable udev symlink,
//! or a USB selector `usb:VID:PID[:SERIAL]` that is looked up in the
//! system's serial port listing each time the source (re)connects.
//!
//! Invariant: a [`DeviceSelector`] is always well formed (an absolute path,
//! or four-hex-digit ids and a non-empty serial number); parsing refuses
//! anything else with a message that says what to write instead. Resolving
//! happens at every connect, never once at start, so a scanner that comes
//! back under a new name (`ttyACM0` → `ttyACM1` after a replug) is found
//! again: a USB selector matches it by its ids, and a `/dev/serial/by-id/`
//! or `/dev/lotstation/` symlink follows it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A serial device as the configuration names it.
///
/// ```
/// use lotstation::source::selector::DeviceSelector;
///
/// let by_path: DeviceSelector = "/dev/ttyACM0".parse().unwrap();
/// assert_eq!(by_path, DeviceSelector::Path("/dev/ttyACM0".into()));
///
/// let by_link: DeviceSelector = "/dev/lotstation/scanner-0c2e-0b61-A1".parse().unwrap();
/// assert!(matches!(by_link, DeviceSelector::Path(_)));
///
/// let by_usb: DeviceSelector = "usb:0C2E:0B61:18273A".parse().unwrap();
/// assert_eq!(
///     by_usb,
///     DeviceSelector::Usb { vid: 0x0c2e, pid: 0x0b61, serial: Some("18273A".into()) }
/// );
/// // Written back in the canonical form (lower-case hex).
/// assert_eq!(by_usb.to_string(), "usb:0c2e:0b61:18273A");
///
/// // What is wrong is said, with what to write instead.
/// let e = "ttyUSB0".parse::<DeviceSelector>().unwrap_err();
/// assert!(e.to_string().contains("/dev/ttyUSB0"));
/// assert!("usb:5e0:1200".parse::<DeviceSelector>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DeviceSelector {
    /// A device node or a symlink to one (`/dev/ttyUSB0`,
    /// `/dev/serial/by-id/usb-…`, `/dev/lotstation/…`), opened as it is.
    Path(PathBuf),
    /// A USB serial device by vendor and product id, and optionally its
    /// serial number (needed when two identical scanners are connected).
    Usb {
        /// USB vendor id.
        vid: u16,
        /// USB product id.
        pid: u16,
        /// USB serial number string, compared exactly.
        serial: Option<String>,
    },
}

/// A selector that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("device {text:?}: {message}")]
pub struct SelectorError {
    /// What was written.
    pub text: String,
    /// What is wrong and what to write instead.
    pub message: String,
}

/// Longest selector text accepted.
const MAX_SELECTOR_LEN: usize = 4096;

const FORMS: &str = "write an absolute device path such as /dev/ttyACM0, a udev symlink such as /dev/serial/by-id/usb-…, or usb:VID:PID[:SERIAL] with four hex digits each, e.g. usb:0c2e:0b61";

impl FromStr for DeviceSelector {
    type Err = SelectorError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |message: String| SelectorError {
            text: text.chars().take(80).collect(),
            message,
        };
        if text.len() > MAX_SELECTOR_LEN {
            return Err(err(format!(
                "longer than {MAX_SELECTOR_LEN} bytes; {FORMS}"
            )));
        }
        if let Some(rest) = text.strip_prefix("usb:") {
            let mut parts = rest.splitn(3, ':');
            let vid = parts.next().unwrap_or_default();
            let pid = parts.next();
            let serial = parts.next();
            let vid = hex_id(vid)
                .ok_or_else(|| err(format!("vendor id {vid:?} is not four hex digits; {FORMS}")))?;
            let Some(pid) = pid else {
                return Err(err(format!("the product id is missing; {FORMS}")));
            };
            let pid = hex_id(pid).ok_or_else(|| {
                err(format!(
                    "product id {pid:?} is not four hex digits; {FORMS}"
                ))
            })?;
            let serial = match serial {
                None => None,
                Some("") => {
                    return Err(err(format!(
                        "the serial number after the last ':' is empty; {FORMS}"
                    )));
                }
                Some(s) if s.chars().any(char::is_control) => {
                    return Err(err(
                        "the serial number contains a control character".to_owned()
                    ));
                }
                Some(s) => Some(s.to_owned()),
            };
            return Ok(DeviceSelector::Usb { vid, pid, serial });
        }
        if text.trim().is_empty() {
            return Err(err(format!("empty; {FORMS}")));
        }
        if text.contains('\0') {
            return Err(err(format!("contains a NUL byte; {FORMS}")));
        }
        let path = Path::new(text);
        if !path.is_absolute() {
            let hint = if text.starts_with("tty") {
                format!("a device path must be absolute: did you mean /dev/{text}?")
            } else {
                format!("not an absolute path; {FORMS}")
            };
            return Err(err(hint));
        }
        Ok(DeviceSelector::Path(path.to_owned()))
    }
}

/// Four hex digits.
fn hex_id(s: &str) -> Option<u16> {
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        u16::from_str_radix(s, 16).ok()
    } else {
        None
    }
}

impl fmt::Display for DeviceSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceSelector::Path(p) => write!(f, "{}", p.display()),
            DeviceSelector::Usb { vid, pid, serial } => {
                write!(f, "usb:{vid:04x}:{pid:04x}")?;
                if let Some(s) = serial {
                    write!(f, ":{s}")?;
                }
                Ok(())
            }
        }
    }
}

impl TryFrom<String> for DeviceSelector {
    type Error = SelectorError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<DeviceSelector> for String {
    fn from(d: DeviceSelector) -> String {
        d.to_string()
    }
}

/// USB identity of a serial port, as the system reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct UsbIdentity {
    /// Vendor id.
    pub vid: u16,
    /// Product id.
    pub pid: u16,
    /// Serial number string, if the device has one.
    pub serial: Option<String>,
    /// Manufacturer string.
    pub manufacturer: Option<String>,
    /// Product string.
    pub product: Option<String>,
}

/// One serial port in the system's listing, as owned lotstation values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SerialPortEntry {
    /// Device node, e.g. `/dev/ttyACM0`.
    pub path: PathBuf,
    /// USB identity, for USB serial adapters and USB-CDC scanners.
    pub usb: Option<UsbIdentity>,
}

/// The serial ports the system lists now (serialport's port listing, read
/// from sysfs). A machine without `/sys/class/tty` has none.
pub fn serial_ports() -> Result<Vec<SerialPortEntry>, std::io::Error> {
    // serialport's sysfs listing assumes the directory exists.
    if !Path::new("/sys/class/tty").is_dir() {
        return Ok(Vec::new());
    }
    let ports = serialport::available_ports().map_err(std::io::Error::other)?;
    let mut out: Vec<SerialPortEntry> = ports
        .into_iter()
        .map(|p| SerialPortEntry {
            path: PathBuf::from(p.port_name),
            usb: match p.port_type {
                serialport::SerialPortType::UsbPort(u) => Some(UsbIdentity {
                    vid: u.vid,
                    pid: u.pid,
                    serial: u.serial_number,
                    manufacturer: u.manufacturer,
                    product: u.product,
                }),
                _ => None,
            },
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Why a selector names no device right now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// No listed port has these USB ids.
    #[error(
        "no serial port with USB id {selector} is connected (`lotstation devices` lists the ports present)"
    )]
    NotConnected {
        /// The selector.
        selector: String,
    },
    /// Several ports match and no serial number tells them apart.
    #[error(
        "{count} serial ports match {selector} ({paths}); add the serial number, e.g. {selector}:SERIAL, or use a /dev/serial/by-id/ path"
    )]
    Ambiguous {
        /// The selector.
        selector: String,
        /// How many matched.
        count: usize,
        /// Their paths, comma-separated.
        paths: String,
    },
    /// The port listing could not be read.
    #[error("the system's serial port listing could not be read: {0}")]
    Listing(String),
}

impl DeviceSelector {
    /// The device path this selector names, given the ports listed now. A
    /// path selector is returned as it is (whether it exists is for the
    /// open to find out).
    pub fn resolve_in(&self, ports: &[SerialPortEntry]) -> Result<PathBuf, ResolveError> {
        let (vid, pid, serial) = match self {
            DeviceSelector::Path(p) => return Ok(p.clone()),
            DeviceSelector::Usb { vid, pid, serial } => (*vid, *pid, serial.as_deref()),
        };
        let matches: Vec<&SerialPortEntry> = ports
            .iter()
            .filter(|p| {
                p.usb.as_ref().is_some_and(|u| {
                    u.vid == vid
                        && u.pid == pid
                        && serial.is_none_or(|s| u.serial.as_deref() == Some(s))
                })
            })
            .collect();
        match matches.as_slice() {
            [one] => Ok(one.path.clone()),
            [] => Err(ResolveError::NotConnected {
                selector: self.to_string(),
            }),
            many => Err(ResolveError::Ambiguous {
                selector: self.to_string(),
                count: many.len(),
                paths: many
                    .iter()
                    .map(|p| p.path.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// The device path this selector names now, looking USB selectors up in
    /// the system's port listing.
    pub fn resolve(&self) -> Result<PathBuf, ResolveError> {
        match self {
            DeviceSelector::Path(p) => Ok(p.clone()),
            DeviceSelector::Usb { .. } => {
                let ports = serial_ports().map_err(|e| ResolveError::Listing(e.to_string()))?;
                self.resolve_in(&ports)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usb_port(path: &str, vid: u16, pid: u16, serial: Option<&str>) -> SerialPortEntry {
        SerialPortEntry {
            path: path.into(),
            usb: Some(UsbIdentity {
                vid,
                pid,
                serial: serial.map(str::to_owned),
                manufacturer: None,
                product: None,
            }),
        }
    }

    #[test]
    fn selectors_round_trip_through_text_and_serde() {
        for text in [
            "/dev/ttyACM0",
            "/dev/serial/by-id/usb-Honeywell_Imaging___Mobility_1900-if00",
            "usb:0c2e:0b61",
            "usb:05e0:1200:S/N:42",
        ] {
            let s: DeviceSelector = text.parse().unwrap();
            assert_eq!(s.to_string(), text);
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<DeviceSelector>(&json).unwrap(), s);
        }
        // A serial number may itself contain ':'.
        assert_eq!(
            "usb:05e0:1200:S/N:42".parse::<DeviceSelector>().unwrap(),
            DeviceSelector::Usb {
                vid: 0x05e0,
                pid: 0x1200,
                serial: Some("S/N:42".into())
            }
        );
    }

    #[test]
    fn malformed_selectors_say_what_to_write() {
        for (text, expect) in [
            ("", "empty"),
            ("ttyUSB0", "/dev/ttyUSB0"),
            ("dev/ttyUSB0", "absolute"),
            ("usb:", "four hex digits"),
            ("usb:0c2e", "product id is missing"),
            ("usb:0c2e:", "four hex digits"),
            ("usb:xyz1:0b61", "vendor id"),
            ("usb:0c2e:0b61:", "serial number"),
            ("usb:0c2e:0b611", "product id"),
            ("/dev/tty\0", "NUL"),
        ] {
            let e = text.parse::<DeviceSelector>().unwrap_err();
            assert!(e.to_string().contains(expect), "{text:?}: {e}");
        }
        let long = format!("/{}", "a".repeat(5000));
        assert!(long.parse::<DeviceSelector>().is_err());
        assert!(serde_json::from_str::<DeviceSelector>("\"usb:1:2\"").is_err());
    }

    #[test]
    fn usb_selectors_resolve_through_the_port_listing() {
        let ports = vec![
            SerialPortEntry {
                path: "/dev/ttyS0".into(),
                usb: None,
            },
            usb_port("/dev/ttyACM0", 0x0c2e, 0x0b61, Some("A1")),
            usb_port("/dev/ttyACM1", 0x0c2e, 0x0b61, Some("B2")),
            usb_port("/dev/ttyUSB0", 0x0403, 0x6001, None),
        ];
        let r = |s: &str| s.parse::<DeviceSelector>().unwrap().resolve_in(&ports);
        assert_eq!(r("usb:0403:6001").unwrap(), PathBuf::from("/dev/ttyUSB0"));
        assert_eq!(
            r("usb:0c2e:0b61:B2").unwrap(),
            PathBuf::from("/dev/ttyACM1")
        );
        let e = r("usb:0c2e:0b61").unwrap_err();
        assert!(matches!(e, ResolveError::Ambiguous { count: 2, .. }), "{e}");
        assert!(e.to_string().contains("/dev/ttyACM0, /dev/ttyACM1"));
        assert!(matches!(
            r("usb:0c2e:0b61:C3").unwrap_err(),
            ResolveError::NotConnected { .. }
        ));
        // Paths are taken as they are; the open says whether they exist.
        assert_eq!(
            r("/dev/lotstation/x").unwrap(),
            PathBuf::from("/dev/lotstation/x")
        );
        // A replug under a new name is found by the same selector.
        let replugged = vec![usb_port("/dev/ttyACM3", 0x0403, 0x6001, None)];
        assert_eq!(
            "usb:0403:6001"
                .parse::<DeviceSelector>()
                .unwrap()
                .resolve_in(&replugged)
                .unwrap(),
            PathBuf::from("/dev/ttyACM3")
        );
    }

    #[test]
    fn the_port_listing_works_on_this_machine() {
        // No USB bus here, possibly not even a serial port: the listing must
        // still succeed, sorted, and a USB selector must report "not connected".
        let ports = serial_ports().unwrap();
        assert!(ports.windows(2).all(|w| w[0].path <= w[1].path));
        let s: DeviceSelector = "usb:ffff:fffe".parse().unwrap();
        assert!(matches!(
            s.resolve(),
            Err(ResolveError::NotConnected { .. })
        ));
    }
}
