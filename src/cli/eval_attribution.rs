//! `stanceline eval-attribution`: runs the attribution stage on brat-annotated texts (such as
//! PolNeAR) and scores cue, source and content spans against every annotator.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use rayon::prelude::*;
use stanceline::attribute;
use stanceline::attribute::tagger::Tagger;
use stanceline::eval::attribution::{self as score, AttributionReport, Modes, PredAttribution};
use stanceline::eval::brat;
use stanceline::segment;
use stanceline::PartialDate;

use super::output;

/// Arguments of `eval-attribution`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    dirs: super::brat_dirs::BratDirs,
    /// Print the scores as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Topic file for the rules [default: models/topics/us-china.toml if present, else the
    /// built-in copy].
    #[arg(long, value_name = "FILE")]
    topic: Option<PathBuf>,
    /// Where spans come from: `rules` (the per-sentence rules) or `tagger` (the trained
    /// span tagger) [default: tagger when its model file exists, else rules].
    #[arg(long, value_name = "KIND")]
    spans: Option<Spans>,
    /// The span tagger's model file.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_TAGGER)]
    tagger: PathBuf,
    #[command(flatten)]
    encoder: super::token_states::EncoderOpts,
    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// The tagger model shipped with the project.
pub const DEFAULT_TAGGER: &str = "models/attribution/tagger.bin.gz";

/// Source of the predicted spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Spans {
    Rules,
    Tagger,
}

/// Reads, predicts and scores; unreadable or malformed input is an error (exit 2).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let docs = args.dirs.read()?;
    let topic = super::annotate::load_topic(args.topic.as_deref())?;
    let spans = args.spans.unwrap_or_else(|| {
        if args.tagger.exists() {
            Spans::Tagger
        } else {
            eprintln!(
                "note: no tagger model at {}; scoring the rules",
                args.tagger.display()
            );
            Spans::Rules
        }
    });
    let tagger = match spans {
        Spans::Tagger => {
            let file = File::open(&args.tagger)
                .with_context(|| format!("cannot open {}", args.tagger.display()))?;
            Some(
                Tagger::load(BufReader::new(file))
                    .with_context(|| format!("cannot load {}", args.tagger.display()))?,
            )
        }
        Spans::Rules => None,
    };
    // A model that reads encoder states gets them for every text first; the encoder runs
    // its own thread pool, the tagging below runs on rayon's.
    let states = match tagger.as_ref().and_then(Tagger::states) {
        Some(spec) => args.encoder.states_of(spec, &docs)?,
        None => Vec::new(),
    };
    let preds: Vec<Vec<PredAttribution>> = docs
        .par_iter()
        .enumerate()
        .map(|(k, d)| match &tagger {
            Some(t) => {
                score::from_tagged(&t.attributions(&d.text, states.get(k).map(|s| s.as_slice())))
            }
            None => {
                let sentences = segment::split(&d.text);
                let attrs = attribute::attribute(&topic, &d.text, &date_of(&d.name), &sentences);
                score::from_sentences(&attrs)
            }
        })
        .collect();
    let report = score::score(&docs, &preds);
    let mut out = output::open(args.output.as_deref())?;
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report).context("cannot write the report")?;
        writeln!(out)?;
    } else {
        out.write_all(table(&report, annotations(&docs)).as_bytes())?;
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// The date in a PolNeAR-style name (`publisher_2016-05-01_slug`), else the year 2000: it
/// only picks which office holders the topic's dated roles resolve to, never a span.
fn date_of(name: &str) -> PartialDate {
    name.split('_')
        .find_map(|part| part.parse().ok())
        .unwrap_or_else(|| "2000".parse().unwrap_or_else(|_| unreachable!()))
}

fn annotations(docs: &[brat::BratDoc]) -> usize {
    docs.iter().map(|d| d.annotations.len()).sum()
}

/// The readable report: one row per span kind, P/R/F1 in both modes.
fn table(r: &AttributionReport, anns: usize) -> String {
    let mut s = format!(
        "{} texts, {anns} annotations; mean over annotators\n\n{:<12} {:^20}   {:^20}\n{:<12} {:>6} {:>6} {:>6}   {:>6} {:>6} {:>6}\n",
        r.files, "", "exact", "overlap", "", "P", "R", "F1", "P", "R", "F1"
    );
    let rows: [(&str, &Modes); 4] = [
        ("cue", &r.cue),
        ("source", &r.source),
        ("content", &r.content),
        ("attribution", &r.attribution),
    ];
    for (name, m) in rows {
        s.push_str(&format!(
            "{name:<12} {:>6.3} {:>6.3} {:>6.3}   {:>6.3} {:>6.3} {:>6.3}\n",
            m.exact.p, m.exact.r, m.exact.f1, m.overlap.p, m.overlap.r, m.overlap.f1
        ));
    }
    s
}
