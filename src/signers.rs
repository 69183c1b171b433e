//! Supervisors' electronic signatures (21 CFR Part 11).
//!
//! A supervisor overriding a refused move from the kiosk signs it with two
//! components (§11.200(a)(1)): a user id and a PIN. The PIN is never stored:
//! the signers file keeps a salted Argon2id hash of it (PHC string), with the
//! user id and the signer's printed name. The signed transaction records the
//! printed name, the time of signing and its meaning (§11.50) in its
//! [`Signature`](crate::model::Signature), and the audit chain hashes it with
//! the rest of the transaction, so the signature cannot be cut from its
//! record (§11.70).
//!
//! The file is JSON, written by `lotstation signer add` (atomically: a new
//! file is written, flushed to disk and renamed over the old one, with mode
//! 0600) and read by the daemon at each signing, so a signer added while the
//! station runs can sign at once. A user id is unique and is never removed
//! or given to someone else (§11.100(a)): a signer who leaves is disabled.
//!
//! Failed attempts are counted per user id ([`Attempts`]): after
//! [`MAX_FAILURES`] within [`LOCKOUT`], that id is locked for [`LOCKOUT`]
//! (§11.300(d)); every failure is logged as a warning for IT.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Largest signers file read (a few thousand signers).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Failed attempts for one user id before it is locked.
pub const MAX_FAILURES: u32 = 5;
/// How long failures are remembered, and how long a lock lasts.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Allowed PIN length, in characters.
pub const PIN_LEN: std::ops::RangeInclusive<usize> = 6..=128;
/// Allowed printed-name length, in characters.
pub const NAME_LEN: std::ops::RangeInclusive<usize> = 1..=128;

/// One signer as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignerRecord {
    /// User id (the first component), e.g. the supervisor's badge id.
    pub user: String,
    /// Printed name, recorded with each signature.
    pub name: String,
    /// Argon2id hash of the PIN with its salt and parameters (PHC string).
    pub pin_hash: String,
    /// When the record was created.
    pub created_at: Timestamp,
    /// A disabled signer can no longer sign; the id stays taken.
    #[serde(default)]
    pub disabled: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignersFile {
    /// Format version of the file.
    version: u32,
    signers: Vec<SignerRecord>,
}

const FILE_VERSION: u32 = 1;

/// A signer whose two components matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// User id.
    pub user: String,
    /// Printed name.
    pub name: String,
}

/// Problems with the signers file or a new record. Texts say what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignerError {
    /// The file cannot be read or written.
    #[error("signers file {path}: {source} (check the path and permissions; see api.signers_path)")]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a signers file.
    #[error("signers file {path} is not valid: {detail} (restore it from a backup)")]
    Invalid {
        /// File.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A new record is not acceptable.
    #[error("{0}")]
    Rejected(String),
    /// Hashing failed.
    #[error("cannot hash the PIN: {0}")]
    Hash(String),
}

/// Why a signature was refused. The kiosk shows the text; it never says
/// which of the two components was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// Unknown user id, disabled signer, or wrong PIN.
    #[error("user id or PIN not accepted")]
    NotAccepted,
    /// Too many failed attempts for this user id.
    #[error("too many failed attempts for {user}; try again in {minutes} min or ask IT")]
    Locked {
        /// User id.
        user: String,
        /// Minutes left.
        minutes: u64,
    },
    /// The signers file could not be read.
    #[error("signatures unavailable: {0}")]
    Unavailable(String),
}

/// True for a user id: 1 to 64 of `A-Z a-z 0-9 . _ -`.
pub fn valid_user(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Read the signers. A missing file means no signers yet.
pub fn load(path: &Path) -> Result<Vec<SignerRecord>, SignerError> {
    let io = |source| SignerError::Io {
        path: path.to_owned(),
        source,
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(e)),
    };
    let len = file.metadata().map_err(io)?.len();
    if len > MAX_FILE_BYTES {
        return Err(SignerError::Invalid {
            path: path.to_owned(),
            detail: format!("{len} bytes, more than the {MAX_FILE_BYTES} allowed"),
        });
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_FILE_BYTES), &mut text)
        .map_err(io)?;
    let parsed: SignersFile = serde_json::from_str(&text).map_err(|e| SignerError::Invalid {
        path: path.to_owned(),
        detail: e.to_string(),
    })?;
    if parsed.version != FILE_VERSION {
        return Err(SignerError::Invalid {
            path: path.to_owned(),
            detail: format!(
                "format version {} (this build reads {FILE_VERSION})",
                parsed.version
            ),
        });
    }
    Ok(parsed.signers)
}

/// Write the signers atomically with mode 0600.
fn save(path: &Path, signers: &[SignerRecord]) -> Result<(), SignerError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let io = |source| SignerError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let body = serde_json::to_vec_pretty(&SignersFile {
        version: FILE_VERSION,
        signers: signers.to_vec(),
    })
    .map_err(|e| SignerError::Hash(e.to_string()))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".new");
    let tmp = PathBuf::from(tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io)?;
    f.write_all(&body).map_err(io)?;
    f.write_all(b"\n").map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io)?;
    std::fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io)?;
    Ok(())
}

/// Check a new signer's fields.
pub fn check_new(user: &str, name: &str, pin: &str) -> Result<(), SignerError> {
    if !valid_user(user) {
        return Err(SignerError::Rejected(format!(
            "user id {user:?} is not valid; allowed: 1 to 64 characters A-Z a-z 0-9 . _ -"
        )));
    }
    let name_len = name.trim().chars().count();
    if !NAME_LEN.contains(&name_len) || name.chars().any(char::is_control) {
        return Err(SignerError::Rejected(format!(
            "printed name {name:?} is not valid; allowed: {} to {} characters, no control characters",
            NAME_LEN.start(),
            NAME_LEN.end()
        )));
    }
    let pin_len = pin.chars().count();
    if !PIN_LEN.contains(&pin_len) || pin.chars().any(char::is_control) {
        return Err(SignerError::Rejected(format!(
            "the PIN has {pin_len} characters; allowed: {} to {}, no control characters",
            PIN_LEN.start(),
            PIN_LEN.end()
        )));
    }
    if pin == user {
        return Err(SignerError::Rejected(
            "the PIN must differ from the user id (they are the two components of the signature)"
                .to_owned(),
        ));
    }
    Ok(())
}

/// Add a signer to the file, created at `now`. A user id is never reused:
/// adding one that exists (even disabled) is refused.
pub fn add(
    path: &Path,
    user: &str,
    name: &str,
    pin: &str,
    now: Timestamp,
) -> Result<SignerRecord, SignerError> {
    check_new(user, name, pin)?;
    let mut signers = load(path)?;
    if let Some(s) = signers.iter().find(|s| s.user == user) {
        return Err(SignerError::Rejected(format!(
            "user id {user} is already taken (by {}{}); a user id is never reused — choose another",
            s.name,
            if s.disabled { ", disabled" } else { "" }
        )));
    }
    let pin_hash = Argon2::default()
        .hash_password(pin.as_bytes())
        .map_err(|e| SignerError::Hash(e.to_string()))?
        .to_string();
    let record = SignerRecord {
        user: user.to_owned(),
        name: name.trim().to_owned(),
        pin_hash,
        created_at: now,
        disabled: false,
    };
    signers.push(record.clone());
    save(path, &signers)?;
    Ok(record)
}

/// Disable a signer: the id can no longer sign and stays taken.
pub fn disable(path: &Path, user: &str) -> Result<(), SignerError> {
    let mut signers = load(path)?;
    let Some(s) = signers.iter_mut().find(|s| s.user == user) else {
        return Err(SignerError::Rejected(format!(
            "no signer with user id {user} in {}",
            path.display()
        )));
    };
    s.disabled = true;
    save(path, &signers)
}

/// A hash of a PIN nobody has, checked when the user id is unknown so that
/// a refusal takes as long either way.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        Argon2::default()
            .hash_password_with_salt(b"lotstation-decoy-pin", b"lotstation-decoy")
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Check the two components against `signers`. Slow on purpose (Argon2):
/// call it off the async runtime.
pub fn verify(signers: &[SignerRecord], user: &str, pin: &str) -> Result<Signer, Refusal> {
    let record = signers.iter().find(|s| s.user == user && !s.disabled);
    let hash: &str = match record {
        Some(r) => &r.pin_hash,
        None => decoy_hash(),
    };
    let matched = Argon2::default()
        .verify_password(pin.as_bytes(), hash)
        .is_ok();
    match record {
        Some(r) if matched => Ok(Signer {
            user: r.user.clone(),
            name: r.name.clone(),
        }),
        _ => Err(Refusal::NotAccepted),
    }
}

/// Failed signing attempts per user id, for the lockout.
#[derive(Debug, Default)]
pub struct Attempts {
    failures: HashMap<String, (u32, Instant)>,
}

impl Attempts {
    /// Refuse early if `user` is locked at `now`.
    pub fn check(&mut self, user: &str, now: Instant) -> Result<(), Refusal> {
        self.failures
            .retain(|_, (_, first)| now.saturating_duration_since(*first) < LOCKOUT);
        match self.failures.get(user) {
            Some((n, first)) if *n >= MAX_FAILURES => {
                let left = LOCKOUT.saturating_sub(now.saturating_duration_since(*first));
                Err(Refusal::Locked {
                    user: user.to_owned(),
                    minutes: left.as_secs().div_ceil(60).max(1),
                })
            }
            _ => Ok(()),
        }
    }

    /// Count a failure for `user`. Bounded: at most 10 000 ids are tracked.
    pub fn failed(&mut self, user: &str, now: Instant) {
        if self.failures.len() >= 10_000 && !self.failures.contains_key(user) {
            return;
        }
        let e = self.failures.entry(user.to_owned()).or_insert((0, now));
        e.0 = e.0.saturating_add(1);
    }

    /// A successful signature clears the user's failures.
    pub fn succeeded(&mut self, user: &str) {
        self.failures.remove(user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signer_is_added_verified_and_never_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/signers.json");
        assert!(load(&path).unwrap().is_empty(), "missing file: no signers");
        let r = add(
            &path,
            "OP-SUP1",
            "Dana Supervisor",
            "482913",
            Timestamp::UNIX_EPOCH,
        )
        .unwrap();
        assert!(r.pin_hash.starts_with("$argon2id$"), "{}", r.pin_hash);
        assert!(!r.pin_hash.contains("482913"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("482913"), "the PIN is never stored");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);

        let signers = load(&path).unwrap();
        let s = verify(&signers, "OP-SUP1", "482913").unwrap();
        assert_eq!(s.name, "Dana Supervisor");
        assert_eq!(
            verify(&signers, "OP-SUP1", "482914"),
            Err(Refusal::NotAccepted)
        );
        assert_eq!(
            verify(&signers, "OP-SUP2", "482913"),
            Err(Refusal::NotAccepted)
        );

        let e = add(
            &path,
            "OP-SUP1",
            "Someone Else",
            "111111",
            Timestamp::UNIX_EPOCH,
        )
        .unwrap_err();
        assert!(e.to_string().contains("already taken"), "{e}");
        disable(&path, "OP-SUP1").unwrap();
        let signers = load(&path).unwrap();
        assert_eq!(
            verify(&signers, "OP-SUP1", "482913"),
            Err(Refusal::NotAccepted),
            "a disabled signer cannot sign"
        );
        let e = add(
            &path,
            "OP-SUP1",
            "Dana Supervisor",
            "482913",
            Timestamp::UNIX_EPOCH,
        )
        .unwrap_err();
        assert!(e.to_string().contains("disabled"), "{e}");
    }

    #[test]
    fn new_records_are_checked() {
        for (user, name, pin, want) in [
            ("bad id", "N", "123456", "user id"),
            ("OP-1", "", "123456", "printed name"),
            ("OP-1", "A\nB", "123456", "printed name"),
            ("OP-1", "N", "12345", "5 characters"),
            ("OP-123456", "N", "OP-123456", "differ"),
        ] {
            let e = check_new(user, name, pin).unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        }
    }

    #[test]
    fn bad_files_are_reported_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signers.json");
        std::fs::write(&path, "{\"version\":1,\"signers\":[{\"user\":1}]}").unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("not valid"), "{e}");
        std::fs::write(&path, "{\"version\":9,\"signers\":[]}").unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("format version 9"), "{e}");
        let big = vec![b' '; (MAX_FILE_BYTES + 1) as usize];
        std::fs::write(&path, big).unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("more than"), "{e}");
    }

    #[test]
    fn repeated_failures_lock_the_user_id_for_a_while() {
        let mut a = Attempts::default();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES {
            a.check("OP-SUP1", t0).unwrap();
            a.failed("OP-SUP1", t0);
        }
        let Err(Refusal::Locked { minutes, .. }) = a.check("OP-SUP1", t0) else {
            panic!("locked expected")
        };
        assert_eq!(minutes, 15);
        a.check("OP-SUP2", t0).unwrap();
        a.check("OP-SUP1", t0 + LOCKOUT).unwrap();
        a.failed("OP-SUP2", t0);
        a.succeeded("OP-SUP2");
        assert!(a.failures.is_empty());
    }
}
