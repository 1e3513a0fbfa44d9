//! `stanceline split` end to end: plain and JSON output, stdin, gzip, `-o`, bad UTF-8.

use std::fs;
use std::io::Write;

use assert_cmd::Command;
use flate2::write::GzEncoder;
use flate2::Compression;
use predicates::prelude::*;

const TEXT: &str = "China Pledges Fentanyl Curbs\n\n\
Beijing said on Monday it would list more precursors. \"We will act,\" a spokesman said.\n\
Shipments into the U.S. fell in\nMarch, officials said.\r\n\r\n\
Mr. Wang met Sen. Cole. (Both called it useful.) Talks resume in Sept. 2025.\n";

/// The sentences of TEXT, one per line, as checked by hand.
const PLAIN: &str = "China Pledges Fentanyl Curbs\n\
Beijing said on Monday it would list more precursors.\n\
\"We will act,\" a spokesman said.\n\
Shipments into the U.S. fell in March, officials said.\n\
Mr. Wang met Sen. Cole.\n\
(Both called it useful.)\n\
Talks resume in Sept. 2025.\n";

fn cmd() -> Command {
    Command::cargo_bin("stanceline").unwrap()
}

#[test]
fn plain_output_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("article.txt");
    fs::write(&path, TEXT).unwrap();
    cmd()
        .arg("split")
        .arg(&path)
        .assert()
        .success()
        .stdout(PLAIN);
}

#[test]
fn plain_output_from_stdin() {
    cmd()
        .arg("split")
        .write_stdin(TEXT)
        .assert()
        .success()
        .stdout(PLAIN);
    cmd()
        .args(["split", "-"])
        .write_stdin(TEXT)
        .assert()
        .success()
        .stdout(PLAIN);
}

#[test]
fn json_offsets_slice_the_input() {
    let out = cmd()
        .args(["split", "--json"])
        .write_stdin(TEXT)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let mut texts = Vec::new();
    let mut prev_end = 0;
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let obj = v.as_object().unwrap();
        assert_eq!(obj.len(), 3, "exactly start, end, text: {line}");
        let start = v["start"].as_u64().unwrap() as usize;
        let end = v["end"].as_u64().unwrap() as usize;
        let text = v["text"].as_str().unwrap();
        assert!(prev_end <= start && start < end);
        assert_eq!(
            &TEXT[start..end],
            text,
            "offsets must slice the input exactly"
        );
        prev_end = end;
        texts.push(text.to_string());
    }
    // The JSON text is unmodified: its line breaks survive, unlike in plain output.
    assert_eq!(texts.len(), 7);
    assert_eq!(
        texts[3],
        "Shipments into the U.S. fell in\nMarch, officials said."
    );
    assert_eq!(texts[0], "China Pledges Fentanyl Curbs");
    // First sentence's offsets checked by hand.
    assert!(out.starts_with("{\"start\":0,\"end\":28,"), "{out}");
}

#[test]
fn gzip_input_by_extension_and_by_magic() {
    let dir = tempfile::tempdir().unwrap();
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(TEXT.as_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    let named = dir.path().join("article.txt.gz");
    let unnamed = dir.path().join("article.bin");
    fs::write(&named, &gz).unwrap();
    fs::write(&unnamed, &gz).unwrap();
    cmd()
        .arg("split")
        .arg(&named)
        .assert()
        .success()
        .stdout(PLAIN);
    cmd()
        .arg("split")
        .arg(&unnamed)
        .assert()
        .success()
        .stdout(PLAIN);
    cmd()
        .arg("split")
        .write_stdin(gz)
        .assert()
        .success()
        .stdout(PLAIN);
}

#[test]
fn output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sentences.txt");
    cmd()
        .args(["split", "-o"])
        .arg(&out)
        .write_stdin(TEXT)
        .assert()
        .success()
        .stdout("");
    assert_eq!(fs::read_to_string(&out).unwrap(), PLAIN);
}

#[test]
fn invalid_utf8_is_converted_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.txt");
    fs::write(&path, b"Talks r\xffesumed. Then they ended.").unwrap();
    cmd()
        .args(["split", "--json"])
        .arg(&path)
        .assert()
        .success()
        .stderr(predicate::str::contains("warning").and(predicate::str::contains("bad.txt")))
        // U+FFFD takes three bytes, so the second sentence starts at 18, not 16.
        .stdout(
            "{\"start\":0,\"end\":17,\"text\":\"Talks r\u{fffd}esumed.\"}\n\
             {\"start\":18,\"end\":34,\"text\":\"Then they ended.\"}\n",
        );
}

#[test]
fn missing_file_is_an_error() {
    cmd()
        .args(["split", "/no/such/dir/article.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("article.txt"));
}

#[test]
fn help_has_an_example() {
    cmd()
        .args(["split", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:").and(predicate::str::contains("--json")));
}

#[test]
fn long_input_is_split_in_blocks_with_exact_offsets() {
    // About 2 MB, so `split` cuts it into blocks at paragraph starts: 20,000 copies of
    // TEXT (7 sentences each), which must come out exactly as 140,000 sentences whose
    // offsets slice the whole input, the same for a file, gzip and stdin.
    let big = TEXT.repeat(20_000);
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("big.txt");
    fs::write(&plain, &big).unwrap();
    let gz = dir.path().join("big.txt.gz");
    let mut enc = GzEncoder::new(fs::File::create(&gz).unwrap(), Compression::fast());
    enc.write_all(big.as_bytes()).unwrap();
    enc.finish().unwrap();
    let mut outputs = Vec::new();
    for args in [
        vec![plain.to_str().unwrap()],
        vec![gz.to_str().unwrap()],
        vec![],
    ] {
        let mut c = cmd();
        c.args(["split", "--json"]).args(&args);
        if args.is_empty() {
            c.write_stdin(big.clone());
        }
        let out = String::from_utf8(c.assert().success().get_output().stdout.clone()).unwrap();
        let mut n = 0;
        let mut prev_end = 0;
        for line in out.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let (start, end) = (
                v["start"].as_u64().unwrap() as usize,
                v["end"].as_u64().unwrap() as usize,
            );
            assert!(prev_end <= start && start < end, "{line}");
            assert_eq!(&big[start..end], v["text"].as_str().unwrap());
            prev_end = end;
            n += 1;
        }
        assert_eq!(n, 140_000);
        outputs.push(out);
    }
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
}
