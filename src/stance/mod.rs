//! Stance toward US–China cooperation, by lexicon rules from the topic file.
//!
//! Each stance term in the sentence casts a vote; a negator just before a cooperative term
//! ("did not agree to cooperate", "refused to resume talks") turns its vote into
//! opposition; a precondition marker ("only if", "as a precondition", "in exchange for")
//! makes the sentence conditional; a hedge sets `hedged`. Narration (speaker `none`) is
//! neutral, as the annotation guide asks. Every vote is kept as evidence.

pub mod head;

use crate::attribute::Attribution;
use crate::record::{Evidence, Group, Label};
use crate::topic::{Term, Topic};

/// The stance of one sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Stance {
    /// The label.
    pub label: Label,
    /// Whether a hedge softens the position.
    pub hedged: bool,
    /// Confidence in the label, 0–1.
    pub confidence: f64,
    /// The terms and rules that fired.
    pub evidence: Vec<Evidence>,
    /// Weighted votes for support, oppose and conditional, as counted by the rules.
    pub votes: [u32; 3],
}

/// Votes a label needs (measured on dev: requiring two lost more than it gained).
const MIN_VOTES: u32 = 1;

/// How far (in bytes) a relief verb reaches forward to its measure: about six words.
const RELIEF_REACH: usize = 48;

/// How far back (in bytes) a negator reaches: about four short words.
const NEGATION_REACH: usize = 24;

/// Tags the stance of sentence `sent`, whose attribution is `attr`.
pub fn rules(topic: &Topic, sent: &str, attr: &Attribution) -> Stance {
    let hits = topic.terms.find(sent);
    let mut evidence = Vec::new();
    let (mut support, mut oppose, mut cond) = (0u32, 0u32, 0u32);
    let mut hedged = false;
    let negators: Vec<(usize, usize)> = hits
        .iter()
        .filter(|h| h.payloads.iter().any(|w| w.term == Term::Negation))
        .map(|h| (h.start, h.end))
        .collect();
    let negated = |start: usize| {
        negators.iter().any(|&(ns, ne)| {
            ne <= start
                && start - ne <= NEGATION_REACH
                && !sent[ne..start].contains([',', ';', '.'])
                || ns == start
        })
    };
    // Relief of a punitive measure: a relief verb and a measure within a few words after it,
    // in the same clause ("lifts farm-goods tariffs", "cut the fentanyl tariff to 10%").
    let has = |h: &crate::topic::Hit<'_, crate::topic::Weighted>, t: Term| {
        h.payloads.iter().any(|w| w.term == t)
    };
    let mut relieved = vec![false; hits.len()];
    let mut relieving = vec![false; hits.len()];
    for (i, h) in hits.iter().enumerate() {
        if !has(h, Term::Relief) {
            continue;
        }
        for (j, o) in hits.iter().enumerate().skip(i + 1) {
            let gap = &sent[h.end..o.start];
            if gap.len() > RELIEF_REACH || gap.contains([',', ';', '.']) {
                break;
            }
            if has(o, Term::Punitive) {
                relieved[j] = true;
                relieving[i] = true;
                break;
            }
        }
    }
    // Cooperation as the object of an opposing verb ("halts drug cooperation", "undermined
    // the basis for that work"): the verb's vote stands, the object's does not.
    let mut damaged = vec![false; hits.len()];
    for (i, h) in hits.iter().enumerate() {
        if !has(h, Term::Oppose) || relieving[i] {
            continue;
        }
        for (j, o) in hits.iter().enumerate().skip(i + 1) {
            let gap = &sent[h.end..o.start];
            if gap.len() > RELIEF_REACH || gap.contains([',', ';', '.']) || gap.contains(" but ") {
                break;
            }
            if has(o, Term::Support) && !has(o, Term::Oppose) {
                damaged[j] = true;
            }
        }
    }
    for (i, h) in hits.iter().enumerate() {
        let words = &sent[h.start..h.end];
        if relieving[i] {
            support += 2;
            evidence.push(Evidence {
                rule: "relief".into(),
                text: words.to_string(),
            });
            continue;
        }
        let e = |rule: &str| Evidence {
            rule: rule.to_string(),
            text: words.to_string(),
        };
        for w in h.payloads {
            if w.group.is_some_and(|g| g != attr.group) {
                continue;
            }
            let weight = u32::from(w.weight);
            match w.term {
                Term::Support if negated(h.start) => {
                    oppose += weight;
                    evidence.push(e("negation"));
                }
                Term::Support if damaged[i] => {
                    evidence.push(e("object_of_opposition"));
                }
                Term::Support => {
                    support += weight;
                    evidence.push(e("lexicon.support"));
                }
                Term::Oppose if negated(h.start) => {
                    evidence.push(e("negation.cancels_oppose"));
                }
                Term::Oppose => {
                    oppose += weight;
                    evidence.push(e("lexicon.oppose"));
                }
                Term::Conditional => {
                    cond += weight;
                    evidence.push(e("precondition"));
                }
                Term::Hedge => {
                    hedged = true;
                    evidence.push(e("hedge"));
                }
                Term::Punitive if relieved[i] => {}
                Term::Punitive if negated(h.start) => {
                    evidence.push(e("negation.cancels_oppose"));
                }
                Term::Punitive => {
                    oppose += weight;
                    evidence.push(e("lexicon.punitive"));
                }
                Term::Negation | Term::Ignore | Term::Relief => {}
            }
        }
    }
    if attr.group == Group::None {
        evidence.push(Evidence {
            rule: "narration.neutral".into(),
            text: String::new(),
        });
        return Stance {
            label: Label::Neutral,
            hedged,
            confidence: 0.7,
            evidence,
            votes: [support, oppose, cond],
        };
    }
    // Some speakers take a stance on cooperation only where the sentence names its target.
    if topic.target_required.contains(&attr.group) && topic.targets.find(sent).is_empty() {
        evidence.push(Evidence {
            rule: "target.absent".into(),
            text: String::new(),
        });
        return Stance {
            label: Label::Neutral,
            hedged,
            confidence: 0.6,
            evidence,
            votes: [support, oppose, cond],
        };
    }
    // A strong precondition ("only if", "in exchange for") makes the stance conditional; a
    // weak one ("if") only beside another stance term. (Requiring an offer beside a weak
    // one, to read "countermeasures if tariffs are imposed" as a threat, lost more than it
    // gained on dev.)
    let (label, confidence) = if cond >= 2 || (cond > 0 && support + oppose > 0) {
        (Label::Conditional, (0.55 + 0.1 * cond as f64).min(0.9))
    } else if support > oppose && support >= MIN_VOTES {
        (Label::Support, margin_confidence(support - oppose))
    } else if oppose > support && oppose >= MIN_VOTES {
        (Label::Oppose, margin_confidence(oppose - support))
    } else if support > 0 && support == oppose {
        (Label::Oppose, 0.4)
    } else {
        (Label::Neutral, 0.6)
    };
    // Analysts' assessments are neutral unless they urge or reject cooperation outright
    // (annotation guide, section 4).
    let urges = URGING.iter().any(|u| contains_word(sent, u));
    let (label, confidence) = if attr.group == Group::Experts && label != Label::Neutral && !urges {
        evidence.push(Evidence {
            rule: "experts.assessment".into(),
            text: String::new(),
        });
        (Label::Neutral, 0.5)
    } else {
        (label, confidence)
    };
    evidence.push(Evidence {
        rule: format!("decision.{}", label.as_str()),
        text: format!("support={support} oppose={oppose} conditional={cond}"),
    });
    Stance {
        label,
        hedged,
        confidence,
        evidence,
        votes: [support, oppose, cond],
    }
}

/// Words with which an analyst urges a course of action rather than assessing one.
const URGING: &[&str] = &[
    "should",
    "must",
    "need to",
    "needs to",
    "has to",
    "have to",
    "ought",
    "urged",
    "urge",
    "urges",
    "called for",
    "calls for",
    "worth",
    "wall off",
    "better off",
    "keep the",
    "would reward",
    "don't pay",
    "don\u{2019}t pay",
    "gave up",
    "mistake",
];

/// Case-insensitive whole-word search for a short ASCII phrase.
fn contains_word(text: &str, word: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.match_indices(word).any(|(i, _)| {
        let before = lower[..i].chars().next_back();
        let after = lower[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

impl Stance {
    /// Whether any support, oppose or precondition term voted.
    pub fn has_votes(&self) -> bool {
        self.evidence.iter().any(|e| {
            e.rule.starts_with("lexicon.")
                || e.rule == "negation"
                || e.rule == "precondition"
                || e.rule == "relief"
        })
    }
}

fn margin_confidence(margin: u32) -> f64 {
    (0.5 + 0.12 * margin as f64).min(0.95)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn topic() -> Topic {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::topic::DEFAULT_TOPIC_PATH);
        Topic::load(&path).unwrap()
    }

    fn attr(group: Group) -> Attribution {
        Attribution {
            group,
            ..Attribution::narration()
        }
    }

    /// (rule under test, speaker group, sentence, expected label, expected hedged)
    const CASES: &[(&str, Group, &str, Label, bool)] = &[
        ("support: agreement", Group::Beijing, "China agreed to joint law enforcement operations with American agencies.", Label::Support, false),
        ("support: praise", Group::UsAdmin, "The president praised Beijing for the humanitarian gesture.", Label::Support, false),
        ("support: engagement", Group::Beijing, "The minister held video discussions with the drug control office and noted real progress.", Label::Support, false),
        ("oppose: accusation", Group::UsAdmin, "Trump accused China of doing nothing to stop the drug.", Label::Oppose, false),
        ("oppose: retaliation", Group::Beijing, "Beijing retaliated with duties of its own on American farm goods.", Label::Oppose, false),
        ("oppose: resisting blackmail", Group::Beijing, "The ministry vowed to resist what it called blackmail.", Label::Oppose, false),
        ("negation: did not agree to cooperate", Group::Beijing, "China did not agree to cooperate on the new cases.", Label::Oppose, false),
        ("negation: refused to resume", Group::Beijing, "Beijing refused to resume the dialogue.", Label::Oppose, false),
        ("precondition: prior to", Group::Beijing, "Beijing wants the tariffs removed prior to any formal talks.", Label::Conditional, false),
        ("precondition: requires as a precondition", Group::Beijing, "The ministry said talks require American sincerity as a precondition.", Label::Conditional, false),
        ("precondition: only if", Group::UsAdmin, "The tariff will come down only if the shipments stop.", Label::Conditional, false),
        ("precondition: in exchange for", Group::UsAdmin, "Washington offered to halve the levy in exchange for tighter export checks.", Label::Conditional, false),
        ("precondition: as long as", Group::Beijing, "China will keep working with the United States as long as it is treated as an equal.", Label::Conditional, false),
        ("hedge: reportedly considering", Group::Beijing, "China is reportedly considering an offer to expand cooperation on fentanyl.", Label::Support, true),
        ("hedge: potentially", Group::Beijing, "A senior minister could potentially visit Washington to help the talks.", Label::Support, true),
        ("hedge: could", Group::UsAdmin, "The new licensing rules could ease the friction, an official said.", Label::Support, true),
        ("neutral: assessment", Group::UsAdmin, "Enforcement remains hard because producers change formulas quickly.", Label::Neutral, false),
        ("narration is neutral", Group::None, "Trade between the two countries fell in the first quarter amid new tariffs.", Label::Neutral, false),
        ("experts: feasibility is neutral", Group::Experts, "Analysts said Beijing has the means to regulate the trade.", Label::Neutral, false),
    ];

    #[test]
    fn stance_rules() {
        let topic = topic();
        for &(rule, group, sent, label, hedged) in CASES {
            let st = rules(&topic, sent, &attr(group));
            assert_eq!(st.label, label, "{rule}: {sent} → {:?}", st.evidence);
            assert_eq!(st.hedged, hedged, "{rule}: hedged");
            assert!((0.0..=1.0).contains(&st.confidence), "{rule}: confidence");
            assert!(!st.evidence.is_empty(), "{rule}: evidence");
        }
    }
}
