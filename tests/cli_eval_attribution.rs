//! `stanceline eval-attribution` end to end, on the brat fixtures in tests/fixtures/brat/.
//!
//! One text, "The Chinese foreign ministry said on Monday that the talks would resume.",
//! annotated by two annotators:
//! - `a1`: source "The Chinese foreign ministry" (0–28), cue "said" (29–33), content
//!   "that the talks would resume" (44–71);
//! - `b2`: source "foreign ministry" (12–28), the same cue, content "the talks would resume"
//!   (49–71).
//!
//! The rules predict source "The Chinese foreign ministry", cue "said" and content
//! "Monday that the talks would resume" (37–71, 34 characters). By hand:
//! - cue: exact and overlap 1 for both annotators;
//! - source: exact 1 for `a1`, 0 for `b2` (mean 0.5); overlap 1 for both, since
//!   "foreign ministry" lies wholly inside the prediction;
//! - content: never exact; overlap 1 for both (27 and 22 characters shared, each the whole
//!   shorter span);
//! - attribution (cue and source): exact 1 and 0 (mean 0.5), overlap 1.

mod common;

use common::{root, stanceline};
use predicates::str::contains;

fn fixture(part: &str) -> std::path::PathBuf {
    root().join("tests/fixtures/brat").join(part)
}

/// `eval-attribution --json` on the fixtures with `extra` options, parsed.
fn json_scores(extra: &[&str]) -> serde_json::Value {
    let out = stanceline()
        .arg("eval-attribution")
        .args(extra)
        .args(["--json", "--text"])
        .arg(fixture("text"))
        .arg("--ann")
        .arg(fixture("ann"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn json_scores_match_the_hand_computed_figures() {
    let v = json_scores(&["--spans", "rules"]);
    let f = |kind: &str, mode: &str, key: &str| v[kind][mode][key].as_f64().unwrap();
    let cases = [
        ("cue", "exact", 1.0),
        ("cue", "overlap", 1.0),
        ("source", "exact", 0.5),
        ("source", "overlap", 1.0),
        ("content", "exact", 0.0),
        ("content", "overlap", 1.0),
        ("attribution", "exact", 0.5),
        ("attribution", "overlap", 1.0),
    ];
    for (kind, mode, want) in cases {
        for key in ["p", "r", "f1"] {
            assert!(
                (f(kind, mode, key) - want).abs() < 1e-9,
                "{kind} {mode} {key}: {} (want {want})",
                f(kind, mode, key)
            );
        }
    }
    assert_eq!(v["files"], 1);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys.len(), 5, "{keys:?}");
}

#[test]
fn table_names_every_row() {
    stanceline()
        .args(["eval-attribution", "--spans", "rules", "--text"])
        .arg(fixture("text"))
        .arg("--ann")
        .arg(fixture("ann"))
        .assert()
        .success()
        .stdout(contains("1 texts, 2 annotations"))
        .stdout(contains("attribution"))
        .stdout(contains("overlap"));
}

#[test]
fn a_missing_folder_or_an_unpaired_annotation_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    stanceline()
        .args(["eval-attribution", "--spans", "rules", "--text"])
        .arg(dir.path().join("nope"))
        .arg("--ann")
        .arg(fixture("ann"))
        .assert()
        .code(2)
        .stderr(contains("nope"));
    std::fs::write(dir.path().join("lonely_x1.ann"), "").unwrap();
    stanceline()
        .args(["eval-attribution", "--spans", "rules", "--text"])
        .arg(fixture("text"))
        .arg("--ann")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("lonely"));
}

/// The shipped tagger reads encoder states: with the encoder it finds the fixture's cue and
/// source; without it, it stops with a message that says how to get the encoder.
#[test]
fn the_shipped_tagger_uses_the_encoder_or_says_how_to_get_it() {
    let model = root().join(stanceline::encoder::DEFAULT_MODEL_DIR);
    if stanceline::encoder::model_present(&model) {
        let v = json_scores(&[]);
        for kind in ["cue", "source"] {
            let f1 = v[kind]["overlap"]["f1"].as_f64().unwrap();
            assert!((f1 - 1.0).abs() < 1e-9, "{kind} overlap F1 {f1}");
        }
    } else {
        eprintln!("encoder part skipped: run scripts/fetch-model");
    }
    let empty = tempfile::tempdir().unwrap();
    stanceline()
        .args(["eval-attribution", "--text"])
        .arg(fixture("text"))
        .arg("--ann")
        .arg(fixture("ann"))
        .arg("--model-dir")
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(contains("scripts/fetch-model"));
}

/// `train-attribution --no-states` needs no encoder, and `eval-attribution` then runs the
/// model it wrote without one either (a missing encoder folder is never looked at).
#[test]
fn a_words_only_model_trains_and_scores_without_the_encoder() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("tagger.bin.gz");
    stanceline()
        .args([
            "train-attribution",
            "--no-states",
            "--epochs",
            "2",
            "--text",
        ])
        .arg(fixture("text"))
        .arg("--ann")
        .arg(fixture("ann"))
        .arg("-o")
        .arg(&model)
        .assert()
        .success()
        .stderr(contains("no encoder states"));
    let no_encoder = dir.path().join("no-encoder-here");
    let v = json_scores(&[
        "--tagger",
        model.to_str().unwrap(),
        "--model-dir",
        no_encoder.to_str().unwrap(),
    ]);
    assert_eq!(v["files"], 1);
    // Trained on this very text, the model finds its cue again.
    let f1 = v["cue"]["overlap"]["f1"].as_f64().unwrap();
    assert!(f1 > 0.99, "cue overlap F1 {f1}");
}
