//! The command line: one file per subcommand. This is the only place that uses `anyhow`,
//! prints to the terminal or decides exit codes.

mod aggregate;
mod annotate;
mod brat_dirs;
mod compare;
mod embed;
mod eval;
mod eval_attribution;
pub mod interrupt;
mod merge;
mod output;
mod progress;
mod rejects;
mod report;
mod shifts;
mod split;
mod token_states;
mod train;
mod train_attribution;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Who stated which position on US–China cooperation, and how positions shifted over time.
///
/// stanceline reads dated news articles, splits them into sentences, finds who states a
/// position in each sentence (speaker, cue, content), tags the stance toward US–China
/// cooperation, and writes one JSON object per sentence.
#[derive(Debug, Parser)]
#[command(name = "stanceline", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Annotate articles: speaker, cue, content and stance for every sentence (JSONL out).
    Annotate(annotate::Args),
    /// Split text into sentences, one per line (or JSON with offsets).
    Split(split::Args),
    /// Score annotated output against a gold file (speaker and stance).
    Eval(eval::Args),
    /// Score the attribution stage's cue, source and content spans against brat files.
    EvalAttribution(eval_attribution::Args),
    /// Fit the neural and ensemble stance heads on gold labels.
    Train(train::Args),
    /// Sentence vectors from the encoder alone (JSONL), with a throughput line on stderr.
    Embed(embed::Args),
    /// Fit the attribution span tagger on brat-annotated texts (PolNeAR train).
    TrainAttribution(train_attribution::Args),
    /// Stance shares per period and actor group, with intervals, from annotated JSONL.
    Aggregate(aggregate::Args),
    /// Combine partial tallies from `aggregate --partial` into one aggregate.
    Merge(merge::Args),
    /// One self-contained HTML page with stance charts, the aggregate table and evidence.
    Report(report::Args),
    /// Before/after comparison of each actor's stance, with tests, a verdict and evidence.
    Compare(compare::Args),
    /// Change points in each actor's net-index series (PELT), with evidence.
    Shifts(shifts::Args),
}

/// Sentence encoder backends on the command line (`--encoder`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum EncoderArg {
    /// Pure-Rust candle implementation of all-MiniLM-L6-v2 (always built).
    #[default]
    Candle,
    /// rust-bert on libtorch (builds with `--features rust-bert` only).
    RustBert,
}

impl From<EncoderArg> for stanceline::encoder::Backend {
    fn from(arg: EncoderArg) -> Self {
        match arg {
            EncoderArg::Candle => Self::Candle,
            EncoderArg::RustBert => Self::RustBert,
        }
    }
}

/// Exit code when the run finished but some input records were rejected.
pub const EXIT_SOME_REJECTED: u8 = 1;

/// Parses the command line and runs the chosen subcommand.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    interrupt::install();
    match cli.command {
        Command::Annotate(args) => annotate::run(args),
        Command::Split(args) => split::run(args),
        Command::Eval(args) => eval::run(args),
        Command::EvalAttribution(args) => eval_attribution::run(args),
        Command::Train(args) => train::run(args),
        Command::Embed(args) => embed::run(args),
        Command::TrainAttribution(args) => train_attribution::run(args),
        Command::Aggregate(args) => aggregate::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Report(args) => report::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Shifts(args) => shifts::run(args),
    }
}

/// True when the error chain ends in a closed pipe on our output.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
