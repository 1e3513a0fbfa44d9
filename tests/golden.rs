//! Golden files: the full output of `split` and `annotate` on small fixtures, kept as insta
//! snapshots under tests/snapshots/. A change in behaviour shows up as a snapshot diff to be
//! reviewed (`cargo insta review`), never as a silent drift.

use assert_cmd::Command;

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("stanceline")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn split_plain() {
    insta::assert_snapshot!(run(&["split", "tests/fixtures/golden/split.txt"]));
}

#[test]
fn split_json() {
    insta::assert_snapshot!(run(&["split", "--json", "tests/fixtures/golden/split.txt"]));
}

#[test]
fn annotate_records() {
    let out = run(&[
        "annotate",
        "tests/fixtures/golden/articles.jsonl",
        "--stance",
        "rules",
        "--threads",
        "1",
    ]);
    // One pretty-printed record per sentence, so that a diff points at the field.
    let pretty: Vec<String> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            serde_json::to_string_pretty(&v).unwrap()
        })
        .collect();
    insta::assert_snapshot!(pretty.join("\n"));
}
