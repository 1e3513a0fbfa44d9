//! The human-readable form of a [`Report`]: fixed-width tables for a terminal.

use std::fmt::Write;

use super::{Report, Scores};
use crate::record::{Group, Label};

/// How many unmatched gold sentences the table lists before summarising the rest.
const MAX_UNMATCHED_LISTED: usize = 20;

impl Report {
    /// Renders the report as aligned plain-text tables (three decimals), ending in a newline.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "gold sentences: {}   aligned: {}   unmatched: {}",
            self.n,
            self.aligned,
            self.unmatched.len()
        );
        let speaker_order: Vec<&str> = Group::ALL.iter().map(|g| g.as_str()).collect();
        let stance_order: Vec<&str> = Label::ALL.iter().map(|l| l.as_str()).collect();
        section(&mut out, "speaker", &self.speaker, &speaker_order);
        section(&mut out, "stance", &self.stance, &stance_order);

        if !self.unmatched.is_empty() {
            let _ = writeln!(
                out,
                "\nunmatched gold sentences ({}):",
                self.unmatched.len()
            );
            for u in self.unmatched.iter().take(MAX_UNMATCHED_LISTED) {
                let index = u.sent_index.map(|i| format!(" #{i}")).unwrap_or_default();
                let _ = writeln!(out, "  {}{index}: \"{}\"", u.doc_id, u.text);
            }
            let rest = self.unmatched.len().saturating_sub(MAX_UNMATCHED_LISTED);
            if rest > 0 {
                let _ = writeln!(out, "  … and {rest} more");
            }
        }
        out
    }
}

/// The labels present in `scores`, in the label set's own order (which reads better than
/// alphabetical); any label outside the set, from a hand-built report, goes last.
fn labels<'a>(scores: &'a Scores, order: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = order
        .iter()
        .copied()
        .filter(|l| scores.per_class.contains_key(*l))
        .collect();
    out.extend(
        scores
            .per_class
            .keys()
            .map(String::as_str)
            .filter(|k| !order.contains(k)),
    );
    out
}

fn section(out: &mut String, name: &str, scores: &Scores, order: &[&str]) {
    let _ = writeln!(
        out,
        "\n{name}: accuracy {:.3}   macro-F1 {:.3}",
        scores.accuracy, scores.macro_f1
    );
    let labels = labels(scores, order);
    if labels.is_empty() {
        let _ = writeln!(out, "  (no aligned sentences)");
        return;
    }

    let lw = labels
        .iter()
        .map(|l| l.len())
        .max()
        .unwrap_or(0)
        .max("label".len());
    let sw = scores
        .per_class
        .values()
        .map(|c| c.support.to_string().len())
        .max()
        .unwrap_or(0)
        .max("support".len());
    let _ = writeln!(
        out,
        "  {:<lw$}  {:>5}  {:>5}  {:>5}  {:>sw$}",
        "label", "P", "R", "F1", "support"
    );
    for label in &labels {
        if let Some(c) = scores.per_class.get(*label) {
            let _ = writeln!(
                out,
                "  {label:<lw$}  {:>5.3}  {:>5.3}  {:>5.3}  {:>sw$}",
                c.precision, c.recall, c.f1, c.support
            );
        }
    }

    let corner = "gold \\ pred";
    let rw = lw.max(corner.len());
    let cell = |g: &str, p: &str| -> usize {
        scores
            .confusion
            .get(g)
            .and_then(|row| row.get(p))
            .copied()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = labels
        .iter()
        .map(|p| {
            let widest = labels.iter().map(|g| cell(g, p).to_string().len()).max();
            widest.unwrap_or(0).max(p.len())
        })
        .collect();
    let _ = writeln!(out, "  confusion (rows: gold, columns: predicted)");
    let mut header = format!("  {corner:<rw$}");
    for (p, w) in labels.iter().zip(&widths) {
        let _ = write!(header, "  {p:>w$}");
    }
    let _ = writeln!(out, "{header}");
    for g in &labels {
        let mut line = format!("  {g:<rw$}");
        for (p, w) in labels.iter().zip(&widths) {
            let _ = write!(line, "  {:>w$}", cell(g, p));
        }
        let _ = writeln!(out, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::super::{evaluate, GoldSentence, PredSentence, Unmatched};
    use crate::record::{Group, Label};

    fn pair(
        start: usize,
        gs: Group,
        gl: Label,
        ps: Group,
        pl: Label,
    ) -> (GoldSentence, PredSentence) {
        let text = "0123456789".to_string();
        (
            GoldSentence {
                doc_id: "d".into(),
                text: text.clone(),
                start: Some(start),
                end: Some(start + 10),
                sent_index: None,
                speaker: gs,
                stance: gl,
            },
            PredSentence {
                doc_id: "d".into(),
                start,
                end: start + 10,
                text,
                speaker: ps,
                stance: pl,
            },
        )
    }

    #[test]
    fn table_layout() {
        let (g, p): (Vec<_>, Vec<_>) = [
            pair(
                0,
                Group::UsAdmin,
                Label::Support,
                Group::UsAdmin,
                Label::Support,
            ),
            pair(
                10,
                Group::Beijing,
                Label::Oppose,
                Group::UsAdmin,
                Label::Oppose,
            ),
            pair(
                20,
                Group::Beijing,
                Label::Oppose,
                Group::Beijing,
                Label::Neutral,
            ),
        ]
        .into_iter()
        .unzip();
        let mut report = evaluate(&g, &p);
        report.unmatched = (0..23)
            .map(|i| Unmatched {
                doc_id: "d".into(),
                sent_index: Some(i),
                text: format!("s{i}"),
            })
            .collect();
        let t = report.to_table();
        // speaker: us_admin P 1/2 R 1 F1 2/3; beijing P 1 R 1/2 F1 2/3; accuracy 2/3.
        // stance: support 1/1/1; oppose P 1 R 1/2 F1 2/3; neutral P 0 R 0 F1 0 (support 0);
        //         accuracy 2/3, macro over support and oppose = (1 + 2/3) / 2 = 0.833.
        let expected_lines = [
            "gold sentences: 3   aligned: 3   unmatched: 23",
            "speaker: accuracy 0.667   macro-F1 0.667",
            "  label         P      R     F1  support",
            "  us_admin  0.500  1.000  0.667        1",
            "  beijing   1.000  0.500  0.667        2",
            "  gold \\ pred  us_admin  beijing",
            "  us_admin            1        0",
            "  beijing             1        1",
            "stance: accuracy 0.667   macro-F1 0.833",
            "  oppose   1.000  0.500  0.667        2",
            "  neutral  0.000  0.000  0.000        0",
            "  gold \\ pred  support  oppose  neutral",
            "  neutral            0       0        0",
            "  d #0: \"s0\"",
            "  d #19: \"s19\"",
            "  … and 3 more",
        ];
        for line in expected_lines {
            assert!(
                t.lines().any(|l| l == line),
                "missing line {line:?} in\n{t}"
            );
        }
        assert!(!t.contains("s20"), "only 20 unmatched listed:\n{t}");
    }
}
