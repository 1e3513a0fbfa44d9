//! `stanceline shifts`: change points in each actor's net-index series per period (PELT),
//! with the mean before and after each change and evidence sentences.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;
use stanceline::analysis::shifts::{ActorShifts, ShiftFinder};
use stanceline::record::Group;

use super::aggregate::{ActorArg, ByArg, DedupArgs};
use super::compare::{read_inputs, Format};
use super::{output, EXIT_SOME_REJECTED};

const AFTER_HELP: &str = "\
Examples:
  stanceline shifts annotated.jsonl --by month --actor beijing
  stanceline shifts annotated.jsonl --by quarter --format json

Method: PELT (Killick, Fearnhead & Eckley 2012) on each actor's series of per-period net
indices, net = (support - oppose) / (support + conditional + oppose). Periods with no
stance-taking sentence are skipped; each other period weighs w = its number of stance-taking
sentences. Cost of a segment: the weighted squared error around its weighted mean. Penalty per
change: 2 (Akaike's 2 per added mean, in units of the sentence-level variance, whose upper
bound is 1 for scores in {-1, 0, 1}) unless --penalty is given; raise it (e.g. 5-10) for
fewer, larger changes. Segments are at least 2 periods (with data) long. Records dated less precisely than --by are skipped and
reported.

Each change: the first period of the new segment, the weighted mean net index of the segment
before and of the one after, the direction, and up to three evidence sentences: the actor's
most confident sentences in that first period whose stance points the way of the change
(support for a rise, oppose for a fall).

De-duplication and bad records work as in `aggregate`.";

/// Arguments of `shifts`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct Args {
    /// Annotated JSONL files (.gz accepted); `-` or nothing reads stdin.
    pub paths: Vec<PathBuf>,
    /// Period size.
    #[arg(long, value_enum, default_value_t = ByArg::Month)]
    pub by: ByArg,
    /// Only these actor groups (repeatable); default: every group that occurs.
    #[arg(long = "actor", value_enum, value_name = "G")]
    pub actors: Vec<ActorArg>,
    /// Penalty per change point (default 2, AIC; larger means fewer changes).
    #[arg(long, value_name = "P")]
    pub penalty: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Near-duplicate folding.
    #[command(flatten)]
    pub dedup: DedupArgs,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No warnings or notes on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(p) = args.penalty {
        if !(p.is_finite() && p >= 0.0) {
            anyhow::bail!("--penalty must be a finite number >= 0, got {p}");
        }
    }
    let mut finder = ShiftFinder::new(args.by.into());
    let (rejected, folded) =
        read_inputs(&args.paths, args.dedup.config()?, args.quiet, &mut |s| {
            finder.push(s)
        })?;
    let actors: Vec<Group> = args.actors.iter().map(|&a| a.into()).collect();
    let results = finder.shifts(&actors, args.penalty);
    let mut out = output::open(args.output.as_deref())?;
    match args.format {
        Format::Json => {
            let v = json!({
                "by": stanceline::analysis::Bucket::from(args.by).as_str(),
                "actors": results,
                "folded": folded,
                "coarse_skipped": finder.coarse,
            });
            serde_json::to_writer_pretty(&mut out, &v).context("cannot write the JSON output")?;
            writeln!(out)?;
        }
        Format::Table => out.write_all(table(&results).as_bytes())?,
    }
    out.finish()?;
    if !args.quiet && finder.coarse > 0 {
        eprintln!(
            "stanceline: note: {} records dated less precisely than --by {} were skipped",
            finder.coarse,
            stanceline::analysis::Bucket::from(args.by).as_str()
        );
    }
    if rejected > 0 {
        if !args.quiet {
            eprintln!("stanceline: {rejected} records rejected (see the warnings above)");
        }
        return Ok(ExitCode::from(EXIT_SOME_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}

fn table(results: &[ActorShifts]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for r in results {
        let _ = writeln!(
            s,
            "{}: {} change(s) over {} periods with data (penalty {:.3})",
            r.actor.as_str(),
            r.shifts.len(),
            r.points,
            r.penalty
        );
        for c in &r.shifts {
            let _ = writeln!(
                s,
                "  {} (after {}): net {:+.3} -> {:+.3}  {}",
                c.period, c.previous, c.mean_before, c.mean_after, c.direction
            );
            for e in &c.evidence {
                let _ = writeln!(
                    s,
                    "    [{} {:.2}] {} {}: {}",
                    e.stance.as_str(),
                    e.confidence,
                    e.date,
                    e.doc_id,
                    e.text
                );
            }
        }
    }
    s
}
