//! The topic file: actors, roles, office holders, reporting cues and stance lexicons,
//! loaded at run time from TOML and compiled into matchers.
//!
//! Nothing about US–China cooperation is hard-coded elsewhere: another issue needs another
//! topic file and no code changes. See `models/topics/us-china.toml` for a commented
//! example of every key.

mod phrases;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use phrases::{is_word, Hit, PhraseSet};

use crate::corpus::PartialDate;
use crate::record::Group;
use crate::{Error, Result};

/// The topic file as written, before compilation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TopicFile {
    /// Short name of the topic.
    pub name: String,
    /// One line on what the topic covers.
    #[serde(default)]
    pub description: String,
    /// Actor groups, keyed by group label (`us_admin`, `beijing`, `experts`, `other`).
    pub groups: BTreeMap<String, GroupSpec>,
    /// Role nouns ("minister", "ministry", "spokesman").
    #[serde(default)]
    pub roles: Vec<RoleSpec>,
    /// Office holders by date.
    #[serde(default)]
    pub leaders: Vec<LeaderSpec>,
    /// Reporting cues.
    pub cues: CueSpec,
    /// Stance lexicons.
    pub stance: StanceSpec,
}

/// One actor group's vocabulary.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// Words that stand for the group on their own.
    #[serde(default)]
    pub names: Vec<String>,
    /// Full names of people speaking for the group; surnames match too.
    #[serde(default)]
    pub people: Vec<String>,
    /// Nationality words that give a following role noun this group.
    #[serde(default)]
    pub modifiers: Vec<String>,
}

/// A role noun and how it resolves.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    /// The role's words ("minister", "foreign minister").
    pub words: Vec<String>,
    /// Whether "he"/"she" can refer to a holder of this role.
    #[serde(default)]
    pub person: bool,
    /// Group when nothing earlier resolves it; empty for none.
    #[serde(default)]
    pub default: String,
}

/// An office holder with dates, so that "the president" resolves by the article's date.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LeaderSpec {
    /// One of the role words ("president").
    pub role: String,
    /// The holder's group.
    pub group: String,
    /// The holder's name.
    pub name: String,
    /// First day in office (`YYYY-MM-DD`).
    pub from: String,
    /// Day the office passed on (`YYYY-MM-DD`), exclusive.
    pub to: String,
}

/// Reporting-cue lexicons.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CueSpec {
    /// Verbs that follow (or precede) their source: "said", "accused".
    pub verbs: Vec<String>,
    /// Cues that put the source after them: "according to".
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// Hedged, impersonal attributions: "reportedly", "people familiar with".
    #[serde(default)]
    pub impersonal: Vec<String>,
    /// Verbs whose meaning carries the speaker's own evaluation.
    #[serde(default)]
    pub evaluative: Vec<String>,
    /// Verbs of action that make a reported clause's actor the position holder.
    #[serde(default)]
    pub actions: Vec<String>,
    /// Adjectives of attitude: "officials have been guarded" states a position.
    #[serde(default)]
    pub attitudes: Vec<String>,
}

/// Stance lexicons.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StanceSpec {
    /// Terms of cooperation, offers, praise, conciliatory moves.
    pub support: Vec<String>,
    /// Terms of rejection, blame, punishment, retaliation.
    pub oppose: Vec<String>,
    /// Precondition markers.
    pub conditional: Vec<String>,
    /// Negators that flip a following support term.
    #[serde(default)]
    pub negation: Vec<String>,
    /// Hedges.
    #[serde(default)]
    pub hedges: Vec<String>,
    /// Verbs of relief ("lift", "cut", "suspend"): before a punitive measure they make a
    /// conciliatory move ("China lifts farm-goods tariffs").
    #[serde(default)]
    pub relief: Vec<String>,
    /// Punitive measures ("tariff", "sanctions", "Entity List"): on their own they vote for
    /// opposition; after a relief verb, for support.
    #[serde(default)]
    pub punitive: Vec<String>,
    /// Phrases that look like stance terms but are not ("on condition of anonymity",
    /// "National Narcotics Control Commission"): they are matched and cast no vote.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Words that name the stance's target ("China", "cooperation"): speakers of the groups
    /// in `target_required_for` take a stance only in sentences that name it, so that
    /// Mexico's tariffs on the United States are not read as a view on US–China ties.
    #[serde(default)]
    pub targets: Vec<String>,
    /// Groups that need a target word to take a stance.
    #[serde(default)]
    pub target_required_for: Vec<String>,
    /// Extra terms that count only for one speaker group: a Chinese arrest of traffickers is
    /// cooperation, an American one is punishment.
    #[serde(default)]
    pub by_group: BTreeMap<String, GroupTerms>,
}

/// Stance terms for one speaker group.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GroupTerms {
    /// Extra support terms.
    #[serde(default)]
    pub support: Vec<String>,
    /// Extra oppose terms.
    #[serde(default)]
    pub oppose: Vec<String>,
}

/// What an actor phrase in the text means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mention {
    /// A name that stands for a group ("the White House", "Beijing").
    Name {
        /// The group.
        group: Group,
        /// The name as written in the topic file.
        canonical: String,
    },
    /// A person's full name or surname.
    Person {
        /// The group.
        group: Group,
        /// The full name from the topic file.
        canonical: String,
    },
    /// A nationality modifier ("Chinese", "U.S.").
    Modifier {
        /// The group it lends.
        group: Group,
    },
    /// A role noun; the index points into [`Topic::roles`].
    Role(usize),
    /// A pronoun that refers back.
    Pronoun {
        /// "he"/"she": refers to a person.
        person: bool,
    },
}

/// Kinds of reporting cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueKind {
    /// Source then verb, or verb then source after a quote.
    Verb,
    /// Source follows the cue ("according to").
    Prefix,
    /// Hedged, impersonal attribution.
    Impersonal,
}

/// Kinds of stance term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    /// Votes for `support`.
    Support,
    /// Votes for `oppose`.
    Oppose,
    /// Marks a precondition.
    Conditional,
    /// Negates a following term.
    Negation,
    /// Softens the position.
    Hedge,
    /// Matches a phrase so that the terms inside it cast no vote.
    Ignore,
    /// A verb of relief.
    Relief,
    /// A punitive measure.
    Punitive,
}

/// A stance term with its vote weight (`"accused^2"` in the topic file votes twice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weighted {
    /// The kind of term.
    pub term: Term,
    /// How many votes it casts.
    pub weight: u8,
    /// The only speaker group it counts for, if any.
    pub group: Option<Group>,
}

/// A compiled role.
#[derive(Debug, Clone)]
pub struct Role {
    /// The first word, as a label.
    pub label: String,
    /// Whether "he"/"she" can refer to it.
    pub person: bool,
    /// Fallback group.
    pub default: Option<Group>,
}

/// A compiled office holder.
#[derive(Debug, Clone)]
pub struct Leader {
    /// Index into [`Topic::roles`].
    pub role: usize,
    /// The holder's group.
    pub group: Group,
    /// The holder's name.
    pub name: String,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
}

impl Leader {
    /// Whether the holder was in office on `date` (its first day, for partial dates).
    pub fn holds_on(&self, date: &PartialDate) -> bool {
        let day = date.first_day();
        self.from <= day && day < self.to
    }
}

/// A compiled topic: everything the attribution and stance stages look up.
#[derive(Debug, Clone)]
pub struct Topic {
    /// The topic's name.
    pub name: String,
    /// Actor phrases.
    pub mentions: PhraseSet<Mention>,
    /// Reporting cues.
    pub cues: PhraseSet<CueKind>,
    /// Evaluative cue verbs.
    pub evaluative: PhraseSet<()>,
    /// Action verbs for reported clauses.
    pub actions: PhraseSet<()>,
    /// Attitude adjectives.
    pub attitudes: PhraseSet<()>,
    /// Stance terms with their weights.
    pub terms: PhraseSet<Weighted>,
    /// Words naming the stance target.
    pub targets: PhraseSet<()>,
    /// Groups that need a target word to take a stance.
    pub target_required: Vec<Group>,
    /// Roles, indexed by [`Mention::Role`].
    pub roles: Vec<Role>,
    /// Office holders.
    pub leaders: Vec<Leader>,
}

/// The topic file shipped with stanceline, used when `--topic` is not given.
pub const DEFAULT_TOPIC_PATH: &str = "models/topics/us-china.toml";

const PRONOUNS: &[(&str, bool)] = &[
    ("he", true),
    ("she", true),
    ("He", true),
    ("She", true),
    ("they", false),
    ("They", false),
    ("it", false),
    ("It", false),
];

impl Topic {
    /// Reads and compiles a topic file.
    pub fn load(path: &Path) -> Result<Topic> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Topic {
            path: path.to_path_buf(),
            reason: format!("cannot read: {e}"),
        })?;
        Topic::from_toml(&text).map_err(|reason| Error::Topic {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Compiles a topic from TOML text; the error names the offending key.
    pub fn from_toml(text: &str) -> std::result::Result<Topic, String> {
        let file: TopicFile = toml::from_str(text).map_err(|e| e.to_string())?;
        Topic::compile(&file)
    }

    /// Compiles a parsed topic file.
    pub fn compile(file: &TopicFile) -> std::result::Result<Topic, String> {
        if file.name.trim().is_empty() {
            return Err("key `name` must not be empty".into());
        }
        let mut mentions: Vec<(String, Mention)> = Vec::new();
        for (key, spec) in &file.groups {
            let group = match Group::parse(key) {
                Some(Group::None) | None => {
                    return Err(format!(
                        "key `groups.{key}`: unknown group (expected us_admin, beijing, experts or other)"
                    ))
                }
                Some(g) => g,
            };
            for name in &spec.names {
                let m = Mention::Name {
                    group,
                    canonical: name.clone(),
                };
                mentions.push((name.clone(), m));
            }
            for person in &spec.people {
                let m = Mention::Person {
                    group,
                    canonical: person.clone(),
                };
                mentions.push((person.clone(), m.clone()));
                // Chinese names put the family name first; the rest last.
                let words: Vec<&str> = person.split_whitespace().collect();
                let surname = if group == Group::Beijing {
                    words.first()
                } else {
                    words.last()
                };
                if let Some(s) = surname {
                    // "He Lifeng" must not turn every "He said" into the vice premier.
                    let common = ["He", "She", "It", "We", "An", "So", "Do", "No", "Ma"];
                    if words.len() > 1 && !common.contains(s) {
                        mentions.push((s.to_string(), m));
                    }
                }
            }
            for modifier in &spec.modifiers {
                mentions.push((modifier.clone(), Mention::Modifier { group }));
            }
        }
        let mut roles = Vec::new();
        for (i, spec) in file.roles.iter().enumerate() {
            let Some(label) = spec.words.first() else {
                return Err(format!("key `roles[{i}].words` must not be empty"));
            };
            let default = match spec.default.as_str() {
                "" => None,
                s => Some(
                    Group::parse(s)
                        .ok_or_else(|| format!("key `roles[{i}].default`: unknown group {s:?}"))?,
                ),
            };
            roles.push(Role {
                label: label.clone(),
                person: spec.person,
                default,
            });
            for w in &spec.words {
                mentions.push((w.clone(), Mention::Role(i)));
            }
        }
        for (p, person) in PRONOUNS {
            mentions.push((p.to_string(), Mention::Pronoun { person: *person }));
        }
        let mut leaders = Vec::new();
        for (i, l) in file.leaders.iter().enumerate() {
            let role = file
                .roles
                .iter()
                .position(|r| r.words.iter().any(|w| w == &l.role))
                .ok_or_else(|| {
                    format!("key `leaders[{i}].role`: {:?} is not a role word", l.role)
                })?;
            let group = Group::parse(&l.group)
                .ok_or_else(|| format!("key `leaders[{i}].group`: unknown group {:?}", l.group))?;
            let date = |key: &str, s: &str| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|e| format!("key `leaders[{i}].{key}`: {s:?}: {e}"))
            };
            leaders.push(Leader {
                role,
                group,
                name: l.name.clone(),
                from: date("from", &l.from)?,
                to: date("to", &l.to)?,
            });
        }
        if file.cues.verbs.is_empty() {
            return Err("key `cues.verbs` must not be empty".into());
        }
        let cues = PhraseSet::new(
            file.cues
                .verbs
                .iter()
                .map(|v| (v.as_str(), CueKind::Verb))
                .chain(
                    file.cues
                        .prefixes
                        .iter()
                        .map(|v| (v.as_str(), CueKind::Prefix)),
                )
                .chain(
                    file.cues
                        .impersonal
                        .iter()
                        .map(|v| (v.as_str(), CueKind::Impersonal)),
                ),
        );
        let s = &file.stance;
        let mut entries: Vec<(String, Weighted)> = Vec::new();
        let mut lists: Vec<(String, &Vec<String>, Term, Option<Group>)> = vec![
            ("stance.support".into(), &s.support, Term::Support, None),
            ("stance.oppose".into(), &s.oppose, Term::Oppose, None),
            (
                "stance.conditional".into(),
                &s.conditional,
                Term::Conditional,
                None,
            ),
            ("stance.negation".into(), &s.negation, Term::Negation, None),
            ("stance.hedges".into(), &s.hedges, Term::Hedge, None),
            ("stance.ignore".into(), &s.ignore, Term::Ignore, None),
            ("stance.relief".into(), &s.relief, Term::Relief, None),
            ("stance.punitive".into(), &s.punitive, Term::Punitive, None),
        ];
        for (key, terms) in &s.by_group {
            let g = Group::parse(key)
                .ok_or_else(|| format!("key `stance.by_group.{key}`: unknown group"))?;
            lists.push((
                format!("stance.by_group.{key}.support"),
                &terms.support,
                Term::Support,
                Some(g),
            ));
            lists.push((
                format!("stance.by_group.{key}.oppose"),
                &terms.oppose,
                Term::Oppose,
                Some(g),
            ));
        }
        for (key, list, term, group) in lists {
            for (i, entry) in list.iter().enumerate() {
                let (phrase, weight) = match entry.rsplit_once('^') {
                    Some((p, w)) => (
                        p,
                        w.trim().parse::<u8>().map_err(|_| {
                            format!("key `{key}[{i}]`: weight in {entry:?} must be a small whole number")
                        })?,
                    ),
                    None => (entry.as_str(), 1),
                };
                entries.push((
                    phrase.to_string(),
                    Weighted {
                        term,
                        weight,
                        group,
                    },
                ));
            }
        }
        let mut target_required = Vec::new();
        for g in &s.target_required_for {
            target_required.push(
                Group::parse(g).ok_or_else(|| {
                    format!("key `stance.target_required_for`: unknown group {g:?}")
                })?,
            );
        }
        let terms = PhraseSet::new(entries);
        Ok(Topic {
            name: file.name.clone(),
            mentions: PhraseSet::new(mentions),
            cues,
            evaluative: PhraseSet::new(file.cues.evaluative.iter().map(|v| (v.as_str(), ()))),
            actions: PhraseSet::new(file.cues.actions.iter().map(|v| (v.as_str(), ()))),
            attitudes: PhraseSet::new(file.cues.attitudes.iter().map(|v| (v.as_str(), ()))),
            terms,
            targets: PhraseSet::new(s.targets.iter().map(|t| (t.as_str(), ()))),
            target_required,
            roles,
            leaders,
        })
    }

    /// The holder of `role` in `group` on `date`, if the topic file lists one.
    pub fn leader(&self, role: usize, group: Option<Group>, date: &PartialDate) -> Option<&Leader> {
        self.leaders
            .iter()
            .find(|l| l.role == role && group.is_none_or(|g| g == l.group) && l.holds_on(date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "t"
[groups.us_admin]
names = ["White House"]
[cues]
verbs = ["said"]
[stance]
support = ["cooperate"]
oppose = ["tariffs"]
conditional = ["only if"]
"#;

    #[test]
    fn minimal_topic_compiles() {
        let t = Topic::from_toml(MINIMAL).unwrap();
        assert_eq!(t.name, "t");
        assert_eq!(t.cues.len(), 1);
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (MINIMAL.replace("[groups.us_admin]", "[groups.martians]"), "groups.martians"),
            (MINIMAL.replace("verbs = [\"said\"]", "verbs = []"), "cues.verbs"),
            (MINIMAL.replace("verbs =", "verbz ="), "verbz"),
            (MINIMAL.replace("oppose = [\"tariffs\"]", "oppose = 3"), "oppose"),
            (
                format!("{MINIMAL}\n[[roles]]\nwords=[\"president\"]\n[[leaders]]\nrole=\"president\"\ngroup=\"us_admin\"\nname=\"X\"\nfrom=\"2021-02-30\"\nto=\"2025-01-01\"\n"),
                "leaders[0].from",
            ),
            (
                format!("{MINIMAL}\n[[roles]]\nwords=[\"president\"]\ndefault=\"mars\"\n"),
                "roles[0].default",
            ),
        ];
        for (text, key) in cases {
            let err = Topic::from_toml(&text).unwrap_err();
            assert!(err.contains(key), "error {err:?} should name {key}");
        }
    }

    #[test]
    fn shipped_topic_round_trips_and_compiles() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_TOPIC_PATH);
        let text = std::fs::read_to_string(path).unwrap();
        let file: TopicFile = toml::from_str(&text).unwrap();
        let again: TopicFile = toml::from_str(&toml::to_string(&file).unwrap()).unwrap();
        assert_eq!(file, again);
        let topic = Topic::compile(&file).unwrap();
        assert!(topic.leaders.len() >= 3);
    }

    #[test]
    fn president_resolves_by_date() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_TOPIC_PATH);
        let topic = Topic::load(&path).unwrap();
        let role = topic
            .roles
            .iter()
            .position(|r| r.label == "president")
            .unwrap();
        let cases = [
            ("2019-08-02", "Donald Trump"),
            ("2021-06", "Joe Biden"),
            ("2023-11-15", "Joe Biden"),
            ("2025-04-10", "Donald Trump"),
        ];
        for (date, want) in cases {
            let d: PartialDate = date.parse().unwrap();
            let got = topic
                .leader(role, Some(Group::UsAdmin), &d)
                .map(|l| l.name.as_str());
            assert_eq!(got, Some(want), "date {date}");
        }
    }
}
