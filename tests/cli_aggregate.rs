//! `stanceline aggregate` and `merge` on a crafted annotated file whose counts are known.
//!
//! tests/fixtures/analysis/annotated.jsonl holds (line numbers in brackets):
//! - a1, 2025-01-15 [1–6]: beijing 3 support + 1 oppose, us_admin 1 conditional, none 1 neutral
//! - a1-copy, 2025-01-16 [7–12]: the same six sentences (a wire copy: folded by dedup)
//! - [13] truncated JSON
//! - a2, 2025-01-20 [14–18]: beijing 2 support + 1 neutral, us_admin 2 oppose
//! - [19] no speaker.group
//! - a3, 2025-03-05 [20–23]: beijing 2 oppose, us_admin 1 support + 1 neutral
//! - [24] stance "maybe"
//! - a4, 2025-03 (month only) [25–26]: beijing 1 conditional, experts 1 support
//! - [27] date 2025-02-30
//! - a5, 2025 (year only) [28]: us_admin 1 support
//!
//! Expected figures were worked out by hand from these counts with z = 1.959964, e.g. Wilson
//! 5 of 7: p̂ = 0.714286, z²/n = 0.548780, centre = (0.714286 + 0.274390) / 1.548780 = 0.638360,
//! half = 1.959964 / 1.548780 · √(0.029155 + 0.019599) = 0.279426 → (0.3589, 0.9178); and net
//! for 5 support, 0 conditional, 1 oppose: m = 6, net = 4/6, Var = (1 − 4/9) / 6 = 0.092593,
//! half = 1.959964 · 0.304290 = 0.596397 → (0.0703, 1.2631 clamped to 1). Every other value
//! was cross-checked with an independent Python implementation of the same formulas.

use std::path::Path;

use assert_cmd::Command;

const FIXTURE: &str = "tests/fixtures/analysis/annotated.jsonl";

/// The 17 contract columns of each row, in CSV order; `""` for an empty field.
#[rustfmt::skip]
const MONTHLY: [[&str; 17]; 16] = [
    // The year-only article a5 sits in a coarser `2025` row, sorted first (it starts 1 Jan).
    ["2025", "us_admin", "1", "1", "0", "0", "0", "1", "0.2065", "1", "0", "0", "0.7935", "1", "1", "1", "1"],
    ["2025", "beijing", "0", "0", "0", "0", "0", "", "", "", "", "", "", "", "", "", "0"],
    ["2025", "experts", "0", "0", "0", "0", "0", "", "", "", "", "", "", "", "", "", "0"],
    ["2025", "none", "0", "0", "0", "0", "0", "", "", "", "", "", "", "", "", "", "0"],
    // January: a1 and a2 (a1-copy folded). us_admin: 0 s, 1 c, 2 o of 3.
    ["2025-01", "us_admin", "3", "0", "1", "2", "0", "0", "0", "0.5615", "0.6667", "0.2077", "0.9385", "-0.6667", "-1", "-0.1332", "2"],
    ["2025-01", "beijing", "7", "5", "0", "1", "1", "0.7143", "0.3589", "0.9178", "0.1429", "0.0257", "0.5131", "0.6667", "0.0703", "1", "2"],
    ["2025-01", "experts", "0", "0", "0", "0", "0", "", "", "", "", "", "", "", "", "", "0"],
    // Narration only: shares exist, the net index has no denominator.
    ["2025-01", "none", "1", "0", "0", "0", "1", "0", "0", "0.7935", "0", "0", "0.7935", "", "", "", "1"],
    // February has no data: empty rows, not skipped.
    ["2025-02", "us_admin", "0", "0", "0", "0", "0", "", "", "", "", "", "", "", "", "", "0"],
    ["2025-02", "beijing", "0", "0", "0", "0", "0", "", "", "", "", "", "", "", "", "", "0"],
    ["2025-02", "experts", "0", "0", "0", "0", "0", "", "", "", "", "", "", "", "", "", "0"],
    ["2025-02", "none", "0", "0", "0", "0", "0", "", "", "", "", "", "", "", "", "", "0"],
    // March: a3 and the month-only a4.
    ["2025-03", "us_admin", "2", "1", "0", "0", "1", "0.5", "0.0945", "0.9055", "0", "0", "0.6576", "1", "1", "1", "1"],
    ["2025-03", "beijing", "3", "0", "1", "2", "0", "0", "0", "0.5615", "0.6667", "0.2077", "0.9385", "-0.6667", "-1", "-0.1332", "2"],
    ["2025-03", "experts", "1", "1", "0", "0", "0", "1", "0.2065", "1", "0", "0", "0.7935", "1", "1", "1", "1"],
    ["2025-03", "none", "0", "0", "0", "0", "0", "", "", "", "", "", "", "", "", "", "0"],
];

const HEADER: &str = "period,actor,n,support,conditional,oppose,neutral,support_share,support_lo,\
support_hi,oppose_share,oppose_lo,oppose_hi,net,net_lo,net_hi,articles";

fn stanceline(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("stanceline")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

fn same(got: &str, want: &str, what: &str) {
    if want.is_empty() {
        assert_eq!(got, "", "{what}");
        return;
    }
    let (g, w): (f64, f64) = (got.parse().unwrap(), want.parse().unwrap());
    assert!((g - w).abs() < 5e-5, "{what}: got {got}, want {want}");
}

fn check_csv(csv: &str, want: &[[&str; 17]]) {
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with(HEADER));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), want.len(), "{csv}");
    for (row, want) in rows.iter().zip(want) {
        assert_eq!(row.len(), 20, "{row:?}");
        assert_eq!(row[..2], want[..2]);
        for i in 2..17 {
            same(
                row[i],
                want[i],
                &format!("{} {} column {}", want[0], want[1], i),
            );
        }
    }
}

#[test]
fn monthly_csv_has_every_number_right_and_reports_bad_records() {
    let out = stanceline(&["aggregate", FIXTURE, "--format", "csv"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "bad records make the exit status 1"
    );
    check_csv(&String::from_utf8(out.stdout).unwrap(), &MONTHLY);
    let err = String::from_utf8(out.stderr).unwrap();
    for want in [
        "annotated.jsonl:13: invalid JSON",
        "annotated.jsonl:19: missing \"speaker.group\"",
        "annotated.jsonl:24: unknown stance \"maybe\"",
        "annotated.jsonl:27: impossible date \"2025-02-30\"",
        "4 records rejected",
        "18 counted",
        "1 records with year-only dates were counted at year level",
        "folded 1 near-duplicate articles",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
}

/// The three extra CSV columns (conditional_share, conditional_lo, conditional_hi) of each
/// row of [`MONTHLY`], in the same order. Conditional counts per row: 2025-01 us_admin 1 of 3,
/// 2025-03 beijing 1 of 3, every other row 0 of n. By hand (z² = 3.841459): 0 of n gives
/// (0, 0, z²/(n + z²)): n = 1 → 0.7935, n = 2 → 0.6576, n = 7 → 0.3543. 1 of 3: z²/n =
/// 1.280486, centre = (0.333333 + 0.640243) / 2.280486 = 0.426916, half = 1.959964 /
/// 2.280486 · √(0.074074 + 0.106707) = 0.365424 → (0.0615, 0.7923), the mirror image of the
/// oppose interval 2 of 3 in MONTHLY.
#[rustfmt::skip]
const MONTHLY_CONDITIONAL: [[&str; 3]; 16] = [
    ["0", "0", "0.7935"],
    ["", "", ""], ["", "", ""], ["", "", ""],
    ["0.3333", "0.0615", "0.7923"],
    ["0", "0", "0.3543"],
    ["", "", ""],
    ["0", "0", "0.7935"],
    ["", "", ""], ["", "", ""], ["", "", ""], ["", "", ""],
    ["0", "0", "0.6576"],
    ["0.3333", "0.0615", "0.7923"],
    ["0", "0", "0.7935"],
    ["", "", ""],
];

#[test]
fn the_extra_conditional_columns_are_right_too() {
    let out = stanceline(&["aggregate", FIXTURE, "--format", "csv", "-q"]);
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .ends_with(",articles,conditional_share,conditional_lo,conditional_hi"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), MONTHLY_CONDITIONAL.len());
    for ((row, want), key) in rows.iter().zip(&MONTHLY_CONDITIONAL).zip(&MONTHLY) {
        assert_eq!(row[..2], key[..2]);
        for i in 0..3 {
            same(
                row[17 + i],
                want[i],
                &format!("{} {} extra column {i}", key[0], key[1]),
            );
        }
    }
}

#[test]
fn json_carries_the_same_numbers_and_the_notes() {
    let out = stanceline(&["aggregate", FIXTURE, "--format", "json", "-q"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["by"], "month");
    assert_eq!(v["folded"], 1);
    assert_eq!(v["coarse"], serde_json::json!({"year": 1}));
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), MONTHLY.len());
    let columns: Vec<&str> = HEADER.split(',').collect();
    for (row, want) in rows.iter().zip(&MONTHLY) {
        assert_eq!(row["period"], want[0]);
        assert_eq!(row["actor"], want[1]);
        for i in 2..17 {
            let got = &row[columns[i]];
            let what = format!("{} {} {}", want[0], want[1], columns[i]);
            if want[i].is_empty() {
                assert!(got.is_null(), "{what}: {got}");
            } else {
                same(&got.as_f64().unwrap().to_string(), want[i], &what);
            }
        }
    }
    assert!(out.stderr.is_empty(), "-q keeps stderr quiet");
}

#[test]
fn no_dedup_counts_the_wire_copy() {
    // January with a1-copy counted: beijing 8 s + 2 o + 1 neutral = 11 over 3 articles;
    // Wilson 8/11 = (0.4344, 0.9025), 2/11 = (0.0514, 0.4770); net = 6/10 = 0.6,
    // Var = (1 − 0.36) / 10 = 0.064, half = 0.4958 → (0.1042, 1).
    // us_admin 2 c + 2 o = 4: support 0/4 = (0, 0.4899), oppose 2/4 = (0.1500, 0.8500),
    // net −0.5, Var = (0.5 − 0.25) / 4 = 0.0625, half = 0.4900 → (−0.9900, −0.0100).
    let out = stanceline(&[
        "aggregate",
        FIXTURE,
        "--format",
        "csv",
        "--no-dedup",
        "--actor",
        "beijing",
        "--actor",
        "us_admin",
    ]);
    let csv = String::from_utf8(out.stdout).unwrap();
    #[rustfmt::skip]
    let jan: Vec<[&str; 17]> = vec![
        ["2025-01", "us_admin", "4", "0", "2", "2", "0", "0", "0", "0.4899", "0.5", "0.15", "0.85", "-0.5", "-0.99", "-0.01", "3"],
        ["2025-01", "beijing", "11", "8", "0", "2", "1", "0.7273", "0.4344", "0.9025", "0.1818", "0.0514", "0.4770", "0.6", "0.1042", "1", "3"],
    ];
    let got: String = csv
        .lines()
        .filter(|l| l.starts_with("period") || l.starts_with("2025-01,"))
        .map(|l| format!("{l}\n"))
        .collect();
    check_csv(&got, &jan);
    assert_eq!(csv.lines().count(), 1 + 4 * 2, "four periods, two actors");
    assert!(!String::from_utf8(out.stderr).unwrap().contains("folded"));
}

#[test]
fn by_day_counts_less_precise_dates_in_coarser_rows() {
    let out = stanceline(&["aggregate", FIXTURE, "--format", "csv", "--by", "day"]);
    let csv = String::from_utf8(out.stdout).unwrap();
    // Days 2025-01-15 … 2025-03-05 (17 + 28 + 5 = 50), the month row 2025-03 and the year row
    // 2025: 52 periods × 4 actors.
    assert_eq!(csv.lines().count(), 1 + 52 * 4);
    let row = |prefix: &str| {
        csv.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no row {prefix}"))
            .split(',')
            .take(7)
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(row("2025-03,beijing,"), "2025-03,beijing,1,0,1,0,0");
    assert_eq!(row("2025-03,experts,"), "2025-03,experts,1,1,0,0,0");
    assert_eq!(row("2025-02-10,beijing,"), "2025-02-10,beijing,0,0,0,0,0");
    assert_eq!(row("2025-01-15,beijing,"), "2025-01-15,beijing,4,3,0,1,0");
    assert_eq!(row("2025-03-05,beijing,"), "2025-03-05,beijing,2,0,0,2,0");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("2 records with month-only dates were counted at month level"),
        "{err}"
    );
    assert!(
        err.contains("1 records with year-only dates were counted at year level"),
        "{err}"
    );
}

#[test]
fn week_and_quarter_labels() {
    let out = stanceline(&[
        "aggregate",
        FIXTURE,
        "--format",
        "csv",
        "--by",
        "week",
        "-q",
    ]);
    let csv = String::from_utf8(out.stdout).unwrap();
    // 2025-01-15 is in ISO week 3, 2025-01-20 in week 4, 2025-03-05 in week 10.
    for want in [
        "2025-W03,beijing,4,",
        "2025-W04,beijing,3,",
        "2025-W07,beijing,0,",
        "2025-W10,beijing,2,",
    ] {
        assert!(csv.contains(want), "{want} in\n{csv}");
    }
    let out = stanceline(&[
        "aggregate",
        FIXTURE,
        "--format",
        "csv",
        "--by",
        "quarter",
        "-q",
    ]);
    let csv = String::from_utf8(out.stdout).unwrap();
    // Q1 beijing: 5 s + 1 c + 3 o + 1 neutral = 10 over a1, a2, a3, a4.
    assert!(csv.contains("\n2025-Q1,beijing,10,5,1,3,1,"), "{csv}");
    assert!(csv.contains("\n2025,us_admin,1,1,0,0,0,"), "{csv}");
}

#[test]
fn merging_partials_of_any_split_equals_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Split after line 18 (a2 ends there) and after line 23 (a3 ends there).
    let parts = [&lines[..18], &lines[18..23], &lines[23..]];
    let mut partials = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let input = dir.path().join(format!("part{i}.jsonl"));
        std::fs::write(&input, part.join("\n")).unwrap();
        let partial = dir.path().join(format!("part{i}.json"));
        let out = stanceline(&[
            "aggregate",
            input.to_str().unwrap(),
            "--partial",
            "-o",
            partial.to_str().unwrap(),
            "-q",
        ]);
        assert_eq!(out.status.code(), Some(1), "each part has a bad record");
        let written = std::fs::read_to_string(&partial).unwrap();
        assert!(
            written.starts_with("{\"stanceline_partial\":2,"),
            "{written}"
        );
        partials.push(partial);
    }
    let mut args = vec!["merge", "--format", "csv"];
    args.extend(partials.iter().map(|p| p.to_str().unwrap()));
    let merged = stanceline(&args);
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    check_csv(&String::from_utf8(merged.stdout.clone()).unwrap(), &MONTHLY);
    let whole = stanceline(&["aggregate", FIXTURE, "--format", "csv", "-q"]);
    assert_eq!(merged.stdout, whole.stdout);
    let err = String::from_utf8(merged.stderr).unwrap();
    assert!(err.contains("folded 1 near-duplicate"), "{err}");
}

#[test]
fn merge_refuses_mixed_buckets_and_non_partials() {
    let dir = tempfile::tempdir().unwrap();
    let by_day = dir.path().join("day.json");
    let by_month = dir.path().join("month.json");
    for (path, by) in [(&by_day, "day"), (&by_month, "month")] {
        stanceline(&[
            "aggregate",
            FIXTURE,
            "--by",
            by,
            "--partial",
            "-o",
            path.to_str().unwrap(),
            "-q",
        ]);
    }
    let out = stanceline(&[
        "merge",
        by_day.to_str().unwrap(),
        by_month.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("cannot merge a tally by month into one by day"));
    let out = stanceline(&["merge", FIXTURE]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("not a stanceline partial tally"));
}

#[test]
fn table_is_the_default_and_reads_from_stdin() {
    let out = Command::cargo_bin("stanceline")
        .unwrap()
        .args(["aggregate", "-q"])
        .pipe_stdin(Path::new(FIXTURE))
        .unwrap()
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header[..3], ["period", "actor", "n"]);
    // 5 of 7 as a percentage with its Wilson interval, and the net index with its interval.
    let jan = table
        .lines()
        .find(|l| l.starts_with("2025-01  beijing"))
        .unwrap();
    assert!(jan.contains("71.4% [ 35.9,  91.8]"), "{jan}");
    assert!(jan.contains("+0.67 [+0.07, +1.00]"), "{jan}");
}

#[test]
fn gzip_input_gives_the_same_output() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    // No .gz in the name: gzip is recognised by its magic bytes.
    let path = dir.path().join("annotated.jsonl.bin");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&std::fs::read(FIXTURE).unwrap()).unwrap();
    std::fs::write(&path, enc.finish().unwrap()).unwrap();
    let out = stanceline(&["aggregate", path.to_str().unwrap(), "--format", "csv", "-q"]);
    assert_eq!(out.status.code(), Some(1));
    check_csv(&String::from_utf8(out.stdout).unwrap(), &MONTHLY);
}

#[test]
fn a_missing_input_stops_the_run() {
    let out = stanceline(&["aggregate", "tests/fixtures/analysis/no-such-file.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("no-such-file.jsonl"));
}

#[test]
fn every_folding_command_documents_the_dedup_window() {
    for cmd in ["aggregate", "compare", "shifts", "report"] {
        let out = stanceline(&[cmd, "--help"]);
        assert!(out.status.success(), "{cmd}");
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("--dedup-window <DAYS>"), "{cmd}: {help}");
        assert!(help.contains("[default: 7]"), "{cmd}: {help}");
    }
    // A window that is not a whole number of days is refused before any input is read.
    let out = stanceline(&["aggregate", FIXTURE, "--dedup-window", "-1"]);
    assert_eq!(out.status.code(), Some(2));
}
