//! `stanceline embed` and the `--encoder` flag: vectors per sentence with the segmenter's
//! offsets, the count-only mode, and a clear error for a backend this build lacks. The
//! tests that run the model print a note and pass when it has not been fetched.

mod common;

use common::{root, stanceline};
use predicates::str::contains;
use stanceline::encoder::{model_present, DEFAULT_MODEL_DIR};

/// Two short articles written for this test: three sentences, then two.
const ARTICLES: &str = concat!(
    r#"{"doc_id":"a","date":"2024-03-01","text":"Talks resumed on Monday. The envoy said progress was slow. Nobody else spoke."}"#,
    "\n",
    r#"{"doc_id":"b","date":"2024-03-02","text":"A new panel will meet in June. Its members have not been named."}"#,
    "\n"
);

fn have_model() -> bool {
    let present = model_present(&root().join(DEFAULT_MODEL_DIR));
    if !present {
        eprintln!("skipped: run scripts/fetch-model");
    }
    present
}

#[test]
fn embed_writes_one_unit_vector_per_sentence_with_offsets() {
    if !have_model() {
        return;
    }
    let out = stanceline()
        .args(["embed", "--threads", "2"])
        .write_stdin(ARTICLES)
        .assert()
        .success()
        .stderr(contains("5 sentences"))
        .get_output()
        .stdout
        .clone();
    let rows: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // (doc_id, sent_index, start, end), counted by hand from ARTICLES.
    let want = [
        ("a", 0, 0, 24),
        ("a", 1, 25, 58),
        ("a", 2, 59, 77),
        ("b", 0, 0, 30),
        ("b", 1, 31, 63),
    ];
    assert_eq!(rows.len(), want.len());
    for (row, (doc, i, start, end)) in rows.iter().zip(want) {
        assert_eq!(row["doc_id"], doc);
        assert_eq!(row["sent_index"], i);
        assert_eq!(row["start"], start, "{row}");
        assert_eq!(row["end"], end, "{row}");
        let v: Vec<f64> = row["vector"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert_eq!(v.len(), 384);
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
}

#[test]
fn embed_count_writes_nothing_and_reports_throughput() {
    if !have_model() {
        return;
    }
    stanceline()
        .args(["embed", "--count", "--batch-size", "2", "--threads", "1"])
        .write_stdin(ARTICLES)
        .assert()
        .success()
        .stdout("")
        .stderr(contains("batch 2 threads 1: 5 sentences in"))
        .stderr(contains("sentences/s"))
        .stderr(contains("peak RSS"));
}

#[test]
#[cfg(not(feature = "rust-bert"))]
fn rust_bert_without_the_feature_is_a_clear_error() {
    use predicates::prelude::*;
    // embed loads the encoder before reading anything, model or not.
    stanceline()
        .args(["embed", "--count", "--encoder", "rust-bert"])
        .write_stdin(ARTICLES)
        .assert()
        .code(2)
        .stderr(contains("rust-bert encoder backend is not in this build"))
        .stderr(contains("--features rust-bert"))
        .stderr(contains("panicked").not());
    // annotate reaches the encoder only when a trained model is there to load.
    if !have_model() || !root().join("models/heads/stance.json").is_file() {
        return;
    }
    stanceline()
        .args(["annotate", "--stance", "ensemble", "--encoder", "rust-bert"])
        .write_stdin(ARTICLES)
        .assert()
        .code(2)
        .stderr(contains("--features rust-bert"))
        .stderr(contains("panicked").not());
}

#[test]
fn unknown_encoder_names_are_rejected_by_the_parser() {
    stanceline()
        .args(["embed", "--encoder", "onnx"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(contains("candle"))
        .stderr(contains("rust-bert"));
}
