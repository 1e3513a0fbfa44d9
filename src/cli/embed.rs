//! `stanceline embed`: sentence vectors from the encoder alone, for reuse elsewhere and for
//! measuring encoder throughput apart from the rest of the annotation pipeline.
//!
//! Articles are read and split exactly as `annotate` does, and embedded in chunks of
//! [`CHUNK`] articles, so the encoder sees the same sentences in the same batches as it does
//! inside `annotate`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;
use stanceline::corpus::{Article, Inputs};
use stanceline::encoder::{BoxedEncoder, DEFAULT_BATCH_SIZE, DEFAULT_MODEL_DIR};
use stanceline::segment;

use super::{output, EncoderArg, EXIT_SOME_REJECTED};

/// Articles per call to the encoder, as `annotate` batches them.
const CHUNK: usize = 256;

/// Arguments of `embed`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  stanceline embed corpus/articles.jsonl -o vectors.jsonl
  stanceline embed corpus/articles.jsonl --count --encoder rust-bert --batch-size 64

Inputs are read as by `annotate` (JSONL, folders of .txt/.md, .gz, stdin) and split into
sentences by the same segmenter. Each output line is
{\"doc_id\":..,\"sent_index\":..,\"start\":..,\"end\":..,\"vector\":[..]}, with start and end
byte offsets into the article text and a unit-length vector (384 floats for
all-MiniLM-L6-v2). With --count nothing is written; the timing line on stderr is the result.")]
pub struct Args {
    /// Input files or folders; `-` or nothing reads stdin.
    pub paths: Vec<PathBuf>,
    /// Write the JSONL here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Sentence encoder backend (rust-bert needs a build with `--features rust-bert`).
    #[arg(long, value_enum, default_value_t = EncoderArg::Candle)]
    pub encoder: EncoderArg,
    /// Folder of the sentence encoder's files (from scripts/fetch-model).
    #[arg(long, default_value = DEFAULT_MODEL_DIR, value_name = "DIR")]
    pub model_dir: PathBuf,
    /// Sentences per forward pass.
    #[arg(long, default_value_t = DEFAULT_BATCH_SIZE, value_name = "N")]
    pub batch_size: usize,
    /// Encoder threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Embed but write no vectors; only the timing line on stderr.
    #[arg(long)]
    pub count: bool,
    /// Leave libtorch's and OpenBLAS's thread defaults alone (rust-bert only; for measuring
    /// what the tuned setting gains).
    #[arg(long, hide = true)]
    pub torch_default_threads: bool,
}

/// One sentence's vector.
#[derive(Serialize)]
struct Row<'a> {
    doc_id: &'a str,
    sent_index: usize,
    start: usize,
    end: usize,
    vector: &'a [f32],
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let load_start = Instant::now();
    let encoder = load_encoder(&args, threads).with_context(|| {
        format!(
            "cannot load the encoder from {} (run scripts/fetch-model)",
            args.model_dir.display()
        )
    })?;
    let load_secs = load_start.elapsed().as_secs_f64();

    let mut out = if args.count {
        None
    } else {
        Some(output::open(args.output.as_deref())?)
    };
    let mut rejected = 0u64;
    let mut sentences = 0usize;
    let mut embed_secs = 0.0;
    let mut chunk: Vec<Article> = Vec::with_capacity(CHUNK);
    let mut inputs = Inputs::new(args.paths.clone());
    loop {
        let next = inputs.next();
        let finished = next.is_none();
        match next {
            Some(Ok(article)) => {
                chunk.push(article);
                if chunk.len() < CHUNK {
                    continue;
                }
            }
            Some(Err(e)) => {
                rejected += 1;
                eprintln!("stanceline: warning: {e}");
                continue;
            }
            None => {}
        }
        let start = Instant::now();
        sentences += embed_chunk(encoder.as_ref(), &chunk, out.as_mut())?;
        embed_secs += start.elapsed().as_secs_f64();
        chunk.clear();
        if finished {
            break;
        }
    }
    if let Some(out) = out {
        out.finish()?;
    }
    let rss = peak_rss_mb().map_or_else(|| "n/a".to_string(), |mb| format!("{mb:.0} MB"));
    eprintln!(
        "stanceline embed: {} batch {} threads {}: {} sentences in {:.2} s ({:.1} sentences/s); model load {:.2} s; peak RSS {}",
        encoder.name(),
        args.batch_size.max(1),
        threads,
        sentences,
        embed_secs,
        if embed_secs > 0.0 {
            sentences as f64 / embed_secs
        } else {
            0.0
        },
        load_secs,
        rss
    );
    if rejected > 0 {
        return Ok(ExitCode::from(EXIT_SOME_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}

fn load_encoder(args: &Args, threads: usize) -> anyhow::Result<BoxedEncoder> {
    #[cfg(feature = "rust-bert")]
    if args.torch_default_threads && args.encoder == EncoderArg::RustBert {
        use stanceline::encoder::{RustBertEncoder, TorchThreads};
        let enc =
            RustBertEncoder::load_with(&args.model_dir, threads, TorchThreads::LibraryDefaults)?
                .with_batch_size(args.batch_size);
        return Ok(Box::new(enc));
    }
    Ok(stanceline::encoder::load_with_batch_size(
        args.encoder.into(),
        &args.model_dir,
        threads,
        args.batch_size,
    )?)
}

/// Embeds every sentence of `articles` in one call; writes the rows when `out` is given.
/// Returns the number of sentences.
fn embed_chunk(
    encoder: &(dyn stanceline::encoder::Encoder + Send + Sync),
    articles: &[Article],
    out: Option<&mut output::Output>,
) -> anyhow::Result<usize> {
    let spans: Vec<(usize, usize, segment::Sentence)> = articles
        .iter()
        .enumerate()
        .flat_map(|(a, article)| {
            segment::sentences(&article.text)
                .enumerate()
                .map(move |(i, s)| (a, i, s))
        })
        .collect();
    let texts: Vec<&str> = spans
        .iter()
        .map(|(a, _, s)| s.text(&articles[*a].text))
        .collect();
    let vectors = encoder.embed(&texts).context("embedding sentences")?;
    if let Some(out) = out {
        for ((a, i, s), v) in spans.iter().zip(&vectors) {
            let row = Row {
                doc_id: &articles[*a].doc_id,
                sent_index: *i,
                start: s.start,
                end: s.end,
                vector: v,
            };
            serde_json::to_writer(&mut *out, &row)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(texts.len())
}

/// The process's peak resident set in MB, from /proc (Linux); None elsewhere.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
