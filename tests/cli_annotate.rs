//! CLI tests for `stanceline annotate` on the bundled corpus and on small fixtures.

mod common;

use common::{root, stanceline};

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

/// The test's own view of an output record: only what it checks.
#[derive(Debug, Deserialize)]
struct Out {
    schema: String,
    doc_id: String,
    date: String,
    sent_index: usize,
    start: usize,
    end: usize,
    text: String,
    speaker: OutSpeaker,
    cue: Option<OutSpan>,
    content: Option<OutRange>,
    stance: String,
    hedged: bool,
    confidence: f64,
    evidence: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct OutSpeaker {
    group: String,
    text: Option<String>,
    start: Option<usize>,
    end: Option<usize>,
}

#[derive(Debug, Deserialize)]
struct OutSpan {
    text: String,
    start: usize,
    end: usize,
}

#[derive(Debug, Deserialize)]
struct OutRange {
    start: usize,
    end: usize,
}

#[derive(Debug, Deserialize)]
struct In {
    doc_id: String,
    date: String,
    text: String,
}

fn articles(path: &Path) -> HashMap<String, In> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<In>(l).unwrap())
        .map(|a| (a.doc_id.clone(), a))
        .collect()
}

fn parse(stdout: &[u8]) -> Vec<Out> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l}: {e}")))
        .collect()
}

#[test]
fn annotates_the_corpus_with_valid_spans_and_labels() {
    let corpus = root().join("corpus/articles.jsonl");
    let arts = articles(&corpus);
    let out = stanceline()
        .args([
            "annotate",
            "corpus/articles.jsonl",
            "--stance",
            "rules",
            "--threads",
            "2",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let recs = parse(&out);
    assert!(recs.len() > 800, "only {} sentences", recs.len());
    let mut seen_docs = std::collections::BTreeSet::new();
    let mut next_index: HashMap<&str, usize> = HashMap::new();
    for r in &recs {
        assert_eq!(r.schema, "stanceline/v1.1");
        let a = &arts[&r.doc_id];
        assert_eq!(r.date, a.date);
        assert_eq!(
            &a.text[r.start..r.end],
            r.text,
            "{}#{}",
            r.doc_id,
            r.sent_index
        );
        let want = next_index.entry(&r.doc_id).or_insert(0);
        assert_eq!(r.sent_index, *want, "sentences in order");
        *want += 1;
        assert!(
            ["us_admin", "beijing", "experts", "other", "none"].contains(&r.speaker.group.as_str())
        );
        assert!(["support", "conditional", "oppose", "neutral"].contains(&r.stance.as_str()));
        assert!((0.0..=1.0).contains(&r.confidence));
        assert!(!r.evidence.is_empty());
        if let (Some(t), Some(s), Some(e)) = (&r.speaker.text, r.speaker.start, r.speaker.end) {
            assert_eq!(&a.text[s..e], t);
            assert!(r.start <= s && e <= r.end, "speaker inside sentence");
        }
        if let Some(c) = &r.cue {
            assert_eq!(&a.text[c.start..c.end], c.text);
        }
        if let Some(c) = &r.content {
            assert!(r.start <= c.start && c.end <= r.end && c.start < c.end);
        }
        let _ = r.hedged;
        seen_docs.insert(r.doc_id.clone());
    }
    assert_eq!(seen_docs.len(), arts.len(), "every article annotated");
    // Every group and every stance occurs somewhere in the corpus.
    for g in ["us_admin", "beijing", "experts", "other", "none"] {
        assert!(recs.iter().any(|r| r.speaker.group == g), "no {g}");
    }
    for s in ["support", "conditional", "oppose", "neutral"] {
        assert!(recs.iter().any(|r| r.stance == s), "no {s}");
    }
}

#[test]
fn output_is_identical_for_any_thread_count() {
    // The corpus three times over (doc_ids made unique per copy): more articles than one
    // parallel batch holds, so batch boundaries are crossed too.
    let corpus = std::fs::read_to_string(root().join("corpus/articles.jsonl")).unwrap();
    let input: String = (0..3)
        .map(|i| corpus.replace("\"doc_id\": \"", &format!("\"doc_id\": \"copy{i}-")))
        .collect();
    assert!(input.lines().count() > 256);
    let run = |threads: &str| {
        stanceline()
            .args(["annotate", "-", "--stance", "rules", "--threads", threads])
            .write_stdin(input.clone())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let one = run("1");
    assert!(!one.is_empty());
    for n in ["2", "8"] {
        assert!(one == run(n), "--threads {n} differs from --threads 1");
    }
}

#[test]
fn summary_table_goes_to_stderr() {
    let assert = stanceline()
        .args([
            "annotate",
            "corpus/articles.jsonl",
            "--stance",
            "rules",
            "--summary",
            "-o",
        ])
        .arg(std::env::temp_dir().join(format!("stanceline-summary-{}.jsonl", std::process::id())))
        .assert()
        .success();
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(err.contains("speaker"), "{err}");
    for row in ["us_admin", "beijing", "experts", "other", "none"] {
        assert!(
            err.lines().any(|l| l.starts_with(row)),
            "no row {row} in {err}"
        );
    }
    assert!(
        assert.get_output().stdout.is_empty(),
        "-o keeps stdout empty"
    );
}

#[test]
fn stdin_and_file_give_the_same_output() {
    let input = std::fs::read(root().join("corpus/articles.jsonl")).unwrap();
    let from_stdin = stanceline()
        .args(["annotate", "--stance", "rules", "--threads", "1"])
        .write_stdin(input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let from_file = stanceline()
        .args([
            "annotate",
            "corpus/articles.jsonl",
            "--stance",
            "rules",
            "--threads",
            "1",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(from_stdin == from_file);
}

#[test]
fn invalid_topic_file_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let topic = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(root().join("models/topics/us-china.toml"))
        .unwrap()
        .replace("[groups.other]", "[groups.martians]");
    std::fs::write(&topic, text).unwrap();
    let assert = stanceline()
        .args(["annotate", "corpus/articles.jsonl", "--topic"])
        .arg(&topic)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(err.contains("groups.martians"), "{err}");
}

#[test]
fn ensemble_output_is_identical_for_one_and_two_threads() {
    if !stanceline::encoder::model_present(&root().join(stanceline::encoder::DEFAULT_MODEL_DIR)) {
        eprintln!("skipped: no sentence encoder (run scripts/fetch-model)");
        return;
    }
    let run = |threads: &str| {
        stanceline()
            .args([
                "annotate",
                "corpus/articles.jsonl",
                "--stance",
                "ensemble",
                "--threads",
                threads,
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert!(one == run("2"), "--threads 2 differs from --threads 1");
    let text = String::from_utf8(one).unwrap();
    assert!(text.contains("head.ensemble"), "the ensemble head ran");
}

#[test]
fn without_a_model_rules_run_and_say_so_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = stanceline()
        .args([
            "annotate",
            "corpus/articles.jsonl",
            "--summary",
            "--model-dir",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(err.matches("note: stance model: rules").count(), 1, "{err}");
    assert!(err.contains("stance model rules"), "{err}");
}
