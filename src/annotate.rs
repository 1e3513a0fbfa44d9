//! The whole per-article chain: segment → attribute → stance → record.
//!
//! [`Annotator`] is immutable and `Sync`: annotation is a pure map from an article to its
//! records, so callers can run it over articles in parallel and keep input order.

use crate::attribute;
use crate::corpus::Article;
use crate::record::{Evidence, Label, SentenceRecord, Speaker, TextSpan, SCHEMA};
use crate::segment;
use crate::stance::{self, head};
use crate::topic::Topic;

/// Which stance model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StanceModel {
    /// Lexicon rules from the topic file.
    #[default]
    Rules,
}

/// Annotates articles with a compiled topic.
#[derive(Debug, Clone)]
pub struct Annotator {
    topic: Topic,
    model: StanceModel,
}

impl Annotator {
    /// An annotator for `topic` using `model` for stance.
    pub fn new(topic: Topic, model: StanceModel) -> Self {
        Annotator { topic, model }
    }

    /// The topic in use.
    pub fn topic(&self) -> &Topic {
        &self.topic
    }

    /// Annotates one article: one record per sentence, in text order.
    pub fn annotate(&self, article: &Article) -> Vec<SentenceRecord> {
        self.annotate_detailed(article)
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    }

    /// Like [`Annotator::annotate`], with each sentence's rule features for a trained head
    /// (see [`crate::stance::head::rule_features`]).
    pub fn annotate_detailed(&self, article: &Article) -> Vec<(SentenceRecord, Vec<f32>)> {
        let text = article.text.as_str();
        let sentences = segment::split(text);
        let attrs = attribute::attribute(&self.topic, text, &article.date, &sentences);
        let mut stances: Vec<stance::Stance> = sentences
            .iter()
            .zip(&attrs)
            .map(|(s, a)| match self.model {
                StanceModel::Rules => stance::rules(&self.topic, &text[s.start..s.end], a),
            })
            .collect();
        // A quote's continuation or a list item with no stance terms of its own carries the
        // stance of the sentence it continues ("… these steps:" / "- a class-wide ban;").
        for i in 0..stances.len() {
            if let Some(j) = attrs[i].carried_from.filter(|&j| j < i) {
                if stances[i].label == Label::Neutral && !stances[i].has_votes() {
                    let from = stances[j].clone();
                    let st = &mut stances[i];
                    st.label = from.label;
                    st.confidence = (from.confidence * 0.8 * 1000.0).round() / 1000.0;
                    st.evidence.push(Evidence {
                        rule: "stance.carried".into(),
                        text: String::new(),
                    });
                }
            }
        }
        let claims = claim_ids(&attrs);
        sentences
            .iter()
            .zip(attrs)
            .zip(stances)
            .enumerate()
            .map(|(i, ((s, a), st))| {
                let sent = &text[s.start..s.end];
                let features = head::rule_features(a.group, &st);
                let mut evidence: Vec<Evidence> = a.evidence.clone();
                evidence.extend(st.evidence);
                let record = SentenceRecord {
                    schema: SCHEMA.to_string(),
                    doc_id: article.doc_id.clone(),
                    date: article.date,
                    sent_index: i,
                    start: s.start,
                    end: s.end,
                    text: sent.to_string(),
                    speaker: Speaker {
                        group: a.group,
                        text: a.source.map(|sp| text[sp.start..sp.end].to_string()),
                        start: a.source.map(|sp| sp.start),
                        end: a.source.map(|sp| sp.end),
                        resolved: a.resolved,
                        actor: a.actor,
                    },
                    cue: a.cue.map(|sp| TextSpan {
                        text: text[sp.start..sp.end].to_string(),
                        start: sp.start,
                        end: sp.end,
                    }),
                    content: a.content,
                    also: a.also,
                    claim_id: claims[i],
                    stance: st.label,
                    hedged: st.hedged,
                    confidence: (st.confidence * 1000.0).round() / 1000.0,
                    evidence,
                };
                (record, features)
            })
            .collect()
    }
}

/// Links the sentences of a claim that spans sentences: each sentence that carries another
/// sentence's speaker (a quote's continuation before or after its cue, a list item under its
/// introduction) and that sentence itself get the cue sentence's index.
pub fn claim_ids(attrs: &[attribute::Attribution]) -> Vec<Option<usize>> {
    let mut out = vec![None; attrs.len()];
    for (i, a) in attrs.iter().enumerate() {
        if let Some(j) = a.carried_from.filter(|&j| j != i && j < attrs.len()) {
            // The cue sentence may itself carry from an earlier one (a quote that runs on
            // after a list); follow the chain to its root.
            let mut root = j;
            let mut hops = 0;
            while let Some(k) = attrs[root].carried_from.filter(|&k| k != root) {
                root = k;
                hops += 1;
                if hops > attrs.len() {
                    break;
                }
            }
            out[i] = Some(root);
            out[root] = Some(root);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Group;

    fn annotate(text: &str) -> Vec<SentenceRecord> {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::topic::DEFAULT_TOPIC_PATH);
        let topic = Topic::load(&path).expect("the shipped topic file loads");
        let article = Article {
            doc_id: "t".into(),
            date: "2025-04-01".parse().expect("a valid date"),
            title: None,
            source: None,
            url: None,
            text: text.into(),
        };
        Annotator::new(topic, StanceModel::Rules).annotate(&article)
    }

    #[test]
    fn a_quote_over_several_sentences_is_one_claim_with_the_cue_in_its_last_sentence() {
        // Own sentences: the quote opens in sentence 1 and its cue comes only in sentence 2.
        let recs = annotate(
            "Trade talks stalled again this week. \u{201C}We will not return to the table. \
             The talks are over,\u{201D} the Chinese commerce minister said on Tuesday. \
             Markets fell.",
        );
        assert_eq!(recs.len(), 4);
        let claims: Vec<Option<usize>> = recs.iter().map(|r| r.claim_id).collect();
        assert_eq!(claims, [None, Some(2), Some(2), None]);
        assert_eq!(recs[2].cue.as_ref().map(|c| c.text.as_str()), Some("said"));
        // The sentence before the cue gets the speaker too.
        assert_eq!(recs[1].speaker.group, Group::Beijing);
        assert_eq!(recs[2].speaker.group, Group::Beijing);
        assert_eq!(recs[0].speaker.group, Group::None);
    }

    #[test]
    fn a_quote_that_runs_on_after_its_cue_shares_the_claim() {
        let recs = annotate(
            "The ministry said: \u{201C}Our position is firm. We expect the tariffs to go.\u{201D} \
             Shares rose.",
        );
        let claims: Vec<Option<usize>> = recs.iter().map(|r| r.claim_id).collect();
        assert_eq!(claims[..2], [Some(0), Some(0)]);
        assert_eq!(*claims.last().unwrap(), None);
    }

    #[test]
    fn one_sentence_claims_and_narration_have_no_claim_id() {
        let recs = annotate("Officials in Beijing said the talks would resume. Prices rose.");
        assert!(recs.iter().all(|r| r.claim_id.is_none()));
    }
}
