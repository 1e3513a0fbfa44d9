//! `stanceline eval` end to end, on the fixtures in tests/fixtures/eval/.
//!
//! The fixtures: two articles. `d1` has four gold sentences with offsets, each matching one
//! predicted sentence exactly. `d2` has five gold sentences without offsets (one with a
//! doubled space, one with its speaker as an object); the prediction merged gold sentences
//! 1 and 2 into one sentence, and gold sentence 4 is not in the article at all.
//!
//! Aligned pairs (gold → predicted):
//!
//! | sentence | speaker              | stance                  |
//! |----------|----------------------|-------------------------|
//! | d1 #0    | us_admin → us_admin  | support → support       |
//! | d1 #1    | beijing → beijing    | oppose → oppose         |
//! | d1 #2    | experts → experts    | conditional → neutral   |
//! | d1 #3    | none → none          | neutral → neutral       |
//! | d2 #0    | beijing → beijing    | conditional → conditional |
//! | d2 #1    | us_admin → us_admin  | oppose → oppose         |
//! | d2 #2    | none → us_admin      | neutral → oppose        |  (merged into d2 #1's prediction)
//! | d2 #3    | experts → other      | support → support       |
//! | d2 #4    | unmatched            |                         |
//!
//! By hand, F1 = 2TP / (2TP + FP + FN):
//! - speaker: accuracy 6/8. us_admin gold 2, predicted 3, TP 2 → P 2/3, R 1, F1 4/5;
//!   beijing 2/2/2 → 1, 1, 1; experts gold 2, predicted 1, TP 1 → P 1, R 1/2, F1 2/3;
//!   none the same as experts; other gold 0, predicted 1 → 0, 0, 0, support 0.
//!   macro-F1 over the four gold classes = (4/5 + 1 + 2/3 + 2/3) / 4 = 47/60.
//! - stance: accuracy 6/8. support 2/2/2 → 1, 1, 1; oppose gold 2, predicted 3, TP 2 →
//!   P 2/3, R 1, F1 4/5; conditional gold 2, predicted 1, TP 1 → P 1, R 1/2, F1 2/3;
//!   neutral gold 2, predicted 2, TP 1 → P 1/2, R 1/2, F1 1/2.
//!   macro-F1 = (1 + 4/5 + 2/3 + 1/2) / 4 = (30 + 24 + 20 + 15) / 120 = 89/120.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const GOLD: &str = "tests/fixtures/eval/gold.jsonl";
const PRED: &str = "tests/fixtures/eval/pred.jsonl";

fn eval(args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("stanceline")
        .unwrap()
        .arg("eval")
        .args(args)
        .assert()
}

fn json_report() -> Value {
    let out = eval(&["--gold", GOLD, "--pred", PRED, "--json"]).success();
    serde_json::from_slice(&out.get_output().stdout).expect("--json prints JSON")
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

fn assert_close(v: &Value, want: f64, what: &str) {
    assert!((num(v) - want).abs() < 1e-9, "{what}: {v} != {want}");
}

/// (label, precision, recall, f1, support)
type Row = (&'static str, f64, f64, f64, u64);

fn check_dimension(dim: &Value, accuracy: f64, macro_f1: f64, rows: &[Row]) {
    assert_close(&dim["accuracy"], accuracy, "accuracy");
    assert_close(&dim["macro_f1"], macro_f1, "macro_f1");
    let per_class = dim["per_class"].as_object().unwrap();
    assert_eq!(per_class.len(), rows.len(), "{per_class:?}");
    for &(label, p, r, f1, support) in rows {
        let c = &per_class[label];
        assert_close(&c["precision"], p, &format!("{label} precision"));
        assert_close(&c["recall"], r, &format!("{label} recall"));
        assert_close(&c["f1"], f1, &format!("{label} f1"));
        assert_eq!(c["support"], support, "{label} support");
    }
}

#[test]
fn json_scores_match_hand_computation() {
    let r = json_report();
    assert_eq!(r["n"], 9);
    assert_eq!(r["aligned"], 8);
    assert_eq!(
        r["unmatched"],
        serde_json::json!([{"doc_id": "d2", "sent_index": 4, "text": "The talks were postponed to May."}])
    );

    check_dimension(
        &r["speaker"],
        0.75,
        47.0 / 60.0,
        &[
            ("us_admin", 2.0 / 3.0, 1.0, 0.8, 2),
            ("beijing", 1.0, 1.0, 1.0, 2),
            ("experts", 1.0, 0.5, 2.0 / 3.0, 2),
            ("none", 1.0, 0.5, 2.0 / 3.0, 2),
            ("other", 0.0, 0.0, 0.0, 0),
        ],
    );
    check_dimension(
        &r["stance"],
        0.75,
        89.0 / 120.0,
        &[
            ("support", 1.0, 1.0, 1.0, 2),
            ("oppose", 2.0 / 3.0, 1.0, 0.8, 2),
            ("conditional", 1.0, 0.5, 2.0 / 3.0, 2),
            ("neutral", 0.5, 0.5, 0.5, 2),
        ],
    );
}

#[test]
fn json_confusion_matrices() {
    let r = json_report();
    let speaker = &r["speaker"]["confusion"];
    // All five groups occur (other only as a prediction): a full 5×5 matrix.
    assert_eq!(speaker.as_object().unwrap().len(), 5);
    let row = |m: &Value, g: &str| -> Vec<(String, u64)> {
        m[g].as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
            .collect()
    };
    let expect = |pairs: &[(&str, u64)]| -> Vec<(String, u64)> {
        pairs.iter().map(|&(k, v)| (k.to_string(), v)).collect()
    };
    // Keys are sorted, so rows list beijing, experts, none, other, us_admin.
    assert_eq!(
        row(speaker, "none"),
        expect(&[
            ("beijing", 0),
            ("experts", 0),
            ("none", 1),
            ("other", 0),
            ("us_admin", 1)
        ])
    );
    assert_eq!(
        row(speaker, "experts"),
        expect(&[
            ("beijing", 0),
            ("experts", 1),
            ("none", 0),
            ("other", 1),
            ("us_admin", 0)
        ])
    );
    assert_eq!(speaker["us_admin"]["us_admin"], 2);
    assert_eq!(
        speaker["other"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>(),
        0
    );

    let stance = &r["stance"]["confusion"];
    assert_eq!(
        row(stance, "conditional"),
        expect(&[
            ("conditional", 1),
            ("neutral", 1),
            ("oppose", 0),
            ("support", 0)
        ])
    );
    assert_eq!(
        row(stance, "neutral"),
        expect(&[
            ("conditional", 0),
            ("neutral", 1),
            ("oppose", 1),
            ("support", 0)
        ])
    );
}

#[test]
fn json_top_level_key_order() {
    let out = eval(&["--gold", GOLD, "--pred", PRED, "--json"]).success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let pos = |k: &str| {
        text.find(&format!("\"{k}\""))
            .unwrap_or_else(|| panic!("no {k}"))
    };
    assert!(pos("n") < pos("aligned"));
    assert!(pos("aligned") < pos("unmatched"));
    assert!(pos("unmatched") < pos("speaker"));
    assert!(pos("speaker") < pos("stance"));
}

#[test]
fn table_output_has_key_lines() {
    let out = eval(&["--gold", GOLD, "--pred", PRED]).success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    // 47/60 = 0.78333 and 89/120 = 0.74167, rounded to three decimals.
    for want in [
        "gold sentences: 9   aligned: 8   unmatched: 1",
        "speaker: accuracy 0.750   macro-F1 0.783",
        "stance: accuracy 0.750   macro-F1 0.742",
        "  d2 #4: \"The talks were postponed to May.\"",
    ] {
        assert!(lines.contains(&want), "missing {want:?} in\n{text}");
    }
    // Per-class rows: label, P, R, F1, support with three decimals.
    let row = |label: &str| -> Vec<String> {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(label) && l.contains('.'))
            .unwrap_or_else(|| panic!("no row for {label} in\n{text}"));
        line.split_whitespace().map(String::from).collect()
    };
    assert_eq!(
        row("us_admin"),
        ["us_admin", "0.667", "1.000", "0.800", "2"]
    );
    assert_eq!(row("other"), ["other", "0.000", "0.000", "0.000", "0"]);
    assert_eq!(row("neutral"), ["neutral", "0.500", "0.500", "0.500", "2"]);
    // Confusion header: predicted labels as columns, in label-set order.
    assert!(
        lines.contains(&"  gold \\ pred  us_admin  beijing  experts  other  none"),
        "{text}"
    );
    assert!(
        lines.contains(&"  gold \\ pred  support  conditional  oppose  neutral"),
        "{text}"
    );
}

#[test]
fn pred_from_stdin() {
    let pred = std::fs::read(PRED).unwrap();
    let out = Command::cargo_bin("stanceline")
        .unwrap()
        .args(["eval", "--gold", GOLD, "--pred", "-", "--json"])
        .write_stdin(pred)
        .assert()
        .success();
    let r: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(r["aligned"], 8);
}

#[test]
fn malformed_gold_line_exits_2_naming_file_and_line() {
    eval(&[
        "--gold",
        "tests/fixtures/eval/gold_bad.jsonl",
        "--pred",
        PRED,
    ])
    .code(2)
    .stdout(predicate::str::is_empty())
    .stderr(predicate::str::contains(
        "tests/fixtures/eval/gold_bad.jsonl: line 3: invalid JSON",
    ));
}

#[test]
fn malformed_pred_line_exits_2_naming_file_and_line() {
    eval(&[
        "--gold",
        GOLD,
        "--pred",
        "tests/fixtures/eval/pred_bad.jsonl",
        "--json",
    ])
    .code(2)
    .stderr(predicate::str::contains(
        "tests/fixtures/eval/pred_bad.jsonl: line 2: unknown stance \"maybe\"",
    ));
}

#[test]
fn missing_file_exits_2() {
    eval(&[
        "--gold",
        "tests/fixtures/eval/no_such.jsonl",
        "--pred",
        PRED,
    ])
    .code(2)
    .stderr(predicate::str::contains("no_such.jsonl"));
}
