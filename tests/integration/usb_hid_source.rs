//! The USB HID source on a machine without the scanner (CI has no USB bus at
//! all): it must say "no device", keep waiting without spinning, stop when
//! cancelled, and never take the daemon down. Reading real devices is
//! tested in the QEMU tier (`tests/qemu/`).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use lotstation::source::status::{DeviceState, Devices};
use lotstation::source::usb_hid::report::{KeyboardSettings, PosSettings};
use lotstation::source::usb_hid::{self, HidMode, UsbHidSettings, UsbMatch};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

async fn wait_for_state(
    rx: &mut tokio::sync::watch::Receiver<lotstation::source::status::DeviceStatus>,
    want: &str,
) -> DeviceState {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let s = rx.borrow_and_update().state.clone();
            if s.name() == want {
                return s;
            }
            rx.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("state {want} never reached"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absent_scanner_is_reported_as_no_device_and_the_source_stops_on_cancel() {
    for (mode, device) in [
        (
            HidMode::Keyboard(KeyboardSettings::default()),
            UsbMatch::parse("usb:ffff:fffe:NOSUCH").unwrap(),
        ),
        // Any HID-POS scanner: none here either.
        (HidMode::Pos(PosSettings::default()), UsbMatch::default()),
    ] {
        let devices = Devices::default();
        let status = devices.register("scanner".into());
        let mut rx = devices.watch("scanner").unwrap();
        let (tx, mut frames) = mpsc::channel(8);
        let cancel = CancellationToken::new();
        let settings = UsbHidSettings {
            name: "scanner".into(),
            device: device.clone(),
            mode,
            gap: Duration::from_millis(200),
            assume_symbology: None,
            clock: lotstation::clock::Clock::system(),
        };
        let task = tokio::spawn(usb_hid::run(settings, tx, status, cancel.clone()));
        let state = wait_for_state(&mut rx, "no_device").await;
        let DeviceState::NoDevice { selector } = state else {
            unreachable!()
        };
        assert!(selector.contains(&device.to_string()), "{selector}");
        // It keeps waiting (no frames, not finished) until cancelled.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!task.is_finished());
        assert!(frames.try_recv().is_err());
        cancel.cancel();
        let tally = tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the USB HID source stops within 5 s of cancellation")
            .unwrap();
        assert_eq!(tally.frames, 0);
        wait_for_state(&mut rx, "stopped").await;
    }
}

#[test]
fn the_daemon_keeps_working_when_its_usb_scanner_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("station.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[station]
id = "hid-1"
mode = "lookup"

[store]
path = {store:?}
seed_files = [{seed:?}]

[[sources]]
name = "wedge"
kind = "usb_hid"
device = "usb:ffff:fffe"
layout = "de"
gs_substitute = "~"

[[sources]]
name = "keyboard"
kind = "stdin"

[api]
listen = "127.0.0.1:0"

[log]
level = "info"
format = "text"
"#,
            store = dir.path().join("station.redb"),
            seed = crate::util::repo("config/demo-data/master.json"),
        ),
    )
    .unwrap();
    let mut child = Command::new(crate::util::bin())
        .args(["run", "--config", config.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    // The missing scanner is reported...
    let mut log = String::new();
    let mut line = String::new();
    while !log.contains("no matching device present") {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the daemon ended; log so far:\n{log}"
        );
        log.push_str(&line);
    }
    assert!(log.contains("usb:ffff:fffe"), "{log}");
    // ...and the station still serves its other source.
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(
            format!(
                "]C1010950600013437617{}1028-0912\n",
                crate::dates::yymmdd(1023)
            )
            .as_bytes(),
        )
        .unwrap();
    drop(stdin);
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    while !printed.contains("28-0912") {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "no verdict for the stdin scan; output:\n{printed}"
        );
        printed.push_str(&line);
    }
    // stdin closed, but the USB source still waits for its scanner: the
    // daemon stays up until it is told to stop.
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the daemon stopped on its own"
    );
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
