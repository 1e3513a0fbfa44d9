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
