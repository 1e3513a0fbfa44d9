//! `stanceline split`: one sentence per line, or JSON with offsets. (stub: being written)

use std::process::ExitCode;

/// Arguments of `split`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}
