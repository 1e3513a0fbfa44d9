//! `stanceline report`: the page from the bundled corpus has its charts and table and loads
//! nothing; text from a hostile annotated file shows only escaped.
//!
//! tests/fixtures/report/hostile.jsonl (written for this test) holds five records whose
//! sentences and one doc_id carry markup: `<script>alert(1)</script>`, `</svg>`,
//! `" onmouseover="x`, `it's`, `&` and `<b>bold</b>`.

mod common;

use common::{root, stanceline};

fn report(args: &[&str]) -> (String, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let output = stanceline()
        .arg("report")
        .args(args)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let html = std::fs::read_to_string(&out).unwrap_or_default();
    (html, output)
}

#[test]
fn corpus_report_has_charts_table_and_no_network() {
    let dir = tempfile::tempdir().unwrap();
    let annotated = dir.path().join("annotated.jsonl");
    let st = stanceline()
        .args([
            "annotate",
            "corpus/articles.jsonl",
            "--stance",
            "rules",
            "-q",
            "-o",
        ])
        .arg(&annotated)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let (html, out) = report(&[annotated.to_str().unwrap(), "--by", "quarter"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    // The net chart plus one shares chart per actor in the corpus (all five groups occur).
    assert_eq!(html.matches("<svg").count(), 6, "charts");
    assert!(html.contains("<h2>Net cooperation index by actor</h2>"));
    for g in ["us_admin", "beijing", "experts", "other", "none"] {
        assert!(
            html.contains(&format!("<h2>{g}: support and oppose shares</h2>")),
            "{g}"
        );
        assert!(html.contains(&format!("Evidence for {g} by period")), "{g}");
    }
    assert!(html.contains("<h2>Aggregate table</h2>"));
    assert!(html.contains("<table>") && html.contains("<td"));
    // Interval bands and hover texts are there.
    assert!(html.contains("band\" points="));
    assert!(html.contains("<circle") && html.contains("<title>"));
    // Self-contained: no URL, no script, no external resource.
    for bad in ["http://", "https://", "<script", "src=", "<link", "@import"] {
        assert!(!html.contains(bad), "page contains {bad}");
    }
    assert!(html.contains("@media print"));
}

#[test]
fn input_text_is_escaped_everywhere() {
    let fixture = root().join("tests/fixtures/report/hostile.jsonl");
    let (html, out) = report(&[fixture.to_str().unwrap(), "--no-dedup"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for raw in [
        "<script>alert(1)</script>",
        "<script",
        "onmouseover=\"x",
        "<b>bold</b>",
    ] {
        assert!(!html.contains(raw), "raw {raw:?} in the page");
    }
    // `</svg>` occurs only as the end of each chart: once per <svg.
    assert_eq!(html.matches("</svg>").count(), html.matches("<svg").count());
    for escaped in [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&lt;/svg&gt;",
        "&quot; onmouseover=&quot;x",
        "it&#39;s worth a try &amp; more",
        "x2&lt;b&gt;bold&lt;/b&gt;",
    ] {
        assert!(html.contains(escaped), "no {escaped:?} in the page");
    }
    // Each hostile sentence shows both in a hover title and in the evidence list.
    assert!(
        html.matches("&lt;script&gt;alert(1)&lt;/script&gt;")
            .count()
            >= 2
    );
}

#[test]
fn bad_records_are_reported_and_exit_one() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.jsonl");
    let good = std::fs::read_to_string(root().join("tests/fixtures/report/hostile.jsonl")).unwrap();
    std::fs::write(&input, format!("{good}{{\"doc_id\": \"z\"}}\n")).unwrap();
    let (html, out) = report(&[input.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.jsonl:6"), "{err}");
    assert!(html.contains("<svg"));
}
