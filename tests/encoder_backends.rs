//! The rust-bert backend against the candle one: the same vectors on every sentence of the
//! sample corpus, the same truncation at 256 word pieces, and paraphrases closer than
//! unrelated sentences. Built only with `--features rust-bert`; like tests/encoder.rs, the
//! tests print a note and pass when the model has not been fetched.
#![cfg(feature = "rust-bert")]

use std::path::PathBuf;
use std::sync::OnceLock;

use stanceline::corpus::Inputs;
use stanceline::encoder::{
    cosine, model_present, Backend, BoxedEncoder, CandleEncoder, Encoder, RustBertEncoder,
    CONVERTED_WEIGHTS, DEFAULT_MODEL_DIR, MAX_TOKENS,
};
use stanceline::segment;

fn model_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_MODEL_DIR)
}

/// Both backends on 2 threads, loaded once, or None when the model is absent.
fn encoders() -> Option<&'static (CandleEncoder, RustBertEncoder)> {
    static ENC: OnceLock<Option<(CandleEncoder, RustBertEncoder)>> = OnceLock::new();
    ENC.get_or_init(|| {
        let dir = model_dir();
        if !model_present(&dir) {
            return None;
        }
        let candle = CandleEncoder::load(&dir, 2).expect("candle: model present but not loaded");
        let torch =
            RustBertEncoder::load(&dir, 2).expect("rust-bert: model present but not loaded");
        Some((candle, torch))
    })
    .as_ref()
}

macro_rules! encoders_or_skip {
    () => {
        match encoders() {
            Some(e) => e,
            None => {
                eprintln!("skipped: run scripts/fetch-model");
                return;
            }
        }
    };
}

/// Every sentence of corpus/articles.jsonl, split by stanceline's segmenter.
fn corpus_sentences() -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/articles.jsonl");
    let mut out = Vec::new();
    for article in Inputs::new(vec![path]) {
        let article = article.expect("the sample corpus reads cleanly");
        for s in segment::sentences(&article.text) {
            out.push(s.text(&article.text).to_string());
        }
    }
    out
}

#[test]
fn rust_bert_loads_through_the_library_entry_point() {
    let _ = encoders_or_skip!();
    let enc: BoxedEncoder = stanceline::encoder::load(Backend::RustBert, &model_dir(), 2).unwrap();
    assert!(enc.name().starts_with("rust-bert:"), "{}", enc.name());
    assert_eq!(enc.dim(), 384);
    // The first load converted the weights next to the safetensors file.
    assert!(model_dir().join(CONVERTED_WEIGHTS).is_file());
    let v = enc
        .embed(&["Both sides said the talks were useful.", ""])
        .unwrap();
    assert_eq!(v.len(), 2);
    for x in &v {
        let norm: f32 = x.iter().map(|a| a * a).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
    }
    assert!(enc.embed(&[]).unwrap().is_empty());
}

#[test]
fn backends_agree_on_every_corpus_sentence() {
    let (candle, torch) = encoders_or_skip!();
    let all = corpus_sentences();
    assert!(all.len() > 2000, "only {} sentences", all.len());
    // Unoptimised builds run BERT very slowly; there every 25th sentence is checked, the
    // release build (as CI runs it) checks all of them.
    let step = if cfg!(debug_assertions) { 25 } else { 1 };
    let owned: Vec<&str> = all.iter().step_by(step).map(String::as_str).collect();
    if step > 1 {
        eprintln!(
            "debug build: checking {} of {} sentences",
            owned.len(),
            all.len()
        );
    }
    let a = candle.embed(&owned).unwrap();
    let b = torch.embed(&owned).unwrap();
    assert_eq!(a.len(), owned.len());
    assert_eq!(b.len(), owned.len());
    let mut worst = (1.0f32, "");
    for ((s, x), y) in owned.iter().zip(&a).zip(&b) {
        let c = cosine(x, y);
        if c < worst.0 {
            worst = (c, s);
        }
    }
    eprintln!(
        "{} sentences; lowest cosine {:.6} on {:?}",
        owned.len(),
        worst.0,
        worst.1
    );
    assert!(worst.0 >= 0.9999, "cosine {} on {:?}", worst.0, worst.1);
}

#[test]
fn truncation_beyond_256_word_pieces_matches() {
    let (candle, torch) = encoders_or_skip!();
    // Whole words of vocab.txt, each one word piece, so word counts are piece counts.
    let words = [
        "the",
        "ministry",
        "said",
        "talks",
        "on",
        "drugs",
        "would",
        "resume",
        "after",
        "years",
        "with",
        "officials",
    ];
    let vocab = std::fs::read_to_string(model_dir().join("vocab.txt")).unwrap();
    for w in words {
        assert!(vocab.lines().any(|l| l == w), "{w} is not a single token");
    }
    // ~600 pieces, in an order that is not periodic with the cut-off.
    let long: Vec<&str> = (0..600)
        .map(|i| words[(i * 5 + i / 7) % words.len()])
        .collect();
    let full = long.join(" ");
    // The model keeps MAX_TOKENS pieces including [CLS] and [SEP].
    let kept = long[..MAX_TOKENS - 2].join(" ");
    let fewer = long[..MAX_TOKENS - 3].join(" ");
    let inputs = [full.as_str(), kept.as_str(), fewer.as_str()];
    let a = candle.embed(&inputs).unwrap();
    let b = torch.embed(&inputs).unwrap();
    for (i, name) in ["600 pieces", "254 pieces", "253 pieces"]
        .iter()
        .enumerate()
    {
        let c = cosine(&a[i], &b[i]);
        assert!(c >= 0.9999, "{name}: backends' cosine {c}");
    }
    for (backend, v) in [("candle", &a), ("rust-bert", &b)] {
        let same = cosine(&v[0], &v[1]);
        assert!(same > 1.0 - 1e-5, "{backend}: 600 vs 254 pieces: {same}");
        // 254 is the real cut-off: one piece fewer gives a measurably different vector.
        let differ = v[1]
            .iter()
            .zip(&v[2])
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(differ > 1e-4, "{backend}: 253 and 254 pieces agree");
    }
}

#[test]
fn paraphrases_are_closer_than_unrelated_sentences_on_both_backends() {
    let (candle, torch) = encoders_or_skip!();
    // (sentence, a paraphrase of it, an unrelated sentence)
    let cases = [
        (
            "Customs agents seized a large shipment of synthetic opioids at the port.",
            "Border officers confiscated a big consignment of man-made opioids in the harbour.",
            "The orchestra opened its autumn season with a new symphony.",
        ),
        (
            "The ministry rejected the sanctions as unjustified interference.",
            "Officials dismissed the penalties, calling them unwarranted meddling.",
            "A new bicycle lane will run along the river by next spring.",
        ),
        (
            "Both delegations agreed to meet again before the end of the year.",
            "The two teams of negotiators decided to hold another round before December.",
            "Tomatoes grow best in full sun with regular watering.",
        ),
    ];
    for enc in [candle as &dyn Encoder, torch as &dyn Encoder] {
        for (s, para, other) in cases {
            let v = enc.embed(&[s, para, other]).unwrap();
            let close = cosine(&v[0], &v[1]);
            let far = cosine(&v[0], &v[2]);
            assert!(
                close > far + 0.2,
                "{}: {s:?}: paraphrase {close:.3}, unrelated {far:.3}",
                enc.name()
            );
        }
    }
}

#[test]
fn rust_bert_batching_does_not_change_vectors() {
    let (_, torch) = encoders_or_skip!();
    let sentences = [
        "Short.",
        "A somewhat longer sentence about export controls on advanced chips.",
        "Officials met.",
        "The envoy said the two capitals would set up a working group on precursor chemicals.",
    ];
    let together = torch.embed(&sentences).unwrap();
    for (s, v) in sentences.iter().zip(&together) {
        let alone = torch.embed(&[s]).unwrap().remove(0);
        let d = alone
            .iter()
            .zip(v)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(d < 1e-5, "{s:?}: batched vs alone differ by {d}");
    }
}
