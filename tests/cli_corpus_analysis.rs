//! Corpus-level analysis on the bundled sample corpus: the wire-copy reprints are folded by
//! `aggregate`, `compare` and `shifts`, and `shifts` finds Beijing's August 2022 suspension of
//! drug cooperation and its resumption after the November 2023 Woodside summit, with the
//! default stance model (the ensemble when the encoder is fetched, else the rules) and with
//! the rules.

mod common;

use std::path::{Path, PathBuf};

use common::{root, stanceline};
use serde_json::Value;

/// Annotates the corpus into a temporary folder; `extra` picks the stance model.
fn annotate(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annotated.jsonl");
    let run = stanceline()
        .args(["annotate", "corpus/articles.jsonl", "-q"])
        .args(extra)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    (dir, out)
}

/// Runs a subcommand on `input`; returns (stdout as JSON, stderr).
fn json(cmd: &str, input: &Path, args: &[&str]) -> (Value, String) {
    let out = stanceline()
        .arg(cmd)
        .arg(input)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{cmd}: {err}");
    (serde_json::from_slice(&out.stdout).unwrap(), err)
}

/// The doc ids of the reprints, read from the `.lab` sources (header key `reprint:`), not
/// from anything the analysis code computes.
fn reprints() -> Vec<String> {
    let mut docs = Vec::new();
    for entry in std::fs::read_dir(root().join("corpus/src")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let head: Vec<&str> = text.lines().take_while(|l| !l.trim().is_empty()).collect();
        if head.iter().any(|l| l.starts_with("reprint:")) {
            let doc = head.iter().find_map(|l| l.strip_prefix("doc:")).unwrap();
            docs.push(doc.trim().to_string());
        }
    }
    docs.sort();
    docs
}

#[test]
fn the_corpus_reprints_are_folded_by_aggregate_compare_and_shifts() {
    let reprints = reprints();
    assert_eq!(reprints.len(), 5, "{reprints:?}");
    let (dir, annotated) = annotate(&["--stance", "rules"]);
    let lines = std::fs::read_to_string(&annotated).unwrap();
    // The annotated file without the reprints' records: what counting each story once means.
    let originals = dir.path().join("originals.jsonl");
    let mut kept = String::new();
    for line in lines.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let doc = v["doc_id"].as_str().unwrap();
        if !reprints.iter().any(|r| r == doc) {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    assert!(kept.len() < lines.len(), "the reprints were annotated");
    std::fs::write(&originals, kept).unwrap();

    let (agg, err) = json("aggregate", &annotated, &["--by", "month"]);
    assert_eq!(agg["folded"], 5);
    assert!(err.contains("folded 5 near-duplicate articles"), "{err}");
    // Folding removes exactly the reprints: the rows equal those of the originals alone.
    let (alone, _) = json("aggregate", &originals, &["--by", "month", "--no-dedup"]);
    assert_eq!(alone["folded"], 0);
    assert_eq!(agg["rows"], alone["rows"]);
    // Without folding every copy counts, so some row differs.
    let (all, _) = json("aggregate", &annotated, &["--by", "month", "--no-dedup"]);
    assert_eq!(all["folded"], 0);
    assert_ne!(all["rows"], alone["rows"]);

    let range = [
        "--before",
        "2022-01..2022-07",
        "--after",
        "2022-08..2022-12",
    ];
    let (cmp, err) = json("compare", &annotated, &range);
    assert_eq!(cmp["folded"], 5);
    assert!(err.contains("folded 5 near-duplicate articles"), "{err}");
    let (cmp_alone, _) = json(
        "compare",
        &originals,
        &[&range[..], &["--no-dedup"]].concat(),
    );
    assert_eq!(cmp["actors"], cmp_alone["actors"]);

    let (sh, err) = json("shifts", &annotated, &["--actor", "beijing"]);
    assert_eq!(sh["folded"], 5);
    assert!(err.contains("folded 5 near-duplicate articles"), "{err}");
    let (sh_alone, _) = json("shifts", &originals, &["--actor", "beijing", "--no-dedup"]);
    assert_eq!(sh["actors"], sh_alone["actors"]);
}

/// Asserts that Beijing's monthly series has a fall starting in 2022-07..2022-09 and a rise
/// starting in 2023-10..2024-01.
fn finds_suspension_and_resumption(annotated: &Path, model: &str) {
    let (sh, _) = json(
        "shifts",
        annotated,
        &["--by", "month", "--actor", "beijing"],
    );
    let shifts = sh["actors"][0]["shifts"].as_array().unwrap();
    let found: Vec<(&str, &str)> = shifts
        .iter()
        .map(|s| {
            (
                s["period"].as_str().unwrap(),
                s["direction"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        found
            .iter()
            .any(|&(p, d)| ("2022-07"..="2022-09").contains(&p) && d == "toward_confrontation"),
        "{model}: no fall in 2022-07..2022-09 among {found:?}"
    );
    assert!(
        found
            .iter()
            .any(|&(p, d)| ("2023-10"..="2024-01").contains(&p) && d == "toward_cooperation"),
        "{model}: no rise in 2023-10..2024-01 among {found:?}"
    );
}

#[test]
fn shifts_finds_the_2022_suspension_and_2023_resumption_with_the_rules() {
    let (_dir, annotated) = annotate(&["--stance", "rules"]);
    finds_suspension_and_resumption(&annotated, "rules");
}

#[test]
fn shifts_finds_the_2022_suspension_and_2023_resumption_with_the_default_model() {
    let present =
        stanceline::encoder::model_present(&root().join(stanceline::encoder::DEFAULT_MODEL_DIR))
            && root().join("models/heads/stance.json").is_file();
    if !present {
        eprintln!(
            "note: no sentence encoder; the default model is the rules (scripts/fetch-model)"
        );
    }
    // No --stance: whatever `annotate` picks by default, as the README's main command runs it.
    let (_dir, annotated) = annotate(&[]);
    finds_suspension_and_resumption(&annotated, if present { "ensemble" } else { "rules" });
}
