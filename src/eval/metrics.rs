//! Classification scores for one label dimension (speaker or stance) over aligned pairs.
//!
//! Macro-F1 averages only the classes that occur in the gold: a label the annotator never
//! used cannot be recalled, and averaging in its zero (or its undefined recall) would punish
//! the system for the makeup of the gold sample rather than for its errors.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    /// Correct predictions of the class over all predictions of it (0 when never predicted).
    pub precision: f64,
    /// Correct predictions of the class over its gold occurrences (0 when absent from gold).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Number of aligned gold sentences with this label.
    pub support: usize,
}

/// The scores of one label dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Share of aligned sentences whose predicted label equals the gold one (0 when none).
    pub accuracy: f64,
    /// Mean F1 over the classes present in the gold (0 when there are none).
    pub macro_f1: f64,
    /// Per label present in gold or predictions.
    pub per_class: BTreeMap<String, ClassScores>,
    /// Gold label → predicted label → count, over every label present in gold or predictions
    /// (zero cells included, so the matrix is square).
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
}

/// Scores `(gold, predicted)` label pairs.
pub fn score(pairs: &[(&str, &str)]) -> Scores {
    let labels: BTreeSet<&str> = pairs.iter().flat_map(|&(g, p)| [g, p]).collect();
    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = labels
        .iter()
        .map(|&g| {
            let row = labels.iter().map(|&p| (p.to_string(), 0)).collect();
            (g.to_string(), row)
        })
        .collect();
    for &(g, p) in pairs {
        if let Some(cell) = confusion.get_mut(g).and_then(|row| row.get_mut(p)) {
            *cell += 1;
        }
    }

    let count = |pred: &dyn Fn(&(&str, &str)) -> bool| pairs.iter().filter(|x| pred(x)).count();
    let per_class: BTreeMap<String, ClassScores> = labels
        .iter()
        .map(|&label| {
            let tp = count(&|&(g, p)| g == label && p == label);
            let support = count(&|&(g, _)| g == label);
            let predicted = count(&|&(_, p)| p == label);
            let precision = ratio(tp, predicted);
            let recall = ratio(tp, support);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            let scores = ClassScores {
                precision,
                recall,
                f1,
                support,
            };
            (label.to_string(), scores)
        })
        .collect();

    let in_gold: Vec<f64> = per_class
        .values()
        .filter(|c| c.support > 0)
        .map(|c| c.f1)
        .collect();
    let macro_f1 = if in_gold.is_empty() {
        0.0
    } else {
        in_gold.iter().sum::<f64>() / in_gold.len() as f64
    };

    Scores {
        accuracy: ratio(count(&|&(g, p)| g == p), pairs.len()),
        macro_f1,
        per_class,
        confusion,
    }
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn check(s: &Scores, label: &str, p: f64, r: f64, f1: f64, support: usize) {
        let c = &s.per_class[label];
        assert!(close(c.precision, p), "{label} P {} != {p}", c.precision);
        assert!(close(c.recall, r), "{label} R {} != {r}", c.recall);
        assert!(close(c.f1, f1), "{label} F1 {} != {f1}", c.f1);
        assert_eq!(c.support, support, "{label} support");
    }

    #[test]
    fn hand_computed_stance_example() {
        let pairs = [
            ("support", "support"),
            ("support", "support"),
            ("support", "neutral"),
            ("oppose", "oppose"),
            ("oppose", "support"),
            ("neutral", "neutral"),
            ("neutral", "neutral"),
            ("neutral", "oppose"),
            ("conditional", "support"),
        ];
        // By hand (F1 = 2TP / (2TP + FP + FN)):
        //   support:     gold 3, predicted 4 (rows 1,2,5,9), TP 2 → P 2/4, R 2/3, F1 4/7
        //   oppose:      gold 2, predicted 2 (rows 4,8),     TP 1 → P 1/2, R 1/2, F1 1/2
        //   neutral:     gold 3, predicted 3 (rows 3,6,7),   TP 2 → P 2/3, R 2/3, F1 2/3
        //   conditional: gold 1, never predicted             TP 0 → P 0,   R 0,   F1 0
        //   accuracy = 5 correct (rows 1,2,4,6,7) / 9
        //   macro-F1 = (4/7 + 1/2 + 2/3 + 0) / 4 = (24 + 21 + 28) / 42 / 4 = 73/168
        let s = score(&pairs);
        check(&s, "support", 0.5, 2.0 / 3.0, 4.0 / 7.0, 3);
        check(&s, "oppose", 0.5, 0.5, 0.5, 2);
        check(&s, "neutral", 2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 3);
        check(&s, "conditional", 0.0, 0.0, 0.0, 1);
        assert!(close(s.accuracy, 5.0 / 9.0));
        assert!(close(s.macro_f1, 73.0 / 168.0));

        // Square over the four labels, zero cells included.
        let row = |g: &str| -> Vec<(&str, usize)> {
            s.confusion[g]
                .iter()
                .map(|(k, &v)| (k.as_str(), v))
                .collect()
        };
        assert_eq!(s.confusion.len(), 4);
        let order = |c, n, o, su| {
            vec![
                ("conditional", c),
                ("neutral", n),
                ("oppose", o),
                ("support", su),
            ]
        };
        assert_eq!(row("support"), order(0, 1, 0, 2));
        assert_eq!(row("oppose"), order(0, 0, 1, 1));
        assert_eq!(row("neutral"), order(0, 2, 1, 0));
        assert_eq!(row("conditional"), order(0, 0, 0, 1));
    }

    #[test]
    fn macro_f1_uses_gold_classes_only() {
        let pairs = [
            ("us_admin", "us_admin"),
            ("us_admin", "experts"),
            ("beijing", "beijing"),
            ("beijing", "beijing"),
        ];
        // us_admin: TP 1, predicted 1, gold 2 → P 1, R 1/2, F1 2/3
        // beijing:  TP 2, predicted 2, gold 2 → P 1, R 1,   F1 1
        // experts:  predicted once, never gold → P 0, R 0 (0/0), F1 0, support 0
        // macro-F1 over gold classes = (2/3 + 1) / 2 = 5/6 (not 5/9 with experts averaged in)
        let s = score(&pairs);
        check(&s, "us_admin", 1.0, 0.5, 2.0 / 3.0, 2);
        check(&s, "beijing", 1.0, 1.0, 1.0, 2);
        check(&s, "experts", 0.0, 0.0, 0.0, 0);
        assert!(close(s.macro_f1, 5.0 / 6.0));
        assert!(close(s.accuracy, 0.75));
        // Labels absent from both sides stay out of the table and the matrix.
        assert_eq!(s.per_class.len(), 3);
        assert!(!s.confusion.contains_key("none"));
        assert_eq!(s.confusion["experts"].values().sum::<usize>(), 0);
        assert_eq!(s.confusion["us_admin"]["experts"], 1);
    }

    #[test]
    fn nothing_aligned_scores_zero() {
        let s = score(&[]);
        assert_eq!((s.accuracy, s.macro_f1), (0.0, 0.0));
        assert!(s.per_class.is_empty() && s.confusion.is_empty());
    }
}
