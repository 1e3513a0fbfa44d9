//! The output schema, v1.1: one JSON object per sentence, written as JSON Lines.
//!
//! Every offset is a **byte** offset into the article's `text` as it was read, so
//! `article.text[start..end] == text` holds for the sentence and for each span.
//!
//! A sample line (wrapped here for reading; on the wire it is one line):
//!
//! ```json
//! {"schema":"stanceline/v1.1","doc_id":"2025-04-16-fentanyl-offer","date":"2025-04-16",
//!  "sent_index":3,"start":412,"end":520,
//!  "text":"China's Ministry of Commerce indicated it was reviewing the requests.",
//!  "speaker":{"group":"beijing","text":"China's Ministry of Commerce","start":412,"end":440,
//!             "resolved":null,"actor":"China's Ministry of Commerce"},
//!  "cue":{"text":"indicated","start":441,"end":450},
//!  "content":{"start":451,"end":519},
//!  "also":[],"claim_id":null,
//!  "stance":"neutral","hedged":false,"confidence":0.55,
//!  "evidence":[{"rule":"cue","text":"indicated"},{"rule":"default.neutral","text":""}]}
//! ```
//!
//! Fields:
//! - `schema`: `"stanceline/v1.1"` for this version. v1.1 only added `claim_id` to v1;
//!   later versions only add fields, so readers of v1 read v1.1.
//! - `doc_id`, `date` (at the precision of the input), `sent_index` (0-based, in text order).
//! - `start`, `end`, `text`: the sentence.
//! - `speaker`: `group` is one of `us_admin`, `beijing`, `experts`, `other`, `none`;
//!   `text`/`start`/`end` locate the source words in this sentence (all `null` for `none`
//!   and for speakers carried over from an earlier sentence, such as a quote's continuation);
//!   `resolved` names the earlier mention a pronoun or short reference was resolved to;
//!   `actor` is the canonical name from the topic file, when one matched.
//! - `cue`: the reporting cue (`said`, `according to`, …) or `null`.
//! - `content`: the reported content span, or `null`.
//! - `also`: other groups that state a position in the same sentence.
//! - `claim_id` (v1.1): when a claim runs over several sentences (a quote that goes on
//!   after its cue, or starts sentences before it; the items of a list under an attributed
//!   introduction), every sentence of it carries the `sent_index` of the sentence that holds
//!   the cue, so all of them are tied to one speaker. `null` when the sentence is a claim on
//!   its own, or narration.
//! - `stance`: `support`, `conditional`, `oppose` or `neutral`, toward US–China cooperation.
//! - `hedged`: a hedge ("reportedly", "could", "is considering") softens the position.
//! - `confidence`: 0–1, how sure the stance model is of the label.
//! - `evidence`: the cues and rules that fired, in the order they were applied.

use serde::{Deserialize, Serialize};

use crate::corpus::PartialDate;

/// The schema tag written into every record.
pub const SCHEMA: &str = "stanceline/v1.1";

/// Actor groups, the speaker labels of the annotation guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// The US executive branch.
    UsAdmin,
    /// The PRC government.
    Beijing,
    /// Analysts, scholars, think tanks, former officials speaking as analysts.
    Experts,
    /// Any other identifiable source.
    Other,
    /// Narration: no holder of a position.
    None,
}

impl Group {
    /// All groups in report order.
    pub const ALL: [Group; 5] = [
        Group::UsAdmin,
        Group::Beijing,
        Group::Experts,
        Group::Other,
        Group::None,
    ];

    /// The label as written in JSON and topic files.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::UsAdmin => "us_admin",
            Group::Beijing => "beijing",
            Group::Experts => "experts",
            Group::Other => "other",
            Group::None => "none",
        }
    }

    /// Parses a label as written in JSON and topic files.
    pub fn parse(s: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// Stance toward US–China cooperation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Offers, agrees to, engages in, praises or seeks cooperation.
    Support,
    /// Open to cooperation only on a precondition or in exchange.
    Conditional,
    /// Rejects or resists cooperation; confrontational posture.
    Oppose,
    /// A fact, assessment or plan with no posture toward cooperation.
    Neutral,
}

impl Label {
    /// All labels in report order.
    pub const ALL: [Label; 4] = [
        Label::Support,
        Label::Conditional,
        Label::Oppose,
        Label::Neutral,
    ];

    /// The label as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Support => "support",
            Label::Conditional => "conditional",
            Label::Oppose => "oppose",
            Label::Neutral => "neutral",
        }
    }

    /// Parses a label as written in JSON.
    pub fn parse(s: &str) -> Option<Label> {
        Label::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// A span with its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSpan {
    /// The words, exactly `article.text[start..end]`.
    pub text: String,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

/// A span without its text (content spans can be long).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

/// Who holds the sentence's position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Speaker {
    /// The actor group.
    pub group: Group,
    /// The source words in this sentence, if any.
    pub text: Option<String>,
    /// Byte offset of the source words.
    pub start: Option<usize>,
    /// Byte offset one past the source words.
    pub end: Option<usize>,
    /// The earlier mention a pronoun or short reference was resolved to.
    pub resolved: Option<String>,
    /// Canonical actor name from the topic file, when one matched.
    pub actor: Option<String>,
}

/// One piece of evidence behind a stance or attribution decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The rule that fired (`cue`, `lexicon.oppose`, `negation`, `precondition`, `hedge`, …).
    pub rule: String,
    /// The words that triggered it.
    pub text: String,
}

/// One output line: a sentence with its attribution and stance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentenceRecord {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The article's identifier.
    pub doc_id: String,
    /// The article's date, at its own precision.
    pub date: PartialDate,
    /// 0-based index of the sentence in the article.
    pub sent_index: usize,
    /// Byte offset of the sentence in the article text.
    pub start: usize,
    /// Byte offset one past the sentence.
    pub end: usize,
    /// The sentence, exactly `article.text[start..end]`.
    pub text: String,
    /// Who holds the position.
    pub speaker: Speaker,
    /// The reporting cue, if any.
    pub cue: Option<TextSpan>,
    /// The reported content, if any.
    pub content: Option<Span>,
    /// Other groups that state a position in the same sentence.
    #[serde(default)]
    pub also: Vec<Group>,
    /// The `sent_index` of the cue sentence of a claim that spans several sentences, on
    /// every sentence of it; `None` for a one-sentence claim or narration (added in v1.1).
    #[serde(default)]
    pub claim_id: Option<usize>,
    /// Stance toward cooperation.
    pub stance: Label,
    /// Whether a hedge softens the position.
    pub hedged: bool,
    /// Confidence in the stance label, 0–1.
    pub confidence: f64,
    /// The cues and rules that fired.
    pub evidence: Vec<Evidence>,
}
