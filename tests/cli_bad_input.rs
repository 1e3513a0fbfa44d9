//! CLI tests for `stanceline annotate` on bad and awkward input: bad JSONL records, bad
//! folder files, gzip (whole, truncated, unnamed), missing paths, the bad-record policies
//! (`--on-error`, `--quiet`) and a reader that closes the pipe early.
//!
//! Fixtures: `tests/fixtures/inputs/` (shared with the reader's unit tests) and
//! `tests/fixtures/bad/` (this file's own: one JSONL line per kind of bad field, and a
//! folder with files that have no usable date or no text).

mod common;

use common::{root, stanceline};

use std::io::{Read, Write};
use std::process::Stdio;

use flate2::write::GzEncoder;
use flate2::Compression;
use serde::Deserialize;
use serde_json::Value;

const MIXED: &str = "tests/fixtures/inputs/mixed.jsonl";
const FIELDS: &str = "tests/fixtures/bad/fields.jsonl";

/// What these tests check of an output record.
#[derive(Debug, Deserialize)]
struct Out {
    doc_id: String,
    date: String,
    sent_index: usize,
    start: usize,
    end: usize,
    text: String,
}

fn records(stdout: &[u8]) -> Vec<Out> {
    std::str::from_utf8(stdout)
        .expect("stdout is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad output line {l}: {e}")))
        .collect()
}

/// The doc_ids of `records`, each once, in order of first appearance.
fn doc_order(records: &[Out]) -> Vec<&str> {
    let mut ids: Vec<&str> = Vec::new();
    for r in records {
        if ids.last() != Some(&r.doc_id.as_str()) {
            ids.push(&r.doc_id);
        }
    }
    ids
}

/// Lines `numbers` (1-based) of a fixture, with their line endings.
fn fixture_lines(path: &str, numbers: &[usize]) -> Vec<u8> {
    let bytes = std::fs::read(root().join(path)).unwrap();
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    numbers
        .iter()
        .flat_map(|&n| lines[n - 1].to_vec())
        .collect()
}

/// The text of the article on line `n` (1-based) of a JSONL fixture: `text` or `body`.
fn fixture_text(path: &str, n: usize) -> String {
    let line = fixture_lines(path, &[n]);
    let line = std::str::from_utf8(&line)
        .unwrap()
        .trim_start_matches('\u{feff}');
    let v: Value = serde_json::from_str(line).unwrap();
    v.get("text")
        .or_else(|| v.get("body"))
        .and_then(Value::as_str)
        .unwrap()
        .to_string()
}

/// Every record of `doc` is a slice of `text` at its offsets, the records are numbered from
/// 0 in text order without overlap, and together they hold every non-space byte of `text`.
fn check_covers(records: &[Out], doc: &str, text: &str) {
    let mine: Vec<&Out> = records.iter().filter(|r| r.doc_id == doc).collect();
    assert!(!mine.is_empty(), "no records for {doc}");
    let mut prev_end = 0;
    for (i, r) in mine.iter().enumerate() {
        assert_eq!(r.sent_index, i, "{doc}: sent_index");
        assert!(
            r.start >= prev_end && r.start < r.end,
            "{doc}: offsets {r:?}"
        );
        assert_eq!(
            text.get(r.start..r.end),
            Some(r.text.as_str()),
            "{doc}: slice"
        );
        prev_end = r.end;
    }
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    let joined: String = mine.iter().map(|r| squeeze(&r.text)).collect();
    assert_eq!(
        joined,
        squeeze(text),
        "{doc}: sentences do not cover the text"
    );
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn mixed_file_names_each_bad_line_and_annotates_the_good_ones() {
    let out = stanceline()
        .args(["annotate", "--stance", "rules", MIXED])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr_of(&out));
    let err = stderr_of(&out);
    for (line, reason) in [
        (2, "invalid JSON"),
        (4, "missing \"text\""),
        (5, "impossible date \"2025-02-30\""),
    ] {
        let want = format!("{MIXED}:{line}: {reason}");
        assert!(err.contains(&want), "stderr lacks {want:?}:\n{err}");
    }
    assert!(err.contains("3 of 6 records rejected"), "{err}");

    let recs = records(&out.stdout);
    assert_eq!(doc_order(&recs), ["fent-001", "fent-002", "fent-003"]);
    // Each good article has three sentences (read off the fixture by hand).
    assert_eq!(recs.len(), 9);
    for (doc, line) in [("fent-001", 1), ("fent-002", 3), ("fent-003", 6)] {
        check_covers(&recs, doc, &fixture_text(MIXED, line));
    }
    // fent-002 comes with `id`/`body` and a month-precision date, kept as given.
    for r in &recs {
        let want = match r.doc_id.as_str() {
            "fent-001" => "2025-04-10",
            "fent-002" => "2025-05",
            _ => "2025-06-12",
        };
        assert_eq!(r.date, want, "{}", r.doc_id);
    }
}

#[test]
fn summary_counts_read_annotated_and_rejected() {
    let out = stanceline()
        .args(["annotate", "--stance", "rules", "--summary", MIXED])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("6 records read, 3 articles annotated, 3 rejected, 9 sentences"),
        "{err}"
    );
}

#[test]
fn stats_file_holds_the_reconciled_counts() {
    let dir = tempfile::tempdir().unwrap();
    let stats = dir.path().join("stats.json");
    let out = stanceline()
        .args(["annotate", "--stance", "rules", "--quiet", MIXED, "--stats"])
        .arg(&stats)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    // The fixture holds three good articles of 9 sentences in all, and three bad lines.
    assert_eq!(v["records_read"], 6);
    assert_eq!(v["annotated"], 3);
    assert_eq!(v["rejected"], 3);
    assert_eq!(v["sentences"], 9);
    assert_eq!(v["stance_model"], "rules");
    assert_eq!(records(&out.stdout).len(), 9);
}

#[test]
fn on_error_fail_stops_at_the_first_bad_record() {
    let out = stanceline()
        .args(["annotate", "--stance", "rules", "--on-error", "fail", MIXED])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains(&format!("{MIXED}:2: invalid JSON")), "{err}");
    assert!(
        !err.contains(&format!("{MIXED}:4")),
        "went on after line 2: {err}"
    );
    // Nothing after the bad line is annotated.
    let recs = records(&out.stdout);
    assert!(
        recs.iter().all(|r| r.doc_id == "fent-001"),
        "{:?}",
        doc_order(&recs)
    );
}

#[test]
fn quiet_hides_the_warnings_but_keeps_the_exit_code() {
    let out = stanceline()
        .args(["annotate", "--stance", "rules", "--quiet", MIXED])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(!err.contains("warning"), "{err}");
    assert!(!err.contains(MIXED), "{err}");
    assert_eq!(records(&out.stdout).len(), 9);
}

#[test]
fn each_kind_of_bad_field_is_named_with_its_line() {
    let out = stanceline()
        .args(["annotate", "--stance", "rules", "--summary", FIELDS])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    // Line 5 is blank (skipped, not an error); lines 1, 13 and 15 are good.
    let cases = [
        (2, "expected a JSON object, found an array"),
        (
            3,
            "\"doc_id\" must be a string or a number (found a boolean)",
        ),
        (4, "empty \"doc_id\""),
        (6, "missing \"date\""),
        (7, "\"date\" must be a string"),
        (8, "invalid date \"February 2024\""),
        (9, "impossible date \"2024-13\": month 13 does not exist"),
        (10, "empty text"),
        (11, "\"title\" must be a string (found a number)"),
        // The 0xFF byte is byte 53 of that line.
        (12, "invalid UTF-8 at byte 53"),
        (14, "\"text\" must be a string (found an array)"),
    ];
    for (line, reason) in cases {
        let want = format!("{FIELDS}:{line}: {reason}");
        assert!(err.contains(&want), "stderr lacks {want:?}:\n{err}");
    }
    for line in [1, 5, 13, 15] {
        let unwanted = format!("{FIELDS}:{line}:");
        assert!(!err.contains(&unwanted), "line {line} reported:\n{err}");
    }
    assert!(
        err.contains("14 records read, 3 articles annotated, 11 rejected"),
        "{err}"
    );

    let recs = records(&out.stdout);
    // A BOM on line 1, a numeric `id` with `body` and a CRLF ending, a null title.
    assert_eq!(doc_order(&recs), ["ok-bom", "2024", "null-title"]);
    check_covers(&recs, "ok-bom", &fixture_text(FIELDS, 1));
    check_covers(&recs, "2024", &fixture_text(FIELDS, 13));
    check_covers(&recs, "null-title", &fixture_text(FIELDS, 15));
    let dates: Vec<(&str, &str)> = recs
        .iter()
        .map(|r| (r.doc_id.as_str(), r.date.as_str()))
        .collect();
    assert!(dates.contains(&("2024", "2024")), "{dates:?}");
    assert!(dates.contains(&("null-title", "2024-02")), "{dates:?}");
    // The CR of the CRLF ending is not part of the text.
    assert!(recs.iter().all(|r| !r.text.contains('\r')));
}

#[test]
fn folder_input_gives_one_article_per_file() {
    let out = stanceline()
        .args([
            "annotate",
            "--stance",
            "rules",
            "tests/fixtures/inputs/folder/",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let recs = records(&out.stdout);
    // Byte-wise order of the file names; doc_id is the name without extension.
    assert_eq!(
        doc_order(&recs),
        ["2025-04-15-precursor-controls", "analysis", "briefing"]
    );
    for r in &recs {
        let want = match r.doc_id.as_str() {
            "2025-04-15-precursor-controls" => "2025-04-15", // from the file name
            "analysis" => "2025-06",                         // from the front matter
            _ => "2025-05-02",                               // from the header block
        };
        assert_eq!(r.date, want, "{}", r.doc_id);
    }
    // The header block is not part of the text: the first sentence of the briefing is
    // the body's first line, at offset 0.
    let first = recs.iter().find(|r| r.doc_id == "briefing").unwrap();
    assert_eq!(first.start, 0);
    assert!(
        first
            .text
            .starts_with("The White House press secretary said"),
        "{}",
        first.text
    );
}

#[test]
fn bad_folder_files_are_named_and_skipped() {
    let dir = "tests/fixtures/bad/folder";
    let out = stanceline()
        .args(["annotate", "--stance", "rules", dir])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    for (file, reason) in [
        (
            "2024-02-30-impossible-name-date.txt",
            "impossible date \"2024-02-30\"",
        ),
        ("empty.md", "empty text"),
        ("no-date.txt", "no date"),
    ] {
        let want = format!("{dir}/{file}:1: {reason}");
        assert!(err.contains(&want), "stderr lacks {want:?}:\n{err}");
    }
    assert!(err.contains("3 of 5 records rejected"), "{err}");
    let recs = records(&out.stdout);
    assert_eq!(doc_order(&recs), ["2024-03-01-good", "header-date"]);
    let dates: Vec<&str> = recs.iter().map(|r| r.date.as_str()).collect();
    assert_eq!(dates, ["2024-03-01", "2024-03-05"]);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn gzip_input_gives_the_same_records_as_the_plain_file() {
    let plain = stanceline()
        .args(["annotate", "--stance", "rules", MIXED])
        .output()
        .unwrap();
    assert_eq!(plain.status.code(), Some(1));
    assert!(!plain.stdout.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let good = fixture_lines(MIXED, &[1, 3, 6]);
    let gz = gzip(&good);
    // By extension, and by the magic bytes alone.
    for name in ["good.jsonl.gz", "good.data"] {
        let path = dir.path().join(name);
        std::fs::write(&path, &gz).unwrap();
        let out = stanceline()
            .args(["annotate", "--stance", "rules"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}: {}", stderr_of(&out));
        assert_eq!(out.stdout, plain.stdout, "{name}");
    }
    // Gzip on stdin.
    let out = stanceline()
        .args(["annotate", "--stance", "rules", "-"])
        .write_stdin(gz)
        .output()
        .unwrap();
    assert!(out.status.success(), "stdin: {}", stderr_of(&out));
    assert_eq!(out.stdout, plain.stdout, "stdin");
}

#[test]
fn truncated_gzip_is_an_error_and_the_next_path_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let gz = gzip(&fixture_lines(MIXED, &[1, 3, 6]));
    let cut = dir.path().join("cut.jsonl.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    let out = stanceline()
        .args(["annotate", "--stance", "rules"])
        .arg(&cut)
        .arg("tests/fixtures/inputs/folder")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains(&cut.display().to_string()), "{err}");
    let recs = records(&out.stdout);
    let ids = doc_order(&recs);
    assert!(
        ids.ends_with(&["2025-04-15-precursor-controls", "analysis", "briefing"]),
        "{ids:?}"
    );
}

#[test]
fn missing_path_is_named_and_the_other_paths_are_annotated() {
    let missing = "tests/fixtures/bad/no-such-file.jsonl";
    let out = stanceline()
        .args([
            "annotate",
            "--stance",
            "rules",
            missing,
            MIXED,
            "tests/fixtures/inputs/folder",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains(missing), "{err}");
    let recs = records(&out.stdout);
    assert_eq!(
        doc_order(&recs),
        [
            "fent-001",
            "fent-002",
            "fent-003",
            "2025-04-15-precursor-controls",
            "analysis",
            "briefing"
        ]
    );
}

#[test]
fn closed_stdout_ends_the_run_quietly() {
    let corpus = std::fs::read_to_string(root().join("corpus/articles.jsonl")).unwrap();
    // Far more output than a pipe buffer holds, so writes go on after the reader leaves.
    // Each copy gets its own doc_ids: repeated ones would be rejected, and their warnings
    // would fill the stderr pipe that this test reads only at the end.
    let input: Vec<u8> = (0..8)
        .map(|i| corpus.replace("\"doc_id\": \"", &format!("\"doc_id\": \"copy{i}-")))
        .collect::<String>()
        .into_bytes();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("stanceline"))
        .current_dir(root())
        .args(["annotate", "--stance", "rules", "--threads", "2", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The child may exit before reading all of it; a failed write here is expected.
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut head = [0u8; 64];
    stdout.read_exact(&mut head).unwrap();
    assert!(head.starts_with(b"{\"schema\""), "{head:?}");
    drop(stdout);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    feeder.join().unwrap();
    assert!(status.success(), "status {status:?}, stderr: {err}");
    assert!(!err.to_lowercase().contains("error"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A reported action whose 60-byte look-ahead window ends inside a multi-byte character
/// (the curly apostrophe): attribution used to slice the sentence there and panic.
#[test]
fn multibyte_character_at_the_reported_action_window_does_not_panic() {
    let text = "A White House spokesman said China agreed on Wednesday to curb the \
                shipments of fentanyl\u{2019}s precursor chemicals.";
    // The window starts after "said " and would end inside the apostrophe.
    let content_start = text.find("China").unwrap();
    let apostrophe = text.find('\u{2019}').unwrap();
    assert!((apostrophe + 1..apostrophe + 3).contains(&(content_start + 60)));

    let line = serde_json::json!({"doc_id": "utf8-window", "date": "2025-05-01", "text": text});
    let out = stanceline()
        .args(["annotate", "--stance", "rules", "-"])
        .write_stdin(format!("{line}\n"))
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let recs = records(&out.stdout);
    assert_eq!(recs.len(), 1);
    check_covers(&recs, "utf8-window", text);
}

/// A period after a lowercase letter whose word starts right after a multi-byte
/// punctuation mark (the closing curly quote): the clause-end check slices one byte past
/// the quote's first byte used to panic. Input shrunk by the property test in
/// tests/annotate_props.rs.
#[test]
fn word_after_a_curly_quote_before_a_period_does_not_panic() {
    let text = "\"\u{201d}Mr.  said ";
    let line = serde_json::json!({"doc_id": "quote-word", "date": "2025", "text": text});
    let out = stanceline()
        .args(["annotate", "--stance", "rules", "-"])
        .write_stdin(format!("{line}\n"))
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    check_covers(&records(&out.stdout), "quote-word", text);
}

/// The fields fixture must keep its BOM and CRLF bytes (an editor may strip them), or the
/// test above would pass without testing them.
#[test]
fn fields_fixture_keeps_its_bom_and_crlf() {
    assert!(fixture_lines(FIELDS, &[1]).starts_with(b"\xEF\xBB\xBF{"));
    assert!(fixture_lines(FIELDS, &[13]).ends_with(b"}\r\n"));
}
