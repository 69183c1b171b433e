//! The deployment files checked by systemd's and udev's own tools: the unit
//! passes `systemd-analyze verify` with no output at all and rates at most
//! 2.0 in `systemd-analyze security`; the sysusers entry creates the user and
//! group; udev rules pass `udevadm verify` where udev is new enough (254+);
//! and the unit says what the station's deployment needs.

use std::path::PathBuf;
use std::process::Command;

fn unit_text() -> String {
    std::fs::read_to_string(crate::util::repo("systemd/lotstation.service")).unwrap()
}

/// `systemd-analyze` (the systemd package; `.ci/run` installs it).
fn systemd_analyze() -> Command {
    let probe = Command::new("systemd-analyze").arg("--version").output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "systemd-analyze is needed to check the unit: apt-get install systemd"
    );
    Command::new("systemd-analyze")
}

/// A root directory holding `unit` as lotstation.service and the real binary
/// at the path the unit runs, as the package installs them.
fn unit_root(unit: &str) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let bin = root.path().join("usr/bin");
    let units = root.path().join("etc/systemd/system");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&units).unwrap();
    std::fs::copy(crate::util::bin(), bin.join("lotstation")).unwrap();
    std::fs::write(units.join("lotstation.service"), unit).unwrap();
    root
}

/// rc and every line `systemd-analyze verify` printed.
fn verify(unit: &str) -> (bool, String) {
    let root = unit_root(unit);
    let o = systemd_analyze()
        .arg("verify")
        .arg(format!("--root={}", root.path().display()))
        .arg("--recursive-errors=no")
        .arg("lotstation.service")
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&o.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&o.stderr));
    (o.status.success(), text)
}

#[test]
fn the_unit_passes_systemd_analyze_verify_without_a_word() {
    let (ok, out) = verify(&unit_text());
    assert!(
        ok && out.trim().is_empty(),
        "systemd-analyze verify:\n{out}"
    );
    // The check has teeth: a misspelt key is caught.
    let typo = unit_text().replace("Restart=on-failure", "Restrat=on-failure");
    let (ok, out) = verify(&typo);
    assert!(!ok || !out.trim().is_empty(), "typo not reported");
    assert!(out.contains("Restrat"), "{out}");
}

#[test]
fn the_unit_sandbox_rates_at_most_2_in_systemd_analyze_security() {
    let o = systemd_analyze()
        .args(["security", "--offline=yes", "--no-pager"])
        .arg(crate::util::repo("systemd/lotstation.service"))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out
        .lines()
        .find(|l| l.contains("Overall exposure level for lotstation.service:"))
        .unwrap_or_else(|| panic!("{out}\n{}", String::from_utf8_lossy(&o.stderr)));
    let score: f64 = line
        .rsplit(':')
        .next()
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no score in {line:?}"));
    println!("systemd-analyze security --offline=yes: {score} (target <= 2.0)");
    assert!(score <= 2.0, "{out}");
}

/// The unit's `Key=value` lines, in order.
fn directives(unit: &str) -> Vec<(String, String)> {
    unit.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

#[test]
fn the_unit_runs_the_checked_config_as_its_own_user_with_devices_but_no_privileges() {
    let d = directives(&unit_text());
    let get = |k: &str| -> Vec<&str> {
        d.iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let one = |k: &str| -> &str {
        let v = get(k);
        assert_eq!(v.len(), 1, "{k}: {v:?}");
        v[0]
    };
    assert_eq!(one("Type"), "notify");
    assert_eq!(one("NotifyAccess"), "main");
    assert!(one("WatchdogSec").ends_with('s'));
    let config = "/etc/lotstation/lotstation.toml";
    assert_eq!(
        one("ExecStartPre"),
        format!("/usr/bin/lotstation check-config {config}")
    );
    assert!(
        one("ExecStart").starts_with(&format!("/usr/bin/lotstation run --config {config}")),
        "{}",
        one("ExecStart")
    );
    assert_eq!(one("User"), "lotstation");
    assert_eq!(one("StateDirectory"), "lotstation");
    assert_eq!(one("ConfigurationDirectory"), "lotstation");
    for (k, v) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("ProtectKernelTunables", "yes"),
        ("ProtectKernelModules", "yes"),
        ("ProtectKernelLogs", "yes"),
        ("SystemCallFilter", "@system-service"),
        ("CapabilityBoundingSet", ""),
        ("DevicePolicy", "closed"),
    ] {
        assert_eq!(one(k), v, "{k}");
    }
    assert!(one("RestrictAddressFamilies").contains("AF_UNIX"));
    let allowed = get("DeviceAllow");
    for dev in [
        "char-ttyUSB rw",
        "char-ttyACM rw",
        "char-hidraw rw",
        "char-usb_device rw",
    ] {
        assert!(allowed.contains(&dev), "DeviceAllow={dev} in {allowed:?}");
    }
    // PrivateDevices= would hide the scanners from the sources.
    assert!(get("PrivateDevices").is_empty());
    // The store lives where the state directory is.
    let default = std::fs::read_to_string(crate::util::repo("config/lotstation.toml")).unwrap();
    assert!(default.contains("path = \"/var/lib/lotstation/station.redb\""));
}

#[test]
fn the_sysusers_entry_creates_the_service_user_and_group() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    let o = Command::new("systemd-sysusers")
        .arg(format!("--root={}", root.path().display()))
        .arg(crate::util::repo("systemd/lotstation.sysusers"))
        .output()
        .expect("systemd-sysusers (systemd package)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let passwd = std::fs::read_to_string(root.path().join("etc/passwd")).unwrap();
    let group = std::fs::read_to_string(root.path().join("etc/group")).unwrap();
    let user: Vec<&str> = passwd
        .lines()
        .find(|l| l.starts_with("lotstation:"))
        .unwrap_or_else(|| panic!("{passwd}"))
        .split(':')
        .collect();
    let gid = group
        .lines()
        .find(|l| l.starts_with("lotstation:"))
        .unwrap_or_else(|| panic!("{group}"))
        .split(':')
        .nth(2)
        .unwrap();
    assert_eq!(user[3], gid, "primary group is lotstation");
    assert!(user[2].parse::<u32>().unwrap() < 1000, "a system user");
    assert_eq!(user[5], "/var/lib/lotstation");
    assert!(user[6].ends_with("nologin"), "{user:?}");
}

/// A `udevadm` that has `verify` (udev 254 or newer): `LOTSTATION_UDEVADM`
/// (`.ci/run` points it at one where the system's is older), else the one on
/// PATH.
fn udevadm_with_verify() -> Option<String> {
    let candidates = std::env::var("LOTSTATION_UDEVADM")
        .into_iter()
        .chain(["udevadm".to_owned()]);
    for c in candidates {
        let Ok(o) = Command::new(&c).arg("--version").output() else {
            continue;
        };
        let v = String::from_utf8_lossy(&o.stdout);
        let major: u32 = v
            .trim()
            .split(|ch: char| !ch.is_ascii_digit())
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if o.status.success() && major >= 254 {
            return Some(c);
        }
    }
    None
}

#[test]
fn udev_rules_pass_udevadm_verify_where_udev_has_it() {
    let mut rules: Vec<PathBuf> = std::fs::read_dir(crate::util::repo("udev"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rules"))
        .collect();
    rules.sort();
    let Some(udevadm) = udevadm_with_verify() else {
        println!("udevadm verify skipped: no udev 254+ here (set LOTSTATION_UDEVADM)");
        return;
    };
    for r in &rules {
        let o = Command::new(&udevadm)
            .args(["verify", "--no-summary", "--resolve-names=never"])
            .arg(r)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{}: {}{}",
            r.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // The check has teeth: a broken rule is refused.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("99-broken.rules");
    std::fs::write(
        &bad,
        "SUBSYSTEM==\"tty\" ATTRS{idVendor}=\"0403\", FOO=\"x\"\n",
    )
    .unwrap();
    let o = Command::new(&udevadm)
        .args(["verify", "--no-summary", "--resolve-names=never"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!o.status.success(), "a broken rule passed udevadm verify");
    println!("udevadm verify: {} rules file(s) clean", rules.len());
}
