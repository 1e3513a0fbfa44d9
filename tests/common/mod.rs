//! Helpers shared by the CLI test files: the repository root and the binary run from it.

use std::path::PathBuf;

use assert_cmd::Command;

/// The repository root, where `corpus/`, `models/` and `tests/fixtures/` live.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `stanceline` binary, run from the repository root.
pub fn stanceline() -> Command {
    let mut cmd = Command::cargo_bin("stanceline").unwrap();
    cmd.current_dir(root());
    cmd
}
