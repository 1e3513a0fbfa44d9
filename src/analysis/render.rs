//! Printing aggregate rows: CSV (the stable machine format), JSON (the same columns, `null` for
//! empty cells, plus run notes) and an aligned text table for reading.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use super::stats::Estimate;
use super::tally::{Row, Tally};

/// The CSV columns, in order. The first seventeen are the stable contract; the rest are extra.
pub const CSV_COLUMNS: [&str; 20] = [
    "period",
    "actor",
    "n",
    "support",
    "conditional",
    "oppose",
    "neutral",
    "support_share",
    "support_lo",
    "support_hi",
    "oppose_share",
    "oppose_lo",
    "oppose_hi",
    "net",
    "net_lo",
    "net_hi",
    "articles",
    "conditional_share",
    "conditional_lo",
    "conditional_hi",
];

/// Six decimals; `-0` is printed as `0`.
fn num(x: f64) -> String {
    let x = if x == 0.0 { 0.0 } else { x };
    format!("{x:.6}")
}

fn est_cells(e: Option<Estimate>) -> [String; 3] {
    match e {
        Some(e) => [num(e.value), num(e.lo), num(e.hi)],
        None => [String::new(), String::new(), String::new()],
    }
}

/// The rows as CSV with a header line. Empty shares and net indices are empty fields.
pub fn csv(rows: &[Row]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    for r in rows {
        let [ss, sl, sh] = est_cells(r.support_share);
        let [os, ol, oh] = est_cells(r.oppose_share);
        let [nv, nl, nh] = est_cells(r.net);
        let [cs, cl, ch] = est_cells(r.conditional_share);
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{ss},{sl},{sh},{os},{ol},{oh},{nv},{nl},{nh},{},{cs},{cl},{ch}",
            r.period,
            r.actor.as_str(),
            r.n,
            r.support,
            r.conditional,
            r.oppose,
            r.neutral,
            r.articles
        );
    }
    out
}

fn est_json(obj: &mut Map<String, Value>, name: &str, lo: &str, hi: &str, e: Option<Estimate>) {
    let (v, l, h) = match e {
        Some(e) => (json!(e.value), json!(e.lo), json!(e.hi)),
        None => (Value::Null, Value::Null, Value::Null),
    };
    obj.insert(name.into(), v);
    obj.insert(lo.into(), l);
    obj.insert(hi.into(), h);
}

/// The rows as one JSON object: `{"by", "folded", "coarse", "rows": [...]}`, each row with the
/// CSV's columns as keys and `null` where the CSV has an empty field.
pub fn json(tally: &Tally, rows: &[Row]) -> Value {
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("period".into(), json!(r.period.to_string()));
            o.insert("actor".into(), json!(r.actor.as_str()));
            o.insert("n".into(), json!(r.n));
            o.insert("support".into(), json!(r.support));
            o.insert("conditional".into(), json!(r.conditional));
            o.insert("oppose".into(), json!(r.oppose));
            o.insert("neutral".into(), json!(r.neutral));
            est_json(
                &mut o,
                "support_share",
                "support_lo",
                "support_hi",
                r.support_share,
            );
            est_json(
                &mut o,
                "oppose_share",
                "oppose_lo",
                "oppose_hi",
                r.oppose_share,
            );
            est_json(&mut o, "net", "net_lo", "net_hi", r.net);
            o.insert("articles".into(), json!(r.articles));
            est_json(
                &mut o,
                "conditional_share",
                "conditional_lo",
                "conditional_hi",
                r.conditional_share,
            );
            Value::Object(o)
        })
        .collect();
    json!({
        "by": tally.by.as_str(),
        "folded": tally.folded,
        "coarse": tally.coarse,
        "rows": rows,
    })
}

/// The rows as an aligned text table: shares as percentages with their intervals.
pub fn table(rows: &[Row]) -> String {
    let pct = |e: Option<Estimate>| match e {
        Some(e) => format!(
            "{:5.1}% [{:5.1}, {:5.1}]",
            e.value * 100.0,
            e.lo * 100.0,
            e.hi * 100.0
        ),
        None => "-".into(),
    };
    let net = |e: Option<Estimate>| match e {
        Some(e) => format!("{:+.2} [{:+.2}, {:+.2}]", e.value, e.lo, e.hi),
        None => "-".into(),
    };
    let header = [
        "period", "actor", "n", "sup", "cond", "opp", "neu", "support", "oppose", "net", "articles",
    ];
    let mut cells: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for r in rows {
        cells.push(vec![
            r.period.to_string(),
            r.actor.as_str().into(),
            r.n.to_string(),
            r.support.to_string(),
            r.conditional.to_string(),
            r.oppose.to_string(),
            r.neutral.to_string(),
            pct(r.support_share),
            pct(r.oppose_share),
            net(r.net),
            r.articles.to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            cells
                .iter()
                .map(|row| row.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &cells {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i < 2 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
