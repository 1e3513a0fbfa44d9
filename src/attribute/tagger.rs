//! A learned span tagger for attribution: an averaged perceptron that tags every token of an
//! article as part of a source, a cue, a content or nothing (BIO), trained on brat-annotated
//! news (PolNeAR's train split), then groups the spans into attributions.
//!
//! It exists because the rules only know the topic's actors and one attribution per
//! sentence, while general news attributes to anyone ("the campaign", "aides", "he"), nests
//! attributions and runs contents over several sentences. The tagger gives span boundaries
//! only; actor groups stay with the topic-driven rules.
//!
//! Decoding is greedy left to right, so a token sees the tags already given to its left;
//! what lies to its right reaches it through lexical look-ahead features: the nearest
//! cue-like word in each direction within the sentence (the cue lexicon is learned from the
//! training spans) and the quotation state from [`super::quotes`]. Features are hashed into
//! a fixed table, so the model is a flat array of small integers.

use std::io::{Read, Write};

use super::quotes;
use crate::segment;

/// Tags: outside, then begin/inside for source, cue and content.
const TAGS: usize = 7;
const O: usize = 0;
/// Bits of the feature hash table.
const BITS: u32 = 20;
const MASK: u64 = (1 << BITS) - 1;
/// File magic and version of the model format.
const MAGIC: &[u8; 8] = b"SLTAG001";
/// Weights are stored as `i16` multiples of this.
const SCALE: f32 = 1.0 / 256.0;

/// What a span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Who is quoted or whose view is reported.
    Source,
    /// The words that mark the attribution ("said", "according to").
    Cue,
    /// What is attributed.
    Content,
}

impl Role {
    fn begin(self) -> usize {
        match self {
            Role::Source => 1,
            Role::Cue => 3,
            Role::Content => 5,
        }
    }

    fn of_tag(tag: usize) -> Option<(Role, bool)> {
        match tag {
            1 => Some((Role::Source, true)),
            2 => Some((Role::Source, false)),
            3 => Some((Role::Cue, true)),
            4 => Some((Role::Cue, false)),
            5 => Some((Role::Content, true)),
            6 => Some((Role::Content, false)),
            _ => None,
        }
    }
}

/// A tagged piece of text (byte offsets into the article).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// Its role.
    pub role: Role,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// One attribution assembled from tagged pieces: a cue with the source and the content
/// pieces nearest to it. A content piece with no cue near it stands alone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tagged {
    /// The cue.
    pub cue: Option<(usize, usize)>,
    /// The source.
    pub source: Option<(usize, usize)>,
    /// The content, in one or more pieces (around a cue placed inside a quote).
    pub content: Vec<(usize, usize)>,
}

/// A token: byte range plus the facts features are drawn from.
#[derive(Debug, Clone)]
struct Token {
    start: usize,
    end: usize,
    norm: String,
    shape: &'static str,
    sentence_start: bool,
    paragraph_start: bool,
    in_quote: bool,
}

/// Why a model file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Not a model of this format.
    #[error("not a stanceline tagger model (bad header or size)")]
    Format,
}

/// The trained tagger: hashed feature weights and the learned cue lexicon.
#[derive(Debug, Clone)]
pub struct Tagger {
    weights: Vec<[f32; TAGS]>,
    cue_words: std::collections::HashSet<String>,
}

impl Tagger {
    /// Reads a model written by [`Tagger::save`] (gzip-compressed).
    pub fn load(r: impl Read) -> Result<Tagger, ModelError> {
        let mut buf = Vec::new();
        flate2::read::GzDecoder::new(r).read_to_end(&mut buf)?;
        if buf.len() < 16 || &buf[..8] != MAGIC {
            return Err(ModelError::Format);
        }
        let n_words = u32::from_le_bytes(buf[8..12].try_into().map_err(|_| ModelError::Format)?);
        let n_weights =
            u32::from_le_bytes(buf[12..16].try_into().map_err(|_| ModelError::Format)?) as usize;
        let mut pos = 16;
        let mut cue_words = std::collections::HashSet::new();
        for _ in 0..n_words {
            let len = *buf.get(pos).ok_or(ModelError::Format)? as usize;
            let w = buf.get(pos + 1..pos + 1 + len).ok_or(ModelError::Format)?;
            cue_words.insert(String::from_utf8(w.to_vec()).map_err(|_| ModelError::Format)?);
            pos += 1 + len;
        }
        let mut weights = vec![[0f32; TAGS]; 1 << BITS];
        // Sparse rows: u32 index, then TAGS i16 weights.
        let row = 4 + 2 * TAGS;
        if buf.len() != pos + n_weights * row {
            return Err(ModelError::Format);
        }
        for k in 0..n_weights {
            let r = &buf[pos + k * row..pos + (k + 1) * row];
            let idx = u32::from_le_bytes([r[0], r[1], r[2], r[3]]) as usize;
            let slot = weights.get_mut(idx).ok_or(ModelError::Format)?;
            for (t, w) in slot.iter_mut().enumerate() {
                *w = i16::from_le_bytes([r[4 + 2 * t], r[5 + 2 * t]]) as f32 * SCALE;
            }
        }
        Ok(Tagger { weights, cue_words })
    }

    /// Writes the model, gzip-compressed; rows whose weights all round to zero are left out.
    pub fn save(&self, w: impl Write) -> Result<(), ModelError> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        let mut words: Vec<&String> = self.cue_words.iter().filter(|w| w.len() < 256).collect();
        words.sort();
        let q = |x: f32| (x / SCALE).round().clamp(i16::MIN as f32, i16::MAX as f32) as i16;
        let rows: Vec<usize> = (0..self.weights.len())
            .filter(|&i| self.weights[i].iter().any(|&x| q(x) != 0))
            .collect();
        out.extend_from_slice(&(words.len() as u32).to_le_bytes());
        out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
        for w in words {
            out.push(w.len() as u8);
            out.extend_from_slice(w.as_bytes());
        }
        for i in rows {
            out.extend_from_slice(&(i as u32).to_le_bytes());
            for &x in &self.weights[i] {
                out.extend_from_slice(&q(x).to_le_bytes());
            }
        }
        let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::best());
        gz.write_all(&out)?;
        gz.finish()?;
        Ok(())
    }

    /// Tags an article and returns its pieces in text order.
    pub fn pieces(&self, text: &str) -> Vec<Piece> {
        let toks = tokenize(text);
        let tags = self.decode(&toks, None).0;
        to_pieces(&toks, &tags)
    }

    /// Tags an article and groups the pieces into attributions.
    pub fn attributions(&self, text: &str) -> Vec<Tagged> {
        let toks = tokenize(text);
        let tags = self.decode(&toks, None).0;
        let sentences = segment::split(text);
        assemble(text, &to_pieces(&toks, &tags), &sentences)
    }

    /// Greedy decoding. With `gold`, also returns the perceptron's updates: for each token
    /// whose prediction was wrong, its features with the gold and the predicted tag.
    #[allow(clippy::type_complexity)]
    fn decode(
        &self,
        toks: &[Token],
        gold: Option<&[usize]>,
    ) -> (Vec<usize>, Vec<(Vec<u64>, usize, usize)>) {
        let feats = Features::new(toks, &self.cue_words);
        let mut tags: Vec<usize> = Vec::with_capacity(toks.len());
        let mut updates = Vec::new();
        let mut f = Vec::with_capacity(64);
        for i in 0..toks.len() {
            f.clear();
            let prev = if i == 0 { O } else { tags[i - 1] };
            let prev2 = if i < 2 { O } else { tags[i - 2] };
            feats.of(i, prev, prev2, &mut f);
            let mut score = [0f32; TAGS];
            for &h in &f {
                let w = &self.weights[(h & MASK) as usize];
                for t in 0..TAGS {
                    score[t] += w[t];
                }
            }
            let mut best = O;
            for t in 0..TAGS {
                if allowed(prev, t) && (score[t] > score[best] || !allowed(prev, best)) {
                    best = t;
                }
            }
            if let Some(g) = gold {
                if g[i] != best {
                    updates.push((f.clone(), g[i], best));
                }
            }
            tags.push(best);
        }
        (tags, updates)
    }
}

/// `I-X` only after `B-X` or `I-X`.
fn allowed(prev: usize, tag: usize) -> bool {
    match Role::of_tag(tag) {
        Some((role, false)) => prev == role.begin() || prev == role.begin() + 1,
        _ => true,
    }
}

/// A training example: an article and one annotator's pieces.
#[derive(Debug, Clone)]
pub struct Example<'a> {
    /// The article.
    pub text: &'a str,
    /// Gold pieces, byte offsets (a discontinuous span gives one piece per fragment).
    pub pieces: Vec<Piece>,
}

/// Trains a tagger with the averaged perceptron for `epochs` passes, in a fixed order
/// (seeded shuffle), so the same data gives the same model.
pub fn train(examples: &[Example<'_>], epochs: usize) -> Tagger {
    let toks: Vec<Vec<Token>> = examples.iter().map(|e| tokenize(e.text)).collect();
    let golds: Vec<Vec<usize>> = examples
        .iter()
        .zip(&toks)
        .map(|(e, t)| gold_tags(t, &e.pieces))
        .collect();
    let cue_words = learn_cue_words(&toks, &golds);
    let mut model = Tagger {
        weights: vec![[0f32; TAGS]; 1 << BITS],
        cue_words,
    };
    let mut total = vec![[0f32; TAGS]; 1 << BITS];
    let mut stamp = vec![[0u32; TAGS]; 1 << BITS];
    let mut clock: u32 = 0;
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..epochs {
        for i in (1..order.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        for &k in &order {
            let (_, updates) = model.decode(&toks[k], Some(&golds[k]));
            clock += 1;
            for (feats, good, bad) in updates {
                for h in feats {
                    let idx = (h & MASK) as usize;
                    for (t, delta) in [(good, 1.0f32), (bad, -1.0)] {
                        let elapsed = (clock - stamp[idx][t]) as f32;
                        total[idx][t] += elapsed * model.weights[idx][t];
                        stamp[idx][t] = clock;
                        model.weights[idx][t] += delta;
                    }
                }
            }
        }
    }
    clock += 1;
    let c = clock as f32;
    for (idx, row) in model.weights.iter_mut().enumerate() {
        for t in 0..TAGS {
            let sum = total[idx][t] + (clock - stamp[idx][t]) as f32 * row[t];
            row[t] = sum / c;
        }
    }
    model
}

/// Words tagged as cues at least a fifth of the times they occur, and at least 3 times.
fn learn_cue_words(toks: &[Vec<Token>], golds: &[Vec<usize>]) -> std::collections::HashSet<String> {
    let mut seen: std::collections::HashMap<&str, (u32, u32)> = std::collections::HashMap::new();
    for (t, g) in toks.iter().zip(golds) {
        for (tok, &tag) in t.iter().zip(g) {
            let e = seen.entry(tok.norm.as_str()).or_default();
            e.0 += 1;
            if tag == 3 || tag == 4 {
                e.1 += 1;
            }
        }
    }
    seen.into_iter()
        .filter(|(w, (n, c))| *c >= 3 && 5 * c >= *n && w.chars().any(char::is_alphabetic))
        .map(|(w, _)| w.to_string())
        .collect()
}

/// The tag of each token: the role of the gold piece its first byte lies in.
fn gold_tags(toks: &[Token], pieces: &[Piece]) -> Vec<usize> {
    let mut tags = vec![O; toks.len()];
    let mut sorted = pieces.to_vec();
    sorted.sort_by_key(|p| (p.start, p.end));
    for p in sorted {
        let mut first = true;
        for (i, t) in toks.iter().enumerate() {
            if t.start >= p.start && t.start < p.end && tags[i] == O {
                tags[i] = if first { p.role.begin() } else { p.role.begin() + 1 };
                first = false;
            }
        }
    }
    tags
}

fn to_pieces(toks: &[Token], tags: &[usize]) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    for (t, &tag) in toks.iter().zip(tags) {
        match Role::of_tag(tag) {
            Some((role, true)) => out.push(Piece {
                role,
                start: t.start,
                end: t.end,
            }),
            Some((role, false)) => {
                if let Some(last) = out.last_mut().filter(|l| l.role == role) {
                    last.end = t.end;
                }
            }
            None => {}
        }
    }
    out
}

/// Groups pieces around cues. Each source and content piece joins the nearest cue: in the
/// same sentence when there is one there (a source must be), otherwise, for content, the
/// nearest cue in the same paragraph, since quotes run over sentences with the cue in the
/// first or last one.
fn assemble(text: &str, pieces: &[Piece], sentences: &[segment::Sentence]) -> Vec<Tagged> {
    let sent_of = |pos: usize| sentences.partition_point(|s| s.end <= pos);
    let breaks: Vec<usize> = text.match_indices("\n\n").map(|(i, _)| i).collect();
    let para_of = |pos: usize| breaks.partition_point(|&b| b < pos);
    let cues: Vec<&Piece> = pieces.iter().filter(|p| p.role == Role::Cue).collect();
    let mut out: Vec<Tagged> = cues
        .iter()
        .map(|c| Tagged {
            cue: Some((c.start, c.end)),
            ..Tagged::default()
        })
        .collect();
    let dist = |p: &Piece, c: &Piece| {
        if p.end <= c.start {
            c.start - p.end
        } else {
            p.start.saturating_sub(c.end)
        }
    };
    for p in pieces.iter().filter(|p| p.role != Role::Cue) {
        let same_sent = cues
            .iter()
            .enumerate()
            .filter(|(_, c)| sent_of(c.start) == sent_of(p.start) || sent_of(c.start) == sent_of(p.end.saturating_sub(1)))
            .min_by_key(|(_, c)| dist(p, c));
        let near = same_sent.or_else(|| {
            (p.role == Role::Content)
                .then(|| {
                    cues.iter()
                        .enumerate()
                        .filter(|(_, c)| para_of(c.start) == para_of(p.start))
                        .min_by_key(|(_, c)| dist(p, c))
                })
                .flatten()
        });
        match (near, p.role) {
            (Some((k, _)), Role::Source) if out[k].source.is_none() => {
                out[k].source = Some((p.start, p.end));
            }
            (Some((k, _)), Role::Content) => out[k].content.push((p.start, p.end)),
            (None, Role::Content) => out.push(Tagged {
                content: vec![(p.start, p.end)],
                ..Tagged::default()
            }),
            _ => {}
        }
    }
    out
}

/// Splits text into words and single punctuation marks. A word keeps inner apostrophes,
/// hyphens and periods ("don't", "U.S.", "follow-up").
fn tokenize(text: &str) -> Vec<Token> {
    let qs = quotes::find(text);
    let sentences = segment::split(text);
    let mut toks: Vec<Token> = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    let mut newlines = 0;
    let mut si = 0;
    while i < chars.len() {
        let (b, c) = chars[i];
        if c.is_whitespace() {
            if c == '\n' {
                newlines += 1;
            }
            i += 1;
            continue;
        }
        let mut j = i + 1;
        if c.is_alphanumeric() {
            while j < chars.len() {
                let d = chars[j].1;
                let inner = "'’-.".contains(d)
                    && chars.get(j + 1).is_some_and(|n| n.1.is_alphanumeric());
                if d.is_alphanumeric() || inner {
                    j += if inner { 2 } else { 1 };
                } else {
                    break;
                }
            }
            // "U.S." keeps its final period when the word is a run of single letters.
            if chars.get(j).is_some_and(|n| n.1 == '.') && text[b..chars[j].0].contains('.') {
                j += 1;
            }
        }
        let end = chars.get(j).map_or(text.len(), |n| n.0);
        while si < sentences.len() && sentences[si].end <= b {
            si += 1;
        }
        let sentence_start = sentences.get(si).is_some_and(|s| s.start == b);
        let word = &text[b..end];
        toks.push(Token {
            start: b,
            end,
            norm: normalise(word),
            shape: shape(word),
            sentence_start,
            paragraph_start: newlines >= 1,
            in_quote: qs.iter().any(|q| q.open < b && b < q.close),
        });
        newlines = 0;
        i = j;
    }
    toks
}

fn normalise(word: &str) -> String {
    let w: String = word
        .chars()
        .map(|c| match c {
            '’' | '‘' => '\'',
            '“' | '”' => '"',
            c if c.is_ascii_digit() => '0',
            c => c,
        })
        .collect();
    w.to_lowercase()
}

fn shape(word: &str) -> &'static str {
    let mut cs = word.chars();
    let Some(first) = cs.next() else { return "" };
    if !first.is_alphanumeric() {
        return match first {
            '"' | '“' | '”' => "q",
            ',' => ",",
            '.' | '!' | '?' => ".",
            ':' => ":",
            '—' | '–' | '-' => "-",
            '(' | ')' => "(",
            _ => "p",
        };
    }
    if first.is_numeric() {
        "d"
    } else if first.is_uppercase() {
        if word.chars().all(|c| !c.is_lowercase()) && word.len() > 1 {
            "XX"
        } else {
            "Xx"
        }
    } else {
        "x"
    }
}

/// Per-article feature context: the cue-lexicon look-ahead is computed once.
struct Features<'a> {
    toks: &'a [Token],
    /// For each token, the nearest cue-lexicon token to its left and right in its sentence.
    left: Vec<Option<usize>>,
    right: Vec<Option<usize>>,
}

impl<'a> Features<'a> {
    fn new(toks: &'a [Token], lex: &std::collections::HashSet<String>) -> Self {
        let n = toks.len();
        let is_cue: Vec<bool> = toks.iter().map(|t| lex.contains(&t.norm)).collect();
        let mut left = vec![None; n];
        let mut last = None;
        for i in 0..n {
            if toks[i].sentence_start {
                last = None;
            }
            left[i] = last;
            if is_cue[i] {
                last = Some(i);
            }
        }
        let mut right = vec![None; n];
        let mut next = None;
        for i in (0..n).rev() {
            right[i] = next;
            if toks[i].sentence_start {
                next = None;
            }
            if is_cue[i] {
                next = Some(i);
            }
        }
        Features { toks, left, right }
    }

    fn of(&self, i: usize, prev: usize, prev2: usize, out: &mut Vec<u64>) {
        let t = &self.toks[i];
        let w = |k: isize| -> &str {
            let j = i as isize + k;
            if j < 0 {
                "<s>"
            } else {
                self.toks.get(j as usize).map_or("</s>", |t| t.norm.as_str())
            }
        };
        let mut push = |parts: &[&str]| out.push(hash(parts));
        push(&["b"]);
        push(&["w", w(0)]);
        push(&["w-1", w(-1)]);
        push(&["w+1", w(1)]);
        push(&["w-2", w(-2)]);
        push(&["w+2", w(2)]);
        push(&["ww", w(-1), w(0)]);
        push(&["ww+", w(0), w(1)]);
        let suf: String = t.norm.chars().rev().take(3).collect();
        push(&["suf", &suf]);
        push(&["sh", t.shape]);
        let sh = |k: isize| {
            let j = i as isize + k;
            if j < 0 {
                "<s>"
            } else {
                self.toks.get(j as usize).map_or("</s>", |t| t.shape)
            }
        };
        push(&["sh3", sh(-1), t.shape, sh(1)]);
        let pt = TAG_NAMES[prev];
        push(&["pt", pt]);
        push(&["pt2", TAG_NAMES[prev2], pt]);
        push(&["ptw", pt, w(0)]);
        push(&["ptsh", pt, t.shape]);
        let q = if t.in_quote { "1" } else { "0" };
        push(&["q", q]);
        push(&["qpt", q, pt]);
        if t.sentence_start {
            push(&["ss", pt]);
        }
        if t.paragraph_start {
            push(&["ps", pt]);
        }
        let bucket = |d: usize| match d {
            0..=1 => "1",
            2 => "2",
            3 => "3",
            4..=6 => "6",
            7..=12 => "12",
            _ => "far",
        };
        match self.right[i] {
            Some(j) => {
                let d = bucket(j - i);
                let rw = self.toks[j].norm.as_str();
                push(&["rc", rw]);
                push(&["rcd", d]);
                push(&["rcdw", d, rw]);
                push(&["rcpt", d, pt]);
                push(&["rcq", d, q]);
            }
            None => {
                push(&["rc-", pt]);
            }
        }
        match self.left[i] {
            Some(j) => {
                let d = bucket(i - j);
                let lw = self.toks[j].norm.as_str();
                push(&["lc", lw]);
                push(&["lcd", d]);
                push(&["lcdw", d, lw]);
                push(&["lcpt", d, pt]);
            }
            None => {
                push(&["lc-", pt]);
            }
        }
    }
}

const TAG_NAMES: [&str; TAGS] = ["O", "BS", "IS", "BC", "IC", "BT", "IT"];

/// FNV-1a over the parts with a separator, so the hash is stable across runs and builds.
fn hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0x1f)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h ^ (h >> 29)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(text: &str, role: Role, s: &str) -> Piece {
        let start = text.find(s).unwrap();
        Piece {
            role,
            start,
            end: start + s.len(),
        }
    }

    #[test]
    fn tokenizes_words_abbreviations_and_quotes() {
        let text = "“We can’t,” the U.S. envoy said.\n\nA follow-up came.";
        let toks = tokenize(text);
        let words: Vec<&str> = toks.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(
            words,
            ["“", "We", "can’t", ",", "”", "the", "U.S.", "envoy", "said", ".", "A", "follow-up", "came", "."]
        );
        assert!(toks[1].in_quote && !toks[6].in_quote);
        assert!(toks[10].paragraph_start && toks[10].sentence_start);
    }

    #[test]
    fn learns_a_toy_pattern_and_groups_it() {
        // Invented sentences, repeated with different names: "<Name> said <content>."
        let names = ["Alma", "Boris", "Chen", "Dana", "Edu", "Fay"];
        let texts: Vec<String> = names
            .iter()
            .map(|n| format!("{n} said the budget was too small. The weather was mild."))
            .collect();
        let examples: Vec<Example<'_>> = texts
            .iter()
            .zip(names)
            .map(|(t, n)| Example {
                text: t,
                pieces: vec![
                    piece(t, Role::Source, n),
                    piece(t, Role::Cue, "said"),
                    piece(t, Role::Content, "the budget was too small"),
                ],
            })
            .collect();
        let model = train(&examples, 5);
        let text = "Gita said the budget was too small. The weather was mild.";
        let got = model.attributions(text);
        assert_eq!(got.len(), 1);
        let span = |r: (usize, usize)| &text[r.0..r.1];
        assert_eq!(span(got[0].cue.unwrap()), "said");
        assert_eq!(span(got[0].source.unwrap()), "Gita");
        assert_eq!(got[0].content.iter().map(|&r| span(r)).collect::<Vec<_>>(), ["the budget was too small"]);
        // Saving and loading keeps the predictions.
        let mut buf = Vec::new();
        model.save(&mut buf).unwrap();
        let back = Tagger::load(buf.as_slice()).unwrap();
        assert_eq!(back.attributions(text), got);
        assert!(Tagger::load(&b"not a model"[..]).is_err());
    }

    #[test]
    fn assembles_content_around_an_inner_cue_and_across_sentences() {
        let text = "“First part,” she said, “second part.” “A quote. Still quoting,” he said.";
        let p = |r, s| piece(text, r, s);
        let pieces = vec![
            p(Role::Content, "First part"),
            p(Role::Source, "she"),
            p(Role::Cue, "said,"),
            p(Role::Content, "second part."),
            p(Role::Content, "A quote. Still quoting"),
            p(Role::Source, "he"),
            Piece { role: Role::Cue, start: text.rfind("said").unwrap(), end: text.rfind("said").unwrap() + 4 },
        ];
        let got = assemble(text, &pieces, &segment::split(text));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].content.len(), 2);
        assert_eq!(got[1].content.len(), 1);
        assert_eq!(&text[got[1].source.unwrap().0..got[1].source.unwrap().1], "he");
    }
}
