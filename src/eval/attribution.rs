//! Span-level scores of attribution against brat gold: cue, source and content spans, and
//! whole attributions, each in an `exact` and an `overlap` mode.
//!
//! Matching is one-to-one and greedy: every (predicted, gold) pair that qualifies is ranked
//! by the number of characters the two share, and pairs are taken best first while neither
//! side is used. So two predicted pieces of one gold content count once, and one long
//! prediction cannot claim two gold spans. Precision is matched / predicted, recall is
//! matched / gold.
//!
//! - `exact`: the two spans cover the same characters (fragments that touch are merged).
//! - `overlap`: they share at least half the characters of the shorter one.
//! - attribution level: a predicted attribution matches a gold one when their cues match and
//!   their sources match (or both have no source), in the same mode.
//!
//! Several annotators of one text are scored separately against the same prediction; counts
//! are pooled per annotator over their texts, and the reported figures are the mean over
//! annotators of each annotator's precision, recall and F1.

use std::collections::BTreeMap;

use serde::Serialize;

use super::brat::{BratDoc, BratSpan, GoldAttribution};

/// A predicted attribution, in byte offsets into the article.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PredAttribution {
    /// The cue.
    pub cue: Option<BratSpan>,
    /// The source.
    pub source: Option<BratSpan>,
    /// The content.
    pub content: Option<BratSpan>,
}

/// Turns the per-sentence rule attributions of one article into predicted attributions.
/// A sentence that carries an earlier sentence's speaker (a quote running on) adds its
/// content to that sentence's attribution, since the claim is one content span in brat.
pub fn from_sentences(attrs: &[crate::attribute::Attribution]) -> Vec<PredAttribution> {
    let one = |s: Option<crate::record::Span>| {
        s.filter(|s| s.start < s.end).map(|s| BratSpan {
            fragments: vec![(s.start, s.end)],
        })
    };
    let mut out: Vec<PredAttribution> = Vec::new();
    let mut slot: Vec<Option<usize>> = vec![None; attrs.len()];
    for (i, a) in attrs.iter().enumerate() {
        if a.carried_from.is_none() && a.cue.is_some() {
            slot[i] = Some(out.len());
            out.push(PredAttribution {
                cue: one(a.cue),
                source: one(a.source),
                content: one(a.content),
            });
        }
    }
    // A quote's other sentences, before or after the cue sentence, add to its content.
    for a in attrs {
        let k = a.carried_from.and_then(|j| slot.get(j).copied().flatten());
        if let (Some(k), Some(c)) = (k, a.content) {
            let p = &mut out[k];
            let mut frags = p.content.take().map(|s| s.fragments).unwrap_or_default();
            frags.push((c.start, c.end));
            frags.sort_unstable();
            p.content = Some(BratSpan { fragments: frags });
        }
    }
    out
}

/// Turns the span tagger's attributions into predicted attributions.
pub fn from_tagged(tagged: &[crate::attribute::tagger::Tagged]) -> Vec<PredAttribution> {
    let one = |r: Option<(usize, usize)>| r.map(|r| BratSpan { fragments: vec![r] });
    tagged
        .iter()
        .map(|t| PredAttribution {
            cue: one(t.cue),
            source: one(t.source),
            content: (!t.content.is_empty()).then(|| BratSpan {
                fragments: t.content.clone(),
            }),
        })
        .collect()
}

/// Precision, recall and F1.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Prf {
    /// Precision.
    pub p: f64,
    /// Recall.
    pub r: f64,
    /// F1.
    pub f1: f64,
}

/// Scores in both modes.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Modes {
    /// Offsets match.
    pub exact: Prf,
    /// At least half of the shorter span shared.
    pub overlap: Prf,
}

/// The `eval-attribution --json` output.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct AttributionReport {
    /// Cue spans.
    pub cue: Modes,
    /// Source spans.
    pub source: Modes,
    /// Content spans.
    pub content: Modes,
    /// Whole attributions (cue and source).
    pub attribution: Modes,
    /// Texts scored.
    pub files: usize,
}

/// Matched, predicted and gold counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Count {
    tp: usize,
    pred: usize,
    gold: usize,
}

impl Count {
    fn add(&mut self, o: Count) {
        self.tp += o.tp;
        self.pred += o.pred;
        self.gold += o.gold;
    }

    fn prf(self) -> Prf {
        let p = if self.pred == 0 {
            0.0
        } else {
            self.tp as f64 / self.pred as f64
        };
        let r = if self.gold == 0 {
            0.0
        } else {
            self.tp as f64 / self.gold as f64
        };
        let f1 = if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        };
        Prf { p, r, f1 }
    }
}

/// `[cue, source, content, attribution] × [exact, overlap]`.
type Counts = [[Count; 2]; 4];

/// Scores predictions (`preds[i]` for `docs[i]`) against every annotation.
pub fn score(docs: &[BratDoc], preds: &[Vec<PredAttribution>]) -> AttributionReport {
    let mut per: BTreeMap<&str, Counts> = BTreeMap::new();
    for (doc, pred) in docs.iter().zip(preds) {
        let chars = CharIndex::new(&doc.text);
        for ann in &doc.annotations {
            let c = score_doc(&chars, &ann.attributions, pred);
            let slot = per.entry(ann.annotator.as_str()).or_default();
            for (k, row) in c.iter().enumerate() {
                for (m, v) in row.iter().enumerate() {
                    slot[k][m].add(*v);
                }
            }
        }
    }
    let mean = |k: usize, m: usize| -> Prf {
        let n = per.len().max(1) as f64;
        let mut out = Prf::default();
        for c in per.values() {
            let s = c[k][m].prf();
            out.p += s.p / n;
            out.r += s.r / n;
            out.f1 += s.f1 / n;
        }
        out
    };
    let modes = |k: usize| Modes {
        exact: mean(k, 0),
        overlap: mean(k, 1),
    };
    AttributionReport {
        cue: modes(0),
        source: modes(1),
        content: modes(2),
        attribution: modes(3),
        files: docs.len(),
    }
}

fn score_doc(chars: &CharIndex, gold: &[GoldAttribution], pred: &[PredAttribution]) -> Counts {
    let mut out = Counts::default();
    type Pick = fn(&GoldAttribution) -> Option<&BratSpan>;
    type PickP = fn(&PredAttribution) -> Option<&BratSpan>;
    let roles: [(Pick, PickP); 3] = [
        (|g| g.cue.as_ref(), |p| p.cue.as_ref()),
        (|g| g.source.as_ref(), |p| p.source.as_ref()),
        (|g| g.content.as_ref(), |p| p.content.as_ref()),
    ];
    for (k, (pg, pp)) in roles.iter().enumerate() {
        let g = distinct(gold.iter().filter_map(pg).map(normal));
        let p = distinct(pred.iter().filter_map(pp).map(normal));
        for (m, exact) in [true, false].into_iter().enumerate() {
            let tp = match_count(p.len(), g.len(), |i, j| {
                span_match(chars, &p[i], &g[j], exact)
            });
            out[k][m] = Count {
                tp,
                pred: p.len(),
                gold: g.len(),
            };
        }
    }
    let gold_a: Vec<&GoldAttribution> = gold.iter().filter(|g| g.cue.is_some()).collect();
    let pred_a: Vec<&PredAttribution> = pred.iter().filter(|p| p.cue.is_some()).collect();
    for (m, exact) in [true, false].into_iter().enumerate() {
        let tp = match_count(pred_a.len(), gold_a.len(), |i, j| {
            let (p, g) = (pred_a[i], gold_a[j]);
            let cue = span_match(
                chars,
                &normal(p.cue.as_ref()?),
                &normal(g.cue.as_ref()?),
                exact,
            )?;
            let source = match (&p.source, &g.source) {
                (None, None) => 0,
                (Some(a), Some(b)) => span_match(chars, &normal(a), &normal(b), exact)?,
                _ => return None,
            };
            Some(cue + source)
        });
        out[3][m] = Count {
            tp,
            pred: pred_a.len(),
            gold: gold_a.len(),
        };
    }
    out
}

/// Sorted fragments with touching or overlapping ones merged and empty ones dropped.
fn normal(s: &BratSpan) -> Vec<(usize, usize)> {
    let mut f: Vec<(usize, usize)> = s.fragments.iter().copied().filter(|f| f.0 < f.1).collect();
    f.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(f.len());
    for (a, b) in f {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn distinct(spans: impl Iterator<Item = Vec<(usize, usize)>>) -> Vec<Vec<(usize, usize)>> {
    let mut v: Vec<Vec<(usize, usize)>> = spans.filter(|s| !s.is_empty()).collect();
    v.sort();
    v.dedup();
    v
}

/// `Some(shared characters)` when the spans match in the mode, else `None`.
fn span_match(
    chars: &CharIndex,
    a: &[(usize, usize)],
    b: &[(usize, usize)],
    exact: bool,
) -> Option<usize> {
    let shared: usize = a
        .iter()
        .flat_map(|x| b.iter().map(move |y| (x.0.max(y.0), x.1.min(y.1))))
        .filter(|(s, e)| s < e)
        .map(|(s, e)| chars.count(s, e))
        .sum();
    if shared == 0 {
        return None;
    }
    if exact {
        return (a == b).then_some(shared);
    }
    let len = |s: &[(usize, usize)]| s.iter().map(|&(x, y)| chars.count(x, y)).sum::<usize>();
    let shorter = len(a).min(len(b));
    (2 * shared >= shorter).then_some(shared)
}

/// One-to-one greedy matching: pairs ranked by their score, best first.
fn match_count(np: usize, ng: usize, pair: impl Fn(usize, usize) -> Option<usize>) -> usize {
    let mut cands: Vec<(usize, usize, usize)> = Vec::new();
    for i in 0..np {
        for j in 0..ng {
            if let Some(s) = pair(i, j) {
                cands.push((s, i, j));
            }
        }
    }
    cands.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let (mut used_p, mut used_g) = (vec![false; np], vec![false; ng]);
    let mut n = 0;
    for (_, i, j) in cands {
        if !used_p[i] && !used_g[j] {
            used_p[i] = true;
            used_g[j] = true;
            n += 1;
        }
    }
    n
}

/// Counts characters between byte offsets in O(1).
struct CharIndex {
    /// `before[b]`: characters that start before byte `b`.
    before: Vec<u32>,
}

impl CharIndex {
    fn new(text: &str) -> Self {
        let mut before = vec![0u32; text.len() + 1];
        let mut n = 0u32;
        for (b, slot) in before.iter_mut().enumerate() {
            *slot = n;
            if text.is_char_boundary(b) && b < text.len() {
                n += 1;
            }
        }
        CharIndex { before }
    }

    fn count(&self, a: usize, b: usize) -> usize {
        let (a, b) = (a.min(self.before.len() - 1), b.min(self.before.len() - 1));
        self.before[b].saturating_sub(self.before[a]) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::brat::Annotation;

    fn sp(f: &[(usize, usize)]) -> BratSpan {
        BratSpan {
            fragments: f.to_vec(),
        }
    }

    fn gold(
        cue: (usize, usize),
        src: Option<(usize, usize)>,
        content: (usize, usize),
    ) -> GoldAttribution {
        GoldAttribution {
            cue: Some(sp(&[cue])),
            source: src.map(|s| sp(&[s])),
            content: Some(sp(&[content])),
        }
    }

    fn pred(
        cue: (usize, usize),
        src: Option<(usize, usize)>,
        content: &[(usize, usize)],
    ) -> PredAttribution {
        PredAttribution {
            cue: Some(sp(&[cue])),
            source: src.map(|s| sp(&[s])),
            content: Some(sp(content)),
        }
    }

    #[test]
    fn overlap_needs_half_of_the_shorter_span() {
        let text = "a".repeat(100);
        let c = CharIndex::new(&text);
        type Case<'a> = (
            &'a [(usize, usize)],
            &'a [(usize, usize)],
            bool,
            Option<usize>,
        );
        let cases: [Case<'_>; 6] = [
            (&[(0, 10)], &[(0, 10)], true, Some(10)),
            (&[(0, 10)], &[(0, 11)], true, None),
            (&[(0, 10)], &[(5, 40)], false, Some(5)),
            (&[(0, 10)], &[(6, 40)], false, None),
            (&[(0, 10)], &[(20, 30)], false, None),
            // Two fragments against one span: the shared characters add up.
            (&[(0, 4), (8, 12)], &[(2, 10)], false, Some(4)),
        ];
        for (a, b, exact, want) in cases {
            assert_eq!(span_match(&c, a, b, exact), want, "{a:?} {b:?} {exact}");
        }
    }

    #[test]
    fn characters_not_bytes_decide_the_half() {
        // Shared characters are counted as characters: "ééé" is three, not six.
        let text = "ééé abcd";
        let c = CharIndex::new(text);
        assert_eq!(c.count(0, text.len()), 8);
        assert_eq!(span_match(&c, &[(0, 6)], &[(2, 11)], false), Some(2));
        assert_eq!(span_match(&c, &[(0, 6)], &[(4, 11)], false), None);
    }

    #[test]
    fn matching_is_one_to_one() {
        // Two predictions over one gold span: one match, precision 1/2.
        assert_eq!(match_count(2, 1, |_, _| Some(1)), 1);
        // The better pair wins: pred 0 fits gold 1 better, pred 1 fits only gold 1.
        let score = [[Some(5), Some(9)], [None, Some(4)]];
        assert_eq!(match_count(2, 2, |i, j| score[i][j]), 1);
        let score = [[Some(9), Some(5)], [None, Some(4)]];
        assert_eq!(match_count(2, 2, |i, j| score[i][j]), 2);
    }

    #[test]
    fn scores_per_annotator_then_averages() {
        let text = "x".repeat(200);
        let g1 = vec![gold((10, 14), Some((0, 9)), (15, 60))];
        let g2 = vec![
            gold((10, 14), Some((0, 9)), (15, 60)),
            gold((100, 104), None, (105, 150)),
        ];
        let doc = BratDoc {
            name: "d".into(),
            text,
            annotations: vec![
                Annotation {
                    annotator: "a".into(),
                    attributions: g1,
                },
                Annotation {
                    annotator: "b".into(),
                    attributions: g2,
                },
            ],
        };
        let p = vec![pred((10, 14), Some((4, 9)), &[(15, 40), (45, 60)])];
        let r = score(&[doc], &[p]);
        // Cue: annotator a 1/1/1, annotator b p=1 r=1/2 f1=2/3.
        assert!((r.cue.exact.p - 1.0).abs() < 1e-9);
        assert!((r.cue.exact.r - 0.75).abs() < 1e-9);
        assert!((r.cue.exact.f1 - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-9);
        // Source 4..9 inside 0..9: overlap yes, exact no.
        assert_eq!(r.source.exact.f1, 0.0);
        assert!((r.source.overlap.p - 1.0).abs() < 1e-9);
        // Content 25+15 of 45 shared, both fragments inside the gold span.
        assert!((r.content.overlap.p - 1.0).abs() < 1e-9);
        assert_eq!(r.content.exact.p, 0.0);
        // Attribution: cue and source overlap for the first gold attribution.
        assert!((r.attribution.overlap.p - 1.0).abs() < 1e-9);
        assert_eq!(r.attribution.exact.p, 0.0);
        assert_eq!(r.files, 1);
    }
}
