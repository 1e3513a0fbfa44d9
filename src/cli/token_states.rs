//! Encoder token states for the attribution span tagger, shared by `train-attribution` and
//! `eval-attribution`: loading the encoder cut to the tagger's layers, and running it over
//! many articles with a progress bar (a few articles a second on two cores).

use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use stanceline::attribute::tagger::{self, StatesSpec};
use stanceline::encoder::{CandleEncoder, Encoder, DEFAULT_MODEL_DIR};
use stanceline::eval::brat::BratDoc;
use stanceline::segment;

/// Where the encoder comes from and how many threads run it.
#[derive(Debug, Clone, clap::Args)]
pub struct EncoderOpts {
    /// Folder of the sentence encoder's files (from scripts/fetch-model), whose token states
    /// the span tagger reads.
    #[arg(long, default_value = DEFAULT_MODEL_DIR, value_name = "DIR")]
    pub model_dir: PathBuf,
    /// Encoder threads (default: all cores). The result does not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

impl EncoderOpts {
    /// States of every document's tagger tokens, from the encoder cut to the spec's layers.
    pub fn states_of(
        &self,
        spec: StatesSpec,
        docs: &[BratDoc],
    ) -> anyhow::Result<Vec<Vec<Vec<f32>>>> {
        let enc = self.load(spec)?;
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        compute(&enc, &texts)
    }

    /// Loads the encoder with the spec's layers, checking that it gives `dim` numbers.
    fn load(&self, spec: StatesSpec) -> anyhow::Result<CandleEncoder> {
        let dir = &self.model_dir;
        anyhow::ensure!(
            stanceline::encoder::model_present(dir),
            "the span tagger reads token states from the sentence encoder, and there is none \
             in {} (run scripts/fetch-model)",
            dir.display()
        );
        let threads = self
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let enc = CandleEncoder::load_layers(dir, threads, Some(spec.layers as usize))
            .with_context(|| format!("cannot load the encoder from {}", dir.display()))?;
        anyhow::ensure!(
            enc.dim() == spec.dim as usize,
            "the encoder in {} gives {} numbers per token; the tagger model wants {}",
            dir.display(),
            enc.dim(),
            spec.dim
        );
        Ok(enc)
    }
}

/// States of every text's tagger tokens, in order, with a bar on stderr when it is a
/// terminal.
fn compute(enc: &CandleEncoder, texts: &[&str]) -> anyhow::Result<Vec<Vec<Vec<f32>>>> {
    let bar = ProgressBar::with_draw_target(Some(texts.len() as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("encoder states {bar:30} {pos}/{len} texts, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut out = Vec::with_capacity(texts.len());
    for text in texts {
        let spans = tagger::token_spans(text);
        let sentences = segment::split(text);
        out.push(
            enc.token_states(text, &sentences, &spans)
                .context("the encoder failed")?,
        );
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(out)
}
