//! Near-duplicate articles (a wire story reprinted by several outlets): MinHash signatures over
//! word 5-shingles, with locality-sensitive hashing (bands) to find candidates and the
//! signature agreement as the Jaccard estimate.
//!
//! The first copy seen is kept; later copies whose estimated Jaccard similarity with a kept
//! article reaches the threshold are folded. Memory grows with the number of kept articles
//! (one signature each), not with the number of sentences.
//!
//! [`Folder`] applies this to a stream of sentence records, for `aggregate`, `compare`,
//! `shifts` and `report` alike.

use std::collections::HashMap;

/// Hash functions per signature.
const HASHES: usize = 128;
/// Words per shingle.
const SHINGLE: usize = 5;

/// Finds near-duplicates among the articles it is shown, in order.
#[derive(Debug)]
pub struct Deduper {
    threshold: f64,
    rows: usize,
    signatures: Vec<Vec<u32>>,
    buckets: HashMap<(usize, u64), Vec<usize>>,
}

impl Deduper {
    /// A deduper that folds articles with estimated Jaccard similarity ≥ `threshold`
    /// (clamped to 0.05–1).
    ///
    /// Rows per band are chosen so that a pair exactly at the threshold becomes a candidate
    /// with probability ≥ 0.999; candidates are then checked on the whole signature.
    pub fn new(threshold: f64) -> Deduper {
        let threshold = if threshold.is_finite() {
            threshold.clamp(0.05, 1.0)
        } else {
            0.8
        };
        let rows = (1..=8)
            .rev()
            .find(|&r| {
                let bands = (HASHES / r) as i32;
                1.0 - (1.0 - threshold.powi(r as i32)).powi(bands) >= 0.999
            })
            .unwrap_or(1);
        Deduper {
            threshold,
            rows,
            signatures: Vec::new(),
            buckets: HashMap::new(),
        }
    }

    /// Looks at one article's text: `true` when it is a near-duplicate of an article seen
    /// before (and is then not remembered), `false` when it is new (and is remembered).
    /// Texts with no words are never duplicates.
    pub fn is_duplicate(&mut self, text: &str) -> bool {
        let Some(sig) = signature(text) else {
            return false;
        };
        let bands: Vec<(usize, u64)> = sig
            .chunks(self.rows)
            .enumerate()
            .filter(|(_, c)| c.len() == self.rows)
            .map(|(i, c)| (i, hash_band(c)))
            .collect();
        for key in &bands {
            if let Some(ids) = self.buckets.get(key) {
                for &id in ids {
                    if let Some(other) = self.signatures.get(id) {
                        if similarity(&sig, other) >= self.threshold {
                            return true;
                        }
                    }
                }
            }
        }
        let id = self.signatures.len();
        self.signatures.push(sig);
        for key in bands {
            self.buckets.entry(key).or_default().push(id);
        }
        false
    }
}

/// A sentence record of an article, as [`Folder`] needs it.
pub trait ArticleRecord {
    /// The article's identifier.
    fn doc_id(&self) -> &str;
    /// The sentence.
    fn text(&self) -> &str;
}

/// Wire-copy folding for record streams: an article's records (consecutive in `annotate`
/// output) are held until the next article starts, then passed on or, when the article is a
/// near-duplicate of one passed on before, dropped. An article whose records come back later
/// follows the decision made for its first run of records.
#[derive(Debug)]
pub struct Folder<T> {
    deduper: Option<Deduper>,
    pending: Vec<T>,
    decided: HashMap<String, bool>,
    /// Articles folded so far.
    pub folded: u64,
}

impl<T: ArticleRecord> Folder<T> {
    /// `dedup` is the Jaccard threshold, or `None` to pass every record on at once.
    pub fn new(dedup: Option<f64>) -> Folder<T> {
        Folder {
            deduper: dedup.map(Deduper::new),
            pending: Vec::new(),
            decided: HashMap::new(),
            folded: 0,
        }
    }

    /// Takes one record; records that are passed on go to `sink`.
    pub fn push(&mut self, rec: T, sink: &mut dyn FnMut(T)) {
        if self.deduper.is_none() {
            sink(rec);
            return;
        }
        if self
            .pending
            .first()
            .is_some_and(|p| p.doc_id() == rec.doc_id())
        {
            self.pending.push(rec);
            return;
        }
        self.settle(sink);
        match self.decided.get(rec.doc_id()) {
            Some(true) => sink(rec),
            Some(false) => {}
            None => self.pending.push(rec),
        }
    }

    /// Passes on or drops the held article.
    fn settle(&mut self, sink: &mut dyn FnMut(T)) {
        let Some(d) = self.deduper.as_mut() else {
            return;
        };
        let Some(doc_id) = self.pending.first().map(|p| p.doc_id().to_owned()) else {
            return;
        };
        let text: Vec<&str> = self.pending.iter().map(|p| p.text()).collect();
        let keep = !d.is_duplicate(&text.join(" "));
        if keep {
            for rec in self.pending.drain(..) {
                sink(rec);
            }
        } else {
            self.pending.clear();
            self.folded += 1;
        }
        self.decided.insert(doc_id, keep);
    }

    /// Passes on the last held article.
    pub fn finish(&mut self, sink: &mut dyn FnMut(T)) {
        self.settle(sink);
    }
}

/// Estimated Jaccard similarity: the fraction of signature positions that agree.
fn similarity(a: &[u32], b: &[u32]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / HASHES as f64
}

/// The MinHash signature of a text's word 5-shingles (the whole text as one shingle when it
/// has fewer than five words); words are lower-cased alphanumeric runs, so punctuation and
/// spacing differences between reprints do not matter.
fn signature(text: &str) -> Option<Vec<u32>> {
    let words: Vec<u64> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| fnv1a(w.to_lowercase().as_bytes()))
        .collect();
    if words.is_empty() {
        return None;
    }
    let mut sig = vec![u32::MAX; HASHES];
    for window in words.windows(SHINGLE.min(words.len())) {
        let shingle = window
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, w| mix(h ^ w));
        for (i, slot) in sig.iter_mut().enumerate() {
            // Each of the HASHES functions is the shingle hash remixed with its own seed.
            let h = (mix(shingle ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)) >> 32) as u32;
            if h < *slot {
                *slot = h;
            }
        }
    }
    Some(sig)
}

fn hash_band(band: &[u32]) -> u64 {
    band.iter().fold(0x1234_5678u64, |h, &v| mix(h ^ v as u64))
}

/// FNV-1a: a fixed, portable hash, so signatures do not depend on the Rust version.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The splitmix64 finaliser: spreads every input bit over the output.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str = "The two delegations met in Geneva on Tuesday and agreed to resume \
        talks on climate finance next month, officials from both sides told reporters after \
        a session that ran well past midnight and ended with a joint statement on methane.";

    #[test]
    fn reprints_fold_and_different_stories_do_not() {
        let mut d = Deduper::new(0.8);
        assert!(!d.is_duplicate(STORY));
        // Same words, different punctuation, case and spacing: identical shingles.
        let reprint = STORY.to_uppercase().replace(',', " ;");
        assert!(d.is_duplicate(&reprint));
        // Four extra words: 36 of 40 shingles shared, Jaccard 0.9.
        let extended = format!("{STORY} Copyright the wire service.");
        assert!(d.is_duplicate(&extended));
        let other = "A trade ministry spokesperson rejected the proposal on export \
            controls and said new tariffs on solar panels would take effect in June.";
        assert!(!d.is_duplicate(other));
        assert!(!d.is_duplicate(""));
        assert!(!d.is_duplicate("  ... "));
    }

    #[test]
    fn threshold_one_folds_only_identical_shingle_sets() {
        let mut d = Deduper::new(1.0);
        assert!(!d.is_duplicate(STORY));
        assert!(!d.is_duplicate(&format!("{STORY} Extra words at the end.")));
        assert!(d.is_duplicate(STORY));
    }
}
