//! The HTML report: stance shares and net index per actor over time, drawn as inline SVG in
//! one self-contained page, with the evidence sentences behind every point.
//!
//! ```text
//! annotated JSONL ──Collector──▶ Tally (via analysis::Aggregator) + Evidence (top 3 per cell)
//!                 ──html::page──▶ one HTML file (no scripts, no network)
//! ```
//!
//! Memory stays bounded: the tally holds counts, and the evidence keeps at most
//! [`EVIDENCE_PER_CELL`] sentences per (period, actor) cell.

pub mod html;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::analysis::{Aggregator, AnnotatedRecord, Bucket, DedupConfig, Period, Tally};
use crate::error::{Error, Result};
use crate::record::{Group, Label};

/// Evidence sentences kept per (period, actor) cell.
pub const EVIDENCE_PER_CELL: usize = 3;

/// One sentence shown as evidence for a point.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The article's identifier.
    pub doc_id: String,
    /// The article's date as written in the record.
    pub date: String,
    /// The sentence (raw; escaped only when written into the page).
    pub text: String,
    /// The stance label.
    pub stance: Label,
    /// The stance model's confidence (0 when the record has none).
    pub confidence: f64,
}

impl Example {
    /// Ranking key: sentences that take a side come before neutral ones (they are what the
    /// shares count), then higher confidence.
    fn outranks(&self, other: &Example) -> bool {
        let side = |e: &Example| e.stance != Label::Neutral;
        (side(self), self.confidence) > (side(other), other.confidence)
    }
}

/// A change point to mark on the net-index chart. Nothing in this module finds them: the
/// caller passes them in (empty until a change-point finder is wired in).
#[derive(Debug, Clone, PartialEq)]
pub struct ChangePoint {
    /// The actor whose series changes.
    pub actor: Group,
    /// The first period after the change.
    pub period: Period,
    /// A short description shown on hover (escaped when written).
    pub label: String,
}

/// The best few sentences of every (period, actor) cell.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Up to [`EVIDENCE_PER_CELL`] examples per cell, best first.
    pub cells: BTreeMap<(Period, Group), Vec<Example>>,
}

impl Evidence {
    /// Offers one sentence to its cell; it is kept if it ranks among the best and its text is
    /// not already there (wire copies repeat sentences word for word).
    pub fn offer(&mut self, period: Period, group: Group, ex: Example) {
        let list = self.cells.entry((period, group)).or_default();
        if list.iter().any(|e| e.text == ex.text) {
            return;
        }
        let at = list
            .iter()
            .position(|e| ex.outranks(e))
            .unwrap_or(list.len());
        if at < EVIDENCE_PER_CELL {
            list.insert(at, ex);
            list.truncate(EVIDENCE_PER_CELL);
        }
    }

    /// The examples of one cell, best first (empty when there are none).
    pub fn get(&self, period: Period, group: Group) -> &[Example] {
        self.cells
            .get(&(period, group))
            .map_or(&[][..], Vec::as_slice)
    }
}

/// The extra field the report reads beyond [`AnnotatedRecord`].
#[derive(Deserialize)]
struct Confidence {
    #[serde(default)]
    confidence: Option<f64>,
}

/// Reads annotated records into a tally (with the aggregator's de-duplication) and the
/// evidence for each cell.
pub struct Collector {
    by: Bucket,
    agg: Aggregator,
    evidence: Evidence,
}

impl Collector {
    /// A collector with periods of size `by`; `dedup` as in [`Aggregator::new`].
    pub fn new(by: Bucket, dedup: Option<DedupConfig>) -> Collector {
        Collector {
            by,
            agg: Aggregator::new(by, dedup),
            evidence: Evidence::default(),
        }
    }

    /// Takes one JSONL line; the error says what is wrong with it.
    ///
    /// Evidence is offered for every record, folded wire copies included: a copy's sentences
    /// are the same as the original's, and [`Evidence::offer`] skips repeated text.
    pub fn push_line(&mut self, line: &str) -> std::result::Result<(), String> {
        let rec = AnnotatedRecord::parse(line)?;
        let confidence = serde_json::from_str::<Confidence>(line)
            .ok()
            .and_then(|c| c.confidence)
            .filter(|c| c.is_finite())
            .unwrap_or(0.0);
        let period = Period::of(&rec.date, self.by);
        self.evidence.offer(
            period,
            rec.group,
            Example {
                doc_id: rec.doc_id.clone(),
                date: rec.date.to_string(),
                text: rec.text.clone(),
                stance: rec.stance,
                confidence,
            },
        );
        self.agg.push(rec);
        Ok(())
    }

    /// Reads every record of one input (`-` for stdin; gzip detected by name or magic
    /// bytes). Bad records go to `on_bad` as [`Error::Record`] and are skipped.
    pub fn read_path(&mut self, path: &Path, on_bad: &mut dyn FnMut(Error)) -> Result<()> {
        crate::analysis::read::for_each_line(path, on_bad, &mut |line| self.push_line(line))
    }

    /// The finished tally and evidence.
    pub fn finish(self) -> (Tally, Evidence) {
        (self.agg.finish(), self.evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(text: &str, stance: Label, confidence: f64) -> Example {
        Example {
            doc_id: "d".into(),
            date: "2025-01-01".into(),
            text: text.into(),
            stance,
            confidence,
        }
    }

    #[test]
    fn keeps_the_best_three_side_taking_sentences_first() {
        let p: Period = "2025-01".parse().unwrap();
        let mut ev = Evidence::default();
        let offers = [
            ("n-high", Label::Neutral, 0.99),
            ("s-low", Label::Support, 0.4),
            ("o-mid", Label::Oppose, 0.7),
            ("s-low", Label::Support, 0.9), // same text again: ignored
            ("c-high", Label::Conditional, 0.8),
            ("s-lowest", Label::Support, 0.1),
        ];
        for (t, l, c) in offers {
            ev.offer(p, Group::Beijing, ex(t, l, c));
        }
        let got: Vec<&str> = ev
            .get(p, Group::Beijing)
            .iter()
            .map(|e| e.text.as_str())
            .collect();
        assert_eq!(got, ["c-high", "o-mid", "s-low"]);
        assert!(ev.get(p, Group::UsAdmin).is_empty());
    }

    #[test]
    fn collector_counts_and_keeps_evidence() {
        let mut c = Collector::new(Bucket::Month, None);
        let line = |text: &str, stance: &str, conf: f64| {
            serde_json::json!({"doc_id": "a", "date": "2025-02-03", "text": text,
                "speaker": {"group": "experts"}, "stance": stance, "confidence": conf})
            .to_string()
        };
        c.push_line(&line("One.", "support", 0.5)).unwrap();
        c.push_line(&line("Two.", "oppose", 0.7)).unwrap();
        assert!(c.push_line("{\"doc_id\": \"a\"}").is_err());
        let (tally, ev) = c.finish();
        assert_eq!(tally.total(), 2);
        let p: Period = "2025-02".parse().unwrap();
        let texts: Vec<&str> = ev
            .get(p, Group::Experts)
            .iter()
            .map(|e| e.text.as_str())
            .collect();
        assert_eq!(texts, ["Two.", "One."]);
    }
}
