//! `stanceline merge`: adds partial tallies written by `aggregate --partial` and prints the
//! same output `aggregate` would have printed for the whole input.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use stanceline::analysis::{Partial, Tally};
use stanceline::record::Group;

use super::aggregate::{self, columns_help, ActorArg, FormatArg};
use super::output;

const AFTER_HELP: &str = concat!(
    "\
Examples:
  stanceline aggregate jan.jsonl --by week --partial -o jan.json
  stanceline aggregate feb.jsonl --by week --partial -o feb.json
  stanceline merge jan.json feb.json --format csv

All partials must use the same --by. Give them in input order (the pieces of one input, one
after the other): counts add, and an article cut at the seam between two consecutive pieces
counts once, so the result equals aggregating the whole input in one run, except for
de-duplication: copies of an article that fell into different partials cannot be recognised
here and are all counted (the folded counts of the partials are added).

",
    columns_help!()
);

/// Arguments of `merge`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct Args {
    /// Partial tally files from `stanceline aggregate --partial`.
    #[arg(required = true)]
    pub partials: Vec<PathBuf>,
    /// Only these actor groups (repeatable); default: every group that occurs.
    #[arg(long = "actor", value_enum, value_name = "G")]
    pub actors: Vec<ActorArg>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Write a merged partial tally instead of the table (to merge in stages).
    #[arg(long)]
    pub partial: bool,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No notes on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Merges the partials; an unreadable or invalid partial stops the run (exit 2), since a
/// merge missing a part would be silently wrong.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut total: Option<Tally> = None;
    for path in &args.partials {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let partial: Partial = serde_json::from_reader(BufReader::new(file))
            .with_context(|| format!("{}: not a stanceline partial tally", path.display()))?;
        let tally = Tally::from_partial(partial)
            .map_err(anyhow::Error::msg)
            .with_context(|| path.display().to_string())?;
        match total.as_mut() {
            None => total = Some(tally),
            Some(t) => t
                .merge(tally)
                .map_err(anyhow::Error::msg)
                .with_context(|| path.display().to_string())?,
        }
    }
    let tally = total.context("no partial tally given")?;
    let mut out = output::open(args.output.as_deref())?;
    if args.partial {
        serde_json::to_writer(&mut out, &tally.to_partial())
            .context("cannot write the partial tally")?;
        writeln!(out)?;
    } else {
        let actors: Vec<Group> = args.actors.iter().map(|&a| a.into()).collect();
        aggregate::print(&mut out, &tally, &actors, args.format)?;
    }
    out.finish()?;
    if !args.quiet {
        aggregate::notes(&tally, None);
    }
    Ok(ExitCode::SUCCESS)
}
