//! A serial barcode scanner for tests: a real pseudo-terminal pair. The code
//! under test opens the slave path (`/dev/pts/N`) as it would open
//! `/dev/ttyACM0`; the test writes scans on the master. Dropping the master
//! is an unplug: the reader sees end of file, the slave node disappears, and
//! opening it again fails with "not found" until a new pair exists — what a
//! USB-CDC scanner does (HARDWARE-TESTING.md §1.4–1.5).
//!
//! Both ends are opened close-on-exec, atomically: tests run in parallel
//! threads and some start the `lotstation` binary, which must not inherit a
//! scanner of another test (a child holding the master would keep the pty
//! "plugged in" after the test closed it).

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::fs::{Mode, OFlags};
use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{OptionalActions, tcgetattr, tcsetattr};

/// One plugged-in scanner.
pub struct FakeScanner {
    master: File,
    /// Kept open so the pty stays configured (raw) until the code under
    /// test has opened it; it never reads, so it takes no bytes away.
    _slave: OwnedFd,
    path: PathBuf,
}

impl FakeScanner {
    /// Plug a scanner in: a new pty pair, the slave in raw mode.
    pub fn plug() -> FakeScanner {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
            .expect("open a pty master");
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let path = PathBuf::from(name.to_str().unwrap());
        let slave = rustix::fs::open(
            &path,
            OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .expect("open the pty slave");
        let mut t = tcgetattr(&slave).unwrap();
        t.make_raw();
        tcsetattr(&slave, OptionalActions::Now, &t).unwrap();
        FakeScanner {
            master: File::from(master),
            _slave: slave,
            path,
        }
    }

    /// The device path the code under test opens.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The scanner sends these bytes (all of them; a full pty buffer blocks
    /// the write until the reader catches up).
    pub fn send(&mut self, bytes: &[u8]) {
        self.master
            .write_all(bytes)
            .expect("write to the pty master");
    }

    /// Send `bytes` in pieces of `chunk` bytes, `gap` apart, as a scanner at
    /// a low baud rate does.
    pub fn send_paced(&mut self, bytes: &[u8], chunk: usize, gap: Duration) {
        for piece in bytes.chunks(chunk) {
            self.send(piece);
            std::thread::sleep(gap);
        }
    }

    /// Bytes the code under test wrote to the scanner, waiting at most
    /// `wait` for the first ones.
    fn read_some(&mut self, wait: Duration) -> Vec<u8> {
        let ms = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
        let timeout = Timespec {
            tv_sec: ms / 1000,
            tv_nsec: (ms % 1000) * 1_000_000,
        };
        let mut fds = [PollFd::new(&self.master, PollFlags::IN)];
        if poll(&mut fds, Some(&timeout)).unwrap() == 0 {
            return Vec::new();
        }
        let mut buf = [0u8; 256];
        let n = self.master.read(&mut buf).expect("read the pty master");
        buf[..n].to_vec()
    }

    /// Everything the code under test wrote to the scanner within `wait`
    /// (feedback commands).
    pub fn received(&mut self, wait: Duration) -> Vec<u8> {
        let end = Instant::now() + wait;
        let mut out = Vec::new();
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            out.extend(self.read_some(left));
        }
        out
    }

    /// Read until `expected` arrived (or panic after `wait`).
    pub fn expect_received(&mut self, expected: &[u8], wait: Duration) {
        let end = Instant::now() + wait;
        let mut got = Vec::new();
        while !got.ends_with(expected) {
            let Some(left) = end.checked_duration_since(Instant::now()) else {
                panic!(
                    "the scanner did not receive {expected:02x?} within {wait:?}; got {got:02x?}"
                );
            };
            got.extend(self.read_some(left));
        }
    }

    /// Unplug: close both ends. The slave node disappears.
    pub fn unplug(self) {
        drop(self);
    }
}

/// Point `link` at `target`, replacing it atomically (a udev symlink that
/// follows the device).
pub fn point_link(link: &Path, target: &Path) {
    let tmp = link.with_extension("new");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).unwrap();
    std::fs::rename(&tmp, link).unwrap();
}
