//! Near-duplicate articles (a wire story reprinted by several outlets): MinHash signatures over
//! word 5-shingles, with locality-sensitive hashing (bands) to find candidates and the
//! signature agreement as the Jaccard estimate.
//!
//! The first copy seen is kept; later copies whose estimated Jaccard similarity with a kept
//! article reaches the threshold are folded. Wire copies are reprinted within days of the
//! original, so two articles are compared only when their dates lie within a window of W days
//! (a partial date such as `2025-04` stands for every day it covers, and matches when that
//! interval comes within W days of the other's). Because of the window, an article whose date
//! interval ends more than W days before the latest date seen can never match a later article
//! in date order, and its signature and band entries are dropped: for input in date order,
//! memory is bounded by the articles of one W-day window, however long the input. Input out
//! of date order still folds within the window, but an article that arrives after the window
//! has moved past its date (it is dated no more than W days after the newest article already
//! dropped) may miss its copy; [`Deduper::late`] counts those articles so that the caller can
//! say so. For input in date order that count is always 0.
//!
//! [`Folder`] applies this to a stream of sentence records, for `aggregate`, `compare`,
//! `shifts` and `report` alike.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::corpus::PartialDate;

/// Hash functions per signature.
const HASHES: usize = 128;
/// Words per shingle.
const SHINGLE: usize = 5;

/// The default window, in days, within which articles are compared.
pub const DEFAULT_WINDOW_DAYS: u32 = 7;

/// De-duplication settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DedupConfig {
    /// Estimated Jaccard similarity at which an article is a copy.
    pub threshold: f64,
    /// Articles are compared only when their date intervals come within this many days.
    pub window_days: u32,
}

impl DedupConfig {
    /// `threshold` with the default window of [`DEFAULT_WINDOW_DAYS`].
    pub fn new(threshold: f64) -> DedupConfig {
        DedupConfig {
            threshold,
            window_days: DEFAULT_WINDOW_DAYS,
        }
    }
}

impl From<f64> for DedupConfig {
    fn from(threshold: f64) -> DedupConfig {
        DedupConfig::new(threshold)
    }
}

/// The first and last day (days since the Common Era) a partial date stands for.
fn day_span(date: &PartialDate) -> (i64, i64) {
    use chrono::Datelike;
    match super::compare::date_span(date) {
        Some((a, b)) => (a.num_days_from_ce() as i64, b.num_days_from_ce() as i64),
        // Four-digit years are always in chrono's range; should one not be, the article is
        // compared with everything and never dropped rather than guessed at.
        None => (i64::MIN / 4, i64::MAX / 4),
    }
}

/// Days between two intervals, 0 when they overlap.
fn gap(a: (i64, i64), b: (i64, i64)) -> i64 {
    (a.0 - b.1).max(b.0 - a.1).max(0)
}

/// A kept article.
#[derive(Debug)]
struct Entry {
    sig: Vec<u32>,
    span: (i64, i64),
}

/// Finds near-duplicates among the articles it is shown, in order.
#[derive(Debug)]
pub struct Deduper {
    threshold: f64,
    rows: usize,
    window: i64,
    next_id: u64,
    entries: HashMap<u64, Entry>,
    buckets: HashMap<(usize, u64), Vec<u64>>,
    /// Kept articles by the last day of their interval, earliest first, for eviction.
    expiry: BinaryHeap<Reverse<(i64, u64)>>,
    /// The latest first day of any article seen.
    latest: Option<i64>,
    /// The latest last day of any article dropped from the window.
    dropped_until: Option<i64>,
    late: u64,
}

impl Deduper {
    /// A deduper that folds articles with estimated Jaccard similarity ≥ `threshold`
    /// (clamped to 0.05–1) whose dates come within `window_days` days of each other.
    ///
    /// Rows per band are chosen so that a pair exactly at the threshold becomes a candidate
    /// with probability ≥ 0.999; candidates are then checked on the whole signature.
    pub fn new(config: DedupConfig) -> Deduper {
        let threshold = config.threshold;
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
            window: config.window_days as i64,
            next_id: 0,
            entries: HashMap::new(),
            buckets: HashMap::new(),
            expiry: BinaryHeap::new(),
            latest: None,
            dropped_until: None,
            late: 0,
        }
    }

    /// Looks at one article's text and date: `true` when it is a near-duplicate of an article
    /// seen before within the window (and is then not remembered), `false` when it is new
    /// (and is remembered until it falls out of the window). Texts with no words are never
    /// duplicates.
    pub fn is_duplicate(&mut self, text: &str, date: &PartialDate) -> bool {
        let span = day_span(date);
        self.advance(span);
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
                for id in ids {
                    if let Some(other) = self.entries.get(id) {
                        if gap(span, other.span) <= self.window
                            && similarity(&sig, &other.sig) >= self.threshold
                        {
                            return true;
                        }
                    }
                }
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        self.entries.insert(id, Entry { sig, span });
        self.expiry.push(Reverse((span.1, id)));
        for key in bands {
            self.buckets.entry(key).or_default().push(id);
        }
        false
    }

    /// Moves the window to an article with day interval `span`: drops the kept articles no
    /// later article in date order can match, and counts the article as late when one it
    /// could have matched may already have been dropped (tracking only the newest dropped
    /// date keeps this constant in memory, at the price of counting some articles whose
    /// partners were never there).
    fn advance(&mut self, span: (i64, i64)) {
        let latest = self.latest.map_or(span.0, |l| l.max(span.0));
        self.latest = Some(latest);
        // Dropping first, then checking, so that an article dropped just now counts too.
        self.drop_expired();
        if self
            .dropped_until
            .is_some_and(|d| span.0.saturating_sub(self.window) <= d)
        {
            self.late += 1;
        }
    }

    /// Drops the kept articles whose interval ends more than the window before the latest
    /// date seen, with their band entries.
    fn drop_expired(&mut self) {
        while let Some(&Reverse((last, id))) = self.expiry.peek() {
            if !self.expired(last) {
                break;
            }
            self.expiry.pop();
            self.dropped_until = Some(self.dropped_until.map_or(last, |d| d.max(last)));
            let Some(entry) = self.entries.remove(&id) else {
                continue;
            };
            for (i, c) in entry.sig.chunks(self.rows).enumerate() {
                if c.len() != self.rows {
                    continue;
                }
                let key = (i, hash_band(c));
                if let Some(ids) = self.buckets.get_mut(&key) {
                    ids.retain(|&x| x != id);
                    if ids.is_empty() {
                        self.buckets.remove(&key);
                    }
                }
            }
        }
    }

    /// Whether an interval ending on day `last` lies more than the window before the latest
    /// date seen, so that no article read later in date order can come within the window.
    fn expired(&self, last: i64) -> bool {
        self.latest
            .is_some_and(|l| last.saturating_add(self.window) < l)
    }

    /// Articles that arrived after the window had moved past their date (input not in date
    /// order): an article they could have matched may have been dropped already.
    pub fn late(&self) -> u64 {
        self.late
    }

    /// Kept articles currently remembered.
    pub fn stored(&self) -> usize {
        self.entries.len()
    }
}

/// A sentence record of an article, as [`Folder`] needs it.
pub trait ArticleRecord {
    /// The article's identifier.
    fn doc_id(&self) -> &str;
    /// The article's date.
    fn date(&self) -> &PartialDate;
    /// The sentence.
    fn text(&self) -> &str;
}

/// Wire-copy folding for record streams: an article's records (consecutive in `annotate`
/// output) are held until the next article starts, then passed on or, when the article is a
/// near-duplicate of one passed on before, dropped. An article whose records come back later
/// follows the decision made for its first run of records, as long as its date is still
/// within the window; the decisions are dropped with the signatures.
#[derive(Debug)]
pub struct Folder<T> {
    deduper: Option<Deduper>,
    pending: Vec<T>,
    decided: HashMap<String, bool>,
    /// Decisions by the last day of the article's interval, earliest first.
    decided_expiry: BinaryHeap<Reverse<(i64, String)>>,
    /// Articles folded so far.
    pub folded: u64,
}

impl<T: ArticleRecord> Folder<T> {
    /// `dedup` is the threshold and window, or `None` to pass every record on at once.
    pub fn new(dedup: Option<DedupConfig>) -> Folder<T> {
        Folder {
            deduper: dedup.map(Deduper::new),
            pending: Vec::new(),
            decided: HashMap::new(),
            decided_expiry: BinaryHeap::new(),
            folded: 0,
        }
    }

    /// Articles that may have missed their copy because the input is not in date order
    /// (see [`Deduper::late`]).
    pub fn late(&self) -> u64 {
        self.deduper.as_ref().map_or(0, Deduper::late)
    }

    /// Signatures and decisions currently remembered (a measure of memory).
    pub fn stored(&self) -> (usize, usize) {
        self.deduper
            .as_ref()
            .map_or((0, 0), |d| (d.stored(), self.decided.len()))
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
        let Some((doc_id, date)) = self
            .pending
            .first()
            .map(|p| (p.doc_id().to_owned(), *p.date()))
        else {
            return;
        };
        let text: Vec<&str> = self.pending.iter().map(|p| p.text()).collect();
        let keep = !d.is_duplicate(&text.join(" "), &date);
        if keep {
            for rec in self.pending.drain(..) {
                sink(rec);
            }
        } else {
            self.pending.clear();
            self.folded += 1;
        }
        while let Some(Reverse((last, _))) = self.decided_expiry.peek() {
            if !d.expired(*last) {
                break;
            }
            if let Some(Reverse((_, id))) = self.decided_expiry.pop() {
                self.decided.remove(&id);
            }
        }
        if !self.decided.contains_key(&doc_id) {
            self.decided_expiry
                .push(Reverse((day_span(&date).1, doc_id.clone())));
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

    fn date(s: &str) -> PartialDate {
        s.parse().unwrap()
    }

    fn deduper(window_days: u32) -> Deduper {
        Deduper::new(DedupConfig {
            threshold: 0.8,
            window_days,
        })
    }

    /// A story of its own for each `n`: no two share a word 5-shingle.
    fn story(n: usize) -> String {
        (0..40).map(|i| format!("w{n}x{i} ")).collect()
    }

    #[test]
    fn reprints_fold_and_different_stories_do_not() {
        let day = date("2025-03-04");
        let mut d = deduper(7);
        assert!(!d.is_duplicate(STORY, &day));
        // Same words, different punctuation, case and spacing: identical shingles.
        let reprint = STORY.to_uppercase().replace(',', " ;");
        assert!(d.is_duplicate(&reprint, &day));
        // Four extra words: 36 of 40 shingles shared, Jaccard 0.9.
        let extended = format!("{STORY} Copyright the wire service.");
        assert!(d.is_duplicate(&extended, &day));
        let other = "A trade ministry spokesperson rejected the proposal on export \
            controls and said new tariffs on solar panels would take effect in June.";
        assert!(!d.is_duplicate(other, &day));
        assert!(!d.is_duplicate("", &day));
        assert!(!d.is_duplicate("  ... ", &day));
    }

    #[test]
    fn threshold_one_folds_only_identical_shingle_sets() {
        let day = date("2025-03-04");
        let mut d = Deduper::new(DedupConfig::new(1.0));
        assert!(!d.is_duplicate(STORY, &day));
        assert!(!d.is_duplicate(&format!("{STORY} Extra words at the end."), &day));
        assert!(d.is_duplicate(STORY, &day));
    }

    #[test]
    fn copies_fold_only_when_the_date_intervals_come_within_the_window() {
        // (original's date, copy's date, window, folded?)
        let cases = [
            ("2025-03-04", "2025-03-04", 7, true),
            ("2025-03-04", "2025-03-11", 7, true), // 7 days apart: at the edge
            ("2025-03-04", "2025-03-12", 7, false), // 8 days apart
            ("2025-03-11", "2025-03-04", 7, true), // the copy may come first
            ("2025-03-04", "2025-03-04", 0, true),
            ("2025-03-04", "2025-03-05", 0, false),
            // A month-only date covers 1–31 March: within 7 days from 22 Feb to 7 April.
            ("2025-03", "2025-04-07", 7, true),
            ("2025-03", "2025-04-08", 7, false),
            ("2025-03", "2025-02-22", 7, true),
            ("2025-03", "2025-02-21", 7, false),
            ("2025-03", "2025-03-17", 0, true),
            ("2025-03-31", "2025-04", 0, false),
            ("2025-03-31", "2025-04", 1, true),
            // A year-only date covers the whole year.
            ("2025", "2025-12-31", 0, true),
            ("2025", "2026-01-07", 7, true),
            ("2025", "2026-01-08", 7, false),
            // Month across a year boundary: December 2024 ends on the 31st.
            ("2024-12", "2025-01-07", 7, true),
            ("2024-12", "2025-01-08", 7, false),
        ];
        for (a, b, window, folded) in cases {
            let mut d = deduper(window);
            assert!(!d.is_duplicate(STORY, &date(a)), "{a}");
            assert_eq!(
                d.is_duplicate(STORY, &date(b)),
                folded,
                "{a} then {b}, window {window}"
            );
        }
    }

    #[test]
    fn a_date_ordered_stream_keeps_only_the_window_in_memory() {
        // One new story a day for 400 days, each reprinted the same day and three days
        // later: every reprint folds, and the stored signatures never exceed the articles
        // of one window: the days from today - window to today, one kept story each.
        let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        for window in [0u32, 3, 7, 30] {
            let mut d = deduper(window);
            let mut folded = 0;
            let mut most = 0;
            for day in 0..400usize {
                let today = (start + chrono::Days::new(day as u64)).to_string();
                let today = date(&today);
                assert!(!d.is_duplicate(&story(day), &today));
                if d.is_duplicate(&story(day), &today) {
                    folded += 1;
                }
                if day >= 3 && window >= 3 && d.is_duplicate(&story(day - 3), &today) {
                    folded += 1;
                }
                most = most.max(d.stored());
            }
            let expected = if window >= 3 { 2 * 400 - 3 } else { 400 };
            assert_eq!(folded, expected, "window {window}");
            assert_eq!(most, window as usize + 1, "window {window}");
            assert!(d.buckets.values().map(Vec::len).sum::<usize>() <= most * HASHES);
            assert_eq!(d.late(), 0, "window {window}");
        }
    }

    #[test]
    fn articles_arriving_after_their_window_was_dropped_are_counted() {
        // (dates in arrival order, window, late articles)
        let cases: &[(&[&str], u32, u64)] = &[
            (&["2025-03-01", "2025-03-02", "2025-03-20"], 7, 0),
            // Nothing dropped yet: an early article can still find its copy.
            (&["2025-03-10", "2025-03-01"], 7, 0),
            // 1 March is dropped when 20 March arrives; 5 March could have matched it.
            (&["2025-03-01", "2025-03-20", "2025-03-05"], 7, 1),
            // 8 March is 7 days from 1 March: still counted; 9 March is not.
            (&["2025-03-01", "2025-03-20", "2025-03-08"], 7, 1),
            (&["2025-03-01", "2025-03-20", "2025-03-09"], 7, 0),
            // Slightly out of order, within the window: nothing can be missed.
            (
                &["2025-03-05", "2025-03-09", "2025-03-07", "2025-03-10"],
                7,
                0,
            ),
            // 1 March left the window when 9 March arrived, yet 7 March is within 7 days.
            (&["2025-03-01", "2025-03-09", "2025-03-07"], 7, 1),
            // A month-only date reaches back to the 1st.
            (&["2025-03-01", "2025-03-20", "2025-03"], 7, 1),
            // Two late articles two days apart: the first is dropped as soon as the second
            // arrives, so the second is late too.
            (&["2025-03-20", "2025-02-01", "2025-02-03"], 7, 1),
            (
                &[
                    "2024-01-01",
                    "2025-01-01",
                    "2024-01-05",
                    "2024-01-06",
                    "2025-01-02",
                ],
                7,
                2,
            ),
            // Late, but no article within 7 days of it was ever dropped.
            (
                &["2024-01-01", "2025-01-01", "2024-02-01", "2024-03-01"],
                7,
                0,
            ),
        ];
        for (dates, window, late) in cases {
            let mut d = deduper(*window);
            for (i, day) in dates.iter().enumerate() {
                d.is_duplicate(&story(i), &date(day));
            }
            assert_eq!(d.late(), *late, "{dates:?}");
        }
    }

    #[test]
    fn an_out_of_order_copy_within_the_window_still_folds() {
        let mut d = deduper(7);
        assert!(!d.is_duplicate(STORY, &date("2025-03-10")));
        assert!(!d.is_duplicate(&story(1), &date("2025-03-16")));
        assert!(d.is_duplicate(STORY, &date("2025-03-04")));
        assert_eq!(d.late(), 0);
    }

    struct Rec(&'static str, PartialDate, String);

    impl ArticleRecord for Rec {
        fn doc_id(&self) -> &str {
            self.0
        }
        fn date(&self) -> &PartialDate {
            &self.1
        }
        fn text(&self) -> &str {
            &self.2
        }
    }

    #[test]
    fn folder_folds_copies_within_the_window_and_forgets_old_decisions() {
        let mut folder = Folder::new(Some(DedupConfig::new(0.8)));
        let feed = [
            ("a", "2025-03-01", STORY.to_owned()),
            ("a-copy", "2025-03-03", STORY.to_owned()),
            ("b", "2025-03-05", story(1)),
            // Back again within the window: follows the first decision.
            ("a", "2025-03-01", "A late sentence.".to_owned()),
            ("a-copy", "2025-03-03", "A late sentence.".to_owned()),
            // A reprint a month later is a new article.
            ("a-later", "2025-04-02", STORY.to_owned()),
            ("c", "2025-04-20", story(2)),
        ];
        let mut seen = Vec::new();
        for (doc, day, text) in feed {
            folder.push(Rec(doc, date(day), text), &mut |r| seen.push(r.0));
        }
        folder.finish(&mut |r| seen.push(r.0));
        assert_eq!(seen, ["a", "b", "a", "a-later", "c"]);
        assert_eq!(folder.folded, 1);
        // On 20 April only c itself is remembered; a-later (2 April) has left the window.
        assert_eq!(folder.stored(), (1, 1));
        assert_eq!(folder.late(), 0);
    }
}
