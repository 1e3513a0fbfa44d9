//! `stanceline annotate`. (stub: being written)

use std::process::ExitCode;

/// Arguments of `annotate`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}
