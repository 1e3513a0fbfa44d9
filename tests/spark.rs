//! The Spark driver (scripts/spark-annotate) in local mode against the single-process run:
//! the same aggregate, the same sentences, and counts that reconcile over the partitions.
//!
//! These tests need Java and PyPI (the script installs PySpark into .venv-spark/ on first
//! use). When either is missing the script exits 2 with the reason and the tests fail with
//! it: they never skip.

mod common;

use std::path::Path;
use std::process::Output;
use std::sync::Mutex;

use assert_cmd::Command;
use common::{root, stanceline};
use serde_json::Value;

/// One Spark run at a time: each starts a JVM, and the CI machine has two cores.
static SPARK: Mutex<()> = Mutex::new(());

/// Runs scripts/spark-annotate with ARGS from the repository root, with the binary under
/// test, and fails with the script's stderr when it could not run (exit status 2).
fn spark(args: &[&str]) -> Output {
    let _one = SPARK.lock().unwrap_or_else(|e| e.into_inner());
    let out = Command::new(root().join("scripts/spark-annotate"))
        .current_dir(root())
        .env("STANCELINE_BIN", env!("CARGO_BIN_EXE_stanceline"))
        .args(args)
        .output()
        .expect("cannot start scripts/spark-annotate");
    if out.status.code() == Some(2) || out.status.code().is_none() {
        panic!(
            "scripts/spark-annotate could not run (exit {:?}); this test needs Java 17 and PySpark from PyPI:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// One partition's counts as the driver prints them on stderr.
#[derive(Debug, Default, PartialEq)]
struct Counts {
    read: u64,
    annotated: u64,
    rejected: u64,
    sentences: u64,
}

/// Parses `stanceline-spark: partition K [..]: R records read, A annotated, J rejected, S
/// sentences` lines.
fn partition_lines(stderr: &str) -> Vec<Counts> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("stanceline-spark: partition "))
        .map(|l| {
            let tail = l
                .split("]: ")
                .nth(1)
                .expect("partition line without counts");
            let nums: Vec<u64> = tail
                .split(", ")
                .map(|part| part.split(' ').next().unwrap().parse().unwrap())
                .collect();
            Counts {
                read: nums[0],
                annotated: nums[1],
                rejected: nums[2],
                sentences: nums[3],
            }
        })
        .collect()
}

/// The same counts from `OUT/partitions`, one JSON object per partition.
fn partition_files(out: &Path) -> Vec<Counts> {
    let text = std::fs::read_to_string(out.join("partitions/part-00000")).unwrap();
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            Counts {
                read: v["records_read"].as_u64().unwrap(),
                annotated: v["annotated"].as_u64().unwrap(),
                rejected: v["rejected"].as_u64().unwrap(),
                sentences: v["sentences"].as_u64().unwrap(),
            }
        })
        .collect()
}

fn total(parts: &[Counts]) -> Counts {
    parts.iter().fold(Counts::default(), |t, c| Counts {
        read: t.read + c.read,
        annotated: t.annotated + c.annotated,
        rejected: t.rejected + c.rejected,
        sentences: t.sentences + c.sentences,
    })
}

/// Sentence records sorted by (doc_id, sent_index), as text lines.
fn sorted_records(lines: impl Iterator<Item = String>) -> Vec<String> {
    let mut keyed: Vec<((String, u64), String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(&l).unwrap();
            let key = (
                v["doc_id"].as_str().unwrap().to_string(),
                v["sent_index"].as_u64().unwrap(),
            );
            (key, l)
        })
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, l)| l).collect()
}

/// Every line of the annotated partitions under OUT, and how many partition files hold them.
fn spark_records(out: &Path) -> (Vec<String>, usize) {
    let mut parts: Vec<_> = std::fs::read_dir(out.join("annotated"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("part-")
        })
        .collect();
    parts.sort();
    let lines = parts
        .iter()
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect();
    (lines, parts.len())
}

/// The single-process reference: annotate INPUT (rules) to a file, its --stats, and the
/// monthly aggregate table of that file.
fn single_process(input: &Path, dir: &Path) -> (Vec<String>, Value, Vec<u8>) {
    let jsonl = dir.join("single.jsonl");
    let stats = dir.join("single-stats.json");
    stanceline()
        .args(["annotate", "--stance", "rules", "-q", "-o"])
        .arg(&jsonl)
        .arg("--stats")
        .arg(&stats)
        .arg(input)
        .output()
        .unwrap();
    let stats: Value = serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    let table = stanceline()
        .arg("aggregate")
        .arg(&jsonl)
        .output()
        .unwrap()
        .stdout;
    let records = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    (records, stats, table)
}

#[test]
fn local_spark_run_matches_the_single_process_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = root().join("corpus/articles.jsonl");
    let articles = std::fs::read_to_string(&input)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count() as u64;
    let (single, stats, table) = single_process(&input, dir.path());
    assert_eq!(stats["records_read"].as_u64(), Some(articles));
    assert_eq!(stats["rejected"].as_u64(), Some(0));

    let out = dir.path().join("spark");
    let run = spark(&[
        "corpus/articles.jsonl",
        "--out",
        out.to_str().unwrap(),
        "--master",
        "local[2]",
        "--partitions",
        "5",
        "--",
        "--stance",
        "rules",
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");

    // (a) the merged aggregate is the single-process table, byte for byte.
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&table),
        "{stderr}"
    );
    // (b) the same sentences, once sorted, from at least 4 partitions.
    let (lines, files) = spark_records(&out);
    assert_eq!(files, 5);
    let sorted_single = sorted_records(single.into_iter());
    assert_eq!(sorted_records(lines.into_iter()), sorted_single);
    // (c) every record is read by exactly one partition, and the counts add up.
    let parts = partition_lines(&stderr);
    assert_eq!(parts.len(), 5, "{stderr}");
    assert_eq!(partition_files(&out), parts);
    assert!(
        parts.iter().filter(|c| c.read > 0).count() >= 4,
        "{parts:?}"
    );
    let sum = total(&parts);
    assert_eq!(
        sum,
        Counts {
            read: articles,
            annotated: articles,
            rejected: 0,
            sentences: sorted_single.len() as u64,
        }
    );
    assert!(
        stderr.contains(&format!(
            "{articles} records read in 5 partitions: {articles} annotated, 0 rejected"
        )),
        "{stderr}"
    );
}

#[test]
fn bad_records_are_counted_in_their_partition_and_in_the_totals() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = std::fs::read_to_string(root().join("corpus/articles.jsonl")).unwrap();
    let good: Vec<&str> = corpus.lines().filter(|l| !l.trim().is_empty()).collect();
    // Four bad records: three without a usable date (partition 0 gets those: none, an
    // impossible one, one cut short), and one dated in the corpus's last month but without
    // text (its month's partition).
    let last_month = good
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["date"]
                .as_str()
                .unwrap()[..7]
                .to_string()
        })
        .max()
        .unwrap();
    let no_text = format!(r#"{{"doc_id": "no-text", "date": "{last_month}-01"}}"#);
    let bad = [
        r#"{"doc_id": "no-date", "text": "A ministry spokesman said talks would go on."}"#,
        r#"{"doc_id": "bad-day", "date": "2024-02-30", "text": "Officials met again."}"#,
        r#"{"doc_id": "cut-short", "date": "2022-05-0"#,
        no_text.as_str(),
    ];
    let mut lines: Vec<&str> = Vec::new();
    for (i, l) in good.iter().enumerate() {
        lines.push(l);
        if i % 30 == 10 {
            lines.push(bad[i / 30]);
        }
    }
    let input = dir.path().join("with-bad.jsonl");
    std::fs::write(&input, lines.join("\n") + "\n\n").unwrap();
    let (_, stats, table) = single_process(&input, dir.path());
    assert_eq!(stats["rejected"].as_u64(), Some(4));

    let out = dir.path().join("spark");
    let run = spark(&[
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--partitions",
        "4",
        "--",
        "--stance",
        "rules",
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    // Like annotate: the run finishes, and exits 1 because records were rejected.
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&table)
    );
    // annotate's own warnings reach stderr, one per bad record.
    assert_eq!(
        stderr.matches("stanceline: warning: -:").count(),
        4,
        "{stderr}"
    );

    let parts = partition_lines(&stderr);
    assert_eq!(parts.len(), 4, "{stderr}");
    assert_eq!(partition_files(&out), parts);
    // The undated records land in partition 0; the one with a date in its own month's
    // partition, which is the last one.
    assert_eq!(parts[0].rejected, 3, "{parts:?}");
    assert_eq!(parts[3].rejected, 1, "{parts:?}");
    for c in &parts {
        assert_eq!(c.read, c.annotated + c.rejected, "{parts:?}");
    }
    let sum = total(&parts);
    let n = good.len() as u64;
    assert_eq!((sum.read, sum.annotated, sum.rejected), (n + 4, n, 4));
    assert!(
        stderr.contains(&format!(
            "{} records read in 4 partitions: {n} annotated, 4 rejected",
            n + 4
        )),
        "{stderr}"
    );
}

/// The driver's own doctests: where the month cuts go (scripts/spark_annotate.py,
/// `plan_partitions`). They need python3 only, not Spark.
#[test]
fn driver_doctests_pass() {
    let out = Command::new("python3")
        .current_dir(root().join("scripts"))
        .args(["-m", "doctest", "-v", "spark_annotate.py"])
        .output()
        .expect("python3 is needed for scripts/spark_annotate.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Test passed."),
        "the doctests did not run:\n{stdout}"
    );
}
