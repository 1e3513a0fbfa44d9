//! Before/after comparison of each actor's stance (`stanceline compare`): counts, shares and
//! net indices in two date ranges, the change in the net index with a 95% interval, pooled
//! two-proportion z-tests on the support and oppose shares, a verdict, and the few sentences
//! that best show the change.
//!
//! It streams: per actor it keeps counts and, per range and side (support, oppose), only the
//! three highest-confidence sentences seen so far. This module also holds the pieces `shifts`
//! shares with it: the record reader that keeps `confidence`, wire-copy folding per article
//! and the bounded top-3 list.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::dedup::{ArticleRecord, Folder};
use super::read::AnnotatedRecord;
use super::stats::Z95;
use crate::corpus::PartialDate;
use crate::error::{Error, Result};
use crate::record::{Group, Label};

/// Significance level of the verdict.
pub const ALPHA: f64 = 0.05;

/// How many evidence sentences are kept per actor, range and side.
pub const TOP: usize = 3;

// ───────────────────────────── statistics ─────────────────────────────

/// The complementary error function, erfc(x), by the Chebyshev fit of Numerical Recipes
/// (Press et al., *Numerical Recipes in C*, 2nd ed., §6.2, `erfcc`): fractional error below
/// 1.2·10⁻⁷ everywhere, ample for p-values printed to four decimals.
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// Two-sided p-value of a standard normal statistic: P(|Z| ≥ |z|) = erfc(|z|/√2).
pub fn two_sided_p(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0)
}

/// The pooled two-proportion z-test of H₀: p₁ = p₂ for k₁ of n₁ against k₂ of n₂: returns
/// (z, two-sided p). p̂ = (k₁+k₂)/(n₁+n₂), SE = √(p̂(1−p̂)(1/n₁ + 1/n₂)), z = (k₂/n₂ − k₁/n₁)/SE.
/// `None` when a sample is empty; when SE = 0 (both shares 0 or both 1) the shares are equal
/// and the result is (0, 1).
pub fn two_proportion(k1: u64, n1: u64, k2: u64, n2: u64) -> Option<(f64, f64)> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (k1, n1, k2, n2) = (k1.min(n1) as f64, n1 as f64, k2.min(n2) as f64, n2 as f64);
    let pooled = (k1 + k2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return Some((0.0, 1.0));
    }
    let z = (k2 / n2 - k1 / n1) / se;
    Some((z, two_sided_p(z)))
}

/// The net index and its analytic variance, the same as `aggregate` uses:
/// net = p_s − p_o, Var = (p_s + p_o − net²) / m, m = support + conditional + oppose.
pub fn net_and_var(c: &Counts) -> Option<(f64, f64)> {
    let m = c.m();
    if m == 0 {
        return None;
    }
    let m = m as f64;
    let (ps, po) = (c.support as f64 / m, c.oppose as f64 / m);
    let net = ps - po;
    Some((net, ((ps + po - net * net) / m).max(0.0)))
}

// ───────────────────────────── counts and evidence ─────────────────────────────

/// Stance counts of one actor in one range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// `support` sentences.
    pub support: u64,
    /// `conditional` sentences.
    pub conditional: u64,
    /// `oppose` sentences.
    pub oppose: u64,
    /// `neutral` sentences.
    pub neutral: u64,
}

impl Counts {
    /// Counts one sentence.
    pub fn add(&mut self, label: Label) {
        match label {
            Label::Support => self.support += 1,
            Label::Conditional => self.conditional += 1,
            Label::Oppose => self.oppose += 1,
            Label::Neutral => self.neutral += 1,
        }
    }

    /// All sentences.
    pub fn n(&self) -> u64 {
        self.support + self.conditional + self.oppose + self.neutral
    }

    /// Sentences that take a side (the net index's denominator).
    pub fn m(&self) -> u64 {
        self.support + self.conditional + self.oppose
    }
}

/// One evidence sentence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sentence {
    /// `before` or `after` for `compare`; the period label for `shifts`.
    pub side: String,
    /// The sentence's stance.
    pub stance: Label,
    /// The article.
    pub doc_id: String,
    /// The article's date, at its own precision.
    pub date: String,
    /// The sentence.
    pub text: String,
    /// The stance model's confidence (0 when the record has none).
    pub confidence: f64,
}

/// The [`TOP`] highest-confidence sentences seen, best first; on equal confidence the one
/// seen first stays ahead, so the choice depends only on the input order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Top(Vec<Sentence>);

impl Top {
    /// Offers a sentence; `make` is only called (and the text only copied) when it gets in.
    pub fn offer(&mut self, confidence: f64, make: impl FnOnce() -> Sentence) {
        let pos = self
            .0
            .iter()
            .position(|s| s.confidence < confidence)
            .unwrap_or(self.0.len());
        if pos < TOP {
            self.0.insert(pos, make());
            self.0.truncate(TOP);
        }
    }

    /// The kept sentences, best first.
    pub fn sentences(&self) -> &[Sentence] {
        &self.0
    }
}

// ───────────────────────────── reading ─────────────────────────────

/// An annotated record with the stance model's confidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// The fields aggregation uses.
    pub rec: AnnotatedRecord,
    /// `confidence`, 0 when absent.
    pub confidence: f64,
}

impl Scored {
    /// Parses one JSONL line (see [`AnnotatedRecord::parse`]).
    pub fn parse(line: &str) -> std::result::Result<Scored, String> {
        #[derive(Deserialize)]
        struct Conf {
            confidence: Option<f64>,
        }
        let rec = AnnotatedRecord::parse(line)?;
        let confidence = serde_json::from_str::<Conf>(line)
            .ok()
            .and_then(|c| c.confidence)
            .filter(|c| c.is_finite())
            .unwrap_or(0.0);
        Ok(Scored { rec, confidence })
    }
}

impl ArticleRecord for Scored {
    fn doc_id(&self) -> &str {
        &self.rec.doc_id
    }
    fn date(&self) -> &PartialDate {
        &self.rec.date
    }
    fn text(&self) -> &str {
        &self.rec.text
    }
}

/// Reads one input (`-` for stdin; gzip detected by name or magic bytes) line by line; good
/// records go through `folder` to `sink`, bad ones to `on_bad` as [`Error::Record`].
pub fn read_scored(
    path: &Path,
    folder: &mut Folder<Scored>,
    sink: &mut dyn FnMut(Scored),
    on_bad: &mut dyn FnMut(Error),
) -> Result<()> {
    super::read::for_each_line(path, on_bad, &mut |line| {
        Scored::parse(line).map(|sc| folder.push(sc, sink))
    })
}

// ───────────────────────────── date ranges ─────────────────────────────

/// An inclusive range of days, written `FROM..TO` with YYYY-MM-DD, YYYY-MM or YYYY on each
/// side (a month or year stands for all its days: `2022-08..2022` is 1 Aug – 31 Dec 2022).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

/// The first and last day a partial date may stand for.
pub fn date_span(d: &PartialDate) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(d.year, d.month.unwrap_or(1), d.day.unwrap_or(1))?;
    let last = match (d.month, d.day) {
        (Some(_), Some(_)) => first,
        (Some(m), None) => {
            let next = if m >= 12 {
                NaiveDate::from_ymd_opt(d.year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(d.year, m + 1, 1)
            };
            next?.pred_opt()?
        }
        (None, _) => NaiveDate::from_ymd_opt(d.year, 12, 31)?,
    };
    Some((first, last))
}

impl DateRange {
    /// Whether every day `d` may stand for lies in the range (a month-only date counts only
    /// when the whole month is inside).
    pub fn contains(&self, d: &PartialDate) -> bool {
        date_span(d).is_some_and(|(a, b)| a >= self.from && b <= self.to)
    }

    /// Whether `d` may stand for some day in the range without lying wholly inside it.
    pub fn straddles(&self, d: &PartialDate) -> bool {
        date_span(d).is_some_and(|(a, b)| a <= self.to && b >= self.from) && !self.contains(d)
    }

    /// Whether the two ranges share a day.
    pub fn overlaps(&self, other: &DateRange) -> bool {
        self.from <= other.to && other.from <= self.to
    }
}

impl FromStr for DateRange {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<DateRange, String> {
        let (a, b) = s
            .split_once("..")
            .ok_or_else(|| format!("invalid range {s:?}: expected FROM..TO"))?;
        let span = |x: &str| -> std::result::Result<(NaiveDate, NaiveDate), String> {
            let d: PartialDate = x.trim().parse()?;
            date_span(&d).ok_or_else(|| format!("date {x:?} is out of range"))
        };
        let (from, _) = span(a)?;
        let (_, to) = span(b)?;
        if from > to {
            return Err(format!("invalid range {s:?}: FROM is after TO"));
        }
        Ok(DateRange { from, to })
    }
}

impl Serialize for DateRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("DateRange", 2)?;
        st.serialize_field("from", &self.from.format("%Y-%m-%d").to_string())?;
        st.serialize_field("to", &self.to.format("%Y-%m-%d").to_string())?;
        st.end()
    }
}

// ───────────────────────────── the comparison ─────────────────────────────

#[derive(Debug, Clone, Default)]
struct Acc {
    counts: [Counts; 2],
    /// [range][0 = support, 1 = oppose]
    top: [[Top; 2]; 2],
}

/// Streaming before/after comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The earlier range.
    pub before: DateRange,
    /// The later range.
    pub after: DateRange,
    actors: BTreeMap<Group, Acc>,
    /// Records whose (partial) date overlaps a range without lying wholly inside it; not
    /// counted.
    pub straddling: u64,
}

/// One side (range) of an actor's comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideSummary {
    /// All sentences of the actor in the range.
    pub n: u64,
    /// Stance counts.
    pub support: u64,
    /// Stance counts.
    pub conditional: u64,
    /// Stance counts.
    pub oppose: u64,
    /// Stance counts.
    pub neutral: u64,
    /// support / n (`null` when n = 0).
    pub support_share: Option<f64>,
    /// oppose / n.
    pub oppose_share: Option<f64>,
    /// (support − oppose) / (support + conditional + oppose), `null` when that is 0.
    pub net: Option<f64>,
}

impl SideSummary {
    fn new(c: &Counts) -> SideSummary {
        let n = c.n();
        let share = |k: u64| (n > 0).then(|| k as f64 / n as f64);
        SideSummary {
            n,
            support: c.support,
            conditional: c.conditional,
            oppose: c.oppose,
            neutral: c.neutral,
            support_share: share(c.support),
            oppose_share: share(c.oppose),
            net: net_and_var(c).map(|(v, _)| v),
        }
    }
}

/// The verdict on an actor's change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The net index rose significantly.
    TowardCooperation,
    /// The net index fell significantly.
    TowardConfrontation,
    /// Neither.
    NoSignificantShift,
}

impl Verdict {
    /// The label as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::TowardCooperation => "toward_cooperation",
            Verdict::TowardConfrontation => "toward_confrontation",
            Verdict::NoSignificantShift => "no_significant_shift",
        }
    }
}

/// One actor's comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActorResult {
    /// The actor group.
    pub actor: Group,
    /// The earlier range.
    pub before: SideSummary,
    /// The later range.
    pub after: SideSummary,
    /// net(after) − net(before), `null` when either is undefined.
    pub delta_net: Option<f64>,
    /// Lower bound of its 95% interval.
    pub delta_lo: Option<f64>,
    /// Upper bound of its 95% interval.
    pub delta_hi: Option<f64>,
    /// Two-sided p-value of the pooled two-proportion test on support / n.
    pub p_support: Option<f64>,
    /// The same on oppose / n.
    pub p_oppose: Option<f64>,
    /// See [`verdict`].
    pub verdict: Verdict,
    /// Sentences that best show the change.
    pub evidence: Vec<Sentence>,
}

/// The verdict rule: `toward_cooperation` when the 95% interval of `delta_net` lies wholly
/// above 0 *and* at least one of the two share tests has p < α; `toward_confrontation` when
/// it lies wholly below 0 and likewise; otherwise `no_significant_shift`. The second
/// condition guards against the Wald interval collapsing to a point when each range has a
/// single stance (one support sentence before, one oppose after gives a zero-width interval
/// but p = 0.16 on both tests).
pub fn verdict(
    delta: Option<(f64, f64, f64)>,
    p_support: Option<f64>,
    p_oppose: Option<f64>,
) -> Verdict {
    let tested = [p_support, p_oppose]
        .into_iter()
        .flatten()
        .any(|p| p < ALPHA);
    match delta {
        Some((_, lo, _)) if lo > 0.0 && tested => Verdict::TowardCooperation,
        Some((_, _, hi)) if hi < 0.0 && tested => Verdict::TowardConfrontation,
        _ => Verdict::NoSignificantShift,
    }
}

impl Comparison {
    /// A comparison of `before` against `after`.
    pub fn new(before: DateRange, after: DateRange) -> Comparison {
        Comparison {
            before,
            after,
            actors: BTreeMap::new(),
            straddling: 0,
        }
    }

    /// Counts one record (ignored when its date is in neither range).
    pub fn push(&mut self, s: Scored) {
        let d = &s.rec.date;
        let range = if self.before.contains(d) {
            0
        } else if self.after.contains(d) {
            1
        } else {
            if self.before.straddles(d) || self.after.straddles(d) {
                self.straddling += 1;
            }
            return;
        };
        let acc = self.actors.entry(s.rec.group).or_default();
        if let Some(c) = acc.counts.get_mut(range) {
            c.add(s.rec.stance);
        }
        let side = match s.rec.stance {
            Label::Support => 0,
            Label::Oppose => 1,
            _ => return,
        };
        if let Some(top) = acc.top.get_mut(range).and_then(|t| t.get_mut(side)) {
            let Scored { rec, confidence } = s;
            top.offer(confidence, || Sentence {
                side: if range == 0 { "before" } else { "after" }.to_owned(),
                stance: rec.stance,
                doc_id: rec.doc_id,
                date: rec.date.to_string(),
                text: rec.text,
                confidence,
            });
        }
    }

    /// The results for `actors` (or, when empty, every group seen in either range), in group
    /// order.
    pub fn results(&self, actors: &[Group]) -> Vec<ActorResult> {
        let empty = Acc::default();
        Group::ALL
            .into_iter()
            .filter(|g| {
                if actors.is_empty() {
                    self.actors.contains_key(g)
                } else {
                    actors.contains(g)
                }
            })
            .map(|g| result(g, self.actors.get(&g).unwrap_or(&empty)))
            .collect()
    }
}

fn result(actor: Group, acc: &Acc) -> ActorResult {
    let [b, a] = &acc.counts;
    let delta = match (net_and_var(b), net_and_var(a)) {
        (Some((nb, vb)), Some((na, va))) => {
            let d = na - nb;
            let half = Z95 * (vb + va).sqrt();
            Some((d, (d - half).clamp(-2.0, d), (d + half).clamp(d, 2.0)))
        }
        _ => None,
    };
    let p_support = two_proportion(b.support, b.n(), a.support, a.n()).map(|(_, p)| p);
    let p_oppose = two_proportion(b.oppose, b.n(), a.oppose, a.n()).map(|(_, p)| p);
    let verdict = verdict(delta, p_support, p_oppose);
    // Evidence for a rise: support after, oppose before; for a fall the reverse. Without a
    // significant shift the sign of delta_net (a rise when it is 0 or undefined) decides.
    let rising = match verdict {
        Verdict::TowardCooperation => true,
        Verdict::TowardConfrontation => false,
        Verdict::NoSignificantShift => delta.is_none_or(|(d, _, _)| d >= 0.0),
    };
    let [tb, ta] = &acc.top;
    let (first, second) = if rising {
        (&ta[0], &tb[1])
    } else {
        (&ta[1], &tb[0])
    };
    let evidence = first
        .sentences()
        .iter()
        .chain(second.sentences())
        .cloned()
        .collect();
    ActorResult {
        actor,
        before: SideSummary::new(b),
        after: SideSummary::new(a),
        delta_net: delta.map(|d| d.0),
        delta_lo: delta.map(|d| d.1),
        delta_hi: delta.map(|d| d.2),
        p_support,
        p_oppose,
        verdict,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    #[test]
    fn erfc_matches_known_values() {
        // erfc(0) = 1; erfc(1) = 0.157299207; erfc(1.959964/√2) = 0.05; erfc(-1) = 1.842700793
        // (tables of the error function, e.g. Abramowitz & Stegun table 7.1).
        let cases = [
            (0.0, 1.0),
            (1.0, 0.157_299_207),
            (1.385_903_8, 0.05),
            (-1.0, 1.842_700_793),
        ];
        for (x, want) in cases {
            assert!(close(erfc(x), want, 1e-6), "erfc({x}) = {}", erfc(x));
        }
    }

    #[test]
    fn two_proportion_test_on_a_worked_example() {
        // Worked example: 45 of 100 against 30 of 100.
        // Pooled p̂ = 75/200 = 0.375; SE = √(0.375 · 0.625 · (1/100 + 1/100)) = √0.0046875
        // = 0.0684653; z = (0.30 − 0.45) / 0.0684653 = −2.190890; two-sided
        // p = erfc(2.190890/√2) = 0.028459 (Φ(2.19) = 0.98574 in the normal table gives
        // 2 · 0.01426 = 0.0285; checked with Python's math.erfc).
        let (z, p) = two_proportion(45, 100, 30, 100).unwrap();
        assert!(close(z, -2.190890, 1e-5), "z = {z}");
        assert!(close(p, 0.028459, 1e-5), "p = {p}");
        // Symmetric: swapping the samples flips z, keeps p.
        let (z2, p2) = two_proportion(30, 100, 45, 100).unwrap();
        assert!(close(z2, 2.190890, 1e-5) && close(p2, p, 1e-12));
        // Equal shares: z = 0, p = 1. Degenerate (both 0): defined as (0, 1).
        assert_eq!(two_proportion(5, 10, 10, 20), Some((0.0, 1.0)));
        assert_eq!(two_proportion(0, 10, 0, 20), Some((0.0, 1.0)));
        assert_eq!(two_proportion(1, 0, 0, 20), None);
    }

    #[test]
    fn ranges_parse_and_contain_partial_dates() {
        let r: DateRange = "2022-08..2022".parse().unwrap();
        assert_eq!(r.from, NaiveDate::from_ymd_opt(2022, 8, 1).unwrap());
        assert_eq!(r.to, NaiveDate::from_ymd_opt(2022, 12, 31).unwrap());
        let feb: DateRange = "2024-02-10..2024-02".parse().unwrap();
        assert_eq!(feb.to, NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        let d = |s: &str| s.parse::<PartialDate>().unwrap();
        let cases = [
            ("2022-08-01", true, false),
            ("2022-07-31", false, false),
            ("2022-09", true, false),
            ("2022", false, true),
            ("2023-01-01", false, false),
        ];
        for (s, inside, straddles) in cases {
            assert_eq!(r.contains(&d(s)), inside, "{s}");
            assert_eq!(r.straddles(&d(s)), straddles, "{s}");
        }
        for bad in ["2022", "2023..2022", "2022-13..2023", "x..2023"] {
            assert!(bad.parse::<DateRange>().is_err(), "{bad}");
        }
    }

    #[test]
    fn top_keeps_the_three_most_confident_first_seen_on_ties() {
        let mut t = Top::default();
        for (i, c) in [0.5, 0.9, 0.5, 0.7, 0.9, 0.1].into_iter().enumerate() {
            t.offer(c, || Sentence {
                side: "after".into(),
                stance: Label::Support,
                doc_id: i.to_string(),
                date: "2025".into(),
                text: String::new(),
                confidence: c,
            });
        }
        let ids: Vec<&str> = t.sentences().iter().map(|s| s.doc_id.as_str()).collect();
        assert_eq!(ids, ["1", "4", "3"]);
    }

    #[test]
    fn folder_drops_wire_copies_and_follows_first_decisions() {
        let rec = |doc: &str, text: &str| {
            let line = serde_json::json!({"doc_id": doc, "date": "2025-03-04", "text": text,
                "speaker": {"group": "beijing"}, "stance": "support", "confidence": 0.7});
            Scored::parse(&line.to_string()).unwrap()
        };
        let story = "Officials from both capitals agreed on Tuesday to reopen the customs \
            channel that had been closed since the spring dispute over inspections.";
        let mut folder = Folder::new(Some(0.8.into()));
        let mut seen = Vec::new();
        let feed = [
            ("orig", story),
            ("copy", story),
            (
                "other",
                "A sentence about river barges and grain silos in the north.",
            ),
            ("copy", "A late sentence of the copy."),
            ("orig", "A late sentence of the original."),
        ];
        for (doc, text) in feed {
            folder.push(rec(doc, text), &mut |s| seen.push(s.rec.doc_id));
        }
        folder.finish(&mut |s| seen.push(s.rec.doc_id));
        assert_eq!(seen, ["orig", "other", "orig"]);
        assert_eq!(folder.folded, 1);
        let mut all = Folder::new(None);
        let mut n = 0;
        for (doc, text) in feed {
            all.push(rec(doc, text), &mut |_| n += 1);
        }
        assert_eq!((n, all.folded), (5, 0));
        assert!((rec("a", "t").confidence - 0.7).abs() < 1e-12);
    }

    #[test]
    fn verdict_needs_the_interval_and_a_test() {
        let cases = [
            (
                Some((0.5, 0.1, 0.9)),
                Some(0.01),
                Some(0.5),
                Verdict::TowardCooperation,
            ),
            (
                Some((0.5, 0.1, 0.9)),
                Some(0.2),
                Some(0.5),
                Verdict::NoSignificantShift,
            ),
            (
                Some((-0.5, -0.9, -0.1)),
                None,
                Some(0.001),
                Verdict::TowardConfrontation,
            ),
            (
                Some((0.2, -0.1, 0.5)),
                Some(0.001),
                Some(0.001),
                Verdict::NoSignificantShift,
            ),
            (None, Some(0.001), None, Verdict::NoSignificantShift),
        ];
        for (delta, ps, po, want) in cases {
            assert_eq!(verdict(delta, ps, po), want, "{delta:?} {ps:?} {po:?}");
        }
    }
}
