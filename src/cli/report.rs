//! `stanceline report`: one self-contained HTML page (inline SVG, no scripts, no network) with
//! each actor's stance shares over time, the net index of every actor, the aggregate table and
//! the evidence sentences behind every point.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use stanceline::analysis::shifts::ShiftFinder;
use stanceline::record::Group;
use stanceline::report::{html, ChangePoint, Collector};

use super::aggregate::{notes, ActorArg, ByArg, DedupArgs};
use super::{output, EXIT_SOME_REJECTED};

const AFTER_HELP: &str = "\
Examples:
  stanceline annotate corpus/articles.jsonl -o annotated.jsonl
  stanceline report annotated.jsonl -o report.html --by quarter --actor beijing --actor us_admin

Figures are those of `stanceline aggregate` (Wilson 95% bands on the shares; see its --help
for the net index interval). Each point's hover text and the lists under each chart show the
3 best sentences of that actor and period: those that take a side first, then by the stance
model's confidence. Every piece of input text is HTML-escaped; the page has no scripts and
loads nothing. Change points on the net-index chart are those `stanceline shifts` finds with
its default penalty.

Bad records are reported with file and line, skipped, and make the exit status 1.";

/// Arguments of `report`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct Args {
    /// Annotated JSONL files (`stanceline annotate` output, .gz accepted); `-` or nothing
    /// reads stdin.
    pub paths: Vec<PathBuf>,
    /// Write the page to FILE (default: stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Period size.
    #[arg(long, value_enum, default_value_t = ByArg::Month)]
    pub by: ByArg,
    /// Only these actor groups (repeatable); default: every group that occurs.
    #[arg(long = "actor", value_enum, value_name = "G")]
    pub actors: Vec<ActorArg>,
    /// Near-duplicate folding.
    #[command(flatten)]
    pub dedup: DedupArgs,
    /// No warnings or notes on stderr (bad records are still counted).
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dedup = args.dedup.config()?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.paths.clone()
    };
    let mut collector = Collector::new(args.by.into(), dedup);
    let mut rejected = 0u64;
    for path in &paths {
        collector.read_path(path, &mut |e| {
            rejected += 1;
            if !args.quiet {
                eprintln!("stanceline: warning: {e}");
            }
        })?;
    }
    let (tally, evidence) = collector.finish();
    let actors: Vec<Group> = args.actors.iter().map(|&a| a.into()).collect();
    let title = paths
        .iter()
        // File names only: a temporary directory says nothing to the reader.
        .map(|p| {
            p.file_name().map_or_else(
                || p.display().to_string(),
                |f| f.to_string_lossy().into_owned(),
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    // Change points as `stanceline shifts` finds them (default penalty), read in a second
    // pass so that the page and the shifts command always agree.
    let mut finder = ShiftFinder::new(args.by.into());
    super::compare::read_inputs(&args.paths, dedup, true, &mut |r| finder.push(r))?;
    let change_points: Vec<ChangePoint> = finder
        .shifts(&actors, None)
        .into_iter()
        .flat_map(|a| a.shifts)
        .map(|c| ChangePoint {
            actor: c.actor,
            period: c.period,
            label: format!(
                "{}: {} ({:+.2} → {:+.2})",
                c.actor.as_str(),
                c.direction.replace('_', " "),
                c.mean_before,
                c.mean_after
            ),
        })
        .collect();
    let page = html::page(&html::Page {
        title: &title,
        tally: &tally,
        evidence: &evidence,
        actors: &actors,
        change_points: &change_points,
    });
    let mut out = output::open(args.output.as_deref())?;
    out.write_all(page.as_bytes())?;
    out.finish()?;
    if !args.quiet {
        notes(&tally, dedup);
    }
    if rejected > 0 {
        if !args.quiet {
            eprintln!("stanceline: {rejected} records rejected (see the warnings above)");
        }
        return Ok(ExitCode::from(EXIT_SOME_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}
