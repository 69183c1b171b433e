//! The daemon's footprint on an edge box: time from process start to
//! `READY=1` on the notify socket (what systemd waits for under
//! `Type=notify`), and resident memory while idle with the demo store.
//!
//!   cargo bench --bench daemon
//!
//! Setup: the demo scenario (`config/demo.toml`, its capture replayed with no
//! delays) is run once into a temporary store; every measured start then
//! opens that store with the demo configuration minus its replay source, so
//! the station idles instead of ending (its local API and kiosk bound to a
//! free loopback port). Each start gets its own
//! `NOTIFY_SOCKET`; the clock stops when `READY=1` arrives. After divan's
//! table, a summary gives start → READY and idle RSS (`VmRSS` 1 s after
//! READY, and the peak `VmHWM`) over several starts. Targets (issue 7):
//! READY < 150 ms, idle RSS < 20 MB. The temporary files live in
//! `$LOTSTATION_BENCH_DIR` (default: the system temp dir).
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::indexing_slicing,
    reason = "benchmark setup must fail loudly, and the summary is the bench's output"
)]

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use divan::Bencher;
use tempfile::TempDir;

fn main() {
    divan::main();
    // `cargo bench` passes `--bench`; in test mode (`cargo test
    // --all-targets`) each bench runs once and the summary is skipped.
    if std::env::args().any(|a| a == "--bench") {
        summary();
    }
}

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// The demo store, made once, and an idle configuration over it.
struct Demo {
    dir: TempDir,
    idle_config: PathBuf,
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let base = std::env::var_os("LOTSTATION_BENCH_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = TempDir::new_in(base).unwrap();
        let text = std::fs::read_to_string(repo("config/demo.toml"))
            .unwrap()
            .replace(
                "path = \"demo-state/station.redb\"",
                &format!("path = {:?}", dir.path().join("station.redb")),
            )
            .replace(
                "seed_files = [\"demo-data/master.json\"]",
                &format!("seed_files = [{:?}]", repo("config/demo-data/master.json")),
            )
            .replace(
                "path = \"../hardware-fixtures/demo/scans.replay\"",
                &format!("path = {:?}", repo("hardware-fixtures/demo/scans.replay")),
            )
            .replace("speed = 4.0", "speed = 0.0")
            // A free port: nothing else on the machine is disturbed.
            .replace("listen = \"127.0.0.1:8370\"", "listen = \"127.0.0.1:0\"");
        let scenario = dir.path().join("demo.toml");
        std::fs::write(&scenario, &text).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_lotstation"))
            .args(["run", "--verdicts", "never", "--config"])
            .arg(&scenario)
            .env_remove("NOTIFY_SOCKET")
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "demo scenario: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        // The same station without its replay source, so it idles until
        // stopped; its API and kiosk on a free loopback port.
        let idle = text.split("[[sources]]").next().unwrap().to_owned()
            + &format!(
                "[api]\nlisten = \"127.0.0.1:0\"\nsigners_path = {:?}\n\n\
                 [log]\nlevel = \"warn\"\nformat = \"text\"\n",
                dir.path().join("signers.json")
            );
        let idle_config = dir.path().join("idle.toml");
        std::fs::write(&idle_config, idle).unwrap();
        Demo { dir, idle_config }
    })
}

/// A started daemon; dropping it stops it (SIGTERM) and waits, outside the
/// timed part.
struct Running {
    child: Child,
    _socket: UnixDatagram,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// A fresh notify socket in the demo directory.
fn notify_socket(n: usize) -> (UnixDatagram, PathBuf) {
    let path = demo().dir.path().join(format!("notify-{n}.sock"));
    let _ = std::fs::remove_file(&path);
    let s = UnixDatagram::bind(&path).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    (s, path)
}

/// Start the idle demo station and return once it sent READY=1.
fn start_until_ready(socket: UnixDatagram, path: &Path) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_lotstation"))
        .args(["run", "--verdicts", "never", "--config"])
        .arg(&demo().idle_config)
        .env("NOTIFY_SOCKET", path)
        .env_remove("WATCHDOG_USEC")
        .env_remove("JOURNAL_STREAM")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut buf = [0u8; 1024];
    loop {
        let n = socket.recv(&mut buf).expect("READY=1 within 30 s");
        if buf[..n].starts_with(b"READY=1") {
            break;
        }
    }
    Running {
        child,
        _socket: socket,
    }
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn start_to_ready(b: Bencher) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    b.with_inputs(|| notify_socket(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)))
        .bench_local_values(|(socket, path)| start_until_ready(socket, &path));
}

/// `VmRSS` and `VmHWM` of a process, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn summary() {
    const STARTS: usize = 10;
    let mut ready = Vec::new();
    let mut rss = Vec::new();
    let mut hwm = Vec::new();
    for i in 0..STARTS {
        let (socket, path) = notify_socket(1000 + i);
        let t = Instant::now();
        let running = start_until_ready(socket, &path);
        ready.push(t.elapsed());
        std::thread::sleep(Duration::from_secs(1));
        let (r, h) = memory_kib(running.child.id());
        rss.push(r);
        hwm.push(h);
    }
    ready.sort();
    rss.sort_unstable();
    hwm.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mb = |k: u64| k as f64 / 1024.0;
    println!("\ndaemon summary ({STARTS} starts of the idle demo station)");
    println!(
        "  start -> READY=1: median {:.1} ms, min {:.1} ms, max {:.1} ms (target < 150 ms)",
        ms(ready[STARTS / 2]),
        ms(ready[0]),
        ms(ready[STARTS - 1])
    );
    println!(
        "  idle RSS 1 s after READY: median {:.1} MiB, min {:.1} MiB, max {:.1} MiB (target < 20 MB)",
        mb(rss[STARTS / 2]),
        mb(rss[0]),
        mb(rss[STARTS - 1])
    );
    println!(
        "  peak RSS (VmHWM): median {:.1} MiB, max {:.1} MiB",
        mb(hwm[STARTS / 2]),
        mb(hwm[STARTS - 1])
    );
    let store = std::fs::metadata(demo().dir.path().join("station.redb"))
        .unwrap()
        .len();
    println!("  demo store file: {:.1} KiB", store as f64 / 1024.0);
}
