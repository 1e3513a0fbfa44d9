//! The candle encoder against sentence-transformers semantics: unit-norm 384-d vectors,
//! paraphrases closer than unrelated sentences, truncation at 256 tokens, and padding that
//! does not leak into the mean. These need the model (`scripts/fetch-model`); without it they
//! print a note and pass, and CI fetches the model first so they run there.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

use stanceline::encoder::{cosine, model_present, CandleEncoder, Encoder, DEFAULT_MODEL_DIR};

fn model_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_MODEL_DIR)
}

/// One encoder shared by the tests (2 threads, batch 32), or None when the model is absent.
fn encoder() -> Option<&'static CandleEncoder> {
    static ENC: OnceLock<Option<CandleEncoder>> = OnceLock::new();
    ENC.get_or_init(|| {
        let dir = model_dir();
        if !model_present(&dir) {
            return None;
        }
        Some(CandleEncoder::load(&dir, 2).expect("model present but failed to load"))
    })
    .as_ref()
}

macro_rules! encoder_or_skip {
    () => {
        match encoder() {
            Some(e) => e,
            None => {
                eprintln!("skipped: run scripts/fetch-model");
                return;
            }
        }
    };
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// 33 sentences of varied length (5 to ~25 word pieces), so a batch pads most of them.
fn varied_sentences() -> Vec<String> {
    let base = [
        "Talks resumed.",
        "Beijing said it would expand joint research on climate with Washington next year.",
        "The senator warned that any new chip deal with China would weaken export controls.",
        "Officials from both countries met in Geneva on Tuesday.",
        "A spokesman declined to comment.",
        "Negotiators called the meetings on maritime safety frank, constructive and overdue.",
        "Trade ministers agreed to keep talking.",
        "Ok.",
    ];
    (0..33)
        .map(|i| {
            let s = base[i % base.len()];
            // Vary each copy so no two rows are the same input.
            format!("{s} ({i})")
        })
        .collect()
}

#[test]
fn vectors_have_dim_384_and_unit_norm() {
    let enc = encoder_or_skip!();
    assert_eq!(enc.dim(), 384);
    assert!(enc.name().starts_with("candle:"), "{}", enc.name());
    let sentences = [
        "A short one.",
        "",
        "Both governments pledged to share flu data.",
    ];
    let vecs = enc.embed(&sentences).unwrap();
    assert_eq!(vecs.len(), 3);
    for v in &vecs {
        assert_eq!(v.len(), 384);
        assert!((norm(v) - 1.0).abs() < 1e-5, "norm {}", norm(v));
    }
    assert!(enc.embed(&[]).unwrap().is_empty());
}

#[test]
fn paraphrases_score_higher_than_unrelated_sentences() {
    let enc = encoder_or_skip!();
    // (sentence, paraphrase, unrelated)
    let cases = [
        (
            "China pledged to curb exports of the chemicals used to make fentanyl.",
            "Beijing promised to restrict shipments of fentanyl precursor chemicals abroad.",
            "Heavy rain and strong winds are expected along the coast this weekend.",
        ),
        (
            "The two presidents agreed to restore military communication channels.",
            "Both leaders decided to reopen lines of contact between their armed forces.",
            "The museum will extend its opening hours during the summer holidays.",
        ),
        (
            "Washington and Beijing will cooperate on climate change.",
            "The United States and China plan to work together on global warming.",
            "The recipe calls for two cups of flour and a pinch of salt.",
        ),
    ];
    for (a, para, other) in cases {
        let v = enc.embed(&[a, para, other]).unwrap();
        let close = cosine(&v[0], &v[1]);
        let far = cosine(&v[0], &v[2]);
        assert!(
            close > far + 0.2,
            "{a:?}: paraphrase {close:.3} vs unrelated {far:.3}"
        );
        assert!(close > 0.5, "{a:?}: paraphrase only {close:.3}");
    }
}

#[test]
fn tokens_beyond_256_are_ignored() {
    let enc = encoder_or_skip!();
    // Each word is a whole entry of vocab.txt, so it is exactly one word piece: the first
    // 254 words plus [CLS] and [SEP] make the 256 tokens the model keeps.
    let words = [
        "officials",
        "said",
        "the",
        "trade",
        "talks",
        "will",
        "and",
        "new",
        "leaders",
        "of",
    ];
    let vocab = std::fs::read_to_string(model_dir().join("vocab.txt")).unwrap();
    for w in words {
        assert!(vocab.lines().any(|l| l == w), "{w} is not a single token");
    }
    let long: Vec<&str> = (0..1000)
        .map(|i| words[(i * 7 + i / 10) % words.len()])
        .collect();
    let full = long.join(" ");
    let prefix = long[..254].join(" ");
    let one_less = long[..253].join(" ");
    let v = enc.embed(&[&full, &prefix, &one_less]).unwrap();
    assert_eq!(v[0].len(), 384);
    let same = cosine(&v[0], &v[1]);
    assert!(same > 1.0 - 1e-4, "1000 words vs 254-word prefix: {same}");
    // The prefix length is the real cut-off, not merely "long texts look alike": dropping one
    // more word changes the vector by more than the tolerance above.
    assert!(
        max_abs_diff(&v[1], &v[2]) > 1e-4,
        "253 and 254 words gave the same vector"
    );
}

#[test]
fn batching_and_padding_do_not_change_vectors() {
    let enc = encoder_or_skip!();
    assert_eq!(enc.batch_size(), 32);
    let owned = varied_sentences();
    let sentences: Vec<&str> = owned.iter().map(String::as_str).collect();
    // One full batch of 32 and a batch of 1, the full one padded to its longest member.
    let batched = enc.embed(&sentences).unwrap();
    assert_eq!(batched.len(), sentences.len());
    for (s, b) in sentences.iter().zip(&batched) {
        let single = enc.embed(&[s]).unwrap();
        let d = max_abs_diff(&single[0], b);
        assert!(d < 1e-5, "{s:?}: batch vs alone differ by {d}");
    }
}

#[test]
fn thread_count_does_not_change_vectors() {
    let enc = encoder_or_skip!();
    let one = CandleEncoder::load(&model_dir(), 1).unwrap();
    assert_eq!(one.threads(), 1);
    assert_eq!(enc.threads(), 2);
    let owned = varied_sentences();
    let sentences: Vec<&str> = owned.iter().take(8).map(String::as_str).collect();
    let a = one.embed(&sentences).unwrap();
    let b = enc.embed(&sentences).unwrap();
    assert_eq!(a, b, "1 and 2 threads gave different vectors");
}

/// Throughput for batch sizes 16, 32 and 64 on 2 threads (ENCODER_BENCH_THREADS overrides).
/// A measurement, not a test:
/// `cargo test --release --test encoder -- --ignored --nocapture throughput`.
#[test]
#[ignore = "measurement; run by hand with --release"]
fn throughput() {
    let Some(_) = encoder() else {
        eprintln!("skipped: run scripts/fetch-model");
        return;
    };
    // News-like sentences of ~20-35 words, the corpus's typical length.
    let base = [
        "Officials in Beijing said on Tuesday that the two governments would resume talks on \
         fentanyl precursors next month, after a pause of more than a year.",
        "The senator, who chairs the committee on foreign relations, warned that any new \
         agreement on chips must not weaken the export controls passed last year.",
        "A spokesman for the foreign ministry told reporters that China was willing to work \
         with the United States on climate change if Washington showed sincerity.",
        "Analysts said the meeting was unlikely to produce a breakthrough but could stabilise \
         relations that have been strained by tariffs and disputes over Taiwan.",
    ];
    let owned: Vec<String> = (0..512)
        .map(|i| format!("{} ({i})", base[i % base.len()]))
        .collect();
    let sentences: Vec<&str> = owned.iter().map(String::as_str).collect();
    let threads: usize = std::env::var("ENCODER_BENCH_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(2);
    for batch in [16, 32, 64] {
        let enc = CandleEncoder::load(&model_dir(), threads)
            .unwrap()
            .with_batch_size(batch);
        enc.embed(&sentences[..batch]).unwrap(); // warm-up
        let start = Instant::now();
        let v = enc.embed(&sentences).unwrap();
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(v.len(), sentences.len());
        eprintln!(
            "candle threads={threads} batch={batch}: {:.1} sentences/s ({} in {secs:.2}s)",
            sentences.len() as f64 / secs,
            sentences.len()
        );
    }
}

/// Known values from an independent float64 NumPy implementation of BERT + mean pooling
/// (written for this check; it reads the same model.safetensors and tokenizer.json): the first
/// eight components and the sum of all 384.
#[test]
fn matches_an_independent_reference_implementation() {
    let enc = encoder_or_skip!();
    let cases: [(&str, [f32; 8], f32); 2] = [
        (
            "China pledged to curb exports of the chemicals used to make fentanyl.",
            [
                -0.008214, 0.074899, -0.037369, -0.000610, 0.089121, 0.033755, 0.026665, 0.064636,
            ],
            -0.016814,
        ),
        (
            "Talks resumed.",
            [
                0.002216, -0.041229, 0.034482, 0.022363, -0.019737, 0.043542, 0.032608, -0.065890,
            ],
            0.411851,
        ),
    ];
    for (s, head, sum) in cases {
        let v = enc.embed(&[s]).unwrap().remove(0);
        let d = max_abs_diff(&v[..8], &head);
        assert!(
            d < 1e-4,
            "{s:?}: first components off by {d}: {:?}",
            &v[..8]
        );
        let got: f32 = v.iter().sum();
        assert!((got - sum).abs() < 1e-3, "{s:?}: sum {got} want {sum}");
    }
}

/// Token states for the attribution tagger: one vector per span, from the first word piece
/// inside it, the same for any thread count, and zeros only where no word piece starts.
#[test]
fn token_states_cover_every_span_and_ignore_threads() {
    let dir = model_dir();
    if !model_present(&dir) {
        eprintln!("skipped: run scripts/fetch-model");
        return;
    }
    let text = "The ministry said talks would resume.\n\nAides said nothing, officials added.";
    let sentences = stanceline::segment::split(text);
    let spans = stanceline::attribute::tagger::token_spans(text);
    let cut = |threads| CandleEncoder::load_layers(&dir, threads, Some(4)).unwrap();
    let one = cut(1).token_states(text, &sentences, &spans).unwrap();
    let two = cut(2).token_states(text, &sentences, &spans).unwrap();
    assert_eq!(one.len(), spans.len());
    assert_eq!(one, two);
    for (v, &(a, b)) in one.iter().zip(&spans) {
        assert_eq!(v.len(), 384);
        assert!(norm(v) > 0.0, "no state for {:?}", &text[a..b]);
    }
    // A cut model's states differ from the full model's, and the same word gets different
    // states in different sentences.
    let full = CandleEncoder::load(&dir, 1)
        .unwrap()
        .token_states(text, &sentences, &spans)
        .unwrap();
    assert!(max_abs_diff(&one[0], &full[0]) > 1e-3);
    let said: Vec<usize> = spans
        .iter()
        .enumerate()
        .filter(|(_, &(a, b))| &text[a..b] == "said")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(said.len(), 2);
    assert!(max_abs_diff(&one[said[0]], &one[said[1]]) > 1e-3);
    // A span outside every sentence gets zeros rather than another token's state.
    let outside = [(text.len(), text.len())];
    let z = cut(1).token_states(text, &sentences, &outside).unwrap();
    assert!(z[0].iter().all(|&x| x == 0.0));
    // Asking for more layers than the model has is a load error.
    assert!(CandleEncoder::load_layers(&dir, 1, Some(7)).is_err());
    assert!(CandleEncoder::load_layers(&dir, 1, Some(0)).is_err());
}
