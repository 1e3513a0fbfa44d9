//! CLI tests for `annotate` on each kind of bad input that a scraped corpus holds: every
//! one must be named (file and line), listed in the `--errors` file, counted in `--stats`
//! with `records_read = annotated + rejected`, and end the run with exit status 1. Also:
//! output is never left half-written under its final name (a failed run, Ctrl-C, SIGTERM).
//!
//! Big inputs (a 20 MB article, a 100 MB line) are generated in temporary folders.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::stanceline;
use serde_json::Value;

/// A good JSONL record of two sentences (written for these tests).
fn good(id: &str) -> String {
    format!(
        "{{\"id\":\"{id}\",\"date\":\"2025-04-10\",\"text\":\"Beijing said it would tighten controls on precursor chemicals. The talks resume in May.\"}}\n"
    )
}

/// What one `annotate` run left behind.
struct Run {
    code: Option<i32>,
    stderr: String,
    /// The `--errors` file, one value per line.
    errors: Vec<Value>,
    /// The `--stats` file.
    stats: Value,
    /// Number of output records (sentences).
    sentences: usize,
}

/// Runs `annotate --stance rules` on `inputs` with `-o`, `--errors` and `--stats` in `dir`.
fn annotate(dir: &Path, inputs: &[PathBuf]) -> Run {
    let (out, errors, stats) = (
        dir.join("out.jsonl"),
        dir.join("errors.jsonl"),
        dir.join("stats.json"),
    );
    let done = stanceline()
        .args(["annotate", "--stance", "rules", "--threads", "2", "-o"])
        .arg(&out)
        .arg("--errors")
        .arg(&errors)
        .arg("--stats")
        .arg(&stats)
        .args(inputs)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    Run {
        code: done.status.code(),
        stderr: String::from_utf8_lossy(&done.stderr).into_owned(),
        errors: read(&errors)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
        stats: serde_json::from_str(&read(&stats)).unwrap_or(Value::Null),
        sentences: read(&out).lines().count(),
    }
}

impl Run {
    /// Exit status 1, the counts as given, and counts that reconcile.
    fn assert_counts(&self, read: u64, annotated: u64, rejected: u64) {
        assert_eq!(self.code, Some(1), "{}", self.stderr);
        let n = |k: &str| self.stats[k].as_u64().unwrap();
        assert_eq!(
            (n("records_read"), n("annotated"), n("rejected")),
            (read, annotated, rejected),
            "{}",
            self.stderr
        );
        assert_eq!(n("records_read"), n("annotated") + n("rejected"));
        assert_eq!(self.errors.len() as u64, rejected, "{:?}", self.errors);
        assert!(
            self.stderr.contains(&format!(
                "{rejected} of {read} records rejected (see the warnings above); {annotated} annotated"
            )),
            "{}",
            self.stderr
        );
    }

    /// The warning for `file:line` says `reason_part`, and the `--errors` file has the same.
    fn assert_rejected(
        &self,
        file: &Path,
        line: Option<u64>,
        doc_id: Option<&str>,
        reason_part: &str,
    ) {
        let file = file.to_string_lossy();
        let entry = self
            .errors
            .iter()
            .find(|e| e["file"] == *file && e["line"].as_u64() == line)
            .unwrap_or_else(|| panic!("no --errors entry for {file}:{line:?}: {:?}", self.errors));
        assert_eq!(entry["doc_id"].as_str(), doc_id, "{entry}");
        let reason = entry["reason"].as_str().unwrap();
        assert!(
            reason.contains(reason_part),
            "{reason:?} lacks {reason_part:?}"
        );
        let warning = match line {
            Some(l) => format!("stanceline: warning: {file}:{l}: {reason}"),
            None => format!("stanceline: warning: {file}: {reason}"),
        };
        assert!(
            self.stderr.contains(&warning),
            "{warning:?} not in:\n{}",
            self.stderr
        );
    }
}

#[test]
fn invalid_utf8_rejects_its_record_only() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let mut bytes = good("a").into_bytes();
    // 0xFF can never occur in UTF-8; it is byte 42 of this line (counted by hand).
    bytes.extend_from_slice(b"{\"id\":\"b\",\"date\":\"2025-04-10\",\"text\":\"caf\xFF\"}\n");
    bytes.extend_from_slice(good("c").as_bytes());
    std::fs::write(&input, bytes).unwrap();
    let run = annotate(dir.path(), std::slice::from_ref(&input));
    run.assert_counts(3, 2, 1);
    // Rejected, not repaired: the line is not valid UTF-8, so its doc_id is not read either.
    run.assert_rejected(
        &input,
        Some(2),
        None,
        "invalid UTF-8 at byte 42 of the line",
    );
    assert_eq!(run.sentences, 4);
}

#[test]
fn empty_text_is_rejected_with_its_doc_id() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let lines = [
        good("a"),
        "{\"id\":\"blank\",\"date\":\"2025-04-10\",\"text\":\" \\n\\t \"}\n".into(),
        "{\"id\":\"empty\",\"date\":\"2025-04-10\",\"text\":\"\"}\n".into(),
    ];
    std::fs::write(&input, lines.concat()).unwrap();
    let run = annotate(dir.path(), std::slice::from_ref(&input));
    run.assert_counts(3, 1, 2);
    run.assert_rejected(&input, Some(2), Some("blank"), "empty text");
    run.assert_rejected(&input, Some(3), Some("empty"), "empty text");
}

#[test]
fn a_20_mb_article_is_rejected_by_the_article_limit() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jsonl");
    let sentence = "Officials met again to discuss shipments. ";
    let text = sentence.repeat(20_000_000 / sentence.len());
    let mut f = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    write!(f, "{}", good("before")).unwrap();
    writeln!(
        f,
        "{{\"id\":\"huge\",\"date\":\"2025-04-10\",\"text\":\"{text}\"}}"
    )
    .unwrap();
    write!(f, "{}", good("after")).unwrap();
    f.flush().unwrap();
    drop(f);
    let run = annotate(dir.path(), std::slice::from_ref(&input));
    run.assert_counts(3, 2, 1);
    run.assert_rejected(
        &input,
        Some(2),
        Some("huge"),
        &format!(
            "text of {} bytes is longer than the 4 MiB allowed",
            text.len()
        ),
    );
    assert_eq!(run.sentences, 4);
}

#[test]
fn a_100_mb_line_is_skipped_without_reading_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("long-line.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    write!(f, "{}", good("before")).unwrap();
    write!(
        f,
        "{{\"id\":\"endless\",\"date\":\"2025-04-10\",\"text\":\""
    )
    .unwrap();
    let chunk = [b'z'; 1 << 20];
    for _ in 0..100 {
        f.write_all(&chunk).unwrap();
    }
    writeln!(f, "\"}}").unwrap();
    write!(f, "{}", good("after")).unwrap();
    f.flush().unwrap();
    drop(f);
    let run = annotate(dir.path(), std::slice::from_ref(&input));
    run.assert_counts(3, 2, 1);
    // Only the first 32 MiB are held, so the doc_id at its start is not parsed.
    run.assert_rejected(
        &input,
        Some(2),
        None,
        "line longer than 33554432 bytes; skipped",
    );
    assert_eq!(run.sentences, 4);
}

#[test]
fn missing_and_impossible_dates_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dates.jsonl");
    let lines = [
        "{\"id\":\"no-date\",\"text\":\"Talks resumed.\"}\n".to_string(),
        "{\"id\":\"feb-30\",\"date\":\"2025-02-30\",\"text\":\"Talks resumed.\"}\n".into(),
        "{\"id\":\"five-digits\",\"date\":\"20251\",\"text\":\"Talks resumed.\"}\n".into(),
        "{\"id\":\"month-13\",\"date\":\"2025-13\",\"text\":\"Talks resumed.\"}\n".into(),
        good("ok"),
    ];
    std::fs::write(&input, lines.concat()).unwrap();
    let run = annotate(dir.path(), std::slice::from_ref(&input));
    run.assert_counts(5, 1, 4);
    run.assert_rejected(&input, Some(1), Some("no-date"), "missing \"date\"");
    run.assert_rejected(
        &input,
        Some(2),
        Some("feb-30"),
        "impossible date \"2025-02-30\": day 30 does not exist in that month",
    );
    run.assert_rejected(
        &input,
        Some(3),
        Some("five-digits"),
        "invalid date \"20251\": expected YYYY-MM-DD, YYYY-MM or YYYY",
    );
    run.assert_rejected(
        &input,
        Some(4),
        Some("month-13"),
        "impossible date \"2025-13\": month 13 does not exist",
    );
}

#[test]
fn a_repeated_doc_id_is_rejected_and_the_first_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    std::fs::write(&a, [good("x"), good("y"), good("x")].concat()).unwrap();
    std::fs::write(&b, good("y")).unwrap();
    let run = annotate(dir.path(), &[a.clone(), b.clone()]);
    run.assert_counts(4, 2, 2);
    let dup = "an earlier record has it; rejected";
    run.assert_rejected(
        &a,
        Some(3),
        Some("x"),
        &format!("duplicate doc_id \"x\": {dup}"),
    );
    run.assert_rejected(
        &b,
        Some(1),
        Some("y"),
        &format!("duplicate doc_id \"y\": {dup}"),
    );
}

#[test]
fn truncated_gzip_is_one_rejected_record_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cut.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..400 {
        enc.write_all(good(&format!("g{i}")).as_bytes()).unwrap();
    }
    let gz = enc.finish().unwrap();
    std::fs::write(&input, &gz[..gz.len() / 2]).unwrap();
    let after = dir.path().join("after.jsonl");
    std::fs::write(&after, good("after")).unwrap();
    let run = annotate(dir.path(), &[input.clone(), after]);
    // How many lines come out before the cut depends on the compressor; all of them, the
    // broken one and the next file's are accounted for.
    let annotated = run.stats["annotated"].as_u64().unwrap();
    assert!((2..400).contains(&annotated), "{annotated}");
    run.assert_counts(annotated + 1, annotated, 1);
    // The line being read when the stream broke comes right after the good ones (all
    // annotated records but the next file's one).
    run.assert_rejected(&input, Some(annotated), None, "read error (");
    assert_eq!(run.sentences as u64, 2 * annotated);
}

#[test]
fn binary_garbage_is_rejected_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("garbage.bin");
    // A fixed pseudo-random byte stream (xorshift), not starting with the gzip magic.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut bytes: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    bytes[0] = b'x';
    std::fs::write(&input, &bytes).unwrap();
    // The reader's documented rule: a line that is only ASCII whitespace is skipped; every
    // other line is one record.
    let records = bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .count() as u64;
    assert!(records > 100, "{records}");
    let run = annotate(dir.path(), std::slice::from_ref(&input));
    run.assert_counts(records, 0, records);
    run.assert_rejected(&input, Some(1), None, "");
    assert!(run.errors.iter().all(|e| {
        let r = e["reason"].as_str().unwrap();
        r.starts_with("invalid UTF-8")
            || r.starts_with("invalid JSON")
            || r.starts_with("expected a JSON object")
    }));
    assert_eq!(run.sentences, 0);
}

/// True when the tests run with privileges that ignore file permissions (root): then a
/// mode-000 file is still readable, and that sub-case says so and is skipped.
fn permissions_are_ignored(dir: &Path) -> bool {
    let probe = dir.join("probe");
    std::fs::write(&probe, "x").unwrap();
    set_mode(&probe, 0o000);
    let readable = std::fs::read(&probe).is_ok();
    std::fs::remove_file(&probe).unwrap();
    readable
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_folder_with_unreadable_files_and_link_loops_names_each() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("articles");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    let text = "date: 2025-04-10\n\nBeijing said it would tighten controls. Talks resume in May.\n";
    std::fs::write(root.join("good.txt"), text).unwrap();
    std::fs::write(root.join("sub/also-good.txt"), text).unwrap();
    // A link to a file that does not exist, a link to itself, and a folder link that
    // leads back to the root.
    symlink(root.join("gone.txt"), root.join("dangling.txt")).unwrap();
    symlink(root.join("self.txt"), root.join("self.txt")).unwrap();
    symlink(&root, root.join("sub/loop")).unwrap();
    // A FIFO named like an article: opening it would wait for a writer forever.
    let made = std::process::Command::new("mkfifo")
        .arg(root.join("pipe.txt"))
        .status();
    let fifo = made.is_ok_and(|s| s.success());
    if !fifo {
        eprintln!("skipping the FIFO sub-case: mkfifo is not available");
    }
    let locked = root.join("locked.txt");
    std::fs::write(&locked, text).unwrap();
    set_mode(&locked, 0o000);
    let privileged = permissions_are_ignored(dir.path());
    if privileged {
        eprintln!("skipping the mode-000 sub-case: running as root, which reads it anyway");
    }

    let run = annotate(dir.path(), std::slice::from_ref(&root));
    let (bad, good_files) = (
        3 + u64::from(fifo) + u64::from(!privileged),
        2 + u64::from(privileged),
    );
    run.assert_counts(bad + good_files, good_files, bad);
    run.assert_rejected(&root.join("dangling.txt"), None, None, "No such file");
    run.assert_rejected(&root.join("self.txt"), None, None, "symbolic links");
    run.assert_rejected(
        &root.join("sub/loop"),
        None,
        None,
        "link to a folder already read (a symbolic link cycle?); not entered again",
    );
    if fifo {
        run.assert_rejected(&root.join("pipe.txt"), None, None, "not a regular file");
    }
    if !privileged {
        run.assert_rejected(&locked, None, None, "Permission denied");
    }
    set_mode(&locked, 0o644);
}

#[test]
fn a_failed_run_leaves_no_output_and_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        [good("a"), "{not json\n".into(), good("b")].concat(),
    )
    .unwrap();
    let out = dir.path().join("out.jsonl");
    std::fs::write(&out, "previous contents\n").unwrap();
    let done = stanceline()
        .args(["annotate", "--stance", "rules", "--on-error", "fail", "-o"])
        .arg(&out)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(done.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "previous contents\n"
    );
    assert_eq!(leftovers(dir.path()), ["in.jsonl", "out.jsonl"]);
}

/// The names in `dir`, sorted, hidden temporary files included.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Starts annotate on stdin with `-o out/annotated.jsonl` and feeds it `input`: once,
/// then holding stdin open, or (`keep_feeding`) again and again with the doc_ids made
/// unique per round. Waits for the temporary output file to appear, sends `signal`, and
/// returns the exit code and stderr.
fn interrupt_mid_run(
    out_dir: &Path,
    input: String,
    keep_feeding: bool,
    signal: &str,
) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("stanceline"))
        .current_dir(common::root())
        .args(["annotate", "--stance", "rules", "--threads", "2", "-o"])
        .arg(out_dir.join("annotated.jsonl"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        // Once the child is gone, writes fail; that ends the feeding.
        let mut round = 0;
        loop {
            let copy = input.replace("\"doc_id\": \"", &format!("\"doc_id\": \"r{round}-"));
            if stdin.write_all(copy.as_bytes()).is_err() || !keep_feeding {
                break;
            }
            round += 1;
        }
        if !keep_feeding {
            // Hold stdin open, as a producer that has paused would.
            std::thread::sleep(Duration::from_secs(30));
        }
    });
    let start = Instant::now();
    while leftovers(out_dir).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let some output reach the temporary file.
    std::thread::sleep(Duration::from_millis(300));
    let killed = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    drop(feeder);
    (status.code(), err)
}

#[test]
fn ctrl_c_while_waiting_for_input_leaves_no_partial_file() {
    let out_dir = tempfile::tempdir().unwrap();
    let input = [good("a"), good("b"), good("c")].concat();
    let (code, err) = interrupt_mid_run(out_dir.path(), input, false, "-INT");
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("stanceline: interrupted"), "{err}");
    assert_eq!(leftovers(out_dir.path()), Vec::<String>::new());
}

#[test]
fn sigterm_during_a_busy_run_leaves_no_partial_file() {
    let out_dir = tempfile::tempdir().unwrap();
    let corpus = std::fs::read_to_string(common::root().join("corpus/articles.jsonl")).unwrap();
    // A stream that never ends: the run is busy annotating when the signal comes, so it
    // stops at its own check between articles.
    let (code, err) = interrupt_mid_run(out_dir.path(), corpus, true, "-TERM");
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("stanceline: interrupted"), "{err}");
    assert_eq!(leftovers(out_dir.path()), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn o_to_a_fifo_or_a_link_writes_through_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    // A FIFO (as /dev/null is a device) must stay what it is: writing through a temporary
    // file and renaming it would replace it with a plain file.
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    stanceline()
        .args(["split", "-o"])
        .arg(&fifo)
        .write_stdin("One sentence. Two sentences.")
        .assert()
        .success();
    assert_eq!(reader.join().unwrap(), "One sentence.\nTwo sentences.\n");
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    // Through a symbolic link, the file it points to gets the output and the link stays.
    let real = dir.path().join("real.txt");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.txt");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    stanceline()
        .args(["split", "-o"])
        .arg(&link)
        .write_stdin("Only one.")
        .assert()
        .success();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "Only one.\n");
}
