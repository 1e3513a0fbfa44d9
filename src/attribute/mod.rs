//! Attribution: for each sentence, who holds the position it states (the source span and
//! its actor group), the reporting cue, and the content.
//!
//! The stage is rule-based and works on a whole article at a time, because two things need
//! context beyond one sentence: references back to earlier sources ("he", "the ministry"),
//! and quotes that run over several sentences, whose speaker is named only once.
//!
//! Order of decisions for a sentence:
//! 1. a reporting cue outside quotation marks with a source we can place
//!    ("X said", "…,” X said", "according to X", "X reportedly …");
//! 2. otherwise, a sentence inside a multi-sentence quote keeps the quote's speaker;
//! 3. otherwise, an actor as the sentence's subject states a position through its action
//!    ("China has implemented its own tariffs");
//! 4. otherwise, narration: group `none`.

mod quotes;
pub mod tagger;

pub use quotes::Quote;

use crate::corpus::PartialDate;
use crate::record::{Evidence, Group, Span};
use crate::segment::Sentence;
use crate::topic::{is_word, CueKind, Mention, Term, Topic};

/// The attribution of one sentence. All offsets are into the article text.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    /// Actor group of the source.
    pub group: Group,
    /// The source words in this sentence.
    pub source: Option<Span>,
    /// The earlier mention a reference was resolved to.
    pub resolved: Option<String>,
    /// Canonical actor name, when known.
    pub actor: Option<String>,
    /// The reporting cue.
    pub cue: Option<Span>,
    /// The reported content.
    pub content: Option<Span>,
    /// Other groups stating a position in the same sentence.
    pub also: Vec<Group>,
    /// Which rules decided.
    pub evidence: Vec<Evidence>,
    /// The sentence (index) whose speaker this one carries: a quote's continuation or a
    /// list item under its introduction.
    pub carried_from: Option<usize>,
}

impl Attribution {
    /// The attribution of narration: nobody holds a position.
    pub fn narration() -> Self {
        Attribution {
            group: Group::None,
            source: None,
            resolved: None,
            actor: None,
            cue: None,
            content: None,
            also: Vec::new(),
            evidence: vec![ev("narration", "")],
            carried_from: None,
        }
    }
}

fn ev(rule: &str, text: &str) -> Evidence {
    Evidence {
        rule: rule.to_string(),
        text: text.to_string(),
    }
}

/// A mention found in a sentence (sentence-relative offsets).
#[derive(Debug, Clone, Copy)]
struct M<'t> {
    start: usize,
    end: usize,
    kinds: &'t [Mention],
}

/// What a source span resolved to.
#[derive(Debug, Clone)]
struct Resolved {
    group: Group,
    actor: Option<String>,
    resolved: Option<String>,
    person: bool,
    roles: Vec<usize>,
    start: usize,
    end: usize,
    how: &'static str,
}

/// An earlier source or named actor that later references can point to.
#[derive(Debug, Clone)]
struct Antecedent {
    group: Group,
    name: String,
    person: bool,
    roles: Vec<usize>,
    /// Whether it was the source of a sentence, not only mentioned.
    source: bool,
    /// Index of the sentence it appeared in.
    sentence: usize,
}

/// Runs attribution over one article's sentences.
pub fn attribute(
    topic: &Topic,
    text: &str,
    date: &PartialDate,
    sentences: &[Sentence],
) -> Vec<Attribution> {
    let quotes = quotes::find(text);
    let mut ctx = Context {
        topic,
        date,
        history: Vec::new(),
        index: 0,
    };
    let mut out = Vec::with_capacity(sentences.len());
    // Which quote each cue-attributed sentence spoke for, to carry its speaker over.
    let mut quote_speaker: Vec<Option<usize>> = vec![None; quotes.len()];
    let mut kind: Vec<Decision> = Vec::with_capacity(sentences.len());
    for (si, s) in sentences.iter().enumerate() {
        ctx.index = si;
        let sent = &text[s.start..s.end];
        let local_quotes: Vec<Quote> = quotes
            .iter()
            .filter(|q| q.open < s.end && q.close > s.start)
            .map(|q| Quote {
                open: q.open.saturating_sub(s.start),
                close: q.close.min(s.end).saturating_sub(s.start),
                closed: q.closed && q.close < s.end,
            })
            .collect();
        let (attr, decision) = ctx.sentence(
            sent,
            s.start,
            &local_quotes,
            s.start > 0
                && quotes
                    .iter()
                    .any(|q| q.contains(s.start) || q.open == s.start),
        );
        if decision == Decision::Cue {
            if let Some(c) = attr.content {
                for (qi, q) in quotes.iter().enumerate() {
                    if q.open < c.end && q.close > c.start && quote_speaker[qi].is_none() {
                        quote_speaker[qi] = Some(si);
                    }
                }
            }
        }
        out.push(attr);
        kind.push(decision);
    }
    // Second pass: sentences inside a quote whose speaker is named in another sentence,
    // and quote-only sentences that continue the last quoted speaker (news style puts the
    // attribution once, then goes on quoting).
    let mut last_quoted: Option<usize> = None;
    // The sentence that introduces a list ("… listed these outcomes:"): list items with no
    // actor of their own carry its speaker.
    let mut list_intro: Option<usize> = None;
    for (si, s) in sentences.iter().enumerate() {
        let sent = &text[s.start..s.end];
        if is_list_item(sent) {
            if let Some(li) = list_intro {
                if out[si].group == Group::None && out[li].group != Group::None {
                    let from = out[li].clone();
                    let a = &mut out[si];
                    a.group = from.group;
                    a.actor = from.actor.clone();
                    a.resolved = from
                        .resolved
                        .clone()
                        .or_else(|| from.source.map(|sp| text[sp.start..sp.end].to_string()));
                    a.evidence = vec![ev("list.item", "")];
                    a.carried_from = Some(li);
                    continue;
                }
            }
        } else {
            list_intro = sent.trim_end().ends_with(':').then_some(si);
        }
        if kind[si] == Decision::Cue {
            if out[si]
                .content
                .is_some_and(|c| quotes.iter().any(|q| q.open < c.end && q.close > c.start))
            {
                last_quoted = Some(si);
            }
            continue;
        }
        let inside = quotes
            .iter()
            .enumerate()
            .find(|(_, q)| q.open <= s.start && s.start < q.close);
        let Some((qi, _)) = inside else {
            continue;
        };
        let src = quote_speaker[qi].or(last_quoted.filter(|&l| si - l <= 3));
        if let Some(src) = src {
            if src != si && out[src].group != Group::None {
                let from = out[src].clone();
                let a = &mut out[si];
                a.group = from.group;
                a.actor = from.actor.clone();
                a.resolved = from
                    .resolved
                    .clone()
                    .or_else(|| from.source.map(|sp| text[sp.start..sp.end].to_string()));
                a.source = None;
                a.cue = None;
                a.content = Some(Span {
                    start: s.start,
                    end: s.end,
                });
                a.also = Vec::new();
                a.evidence = vec![ev("quote.continuation", "")];
                a.carried_from = Some(src);
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Cue,
    Action,
    Narration,
}

struct Context<'t> {
    topic: &'t Topic,
    date: &'t PartialDate,
    history: Vec<Antecedent>,
    /// Index of the sentence being attributed.
    index: usize,
}

impl<'t> Context<'t> {
    fn sentence(
        &mut self,
        sent: &str,
        base: usize,
        quotes: &[Quote],
        starts_in_quote: bool,
    ) -> (Attribution, Decision) {
        let mentions: Vec<M<'t>> = self
            .topic
            .mentions
            .find(sent)
            .into_iter()
            .filter(|h| !other_person(sent, h.start, h.end, h.payloads))
            .map(|h| M {
                start: h.start,
                end: h.end,
                kinds: h.payloads,
            })
            .collect();
        let in_quote = |pos: usize| quotes.iter().any(|q| q.contains(pos));
        let cues: Vec<(usize, usize, CueKind)> = self
            .topic
            .cues
            .find(sent)
            .into_iter()
            .filter(|h| !in_quote(h.start))
            // "think" in "think tank" is part of an actor's name, not a cue.
            .filter(|h| !mentions.iter().any(|m| m.start < h.end && h.start < m.end))
            .map(|h| (h.start, h.end, h.payloads[0]))
            .collect();

        let mut result: Option<(Attribution, Resolved)> = None;
        // "…, analysts said." at the end of the sentence is the attribution, whatever
        // verbs the reported clause contains; try it first.
        let mut order: Vec<(usize, usize, CueKind)> = cues.clone();
        if let Some(&last) = cues.last() {
            let clause_start = sent[..last.0].rfind([',', '\u{201D}', '"']).unwrap_or(0);
            let alone = !cues.iter().any(|c| c.0 > clause_start && c.0 < last.0);
            if alone && final_attribution(sent, last.0, last.1) {
                order.retain(|c| *c != last);
                order.insert(0, last);
            }
        }
        for &(cs, ce, kind) in &order {
            if let Some(found) = self.by_cue(sent, &mentions, quotes, (cs, ce), kind) {
                result = Some(found);
                break;
            }
        }
        // A promoted final cue whose source is only a reference ("…, the agency reported")
        // loses to an earlier cue with a named source ("Mr. Xi told Mr. Biden …").
        if order.first() != cues.first() {
            let weak = result
                .as_ref()
                .is_some_and(|(_, r)| r.how.starts_with("resolve."));
            if weak {
                let first = cues.iter().find_map(|&(cs, ce, kind)| {
                    self.by_cue(sent, &mentions, quotes, (cs, ce), kind)
                });
                if let Some(f) = first.filter(|(_, r)| r.how.starts_with("actor.")) {
                    result = Some(f);
                }
            }
        }
        let decision;
        let mut attr = match result {
            Some((mut a, r)) => {
                decision = Decision::Cue;
                self.reported_action(sent, &mentions, &mut a);
                self.remember(sent, &r, &mentions);
                a
            }
            None => {
                let subject = if starts_in_quote {
                    None
                } else {
                    self.subject(sent, &mentions, quotes)
                        .filter(|r| self.acts(sent, r.end))
                };
                match subject {
                    Some(r) => {
                        decision = Decision::Action;
                        let a = Attribution {
                            group: r.group,
                            source: Some(Span {
                                start: r.start,
                                end: r.end,
                            }),
                            resolved: r.resolved.clone(),
                            actor: r.actor.clone(),
                            cue: None,
                            content: None,
                            also: Vec::new(),
                            evidence: vec![ev("action", &sent[r.start..r.end]), ev(r.how, "")],
                            carried_from: None,
                        };
                        self.remember(sent, &r, &mentions);
                        a
                    }
                    None => {
                        decision = Decision::Narration;
                        self.remember_mentions(sent, &mentions);
                        Attribution::narration()
                    }
                }
            }
        };
        // Make offsets absolute.
        let shift = |s: Span| Span {
            start: s.start + base,
            end: s.end + base,
        };
        attr.source = attr.source.map(shift);
        attr.cue = attr.cue.map(shift);
        attr.content = attr.content.map(shift);
        (attr, decision)
    }

    /// Tries one cue; returns the attribution when a source can be placed.
    fn by_cue(
        &self,
        sent: &str,
        mentions: &[M<'t>],
        quotes: &[Quote],
        (cs, ce): (usize, usize),
        kind: CueKind,
    ) -> Option<(Attribution, Resolved)> {
        let end_trim = trim_end_punct(sent);
        let (resolved, content, rule) = match kind {
            CueKind::Prefix => {
                let stop = clause_end(sent, ce);
                let r = self.classify(sent, mentions, ce, stop)?;
                let content = if cs < 3 {
                    (skip_sep(sent, stop), end_trim)
                } else {
                    (0, trim_end_sep(sent, cs))
                };
                (r, content, "cue.according_to")
            }
            CueKind::Impersonal => {
                let r = self.subject(sent, mentions, quotes)?;
                (r, (ce, end_trim), "cue.impersonal")
            }
            CueKind::Verb => {
                // "Mr. Wang has not said whether …": nobody states a position.
                let prev = sent[..cs].split_whitespace().next_back().unwrap_or("");
                if [
                    "not", "never", "didn't", "hasn't", "haven't", "won't", "wouldn't",
                ]
                .contains(&prev)
                    || prev.ends_with("n't")
                    || prev.ends_with("n\u{2019}t")
                {
                    return None;
                }
                // "The talks are expected …", "it was reported …": passive, no source here.
                if preceded_by_be(sent, cs) {
                    // "was announced by the Ministry of Commerce": the agent is the source.
                    let rest = &sent[ce..];
                    let by = rest.strip_prefix(" by ").or_else(|| {
                        let after_adverb = rest.trim_start().split_once(' ')?;
                        (after_adverb.0.ends_with("ly")).then_some(())?;
                        after_adverb.1.strip_prefix("by ")
                    })?;
                    let start = ce + (rest.len() - by.len());
                    let stop = clause_end(sent, start);
                    let r = self.classify(sent, mentions, start, stop)?;
                    return Some(self.build(
                        sent,
                        (cs, ce),
                        r,
                        (0, trim_end_sep(sent, cs)),
                        "cue.passive_by",
                    ));
                }
                let closing = quotes
                    .iter()
                    .filter(|q| q.closed && q.close < cs)
                    .max_by_key(|q| q.close);
                let after_quote = closing.filter(|q| {
                    let between = &sent[q.close..cs];
                    between.len() < 160 && !between.contains(';') && !ends_clause(between)
                });
                let boundary = quotes
                    .iter()
                    .filter(|q| q.closed && q.close < cs)
                    .map(|q| q.close + close_len(sent, q.close))
                    .chain(sent[..cs].rfind([';', ':']).map(|i| i + 1))
                    .max()
                    .unwrap_or(0);
                // "…, said Alicia Tran, an economist": a comma (or a closing quote) right
                // before the verb puts the source after it.
                let inverted = sent[..cs]
                    .trim_end()
                    .ends_with([',', '\u{201D}', '"', '?', '!']);
                let after = if inverted {
                    self.source_after(sent, mentions, ce)
                } else {
                    None
                };
                if let Some(q) = after_quote {
                    let qe = q.close + close_len(sent, q.close);
                    let r = match after {
                        Some(r) => r,
                        None => self.classify_chunks(sent, mentions, qe, cs)?,
                    };
                    (r, (q.open, qe), "cue.after_quote")
                } else if let Some(r) = after {
                    (r, (boundary, trim_end_sep(sent, cs)), "cue.source_after")
                } else {
                    let r = self.classify_chunks(sent, mentions, boundary, cs)?;
                    (r, (skip_that(sent, ce), end_trim), "cue.source_before")
                }
            }
        };
        // A bare nationality word is not a speaker ("China's purchases … said").
        if resolved.how == "modifier.bare" {
            return None;
        }
        Some(self.build(sent, (cs, ce), resolved, content, rule))
    }

    /// Assembles the attribution of a cue whose source has been resolved.
    fn build(
        &self,
        sent: &str,
        (cs, ce): (usize, usize),
        resolved: Resolved,
        (c0, c1): (usize, usize),
        rule: &'static str,
    ) -> (Attribution, Resolved) {
        let cue_text = &sent[cs..ce];
        let content = (c1 > c0).then_some(Span { start: c0, end: c1 });
        let evidence = vec![ev("cue", cue_text), ev(rule, ""), ev(resolved.how, "")];
        (
            Attribution {
                group: resolved.group,
                source: Some(Span {
                    start: resolved.start,
                    end: resolved.end,
                }),
                resolved: resolved.resolved.clone(),
                actor: resolved.actor.clone(),
                cue: Some(Span { start: cs, end: ce }),
                content,
                also: Vec::new(),
                evidence,
                carried_from: None,
            },
            resolved,
        )
    }

    /// The source named right after an inverted cue, with its appositive: "said Alicia
    /// Tran, chief Asia economist at a bank" or "said the ministry".
    fn source_after(&self, sent: &str, mentions: &[M<'t>], ce: usize) -> Option<Resolved> {
        let rest = &sent[ce..];
        let lead = rest.len() - rest.trim_start().len();
        let start = ce + lead;
        let first = sent[start..].chars().next()?;
        let starts_with_mention = mentions
            .iter()
            .any(|m| m.start == start || (m.start > start && m.start - start <= 4));
        if !(first.is_uppercase() || starts_with_mention) {
            return None;
        }
        let stop = sent[start..]
            .find([';', '"', '\u{201C}', '\u{201D}', '('])
            .map_or_else(|| trim_end_punct(sent), |i| start + i)
            .max(start);
        // "…, said Wang Yi." or "…, said Alicia Tran, an economist": the name runs to the
        // end or to a comma; "accused Washington of using …" is an object, not a source.
        let first_chunk_end = sent[start..stop].find(',').map_or(stop, |i| start + i);
        let ends_here = first_chunk_end == stop && stop >= trim_end_punct(sent);
        let lower_words = sent[start..first_chunk_end]
            .split_whitespace()
            .filter(|w| w.chars().next().is_some_and(char::is_lowercase))
            .filter(|w| !["the", "a", "an", "of", "for", "at", "in", "and"].contains(w))
            .count();
        if !(ends_here || first_chunk_end < stop) || lower_words > 2 {
            return None;
        }
        // The name, then at most one appositive chunk.
        let mut end = stop;
        let mut commas = sent[start..stop].match_indices(',').map(|(i, _)| start + i);
        if let Some(c1) = commas.next() {
            end = commas.next().unwrap_or(stop);
            if sent[start..c1].split_whitespace().count() > 6 {
                return None;
            }
        } else if sent[start..stop].split_whitespace().count() > 8 {
            return None;
        }
        let mut r = self.classify(sent, mentions, start, end)?;
        // "said Bryce Okafor, a former official": remember the name, not "a former".
        if let Some(c1) = sent[start..end].find(',').map(|i| start + i) {
            let name = sent[start..c1].trim();
            let name_like = name.split_whitespace().all(|w| {
                w.chars()
                    .next()
                    .is_some_and(|c| c.is_uppercase() || !c.is_alphabetic())
            });
            if name_like && !matches!(r.how, "actor.person") {
                r.actor = Some(name.to_string());
            }
        }
        Some(r)
    }

    /// "X said that Y agreed to …": the actor of the reported action holds the position,
    /// unless X's own evaluation carries the sentence (annotation guide, section 4).
    fn reported_action(&self, sent: &str, mentions: &[M<'t>], a: &mut Attribution) {
        let (Some(cue), Some(content)) = (a.cue, a.content) else {
            return;
        };
        // An analyst's account of what a party did stays the analyst's view.
        if a.group == Group::Experts {
            return;
        }
        if !self
            .topic
            .evaluative
            .find(&sent[cue.start..cue.end])
            .is_empty()
        {
            return;
        }
        if content.start < cue.end {
            return;
        }
        let mut head_end = (content.start + 60).min(content.end);
        while !sent.is_char_boundary(head_end) {
            head_end -= 1;
        }
        let Some(m) = mentions.iter().find(|m| {
            m.start >= content.start
                && m.start <= content.start + 4
                && !matches!(m.kinds[0], Mention::Pronoun { .. } | Mention::Role(_))
        }) else {
            return;
        };
        let idx = mentions
            .iter()
            .position(|n| n.start == m.start)
            .unwrap_or(0);
        let Some(r) = self.classify(sent, mentions, m.start, np_end(sent, mentions, idx)) else {
            return;
        };
        // Only a government's action moves the position (the guide's "Trump said Xi had
        // agreed"); firms and bare nationality words ("American sanctions") do not.
        if r.group == a.group
            || !matches!(r.group, Group::UsAdmin | Group::Beijing)
            || r.how == "modifier.bare"
        {
            return;
        }
        let after = &sent[r.end..head_end.max(r.end)];
        let action = self.topic.actions.find(after);
        if action.first().is_some_and(|h| h.start < 25) {
            let prev = a.group;
            a.group = r.group;
            a.actor = r.actor.clone();
            a.resolved = None;
            a.source = Some(Span {
                start: r.start,
                end: r.end,
            });
            a.also = vec![prev];
            a.evidence
                .push(ev("reported_action", &sent[r.start..r.end]));
        }
    }

    /// The sentence's subject, when it is an actor: "China has implemented …",
    /// "On Monday, the White House announced …".
    fn subject(&self, sent: &str, mentions: &[M<'t>], quotes: &[Quote]) -> Option<Resolved> {
        let dateline = dateline_end(sent).max(list_marker_end(sent));
        let intro = leading_intro(&sent[dateline..]) + dateline;
        let found = [dateline, intro].into_iter().find_map(|lead| {
            let (i, m) = mentions.iter().enumerate().find(|(_, m)| m.start >= lead)?;
            // Only determiners and capitalised titles ("Mr.", "Vice Premier") may come
            // before the subject.
            let before = sent[lead..m.start].trim();
            let ok = before.split_whitespace().count() <= 4
                && before.split_whitespace().all(|w| {
                    ["the", "a", "an", "The", "A", "An"].contains(&w)
                        || TITLES.contains(&w)
                        || LEAD_WORDS.contains(&w)
                        || (w.ends_with('.') && w.chars().next().is_some_and(char::is_uppercase))
                });
            ok.then_some((i, m))
        });
        let (i, m) = found?;
        if quotes.iter().any(|q| q.contains(m.start)) {
            return None;
        }
        // "U.S. stocks fell", "The White House lawn": a name used as a modifier.
        let doubles_as_modifier = m
            .kinds
            .iter()
            .any(|k| matches!(k, Mention::Modifier { .. }));
        if doubles_as_modifier {
            let next = sent[m.end..].split_whitespace().next().unwrap_or("");
            let lower_noun = next.chars().next().is_some_and(char::is_lowercase)
                && !next.ends_with("ed")
                && !self
                    .topic
                    .actions
                    .find(next)
                    .first()
                    .is_some_and(|h| h.start == 0 && h.end == next.len())
                && ![
                    "has", "have", "had", "will", "would", "could", "may", "might", "can",
                    "should", "must", "did", "does", "is", "are", "was", "were", "also", "and",
                    "on",
                ]
                .contains(&next);
            if lower_noun
                && mentions
                    .get(i + 1)
                    .is_none_or(|n| n.start > m.end + next.len() + 1)
            {
                return None;
            }
        }
        let end = np_end(sent, mentions, i);
        let r = self.classify(sent, mentions, m.start, end)?;
        match r.how {
            // "China's exports rose": a bare possessive modifier before a non-actor noun.
            "modifier.bare" | "actor.unknown_name" | "resolve.unknown_role" => return None,
            // "It was not clear …", "Negotiators will meet …": too vague to hold a position.
            "resolve.last_source" => return None,
            _ => {}
        }
        // Experts hold positions through what they say, not through actions.
        if r.group == Group::Experts {
            return None;
        }
        // A person's doings ("Mr. Xi has not traveled since 2020") are background unless
        // they bear on cooperation; a state's doings are policy.
        if r.person && !self.has_posture(sent) {
            return None;
        }
        Some(r)
    }

    /// True when the subject ending at `end` does something: a verb from the topic's
    /// action list ("placed", "matched", "filed") or another finite verb. A copula ("China
    /// is a large producer") or no verb at all is narration, not a position.
    fn acts(&self, sent: &str, end: usize) -> bool {
        const AUX: &[&str] = &[
            "has",
            "have",
            "had",
            "will",
            "would",
            "also",
            "could",
            "may",
            "might",
            "can",
            "should",
            "must",
            "did",
            "does",
            "do",
            "then",
            "already",
            "now",
            "still",
            "quickly",
            "formally",
            "again",
            "later",
            "once",
            "swiftly",
            "promptly",
            "not",
            "never",
            "officially",
            "itself",
            "themselves",
            "first",
            "finally",
            "on",
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ];
        const COPULA: &[&str] = &[
            "is",
            "are",
            "was",
            "were",
            "be",
            "been",
            "being",
            "remains",
            "remained",
            "seems",
            "seemed",
            "appears",
            "appeared",
            "'s",
            "\u{2019}s",
            "of",
            "and",
            "who",
            "which",
            "that",
            "in",
            "at",
            "for",
            "to",
            "with",
            "as",
        ];
        let mut rest = sent.get(end..).unwrap_or("");
        // "Wang Xiaohong, China's minister of public security, met …": skip the appositive.
        if let Some(after) = rest.strip_prefix(',') {
            if let Some(i) = after.find(',').filter(|&i| i < 90) {
                rest = &after[i + 1..];
            }
        }
        let words = rest
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty());
        let words: Vec<&str> = words.take(9).collect();
        // Skip auxiliaries, adverbs ("largely"), and a short phrase of place or time ("in
        // Congress", "for years") between the subject and its verb.
        let mut vi = None;
        let mut i = 0;
        while i < words.len() {
            let w = words[i];
            let prep = ["in", "for", "at", "from"].contains(&w)
                && words.get(i + 1).is_some_and(|n| {
                    n.chars().next().is_some_and(char::is_uppercase)
                        || [
                            "years", "months", "weeks", "decades", "now", "recent", "the", "its",
                            "their",
                        ]
                        .contains(n)
                });
            if prep {
                i += 2;
                while words.get(i).is_some_and(|n| {
                    n.chars().next().is_some_and(char::is_uppercase)
                        || ["weeks", "months", "years", "days"].contains(n)
                }) {
                    i += 1;
                }
                continue;
            }
            if AUX.contains(&w) || (w.len() > 4 && w.ends_with("ly") && i + 1 < words.len()) {
                i += 1;
                continue;
            }
            vi = Some(i);
            break;
        }
        let Some(vi) = vi else {
            return false;
        };
        let verb = words[vi];
        let after_aux = words[..vi].iter().any(|w| {
            [
                "has", "have", "had", "will", "would", "could", "may", "might", "can", "should",
                "must", "did", "does", "do",
            ]
            .contains(w)
        });
        if !verb.chars().next().is_some_and(char::is_lowercase) {
            return false;
        }
        if COPULA.contains(&verb) {
            // "are weighing a bill" acts; "have been more guarded" states an attitude.
            let next = words.get(vi + 1).copied().unwrap_or("");
            let next2 = words.get(vi + 2).copied().unwrap_or("");
            let is_be = [
                "is", "are", "was", "were", "been", "be", "remains", "remained",
            ]
            .contains(&verb);
            let attitude = |w: &str| {
                self.topic
                    .attitudes
                    .find(w)
                    .first()
                    .is_some_and(|h| h.start == 0 && h.end == w.len())
            };
            return is_be
                && (next.ends_with("ing")
                    || attitude(next)
                    || ([
                        "more",
                        "less",
                        "still",
                        "not",
                        "very",
                        "now",
                        "increasingly",
                    ]
                    .contains(&next)
                        && attitude(next2)));
        }
        let listed = self
            .topic
            .actions
            .find(verb)
            .first()
            .is_some_and(|h| h.start == 0 && h.end == verb.len());
        listed || after_aux || verb.ends_with("ed") || verb.ends_with('s')
    }

    /// True when the sentence uses a stance term.
    fn has_posture(&self, sent: &str) -> bool {
        self.topic.terms.find(sent).iter().any(|h| {
            h.payloads
                .iter()
                .any(|w| matches!(w.term, Term::Support | Term::Oppose | Term::Conditional))
        })
    }

    /// Classifies the source region `[a, b)` by its comma-separated chunks: the last chunk
    /// with an actor, together with the chunk before it when that one names the person the
    /// appositive describes ("Lena Hartley, a researcher at …, said").
    fn classify_chunks(
        &self,
        sent: &str,
        mentions: &[M<'t>],
        a: usize,
        b: usize,
    ) -> Option<Resolved> {
        if b <= a {
            return None;
        }
        let mut bounds = vec![a];
        for (i, c) in sent[a..b].char_indices() {
            if c == ',' || c == '\u{2014}' {
                bounds.push(a + i + c.len_utf8());
            }
        }
        bounds.push(b);
        let chunks: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
        for (k, &(s, e)) in chunks.iter().enumerate().rev() {
            let chunk =
                sent[s..e].trim_matches(|c: char| c.is_whitespace() || c == ',' || c == '\u{2014}');
            if chunk.is_empty() {
                continue;
            }
            let lower = chunk.to_lowercase();
            if lower.starts_with("who ") || lower.starts_with("whose ") {
                // "Ellen Marsh, who studies drug policy at a research institute, noted":
                // the relative clause tells what the person is, not who speaks.
                let expert = mentions.iter().any(|m| {
                    m.start >= s
                        && m.end <= e
                        && matches!(
                            m.kinds.first(),
                            Some(Mention::Name {
                                group: Group::Experts,
                                ..
                            })
                        )
                });
                if expert && k > 0 {
                    let (ns, ne) = chunks[k - 1];
                    let mut r = self.classify(sent, mentions, ns, ne).unwrap_or(Resolved {
                        group: Group::Experts,
                        actor: None,
                        resolved: None,
                        person: true,
                        roles: Vec::new(),
                        start: ns,
                        end: ne,
                        how: "actor.experts",
                    });
                    if matches!(r.how, "actor.unknown_name" | "resolve.name")
                        || r.group == Group::Other
                    {
                        r.group = Group::Experts;
                        r.how = "actor.experts";
                    }
                    return Some(r);
                }
                continue;
            }
            if lower.starts_with("which ") || lower.starts_with("whom ") {
                continue;
            }
            let appositive = k > 0
                && ["a ", "an ", "the ", "one ", "who "]
                    .iter()
                    .any(|p| lower.starts_with(p));
            // A long chunk far from the cue is a clause of its own, not a subject.
            if k + 1 == chunks.len() && chunk.split_whitespace().count() > 12 {
                // Only a source right before the cue counts: "…, and officials said".
                let tail = sent[s..e].trim_end();
                let tail_start = tail
                    .char_indices()
                    .rev()
                    .filter(|(_, c)| c.is_whitespace())
                    .nth(3)
                    .map_or(s, |(i, _)| s + i);
                let before = sent[s..tail_start]
                    .split_whitespace()
                    .next_back()
                    .unwrap_or("");
                if ["which", "what", "that", "whom", "who"].contains(&before) {
                    return None;
                }
                return self.classify(sent, mentions, tail_start, e);
            }
            // "…, a move Chinese officials have condemned": a reduced relative clause.
            if k > 0
                && k + 1 == chunks.len()
                && (chunk.starts_with("a ")
                    || chunk.starts_with("an ")
                    || chunk.starts_with("steps "))
            {
                let second_word_end = chunk
                    .split_whitespace()
                    .take(2)
                    .map(str::len)
                    .sum::<usize>()
                    + 1;
                let chunk_start = s
                    + (sent[s..e].len()
                        - sent[s..e]
                            .trim_start_matches(|c: char| c.is_whitespace() || c == ',')
                            .len());
                let actor_later = mentions
                    .iter()
                    .filter(|m| m.start >= chunk_start && m.end <= e)
                    .all(|m| m.start > chunk_start + second_word_end);
                let has_actor = mentions
                    .iter()
                    .any(|m| m.start >= chunk_start && m.end <= e);
                if has_actor && actor_later {
                    return None;
                }
            }
            // "…, which Mr. Trump had cited …": a cue inside a relative clause.
            let lower_first = chunk.split_whitespace().next().unwrap_or("").to_lowercase();
            if k + 1 == chunks.len()
                && ["which", "what", "that", "whom"].contains(&lower_first.as_str())
            {
                return None;
            }
            // "Mr. Wang, in five hours of talks with Mr. Blinken, said": a parenthetical
            // phrase between the source and the cue.
            let first_word = chunk.split_whitespace().next().unwrap_or("");
            if k > 0
                && [
                    "in", "at", "on", "after", "during", "with", "for", "from", "speaking",
                    "asked", "briefing", "writing", "like", "unlike", "before", "since",
                ]
                .contains(&first_word)
            {
                continue;
            }
            let has_mention = mentions.iter().any(|m| m.start >= s && m.end <= e);
            if !has_mention && chunk.chars().next().is_some_and(char::is_lowercase) && !appositive {
                // "One senior official, briefing reporters on condition of anonymity,
                // blamed …": a participle phrase between the source and the cue.
                continue;
            }
            let found = self.classify(sent, mentions, s, e);
            if appositive {
                let (ps, pe) = chunks[k - 1];
                let name = sent[ps..pe].trim_matches(|c: char| c.is_whitespace() || c == ',');
                let name_like = !name.is_empty()
                    && !name
                        .split_whitespace()
                        .next()
                        .is_some_and(|w| STOP_CAPS.contains(&w))
                    && name.split_whitespace().count() <= 5
                    && name.split_whitespace().all(|w| {
                        w.chars()
                            .next()
                            .is_some_and(|c| c.is_uppercase() || !c.is_alphabetic())
                    });
                match found {
                    // "Lena Hartley, a researcher at …": the appositive gives the group,
                    // the name before it is the source.
                    Some(mut r) if name_like => {
                        // A known actor in the name chunk wins; an unknown name takes the
                        // appositive's group.
                        let named = self.classify(sent, mentions, ps, pe);
                        if let Some(n) = named
                            .filter(|n| !matches!(n.how, "actor.unknown_name" | "modifier.bare"))
                        {
                            return Some(n);
                        }
                        if r.how == "modifier.bare" {
                            continue;
                        }
                        r.start = ps + (sent[ps..pe].len() - sent[ps..pe].trim_start().len());
                        r.actor = Some(name.to_string());
                        return Some(r);
                    }
                    Some(r) => return Some(r),
                    None => {
                        if let Some(r) = self.classify(sent, mentions, ps, e) {
                            return Some(r);
                        }
                        continue;
                    }
                }
            }
            // "a spokesman for the National People's Congress, Lou Qinjian, said": an
            // unknown name after a chunk that says whom it speaks for.
            if let (Some(r), true) = (&found, k > 0) {
                if r.how == "actor.unknown_name" {
                    let (ps, pe) = chunks[k - 1];
                    if let Some(mut role) = self.classify(sent, mentions, ps, pe) {
                        if !matches!(role.how, "actor.unknown_name" | "modifier.bare") {
                            role.start = r.start;
                            role.end = r.end;
                            role.actor = r.actor.clone();
                            return Some(role);
                        }
                    }
                }
            }
            // "Sen. Tom Cotton, Republican of Arkansas, said": a bare modifier chunk
            // describes the name before it.
            if found.as_ref().is_some_and(|r| r.how == "modifier.bare") && k > 0 {
                continue;
            }
            return found;
        }
        None
    }

    /// Classifies the words in `[a, b)` of the sentence as a source.
    fn classify(&self, sent: &str, mentions: &[M<'t>], a: usize, b: usize) -> Option<Resolved> {
        // "Neither side said …": nobody in particular holds a position.
        if sent
            .get(a..b)
            .is_some_and(|w| w.trim_start().to_lowercase().starts_with("neither"))
        {
            return None;
        }
        let inside: Vec<&M<'t>> = mentions
            .iter()
            .filter(|m| m.start >= a && m.end <= b)
            .collect();
        let words = sent.get(a..b)?;
        let trimmed_start = a + (words.len() - words.trim_start().len());
        let span_text = words.trim().trim_end_matches([',', ' ']);
        let (ss, se) = (trimmed_start, trimmed_start + span_text.len());
        let roles: Vec<usize> = inside
            .iter()
            .filter_map(
                |m| match m.kinds.iter().find(|k| matches!(k, Mention::Role(_))) {
                    Some(Mention::Role(r)) => Some(*r),
                    _ => None,
                },
            )
            .collect();
        let mk = |group: Group,
                  actor: Option<String>,
                  resolved: Option<String>,
                  person: bool,
                  how: &'static str| {
            Some(Resolved {
                group,
                actor,
                resolved,
                person,
                roles: roles.clone(),
                start: ss,
                end: se,
                how,
            })
        };
        let find = |pred: &dyn Fn(&Mention) -> bool| -> Option<(&M<'t>, &Mention)> {
            inside
                .iter()
                .find_map(|m| m.kinds.iter().find(|k| pred(k)).map(|k| (*m, k)))
        };
        if let Some((_, Mention::Person { group, canonical })) =
            find(&|k| matches!(k, Mention::Person { .. }))
        {
            // A listed office holder outside every term of office (a president-elect, a
            // former president) speaks for nobody's government.
            // "Donald J. Trump" holds the offices listed for "Donald Trump".
            let plain = |n: &str| {
                n.split_whitespace()
                    .filter(|w| !(w.len() == 2 && w.ends_with('.')))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let held = self
                .topic
                .leaders
                .iter()
                .filter(|l| plain(&l.name) == plain(canonical));
            let mut any = false;
            let mut now = false;
            for l in held {
                any = true;
                now |= l.holds_on(self.date);
            }
            if any && !now {
                return mk(
                    Group::Other,
                    Some(canonical.clone()),
                    None,
                    true,
                    "actor.out_of_office",
                );
            }
            return mk(*group, Some(canonical.clone()), None, true, "actor.person");
        }
        // Then analysts: "a former U.S. official" speaks as an analyst.
        if let Some((_, Mention::Name { canonical, .. })) = find(&|k| {
            matches!(
                k,
                Mention::Name {
                    group: Group::Experts,
                    ..
                }
            )
        }) {
            return mk(
                Group::Experts,
                Some(canonical.clone()),
                None,
                true,
                "actor.experts",
            );
        }
        // A modifier followed by a role or an actor name: "the Chinese foreign minister",
        // "China's Ministry of Commerce", "Mexico's president".
        for (i, m) in inside.iter().enumerate() {
            let Some(Mention::Modifier { group }) = m
                .kinds
                .iter()
                .find(|k| matches!(k, Mention::Modifier { .. }))
            else {
                continue;
            };
            if let Some(next) = inside.get(i + 1) {
                let gap = &sent[m.end..next.start];
                if gap.len() <= 30 && !gap.contains([',', ';']) {
                    match next.kinds.first() {
                        Some(Mention::Role(r)) => {
                            let person = self.topic.roles[*r].person;
                            let actor = self
                                .topic
                                .leader(*r, Some(*group), self.date)
                                .map(|l| l.name.clone());
                            return mk(*group, actor, None, person, "actor.modifier_role");
                        }
                        Some(Mention::Name {
                            group: g2,
                            canonical,
                        }) => {
                            // "Chinese companies" are companies, not the state; but in
                            // "American and Mexican officials" the first-named leads.
                            let g = if *g2 == Group::Other && !gap.contains(" and ") {
                                Group::Other
                            } else {
                                *group
                            };
                            return mk(
                                g,
                                Some(canonical.clone()),
                                None,
                                false,
                                "actor.modifier_name",
                            );
                        }
                        _ => {}
                    }
                }
            }
        }
        if let Some((_, Mention::Name { group, canonical })) =
            find(&|k| matches!(k, Mention::Name { .. }))
        {
            return mk(*group, Some(canonical.clone()), None, false, "actor.name");
        }
        if let Some((m, Mention::Role(r))) = find(&|k| matches!(k, Mention::Role(_))) {
            let role = &self.topic.roles[*r];
            // "Switzerland's government": a possessive of a place the topic does not know.
            let before = sent[a..m.start].trim_end();
            let possessive = before
                .strip_suffix("'s")
                .or_else(|| before.strip_suffix("\u{2019}s"))
                .and_then(|b| b.split_whitespace().next_back())
                .is_some_and(|w| w.chars().next().is_some_and(char::is_uppercase));
            if possessive {
                return mk(
                    Group::Other,
                    Some(span_text.to_string()),
                    None,
                    role.person,
                    "actor.unknown_possessive",
                );
            }
            if let Some(a) = self.history.iter().rev().find(|a| a.roles.contains(r)) {
                return mk(
                    a.group,
                    Some(a.name.clone()),
                    Some(a.name.clone()),
                    role.person,
                    "resolve.role",
                );
            }
            if let Some(l) = self.topic.leader(*r, role.default, self.date) {
                return mk(
                    l.group,
                    Some(l.name.clone()),
                    None,
                    role.person,
                    "resolve.office_holder",
                );
            }
            if let Some(g) = role.default {
                return mk(g, None, None, role.person, "resolve.role_default");
            }
            // "Washington will keep the tariffs, and officials said …": an actor named
            // earlier in the same clause, outside any quotation.
            let clause_start = sent[..m.start]
                .rfind(['"', '\u{201C}', '\u{201D}', ';'])
                .map_or(0, |i| i + 1);
            let earlier = mentions
                .iter()
                .filter(|o| o.start >= clause_start && o.end <= m.start)
                .find_map(|o| match o.kinds.first() {
                    Some(Mention::Name { group, canonical })
                    | Some(Mention::Person { group, canonical })
                        if *group != Group::Experts =>
                    {
                        Some((*group, canonical.clone()))
                    }
                    _ => None,
                });
            if let Some((g, name)) = earlier {
                return mk(
                    g,
                    Some(name.clone()),
                    Some(name),
                    role.person,
                    "resolve.same_clause",
                );
            }
            // Otherwise the last source (preferred) or the last actor named.
            let last = self
                .history
                .iter()
                .rev()
                .find(|a| a.group != Group::Experts && a.source)
                .or_else(|| {
                    self.history
                        .iter()
                        .rev()
                        .find(|a| a.group != Group::Experts)
                });
            if let Some(a) = last {
                return mk(
                    a.group,
                    Some(a.name.clone()),
                    Some(a.name.clone()),
                    role.person,
                    "resolve.last_source",
                );
            }
            return mk(
                Group::Other,
                None,
                None,
                role.person,
                "resolve.unknown_role",
            );
        }
        if let Some((_, Mention::Pronoun { person })) =
            find(&|k| matches!(k, Mention::Pronoun { .. }))
        {
            // "He" is most often the speaker of the last sentence or two; otherwise the
            // last person named.
            let recent_source = self
                .history
                .iter()
                .rev()
                .find(|a| a.person == *person && a.source && a.sentence + 2 >= self.index);
            let a = recent_source
                .or_else(|| self.history.iter().rev().find(|a| a.person == *person))
                .or_else(|| self.history.last())?;
            return mk(
                a.group,
                Some(a.name.clone()),
                Some(a.name.clone()),
                a.person,
                "resolve.pronoun",
            );
        }
        if let Some((_, Mention::Modifier { group })) =
            find(&|k| matches!(k, Mention::Modifier { .. }))
        {
            return mk(*group, None, None, false, "modifier.bare");
        }
        // An unknown name: someone named earlier ("Hartley"), else another source.
        let caps: Vec<&str> = span_text
            .split(|c: char| !is_word(c) && c != '-')
            .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
            .collect();
        let first_is_sentence_start = a == 0;
        let name_words: Vec<&str> = caps
            .iter()
            .copied()
            .filter(|w| !(first_is_sentence_start && STOP_CAPS.contains(w)))
            .filter(|w| !STOP_CAPS.contains(w))
            .collect();
        if let Some(last) = name_words.last() {
            if let Some(a) = self
                .history
                .iter()
                .rev()
                .find(|a| a.name.split_whitespace().any(|w| w == *last))
            {
                return mk(
                    a.group,
                    Some(a.name.clone()),
                    Some(a.name.clone()),
                    a.person,
                    "resolve.name",
                );
            }
            let words: Vec<&str> = span_text.split_whitespace().collect();
            let capitalised = words
                .iter()
                .filter(|w| w.chars().next().is_some_and(|c| c.is_uppercase()))
                .count();
            let last_cap = words
                .last()
                .is_some_and(|w| w.chars().next().is_some_and(char::is_uppercase));
            if words.len() <= 8 && capitalised * 2 >= words.len() && last_cap {
                return mk(
                    Group::Other,
                    Some(span_text.to_string()),
                    None,
                    true,
                    "actor.unknown_name",
                );
            }
        }
        None
    }

    /// Role words inside a name, so "the ministry" can point back to "Ministry of Commerce".
    fn roles_in(&self, name: &str) -> Vec<usize> {
        let lower = name.to_lowercase();
        self.topic
            .mentions
            .find(&lower)
            .iter()
            .filter_map(|h| match h.payloads.first() {
                Some(Mention::Role(r)) => Some(*r),
                _ => None,
            })
            .collect()
    }

    fn remember(&mut self, sent: &str, r: &Resolved, mentions: &[M<'t>]) {
        self.remember_mentions(sent, mentions);
        if r.group == Group::None {
            return;
        }
        let name = r
            .actor
            .clone()
            .unwrap_or_else(|| sent[r.start..r.end].to_string());
        let mut roles = r.roles.clone();
        roles.extend(self.roles_in(&name));
        self.history.push(Antecedent {
            group: r.group,
            name,
            person: r.person,
            roles,
            source: true,
            sentence: self.index,
        });
    }

    /// Named people and bodies become antecedents even when they are not sources: "China
    /// has designated Wang Xiaohong … he recently engaged …".
    fn remember_mentions(&mut self, sent: &str, mentions: &[M<'t>]) {
        for (i, m) in mentions.iter().enumerate() {
            match m.kinds.first() {
                Some(Mention::Person { group, canonical }) => {
                    // A role in apposition or in front: "Wang Xiaohong, the minister", "Foreign Minister Wang Yi".
                    let mut roles = Vec::new();
                    for n in [i.checked_sub(1), Some(i + 1), Some(i + 2)]
                        .into_iter()
                        .flatten()
                    {
                        if let Some(o) = mentions.get(n) {
                            let near = if o.start > m.end {
                                o.start - m.end < 40
                            } else {
                                m.start - o.end.min(m.start) < 3
                            };
                            if let (true, Some(Mention::Role(r))) = (near, o.kinds.first()) {
                                roles.push(*r);
                            }
                        }
                    }
                    let _ = sent;
                    self.history.push(Antecedent {
                        group: *group,
                        name: canonical.clone(),
                        person: true,
                        roles,
                        source: false,
                        sentence: self.index,
                    });
                }
                Some(Mention::Name { group, canonical }) if *group != Group::Experts => {
                    let roles = self.roles_in(canonical);
                    self.history.push(Antecedent {
                        group: *group,
                        name: canonical.clone(),
                        person: false,
                        roles,
                        source: false,
                        sentence: self.index,
                    });
                }
                _ => {}
            }
        }
    }
}

/// End of the noun phrase that starts with mention `i`: it runs over modifiers, names and
/// role words that follow directly ("China's Ministry of Commerce", "Chinese foreign
/// ministry spokesman Lin Jian").
fn np_end(sent: &str, mentions: &[M<'_>], i: usize) -> usize {
    let Some(first) = mentions.get(i) else {
        return 0;
    };
    let mut end = first.end;
    for n in mentions.iter().skip(i + 1) {
        let gap = &sent[end..n.start];
        let words = gap.split_whitespace().count();
        let joins = gap.split_whitespace().all(|w| {
            ["of", "the", "for", "and", "'s", "\u{2019}s"].contains(&w)
                || w.chars().next().is_some_and(char::is_uppercase)
        });
        if gap.len() <= 24
            && words <= 2
            && joins
            && !gap.contains([',', ';', '.', '"', '\u{201C}', '\u{201D}'])
        {
            end = n.end;
        } else {
            break;
        }
    }
    end
}

/// Capitalised words that are not names.
const STOP_CAPS: &[&str] = &[
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "After",
    "Before",
    "But",
    "And",
    "As",
    "For",
    "With",
    "This",
    "That",
    "These",
    "Those",
    "It",
    "He",
    "She",
    "They",
    "We",
    "I",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan",
    "Feb",
    "Aug",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
    "Still",
    "Yet",
    "Speaking",
    "Asked",
    "When",
    "While",
    "Later",
    "Earlier",
    "Separately",
    "Meanwhile",
    "However",
    "Also",
    "Both",
    "Some",
    "Many",
    "Most",
    "Other",
    "Others",
    "One",
    "Two",
];

/// End of the clause that starts at `from`: the next comma, semicolon, dash or sentence end.
fn clause_end(sent: &str, from: usize) -> usize {
    sent[from..]
        .find([',', ';', ':', '\u{2014}', '(', '\u{201C}', '"'])
        .map(|i| from + i)
        .unwrap_or_else(|| trim_end_punct(sent))
}

/// The sentence end without its final punctuation and closing marks.
fn trim_end_punct(sent: &str) -> usize {
    sent.trim_end_matches(|c: char| ".!?\"\u{201D}\u{2019}')]".contains(c) || c.is_whitespace())
        .len()
}

/// `i` moved back over a separator (", ") before it.
fn trim_end_sep(sent: &str, i: usize) -> usize {
    sent[..i]
        .trim_end_matches(|c: char| c == ',' || c.is_whitespace())
        .len()
}

/// `i` moved forward over a separator (", ") after it.
fn skip_sep(sent: &str, i: usize) -> usize {
    let rest = &sent[i..];
    i + (rest.len()
        - rest
            .trim_start_matches(|c: char| c == ',' || c == ':' || c.is_whitespace())
            .len())
}

/// Start of the content after a cue: skips separators and a complementiser "that".
fn skip_that(sent: &str, i: usize) -> usize {
    let j = skip_sep(sent, i);
    let rest = &sent[j..];
    for w in ["that ", "on ", "of "] {
        if rest.starts_with(w) {
            return j + w.len();
        }
    }
    j
}

/// Length of the closing mark at `i` (plus a following comma).
fn close_len(sent: &str, i: usize) -> usize {
    sent[i..].chars().next().map_or(0, char::len_utf8)
}

/// Words that may open a sentence before its subject without a comma: "This week
/// Beijing exempted …", "But he also held out …", "Several human rights groups said …".
const LEAD_WORDS: &[&str] = &[
    "This",
    "this",
    "Last",
    "last",
    "week",
    "month",
    "year",
    "Earlier",
    "Later",
    "Meanwhile",
    "Still",
    "But",
    "And",
    "Yet",
    "So",
    "Then",
    "Now",
    "Instead",
    "Also",
    "Separately",
    "Several",
    "Some",
    "Many",
    "Most",
    "Two",
    "Three",
    "Both",
    "Other",
    "Senior",
    "Top",
    "Several",
    "Dozens",
    "of",
    "Thursday",
    "Friday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Saturday",
    "Sunday",
    "On",
    "Today",
    "Yesterday",
];

/// Titles that may stand before a name.
const TITLES: &[&str] = &[
    "Mr.",
    "Ms.",
    "Mrs.",
    "Dr.",
    "President",
    "Premier",
    "Minister",
    "Secretary",
    "Vice",
    "Chairman",
    "Ambassador",
    "Spokesman",
    "Spokeswoman",
    "Sen.",
    "Rep.",
    "Gov.",
    "Gen.",
    "Prof.",
    "Director",
    "Administrator",
    "Leader",
    "Speaker",
    "Mr",
    "Ms",
    "Dr",
    "Foreign",
    "Commerce",
    "Treasury",
    "Security",
    "Public",
    "State",
    "Attorney",
    "General",
    "Deputy",
    "Senior",
    "Chinese",
    "American",
    "Former",
    "Acting",
    "Trade",
    "Representative",
];

/// A surname match that belongs to someone else: "Han Dongsheng" is not Han Zheng, and
/// "Anna Q. Liu" is not Liu He. A full-name match, or a surname after a title ("Mr.
/// Wang", "President Xi") or standing alone, is kept.
fn other_person(sent: &str, start: usize, end: usize, kinds: &[Mention]) -> bool {
    let Some(Mention::Person { canonical, .. }) = kinds.first() else {
        return false;
    };
    if &sent[start..end] == canonical {
        return false;
    }
    let next = sent[end..].split_whitespace().next().unwrap_or("");
    let next_cap = next.chars().next().is_some_and(char::is_uppercase)
        && !sent[end..].starts_with([',', '.', '\'', '\u{2019}']);
    let prev = sent[..start].split_whitespace().next_back().unwrap_or("");
    let titles = TITLES;
    let initial = prev.len() == 2
        && prev.ends_with('.')
        && prev.starts_with(|c: char| c.is_ascii_uppercase());
    if initial {
        // "Merrick B. Garland" is Merrick Garland; "Anna Q. Liu" is not Liu He.
        let given = sent[..start].split_whitespace().rev().nth(1).unwrap_or("");
        let canonical_given = canonical.split_whitespace().next().unwrap_or("");
        return given != canonical_given;
    }
    let prev_given = prev.chars().next().is_some_and(char::is_uppercase)
        && !titles.contains(&prev)
        && !sent[..start]
            .trim_end()
            .ends_with([',', ';', ':', '.', '"', '\u{201C}', '\u{201D}', '—'])
        && start > 0;
    next_cap || prev_given
}

/// True when the cue at `[cs, ce)` ends the sentence as "…, X said" (or "…, said X"):
/// a comma, a short source and the cue, with at most a few words after it.
fn final_attribution(sent: &str, cs: usize, ce: usize) -> bool {
    let end = trim_end_punct(sent);
    let tail_words = sent[ce.min(end)..end].split_whitespace().count();
    let Some(comma) = sent[..cs].rfind([',', '\u{201D}', '"']) else {
        return false;
    };
    let after = comma + sent[comma..].chars().next().map_or(1, char::len_utf8);
    let source_words = sent[after..cs].split_whitespace().count();
    // ", said the ministry" / ", said Wang Yi" — but not ", arguing that …".
    let next = sent[ce.min(end)..end]
        .split_whitespace()
        .next()
        .unwrap_or("");
    let inverted = next.chars().next().is_some_and(char::is_uppercase)
        || [
            "the",
            "a",
            "an",
            "one",
            "two",
            "several",
            "officials",
            "analysts",
            "experts",
        ]
        .contains(&next);
    (source_words <= 6 && tail_words <= 3) || (source_words == 0 && tail_words <= 12 && inverted)
}

/// End of a list marker ("- ", "2. "), or 0.
fn list_marker_end(sent: &str) -> usize {
    if !is_list_item(sent) {
        return 0;
    }
    sent.find(' ').map_or(0, |i| i + 1)
}

/// True when the sentence is a list item ("- …", "* …", "• …", "1. …", "2) …").
fn is_list_item(sent: &str) -> bool {
    if sent.starts_with("- ") || sent.starts_with("* ") || sent.starts_with("\u{2022} ") {
        return true;
    }
    let digits = sent.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0
        && digits < 3
        && matches!(
            sent.as_bytes().get(digits..digits + 2),
            Some(b". ") | Some(b") ")
        )
}

/// True when `text` holds a full stop that ends a clause (after a lowercase word), as
/// opposed to the dot of "Mr." or "U.S.".
fn ends_clause(text: &str) -> bool {
    let b = text.as_bytes();
    (1..b.len()).any(|i| {
        b[i] == b'.'
            && b[i - 1].is_ascii_lowercase()
            && b.get(i + 1).is_none_or(|c| c.is_ascii_whitespace())
            && {
                let word_start = text[..i]
                    .char_indices()
                    .rfind(|(_, c)| !c.is_alphabetic())
                    .map_or(0, |(j, c)| j + c.len_utf8());
                !text[word_start..i]
                    .chars()
                    .next()
                    .is_some_and(char::is_uppercase)
            }
    })
}

/// True when a form of "to be" comes right before `i` ("is expected", "was reported").
fn preceded_by_be(sent: &str, i: usize) -> bool {
    let prev = sent[..i].split_whitespace().next_back().unwrap_or("");
    ["is", "are", "was", "were", "be", "been", "being"].contains(&prev)
}

/// End of a dateline ("WASHINGTON — ", "MEXICO CITY, Mexico — "), or 0.
fn dateline_end(sent: &str) -> usize {
    let Some(dash) = sent.find(['\u{2014}', '\u{2013}']) else {
        return 0;
    };
    let head = &sent[..dash];
    let caps = head
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>();
    if dash > 40 || caps.is_empty() || !caps[0].chars().all(char::is_uppercase) || caps[0].len() < 2
    {
        return 0;
    }
    let after = dash + sent[dash..].chars().next().map_or(0, char::len_utf8);
    after + (sent[after..].len() - sent[after..].trim_start().len())
}

/// End of a short introductory phrase ("On Monday,", "In March,"), or 0.
fn leading_intro(sent: &str) -> usize {
    match sent.find(',') {
        Some(i) if i < 40 && sent[..i].split_whitespace().count() <= 5 => i + 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn topic() -> Topic {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::topic::DEFAULT_TOPIC_PATH);
        Topic::load(&path).unwrap()
    }

    /// Builds an article from sentences (joined by one space) and attributes it, so these
    /// tests do not depend on the segmenter.
    fn run(topic: &Topic, date: &str, sents: &[&str]) -> (String, Vec<Attribution>) {
        let mut text = String::new();
        let mut spans = Vec::new();
        for s in sents {
            if !text.is_empty() {
                text.push(' ');
            }
            let start = text.len();
            text.push_str(s);
            spans.push(Sentence {
                start,
                end: text.len(),
            });
        }
        let date: PartialDate = date.parse().unwrap();
        let attrs = attribute(topic, &text, &date, &spans);
        (text, attrs)
    }

    fn words(text: &str, span: Option<Span>) -> Option<&str> {
        span.map(|s| &text[s.start..s.end])
    }

    /// One row: context sentences, then the sentence under test (the last one), the
    /// expected group, a word the source span must contain, and the cue.
    struct Case {
        pattern: &'static str,
        sents: &'static [&'static str],
        group: Group,
        source_has: Option<&'static str>,
        cue: Option<&'static str>,
    }

    const CASES: &[Case] = &[
        Case {
            pattern: "X said",
            sents: &["Commerce Secretary Gina Raimondo said the export rules would stay in place."],
            group: Group::UsAdmin,
            source_has: Some("Raimondo"),
            cue: Some("said"),
        },
        Case {
            pattern: "X told",
            sents: &["Wang Yi told reporters in Beijing that pressure would not work."],
            group: Group::Beijing,
            source_has: Some("Wang Yi"),
            cue: Some("told"),
        },
        Case {
            pattern: "X accused",
            sents: &["President Trump accused Beijing of letting the powder flow unchecked."],
            group: Group::UsAdmin,
            source_has: Some("Trump"),
            cue: Some("accused"),
        },
        Case {
            pattern: "possessive institution + expressed",
            sents: &["China's Ministry of Commerce expressed firm opposition to the new levies."],
            group: Group::Beijing,
            source_has: Some("Ministry of Commerce"),
            cue: Some("expressed"),
        },
        Case {
            pattern: "the ministry refers back + indicated",
            sents: &[
                "China's Ministry of Commerce issued a short notice on Friday.",
                "The ministry indicated that it was studying the American request.",
            ],
            group: Group::Beijing,
            source_has: Some("ministry"),
            cue: Some("indicated"),
        },
        Case {
            pattern: "experts suggested",
            sents: &["Several analysts suggested the truce was fragile."],
            group: Group::Experts,
            source_has: Some("analysts"),
            cue: Some("suggested"),
        },
        Case {
            pattern: "other government warned",
            sents: &["Mexico's president warned that the duties would hurt both economies."],
            group: Group::Other,
            source_has: Some("Mexico"),
            cue: Some("warned"),
        },
        Case {
            pattern: "X vowed",
            sents: &["Beijing vowed to answer every new tariff in kind."],
            group: Group::Beijing,
            source_has: Some("Beijing"),
            cue: Some("vowed"),
        },
        Case {
            pattern: "according to X (end)",
            sents: &["Seizures at the border fell sharply last year, according to the Drug Enforcement Administration."],
            group: Group::UsAdmin,
            source_has: Some("Drug Enforcement Administration"),
            cue: Some("according to"),
        },
        Case {
            pattern: "according to X (start)",
            sents: &["According to Chinese officials, the new rules took effect in May."],
            group: Group::Beijing,
            source_has: Some("Chinese officials"),
            cue: Some("According to"),
        },
        Case {
            pattern: "attribution after the quote, role refers back",
            sents: &[
                "Foreign ministry spokesman Lin Jian spoke at a briefing on Tuesday.",
                "\"We will never accept blackmail,\" the spokesman said.",
            ],
            group: Group::Beijing,
            source_has: Some("spokesman"),
            cue: Some("said"),
        },
        Case {
            pattern: "said X after the quote",
            sents: &["\u{201C}The door remains open,\u{201D} said Antony Blinken."],
            group: Group::UsAdmin,
            source_has: Some("Blinken"),
            cue: Some("said"),
        },
        Case {
            pattern: "title with nationality modifier",
            sents: &["In March, the Chinese foreign minister criticized the duties as misguided."],
            group: Group::Beijing,
            source_has: Some("Chinese foreign minister"),
            cue: Some("criticized"),
        },
        Case {
            pattern: "the administration",
            sents: &["The administration argued that the levies were needed to stop the drug."],
            group: Group::UsAdmin,
            source_has: Some("administration"),
            cue: Some("argued"),
        },
        Case {
            pattern: "the White House",
            sents: &["The White House welcomed the decision on Friday."],
            group: Group::UsAdmin,
            source_has: Some("White House"),
            cue: Some("welcomed"),
        },
        Case {
            pattern: "a senior security official refers back",
            sents: &[
                "Beijing named a new envoy for the drug talks.",
                "A senior security official said the talks could begin within weeks.",
            ],
            group: Group::Beijing,
            source_has: Some("official"),
            cue: Some("said"),
        },
        Case {
            pattern: "modifier + role: Beijing's top security official",
            sents: &["Beijing's top security official stressed that the controls were working."],
            group: Group::Beijing,
            source_has: Some("top security official"),
            cue: Some("stressed"),
        },
        Case {
            pattern: "action as position",
            sents: &["China has implemented its own steep tariffs on American soybeans."],
            group: Group::Beijing,
            source_has: Some("China"),
            cue: None,
        },
        Case {
            pattern: "action as position after an intro",
            sents: &["On Tuesday, Washington imposed a further 10 percent tariff on Chinese goods."],
            group: Group::UsAdmin,
            source_has: Some("Washington"),
            cue: None,
        },
        Case {
            pattern: "he refers back to the last named person",
            sents: &[
                "China picked Wang Xiaohong, its minister of public security, to lead the talks.",
                "He held a video call with the drug control office last week, he said.",
            ],
            group: Group::Beijing,
            source_has: Some("he"),
            cue: Some("said"),
        },
        Case {
            pattern: "the minister refers back",
            sents: &[
                "Wang Xiaohong, the public security minister, met the delegation in Beijing.",
                "The minister said both sides had made progress.",
            ],
            group: Group::Beijing,
            source_has: Some("minister"),
            cue: Some("said"),
        },
        Case {
            pattern: "the president resolves by date",
            sents: &["The president said the tariffs would stay until the flow stops."],
            group: Group::UsAdmin,
            source_has: Some("president"),
            cue: Some("said"),
        },
        Case {
            pattern: "narration",
            sents: &["Overdose deaths rose for a third straight year."],
            group: Group::None,
            source_has: None,
            cue: None,
        },
        Case {
            pattern: "X said that Y agreed: Y holds the position",
            sents: &["Trump said Xi had agreed to treat fentanyl as a controlled substance."],
            group: Group::Beijing,
            source_has: Some("Xi"),
            cue: Some("said"),
        },
        Case {
            pattern: "unknown name with an analyst appositive",
            sents: &["Lena Hartley, a researcher at a Washington think tank, said the pledge was vague."],
            group: Group::Experts,
            source_has: Some("researcher"),
            cue: Some("said"),
        },
        Case {
            pattern: "Congress is other",
            sents: &["Sen. Ada Moreno said lawmakers would press for sanctions."],
            group: Group::Other,
            source_has: Some("Sen."),
            cue: Some("said"),
        },
    ];

    #[test]
    fn attribution_patterns() {
        let topic = topic();
        for case in CASES {
            let (text, attrs) = run(&topic, "2025-04-15", case.sents);
            let a = attrs.last().unwrap();
            assert_eq!(a.group, case.group, "{}: {:?}", case.pattern, a);
            if let Some(w) = case.source_has {
                let src = words(&text, a.source).unwrap_or("");
                assert!(
                    src.contains(w),
                    "{}: source {src:?} lacks {w:?}",
                    case.pattern
                );
            }
            assert_eq!(words(&text, a.cue), case.cue, "{}: cue", case.pattern);
        }
    }

    #[test]
    fn the_president_names_the_office_holder_of_the_date() {
        let topic = topic();
        for (date, who) in [("2019-08-23", "Donald Trump"), ("2023-11-16", "Joe Biden")] {
            let (_, attrs) = run(
                &topic,
                date,
                &["The president said the drug must be stopped."],
            );
            assert_eq!(attrs[0].actor.as_deref(), Some(who), "date {date}");
        }
    }

    #[test]
    fn multi_sentence_quote_keeps_its_speaker() {
        let topic = topic();
        let (_, attrs) = run(
            &topic,
            "2025-03-07",
            &[
                "\"We have done more than any country to control these drugs.",
                "Our efforts deserve respect.",
                "The rest is up to Washington,\" Wang Yi said.",
            ],
        );
        for (i, a) in attrs.iter().enumerate() {
            assert_eq!(a.group, Group::Beijing, "sentence {i}: {a:?}");
        }
        assert!(attrs[0]
            .evidence
            .iter()
            .any(|e| e.rule == "quote.continuation"));
    }

    #[test]
    fn quote_opened_before_a_cue_keeps_its_speaker() {
        let topic = topic();
        let (_, attrs) = run(
            &topic,
            "2025-03-07",
            &[
                "Wang Yi said: \u{201C}Pressure will not work.",
                "Cooperation needs respect.\u{201D}",
            ],
        );
        assert_eq!(attrs[1].group, Group::Beijing, "{:?}", attrs[1]);
    }

    #[test]
    fn cue_words_inside_quotes_are_not_attributions() {
        let topic = topic();
        let (_, attrs) = run(
            &topic,
            "2025-03-07",
            &["\"Nobody said this would be easy,\" the ambassador told the forum."],
        );
        assert_eq!(attrs[0].cue.map(|c| c.end - c.start), Some("told".len()));
    }

    #[test]
    fn spans_lie_within_their_sentence() {
        let topic = topic();
        for case in CASES {
            let (text, attrs) = run(&topic, "2024-01-30", case.sents);
            for a in &attrs {
                for sp in [a.source, a.cue, a.content].into_iter().flatten() {
                    assert!(sp.start <= sp.end && sp.end <= text.len());
                    assert!(text.is_char_boundary(sp.start) && text.is_char_boundary(sp.end));
                }
            }
        }
    }
}
