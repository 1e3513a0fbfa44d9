//! Scoring annotated output against gold labels: speaker group and stance.
//!
//! ```text
//! gold.jsonl ──read──▶ GoldSentence ─┐
//!                                    ├─align (most byte overlap, per doc)─▶ pairs ─score─▶ Report
//! pred.jsonl ──read──▶ PredSentence ─┘
//! ```
//!
//! Gold sentences without a predicted partner are listed in the report and left out of the
//! scores, so a segmentation miss shows up as a count rather than as a wrong label.

mod align;
pub mod attribution;
pub mod brat;
mod metrics;
mod read;
mod table;

use std::fs::File;
use std::io::{self, BufReader};
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use align::align;
pub use metrics::{score, ClassScores, Scores};
pub use read::{read_gold, read_pred, GoldSentence, PredSentence};

use crate::{Error, Result};

/// A gold sentence that no predicted sentence covers (or whose text was not found).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmatched {
    /// The article.
    pub doc_id: String,
    /// The gold sentence index, when the gold file gives one.
    pub sent_index: Option<usize>,
    /// The gold sentence text.
    pub text: String,
}

/// The result of an evaluation; serialises to the `eval --json` output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Gold sentences read.
    pub n: usize,
    /// Gold sentences paired with a prediction; the scores cover these only.
    pub aligned: usize,
    /// Gold sentences left out of the scores, in gold order.
    pub unmatched: Vec<Unmatched>,
    /// Speaker-group scores.
    pub speaker: Scores,
    /// Stance scores.
    pub stance: Scores,
}

/// Aligns gold with predicted sentences and scores speaker and stance.
pub fn evaluate(gold: &[GoldSentence], pred: &[PredSentence]) -> Report {
    let partners = align(gold, pred);
    let mut speaker = Vec::new();
    let mut stance = Vec::new();
    let mut unmatched = Vec::new();
    for (g, partner) in gold.iter().zip(partners) {
        match partner.and_then(|i| pred.get(i)) {
            Some(p) => {
                speaker.push((g.speaker.as_str(), p.speaker.as_str()));
                stance.push((g.stance.as_str(), p.stance.as_str()));
            }
            None => unmatched.push(Unmatched {
                doc_id: g.doc_id.clone(),
                sent_index: g.sent_index,
                text: g.text.clone(),
            }),
        }
    }
    Report {
        n: gold.len(),
        aligned: speaker.len(),
        unmatched,
        speaker: score(&speaker),
        stance: score(&stance),
    }
}

/// Reads a gold and a prediction file and evaluates them. Either path may be `-` for stdin
/// (not both), so `annotate … | stanceline eval --gold g.jsonl --pred -` works.
pub fn evaluate_files(gold: &Path, pred: &Path) -> Result<Report> {
    let stdin = Path::new("-");
    if gold == stdin && pred == stdin {
        return Err(Error::Eval {
            path: pred.to_path_buf(),
            reason: "gold and predictions cannot both come from stdin".to_string(),
        });
    }
    let gold = with_reader(gold, read_gold)?;
    let pred = with_reader(pred, read_pred)?;
    Ok(evaluate(&gold, &pred))
}

fn with_reader<T>(
    path: &Path,
    read: impl FnOnce(Box<dyn io::BufRead>, &Path) -> Result<T>,
) -> Result<T> {
    let reader: Box<dyn io::BufRead> = if path == Path::new("-") {
        Box::new(io::stdin().lock())
    } else {
        let file = File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Box::new(BufReader::new(file))
    };
    read(reader, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Group, Label};

    fn gold(
        doc: &str,
        span: Option<(usize, usize)>,
        text: &str,
        sp: Group,
        st: Label,
    ) -> GoldSentence {
        GoldSentence {
            doc_id: doc.into(),
            text: text.into(),
            start: span.map(|s| s.0),
            end: span.map(|s| s.1),
            sent_index: Some(7),
            speaker: sp,
            stance: st,
        }
    }

    fn pred(doc: &str, start: usize, text: &str, sp: Group, st: Label) -> PredSentence {
        PredSentence {
            doc_id: doc.into(),
            start,
            end: start + text.len(),
            text: text.into(),
            speaker: sp,
            stance: st,
        }
    }

    #[test]
    fn unmatched_are_listed_and_not_scored() {
        let p = vec![
            pred(
                "d",
                0,
                "Ann backs the pact.",
                Group::UsAdmin,
                Label::Support,
            ),
            pred("d", 20, "Bo rejects it.", Group::Beijing, Label::Support),
        ];
        let g = vec![
            gold(
                "d",
                Some((0, 19)),
                "Ann backs the pact.",
                Group::UsAdmin,
                Label::Support,
            ),
            gold("d", None, "Bo rejects it.", Group::Beijing, Label::Oppose),
            gold("d", None, "Nobody said this.", Group::None, Label::Neutral),
            gold(
                "x",
                Some((0, 5)),
                "Other doc.",
                Group::Other,
                Label::Neutral,
            ),
        ];
        let r = evaluate(&g, &p);
        assert_eq!((r.n, r.aligned), (4, 2));
        assert_eq!(
            r.unmatched,
            vec![
                Unmatched {
                    doc_id: "d".into(),
                    sent_index: Some(7),
                    text: "Nobody said this.".into()
                },
                Unmatched {
                    doc_id: "x".into(),
                    sent_index: Some(7),
                    text: "Other doc.".into()
                },
            ]
        );
        // Both aligned speakers right; stance 1 of 2 right. `none`/`other` appear only in
        // unmatched gold sentences, so they are not scored.
        assert_eq!(r.speaker.accuracy, 1.0);
        assert_eq!(r.stance.accuracy, 0.5);
        assert!(!r.speaker.per_class.contains_key("none"));
        assert!(!r.speaker.per_class.contains_key("other"));
    }

    #[test]
    fn json_keys_in_contract_order() {
        let r = evaluate(&[], &[]);
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"n":0,"aligned":0,"unmatched":[],"#,
                r#""speaker":{"accuracy":0.0,"macro_f1":0.0,"per_class":{},"confusion":{}},"#,
                r#""stance":{"accuracy":0.0,"macro_f1":0.0,"per_class":{},"confusion":{}}}"#
            )
        );
    }

    #[test]
    fn missing_file_is_io_error() {
        let err = evaluate_files(Path::new("/nonexistent/gold.jsonl"), Path::new("p")).unwrap_err();
        assert!(matches!(err, Error::Io { .. }));
        assert!(err.to_string().starts_with("/nonexistent/gold.jsonl: "));
    }
}
