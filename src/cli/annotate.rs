//! `stanceline annotate`: read articles, annotate every sentence, write JSONL.
//!
//! Articles are read in batches; each batch is annotated and serialised in parallel with
//! rayon and written in input order, so the output is byte-identical for any `--threads`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use rayon::prelude::*;
use stanceline::annotate::{Annotator, StanceModel};
use stanceline::corpus::{Article, Inputs};
use stanceline::encoder::{model_present, BoxedEncoder, DEFAULT_MODEL_DIR};
use stanceline::record::{Evidence, SentenceRecord as Record};
use stanceline::record::{Group, Label, SentenceRecord};
use stanceline::stance::head::{speaker_features, Heads};
use stanceline::topic::{Topic, DEFAULT_TOPIC_PATH};

use super::interrupt;
use super::output::{self, Output};
use super::progress::Progress;
use super::rejects::Rejects;
use super::{EncoderArg, EXIT_SOME_REJECTED};

/// The shipped topic file, built in so the binary works from any folder.
const BUILTIN_TOPIC: &str = include_str!("../../models/topics/us-china.toml");

/// Where `stanceline train` puts the heads by default.
pub const DEFAULT_HEADS: &str = "models/heads/stance.json";

/// Articles per parallel batch: large enough to keep all threads busy, small enough that
/// memory stays bounded however long the input is.
const BATCH: usize = 256;

/// A batch is also cut once its texts reach this many bytes, so a run of very long articles
/// cannot hold hundreds of them (and their records) in memory at once.
const BATCH_BYTES: usize = 8 << 20;

/// Arguments of `annotate`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  stanceline annotate corpus/articles.jsonl --summary -o annotated.jsonl
  zcat articles.jsonl.gz | stanceline annotate > annotated.jsonl
  stanceline annotate my-folder-of-txt-files/ --threads 2

Inputs: JSONL files (one article per line: doc_id or id, date as YYYY-MM-DD, YYYY-MM or YYYY,
text or body, optional title, source, url), folders of .txt/.md files (date from a
`date: YYYY-MM-DD` header line or a YYYY-MM-DD file-name prefix), .gz versions of both, and
stdin (`-` or no path).

A bad record is reported on stderr with its file and line, counted, and skipped; the run goes
on and exits with status 1 at the end. Bad records include invalid UTF-8, empty text, lines
over 32 MiB, texts over 4 MiB, missing or impossible dates and a doc_id seen earlier in the
run. Exit status 2 means the run could not proceed; 130, that it was interrupted (an -o file
is then not written: output goes to a temporary file renamed into place at the end).")]
pub struct Args {
    /// Input files or folders; `-` or nothing reads stdin.
    pub paths: Vec<PathBuf>,
    /// Write the JSONL here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: all cores). The output does not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Topic file with actors, cues and stance lexicons
    /// [default: models/topics/us-china.toml if present, else the built-in copy].
    #[arg(long, value_name = "FILE")]
    pub topic: Option<PathBuf>,
    /// Stance model [default: ensemble when the encoder and the trained heads are present,
    /// else rules].
    #[arg(long, value_enum)]
    pub stance: Option<StanceArg>,
    /// Trained stance heads (from `stanceline train`).
    #[arg(long, default_value = DEFAULT_HEADS, value_name = "FILE")]
    pub heads: PathBuf,
    /// Folder of the sentence encoder's files (from scripts/fetch-model).
    #[arg(long, default_value = DEFAULT_MODEL_DIR, value_name = "DIR")]
    pub model_dir: PathBuf,
    /// Sentence encoder backend (rust-bert needs a build with `--features rust-bert`).
    #[arg(long, value_enum, default_value_t = EncoderArg::Candle)]
    pub encoder: EncoderArg,
    /// Print an actor × stance table to stderr at the end.
    #[arg(long)]
    pub summary: bool,
    /// What to do with a bad record: skip it (report, count, exit 1 at the end) or stop.
    #[arg(long, value_enum, default_value_t = OnError::Skip)]
    pub on_error: OnError,
    /// No warnings for bad records on stderr (they are still counted).
    #[arg(short, long)]
    pub quiet: bool,
    /// Write every rejected record here as JSON Lines: `file`, `line`, `doc_id` (when
    /// known) and `reason`.
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,
    /// Write the run's counts here as one JSON object (`records_read`, `annotated`,
    /// `rejected`, `sentences`, `stance_model`), for drivers such as a Spark job that sum
    /// them over many runs. Written at the end, also when records were rejected.
    #[arg(long, value_name = "FILE")]
    pub stats: Option<PathBuf>,
}

/// Stance models selectable on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StanceArg {
    /// Lexicon rules from the topic file.
    Rules,
    /// A head trained on sentence embeddings (needs the encoder and the heads file).
    Neural,
    /// A head over the embeddings and the rules' outputs (needs the encoder and heads).
    Ensemble,
}

/// Bad-record policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnError {
    /// Report, count, go on; exit 1 at the end.
    Skip,
    /// Stop at the first bad record with exit 2.
    Fail,
}

/// Loads the topic named on the command line, or the default one.
pub fn load_topic(path: Option<&Path>) -> anyhow::Result<Topic> {
    match path {
        Some(p) => Ok(Topic::load(p)?),
        None if Path::new(DEFAULT_TOPIC_PATH).is_file() => {
            Ok(Topic::load(Path::new(DEFAULT_TOPIC_PATH))?)
        }
        None => {
            Topic::from_toml(BUILTIN_TOPIC).map_err(|e| anyhow::anyhow!("built-in topic file: {e}"))
        }
    }
}

#[derive(Default)]
struct Tally {
    read: u64,
    annotated: u64,
    rejected: u64,
    sentences: u64,
    cells: BTreeMap<(Group, Label), u64>,
}

/// The trained stance model: the encoder (owned by the writing thread and fed whole
/// batches of sentences) and the head to apply.
struct Trained {
    encoder: BoxedEncoder,
    heads: Heads,
    ensemble: bool,
}

/// Loads the trained model when asked for or available; says once why rules run instead.
fn trained_model(args: &Args, threads: usize) -> anyhow::Result<Option<Trained>> {
    let present = model_present(&args.model_dir) && args.heads.is_file();
    let wanted = match args.stance {
        Some(StanceArg::Rules) => return Ok(None),
        Some(s) => s,
        None if present => StanceArg::Ensemble,
        None => {
            if !args.quiet {
                eprintln!(
                    "stanceline: note: stance model: rules (no trained model: run scripts/fetch-model for {} and stanceline train for {})",
                    args.model_dir.display(),
                    args.heads.display()
                );
            }
            return Ok(None);
        }
    };
    if !present {
        anyhow::bail!(
            "--stance {} needs the encoder in {} (run scripts/fetch-model) and the heads in {} (run stanceline train)",
            if wanted == StanceArg::Neural { "neural" } else { "ensemble" },
            args.model_dir.display(),
            args.heads.display()
        );
    }
    let heads: Heads = serde_json::from_slice(
        &std::fs::read(&args.heads)
            .with_context(|| format!("cannot read {}", args.heads.display()))?,
    )
    .with_context(|| format!("{} is not a stance heads file", args.heads.display()))?;
    let encoder = stanceline::encoder::load(args.encoder.into(), &args.model_dir, threads)
        .with_context(|| format!("cannot load the encoder from {}", args.model_dir.display()))?;
    if encoder.dim() != heads.dim {
        anyhow::bail!(
            "{} was trained on {}-dimensional embeddings, but {} gives {}",
            args.heads.display(),
            heads.dim,
            encoder.name(),
            encoder.dim()
        );
    }
    Ok(Some(Trained {
        encoder,
        heads,
        ensemble: wanted == StanceArg::Ensemble,
    }))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let topic = load_topic(args.topic.as_deref())?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let trained = trained_model(&args, threads)?;
    let model = StanceModel::Rules;
    let model_name = match &trained {
        None => "rules",
        Some(t) if t.ensemble => "ensemble",
        Some(_) => "neural",
    };
    let annotator = Annotator::new(topic, model);
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        pool = pool.num_threads(n.max(1));
    }
    let pool = pool.build().context("cannot start worker threads")?;
    let mut out = output::open(args.output.as_deref())?;
    let mut rejects = Rejects::new(args.errors.as_deref(), args.quiet)?;
    let mut tally = Tally::default();
    let mut batch = Batch::default();
    let mut inputs = Inputs::new(args.paths.clone()).reject_duplicate_ids();
    let mut progress = Progress::new(inputs.total_bytes(), args.quiet);
    loop {
        interrupt::check()?;
        let next = inputs.next();
        let finished = next.is_none();
        match next {
            Some(Ok(article)) => {
                tally.read += 1;
                if !batch.push(article) {
                    continue;
                }
            }
            Some(Err(e)) => {
                tally.read += 1;
                rejects.reject(&e, &progress)?;
                if args.on_error == OnError::Fail {
                    rejects.finish()?;
                    return Err(anyhow::Error::new(e)
                        .context("stopping at the first bad record (--on-error fail)"));
                }
                continue;
            }
            None => {}
        }
        flush(
            &pool,
            &annotator,
            trained.as_ref(),
            &mut batch,
            &mut out,
            &mut tally,
        )?;
        progress.update(tally.read, inputs.bytes_read());
        if finished {
            break;
        }
    }
    progress.finish();
    out.finish()?;
    tally.rejected = rejects.count;
    rejects.finish()?;
    if args.summary {
        eprint!("{}", summary(&tally, annotator.topic(), model_name));
    }
    if let Some(path) = &args.stats {
        write_stats(path, &tally, model_name)?;
    }
    if tally.rejected > 0 {
        if !args.quiet {
            eprintln!(
                "stanceline: {} of {} records rejected (see the warnings above); {} annotated",
                tally.rejected, tally.read, tally.annotated
            );
        }
        return Ok(ExitCode::from(EXIT_SOME_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}

/// The articles waiting to be annotated together.
#[derive(Default)]
struct Batch {
    articles: Vec<Article>,
    bytes: usize,
}

impl Batch {
    /// Adds an article; true when the batch is full and should be flushed.
    fn push(&mut self, article: Article) -> bool {
        self.bytes += article.text.len();
        self.articles.push(article);
        self.articles.len() >= BATCH || self.bytes >= BATCH_BYTES
    }
}

/// One article's serialised records and the (speaker, stance) cell of each sentence.
type Annotated = (Vec<u8>, Vec<(Group, Label)>);

fn flush(
    pool: &rayon::ThreadPool,
    annotator: &Annotator,
    trained: Option<&Trained>,
    batch: &mut Batch,
    out: &mut Output,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    if batch.articles.is_empty() {
        return Ok(());
    }
    // Rules run in parallel over articles; the encoder then takes the whole batch's
    // sentences at once, in input order, so the output never depends on scheduling.
    let mut annotated: Vec<Vec<(Record, Vec<f32>)>> = pool.install(|| {
        batch
            .articles
            .par_iter()
            .map(|a| annotator.annotate_detailed(a))
            .collect()
    });
    if let Some(t) = trained {
        apply_head(t, &mut annotated)?;
    }
    let done: Vec<Annotated> = pool.install(|| {
        annotated
            .par_iter()
            .map(|records| {
                let mut buf = Vec::with_capacity(records.len() * 700);
                let cells = records
                    .iter()
                    .map(|(r, _)| (r.speaker.group, r.stance))
                    .collect();
                for (r, _) in records {
                    write_record(&mut buf, r);
                }
                (buf, cells)
            })
            .collect()
    });
    for (buf, cells) in done {
        out.write_all(&buf)?;
        tally.annotated += 1;
        tally.sentences += cells.len() as u64;
        for c in cells {
            *tally.cells.entry(c).or_default() += 1;
        }
    }
    // A consumer at the other end of a pipe (a Spark task) sees each batch as soon as it
    // is done instead of when the 64 KiB buffer happens to fill.
    out.flush()?;
    batch.articles.clear();
    batch.bytes = 0;
    Ok(())
}

/// Replaces the rules' stance with the trained head's, keeping the rules' hedge and their
/// evidence (the head's probability is added to it).
fn apply_head(t: &Trained, annotated: &mut [Vec<(Record, Vec<f32>)>]) -> anyhow::Result<()> {
    let texts: Vec<&str> = annotated
        .iter()
        .flatten()
        .map(|(r, _)| r.text.as_str())
        .collect();
    let embeddings = t.encoder.embed(&texts).context("embedding sentences")?;
    let head = if t.ensemble {
        &t.heads.ensemble
    } else {
        &t.heads.neural
    };
    let rule = if t.ensemble {
        "head.ensemble"
    } else {
        "head.neural"
    };
    for ((r, rules), emb) in annotated.iter_mut().flatten().zip(embeddings) {
        let mut x = emb.clone();
        if t.ensemble {
            x.extend_from_slice(rules);
        }
        let (label, p) = head.predict(&x);
        r.stance = label;
        r.confidence = (p * 1000.0).round() / 1000.0;
        r.evidence.push(Evidence {
            rule: rule.into(),
            text: format!("{}={:.3}", label.as_str(), p),
        });
        if t.ensemble {
            // The speaker head weighs the attribution rules' decision against the
            // sentence's wording; narration stays neutral, as the guide asks.
            let mut xs = emb;
            xs.extend(speaker_features(r.speaker.group, &r.evidence));
            let (group, q) = t.heads.speaker.predict(&xs);
            if group != r.speaker.group {
                r.evidence.push(Evidence {
                    rule: "head.speaker".into(),
                    text: format!("{}={:.3}", group.as_str(), q),
                });
                r.speaker.group = group;
            }
            if group == Group::None && r.stance != Label::Neutral {
                r.stance = Label::Neutral;
                r.evidence.push(Evidence {
                    rule: "narration.neutral".into(),
                    text: String::new(),
                });
            }
        }
    }
    Ok(())
}

/// The counts of a run as JSON; `records_read = annotated + rejected` always holds.
fn write_stats(path: &Path, t: &Tally, model: &str) -> anyhow::Result<()> {
    let stats = serde_json::json!({
        "records_read": t.read,
        "annotated": t.annotated,
        "rejected": t.rejected,
        "sentences": t.sentences,
        "stance_model": model,
    });
    output::write_atomically(path, format!("{stats}\n").as_bytes())
        .with_context(|| format!("cannot write the run's counts to {}", path.display()))
}

fn write_record(buf: &mut Vec<u8>, r: &SentenceRecord) {
    // Serialising plain data into a Vec cannot fail.
    if serde_json::to_writer(&mut *buf, r).is_ok() {
        buf.push(b'\n');
    }
}

fn summary(t: &Tally, topic: &Topic, model: &str) -> String {
    let mut s = format!(
        "\nstanceline annotate: topic {}, stance model {model}\n{} records read, {} articles annotated, {} rejected, {} sentences\n\n",
        topic.name, t.read, t.annotated, t.rejected, t.sentences
    );
    s.push_str(&format!("{:<10}", "speaker"));
    for l in Label::ALL {
        s.push_str(&format!("{:>13}", l.as_str()));
    }
    s.push_str(&format!("{:>9}\n", "total"));
    for g in Group::ALL {
        s.push_str(&format!("{:<10}", g.as_str()));
        let mut total = 0;
        for l in Label::ALL {
            let n = t.cells.get(&(g, l)).copied().unwrap_or(0);
            total += n;
            s.push_str(&format!("{n:>13}"));
        }
        s.push_str(&format!("{total:>9}\n"));
    }
    s
}
