//! `stanceline aggregate`: stance shares per period and actor group from annotated JSONL, as a
//! table, CSV, JSON or a partial tally file for `stanceline merge`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use stanceline::analysis::dedup::DEFAULT_WINDOW_DAYS;
use stanceline::analysis::{render, Aggregator, Bucket, DedupConfig, Tally};
use stanceline::record::Group;

use super::{output, EXIT_SOME_REJECTED};

/// What the output columns mean, as a literal so help texts can `concat!` it.
macro_rules! columns_help {
    () => {
        "\
Columns: n = sentences attributed to the actor in the period, whatever their stance;
support/conditional/oppose/neutral = counts; *_share = count / n with a 95% Wilson score
interval (*_lo, *_hi); net = (support - oppose) / (support + conditional + oppose), empty
when that denominator is 0, with a 95% analytic interval: net ± 1.959964·√Var, Var =
(p_s + p_o - net²) / m (support and oppose as two shares of one multinomial sample of size
m), clamped to [-1, 1]; articles = articles behind the row (runs of consecutive records with
one doc_id, which is each distinct article for `annotate` output). Every period between the
first and the last is printed, empty ones with n = 0. A date less precise than --by (a
month-only date under --by day) is counted in a coarser row (`2025-04`) and reported on
stderr, never dropped."
    };
}
pub(crate) use columns_help;

const AFTER_HELP: &str = concat!(
    "\
Examples:
  stanceline aggregate annotated.jsonl --by month --format csv > monthly.csv
  stanceline aggregate annotated.jsonl --actor beijing --actor us_admin --by quarter
  stanceline aggregate part1.jsonl --partial -o p1.json   # then: stanceline merge p1.json p2.json

",
    columns_help!(),
    "

De-duplication: an article whose text (its sentences joined) has estimated Jaccard similarity
>= --dedup-threshold with an article read earlier, and whose date lies within --dedup-window
days of it, is folded: none of its sentences count, and the number folded is reported. A
partial date (2025-04) stands for every day it covers and matches when that interval comes
within the window. Articles whose dates end more than the window before the latest date read
are forgotten, so memory stays bounded for input in date order; for input out of date order, a
note says how many articles arrived after articles near their date were forgotten (their
copies may be missed); sort by date for exact folding. It works within one run; `merge` cannot compare articles across
partials, so wire copies split over two partials are both counted. Split inputs by date (copies
appear within days of each other) to keep them together.

A bad record (bad JSON, no speaker.group, unknown stance, unparseable date) is reported on
stderr with its file and line, counted and skipped; the run goes on and exits with status 1.
Exit status 2 means the run could not proceed."
);

/// Arguments of `aggregate`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct Args {
    /// Annotated JSONL files (`stanceline annotate` output, .gz accepted); `-` or nothing
    /// reads stdin.
    pub paths: Vec<PathBuf>,
    /// Period size.
    #[arg(long, value_enum, default_value_t = ByArg::Month)]
    pub by: ByArg,
    /// Only these actor groups (repeatable); default: every group that occurs.
    #[arg(long = "actor", value_enum, value_name = "G")]
    pub actors: Vec<ActorArg>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Write the raw tallies (JSON, `"stanceline_partial": 1`) for `stanceline merge`
    /// instead of the table.
    #[arg(long)]
    pub partial: bool,
    /// Near-duplicate folding.
    #[command(flatten)]
    pub dedup: DedupArgs,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No warnings or notes on stderr (bad records are still counted).
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--by` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ByArg {
    /// `2025-04-10`
    Day,
    /// ISO week, `2025-W15`
    Week,
    /// `2025-04`
    Month,
    /// `2025-Q2`
    Quarter,
    /// `2025`
    Year,
}

impl From<ByArg> for Bucket {
    fn from(b: ByArg) -> Bucket {
        match b {
            ByArg::Day => Bucket::Day,
            ByArg::Week => Bucket::Week,
            ByArg::Month => Bucket::Month,
            ByArg::Quarter => Bucket::Quarter,
            ByArg::Year => Bucket::Year,
        }
    }
}

/// `--actor` values: the speaker groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[clap(rename_all = "snake_case")]
pub enum ActorArg {
    /// The US executive branch.
    UsAdmin,
    /// The PRC government.
    Beijing,
    /// Analysts and scholars.
    Experts,
    /// Any other identifiable source.
    Other,
    /// Narration.
    None,
}

impl From<ActorArg> for Group {
    fn from(a: ActorArg) -> Group {
        match a {
            ActorArg::UsAdmin => Group::UsAdmin,
            ActorArg::Beijing => Group::Beijing,
            ActorArg::Experts => Group::Experts,
            ActorArg::Other => Group::Other,
            ActorArg::None => Group::None,
        }
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Aligned text table.
    Table,
    /// CSV with a header line.
    Csv,
    /// One JSON object with the rows and the run's notes.
    Json,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dedup = args.dedup.config()?;
    let mut agg = Aggregator::new(args.by.into(), dedup);
    let mut rejected = 0u64;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.paths.clone()
    };
    for path in &paths {
        agg.read_path(path, &mut |e| {
            rejected += 1;
            if !args.quiet {
                eprintln!("stanceline: warning: {e}");
            }
        })?;
    }
    let tally = agg.finish();
    let mut out = output::open(args.output.as_deref())?;
    if args.partial {
        serde_json::to_writer(&mut out, &tally.to_partial())
            .context("cannot write the partial tally")?;
        writeln!(out)?;
    } else {
        let actors: Vec<Group> = args.actors.iter().map(|&a| a.into()).collect();
        print(&mut out, &tally, &actors, args.format)?;
    }
    out.finish()?;
    if !args.quiet {
        notes(&tally, dedup);
    }
    if rejected > 0 {
        if !args.quiet {
            eprintln!(
                "stanceline: {rejected} records rejected (see the warnings above); {} counted",
                tally.total()
            );
        }
        return Ok(ExitCode::from(EXIT_SOME_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the tally's rows in the chosen format.
pub fn print(
    out: &mut dyn Write,
    tally: &Tally,
    actors: &[Group],
    format: FormatArg,
) -> anyhow::Result<()> {
    let rows = tally.rows(actors);
    match format {
        FormatArg::Csv => out.write_all(render::csv(&rows).as_bytes())?,
        FormatArg::Table => out.write_all(render::table(&rows).as_bytes())?,
        FormatArg::Json => {
            serde_json::to_writer_pretty(&mut *out, &render::json(tally, &rows))
                .context("cannot write the JSON output")?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// The near-duplicate options of `aggregate`, `compare`, `shifts` and `report`.
#[derive(Debug, clap::Args)]
pub struct DedupArgs {
    /// Count every copy of near-duplicate articles.
    #[arg(long)]
    pub no_dedup: bool,
    /// Jaccard similarity (MinHash over word 5-shingles) at which an article is a copy.
    #[arg(long, value_name = "J", default_value_t = 0.8)]
    pub dedup_threshold: f64,
    /// Compare articles only when their dates come within DAYS days of each other (a
    /// month-only date covers its whole month); older articles are forgotten, so memory stays
    /// bounded for input in date order.
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_WINDOW_DAYS)]
    pub dedup_window: u32,
}

impl DedupArgs {
    /// The settings these options ask for, `None` with `--no-dedup`.
    pub fn config(&self) -> anyhow::Result<Option<DedupConfig>> {
        if self.no_dedup {
            return Ok(None);
        }
        let threshold = self.dedup_threshold;
        // Written so that NaN fails too.
        if !(threshold > 0.0 && threshold <= 1.0) {
            anyhow::bail!("--dedup-threshold must be in (0, 1], got {threshold}");
        }
        Ok(Some(DedupConfig {
            threshold,
            window_days: self.dedup_window,
        }))
    }
}

/// The note for articles that may have missed their copy because the input is out of date
/// order; `None` when there are none.
pub fn late_note(late: u64, dedup: Option<DedupConfig>) -> Option<String> {
    let window = dedup?.window_days;
    (late > 0).then(|| {
        format!(
            "stanceline: note: input not in date order: {late} articles arrived after the \
             de-duplication window ({window} days) had moved past their date; copies of \
             articles already dropped from the window may be missed; sort by date for exact \
             folding"
        )
    })
}

/// Reports on stderr what was counted at a coarser level and what was folded.
pub fn notes(tally: &Tally, dedup: Option<DedupConfig>) {
    for (level, n) in &tally.coarse {
        eprintln!(
            "stanceline: note: {n} records with {level}-only dates were counted at {level} \
             level (their dates are less precise than --by {})",
            tally.by.as_str()
        );
    }
    if tally.folded > 0 {
        let how = dedup.map_or(String::new(), |d| {
            format!(
                " (Jaccard >= {}, dates within {} days)",
                d.threshold, d.window_days
            )
        });
        eprintln!(
            "stanceline: note: folded {} near-duplicate articles{how}; --no-dedup counts every copy",
            tally.folded
        );
    }
    if let Some(note) = late_note(tally.late, dedup) {
        eprintln!("{note}");
    }
}
