//! `stanceline compare`: each actor's stance in a before range against an after range, with
//! the change in the net index, two-proportion tests, a verdict and evidence sentences.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use stanceline::analysis::compare::{read_scored, ActorResult, Comparison, DateRange, Scored};
use stanceline::analysis::dedup::{DedupConfig, Folder};
use stanceline::record::Group;

use super::aggregate::{late_note, ActorArg, DedupArgs};
use super::{output, EXIT_SOME_REJECTED};

const AFTER_HELP: &str = "\
Examples:
  stanceline compare annotated.jsonl --before 2022-01..2022-07 --after 2022-08..2022-12
  stanceline compare annotated.jsonl --before 2023 --after 2024 --actor beijing --format json

Ranges are FROM..TO (inclusive) with YYYY-MM-DD, YYYY-MM or YYYY on each side; a month or a
year stands for all its days, and a lone date (2023) for the whole of it. A record whose date
is less precise than a range (a month-only date that straddles a range's edge) is not counted
and is reported on stderr. The two ranges must not overlap.

Per actor: n, counts, support_share = support / n, oppose_share = oppose / n and
net = (support - oppose) / (support + conditional + oppose) in each range;
delta_net = net(after) - net(before) with a 95% interval delta ± 1.959964·√(Var_before +
Var_after), Var = (p_s + p_o - net²) / m as in `aggregate` (independent samples), clamped to
[-2, 2]; p_support and p_oppose are two-sided p-values of pooled two-proportion z-tests on the
shares (normal CDF via the Numerical Recipes erfc approximation, error < 1.2e-7).

Verdict (alpha = 0.05): toward_cooperation when the delta interval lies wholly above 0 and at
least one of p_support, p_oppose is below 0.05; toward_confrontation when it lies wholly below
0 and likewise; otherwise no_significant_shift. Evidence: for a rise (or no significant shift
with delta >= 0) the three most confident support sentences of the after range, then the three
most confident oppose sentences of the before range; for a fall, oppose after then support
before. Ties keep the sentence read first.

De-duplication and bad records work as in `aggregate`.";

/// Arguments of `compare`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct Args {
    /// Annotated JSONL files (.gz accepted); `-` or nothing reads stdin.
    pub paths: Vec<PathBuf>,
    /// The earlier range, FROM..TO.
    #[arg(long, value_name = "FROM..TO", value_parser = parse_range)]
    pub before: DateRange,
    /// The later range, FROM..TO.
    #[arg(long, value_name = "FROM..TO", value_parser = parse_range)]
    pub after: DateRange,
    /// Only these actor groups (repeatable); default: every group seen in either range.
    #[arg(long = "actor", value_enum, value_name = "G")]
    pub actors: Vec<ActorArg>,
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

/// Output formats of `compare` and `shifts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Text for reading.
    Table,
    /// One JSON object.
    Json,
}

fn parse_range(s: &str) -> Result<DateRange, String> {
    // A lone date or month (no `..`) is the range of all its days.
    if s.contains("..") {
        s.parse()
    } else {
        format!("{s}..{s}").parse()
    }
}

/// Reads every input through wire-copy folding into `sink`; returns (rejected, folded).
pub(crate) fn read_inputs(
    paths: &[PathBuf],
    dedup: Option<DedupConfig>,
    quiet: bool,
    sink: &mut dyn FnMut(Scored),
) -> anyhow::Result<(u64, u64)> {
    let mut folder = Folder::new(dedup);
    let mut rejected = 0u64;
    let stdin = [PathBuf::from("-")];
    let paths = if paths.is_empty() { &stdin[..] } else { paths };
    for path in paths {
        read_scored(path, &mut folder, sink, &mut |e| {
            rejected += 1;
            if !quiet {
                eprintln!("stanceline: warning: {e}");
            }
        })?;
    }
    folder.finish(sink);
    if let (false, true, Some(d)) = (quiet, folder.folded > 0, dedup) {
        eprintln!(
            "stanceline: note: folded {} near-duplicate articles (Jaccard >= {}, dates within \
             {} days); --no-dedup counts every copy",
            folder.folded, d.threshold, d.window_days
        );
    }
    if let (false, Some(note)) = (quiet, late_note(folder.late(), dedup)) {
        eprintln!("{note}");
    }
    Ok((rejected, folder.folded))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.before.overlaps(&args.after) {
        anyhow::bail!("--before and --after overlap; give two disjoint ranges");
    }
    let mut cmp = Comparison::new(args.before, args.after);
    let (rejected, folded) =
        read_inputs(&args.paths, args.dedup.config()?, args.quiet, &mut |s| {
            cmp.push(s)
        })?;
    let actors: Vec<Group> = args.actors.iter().map(|&a| a.into()).collect();
    let results = cmp.results(&actors);
    let mut out = output::open(args.output.as_deref())?;
    match args.format {
        Format::Json => {
            // A struct, not `json!`, so the keys keep the documented order.
            #[derive(serde::Serialize)]
            struct Doc<'a> {
                before: DateRange,
                after: DateRange,
                actors: &'a [ActorResult],
                folded: u64,
                straddling: u64,
            }
            let v = Doc {
                before: cmp.before,
                after: cmp.after,
                actors: &results,
                folded,
                straddling: cmp.straddling,
            };
            serde_json::to_writer_pretty(&mut out, &v).context("cannot write the JSON output")?;
            writeln!(out)?;
        }
        Format::Table => out.write_all(table(&cmp, &results).as_bytes())?,
    }
    out.finish()?;
    if !args.quiet && cmp.straddling > 0 {
        eprintln!(
            "stanceline: note: {} records with dates less precise than a range straddle its \
             edge and were not counted",
            cmp.straddling
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

fn opt(x: Option<f64>) -> String {
    x.map_or_else(
        || "-".to_owned(),
        |v| format!("{:.4}", if v == 0.0 { 0.0 } else { v }),
    )
}

fn table(cmp: &Comparison, results: &[ActorResult]) -> String {
    use std::fmt::Write as _;
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let mut s = format!(
        "before {}..{}  after {}..{}\n",
        day(cmp.before.from),
        day(cmp.before.to),
        day(cmp.after.from),
        day(cmp.after.to)
    );
    for r in results {
        let _ = writeln!(
            s,
            "\n{}: {}\n  {:<7} {:>5} {:>5} {:>5} {:>5} {:>5} {:>8} {:>8} {:>8}",
            r.actor.as_str(),
            r.verdict.as_str(),
            "",
            "n",
            "sup",
            "cond",
            "opp",
            "neut",
            "sup%",
            "opp%",
            "net"
        );
        for (name, side) in [("before", &r.before), ("after", &r.after)] {
            let _ = writeln!(
                s,
                "  {:<7} {:>5} {:>5} {:>5} {:>5} {:>5} {:>8} {:>8} {:>8}",
                name,
                side.n,
                side.support,
                side.conditional,
                side.oppose,
                side.neutral,
                opt(side.support_share),
                opt(side.oppose_share),
                opt(side.net)
            );
        }
        let _ = writeln!(
            s,
            "  delta_net {} [{}, {}]  p_support {}  p_oppose {}",
            opt(r.delta_net),
            opt(r.delta_lo),
            opt(r.delta_hi),
            opt(r.p_support),
            opt(r.p_oppose)
        );
        for e in &r.evidence {
            let _ = writeln!(
                s,
                "  [{} {} {:.2}] {} {}: {}",
                e.side,
                e.stance.as_str(),
                e.confidence,
                e.date,
                e.doc_id,
                e.text
            );
        }
    }
    s
}
