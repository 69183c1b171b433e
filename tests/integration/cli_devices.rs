//! `lotstation devices` run as a program: the listing of this machine, as
//! JSON and text, and, run as an unprivileged user, the "permission
//! denied" entry with its fix.

use std::process::Command;

#[test]
fn devices_lists_the_serial_ports_and_usb_hid_devices_of_this_machine_as_json_and_text() {
    let o = Command::new(crate::util::bin())
        .args(["devices", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["problems"], serde_json::json!([]));
    let devices = v["devices"].as_array().unwrap();
    for d in devices {
        match d["kind"].as_str() {
            Some("serial") => assert!(d.get("usb_hid_mode").is_none(), "{d}"),
            Some("usb_hid") => {
                assert!(["keyboard", "hid_pos"].contains(&d["usb_hid_mode"].as_str().unwrap()));
                assert!(d["selector"].as_str().unwrap().starts_with("usb:"), "{d}");
            }
            _ => panic!("unexpected kind in {d}"),
        }
        assert!(d["path"].as_str().unwrap().starts_with("/dev/"), "{d}");
        assert!(!d["selector"].as_str().unwrap().is_empty(), "{d}");
        assert!(
            ["ok", "permission_denied", "unknown"].contains(&d["access"].as_str().unwrap()),
            "{d}"
        );
    }
    let o = Command::new(crate::util::bin())
        .arg("devices")
        .output()
        .unwrap();
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    if devices.is_empty() {
        assert!(text.starts_with("no scanner candidates found"), "{text}");
    } else {
        assert_eq!(
            text.matches("    access:   ").count(),
            devices.len(),
            "{text}"
        );
    }
}

#[test]
fn a_port_the_user_may_not_open_is_listed_with_the_fix() {
    // Needs root (to drop to `nobody` with setpriv) and a serial port that
    // is not world-writable, as /dev/ttyS* are on a stock system.
    let o = Command::new(crate::util::bin())
        .args(["devices", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let is_root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    let private = v["devices"].as_array().unwrap().iter().any(|d| {
        d["mode"]
            .as_str()
            .and_then(|m| m.rsplit(' ').next())
            .is_some_and(|bits| !bits.ends_with('6'))
    });
    let setpriv = Command::new("setpriv").arg("--version").output().is_ok();
    if !(is_root && private && setpriv) {
        println!(
            "skipped: needs root, setpriv and a serial port that is not world-writable (root {is_root}, setpriv {setpriv}, such a port {private})"
        );
        return;
    }
    // A copy `nobody` can run, wherever the build directory is.
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let copy = dir.path().join("lotstation");
    std::fs::copy(crate::util::bin(), &copy).unwrap();
    let o = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&copy)
        .arg("devices")
        .output()
        .unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains("    access:   found but permission denied"),
        "{text}"
    );
    assert!(
        text.contains("    fix:      lotstation may not open /dev/"),
        "{text}"
    );
    assert!(text.contains("udev/70-lotstation.rules"), "{text}");
}
