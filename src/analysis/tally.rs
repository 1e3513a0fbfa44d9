//! Counts per (period, actor group): the only state aggregation keeps, and what a partial file
//! holds. Merging tallies is exact: counts add, and an article split across two consecutive
//! inputs is still counted once.
//!
//! Articles are counted per cell as runs of consecutive records with the same `doc_id`, not as
//! a set of ids: a set grows with the number of articles, so memory would grow with the input
//! (about 40 MB more per GB of annotated JSONL, measured by scripts/bench-aggregate). A run
//! is one article whenever an article's records are consecutive, as `stanceline annotate`
//! writes them. Each cell keeps the first and last doc_id it saw, so that merging partials of
//! consecutive pieces of the input, in input order, joins an article cut at the seam.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::period::{Bucket, Period};
use super::stats::{self, Estimate};
use crate::record::{Group, Label};

/// Version tag of the partial file format, written as `"stanceline_partial": 2` (version 1
/// kept each cell's set of doc_ids).
pub const PARTIAL_VERSION: u32 = 2;

/// Stance counts and distinct articles of one (period, actor) cell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// Sentences labelled `support`.
    pub support: u64,
    /// Sentences labelled `conditional`.
    pub conditional: u64,
    /// Sentences labelled `oppose`.
    pub oppose: u64,
    /// Sentences labelled `neutral`.
    pub neutral: u64,
    /// Articles behind the cell: runs of consecutive records with the same doc_id.
    pub articles: u64,
    /// The doc_id of the cell's first record.
    pub first_doc: Option<String>,
    /// The doc_id of the cell's last record.
    pub last_doc: Option<String>,
}

impl Cell {
    /// All sentences of the cell, whatever their stance.
    pub fn n(&self) -> u64 {
        self.support + self.conditional + self.oppose + self.neutral
    }

    fn add(&mut self, label: Label) {
        match label {
            Label::Support => self.support += 1,
            Label::Conditional => self.conditional += 1,
            Label::Oppose => self.oppose += 1,
            Label::Neutral => self.neutral += 1,
        }
    }

    /// Counts the record's article unless it continues the cell's last run.
    fn see(&mut self, doc_id: &str) {
        if self.last_doc.as_deref() != Some(doc_id) {
            self.articles += 1;
            self.last_doc = Some(doc_id.to_owned());
        }
        if self.first_doc.is_none() {
            self.first_doc = Some(doc_id.to_owned());
        }
    }

    /// Appends `other`, the same cell of the input that follows: an article that ends this
    /// cell and starts `other` is one article.
    fn merge(&mut self, other: Cell) {
        self.support += other.support;
        self.conditional += other.conditional;
        self.oppose += other.oppose;
        self.neutral += other.neutral;
        let seam = self.last_doc.is_some() && self.last_doc == other.first_doc;
        self.articles = (self.articles + other.articles).saturating_sub(u64::from(seam));
        if self.first_doc.is_none() {
            self.first_doc = other.first_doc;
        }
        if other.last_doc.is_some() {
            self.last_doc = other.last_doc;
        }
    }
}

/// The tallies of a whole input (or of a part of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// The bucket size the periods were made with.
    pub by: Bucket,
    /// The cells, keyed by period and actor group.
    pub cells: BTreeMap<(Period, Group), Cell>,
    /// Records counted in a coarser period than `by` because their date is less precise,
    /// keyed by the bucket they were counted at.
    pub coarse: BTreeMap<&'static str, u64>,
    /// Near-duplicate articles folded into an earlier copy (per input or partial).
    pub folded: u64,
    /// Articles that arrived out of date order after articles within the de-duplication
    /// window of their date had been dropped, so that their copies may have been missed.
    /// Not kept in partial files: `merge` cannot fold across partials anyway.
    pub late: u64,
}

impl Tally {
    /// An empty tally with periods of size `by`.
    pub fn new(by: Bucket) -> Tally {
        Tally {
            by,
            cells: BTreeMap::new(),
            coarse: BTreeMap::new(),
            folded: 0,
            late: 0,
        }
    }

    /// Counts one sentence.
    pub fn add(&mut self, period: Period, group: Group, label: Label, doc_id: &str) {
        if period.bucket() != self.by {
            *self.coarse.entry(period.bucket().as_str()).or_insert(0) += 1;
        }
        let cell = self.cells.entry((period, group)).or_default();
        cell.add(label);
        cell.see(doc_id);
    }

    /// Adds another tally made with the same bucket size, from the part of the input that
    /// follows this one's.
    pub fn merge(&mut self, other: Tally) -> Result<(), String> {
        if other.by != self.by {
            return Err(format!(
                "cannot merge a tally by {} into one by {}",
                other.by.as_str(),
                self.by.as_str()
            ));
        }
        for (key, cell) in other.cells {
            self.cells.entry(key).or_default().merge(cell);
        }
        for (k, v) in other.coarse {
            *self.coarse.entry(k).or_insert(0) += v;
        }
        self.folded += other.folded;
        self.late += other.late;
        Ok(())
    }

    /// All sentences counted.
    pub fn total(&self) -> u64 {
        self.cells.values().map(Cell::n).sum()
    }

    /// The output rows: every period from the first to the last (gaps at the `by` size are
    /// filled with empty rows; coarser periods sit where they start), times every actor in
    /// `actors` (or, when it is empty, every group that occurs), in group order.
    pub fn rows(&self, actors: &[Group]) -> Vec<Row> {
        let groups: Vec<Group> = Group::ALL
            .into_iter()
            .filter(|g| {
                if actors.is_empty() {
                    self.cells.keys().any(|(_, cg)| cg == g)
                } else {
                    actors.contains(g)
                }
            })
            .collect();
        let mut periods: BTreeSet<Period> = self.cells.keys().map(|(p, _)| *p).collect();
        let fine: Vec<Period> = periods
            .iter()
            .filter(|p| p.bucket() == self.by)
            .copied()
            .collect();
        if let (Some(first), Some(last)) = (fine.first(), fine.last()) {
            let mut p = *first;
            while p < *last {
                let next = p.next();
                if next <= p {
                    break;
                }
                periods.insert(next);
                p = next;
            }
        }
        let empty = Cell::default();
        let mut rows = Vec::with_capacity(periods.len() * groups.len());
        for period in periods {
            for &group in &groups {
                let cell = self.cells.get(&(period, group)).unwrap_or(&empty);
                rows.push(Row::new(period, group, cell));
            }
        }
        rows
    }

    /// The partial file form of this tally.
    pub fn to_partial(&self) -> Partial {
        Partial {
            stanceline_partial: PARTIAL_VERSION,
            by: self.by,
            folded: self.folded,
            coarse: self
                .coarse
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
            cells: self
                .cells
                .iter()
                .map(|((period, actor), cell)| PartialCell {
                    period: *period,
                    actor: *actor,
                    cell: cell.clone(),
                })
                .collect(),
        }
    }

    /// Rebuilds a tally from its partial file form.
    pub fn from_partial(p: Partial) -> Result<Tally, String> {
        if p.stanceline_partial != PARTIAL_VERSION {
            return Err(format!(
                "partial format version {} is not supported (expected {PARTIAL_VERSION})",
                p.stanceline_partial
            ));
        }
        let mut t = Tally::new(p.by);
        t.folded = p.folded;
        for (k, v) in p.coarse {
            let key = [Bucket::Day, Bucket::Week, Bucket::Month, Bucket::Quarter]
                .into_iter()
                .chain([Bucket::Year])
                .map(Bucket::as_str)
                .find(|b| *b == k)
                .ok_or_else(|| format!("unknown bucket {k:?} in \"coarse\""))?;
            *t.coarse.entry(key).or_insert(0) += v;
        }
        for c in p.cells {
            t.cells
                .entry((c.period, c.actor))
                .or_default()
                .merge(c.cell);
        }
        Ok(t)
    }
}

/// The partial file: raw tallies as JSON, for `stanceline merge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partial {
    /// Format version, [`PARTIAL_VERSION`].
    pub stanceline_partial: u32,
    /// Bucket size of the periods.
    pub by: Bucket,
    /// Near-duplicate articles folded within this partial's input.
    #[serde(default)]
    pub folded: u64,
    /// Records counted at a coarser bucket, by bucket name.
    #[serde(default)]
    pub coarse: BTreeMap<String, u64>,
    /// The cells.
    pub cells: Vec<PartialCell>,
}

/// One cell of a partial file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialCell {
    /// Period label.
    pub period: Period,
    /// Actor group.
    pub actor: Group,
    /// Counts and article ids.
    #[serde(flatten)]
    pub cell: Cell,
}

/// One output row: a period × actor cell with its shares, intervals and net index.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Period label.
    pub period: Period,
    /// Actor group.
    pub actor: Group,
    /// Sentences attributed to the actor in the period, whatever their stance.
    pub n: u64,
    /// Stance counts.
    pub support: u64,
    /// Stance counts.
    pub conditional: u64,
    /// Stance counts.
    pub oppose: u64,
    /// Stance counts.
    pub neutral: u64,
    /// support / n with its Wilson interval (`None` when n = 0).
    pub support_share: Option<Estimate>,
    /// conditional / n with its Wilson interval.
    pub conditional_share: Option<Estimate>,
    /// oppose / n with its Wilson interval.
    pub oppose_share: Option<Estimate>,
    /// The net cooperation index with its interval (`None` when no sentence takes a side).
    pub net: Option<Estimate>,
    /// Distinct articles behind the row.
    pub articles: u64,
}

impl Row {
    fn new(period: Period, actor: Group, c: &Cell) -> Row {
        let n = c.n();
        Row {
            period,
            actor,
            n,
            support: c.support,
            conditional: c.conditional,
            oppose: c.oppose,
            neutral: c.neutral,
            support_share: stats::wilson(c.support, n),
            conditional_share: stats::wilson(c.conditional, n),
            oppose_share: stats::wilson(c.oppose, n),
            net: stats::net_index(c.support, c.conditional, c.oppose),
            articles: c.articles,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    #[test]
    fn gaps_are_filled_and_coarse_rows_kept() {
        let mut t = Tally::new(Bucket::Month);
        t.add(p("2025-01"), Group::Beijing, Label::Support, "a");
        t.add(p("2025-04"), Group::Beijing, Label::Oppose, "b");
        t.add(p("2025"), Group::UsAdmin, Label::Neutral, "c");
        let rows = t.rows(&[]);
        let got: Vec<(String, &str, u64)> = rows
            .iter()
            .map(|r| (r.period.to_string(), r.actor.as_str(), r.n))
            .collect();
        let want = [
            ("2025", "us_admin", 1),
            ("2025", "beijing", 0),
            ("2025-01", "us_admin", 0),
            ("2025-01", "beijing", 1),
            ("2025-02", "us_admin", 0),
            ("2025-02", "beijing", 0),
            ("2025-03", "us_admin", 0),
            ("2025-03", "beijing", 0),
            ("2025-04", "us_admin", 0),
            ("2025-04", "beijing", 1),
        ];
        let want: Vec<(String, &str, u64)> = want
            .iter()
            .map(|(a, b, c)| (a.to_string(), *b, *c))
            .collect();
        assert_eq!(got, want);
        assert_eq!(t.coarse.get("year"), Some(&1));
    }

    #[test]
    fn partial_round_trips_and_merges_exactly() {
        let mut a = Tally::new(Bucket::Month);
        a.add(p("2025-01"), Group::Beijing, Label::Support, "x");
        let mut b = Tally::new(Bucket::Month);
        b.add(p("2025-01"), Group::Beijing, Label::Oppose, "x");
        b.add(p("2025-01"), Group::Beijing, Label::Oppose, "y");
        let json = serde_json::to_string(&a.to_partial()).unwrap();
        assert!(json.starts_with("{\"stanceline_partial\":2,"), "{json}");
        let back = Tally::from_partial(serde_json::from_str(&json).unwrap()).unwrap();
        assert_eq!(back, a);
        a.merge(b).unwrap();
        let cell = &a.cells[&(p("2025-01"), Group::Beijing)];
        assert_eq!((cell.support, cell.oppose, cell.articles), (1, 2, 2));
        assert!(a.merge(Tally::new(Bucket::Day)).is_err());
    }

    #[test]
    fn articles_are_runs_and_merging_at_any_seam_equals_the_whole() {
        // The doc_ids one cell sees, in input order, and the articles counted.
        let cases: [(&[&str], u64); 6] = [
            (&[], 0),
            (&["a"], 1),
            (&["a", "a", "a"], 1),
            (&["a", "b", "b", "c"], 3),
            // An article whose records are not consecutive counts once per run.
            (&["a", "b", "a"], 3),
            (&["a", "a", "b", "b", "a", "a"], 3),
        ];
        for (docs, want) in cases {
            let tally = |ids: &[&str]| {
                let mut t = Tally::new(Bucket::Year);
                for id in ids {
                    t.add(p("2024"), Group::Other, Label::Neutral, id);
                }
                t
            };
            let whole = tally(docs);
            let got = whole.cells.values().next().map_or(0, |c| c.articles);
            assert_eq!(got, want, "{docs:?}");
            for cut in 0..=docs.len() {
                let (head, tail) = docs.split_at(cut);
                let mut merged = tally(head);
                merged.merge(tally(tail)).unwrap();
                assert_eq!(merged, whole, "{docs:?} cut at {cut}");
            }
        }
    }
}
