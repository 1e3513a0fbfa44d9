//! Whole-word phrase matching for topic lexicons.
//!
//! One Aho-Corasick automaton per lexicon finds every entry in a single pass. Entries with
//! a capital letter match case-sensitively (so the state "China" is not "china"), the rest
//! case-insensitively, and every match must sit on word boundaries. Overlapping candidates
//! are resolved leftmost-longest *after* those checks, so a rejected long candidate never
//! hides a valid shorter one.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// A compiled set of phrases, each carrying one or more payloads.
#[derive(Debug, Clone)]
pub struct PhraseSet<T> {
    ac: Option<AhoCorasick>,
    patterns: Vec<Pattern<T>>,
}

#[derive(Debug, Clone)]
struct Pattern<T> {
    text: String,
    case_sensitive: bool,
    /// Written with a trailing `*`: matches any word that starts with the text.
    stem: bool,
    payloads: Vec<T>,
}

/// One match: where it is, and the payloads of the phrase that matched.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a, T> {
    /// Byte offset of the match in the searched text.
    pub start: usize,
    /// Byte offset one past the match.
    pub end: usize,
    /// Payloads of the phrase (a phrase can belong to several lists).
    pub payloads: &'a [T],
}

impl<T: Clone> PhraseSet<T> {
    /// Builds the set from `(phrase, payload)` pairs. Blank phrases are skipped; a phrase
    /// written with a straight apostrophe also matches the typographic one.
    pub fn new<I, S>(entries: I) -> Self
    where
        I: IntoIterator<Item = (S, T)>,
        S: AsRef<str>,
    {
        let mut patterns: Vec<Pattern<T>> = Vec::new();
        let mut index = std::collections::HashMap::<(String, bool), usize>::new();
        for (phrase, payload) in entries {
            let phrase = phrase.as_ref().trim();
            let (phrase, stem) = match phrase.strip_suffix('*') {
                Some(p) => (p.trim_end(), true),
                None => (phrase, false),
            };
            if phrase.is_empty() {
                continue;
            }
            let variants = if phrase.contains('\'') {
                vec![phrase.to_string(), phrase.replace('\'', "\u{2019}")]
            } else {
                vec![phrase.to_string()]
            };
            for v in variants {
                let case_sensitive = v.chars().any(char::is_uppercase);
                let key = if case_sensitive {
                    (format!("{v}{}", if stem { "*" } else { "" }), true)
                } else {
                    (
                        format!("{}{}", v.to_lowercase(), if stem { "*" } else { "" }),
                        false,
                    )
                };
                match index.get(&key) {
                    Some(&i) => patterns[i].payloads.push(payload.clone()),
                    None => {
                        index.insert(key, patterns.len());
                        patterns.push(Pattern {
                            text: v,
                            case_sensitive,
                            stem,
                            payloads: vec![payload.clone()],
                        });
                    }
                }
            }
        }
        let ac = if patterns.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(patterns.iter().map(|p| p.text.as_str()))
                .ok()
        };
        PhraseSet { ac, patterns }
    }

    /// Number of distinct phrases.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// True when the set holds no phrase.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// All matches in `text`, non-overlapping, leftmost-longest, in text order.
    pub fn find<'a>(&'a self, text: &str) -> Vec<Hit<'a, T>> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let bytes = text.as_bytes();
        let mut cands: Vec<(usize, usize, usize)> = ac
            .find_overlapping_iter(text)
            .filter_map(|m| {
                let p = &self.patterns[m.pattern().as_usize()];
                let (s, mut e) = (m.start(), m.end());
                if p.case_sensitive && &bytes[s..e] != p.text.as_bytes() {
                    return None;
                }
                if p.stem {
                    // A stem runs on to the end of its word: "retaliat*" → "retaliation".
                    e += text[e..]
                        .find(|c: char| !is_word(c))
                        .unwrap_or(text.len() - e);
                }
                if !text.is_char_boundary(s) || !text.is_char_boundary(e) {
                    return None;
                }
                if !boundary_ok(text, s, e) {
                    return None;
                }
                Some((s, e, m.pattern().as_usize()))
            })
            .collect();
        // Leftmost first, then longest.
        cands.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut out = Vec::new();
        let mut pos = 0;
        for (s, e, pid) in cands {
            if s >= pos {
                out.push(Hit {
                    start: s,
                    end: e,
                    payloads: &self.patterns[pid].payloads,
                });
                pos = e;
            }
        }
        out
    }
}

/// A match is a whole word when the characters around it are not word characters — checked
/// only on a side where the phrase itself begins or ends with a word character, so that
/// "U.S." matches before a comma and "(Reuters)" needs no space inside the brackets.
fn boundary_ok(text: &str, start: usize, end: usize) -> bool {
    let m = &text[start..end];
    let first_word = m.chars().next().is_some_and(is_word);
    let last_word = m.chars().next_back().is_some_and(is_word);
    if first_word && text[..start].chars().next_back().is_some_and(is_word) {
        return false;
    }
    if last_word && text[end..].chars().next().is_some_and(is_word) {
        return false;
    }
    true
}

/// Word characters for boundary checks: letters, digits, and in-word joiners.
pub fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_whole_words_with_case_rules() {
        let set = PhraseSet::new([
            ("China", 1),
            ("china", 2),
            ("U.S.", 3),
            ("didn't", 4),
            ("cut", 5),
            ("cut off", 6),
            ("China's", 7),
            ("retaliat*", 8),
        ]);
        let cases: &[(&str, &[(&str, i32)])] = &[
            ("China acted", &[("China", 1)]),
            ("fine china", &[("china", 2)]),
            ("Chinatown", &[]),
            ("the U.S., too", &[("U.S.", 3)]),
            ("it didn't", &[("didn't", 4)]),
            ("it didn’t", &[("didn’t", 4)]),
            ("they cut off aid", &[("cut off", 6)]),
            ("a shortcut", &[]),
            ("China's ministry", &[("China's", 7)]),
            ("China\u{2019}s ministry", &[("China\u{2019}s", 7)]),
            ("swift retaliation.", &[("retaliation", 8)]),
            ("they retaliated", &[("retaliated", 8)]),
            ("no retaliat", &[("retaliat", 8)]),
        ];
        for (text, want) in cases {
            let got: Vec<(&str, i32)> = set
                .find(text)
                .iter()
                .map(|h| (&text[h.start..h.end], h.payloads[0]))
                .collect();
            assert_eq!(&got, want, "text {text:?}");
        }
    }

    #[test]
    fn case_insensitive_entry_matches_any_case() {
        let set = PhraseSet::new([("according to", ())]);
        assert_eq!(set.find("According to the ministry").len(), 1);
    }

    #[test]
    fn shared_phrase_keeps_all_payloads() {
        let set = PhraseSet::new([("White House", 'n'), ("White House", 'm')]);
        let hits = set.find("the White House said");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].payloads, &['n', 'm']);
    }
}
