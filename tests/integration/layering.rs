//! The layering rule of docs/architecture.md, checked on the source tree:
//! each top-level module of the library has a rank, and its non-test code
//! may name (`crate::…`) only modules of a lower rank. Ranks make import
//! loops impossible; the table below is the rule, and this test is what
//! enforces it in CI (beside the sans-IO grep of `.ci/run`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Rank of every top-level library module, lowest first. A module may
/// import only modules of a lower rank.
const RANKS: &[(&str, u8)] = &[
    // Values and time: import nothing of the crate.
    ("model", 0),
    ("clock", 0),
    ("backoff", 0),
    // Pure decoding.
    ("ident", 1),
    // Pure judgement, wire types, signer records.
    ("rules", 2),
    ("protocol", 2),
    ("masterdata", 2),
    ("signers", 2),
    // Pure workflows.
    ("station", 3),
    // The operator event bus and kiosk controls.
    ("events", 4),
    // I/O edges: the store and the device sources.
    ("store", 5),
    ("source", 5),
    // The configuration, resolved into the settings of everything below.
    ("config", 6),
    ("telemetry", 7),
    ("sync", 7),
    ("central", 8),
    ("api", 8),
    // The supervisor wires everything.
    ("daemon", 9),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The files of top-level module `m` (`src/m.rs` or everything under `src/m/`).
fn files_of(m: &str) -> Vec<PathBuf> {
    let single = src().join(format!("{m}.rs"));
    if single.exists() {
        return vec![single];
    }
    let mut out = Vec::new();
    let mut dirs = vec![src().join(m)];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The code of a file without comments and without its unit tests.
fn code(path: &Path) -> String {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next() {
        let t = l.trim_start();
        if t.starts_with("#[cfg(test)]")
            && lines
                .peek()
                .is_some_and(|n| n.trim_start().starts_with("mod tests"))
        {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// Top-level modules `code` names: `crate::x` and `use crate::{x, y::z}`.
fn named(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
        rest = after;
    }
    out
}

#[test]
fn every_module_imports_only_modules_below_it() {
    let rank: BTreeMap<&str, u8> = RANKS.iter().copied().collect();
    // Every library module has a rank (lib.rs declares them).
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    for l in lib.lines() {
        if let Some(m) = l.strip_prefix("pub mod ").and_then(|m| m.strip_suffix(';')) {
            assert!(
                rank.contains_key(m),
                "src/lib.rs declares `{m}`, which has no rank in tests/integration/layering.rs (and docs/architecture.md)"
            );
        }
    }
    let mut problems = Vec::new();
    for (m, r) in RANKS {
        let files = files_of(m);
        assert!(!files.is_empty(), "module {m} has no files");
        for f in files {
            for other in named(&code(&f)) {
                if other == *m || other == "self" || other == "super" {
                    continue;
                }
                match rank.get(other.as_str()) {
                    Some(o) if o < r => {}
                    Some(o) => problems.push(format!(
                        "{}: `{m}` (rank {r}) imports `{other}` (rank {o}): a module may import only modules of a lower rank",
                        f.strip_prefix(src()).unwrap().display()
                    )),
                    None => problems.push(format!(
                        "{}: `{m}` names `crate::{other}`, which is no ranked module",
                        f.strip_prefix(src()).unwrap().display()
                    )),
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering rule broken (docs/architecture.md):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_import_scanner_sees_paths_and_groups() {
    assert_eq!(
        named("use crate::{model::X, ident};\nlet a = crate::store::open();"),
        ["model", "ident", "store"]
    );
    assert!(code(Path::new(file!())).contains("fn named"));
}
