//! `stanceline train`: fit the stance heads on gold labels.
//!
//! Gold sentences are aligned to the rule annotator's sentences (as `eval` does), embedded
//! with the sentence encoder, and two heads are fitted: `neural` on the embedding alone and
//! `ensemble` on the embedding with the rule model's outputs (stacking). k-fold
//! cross-validation by article reports macro-F1 for each before the final fit on all data.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use stanceline::annotate::{Annotator, StanceModel};
use stanceline::corpus::Inputs;
use stanceline::encoder::DEFAULT_MODEL_DIR;
use stanceline::eval::{align, read_gold, score, PredSentence};
use stanceline::record::{Group, Label};
use stanceline::stance::head::{speaker_features, CvScores, Head, Heads, TrainConfig};

use super::annotate::load_topic;
use super::EncoderArg;

/// Arguments of `train`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Example:
  stanceline train --gold corpus/gold/dev.jsonl --articles corpus/articles.jsonl \\
      -o models/heads/stance.json

Needs the sentence encoder in models/encoders/all-MiniLM-L6-v2 (scripts/fetch-model).")]
pub struct Args {
    /// Gold files (JSONL, one labelled sentence per line, with start/end offsets).
    #[arg(long, required = true, value_name = "GOLD.jsonl")]
    pub gold: Vec<PathBuf>,
    /// The articles the gold sentences come from.
    #[arg(long, default_value = "corpus/articles.jsonl", value_name = "FILE")]
    pub articles: PathBuf,
    /// Where to write the heads (JSON).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Sentence encoder backend.
    #[arg(long, value_enum, default_value_t = EncoderArg::Candle)]
    pub encoder: EncoderArg,
    /// Folder of the encoder's files.
    #[arg(long, default_value = DEFAULT_MODEL_DIR, value_name = "DIR")]
    pub model_dir: PathBuf,
    /// Topic file (as for annotate).
    #[arg(long, value_name = "FILE")]
    pub topic: Option<PathBuf>,
    /// Folds for cross-validation (by article).
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Worker threads for the encoder (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// L2 penalties to choose from by cross-validated ensemble macro-F1.
    #[arg(long, value_delimiter = ',', default_values_t = vec![0.003, 0.01, 0.03, 0.1])]
    pub l2: Vec<f64>,
    /// Gradient-descent steps.
    #[arg(long, default_value_t = 300)]
    pub epochs: usize,
}

/// One training example: features for the heads, the rules' labels and the gold labels.
struct Example {
    doc: String,
    embedding: Vec<f32>,
    rules: Vec<f32>,
    speaker_rules: Vec<f32>,
    rule_label: Label,
    gold: Label,
    rule_speaker: Group,
    gold_speaker: Group,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let topic = load_topic(args.topic.as_deref())?;
    let annotator = Annotator::new(topic, StanceModel::Rules);
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let encoder = stanceline::encoder::load(args.encoder.into(), &args.model_dir, threads)
        .with_context(|| {
            format!(
                "cannot load the encoder from {} (run scripts/fetch-model)",
                args.model_dir.display()
            )
        })?;

    // The rule annotator's sentences, with their rule features.
    let mut preds = Vec::new();
    let mut extra = Vec::new();
    let mut speaker_extra = Vec::new();
    for article in Inputs::new(vec![args.articles.clone()]) {
        let article = article.with_context(|| format!("reading {}", args.articles.display()))?;
        for (r, f) in annotator.annotate_detailed(&article) {
            preds.push(PredSentence {
                doc_id: r.doc_id.clone(),
                start: r.start,
                end: r.end,
                text: r.text.clone(),
                speaker: r.speaker.group,
                stance: r.stance,
            });
            extra.push(f);
            speaker_extra.push(speaker_features(r.speaker.group, &r.evidence));
        }
    }
    let mut gold = Vec::new();
    for g in &args.gold {
        let file = File::open(g).with_context(|| format!("cannot open {}", g.display()))?;
        gold.extend(read_gold(BufReader::new(file), g)?);
    }
    let partners = align(&gold, &preds);
    let pairs: Vec<(usize, usize)> = partners
        .iter()
        .enumerate()
        .filter_map(|(gi, p)| p.map(|pi| (gi, pi)))
        .collect();
    eprintln!(
        "stanceline train: {} gold sentences, {} aligned; embedding with {}",
        gold.len(),
        pairs.len(),
        encoder.name()
    );
    let texts: Vec<&str> = pairs
        .iter()
        .map(|&(_, pi)| preds[pi].text.as_str())
        .collect();
    let embeddings = encoder
        .embed(&texts)
        .context("embedding the training sentences")?;
    let examples: Vec<Example> = pairs
        .iter()
        .zip(embeddings)
        .map(|(&(gi, pi), embedding)| Example {
            doc: gold[gi].doc_id.clone(),
            embedding,
            rules: extra[pi].clone(),
            speaker_rules: speaker_extra[pi].clone(),
            rule_label: preds[pi].stance,
            gold: gold[gi].stance,
            rule_speaker: preds[pi].speaker,
            gold_speaker: gold[gi].speaker,
        })
        .collect();

    let folds = args.folds.max(2);
    let mut best: Option<(TrainConfig, CvScores)> = None;
    for &l2 in &args.l2 {
        let cfg = TrainConfig {
            epochs: args.epochs,
            l2,
            ..TrainConfig::default()
        };
        let cv = cross_validate(&examples, folds, cfg);
        eprintln!(
            "l2 {l2}: cross-validated macro-F1 ({folds} folds by article): stance rules {:.3}, neural {:.3}, ensemble {:.3}; speaker rules {:.3}, head {:.3}",
            cv.rules_macro_f1, cv.neural_macro_f1, cv.ensemble_macro_f1, cv.speaker_rules_macro_f1, cv.speaker_head_macro_f1
        );
        if best.is_none_or(|(_, b)| cv.ensemble_macro_f1 > b.ensemble_macro_f1) {
            best = Some((cfg, cv));
        }
    }
    let (cfg, cv) = best.context("no L2 penalty given")?;
    eprintln!("chose l2 {}", cfg.l2);
    let (xn, xe, ys) = matrices(examples.iter());
    let (xs, ss) = speaker_matrices(examples.iter());
    let heads = Heads {
        encoder: encoder.name().to_string(),
        dim: encoder.dim(),
        neural: Head::train("embedding", &Label::ALL, &xn, &ys, cfg),
        ensemble: Head::train("embedding+rules", &Label::ALL, &xe, &ys, cfg),
        speaker: Head::train("embedding+attribution", &Group::ALL, &xs, &ss, cfg),
        cv,
        trained_on: args.gold.iter().map(|p| p.display().to_string()).collect(),
        sentences: examples.len(),
        config: cfg,
    };
    if let Some(dir) = args.output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let json = serde_json::to_string(&heads)?;
    super::output::write_atomically(&args.output, (json + "\n").as_bytes())?;
    eprintln!("wrote {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}

type Matrices = (Vec<Vec<f32>>, Vec<Vec<f32>>, Vec<Label>);

/// Feature rows and labels for the speaker head.
fn speaker_matrices<'a>(
    examples: impl Iterator<Item = &'a Example>,
) -> (Vec<Vec<f32>>, Vec<Group>) {
    examples
        .map(|e| {
            let mut x = e.embedding.clone();
            x.extend(&e.speaker_rules);
            (x, e.gold_speaker)
        })
        .unzip()
}

/// Feature rows for the neural and the ensemble head, and the labels.
fn matrices<'a>(examples: impl Iterator<Item = &'a Example>) -> Matrices {
    let mut xn = Vec::new();
    let mut xe = Vec::new();
    let mut ys = Vec::new();
    for e in examples {
        xn.push(e.embedding.clone());
        let mut both = e.embedding.clone();
        both.extend(&e.rules);
        xe.push(both);
        ys.push(e.gold);
    }
    (xn, xe, ys)
}

/// k-fold cross-validation with folds by article (a stable hash of the doc_id), so that
/// sentences of one article never sit on both sides.
fn cross_validate(examples: &[Example], folds: usize, cfg: TrainConfig) -> CvScores {
    let fold_of = |doc: &str| -> usize {
        // FNV-1a: stable across runs and platforms, unlike the std hasher.
        let mut h: u64 = 0xcbf29ce484222325;
        for b in doc.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
        (h % folds as u64) as usize
    };
    let mut gold = Vec::new();
    let mut rules = Vec::new();
    let mut neural = Vec::new();
    let mut ensemble = Vec::new();
    let mut gold_speaker = Vec::new();
    let mut rule_speaker = Vec::new();
    let mut head_speaker = Vec::new();
    for k in 0..folds {
        let (train, test): (Vec<&Example>, Vec<&Example>) =
            examples.iter().partition(|e| fold_of(&e.doc) != k);
        if train.is_empty() || test.is_empty() {
            continue;
        }
        let (xn, xe, ys) = matrices(train.iter().copied());
        let (xs, ss) = speaker_matrices(train.into_iter());
        let hn = Head::train("embedding", &Label::ALL, &xn, &ys, cfg);
        let he = Head::train("embedding+rules", &Label::ALL, &xe, &ys, cfg);
        let hs = Head::train("embedding+attribution", &Group::ALL, &xs, &ss, cfg);
        for e in test {
            gold_speaker.push(e.gold_speaker);
            rule_speaker.push(e.rule_speaker);
            let mut xsp = e.embedding.clone();
            xsp.extend(&e.speaker_rules);
            head_speaker.push(hs.predict(&xsp).0);
            gold.push(e.gold);
            rules.push(e.rule_label);
            neural.push(hn.predict(&e.embedding).0);
            let mut both = e.embedding.clone();
            both.extend(&e.rules);
            ensemble.push(he.predict(&both).0);
        }
    }
    let f1 = |pred: &[Label]| {
        let pairs: Vec<(&str, &str)> = gold
            .iter()
            .zip(pred)
            .map(|(g, p)| (g.as_str(), p.as_str()))
            .collect();
        score(&pairs).macro_f1
    };
    let f1_speaker = |pred: &[Group]| {
        let pairs: Vec<(&str, &str)> = gold_speaker
            .iter()
            .zip(pred)
            .map(|(g, p)| (g.as_str(), p.as_str()))
            .collect();
        score(&pairs).macro_f1
    };
    CvScores {
        folds,
        rules_macro_f1: f1(&rules),
        neural_macro_f1: f1(&neural),
        ensemble_macro_f1: f1(&ensemble),
        speaker_rules_macro_f1: f1_speaker(&rule_speaker),
        speaker_head_macro_f1: f1_speaker(&head_speaker),
    }
}
