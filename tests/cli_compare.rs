//! `stanceline compare` and `shifts` on crafted annotated files with known counts.
//!
//! tests/fixtures/compare/annotated.jsonl (made by make_fixture.py next to it; all sentences
//! invented) holds, for --before 2024-01..2024-03 --after 2024-04..2024-06:
//! - beijing: before 4 S, 2 C, 10 O, 4 N (articles b1–b3) plus b1-copy, a wire copy of b1
//!   folded by de-duplication; after 12 S, 2 C, 2 O, 4 N (b4–b6);
//! - us_admin: before 5 S, 1 O; after 6 O;
//! - experts: before 2 S, 1 C, 5 O, 2 N; after 6 S, 1 C, 1 O, 2 N;
//! - beijing 2024-08 (outside), beijing "2024" (year only: straddles, not counted), other
//!   2023-12-31 (outside: not listed).
//!
//! Hand computation (z = 1.959964; net variance (p_s + p_o − net²)/m as in aggregate):
//! - beijing: net before (4 − 10)/16 = −0.375, Var = (0.875 − 0.140625)/16 = 0.0458984;
//!   after (12 − 2)/16 = 0.625, Var = (0.875 − 0.390625)/16 = 0.0302734; delta = 1,
//!   half = 1.959964 · √0.0761719 = 1.959964 · 0.275993 = 0.540935 → (0.4591, 1.5409).
//!   Support 4/20 vs 12/20: pooled 0.4, SE = √(0.24 · 0.1) = 0.154919, z = 2.581989,
//!   p = 0.009823. Oppose 10/20 vs 2/20: pooled 0.3, SE = √(0.21 · 0.1) = 0.144914,
//!   z = −2.760262, p = 0.005775. → toward_cooperation.
//! - us_admin: net 4/6 = 0.6667 (Var (1 − 4/9)/6 = 0.0925926) → −1 (Var 0); delta = −1.6667,
//!   half = 1.959964 · 0.304290 = 0.596397 → (−2.2631 clamped to −2, −1.0703). Support 5/6 vs
//!   0/6 and oppose 1/6 vs 6/6: pooled 5/12 (7/12), SE = √(5/12 · 7/12 · 1/3) = 0.284638,
//!   |z| = 0.833333/0.284638 = 2.927700, p = 0.003415 each. → toward_confrontation.
//! - experts: the same nets as beijing with half the sentences: Var 0.0917969 + 0.0605469,
//!   half = 1.959964 · 0.390312 = 0.764996 → (0.2350, 1.7650), but support 2/10 vs 6/10 gives
//!   SE = √(0.24 · 0.2) = 0.219089, z = 1.825742, p = 0.067889, and oppose 5/10 vs 1/10
//!   gives SE = √(0.21 · 0.2) = 0.204939, z = −1.951800, p = 0.050962: neither below 0.05,
//!   so no_significant_shift (the verdict needs the interval and a test).
//!
//! p-values were cross-checked with Python's math.erfc.

mod common;

use serde_json::Value;

use common::stanceline;

const FIXTURE: &str = "tests/fixtures/compare/annotated.jsonl";

fn compare_json(extra: &[&str]) -> Value {
    let out = stanceline()
        .args(["compare", FIXTURE, "--before", "2024-01..2024-03"])
        .args(["--after", "2024-04..2024-06", "--format", "json"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

fn close(v: &Value, want: f64, what: &str) {
    let got = v
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {v}"));
    assert!((got - want).abs() < 5e-5, "{what}: got {got}, want {want}");
}

fn actor<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["actors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["actor"] == name)
        .unwrap_or_else(|| panic!("no actor {name}"))
}

#[test]
fn compare_prints_hand_computed_figures() {
    let v = compare_json(&[]);
    assert_eq!(v["before"]["from"], "2024-01-01");
    assert_eq!(v["before"]["to"], "2024-03-31");
    assert_eq!(v["after"]["from"], "2024-04-01");
    assert_eq!(v["after"]["to"], "2024-06-30");
    assert_eq!(v["folded"], 1);
    assert_eq!(v["straddling"], 1);
    let names: Vec<&str> = v["actors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["actor"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["us_admin", "beijing", "experts"]);

    // (actor, before counts, after counts, shares b/a, nets b/a, delta, lo, hi, p_s, p_o, verdict)
    #[allow(clippy::type_complexity)]
    let cases: [(&str, [u64; 5], [u64; 5], [f64; 4], [f64; 2], [f64; 5], &str); 3] = [
        (
            "beijing",
            [20, 4, 2, 10, 4],
            [20, 12, 2, 2, 4],
            [0.2, 0.5, 0.6, 0.1],
            [-0.375, 0.625],
            [1.0, 0.459065, 1.540935, 0.009823, 0.005775],
            "toward_cooperation",
        ),
        (
            "us_admin",
            [6, 5, 0, 1, 0],
            [6, 0, 0, 6, 0],
            [5.0 / 6.0, 1.0 / 6.0, 0.0, 1.0],
            [2.0 / 3.0, -1.0],
            [-5.0 / 3.0, -2.0, -1.070269, 0.003415, 0.003415],
            "toward_confrontation",
        ),
        (
            "experts",
            [10, 2, 1, 5, 2],
            [10, 6, 1, 1, 2],
            [0.2, 0.5, 0.6, 0.1],
            [-0.375, 0.625],
            [1.0, 0.235002, 1.764998, 0.067889, 0.050962],
            "no_significant_shift",
        ),
    ];
    for (name, b, a, shares, nets, d, verdict) in cases {
        let r = actor(&v, name);
        for (side, counts) in [("before", b), ("after", a)] {
            let s = &r[side];
            let got: Vec<u64> = ["n", "support", "conditional", "oppose", "neutral"]
                .iter()
                .map(|k| s[*k].as_u64().unwrap())
                .collect();
            assert_eq!(got, counts, "{name} {side}");
        }
        close(
            &r["before"]["support_share"],
            shares[0],
            "support_share before",
        );
        close(
            &r["before"]["oppose_share"],
            shares[1],
            "oppose_share before",
        );
        close(
            &r["after"]["support_share"],
            shares[2],
            "support_share after",
        );
        close(&r["after"]["oppose_share"], shares[3], "oppose_share after");
        close(&r["before"]["net"], nets[0], "net before");
        close(&r["after"]["net"], nets[1], "net after");
        for (k, want) in ["delta_net", "delta_lo", "delta_hi", "p_support", "p_oppose"]
            .iter()
            .zip(d)
        {
            close(&r[*k], want, &format!("{name} {k}"));
        }
        assert_eq!(r["verdict"], verdict, "{name}");
    }
}

#[test]
fn evidence_shows_both_sides_of_the_change() {
    let v = compare_json(&[]);
    let ev = |name: &str| -> Vec<(String, String, String, f64)> {
        actor(&v, name)["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                assert!(e["text"]
                    .as_str()
                    .unwrap()
                    .contains(e["doc_id"].as_str().unwrap()));
                assert!(e["date"].is_string());
                (
                    e["side"].as_str().unwrap().to_owned(),
                    e["stance"].as_str().unwrap().to_owned(),
                    e["doc_id"].as_str().unwrap().to_owned(),
                    e["confidence"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    let t = |s: &str, st: &str, d: &str, c: f64| (s.to_owned(), st.to_owned(), d.to_owned(), c);
    // A rise: the most confident support after (0.95 in b4 and b5: the one read first leads),
    // then the most confident oppose before (0.93 in b2 and b3, then b1's 0.91).
    assert_eq!(
        ev("beijing"),
        [
            t("after", "support", "b4", 0.95),
            t("after", "support", "b5", 0.95),
            t("after", "support", "b6", 0.92),
            t("before", "oppose", "b2", 0.93),
            t("before", "oppose", "b3", 0.93),
            t("before", "oppose", "b1", 0.91),
        ]
    );
    // A fall: oppose after, then support before.
    assert_eq!(
        ev("us_admin"),
        [
            t("after", "oppose", "u2", 0.86),
            t("after", "oppose", "u2", 0.85),
            t("after", "oppose", "u2", 0.8),
            t("before", "support", "u1", 0.82),
            t("before", "support", "u1", 0.75),
            t("before", "support", "u1", 0.73),
        ]
    );
    // No significant shift, delta > 0: shown as a rise.
    let experts: Vec<f64> = ev("experts").iter().map(|e| e.3).collect();
    assert_eq!(experts, [0.65, 0.64, 0.63, 0.74, 0.73, 0.72]);
}

#[test]
fn without_dedup_the_wire_copy_counts_and_actors_can_be_chosen() {
    let v = compare_json(&["--no-dedup", "--actor", "beijing", "--actor", "other"]);
    assert_eq!(v["folded"], 0);
    let names: Vec<&str> = v["actors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["actor"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["beijing", "other"]);
    // b1-copy adds b1's 1 S, 1 C, 4 O, 1 N to the before range.
    let b = &actor(&v, "beijing")["before"];
    assert_eq!(
        (b["n"].as_u64(), b["support"].as_u64(), b["oppose"].as_u64()),
        (Some(27), Some(5), Some(14))
    );
    // "other" has nothing in either range: counts 0, nothing computable.
    let o = actor(&v, "other");
    assert_eq!(o["before"]["n"], 0);
    assert!(o["delta_net"].is_null() && o["p_support"].is_null());
    assert_eq!(o["verdict"], "no_significant_shift");
}

#[test]
fn table_output_and_bad_arguments() {
    let out = stanceline()
        .args(["compare", FIXTURE, "--before", "2024-01..2024-03"])
        .args(["--after", "2024-04..2024-06", "--actor", "beijing"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("beijing: toward_cooperation"), "{text}");
    assert!(text.contains("delta_net 1.0000 [0.4591, 1.5409]"), "{text}");
    stanceline()
        .args(["compare", FIXTURE, "--before", "2024-01..2024-05"])
        .args(["--after", "2024-04..2024-06"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("overlap"));
    stanceline()
        .args(["compare", FIXTURE, "--before", "2024-13..2024-14"])
        .args(["--after", "2024-04..2024-06"])
        .assert()
        .failure();
}

#[test]
fn bad_records_are_reported_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jsonl");
    let good = std::fs::read_to_string(FIXTURE).unwrap();
    std::fs::write(
        &path,
        format!("{good}{{\"doc_id\":\"z\",\"date\":\"2024-05-01\",\"stance\":\"support\"}}\n"),
    )
    .unwrap();
    stanceline()
        .args([
            "compare",
            path.to_str().unwrap(),
            "--before",
            "2024-01..2024-03",
        ])
        .args(["--after", "2024-04..2024-06", "--format", "json"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("bad.jsonl:84"))
        .stderr(predicates::str::contains("speaker.group"))
        .stdout(predicates::str::contains("toward_cooperation"));
}

/// 12 months of one article each: beijing says 3 support sentences a month for January–June
/// 2023 and 3 oppose sentences a month for July–December, then only neutral sentences in
/// January 2024 (a period with no stance: skipped). The one change must be found at 2023-07
/// with means +1 and −1.
fn step_series() -> String {
    let mut s = String::new();
    for month in 1..=12 {
        let stance = if month <= 6 { "support" } else { "oppose" };
        for i in 0..3 {
            let rec = serde_json::json!({
                "doc_id": format!("m{month}"),
                "date": format!("2023-{month:02}-15"),
                "sent_index": i,
                "text": format!("Month {month} sentence {i} with words unique to m{month} number {}.", month * 10 + i),
                "speaker": {"group": "beijing"},
                "stance": stance,
                "confidence": 0.5 + 0.1 * i as f64,
            });
            s.push_str(&rec.to_string());
            s.push('\n');
        }
    }
    let quiet = serde_json::json!({"doc_id": "q", "date": "2024-01-03", "sent_index": 0,
        "text": "A quiet month.", "speaker": {"group": "beijing"}, "stance": "neutral"});
    s.push_str(&quiet.to_string());
    s.push('\n');
    s
}

#[test]
fn shifts_finds_a_planted_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("step.jsonl");
    std::fs::write(&path, step_series()).unwrap();
    let out = stanceline()
        .args([
            "shifts",
            path.to_str().unwrap(),
            "--by",
            "month",
            "--format",
            "json",
        ])
        .args(["--no-dedup"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let actors = v["actors"].as_array().unwrap();
    assert_eq!(actors.len(), 1);
    let b = &actors[0];
    assert_eq!(b["actor"], "beijing");
    assert_eq!(b["points"], 12);
    // Default penalty 2. The step gains Σw·x² = 36 (RSS around the overall mean 0) and
    // any further split of a constant segment gains nothing, so exactly one change.
    close(&b["penalty"], 2.0, "penalty");
    let shifts = b["shifts"].as_array().unwrap();
    assert_eq!(shifts.len(), 1, "{shifts:?}");
    let s = &shifts[0];
    assert_eq!(s["period"], "2023-07");
    assert_eq!(s["previous"], "2023-06");
    close(&s["mean_before"], 1.0, "mean_before");
    close(&s["mean_after"], -1.0, "mean_after");
    assert_eq!(s["direction"], "toward_confrontation");
    // Evidence: July's oppose sentences, most confident first.
    let conf: Vec<f64> = s["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["doc_id"], "m7");
            e["confidence"].as_f64().unwrap()
        })
        .collect();
    assert_eq!(conf, [0.7, 0.6, 0.5]);

    // By quarter the change falls between Q2 and Q3.
    let out = stanceline()
        .args([
            "shifts",
            path.to_str().unwrap(),
            "--by",
            "quarter",
            "--format",
            "json",
        ])
        .args(["--no-dedup", "--penalty", "1"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let shifts = v["actors"][0]["shifts"].as_array().unwrap();
    assert_eq!(shifts.len(), 1, "{shifts:?}");
    assert_eq!(shifts[0]["period"], "2023-Q3");

    // A penalty above the whole gain (Σw·x² = 36 around a mean of 0) finds nothing.
    stanceline()
        .args([
            "shifts",
            path.to_str().unwrap(),
            "--no-dedup",
            "--penalty",
            "40",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "beijing: 0 change(s) over 12 periods",
        ));
}

#[test]
fn shifts_reports_bad_records_with_file_and_line_and_exits_one() {
    // The aggregate fixture: four bad lines (13 truncated JSON, 19 no speaker.group, 24 stance
    // "maybe", 27 date 2025-02-30) among 24 good records.
    let out = stanceline()
        .args([
            "shifts",
            "tests/fixtures/analysis/annotated.jsonl",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    for want in [
        "annotated.jsonl:13: invalid JSON",
        "annotated.jsonl:19: missing \"speaker.group\"",
        "annotated.jsonl:24: unknown stance \"maybe\"",
        "annotated.jsonl:27: impossible date \"2025-02-30\"",
        "4 records rejected",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    // The run went on: the good records were read (a1-copy folded, as in aggregate).
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["folded"], 1);
    // a4 (2025-03, month only) is at the --by month precision; only a5 (year only) is skipped.
    assert_eq!(v["coarse_skipped"], 1);
}

/// The fixture with b1-copy moved after b3 (two months after b1), as it was first written.
fn out_of_order_fixture(dir: &tempfile::TempDir) -> String {
    let text = std::fs::read_to_string(common::root().join(FIXTURE)).unwrap();
    let (copy, rest): (Vec<&str>, Vec<&str>) = text
        .lines()
        .partition(|l| l.contains("\"doc_id\": \"b1-copy\""));
    assert_eq!(copy.len(), 7);
    let b3_end = rest
        .iter()
        .rposition(|l| l.contains("\"doc_id\": \"b3\""))
        .unwrap();
    let mut lines = rest.clone();
    lines.splice(b3_end + 1..b3_end + 1, copy);
    let path = dir.path().join("unordered.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn out_of_date_order_input_is_named_and_a_wider_window_folds_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = out_of_order_fixture(&dir);
    let run = |extra: &[&str]| {
        let out = stanceline()
            .args(["compare", &path, "--before", "2024-01..2024-03"])
            .args(["--after", "2024-04..2024-06", "--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success());
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (v["folded"].as_u64(), String::from_utf8(out.stderr).unwrap())
    };
    // With the default 7-day window, b1 has left the window (b2 on 15 Feb and b3 on 20 Mar
    // came in between) when its copy of 11 Jan arrives, so the copy is counted. Late (dated
    // no more than 7 days after the newest article already dropped), by hand: b1-copy
    // (b2, 15 Feb, dropped), u1 (2 Feb), u2 (2 May) and e1 (3 Mar) (b5, 12 May, dropped),
    // then x2 ("2024", from 1 Jan) and x3 (2023-12-31) (b6, 30 Jun, dropped); b4, b5, b6,
    // e2 and x1 are not: 6.
    let (folded, err) = run(&[]);
    assert_eq!(folded, Some(0));
    assert!(
        err.contains(
            "input not in date order: 6 articles arrived after the de-duplication window (7 days)"
        ),
        "{err}"
    );
    assert!(err.contains("sort by date for exact folding"), "{err}");
    // A window of 400 days keeps every article of 2024: the copy folds and nothing is late.
    let (folded, err) = run(&["--dedup-window", "400"]);
    assert_eq!(folded, Some(1));
    assert!(!err.contains("not in date order"), "{err}");
    assert!(err.contains("dates within 400 days"), "{err}");
}
