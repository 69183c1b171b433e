//! Replays the checked-in fuzz corpus (`fuzz/corpus/<target>/`) on the stable
//! toolchain through the same invariant checks the cargo-fuzz targets run
//! (`lotstation::ident::fuzzing`, `lotstation::source::fuzzing`,
//! `lotstation::source::llrp::fuzzing`), so an input that once exposed a bug keeps
//! being checked by `cargo test`, and no corpus directory can be skipped or
//! silently empty.

use std::fs;
use std::path::{Path, PathBuf};

use lotstation::ident::fuzzing;
use lotstation::source::fuzzing as source_fuzzing;
use lotstation::source::llrp;
use lotstation::source::usb_hid::fuzzing as hid_fuzzing;

/// The invariant check a fuzz target runs on one input.
type Check = fn(&[u8]);

/// Corpus directories and the check their fuzz target runs.
const TARGETS: &[(&str, Check)] = &[
    ("element_string", fuzzing::check_element_string),
    ("digital_link", fuzzing::check_digital_link),
    ("aim_framing", fuzzing::check_decode),
    ("epc", fuzzing::check_epc),
    ("framing", source_fuzzing::check_framing),
    ("hid_keyboard", hid_fuzzing::check_keyboard),
    ("hid_pos", hid_fuzzing::check_pos),
    ("llrp_codec", llrp::fuzzing::check_codec),
    ("sync_answer", lotstation::sync::fuzzing::check_answer),
];

/// Corpus directories whose target is not enabled yet (see `fuzz/Cargo.toml`).
const PENDING: &[&str] = &[];

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

fn replay(target: &str) {
    let (_, check) = TARGETS
        .iter()
        .find(|(t, _)| *t == target)
        .unwrap_or_else(|| panic!("no check for {target}"));
    let dir = corpus_root().join(target);
    let inputs = files(&dir);
    assert!(
        !inputs.is_empty(),
        "{} holds no corpus files; the replay would prove nothing",
        dir.display()
    );
    for path in &inputs {
        let data = fs::read(path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(
            outcome.is_ok(),
            "corpus file {} broke an invariant of the {target} target (message above)",
            path.display()
        );
    }
}

#[test]
fn every_corpus_directory_belongs_to_a_fuzz_target() {
    for entry in fs::read_dir(corpus_root()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            TARGETS.iter().any(|(t, _)| *t == name) || PENDING.contains(&name.as_str()),
            "fuzz/corpus/{name} is not replayed by any check; add it to TARGETS"
        );
    }
}

#[test]
fn element_string_corpus_keeps_its_invariants() {
    replay("element_string");
}

#[test]
fn digital_link_corpus_keeps_its_invariants() {
    replay("digital_link");
}

#[test]
fn aim_framing_corpus_keeps_its_invariants() {
    replay("aim_framing");
}

#[test]
fn epc_corpus_keeps_its_invariants() {
    replay("epc");
}

#[test]
fn framing_corpus_keeps_its_invariants() {
    replay("framing");
}

#[test]
fn hid_keyboard_corpus_keeps_its_invariants() {
    replay("hid_keyboard");
}

#[test]
fn hid_pos_corpus_keeps_its_invariants() {
    replay("hid_pos");
}

#[test]
fn llrp_codec_corpus_keeps_its_invariants() {
    replay("llrp_codec");
}

#[test]
fn sync_answer_corpus_keeps_its_invariants() {
    replay("sync_answer");
}

#[test]
fn pending_corpus_directories_are_not_empty() {
    for name in PENDING {
        assert!(!files(&corpus_root().join(name)).is_empty(), "{name}");
    }
}
