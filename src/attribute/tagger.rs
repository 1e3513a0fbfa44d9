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
//!
//! A model may also read dense token states from the sentence encoder (see
//! [`StatesSpec`]): a middle layer of all-MiniLM-L6-v2 tells a word's role in its sentence
//! (subject, verb of saying, clause) far better than the word and its neighbours do, and
//! lifts cue and source F1 by several points on PolNeAR. The states enter the perceptron as
//! real-valued features, once alone and once joined with the previous tag.

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
const MAGIC: &[u8; 8] = b"SLTAG003";
/// Rows of the hashed (sparse) part of a table; dense weights follow them.
const HASHED: usize = 1 << BITS;
/// Rows whose weights all lie below this share of the table's largest weight are left out
/// of the model file; they change almost no decision and would make up most of its size.
const PRUNE: f32 = 0.01;

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

/// Feature rows of one perceptron: [`HASHED`] hashed rows, then per dense dimension one
/// row alone and one per previous tag.
type Table = Vec<[f32; TAGS]>;

/// Which encoder token states a model reads: the output of the first `layers` layers of the
/// sentence encoder, `dim` numbers per token (see
/// [`crate::encoder::CandleEncoder::token_states`]), multiplied by `scale` (the perceptron
/// adds them to 0/1 sparse features, so their scale sets how far they weigh against those).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatesSpec {
    /// Encoder layers run.
    pub layers: u32,
    /// Numbers per token.
    pub dim: u32,
    /// Factor applied to every number.
    pub scale: f32,
}

impl StatesSpec {
    /// What the shipped model uses: layer 4 of all-MiniLM-L6-v2's six, scaled by one half.
    /// On a held-out fifth of PolNeAR train, layer 4 beat layers 2, 3, 5 and 6, and the
    /// half scale beat 0.25, 0.7 and 1.
    pub const DEFAULT: StatesSpec = StatesSpec {
        layers: 4,
        dim: 384,
        scale: 0.5,
    };

    fn rows(spec: Option<StatesSpec>) -> usize {
        HASHED + spec.map_or(0, |s| s.dim as usize * (1 + TAGS))
    }
}

/// Encoder states of an article's tokens, one vector per token of [`token_spans`].
pub type States<'a> = &'a [Vec<f32>];

/// The trained tagger: two stacked perceptrons and the learned cue lexicon. The first tags
/// from words (and encoder states) alone; the second sees the first one's tags on both sides
/// of each token, which gives greedy left-to-right decoding the look-ahead that contents
/// before their cue need.
#[derive(Debug, Clone)]
pub struct Tagger {
    stage1: Table,
    stage2: Table,
    cue_words: std::collections::HashSet<String>,
    states: Option<StatesSpec>,
}

impl Tagger {
    /// Reads a model written by [`Tagger::save`] (gzip-compressed).
    pub fn load(r: impl Read) -> Result<Tagger, ModelError> {
        let mut buf = Vec::new();
        flate2::read::GzDecoder::new(r).read_to_end(&mut buf)?;
        if buf.len() < 12 || &buf[..8] != MAGIC {
            return Err(ModelError::Format);
        }
        let mut pos = 8;
        let n_words = read_u32(&buf, &mut pos)?;
        let mut cue_words = std::collections::HashSet::new();
        for _ in 0..n_words {
            let len = *buf.get(pos).ok_or(ModelError::Format)? as usize;
            let w = buf.get(pos + 1..pos + 1 + len).ok_or(ModelError::Format)?;
            cue_words.insert(String::from_utf8(w.to_vec()).map_err(|_| ModelError::Format)?);
            pos += 1 + len;
        }
        let states = match buf.get(pos) {
            Some(0) => {
                pos += 1;
                None
            }
            Some(1) => {
                pos += 1;
                let layers = read_u32(&buf, &mut pos)?;
                let dim = read_u32(&buf, &mut pos)?;
                let scale = f32::from_bits(read_u32(&buf, &mut pos)?);
                if layers == 0 || dim == 0 || dim > 4096 || !scale.is_finite() {
                    return Err(ModelError::Format);
                }
                Some(StatesSpec { layers, dim, scale })
            }
            _ => return Err(ModelError::Format),
        };
        let rows = StatesSpec::rows(states);
        let stage1 = read_table(&buf, &mut pos, rows)?;
        let stage2 = read_table(&buf, &mut pos, rows)?;
        if pos != buf.len() {
            return Err(ModelError::Format);
        }
        Ok(Tagger {
            stage1,
            stage2,
            cue_words,
            states,
        })
    }

    /// Writes the model, gzip-compressed; rows whose weights all round to zero are left out.
    pub fn save(&self, w: impl Write) -> Result<(), ModelError> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        let mut words: Vec<&String> = self.cue_words.iter().filter(|w| w.len() < 256).collect();
        words.sort();
        out.extend_from_slice(&(words.len() as u32).to_le_bytes());
        for w in words {
            out.push(w.len() as u8);
            out.extend_from_slice(w.as_bytes());
        }
        match self.states {
            None => out.push(0),
            Some(s) => {
                out.push(1);
                out.extend_from_slice(&s.layers.to_le_bytes());
                out.extend_from_slice(&s.dim.to_le_bytes());
                out.extend_from_slice(&s.scale.to_bits().to_le_bytes());
            }
        }
        write_table(&self.stage1, &mut out);
        write_table(&self.stage2, &mut out);
        let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::best());
        gz.write_all(&out)?;
        gz.finish()?;
        Ok(())
    }

    /// The encoder states this model reads, if any. A model that reads them should be given
    /// them ([`Tagger::attributions`]); without them it still tags, less well.
    pub fn states(&self) -> Option<StatesSpec> {
        self.states
    }

    /// Tags an article and returns its pieces in text order. `states`, when given, holds one
    /// vector per token of [`token_spans`] (used only if the model reads states).
    pub fn pieces(&self, text: &str, states: Option<States<'_>>) -> Vec<Piece> {
        let toks = tokenize(text);
        to_pieces(&toks, &self.tags(&toks, states))
    }

    /// Tags an article and groups the pieces into attributions; `states` as for
    /// [`Tagger::pieces`].
    pub fn attributions(&self, text: &str, states: Option<States<'_>>) -> Vec<Tagged> {
        let toks = tokenize(text);
        let tags = self.tags(&toks, states);
        let sentences = segment::split(text);
        assemble(text, &to_pieces(&toks, &tags), &sentences)
    }

    fn tags(&self, toks: &[Token], states: Option<States<'_>>) -> Vec<usize> {
        let dense = Dense::new(self.states, states, toks.len());
        let first = decode(
            &Features::new(toks, &self.cue_words, None, dense),
            &self.stage1,
        );
        decode(
            &Features::new(toks, &self.cue_words, Some(&first), dense),
            &self.stage2,
        )
    }
}

fn read_u32(buf: &[u8], pos: &mut usize) -> Result<u32, ModelError> {
    let b = buf.get(*pos..*pos + 4).ok_or(ModelError::Format)?;
    *pos += 4;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A table is stored sparse: its scale (f32), a row count, then per row a u32 index and
/// TAGS i16 weights in units of the scale. `rows` is the table's full size.
fn read_table(buf: &[u8], pos: &mut usize, rows: usize) -> Result<Table, ModelError> {
    let scale = f32::from_bits(read_u32(buf, pos)?);
    let n = read_u32(buf, pos)? as usize;
    let row = 4 + 2 * TAGS;
    let body = buf.get(*pos..*pos + n * row).ok_or(ModelError::Format)?;
    let mut table = vec![[0f32; TAGS]; rows];
    for r in body.chunks_exact(row) {
        let idx = u32::from_le_bytes([r[0], r[1], r[2], r[3]]) as usize;
        let slot = table.get_mut(idx).ok_or(ModelError::Format)?;
        for (t, w) in slot.iter_mut().enumerate() {
            *w = i16::from_le_bytes([r[4 + 2 * t], r[5 + 2 * t]]) as f32 * scale;
        }
    }
    *pos += n * row;
    Ok(table)
}

fn write_table(table: &Table, out: &mut Vec<u8>) {
    let max = table
        .iter()
        .flat_map(|r| r.iter())
        .fold(0f32, |m, &x| m.max(x.abs()));
    let scale = if max > 0.0 {
        max / i16::MAX as f32
    } else {
        1.0
    };
    let rows: Vec<usize> = (0..table.len())
        // Dense rows are few and each weighs on every token, so none is left out.
        .filter(|&i| i >= HASHED || table[i].iter().any(|&x| x.abs() >= PRUNE * max && x != 0.0))
        .collect();
    out.extend_from_slice(&scale.to_bits().to_le_bytes());
    out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
    for i in rows {
        out.extend_from_slice(&(i as u32).to_le_bytes());
        for &x in &table[i] {
            out.extend_from_slice(&((x / scale).round() as i16).to_le_bytes());
        }
    }
}

/// A token's encoder state as features: the rows it weighs (one alone, one joined with the
/// previous tag, per dimension) and the scaled values.
#[derive(Clone, Copy)]
struct Dense<'a> {
    states: Option<States<'a>>,
    dim: usize,
    scale: f32,
}

impl<'a> Dense<'a> {
    /// Uses `states` only when the model reads states and there is one vector of the right
    /// length per token; anything else tags without them.
    fn new(spec: Option<StatesSpec>, states: Option<States<'a>>, tokens: usize) -> Self {
        match (spec, states) {
            (Some(s), Some(st))
                if st.len() == tokens && st.iter().all(|v| v.len() == s.dim as usize) =>
            {
                Dense {
                    states: Some(st),
                    dim: s.dim as usize,
                    scale: s.scale,
                }
            }
            _ => Dense {
                states: None,
                dim: 0,
                scale: 0.0,
            },
        }
    }

    /// `(row, value)` pairs of token `i` after tag `prev`.
    fn of(&self, i: usize, prev: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let v: &[f32] = self.states.and_then(|s| s.get(i)).map_or(&[], |v| v);
        let (dim, scale) = (self.dim, self.scale);
        v.iter().enumerate().flat_map(move |(d, &x)| {
            let x = x * scale;
            [(HASHED + d, x), (HASHED + dim * (1 + prev) + d, x)]
        })
    }
}

/// The best tag for one token's features, given the tag before it.
fn best_tag(
    table: &[[f32; TAGS]],
    f: &[u64],
    dense: impl Iterator<Item = (usize, f32)>,
    prev: usize,
) -> usize {
    let mut score = [0f32; TAGS];
    for &h in f {
        let w = &table[(h & MASK) as usize];
        for t in 0..TAGS {
            score[t] += w[t];
        }
    }
    for (row, x) in dense {
        let w = &table[row];
        for t in 0..TAGS {
            score[t] += x * w[t];
        }
    }
    let mut best = O;
    for t in 0..TAGS {
        if allowed(prev, t) && score[t] > score[best] {
            best = t;
        }
    }
    best
}

/// Greedy decoding, left to right.
fn decode(feats: &Features<'_>, table: &[[f32; TAGS]]) -> Vec<usize> {
    let mut tags: Vec<usize> = Vec::with_capacity(feats.toks.len());
    let mut f = Vec::with_capacity(64);
    for i in 0..feats.toks.len() {
        f.clear();
        let prev = if i == 0 { O } else { tags[i - 1] };
        let prev2 = if i < 2 { O } else { tags[i - 2] };
        feats.of(i, prev, prev2, &mut f);
        tags.push(best_tag(table, &f, feats.dense.of(i, prev), prev));
    }
    tags
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
    /// Encoder states of its tokens (see [`Tagger::pieces`]), when training with states.
    pub states: Option<States<'a>>,
}

/// Averaged-perceptron state, with lazy averaging (each weight's running sum is brought up
/// to date only when the weight changes).
struct Trainer {
    w: Table,
    total: Table,
    stamp: Vec<[u32; TAGS]>,
    clock: u32,
}

impl Trainer {
    fn new(rows: usize) -> Self {
        Trainer {
            w: vec![[0f32; TAGS]; rows],
            total: vec![[0f32; TAGS]; rows],
            stamp: vec![[0u32; TAGS]; rows],
            clock: 0,
        }
    }

    /// Moves row `idx`'s weight for tag `t` by `delta`, bringing its running sum up to date.
    fn bump(&mut self, idx: usize, t: usize, delta: f32) {
        let elapsed = (self.clock - self.stamp[idx][t]) as f32;
        self.total[idx][t] += elapsed * self.w[idx][t];
        self.stamp[idx][t] = self.clock;
        self.w[idx][t] += delta;
    }

    /// One pass over one article, updating after every wrong token.
    fn learn(&mut self, feats: &Features<'_>, gold: &[usize]) {
        let mut tags: Vec<usize> = Vec::with_capacity(gold.len());
        let mut f = Vec::with_capacity(64);
        for i in 0..gold.len() {
            f.clear();
            let prev = if i == 0 { O } else { tags[i - 1] };
            let prev2 = if i < 2 { O } else { tags[i - 2] };
            feats.of(i, prev, prev2, &mut f);
            let best = best_tag(&self.w, &f, feats.dense.of(i, prev), prev);
            self.clock += 1;
            // After a wrong tag the gold `I-X` may be impossible; the reachable target is
            // then `B-X`, and learning the impossible tag would only push weights astray.
            let target = match Role::of_tag(gold[i]) {
                Some((role, false)) if !allowed(prev, gold[i]) => role.begin(),
                _ => gold[i],
            };
            if best != target {
                for &h in &f {
                    let idx = (h & MASK) as usize;
                    self.bump(idx, target, 1.0);
                    self.bump(idx, best, -1.0);
                }
                for (idx, x) in feats.dense.of(i, prev) {
                    self.bump(idx, target, x);
                    self.bump(idx, best, -x);
                }
            }
            tags.push(best);
        }
    }

    fn finish(mut self) -> Table {
        let c = (self.clock + 1) as f32;
        for (idx, row) in self.w.iter_mut().enumerate() {
            for (t, w) in row.iter_mut().enumerate() {
                let sum = self.total[idx][t] + (self.clock + 1 - self.stamp[idx][t]) as f32 * *w;
                *w = sum / c;
            }
        }
        self.w
    }
}

/// Fits one stage on the given articles, `epochs` passes in a seeded shuffled order.
fn fit(feats: &[Features<'_>], golds: &[&[usize]], epochs: usize, rows: usize) -> Table {
    let mut tr = Trainer::new(rows);
    let mut order: Vec<usize> = (0..feats.len()).collect();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..epochs {
        for i in (1..order.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        for &k in &order {
            tr.learn(&feats[k], golds[k]);
        }
    }
    tr.finish()
}

/// Trains the tagger with the averaged perceptron, `epochs` passes per stage, in a fixed
/// order, so the same data gives the same model. The second stage learns from first-stage
/// tags that were predicted by a first stage trained on the other half of the articles, so
/// it sees first-stage errors as they will be at run time. With `states`, every example
/// should carry its tokens' encoder states of that spec.
pub fn train(examples: &[Example<'_>], epochs: usize, states: Option<StatesSpec>) -> Tagger {
    let rows = StatesSpec::rows(states);
    let toks: Vec<Vec<Token>> = examples.iter().map(|e| tokenize(e.text)).collect();
    let golds: Vec<Vec<usize>> = examples
        .iter()
        .zip(&toks)
        .map(|(e, t)| gold_tags(t, &e.pieces))
        .collect();
    let cue_words = learn_cue_words(&toks, &golds);
    let dense: Vec<Dense<'_>> = examples
        .iter()
        .zip(&toks)
        .map(|(e, t)| Dense::new(states, e.states, t.len()))
        .collect();
    let plain: Vec<Features<'_>> = toks
        .iter()
        .zip(&dense)
        .map(|(t, &d)| Features::new(t, &cue_words, None, d))
        .collect();
    let gold_refs: Vec<&[usize]> = golds.iter().map(|g| g.as_slice()).collect();
    let stage1 = fit(&plain, &gold_refs, epochs, rows);
    let mut first: Vec<Vec<usize>> = vec![Vec::new(); toks.len()];
    for half in 0..2 {
        let (train_idx, test_idx): (Vec<usize>, Vec<usize>) =
            (0..toks.len()).partition(|k| k % 2 != half);
        let f: Vec<Features<'_>> = train_idx
            .iter()
            .map(|&k| Features::new(&toks[k], &cue_words, None, dense[k]))
            .collect();
        let g: Vec<&[usize]> = train_idx.iter().map(|&k| golds[k].as_slice()).collect();
        let table = fit(&f, &g, epochs, rows);
        for k in test_idx {
            first[k] = decode(&plain[k], &table);
        }
    }
    let stacked: Vec<Features<'_>> = toks
        .iter()
        .zip(&first)
        .zip(&dense)
        .map(|((t, f), &d)| Features::new(t, &cue_words, Some(f), d))
        .collect();
    let stage2 = fit(&stacked, &gold_refs, epochs, rows);
    Tagger {
        stage1,
        stage2,
        cue_words,
        states,
    }
}

/// Words tagged as cues at least a tenth of the times they occur, and at least twice.
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
        .filter(|(w, (n, c))| *c >= 2 && 10 * c >= *n && w.chars().any(char::is_alphabetic))
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
                tags[i] = if first {
                    p.role.begin()
                } else {
                    p.role.begin() + 1
                };
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
/// first or last one. A cue has one source, so further source pieces that join it widen it
/// to cover them all: the tagger often breaks a name at a title's period or a comma ("Mr.
/// Obama", "Obama, others"). A cue left with neither source nor content is dropped: it
/// attributes nothing to anyone, and is most often a verb of saying inside someone else's
/// quote.
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
            .filter(|(_, c)| {
                sent_of(c.start) == sent_of(p.start)
                    || sent_of(c.start) == sent_of(p.end.saturating_sub(1))
            })
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
            (Some((k, _)), Role::Source) => {
                out[k].source = Some(match out[k].source {
                    None => (p.start, p.end),
                    Some((a, b)) => (a.min(p.start), b.max(p.end)),
                });
            }
            (Some((k, _)), Role::Content) => out[k].content.push((p.start, p.end)),
            (None, Role::Content) => out.push(Tagged {
                content: vec![(p.start, p.end)],
                ..Tagged::default()
            }),
            _ => {}
        }
    }
    out.retain(|t| t.cue.is_none() || t.source.is_some() || !t.content.is_empty());
    out
}

/// The byte ranges of the tagger's tokens in `text`, in order: what encoder states are
/// computed for ([`Tagger::pieces`] takes one vector per range).
pub fn token_spans(text: &str) -> Vec<(usize, usize)> {
    tokenize(text).iter().map(|t| (t.start, t.end)).collect()
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
                let inner =
                    "'’-.".contains(d) && chars.get(j + 1).is_some_and(|n| n.1.is_alphanumeric());
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

/// Nearest marked token to the left and to the right of each token, within its sentence.
fn nearest(toks: &[Token], marked: &[bool]) -> (Vec<Option<usize>>, Vec<Option<usize>>) {
    let n = toks.len();
    let mut left = vec![None; n];
    let mut last = None;
    for i in 0..n {
        if toks[i].sentence_start {
            last = None;
        }
        left[i] = last;
        if marked[i] {
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
        if marked[i] {
            next = Some(i);
        }
    }
    (left, right)
}

/// For each token, how many sentence starts lie between it and the next marked token in its
/// paragraph (`None`: no marked token later in the paragraph).
fn sentences_to_next(toks: &[Token], marked: &[bool]) -> Vec<Option<usize>> {
    let mut out = vec![None; toks.len()];
    let mut next: Option<usize> = None;
    for i in (0..toks.len()).rev() {
        if marked[i] {
            next = Some(0);
        }
        out[i] = next;
        if toks[i].paragraph_start {
            next = None;
        } else if toks[i].sentence_start {
            next = next.map(|k| k + 1);
        }
    }
    out
}

/// Per-article feature context: look-ahead facts are computed once per article.
struct Features<'a> {
    toks: &'a [Token],
    /// Nearest cue-lexicon token to the left and right, within the sentence.
    left: Vec<Option<usize>>,
    right: Vec<Option<usize>>,
    /// First-stage tags, for the second stage.
    first: Option<&'a [usize]>,
    /// Nearest first-stage cue to the left and right, within the sentence.
    cue_left: Vec<Option<usize>>,
    cue_right: Vec<Option<usize>>,
    /// Sentences to the next first-stage cue in the paragraph.
    cue_ahead: Vec<Option<usize>>,
    /// Encoder states.
    dense: Dense<'a>,
}

impl<'a> Features<'a> {
    fn new(
        toks: &'a [Token],
        lex: &std::collections::HashSet<String>,
        first: Option<&'a [usize]>,
        dense: Dense<'a>,
    ) -> Self {
        let is_lex: Vec<bool> = toks.iter().map(|t| lex.contains(&t.norm)).collect();
        let (left, right) = nearest(toks, &is_lex);
        let (cue_left, cue_right, cue_ahead) = match first {
            Some(tags) => {
                let is_cue: Vec<bool> = tags.iter().map(|&t| t == 3 || t == 4).collect();
                let (l, r) = nearest(toks, &is_cue);
                (l, r, sentences_to_next(toks, &is_cue))
            }
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        Features {
            toks,
            left,
            right,
            first,
            cue_left,
            cue_right,
            cue_ahead,
            dense,
        }
    }

    fn of(&self, i: usize, prev: usize, prev2: usize, out: &mut Vec<u64>) {
        let t = &self.toks[i];
        let w = |k: isize| -> &str {
            let j = i as isize + k;
            if j < 0 {
                "<s>"
            } else {
                self.toks
                    .get(j as usize)
                    .map_or("</s>", |t| t.norm.as_str())
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
        let Some(first) = self.first else { return };
        let ft = |k: isize| -> &str {
            let j = i as isize + k;
            if j < 0 {
                "<s>"
            } else {
                first.get(j as usize).map_or("</s>", |&t| TAG_NAMES[t])
            }
        };
        push(&["f0", ft(0)]);
        push(&["f0pt", ft(0), pt]);
        push(&["f-1", ft(-1), ft(0)]);
        push(&["f+1", ft(0), ft(1)]);
        push(&["f+2", ft(1), ft(2)]);
        push(&["f0w", ft(0), w(0)]);
        match self.cue_right[i] {
            Some(j) => {
                let d = bucket(j - i);
                push(&["cr", d, pt]);
                push(&["crq", d, q]);
                push(&["crw", self.toks[j].norm.as_str()]);
            }
            None => push(&["cr-", pt]),
        }
        match self.cue_left[i] {
            Some(j) => {
                let d = bucket(i - j);
                push(&["cl", d, pt]);
                push(&["clq", d, q]);
                push(&["clw", self.toks[j].norm.as_str()]);
            }
            None => push(&["cl-", pt]),
        }
        let ahead = match self.cue_ahead[i] {
            None => "none",
            Some(0) => "0",
            Some(1) => "1",
            Some(2) => "2",
            Some(_) => "3+",
        };
        push(&["ca", ahead, q, pt]);
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
            [
                "“",
                "We",
                "can’t",
                ",",
                "”",
                "the",
                "U.S.",
                "envoy",
                "said",
                ".",
                "A",
                "follow-up",
                "came",
                "."
            ]
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
                states: None,
            })
            .collect();
        let model = train(&examples, 5, None);
        assert_eq!(model.states(), None);
        let text = "Gita said the budget was too small. The weather was mild.";
        let got = model.attributions(text, None);
        assert_eq!(got.len(), 1);
        let span = |r: (usize, usize)| &text[r.0..r.1];
        assert_eq!(span(got[0].cue.unwrap()), "said");
        assert_eq!(span(got[0].source.unwrap()), "Gita");
        assert_eq!(
            got[0].content.iter().map(|&r| span(r)).collect::<Vec<_>>(),
            ["the budget was too small"]
        );
        // Saving and loading keeps the predictions.
        let mut buf = Vec::new();
        model.save(&mut buf).unwrap();
        let back = Tagger::load(buf.as_slice()).unwrap();
        assert_eq!(back.attributions(text, None), got);
        assert!(Tagger::load(&b"not a model"[..]).is_err());
    }

    /// Toy states: two numbers per token, the first 1 on the token `flag` starts at.
    fn toy_states(text: &str, flag: usize) -> Vec<Vec<f32>> {
        token_spans(text)
            .iter()
            .map(|&(a, _)| vec![if a == flag { 1.0 } else { 0.0 }, 0.5])
            .collect()
    }

    #[test]
    fn learns_from_states_and_keeps_them_through_saving() {
        // "A B argued the plan failed.", where either A or B is the source and only the
        // state says which: the words are the same both ways, so words alone cannot learn it.
        let pairs = [
            ("Alma", "Boris"),
            ("Chen", "Dana"),
            ("Edu", "Fay"),
            ("Ivo", "Jo"),
            ("Kai", "Lea"),
            ("Mo", "Noor"),
        ];
        let mut cases: Vec<(String, &str)> = Vec::new();
        for (k, (a, b)) in pairs.into_iter().enumerate() {
            // Alternating the order puts both kinds in each half of the stacking split.
            let order = if k % 2 == 0 { [a, b] } else { [b, a] };
            for who in order {
                cases.push((format!("{a} {b} argued the plan failed."), who));
            }
        }
        let states: Vec<Vec<Vec<f32>>> = cases
            .iter()
            .map(|(t, who)| toy_states(t, t.find(who).unwrap()))
            .collect();
        let examples: Vec<Example<'_>> = cases
            .iter()
            .zip(&states)
            .map(|((t, who), st)| Example {
                text: t,
                pieces: vec![
                    piece(t, Role::Source, who),
                    piece(t, Role::Cue, "argued"),
                    piece(t, Role::Content, "the plan failed"),
                ],
                states: Some(st),
            })
            .collect();
        let spec = StatesSpec {
            layers: 1,
            dim: 2,
            scale: 1.0,
        };
        let model = train(&examples, 10, Some(spec));
        let text = "Gita Hal argued the plan failed.";
        let source_when_flagged = |m: &Tagger, who: &str| {
            let st = toy_states(text, text.find(who).unwrap());
            let got = m.attributions(text, Some(&st));
            got.first()
                .and_then(|g| g.source)
                .map(|(a, b)| text[a..b].to_string())
        };
        for who in ["Gita", "Hal"] {
            assert_eq!(source_when_flagged(&model, who).as_deref(), Some(who));
        }
        let mut buf = Vec::new();
        model.save(&mut buf).unwrap();
        let back = Tagger::load(buf.as_slice()).unwrap();
        assert_eq!(back.states(), Some(spec));
        for who in ["Gita", "Hal"] {
            assert_eq!(source_when_flagged(&back, who).as_deref(), Some(who));
        }
        // States of the wrong shape are ignored rather than misread.
        let short = vec![vec![0.0f32; 2]; 1];
        let _ = back.attributions(text, Some(&short));
        // A truncated file is refused.
        assert!(Tagger::load(&buf[..buf.len() / 2]).is_err());
    }

    #[test]
    fn source_pieces_of_one_cue_are_joined_and_bare_cues_dropped() {
        let text = "Mr. Obama and others said no. Much was argued.";
        let pieces = vec![
            piece(text, Role::Source, "Mr"),
            piece(text, Role::Source, "Obama and others"),
            piece(text, Role::Cue, "said"),
            piece(text, Role::Content, "no"),
            // A cue with neither source nor content attributes nothing.
            piece(text, Role::Cue, "argued"),
        ];
        let got = assemble(text, &pieces, &segment::split(text));
        assert_eq!(got.len(), 1);
        let (a, b) = got[0].source.unwrap();
        assert_eq!(&text[a..b], "Mr. Obama and others");
    }

    #[test]
    fn assembles_content_around_an_inner_cue_and_across_sentences() {
        let text = "“First part,” she said, “second part.” “A quote. Still quoting,” he said.";
        let p = |r, s| piece(text, r, s);
        let last = |role, s: &str| {
            let start = text.rfind(s).unwrap();
            Piece {
                role,
                start,
                end: start + s.len(),
            }
        };
        let pieces = vec![
            p(Role::Content, "First part"),
            p(Role::Source, "she"),
            p(Role::Cue, "said,"),
            p(Role::Content, "second part."),
            p(Role::Content, "A quote. Still quoting"),
            last(Role::Source, " he "),
            last(Role::Cue, "said"),
        ];
        let got = assemble(text, &pieces, &segment::split(text));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].content.len(), 2);
        assert_eq!(got[1].content.len(), 1);
        let (a, b) = got[1].source.unwrap();
        assert_eq!(&text[a..b], " he ");
    }
}
