//! The real `lotstation run` talking to a test-owned NOTIFY_SOCKET, the way
//! systemd runs it under `Type=notify` with `WatchdogSec=`: READY with a
//! STATUS line, watchdog pings, a STATUS update after a mode change, and
//! STOPPING on SIGTERM or when the sources end; and a station that keeps
//! working when the socket is unusable.

use std::io::Write;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A station reading scans from standard input, its store in `dir`.
fn stdin_station(dir: &Path) -> PathBuf {
    let config = dir.join("station.toml");
    std::fs::write(
        &config,
        format!(
            "[station]\nid = \"notify-test\"\nmode = \"lookup\"\n\n[store]\npath = {:?}\n\n\
             [[sources]]\nname = \"keyboard\"\nkind = \"stdin\"\n\n[api]\nlisten = \"127.0.0.1:0\"\n\n\
             [log]\nlevel = \"info\"\nformat = \"text\"\n",
            dir.join("station.redb")
        ),
    )
    .unwrap();
    config
}

fn spawn(config: &Path, notify_socket: &str, watchdog_usec: Option<&str>) -> Child {
    let mut cmd = Command::new(crate::util::bin());
    cmd.args(["run", "--verdicts", "always", "--config"])
        .arg(config)
        .env("NOTIFY_SOCKET", notify_socket)
        .env_remove("WATCHDOG_USEC")
        .env_remove("WATCHDOG_PID")
        .env_remove("JOURNAL_STREAM")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(u) = watchdog_usec {
        cmd.env("WATCHDOG_USEC", u);
    }
    cmd.spawn().unwrap()
}

/// Receive datagrams until one satisfies `want`; returns everything received
/// (a generous deadline only stops a hung test).
fn until(rx: &UnixDatagram, want: impl Fn(&str) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match rx.recv(&mut buf) {
            Ok(n) => {
                let m = String::from_utf8(buf[..n].to_vec()).unwrap();
                let done = want(&m);
                got.push(m);
                if done {
                    return got;
                }
            }
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => panic!("notify socket: {e}"),
        }
    }
    panic!("no matching notification within 30 s; received {got:?}");
}

fn bound(dir: &Path) -> (UnixDatagram, String) {
    let path = dir.join("notify.sock");
    let rx = UnixDatagram::bind(&path).unwrap();
    rx.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    (rx, path.to_str().unwrap().to_owned())
}

fn stop_with_sigterm(child: &Child) {
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn ready_status_watchdog_and_stopping_reach_the_notify_socket() {
    let dir = tempfile::tempdir().unwrap();
    let config = stdin_station(dir.path());
    let (rx, sock) = bound(dir.path());
    // 200 ms: the daemon must ping every 100 ms.
    let mut child = spawn(&config, &sock, Some("200000"));

    let first = until(&rx, |m| m.contains("READY=1"));
    let ready = first.last().unwrap();
    assert_eq!(
        ready, "READY=1\nSTATUS=mode lookup, 1 source, outbox 0\n",
        "{first:?}"
    );
    // Several pings while the station idles: each one followed a store
    // writer round trip.
    let pings = until(&rx, {
        let n = std::cell::Cell::new(0);
        move |m| {
            if m == "WATCHDOG=1\n" {
                n.set(n.get() + 1);
            }
            n.get() == 3
        }
    });
    assert!(pings.iter().all(|m| m == "WATCHDOG=1\n"), "{pings:?}");

    // A mode change shows up in the status line.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"CMD:RECEIVE\n").unwrap();
    stdin.flush().unwrap();
    until(&rx, |m| m == "STATUS=mode receive, 1 source, outbox 0\n");

    stop_with_sigterm(&child);
    let rest = until(&rx, |m| m.starts_with("STOPPING=1\n"));
    assert_eq!(
        rest.last().unwrap(),
        "STOPPING=1\nSTATUS=stopping: draining queued scans\n"
    );
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("MODE      receive"));
}

#[cfg(target_os = "linux")]
#[test]
fn an_abstract_notify_socket_works_and_stopping_follows_the_end_of_input() {
    use std::os::linux::net::SocketAddrExt;
    let dir = tempfile::tempdir().unwrap();
    let config = stdin_station(dir.path());
    let name = format!(
        "lotstation-test/{}/{}",
        std::process::id(),
        dir.path().file_name().unwrap().to_string_lossy()
    );
    let rx = UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(&name).unwrap()).unwrap();
    rx.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut child = spawn(&config, &format!("@{name}"), None);
    let got = until(&rx, |m| m.starts_with("READY=1\n"));
    assert!(
        got.iter().all(|m| !m.contains("WATCHDOG")),
        "no WATCHDOG_USEC, no pings: {got:?}"
    );
    // Standard input closed: the only source ends, so does the station.
    drop(child.stdin.take());
    let rest = until(&rx, |m| m.starts_with("STOPPING=1\n"));
    assert_eq!(
        rest.last().unwrap(),
        "STOPPING=1\nSTATUS=stopping: every source has finished\n"
    );
    assert!(child.wait().unwrap().success());
}

#[test]
fn an_unusable_notify_socket_is_logged_and_the_station_still_records_scans() {
    let dir = tempfile::tempdir().unwrap();
    let config = stdin_station(dir.path());
    for sock in [
        dir.path().join("nobody-listens.sock").to_str().unwrap(),
        "not-a-socket-address",
    ] {
        let mut child = spawn(&config, sock, Some("100000"));
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"CMD:RECEIVE\n").unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{sock}: {stderr}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("MODE      receive"),
            "{sock}"
        );
        assert!(
            stderr.contains("cannot notify systemd") || stderr.contains("notifications off"),
            "{sock}: {stderr}"
        );
    }
}

#[test]
fn a_station_without_sources_stays_up_until_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("station.toml");
    std::fs::write(
        &config,
        format!(
            "[station]\nid = \"fresh-install\"\n\n[store]\npath = {:?}\n\n[api]\nlisten = \"127.0.0.1:0\"\n",
            dir.path().join("station.redb")
        ),
    )
    .unwrap();
    let (rx, sock) = bound(dir.path());
    let mut child = spawn(&config, &sock, Some("200000"));
    let got = until(&rx, |m| m.starts_with("READY=1\n"));
    assert_eq!(
        got.last().unwrap(),
        "READY=1\nSTATUS=mode lookup, 0 sources, outbox 0\n"
    );
    // Still alive and pinging: it did not stop for lack of sources.
    until(&rx, |m| m == "WATCHDOG=1\n");
    until(&rx, |m| m == "WATCHDOG=1\n");
    assert!(child.try_wait().unwrap().is_none());
    stop_with_sigterm(&child);
    until(&rx, |m| m.starts_with("STOPPING=1\n"));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no [[sources]] configured"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
