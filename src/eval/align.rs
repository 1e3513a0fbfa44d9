//! Pairing gold sentences with predicted ones. The splitter and the annotator need not agree
//! on sentence boundaries, so a gold sentence is paired with the predicted sentence of the
//! same article that covers most of its bytes, not with one that has identical offsets.
//!
//! Gold lines without offsets are first located in the article. The article itself is not an
//! input of `eval`, so it is rebuilt from the predicted sentences (each text at its offset,
//! spaces in between); a gold text that crosses a predicted boundary is then still found as
//! long as the original gap was one whitespace byte per space.

use std::collections::HashMap;

use super::read::{GoldSentence, PredSentence};

/// For each gold sentence, the index in `pred` of its partner, or `None` when it has none.
pub fn align(gold: &[GoldSentence], pred: &[PredSentence]) -> Vec<Option<usize>> {
    // Per article, predicted indices sorted by position; ties on offsets keep file order,
    // so "earliest" is well defined even for duplicate records.
    let mut by_doc: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in pred.iter().enumerate() {
        by_doc.entry(p.doc_id.as_str()).or_default().push(i);
    }
    for ids in by_doc.values_mut() {
        ids.sort_by_key(|&i| pred.get(i).map(|p| (p.start, p.end)));
    }

    let mut articles: HashMap<&str, Vec<u8>> = HashMap::new();
    // Where the previous gold sentence of each article ended: the next one is searched from
    // here, so a sentence that occurs twice in an article is found at its second place.
    let mut cursor: HashMap<&str, usize> = HashMap::new();

    gold.iter()
        .map(|g| {
            let doc = g.doc_id.as_str();
            let ids = by_doc.get(doc).map(Vec::as_slice).unwrap_or(&[]);
            let span = match (g.start, g.end) {
                (Some(s), Some(e)) => Some((s, e)),
                _ => {
                    let article = articles.entry(doc).or_insert_with(|| {
                        rebuild_article(ids.iter().filter_map(|&i| pred.get(i)))
                    });
                    locate(article, &g.text, cursor.get(doc).copied().unwrap_or(0))
                }
            }?;
            cursor.insert(doc, span.1);
            best_overlap(span, ids, pred)
        })
        .collect()
}

/// The predicted sentence overlapping `span` by the most bytes; the earliest one on a tie.
fn best_overlap(
    (start, end): (usize, usize),
    ids: &[usize],
    pred: &[PredSentence],
) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for &i in ids {
        let Some(p) = pred.get(i) else { continue };
        let overlap = end.min(p.end).saturating_sub(start.max(p.start));
        // Strictly greater: an equal overlap later in the article does not displace the first.
        let better = match best {
            None => true,
            Some((_, b)) => overlap > b,
        };
        if overlap > 0 && better {
            best = Some((i, overlap));
        }
    }
    best.map(|(i, _)| i)
}

/// The article as far as the predictions show it: each text at its start offset, spaces in
/// the gaps. Later sentences overwrite overlapping bytes of earlier ones.
pub fn rebuild_article<'a>(preds: impl Iterator<Item = &'a PredSentence>) -> Vec<u8> {
    let mut buf: Vec<u8> = Vec::new();
    for p in preds {
        let bytes = p.text.as_bytes();
        let end = p.start.saturating_add(bytes.len());
        if buf.len() < end {
            buf.resize(end, b' ');
        }
        if let Some(dst) = buf.get_mut(p.start..end) {
            dst.copy_from_slice(bytes);
        }
    }
    buf
}

/// Finds `text` in `article` at or after `from`: exactly first, then with whitespace runs
/// collapsed; if neither succeeds after `from`, the same two searches from the beginning
/// (gold files are not always in article order). Returns the byte span in `article`.
pub fn locate(article: &[u8], text: &str, from: usize) -> Option<(usize, usize)> {
    // Surrounding whitespace is not part of a sentence; keeping it would only make the exact
    // search fail or widen the span.
    let needle = text.trim().as_bytes();
    let norm = Normalized::new(article);
    let needle_norm = Normalized::new(needle).bytes;
    if needle_norm.is_empty() {
        return None;
    }
    [from, 0].into_iter().find_map(|from| {
        find_bytes(article, needle, from)
            .map(|s| (s, s + needle.len()))
            .or_else(|| norm.find(&needle_norm, from))
    })
}

fn find_bytes(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// A byte string with every run of ASCII whitespace turned into one space, remembering where
/// each kept byte came from so a match maps back to original offsets.
struct Normalized {
    bytes: Vec<u8>,
    origin: Vec<usize>,
}

impl Normalized {
    fn new(src: &[u8]) -> Self {
        let mut bytes = Vec::with_capacity(src.len());
        let mut origin = Vec::with_capacity(src.len());
        for (i, &b) in src.iter().enumerate() {
            if b.is_ascii_whitespace() {
                if bytes.last() == Some(&b' ') {
                    continue;
                }
                bytes.push(b' ');
            } else {
                bytes.push(b);
            }
            origin.push(i);
        }
        Normalized { bytes, origin }
    }

    /// Span in the original bytes of the first match starting at or after original offset `from`.
    fn find(&self, needle: &[u8], from: usize) -> Option<(usize, usize)> {
        let from_norm = self.origin.partition_point(|&o| o < from);
        let s = find_bytes(&self.bytes, needle, from_norm)?;
        let first = *self.origin.get(s)?;
        let last = *self.origin.get(s + needle.len() - 1)?;
        Some((first, last + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Group, Label};

    fn p(doc: &str, start: usize, text: &str) -> PredSentence {
        PredSentence {
            doc_id: doc.into(),
            start,
            end: start + text.len(),
            text: text.into(),
            speaker: Group::None,
            stance: Label::Neutral,
        }
    }

    fn g(doc: &str, span: Option<(usize, usize)>, text: &str) -> GoldSentence {
        GoldSentence {
            doc_id: doc.into(),
            text: text.into(),
            start: span.map(|s| s.0),
            end: span.map(|s| s.1),
            sent_index: None,
            speaker: Group::None,
            stance: Label::Neutral,
        }
    }

    #[test]
    fn picks_most_overlap_then_earliest() {
        // Article "d": [0,10) [10,20) [20,30); listed out of order to check position order.
        let pred = vec![
            p("d", 20, "cccccccccc"),
            p("d", 0, "aaaaaaaaaa"),
            p("d", 10, "bbbbbbbbbb"),
            p("e", 0, "zzzzzzzzzz"),
        ];
        let cases: &[((usize, usize), Option<usize>, &str)] = &[
            ((0, 10), Some(1), "exact match"),
            ((8, 20), Some(2), "2 bytes of a, 10 of b"),
            (
                (5, 15),
                Some(1),
                "5 and 5: tie goes to the earlier sentence",
            ),
            (
                (15, 25),
                Some(2),
                "5 and 5 again, b before c though c is first in the file",
            ),
            ((18, 29), Some(0), "2 of b, 9 of c"),
            ((30, 40), None, "past the last prediction"),
            ((10, 10), None, "empty span overlaps nothing"),
        ];
        for &(span, want, why) in cases {
            let gold = vec![g("d", Some(span), "")];
            assert_eq!(align(&gold, &pred), vec![want], "{why}");
        }
    }

    #[test]
    fn unknown_doc_is_unmatched() {
        let pred = vec![p("d", 0, "Some words.")];
        let gold = vec![g("x", Some((0, 11)), "Some words.")];
        assert_eq!(align(&gold, &pred), vec![None]);
    }

    #[test]
    fn located_by_text_without_offsets() {
        // The article is "Alpha said yes.  Beta said no.\nAlpha said yes." with a two-space
        // gap and a newline that the rebuilt article shows as spaces.
        let pred = vec![
            p("d", 0, "Alpha said yes."),
            p("d", 17, "Beta said no."),
            p("d", 31, "Alpha said yes."),
            p("e", 0, "Beta said no."),
        ];
        let gold = vec![
            g("d", None, "Alpha said yes."),
            g("d", None, "Beta said no."),
            // Repeated text: found after the previous gold sentence, so the second copy.
            g("d", None, "Alpha said yes."),
            // Not in the article at all.
            g("d", None, "Gamma said maybe."),
            // Whitespace differs from the article: only the normalised search finds it.
            g("d", None, "Beta\nsaid   no."),
            // Crosses two predicted sentences: more of it lies in the first.
            g("d", None, "Beta said no. Alpha"),
            g("e", None, "Beta said no."),
            g("d", None, "   "),
        ];
        assert_eq!(
            align(&gold, &pred),
            vec![
                Some(0),
                Some(1),
                Some(2),
                None,
                Some(1),
                Some(1),
                Some(3),
                None
            ]
        );
    }

    #[test]
    fn locate_cases() {
        let article = b"One two.  Three\tfour. One two.";
        type Case<'a> = (&'a str, usize, Option<(usize, usize)>);
        let cases: &[Case] = &[
            ("One two.", 0, Some((0, 8))),
            ("One two.", 1, Some((22, 30))),
            ("Three four.", 0, Some((10, 21))),
            ("two. Three", 0, Some((4, 15))),
            ("  Three four. ", 0, Some((10, 21))),
            // Nothing after `from`: fall back to the first occurrence.
            ("Three four.", 25, Some((10, 21))),
            ("Five.", 0, None),
            ("", 0, None),
        ];
        for &(text, from, want) in cases {
            assert_eq!(locate(article, text, from), want, "{text:?} from {from}");
        }
    }

    #[test]
    fn rebuild_fills_gaps_with_spaces() {
        let pred = [p("d", 2, "ab"), p("d", 6, "cd")];
        assert_eq!(rebuild_article(pred.iter()), b"  ab  cd".to_vec());
    }
}
