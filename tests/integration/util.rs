//! What every integration test needs: the binary under test and files of
//! the repository.

use std::path::{Path, PathBuf};

/// The `lotstation` binary cargo built for these tests.
pub(crate) fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_lotstation")
}

/// A file or folder of the repository, e.g. `config/demo.toml`.
pub(crate) fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}
