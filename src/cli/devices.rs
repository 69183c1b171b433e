//! `lotstation devices`: the scanner candidates on this machine.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use lotstation::source::list::{self, Access, Listing};

/// List the devices lotstation could read scans from: serial ports (USB-CDC
/// scanners, USB-serial adapters, built-in ports) and USB HID devices
/// (keyboard-wedge scanners, which look like keyboards, and HID-POS
/// scanners) with their path, USB vendor:product id, serial number and
/// product string, the stable names udev gave them, the source settings
/// that read them, and whether lotstation may open them. A device it may
/// not open comes with the fix.
///
/// Access is checked for the user running the command; the service runs as
/// user lotstation, so run it as that user (`sudo -u lotstation lotstation
/// devices`) to see what the station will see. Listing never opens a port.
///
/// Exit code 0 when the listing worked (even if nothing was found), 2 when
/// an enumerator failed.
#[derive(Debug, Args)]
pub struct DevicesArgs {
    /// One JSON object: {"devices": [...], "problems": [...]}.
    #[arg(long)]
    json: bool,
}

pub fn run(args: DevicesArgs) -> anyhow::Result<ExitCode> {
    let listing = list::list();
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &listing)?;
        writeln!(out)?;
    } else {
        write_text(&mut out, &listing)?;
    }
    out.flush()?;
    Ok(if listing.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_FAILURE)
    })
}

/// The human listing.
pub fn write_text(out: &mut impl Write, l: &Listing) -> std::io::Result<()> {
    if l.devices.is_empty() {
        writeln!(
            out,
            "no scanner candidates found (no serial ports or USB HID devices{})",
            if l.problems.is_empty() {
                ""
            } else {
                " could be listed"
            }
        )?;
    }
    for d in &l.devices {
        let ids = d.usb.as_ref().map_or_else(
            || "-".to_owned(),
            |u| format!("{:04x}:{:04x}", u.vid, u.pid),
        );
        writeln!(out, "{}  {}  {ids}", d.kind, d.path.display())?;
        if let Some(u) = &d.usb {
            let name: Vec<&str> = [u.manufacturer.as_deref(), u.product.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            if !name.is_empty() {
                writeln!(out, "    product:  {}", name.join(" "))?;
            }
            if let Some(s) = &u.serial {
                writeln!(out, "    serial:   {s}")?;
            }
        }
        if let Some(s) = &d.supported {
            writeln!(
                out,
                "    known:    {s} (covered by udev/70-lotstation.rules)"
            )?;
        }
        for link in &d.links {
            writeln!(out, "    link:     {}", link.display())?;
        }
        if let Some(m) = &d.mode {
            writeln!(out, "    owner:    group {m}")?;
        }
        match d.usb_hid_mode {
            Some(m) => writeln!(
                out,
                "    config:   kind = \"usb_hid\", device = {:?}, mode = {:?}",
                d.selector,
                m.as_str()
            )?,
            None => writeln!(out, "    config:   device = {:?}", d.selector)?,
        }
        match &d.access {
            Access::Ok => writeln!(out, "    access:   ok")?,
            Access::PermissionDenied { hint } => {
                writeln!(out, "    access:   found but permission denied")?;
                writeln!(out, "    fix:      {hint}")?;
            }
            Access::Unknown { reason } => writeln!(out, "    access:   unknown ({reason})")?,
        }
    }
    for p in &l.problems {
        writeln!(out, "problem: {p}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use lotstation::source::list::{DeviceEntry, HidRole};
    use lotstation::source::selector::UsbIdentity;

    use super::*;

    #[test]
    fn the_text_listing_names_the_device_and_the_fix_for_a_refused_one() {
        let l = Listing {
            devices: vec![
                DeviceEntry {
                    kind: "serial",
                    path: PathBuf::from("/dev/ttyACM0"),
                    usb: Some(UsbIdentity {
                        vid: 0x0c2e,
                        pid: 0x0b61,
                        serial: Some("18273A".into()),
                        manufacturer: Some("Honeywell".into()),
                        product: Some("1900GSR".into()),
                    }),
                    links: vec![PathBuf::from(
                        "/dev/serial/by-id/usb-Honeywell_1900GSR-if00",
                    )],
                    selector: "usb:0c2e:0b61:18273A".into(),
                    mode: Some("dialout 0660".into()),
                    supported: Some("Honeywell Metrologic scanners".into()),
                    usb_hid_mode: None,
                    access: Access::PermissionDenied {
                        hint: "install udev/70-lotstation.rules".into(),
                    },
                },
                DeviceEntry {
                    kind: "usb_hid",
                    path: PathBuf::from("/dev/bus/usb/001/004"),
                    usb: Some(UsbIdentity {
                        vid: 0x05e0,
                        pid: 0x1200,
                        serial: None,
                        manufacturer: Some("Symbol".into()),
                        product: Some("DS2208".into()),
                    }),
                    links: vec![],
                    selector: "usb:05e0:1200".into(),
                    mode: Some("lotstation 0660".into()),
                    supported: None,
                    usb_hid_mode: Some(HidRole::HidPos),
                    access: Access::Ok,
                },
            ],
            problems: vec!["usb: no bus".into()],
        };
        let mut out = Vec::new();
        write_text(&mut out, &l).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "serial  /dev/ttyACM0  0c2e:0b61
    product:  Honeywell 1900GSR
    serial:   18273A
    known:    Honeywell Metrologic scanners (covered by udev/70-lotstation.rules)
    link:     /dev/serial/by-id/usb-Honeywell_1900GSR-if00
    owner:    group dialout 0660
    config:   device = \"usb:0c2e:0b61:18273A\"
    access:   found but permission denied
    fix:      install udev/70-lotstation.rules
usb_hid  /dev/bus/usb/001/004  05e0:1200
    product:  Symbol DS2208
    owner:    group lotstation 0660
    config:   kind = \"usb_hid\", device = \"usb:05e0:1200\", mode = \"hid_pos\"
    access:   ok
problem: usb: no bus
"
        );
        let mut out = Vec::new();
        write_text(&mut out, &Listing::default()).unwrap();
        assert!(
            String::from_utf8(out)
                .unwrap()
                .starts_with("no scanner candidates found")
        );
    }
}
