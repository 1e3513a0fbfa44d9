//! A small trained stance classifier: multinomial logistic regression over sentence
//! embeddings, optionally concatenated with the rule model's outputs (stacking).
//!
//! Training is full-batch gradient descent from zero weights with L2 regularisation and
//! inverse-frequency class weights, so the same data gives the same head on every machine
//! and for any thread count. The head is stored as JSON.

use serde::{Deserialize, Serialize};

use crate::record::{Group, Label};
use crate::stance::Stance;

/// The rule model's output as features for stacking: speaker group (one-hot), rule label
/// (one-hot), hedge, and the weighted votes for support, oppose and conditional (capped).
pub fn rule_features(group: Group, stance: &Stance) -> Vec<f32> {
    let mut f = Vec::with_capacity(RULE_FEATURES);
    f.extend(Group::ALL.iter().map(|&g| f32::from(u8::from(g == group))));
    f.extend(
        Label::ALL
            .iter()
            .map(|&l| f32::from(u8::from(l == stance.label))),
    );
    f.push(f32::from(u8::from(stance.hedged)));
    f.extend(stance.votes.iter().map(|&v| v.min(6) as f32 / 6.0));
    f
}

/// The attribution rules' output as features for the speaker head: the group (one-hot)
/// and which rule decided (cue, action, quote continuation, list item, narration).
pub fn speaker_features(group: Group, evidence: &[crate::record::Evidence]) -> Vec<f32> {
    let mut f: Vec<f32> = Group::ALL
        .iter()
        .map(|&g| f32::from(u8::from(g == group)))
        .collect();
    let first = evidence.first().map_or("", |e| e.rule.as_str());
    for kind in [
        "cue",
        "action",
        "quote.continuation",
        "list.item",
        "narration",
    ] {
        f.push(f32::from(u8::from(first == kind)));
    }
    let how = |prefix: &str| evidence.iter().any(|e| e.rule.starts_with(prefix));
    for prefix in [
        "actor.person",
        "actor.name",
        "actor.experts",
        "actor.modifier",
        "resolve.",
        "actor.unknown",
    ] {
        f.push(f32::from(u8::from(how(prefix))));
    }
    f
}

/// Length of [`rule_features`].
pub const RULE_FEATURES: usize = 5 + 4 + 1 + 3;

/// Hyper-parameters of training.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct TrainConfig {
    /// Gradient-descent steps.
    pub epochs: usize,
    /// Step size.
    pub learning_rate: f64,
    /// L2 penalty on the weights (not the biases).
    pub l2: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 400,
            learning_rate: 0.5,
            l2: 1e-3,
        }
    }
}

/// The heads `train` writes and `annotate --stance neural|ensemble` reads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Heads {
    /// The encoder the heads were trained on (`candle:all-MiniLM-L6-v2`).
    pub encoder: String,
    /// Embedding dimension.
    pub dim: usize,
    /// Stance head over the embedding alone.
    pub neural: Head<Label>,
    /// Stance head over the embedding and the rule features (stacking).
    pub ensemble: Head<Label>,
    /// Speaker-group head over the embedding and the attribution rules' outputs, used with
    /// the ensemble.
    pub speaker: Head<Group>,
    /// Cross-validated macro-F1 of rules, neural and ensemble on the training data.
    pub cv: CvScores,
    /// Gold files trained on.
    pub trained_on: Vec<String>,
    /// Training sentences.
    pub sentences: usize,
    /// Hyper-parameters.
    pub config: TrainConfig,
}

/// Cross-validation results, k folds by article.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct CvScores {
    /// Folds.
    pub folds: usize,
    /// Stance macro-F1 of the rule model on the same sentences.
    pub rules_macro_f1: f64,
    /// Stance macro-F1 of the neural head.
    pub neural_macro_f1: f64,
    /// Stance macro-F1 of the ensemble head.
    pub ensemble_macro_f1: f64,
    /// Speaker macro-F1 of the attribution rules.
    pub speaker_rules_macro_f1: f64,
    /// Speaker macro-F1 of the speaker head.
    pub speaker_head_macro_f1: f64,
}

/// A trained linear head: `scores = W x + b`, softmax over the four stance labels.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Head<L> {
    /// What the features are ("embedding", "embedding+rules").
    pub features: String,
    /// Feature dimension.
    pub dim: usize,
    /// Labels in row order.
    pub labels: Vec<L>,
    /// One weight row per label.
    pub weights: Vec<Vec<f32>>,
    /// One bias per label.
    pub bias: Vec<f32>,
    /// Per-feature mean of the training data, subtracted before scoring.
    pub mean: Vec<f32>,
    /// Per-feature scale (1 / standard deviation) of the training data.
    pub scale: Vec<f32>,
}

impl<L: Copy + PartialEq> Head<L> {
    /// Fits a head over the label set `labels` on `(features, label)` pairs.
    pub fn train(name: &str, labels: &[L], xs: &[Vec<f32>], ys: &[L], cfg: TrainConfig) -> Head<L> {
        let labels = labels.to_vec();
        let k = labels.len();
        let dim = xs.first().map_or(0, Vec::len);
        let n = xs.len().max(1) as f64;
        let index = |l: L| labels.iter().position(|&m| m == l).unwrap_or(0);
        // Inverse-frequency class weights, so the rare "conditional" class is not ignored.
        let mut counts = vec![0f64; k];
        for &y in ys {
            counts[index(y)] += 1.0;
        }
        let class_w: Vec<f64> = counts
            .iter()
            .map(|&c| if c > 0.0 { n / (k as f64 * c) } else { 0.0 })
            .collect();
        // Standardise the features: embeddings have tiny components, rule features are
        // 0/1, and gradient descent needs them on one scale.
        let mut mean = vec![0f64; dim];
        for x in xs {
            for (m, &v) in mean.iter_mut().zip(x) {
                *m += f64::from(v) / n;
            }
        }
        let mut var = vec![0f64; dim];
        for x in xs {
            for ((s, &v), m) in var.iter_mut().zip(x).zip(&mean) {
                *s += (f64::from(v) - m).powi(2) / n;
            }
        }
        let scale: Vec<f64> = var
            .iter()
            .map(|v| if *v > 1e-12 { 1.0 / v.sqrt() } else { 0.0 })
            .collect();
        let std_xs: Vec<Vec<f32>> = xs
            .iter()
            .map(|x| {
                x.iter()
                    .zip(&mean)
                    .zip(&scale)
                    .map(|((&v, m), s)| ((f64::from(v) - m) * s) as f32)
                    .collect()
            })
            .collect();
        let xs = &std_xs;
        let mut w = vec![vec![0f64; dim]; k];
        let mut b = vec![0f64; k];
        let mut probs = vec![0f64; k];
        for _ in 0..cfg.epochs {
            let mut gw = vec![vec![0f64; dim]; k];
            let mut gb = vec![0f64; k];
            for (x, &y) in xs.iter().zip(ys) {
                softmax_into(&w, &b, x, &mut probs);
                let yi = index(y);
                let cw = class_w[yi];
                for c in 0..k {
                    let g = cw * (probs[c] - if c == yi { 1.0 } else { 0.0 });
                    gb[c] += g;
                    for (gwj, &xj) in gw[c].iter_mut().zip(x) {
                        *gwj += g * f64::from(xj);
                    }
                }
            }
            for c in 0..k {
                b[c] -= cfg.learning_rate * gb[c] / n;
                for j in 0..dim {
                    w[c][j] -= cfg.learning_rate * (gw[c][j] / n + cfg.l2 * w[c][j]);
                }
            }
        }
        Head {
            features: name.to_string(),
            dim,
            labels,
            weights: w
                .into_iter()
                .map(|r| r.into_iter().map(|v| v as f32).collect())
                .collect(),
            bias: b.into_iter().map(|v| v as f32).collect(),
            mean: mean.into_iter().map(|v| v as f32).collect(),
            scale: scale.into_iter().map(|v| v as f32).collect(),
        }
    }

    /// Label probabilities for one feature vector (in `self.labels` order).
    pub fn probabilities(&self, x: &[f32]) -> Vec<f64> {
        let x: Vec<f32> = x
            .iter()
            .zip(&self.mean)
            .zip(&self.scale)
            .map(|((&v, m), s)| (v - m) * s)
            .collect();
        let x = x.as_slice();
        let w: Vec<Vec<f64>> = self
            .weights
            .iter()
            .map(|r| r.iter().map(|&v| f64::from(v)).collect())
            .collect();
        let b: Vec<f64> = self.bias.iter().map(|&v| f64::from(v)).collect();
        let mut p = vec![0f64; self.labels.len()];
        softmax_into(&w, &b, x, &mut p);
        p
    }

    /// The most probable label and its probability.
    pub fn predict(&self, x: &[f32]) -> (L, f64) {
        let p = self.probabilities(x);
        let (i, &best) =
            p.iter().enumerate().fold(
                (0, &f64::MIN),
                |acc, (i, v)| if *v > *acc.1 { (i, v) } else { acc },
            );
        (self.labels[i], best)
    }
}

fn softmax_into(w: &[Vec<f64>], b: &[f64], x: &[f32], out: &mut [f64]) {
    for (c, o) in out.iter_mut().enumerate() {
        *o = b[c]
            + w[c]
                .iter()
                .zip(x)
                .map(|(wj, &xj)| wj * f64::from(xj))
                .sum::<f64>();
    }
    let max = out.iter().cloned().fold(f64::MIN, f64::max);
    let mut sum = 0.0;
    for o in out.iter_mut() {
        *o = (*o - max).exp();
        sum += *o;
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_toy_problem() {
        // Four clusters on the axes of a 4-d space, one per label.
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for (i, l) in Label::ALL.iter().enumerate() {
            for j in 0..10 {
                let mut x = vec![0.05 * (j as f32 % 3.0); 4];
                x[i] = 1.0;
                xs.push(x);
                ys.push(*l);
            }
        }
        let head = Head::train("toy", &Label::ALL, &xs, &ys, TrainConfig::default());
        for (x, y) in xs.iter().zip(&ys) {
            assert_eq!(head.predict(x).0, *y);
        }
        let p = head.probabilities(&xs[0]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn training_is_deterministic_and_round_trips() {
        let xs = vec![vec![1.0, 0.0], vec![0.0, 1.0], vec![1.0, 1.0]];
        let ys = vec![Label::Support, Label::Oppose, Label::Neutral];
        let a = Head::train("t", &Label::ALL, &xs, &ys, TrainConfig::default());
        let b = Head::train("t", &Label::ALL, &xs, &ys, TrainConfig::default());
        assert_eq!(a, b);
        let json = serde_json::to_string(&a).unwrap();
        let back: Head<Label> = serde_json::from_str(&json).unwrap();
        assert_eq!(a, back);
    }
}
