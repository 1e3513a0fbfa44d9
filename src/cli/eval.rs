//! `stanceline eval`: scores predictions against a gold file and prints the report as tables
//! or, with `--json`, as one JSON object.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::output;

/// Arguments of `eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Gold annotations, JSONL (annotation guide, section 3); `-` for stdin.
    #[arg(long, value_name = "GOLD.jsonl")]
    gold: PathBuf,
    /// Predictions: `stanceline annotate` output, JSONL; `-` for stdin.
    #[arg(long, value_name = "PRED.jsonl")]
    pred: PathBuf,
    /// Print the report as JSON instead of tables.
    #[arg(long)]
    json: bool,
    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Runs the evaluation; any unreadable or malformed input is an error (exit 2).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let report =
        stanceline::eval::evaluate_files(&args.gold, &args.pred).context("evaluation failed")?;
    let mut out = output::open(args.output.as_deref())?;
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report).context("cannot write the report")?;
        writeln!(out)?;
    } else {
        out.write_all(report.to_table().as_bytes())?;
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
