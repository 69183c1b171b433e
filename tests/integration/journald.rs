//! Log output selection of the real binary: `JOURNAL_STREAM` naming the
//! daemon's standard error (as systemd sets it) means journald's native
//! protocol with structured fields; anything else means text on stderr.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A stdin station whose log format is left at "auto".
fn station(dir: &Path) -> std::path::PathBuf {
    let config = dir.join("station.toml");
    std::fs::write(
        &config,
        format!(
            "[station]\nid = \"journal-test\"\n\n[store]\npath = {:?}\n\n\
             [[sources]]\nname = \"keyboard\"\nkind = \"stdin\"\n\n[api]\nlisten = \"127.0.0.1:0\"\n",
            dir.join("station.redb")
        ),
    )
    .unwrap();
    config
}

/// Run the station with stdin closed (it stops at once), standard error into
/// `stderr_file`, and `JOURNAL_STREAM` as given.
fn run(config: &Path, stderr_file: &Path, journal_stream: Option<String>) -> std::process::Child {
    let mut cmd = Command::new(crate::util::bin());
    cmd.args(["run", "--verdicts", "never", "--config"])
        .arg(config)
        .env_remove("NOTIFY_SOCKET")
        .env_remove("RUST_LOG")
        .env_remove("JOURNAL_STREAM")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(stderr_file).unwrap());
    if let Some(v) = journal_stream {
        cmd.env("JOURNAL_STREAM", v);
    }
    cmd.spawn().unwrap()
}

/// The fields of one record in journald's native protocol: `KEY=value\n`,
/// or `KEY\n` + 64-bit little-endian length + value + `\n`.
fn journal_fields(mut r: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    while !r.is_empty() {
        let end = r.iter().position(|&b| b == b'\n' || b == b'=').unwrap();
        let key = String::from_utf8(r[..end].to_vec()).unwrap();
        if r[end] == b'=' {
            let nl = r.iter().position(|&b| b == b'\n').unwrap();
            out.push((key, String::from_utf8(r[end + 1..nl].to_vec()).unwrap()));
            r = &r[nl + 1..];
        } else {
            let len = u64::from_le_bytes(r[end + 1..end + 9].try_into().unwrap()) as usize;
            let v = &r[end + 9..end + 9 + len];
            assert_eq!(r[end + 9 + len], b'\n', "{key}");
            out.push((key, String::from_utf8(v.to_vec()).unwrap()));
            r = &r[end + 10 + len..];
        }
    }
    out
}

fn identity(p: &Path) -> String {
    let m = std::fs::metadata(p).unwrap();
    format!("{}:{}", m.dev(), m.ino())
}

#[test]
fn a_journal_stream_that_is_not_standard_error_means_text() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let other = dir.path().join("other");
    std::fs::write(&other, "").unwrap();
    for stream in [None, Some(identity(&other)), Some("garbage".to_owned())] {
        let err = dir.path().join("stderr.txt");
        let st = run(&config, &err, stream.clone()).wait().unwrap();
        assert!(st.success(), "{stream:?}");
        let text = std::fs::read_to_string(&err).unwrap();
        let ready = text
            .lines()
            .find(|l| l.contains("station ready"))
            .unwrap_or_else(|| panic!("{stream:?}: {text}"));
        assert!(
            ready.contains("INFO") && ready.contains("station=journal-test"),
            "human-readable: {ready}"
        );
        assert!(
            !text.contains('\u{1b}'),
            "no colour codes in a file: {text}"
        );
    }
}

/// Where lotstation (like every journald client) sends native records.
const JOURNAL_SOCKET: &str = "/run/systemd/journal/socket";

#[test]
fn standard_error_named_by_journal_stream_means_journald() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let err = dir.path().join("stderr.txt");
    File::create(&err).unwrap();
    let stream = identity(&err);

    if Path::new(JOURNAL_SOCKET).exists() {
        // A real journal is here (a systemd machine): the records go to it,
        // none to standard error.
        let st = run(&config, &err, Some(stream)).wait().unwrap();
        assert!(st.success());
        let text = std::fs::read_to_string(&err).unwrap();
        assert!(!text.contains("station ready"), "{text}");
        return;
    }
    // No journal: stand one up at its fixed address when this user may (CI
    // runs as root on a machine without systemd as PID 1) and read the
    // records the daemon sends.
    // Directories this test creates are removed again with the socket.
    let made: Vec<&str> = ["/run/systemd", "/run/systemd/journal"]
        .into_iter()
        .filter(|d| !Path::new(d).exists())
        .collect();
    struct Remove(Vec<&'static str>);
    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(JOURNAL_SOCKET);
            for d in self.0.iter().rev() {
                let _ = std::fs::remove_dir(d);
            }
        }
    }
    let _remove = Remove(made);
    let created = std::fs::create_dir_all("/run/systemd/journal")
        .and_then(|()| UnixDatagram::bind(JOURNAL_SOCKET))
        .ok();
    let Some(journal) = created else {
        // Not allowed to: the daemon must say so and fall back to text.
        let st = run(&config, &err, Some(stream)).wait().unwrap();
        assert!(st.success());
        let text = std::fs::read_to_string(&err).unwrap();
        assert!(text.contains("cannot reach the journal socket"), "{text}");
        assert!(text.contains("station ready"), "{text}");
        return;
    };
    journal
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut child = run(&config, &err, Some(stream));
    let mut records = Vec::new();
    let mut buf = vec![0u8; 65536];
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(n) = journal.recv(&mut buf) {
            let r = journal_fields(&buf[..n]);
            let stopped = r
                .iter()
                .any(|(k, v)| k == "MESSAGE" && v.starts_with("station stopped"));
            records.push(r);
            if stopped {
                break;
            }
        }
    }
    assert!(child.wait().unwrap().success());
    let ready = records
        .iter()
        .find(|r| {
            r.iter()
                .any(|(k, v)| k == "MESSAGE" && v == "station ready")
        })
        .unwrap_or_else(|| panic!("{records:?}"));
    for (key, value) in [
        ("PRIORITY", "5"),
        ("SYSLOG_IDENTIFIER", "lotstation"),
        ("F_STATION", "journal-test"),
        ("F_SOURCES", "1"),
        ("TARGET", "lotstation::daemon"),
    ] {
        assert!(
            ready.iter().any(|(k, v)| k == key && v == value),
            "{key}={value} in {ready:?}"
        );
    }
    let text = std::fs::read_to_string(&err).unwrap();
    assert!(
        !text.contains("station ready"),
        "not also on stderr: {text}"
    );
}
