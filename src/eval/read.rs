//! Reading gold and prediction files. Both are JSON Lines; only the fields scoring needs are
//! kept, and anything else on a line is ignored so that gold files from other tools and
//! predictions from later schema versions still load. Reading is strict about what it does
//! keep: a line that is not JSON, lacks a required field or carries an unknown label stops the
//! evaluation, because silently dropping gold sentences would make the scores lie.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::record::{Group, Label};
use crate::{Error, Result};

/// One gold sentence, as section 3 of the annotation guide describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldSentence {
    /// The article the sentence belongs to.
    pub doc_id: String,
    /// The sentence text; used to locate the sentence when offsets are missing.
    pub text: String,
    /// Byte offset of the sentence in the article, when the gold file gives one.
    pub start: Option<usize>,
    /// Byte offset one past the sentence, when the gold file gives one.
    pub end: Option<usize>,
    /// 0-based index of the sentence in the article, if given (only used in reports).
    pub sent_index: Option<usize>,
    /// The gold speaker group.
    pub speaker: Group,
    /// The gold stance.
    pub stance: Label,
}

/// One predicted sentence: the part of a `stanceline/v1` record that scoring needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredSentence {
    /// The article the sentence belongs to.
    pub doc_id: String,
    /// Byte offset of the sentence in the article.
    pub start: usize,
    /// Byte offset one past the sentence.
    pub end: usize,
    /// The sentence text; used to rebuild the article for gold lines without offsets.
    pub text: String,
    /// The predicted speaker group.
    pub speaker: Group,
    /// The predicted stance.
    pub stance: Label,
}

/// The guide writes the speaker as a bare group; stanceline's own records nest it in an object.
/// Accepting both on both sides lets a prediction file double as a gold file.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawSpeaker {
    Group(String),
    Object { group: String },
}

impl RawSpeaker {
    fn group(&self) -> &str {
        match self {
            RawSpeaker::Group(g) | RawSpeaker::Object { group: g } => g,
        }
    }
}

#[derive(Debug, Deserialize)]
struct RawGold {
    doc_id: String,
    text: String,
    speaker: RawSpeaker,
    stance: String,
    #[serde(default)]
    start: Option<usize>,
    #[serde(default)]
    end: Option<usize>,
    #[serde(default)]
    sent_index: Option<usize>,
}

#[derive(Debug, Deserialize)]
struct RawPred {
    doc_id: String,
    start: usize,
    end: usize,
    text: String,
    speaker: RawSpeaker,
    stance: String,
}

/// Reads a gold file; `path` is only used in error messages.
pub fn read_gold(reader: impl BufRead, path: &Path) -> Result<Vec<GoldSentence>> {
    read_lines(reader, path, |raw: RawGold| {
        let (start, end) = match (raw.start, raw.end) {
            (Some(s), Some(e)) if s > e => return Err(format!("start {s} is after end {e}")),
            (Some(_), None) => return Err("`start` given without `end`".to_string()),
            (None, Some(_)) => return Err("`end` given without `start`".to_string()),
            pair => pair,
        };
        Ok(GoldSentence {
            speaker: parse_group(raw.speaker.group())?,
            stance: parse_label(&raw.stance)?,
            doc_id: raw.doc_id,
            text: raw.text,
            start,
            end,
            sent_index: raw.sent_index,
        })
    })
}

/// Reads a prediction file (stanceline's JSONL output); `path` is only used in error messages.
pub fn read_pred(reader: impl BufRead, path: &Path) -> Result<Vec<PredSentence>> {
    read_lines(reader, path, |raw: RawPred| {
        if raw.start > raw.end {
            return Err(format!("start {} is after end {}", raw.start, raw.end));
        }
        Ok(PredSentence {
            speaker: parse_group(raw.speaker.group())?,
            stance: parse_label(&raw.stance)?,
            doc_id: raw.doc_id,
            start: raw.start,
            end: raw.end,
            text: raw.text,
        })
    })
}

fn parse_group(s: &str) -> std::result::Result<Group, String> {
    Group::parse(s).ok_or_else(|| format!("unknown speaker group {s:?}"))
}

fn parse_label(s: &str) -> std::result::Result<Label, String> {
    Label::parse(s).ok_or_else(|| format!("unknown stance {s:?}"))
}

/// Parses every non-blank line with serde, then `convert`; the first failure names its line.
fn read_lines<R, T, F>(reader: impl BufRead, path: &Path, convert: F) -> Result<Vec<T>>
where
    R: serde::de::DeserializeOwned,
    F: Fn(R) -> std::result::Result<T, String>,
{
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let lineno = i + 1;
        let bad = |reason: String| Error::Eval {
            path: path.to_path_buf(),
            reason: format!("line {lineno}: {reason}"),
        };
        let line = line.map_err(|source| {
            // `lines()` reports bad UTF-8 as an I/O error; it is a fault of this line.
            if source.kind() == std::io::ErrorKind::InvalidData {
                bad("not valid UTF-8".to_string())
            } else {
                Error::Io {
                    path: path.to_path_buf(),
                    source,
                }
            }
        })?;
        // Editors on Windows may start the file with a byte-order mark.
        let line = if lineno == 1 {
            line.trim_start_matches('\u{feff}')
        } else {
            &line
        };
        // A trailing newline or a spacer line is not a record.
        if line.trim().is_empty() {
            continue;
        }
        let raw: R = serde_json::from_str(line).map_err(|e| {
            use serde_json::error::Category;
            let what = match e.classify() {
                // A well-formed line with a missing or mistyped field reads better without
                // the word "JSON", which would send the user looking for a stray comma.
                Category::Data => "invalid record",
                Category::Io | Category::Syntax | Category::Eof => "invalid JSON",
            };
            bad(format!("{what}: {}", serde_message(&e)))
        })?;
        out.push(convert(raw).map_err(bad)?);
    }
    Ok(out)
}

/// serde_json's message with its position given as a column only: each record is one line,
/// and its "line 1" next to our file line number would mislead.
fn serde_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match msg.strip_suffix(&suffix) {
        Some(bare) => format!("{bare} (column {})", e.column()),
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gold(s: &str) -> Result<Vec<GoldSentence>> {
        read_gold(s.as_bytes(), Path::new("gold.jsonl"))
    }

    fn pred(s: &str) -> Result<Vec<PredSentence>> {
        read_pred(s.as_bytes(), Path::new("pred.jsonl"))
    }

    #[test]
    fn gold_speaker_as_string_or_object() {
        let g = gold(concat!(
            r#"{"doc_id":"a","text":"One.","speaker":"beijing","stance":"oppose","start":0,"end":4,"sent_index":0}"#,
            "\n\n",
            r#"{"doc_id":"a","text":"Two.","speaker":{"group":"experts","text":"x"},"stance":"neutral","hedged":true}"#,
            "\n",
        ))
        .unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].speaker, Group::Beijing);
        assert_eq!(g[0].stance, Label::Oppose);
        assert_eq!(
            (g[0].start, g[0].end, g[0].sent_index),
            (Some(0), Some(4), Some(0))
        );
        assert_eq!(g[1].speaker, Group::Experts);
        assert_eq!((g[1].start, g[1].end, g[1].sent_index), (None, None, None));
    }

    #[test]
    fn pred_reads_record_fields_only() {
        let p = pred(concat!(
            r#"{"schema":"stanceline/v1","doc_id":"a","date":"2025-04","sent_index":0,"start":0,"end":4,"#,
            r#""text":"One.","speaker":{"group":"us_admin","text":null,"start":null,"end":null,"resolved":null,"actor":null},"#,
            r#""cue":null,"content":null,"also":[],"stance":"support","hedged":false,"confidence":0.5,"evidence":[]}"#,
        ))
        .unwrap();
        assert_eq!(
            p,
            vec![PredSentence {
                doc_id: "a".into(),
                start: 0,
                end: 4,
                text: "One.".into(),
                speaker: Group::UsAdmin,
                stance: Label::Support,
            }]
        );
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        let ok = r#"{"doc_id":"a","text":"One.","speaker":"none","stance":"neutral"}"#;
        let cases: &[(&str, &str)] = &[
            (
                "{not json",
                "line 2: invalid JSON: key must be a string (column 2)",
            ),
            (
                r#"{"doc_id":"a","text":"x","stance":"neutral"}"#,
                "line 2: invalid record: missing field `speaker`",
            ),
            (
                r#"{"doc_id":"a","text":"x","speaker":"none","stance":"maybe"}"#,
                r#"line 2: unknown stance "maybe""#,
            ),
            (
                r#"{"doc_id":"a","text":"x","speaker":"press","stance":"neutral"}"#,
                r#"line 2: unknown speaker group "press""#,
            ),
            (
                r#"{"doc_id":"a","text":"x","speaker":"none","stance":"neutral","start":5,"end":2}"#,
                "line 2: start 5 is after end 2",
            ),
            (
                r#"{"doc_id":"a","text":"x","speaker":"none","stance":"neutral","start":5}"#,
                "line 2: `start` given without `end`",
            ),
        ];
        for (line, want) in cases {
            let err = gold(&format!("{ok}\n{line}\n")).unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, Error::Eval { .. }), "{msg}");
            assert!(msg.starts_with("gold.jsonl: "), "{msg}");
            assert!(msg.contains(want), "{msg} should contain {want}");
        }
        let err = read_gold(&b"\xef\xbb\xbf\n\xff\n"[..], Path::new("g")).unwrap_err();
        assert_eq!(err.to_string(), "g: line 2: not valid UTF-8");
        let err = pred(r#"{"doc_id":"a","start":0,"end":1,"text":"x","speaker":{"group":"none"}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("pred.jsonl: line 1: invalid record: missing field `stance`"),
            "{err}"
        );
    }
}
