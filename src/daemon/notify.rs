//! systemd service notifications (the `sd_notify` protocol): one datagram per
//! state change to the socket systemd names in `NOTIFY_SOCKET`.
//!
//! The daemon sends `READY=1` once the store is open, the configuration is
//! valid and the sources are spawned; a one-line `STATUS=` summary
//! (`systemctl status` shows it); `WATCHDOG=1` every half `WATCHDOG_USEC`,
//! but only after a round trip through the store writer's queue succeeded, so
//! a hung writer stops the pings and systemd restarts the service; and
//! `STOPPING=1` when shutdown begins.
//!
//! Notifications are best-effort: without `NOTIFY_SOCKET` (started from a
//! shell) nothing is sent, and a socket that cannot be reached is logged once
//! and never stops the station. Both socket kinds systemd uses are
//! supported: a path (`/run/systemd/notify`) and, on Linux, an abstract name
//! (`@name`).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::store::Store;

/// Why a notification setting from the environment was not used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotifyError {
    /// `NOTIFY_SOCKET` is neither an absolute path nor an `@abstract` name.
    #[error(
        "NOTIFY_SOCKET={0:?} is not a socket lotstation can use (expected an absolute path or @name); systemd notifications are off"
    )]
    Socket(String),
    /// `WATCHDOG_USEC` is not a positive number of microseconds.
    #[error(
        "WATCHDOG_USEC={0:?} is not a positive number of microseconds; the watchdog is not pinged"
    )]
    WatchdogUsec(String),
    /// `WATCHDOG_PID` is not a process id.
    #[error("WATCHDOG_PID={0:?} is not a process id; the watchdog is not pinged")]
    WatchdogPid(String),
}

/// Where notifications go.
#[derive(Debug)]
struct Target {
    socket: UnixDatagram,
    addr: SocketAddr,
    /// `NOTIFY_SOCKET` as given, for log messages.
    name: String,
}

/// The daemon's line to systemd. Does nothing when lotstation was not
/// started by systemd.
#[derive(Debug, Default)]
pub struct Notifier {
    target: Option<Target>,
    watchdog: Option<Duration>,
    /// Set after the first failed send, so a broken socket is reported once
    /// instead of at every watchdog ping.
    warned: AtomicBool,
}

/// The address named by a `NOTIFY_SOCKET` value: an absolute path, or an
/// abstract name after `@` (Linux).
pub fn socket_addr(value: &OsStr) -> Result<SocketAddr, NotifyError> {
    let bytes = value.as_bytes();
    let bad = || NotifyError::Socket(value.to_string_lossy().into_owned());
    match bytes.split_first() {
        #[cfg(target_os = "linux")]
        Some((b'@', name)) if !name.is_empty() => {
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(name).map_err(|_| bad())
        }
        Some((b'/', _)) => SocketAddr::from_pathname(value).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// The watchdog timeout systemd asks for, from `WATCHDOG_USEC` and
/// `WATCHDOG_PID` (the pid the request is meant for; `me` is this process).
/// `Ok(None)` when no watchdog is requested, or it is meant for another
/// process.
pub fn watchdog_timeout(
    usec: Option<&str>,
    pid: Option<&str>,
    me: u32,
) -> Result<Option<Duration>, NotifyError> {
    let Some(usec) = usec else {
        return Ok(None);
    };
    if let Some(pid) = pid {
        let pid: u32 = pid
            .trim()
            .parse()
            .map_err(|_| NotifyError::WatchdogPid(pid.to_owned()))?;
        if pid != me {
            return Ok(None);
        }
    }
    match usec.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(Some(Duration::from_micros(n))),
        _ => Err(NotifyError::WatchdogUsec(usec.to_owned())),
    }
}

/// A `STATUS=` value on one line: line breaks become spaces, other control
/// characters are dropped, and the length is capped.
pub fn status_line(text: &str) -> String {
    const MAX: usize = 256;
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .take(MAX)
        .collect()
}

impl Notifier {
    /// A notifier that sends nothing (not started by systemd).
    pub fn disabled() -> Notifier {
        Notifier::default()
    }

    /// Read `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`. Problems
    /// are logged and turn the affected part off; they never stop the
    /// daemon.
    pub fn from_env() -> Notifier {
        let target = std::env::var_os("NOTIFY_SOCKET").and_then(|v| {
            let name = v.to_string_lossy().into_owned();
            let addr = socket_addr(&v)
                .map_err(|e| tracing::warn!(error = %e, "systemd notifications off"))
                .ok()?;
            let socket = UnixDatagram::unbound()
                .map_err(|e| {
                    tracing::warn!(error = %e, socket = %name, "cannot create a socket for systemd notifications; they are off");
                })
                .ok()?;
            Some(Target { socket, addr, name })
        });
        let usec = std::env::var("WATCHDOG_USEC").ok();
        let pid = std::env::var("WATCHDOG_PID").ok();
        let watchdog = watchdog_timeout(usec.as_deref(), pid.as_deref(), std::process::id())
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "systemd watchdog off");
                None
            });
        Notifier {
            target,
            watchdog,
            warned: AtomicBool::new(false),
        }
    }

    /// True when notifications have somewhere to go.
    pub fn enabled(&self) -> bool {
        self.target.is_some()
    }

    /// The watchdog timeout systemd set for this process, if any.
    pub fn watchdog(&self) -> Option<Duration> {
        self.target.as_ref().and(self.watchdog)
    }

    /// Send one message (`KEY=value` lines). Failures are logged once.
    fn send(&self, message: &str) {
        let Some(t) = &self.target else {
            return;
        };
        match t.socket.send_to_addr(message.as_bytes(), &t.addr) {
            Ok(_) => {
                tracing::trace!(socket = %t.name, message, "systemd notification sent");
            }
            Err(e) => {
                if !self.warned.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        socket = %t.name,
                        error = %e,
                        "cannot notify systemd (readiness, status, watchdog); the station keeps running. Check NOTIFY_SOCKET and NotifyAccess= in the unit"
                    );
                } else {
                    tracing::debug!(socket = %t.name, error = %e, "systemd notification failed");
                }
            }
        }
    }

    /// The station is ready: sources spawned, store open.
    pub fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={}\n", status_line(status)));
    }

    /// Replace the one-line status `systemctl status` shows.
    pub fn status(&self, status: &str) {
        self.send(&format!("STATUS={}\n", status_line(status)));
    }

    /// The daemon is alive (call only after proving it).
    pub fn watchdog_ping(&self) {
        self.send("WATCHDOG=1\n");
    }

    /// Shutdown has begun.
    pub fn stopping(&self, status: &str) {
        self.send(&format!("STOPPING=1\nSTATUS={}\n", status_line(status)));
    }
}

/// Ping the watchdog at half its timeout for as long as the store writer
/// answers a round trip within that half, and refresh `STATUS=` from
/// `status` at each tick when it changed (its value at the start is taken as
/// already sent, with `READY=1`). Ends when `cancel` fires.
///
/// A writer that does not answer in time gets no ping: systemd then kills and
/// restarts the daemon once the timeout passes, which is the point.
pub async fn keep_alive(
    notifier: std::sync::Arc<Notifier>,
    store: Store,
    status: impl Fn() -> String,
    cancel: CancellationToken,
) {
    /// Status refresh period when systemd asked for no watchdog.
    const STATUS_EVERY: Duration = Duration::from_secs(10);
    if !notifier.enabled() {
        return;
    }
    let watchdog = notifier.watchdog();
    let period = watchdog.map_or(STATUS_EVERY, |w| (w / 2).max(Duration::from_millis(1)));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = status();
    let mut stalled = false;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        if watchdog.is_some() {
            match tokio::time::timeout(period, store.ping()).await {
                Ok(Ok(())) => {
                    if stalled {
                        tracing::info!("store writer answers again; watchdog pings resumed");
                        stalled = false;
                    }
                    notifier.watchdog_ping();
                }
                Ok(Err(e)) => {
                    stalled = true;
                    tracing::error!(error = %e, "store writer gone; watchdog not pinged, systemd will restart lotstation");
                }
                Err(_) => {
                    stalled = true;
                    tracing::error!(
                        waited_ms = period.as_millis() as u64,
                        "store writer did not answer in time; watchdog not pinged"
                    );
                }
            }
        }
        let now = status();
        if now != last {
            notifier.status(&now);
            last = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn socket_values_are_paths_or_abstract_names() {
        assert!(socket_addr(OsStr::new("/run/systemd/notify")).is_ok());
        let a = socket_addr(OsStr::new("@lotstation/notify")).unwrap();
        #[cfg(target_os = "linux")]
        {
            use std::os::linux::net::SocketAddrExt;
            assert_eq!(a.as_abstract_name(), Some(&b"lotstation/notify"[..]));
        }
        assert_eq!(a.as_pathname(), None);
        for bad in ["", "@", "relative/sock", "vsock:2:1234"] {
            assert_eq!(
                socket_addr(OsStr::new(bad)).unwrap_err(),
                NotifyError::Socket(bad.to_owned()),
                "{bad:?}"
            );
        }
        // A path longer than sockaddr_un allows is refused, not truncated.
        let long = OsString::from(format!("/{}", "x".repeat(200)));
        assert!(socket_addr(&long).is_err());
    }

    #[test]
    fn watchdog_is_for_this_process_only_and_positive() {
        assert_eq!(watchdog_timeout(None, None, 7), Ok(None));
        assert_eq!(
            watchdog_timeout(Some("30000000"), None, 7),
            Ok(Some(Duration::from_secs(30)))
        );
        assert_eq!(
            watchdog_timeout(Some("30000000"), Some("7"), 7),
            Ok(Some(Duration::from_secs(30)))
        );
        assert_eq!(watchdog_timeout(Some("30000000"), Some("8"), 7), Ok(None));
        assert_eq!(
            watchdog_timeout(Some("0"), None, 7),
            Err(NotifyError::WatchdogUsec("0".into()))
        );
        assert_eq!(
            watchdog_timeout(Some("30s"), None, 7),
            Err(NotifyError::WatchdogUsec("30s".into()))
        );
        assert_eq!(
            watchdog_timeout(Some("1000"), Some("me"), 7),
            Err(NotifyError::WatchdogPid("me".into()))
        );
    }

    #[test]
    fn status_is_one_bounded_line() {
        assert_eq!(
            status_line("mode receive\nSTATUS=x\r\t\u{7}ok"),
            "mode receive STATUS=x  ok"
        );
        assert_eq!(status_line(&"é".repeat(1000)).chars().count(), 256);
    }

    fn receiver() -> (tempfile::TempDir, UnixDatagram, Notifier) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify.sock");
        let rx = UnixDatagram::bind(&path).unwrap();
        rx.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let n = Notifier {
            target: Some(Target {
                socket: UnixDatagram::unbound().unwrap(),
                addr: socket_addr(path.as_os_str()).unwrap(),
                name: path.display().to_string(),
            }),
            watchdog: Some(Duration::from_millis(100)),
            warned: AtomicBool::new(false),
        };
        (dir, rx, n)
    }

    fn recv(rx: &UnixDatagram) -> String {
        let mut buf = [0u8; 4096];
        let n = rx.recv(&mut buf).unwrap();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn messages_follow_the_protocol() {
        let (_dir, rx, n) = receiver();
        n.ready("mode receive\n1 source");
        assert_eq!(recv(&rx), "READY=1\nSTATUS=mode receive 1 source\n");
        n.watchdog_ping();
        assert_eq!(recv(&rx), "WATCHDOG=1\n");
        n.stopping("stopping");
        assert_eq!(recv(&rx), "STOPPING=1\nSTATUS=stopping\n");
    }

    #[test]
    fn an_unreachable_socket_is_not_an_error_for_the_caller() {
        let (dir, rx, n) = receiver();
        drop(rx);
        std::fs::remove_file(dir.path().join("notify.sock")).unwrap();
        n.ready("x");
        n.watchdog_ping();
        assert!(n.warned.load(Ordering::Relaxed));
    }

    #[test]
    fn a_disabled_notifier_has_no_watchdog() {
        let n = Notifier::disabled();
        assert!(!n.enabled());
        assert_eq!(n.watchdog(), None);
        n.ready("x");
    }

    #[tokio::test]
    async fn watchdog_pings_follow_store_round_trips() {
        let (dir, rx, n) = receiver();
        let store = Store::open(dir.path().join("s.redb"), Default::default()).unwrap();
        let cancel = CancellationToken::new();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        // The status changes once, after the value sent with READY.
        let status = move || match calls.fetch_add(1, Ordering::Relaxed) {
            0 => "starting".to_owned(),
            _ => "mode lookup, 0 sources, outbox 0".to_owned(),
        };
        let task = tokio::spawn(keep_alive(
            std::sync::Arc::new(n),
            store,
            status,
            cancel.clone(),
        ));
        let got =
            tokio::task::spawn_blocking(move || (0..4).map(|_| recv(&rx)).collect::<Vec<_>>())
                .await
                .unwrap();
        assert_eq!(
            got,
            [
                "WATCHDOG=1\n",
                "STATUS=mode lookup, 0 sources, outbox 0\n",
                "WATCHDOG=1\n",
                "WATCHDOG=1\n"
            ]
        );
        cancel.cancel();
        task.await.unwrap();
    }
}
