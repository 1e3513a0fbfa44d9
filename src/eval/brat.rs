//! Reading brat standoff attribution annotations (PolNeAR's format) into byte spans.
//!
//! A folder of `.ann` files is paired with a folder of `.txt` files by name: `NAME.txt` goes
//! with `NAME.ann` and with `NAME_ANNOTATOR.ann`, where the suffix after the last `_` names
//! the annotator, so one text can carry several independent annotations.
//!
//! brat counts offsets in Unicode characters, not bytes, and tools disagree on whether a
//! CRLF line end counts as one character or two. Each file is therefore checked against the
//! span texts the `.ann` file repeats: of the three readings (characters of the raw text,
//! characters with CRLF taken as one, raw bytes) the one that reproduces the most span texts
//! wins, and every offset is converted to a byte offset into the text as read.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// One contiguous piece of a span, as byte offsets into the text.
pub type Fragment = (usize, usize);

/// A labelled span: one or more fragments (brat's `start end;start end`), sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BratSpan {
    /// The pieces, as byte ranges into the text, in text order.
    pub fragments: Vec<Fragment>,
}

impl BratSpan {
    /// The first byte of the span.
    pub fn start(&self) -> usize {
        self.fragments.first().map_or(0, |f| f.0)
    }

    /// One past the last byte of the span.
    pub fn end(&self) -> usize {
        self.fragments.last().map_or(0, |f| f.1)
    }
}

/// One gold attribution: the `E` line linking a cue to its source and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldAttribution {
    /// The cue (PolNeAR gives every attribution one).
    pub cue: Option<BratSpan>,
    /// The source; absent for `Attribution-no-source`.
    pub source: Option<BratSpan>,
    /// The content.
    pub content: Option<BratSpan>,
}

/// One annotator's annotation of one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// The annotator, from the file-name suffix (`""` when the name has none).
    pub annotator: String,
    /// The attributions, in file order.
    pub attributions: Vec<GoldAttribution>,
}

/// A text with every annotation of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BratDoc {
    /// The file name without `.txt`.
    pub name: String,
    /// The text as read.
    pub text: String,
    /// One entry per annotator.
    pub annotations: Vec<Annotation>,
}

/// How a file's offsets count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Chars,
    CharsCrlfAsOne,
    Bytes,
}

/// Reads every `.txt` in `text_dir` that has at least one `.ann` in `ann_dir`, sorted by name.
/// `.ann` files with no text are an error, since a wrong folder would otherwise score zero.
pub fn read_dir(text_dir: &Path, ann_dir: &Path) -> Result<Vec<BratDoc>> {
    let mut anns: BTreeMap<String, Vec<(String, PathBuf)>> = BTreeMap::new();
    let texts = list(text_dir, "txt")?;
    let text_names: HashMap<&str, &PathBuf> = texts.iter().map(|(n, p)| (n.as_str(), p)).collect();
    for (stem, path) in list(ann_dir, "ann")? {
        let (name, annotator) = if text_names.contains_key(stem.as_str()) {
            (stem.clone(), String::new())
        } else if let Some((n, a)) = stem.rsplit_once('_') {
            (n.to_string(), a.to_string())
        } else {
            (stem.clone(), String::new())
        };
        if !text_names.contains_key(name.as_str()) {
            return Err(Error::Eval {
                path,
                reason: format!("no text {name}.txt in {}", text_dir.display()),
            });
        }
        anns.entry(name).or_default().push((annotator, path));
    }
    let mut docs = Vec::with_capacity(anns.len());
    for (name, files) in anns {
        let text_path = text_names[name.as_str()];
        let text = fs::read_to_string(text_path).map_err(|source| Error::Io {
            path: text_path.clone(),
            source,
        })?;
        let mut annotations = Vec::with_capacity(files.len());
        for (annotator, path) in files {
            let ann = fs::read_to_string(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            let attributions = parse_ann(&ann, &text).map_err(|reason| Error::Eval {
                path: path.clone(),
                reason,
            })?;
            annotations.push(Annotation {
                annotator,
                attributions,
            });
        }
        docs.push(BratDoc {
            name,
            text,
            annotations,
        });
    }
    Ok(docs)
}

/// `(stem, path)` of the files in `dir` ending in `.ext`, sorted.
fn list(dir: &Path, ext: &str) -> Result<Vec<(String, PathBuf)>> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.extension().and_then(|e| e.to_str()) == Some(ext) {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                out.push((stem.to_string(), path.clone()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A `T` line before offset conversion.
struct RawSpan {
    label: String,
    fragments: Vec<(usize, usize)>,
    text: String,
}

/// Parses one `.ann` file against its text. Lines other than `T` and `E` (notes, and the
/// continuation lines brat writes when a span's text holds a line break) are skipped.
pub fn parse_ann(ann: &str, text: &str) -> std::result::Result<Vec<GoldAttribution>, String> {
    let mut spans: HashMap<&str, RawSpan> = HashMap::new();
    let mut events: Vec<Vec<(&str, &str)>> = Vec::new();
    for (n, line) in ann.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let mut cols = line.splitn(3, '\t');
        let id = cols.next().unwrap_or("");
        let body = cols.next().unwrap_or("");
        if id.starts_with('T') && id[1..].chars().all(|c| c.is_ascii_digit()) && id.len() > 1 {
            let (label, offsets) = body
                .split_once(' ')
                .ok_or_else(|| format!("line {}: span without offsets", n + 1))?;
            let mut fragments = Vec::new();
            for piece in offsets.split(';') {
                let (a, b) = piece
                    .trim()
                    .split_once(' ')
                    .ok_or_else(|| format!("line {}: bad offsets {offsets:?}", n + 1))?;
                let a: usize = a
                    .parse()
                    .map_err(|_| format!("line {}: bad offset {a:?}", n + 1))?;
                let b: usize = b
                    .parse()
                    .map_err(|_| format!("line {}: bad offset {b:?}", n + 1))?;
                if a > b {
                    return Err(format!("line {}: span ends before it starts", n + 1));
                }
                fragments.push((a, b));
            }
            fragments.sort_unstable();
            spans.insert(
                id,
                RawSpan {
                    label: label.to_string(),
                    fragments,
                    text: cols.next().unwrap_or("").to_string(),
                },
            );
        } else if id.starts_with('E') {
            events.push(
                body.split_whitespace()
                    .filter_map(|arg| arg.split_once(':'))
                    .collect(),
            );
        }
    }
    let unit = pick_unit(text, spans.values());
    let map = OffsetMap::new(text, unit);
    let convert = |id: &str, want: &str| -> std::result::Result<Option<BratSpan>, String> {
        let Some(raw) = spans.get(id) else {
            return Err(format!("event refers to unknown span {id}"));
        };
        if raw.label != want {
            return Ok(None);
        }
        let mut fragments = Vec::with_capacity(raw.fragments.len());
        for &(a, b) in &raw.fragments {
            match (map.byte(a), map.byte(b)) {
                (Some(a), Some(b)) => fragments.push((a, b)),
                _ => return Err(format!("span {id} lies outside the text")),
            }
        }
        Ok(Some(BratSpan { fragments }))
    };
    let mut out = Vec::with_capacity(events.len());
    for args in events {
        let mut attr = GoldAttribution {
            cue: None,
            source: None,
            content: None,
        };
        for (role, id) in args {
            match role {
                "Cue" => attr.cue = convert(id, "Cue")?,
                "Source" => attr.source = convert(id, "Source")?,
                "Content" => attr.content = convert(id, "Content")?,
                _ => {}
            }
        }
        if attr.cue.is_some() || attr.source.is_some() || attr.content.is_some() {
            out.push(attr);
        }
    }
    Ok(out)
}

/// The reading of the offsets under which the most spans reproduce their own text.
fn pick_unit<'a>(text: &str, spans: impl Iterator<Item = &'a RawSpan> + Clone) -> Unit {
    let mut best = (Unit::Chars, 0usize);
    for unit in [Unit::Chars, Unit::CharsCrlfAsOne, Unit::Bytes] {
        if unit == Unit::CharsCrlfAsOne && !text.contains("\r\n") {
            continue;
        }
        let map = OffsetMap::new(text, unit);
        let hits = spans
            .clone()
            .filter(|s| {
                let pieces: Option<Vec<&str>> = s
                    .fragments
                    .iter()
                    .map(|&(a, b)| text.get(map.byte(a)?..map.byte(b)?))
                    .collect();
                pieces.is_some_and(|p| same_words(&p.join(" "), &s.text))
            })
            .count();
        if hits > best.1 {
            best = (unit, hits);
        }
    }
    best.0
}

/// Whether `span` starts with the words of `given`: brat repeats a span's text after the
/// offsets, with its fragments joined by a space and cut at the first line break.
fn same_words(span: &str, given: &str) -> bool {
    let mut a = span.split_whitespace();
    let b: Vec<&str> = given.split_whitespace().collect();
    !b.is_empty() && b.iter().all(|w| a.next() == Some(*w))
}

/// Converts offsets in some unit to byte offsets.
struct OffsetMap {
    /// `bytes[i]` is the byte offset of unit `i`; one entry past the end.
    bytes: Vec<usize>,
}

impl OffsetMap {
    fn new(text: &str, unit: Unit) -> Self {
        let bytes = match unit {
            Unit::Bytes => (0..=text.len()).collect(),
            Unit::Chars | Unit::CharsCrlfAsOne => {
                let mut v: Vec<usize> = Vec::with_capacity(text.len() + 1);
                let raw = text.as_bytes();
                for (i, c) in text.char_indices() {
                    if unit == Unit::CharsCrlfAsOne && c == '\n' && i > 0 && raw[i - 1] == b'\r' {
                        continue;
                    }
                    v.push(i);
                }
                v.push(text.len());
                v
            }
        };
        OffsetMap { bytes }
    }

    fn byte(&self, unit_offset: usize) -> Option<usize> {
        self.bytes.get(unit_offset).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(text: &str, s: &BratSpan) -> Vec<String> {
        s.fragments
            .iter()
            .map(|&(a, b)| text[a..b].to_string())
            .collect()
    }

    #[test]
    fn reads_character_offsets_after_curly_quotes() {
        // The curly quotes are three bytes each, so character and byte offsets differ.
        let text = "“We won’t budge,” the mayor said on Monday.";
        let ann = "T1\tContent 1 15\tWe won’t budge\n\
                   T2\tSource 18 27\tthe mayor\n\
                   T3\tCue 28 32\tsaid\n\
                   E1\tAttribution:T3 Content:T1 Cue:T3 Source:T2\n";
        let got = parse_ann(ann, text).unwrap();
        assert_eq!(got.len(), 1);
        let a = &got[0];
        assert_eq!(frag(text, a.content.as_ref().unwrap()), ["We won’t budge"]);
        assert_eq!(frag(text, a.source.as_ref().unwrap()), ["the mayor"]);
        assert_eq!(frag(text, a.cue.as_ref().unwrap()), ["said"]);
    }

    #[test]
    fn reads_discontinuous_spans() {
        let text = "\"Taxes will rise,\" she warned, \"and soon.\"";
        let ann = "T1\tContent 1 16;32 41\tTaxes will rise and soon.\n\
                   T2\tSource 19 22\tshe\n\
                   T3\tCue 23 29\twarned\n\
                   E1\tAttribution:T3 Content:T1 Cue:T3 Source:T2\n";
        let got = parse_ann(ann, text).unwrap();
        let content = got[0].content.as_ref().unwrap();
        assert_eq!(frag(text, content), ["Taxes will rise", "and soon."]);
        assert_eq!((content.start(), content.end()), (1, 41));
    }

    #[test]
    fn reads_crlf_text_whichever_way_line_ends_were_counted() {
        let text = "First line here.\r\nThe council said it would vote.\r\n";
        // Counting CRLF as two characters: "The" starts at 18.
        let two = "T1\tSource 18 29\tThe council\nT2\tCue 30 34\tsaid\n\
                   E1\tAttribution:T2 Cue:T2 Source:T1\n";
        // Counting CRLF as one (as tools that normalise line ends do): it starts at 17.
        let one = "T1\tSource 17 28\tThe council\nT2\tCue 29 33\tsaid\n\
                   E1\tAttribution:T2 Cue:T2 Source:T1\n";
        for ann in [two, one] {
            let got = parse_ann(ann, text).unwrap();
            assert_eq!(frag(text, got[0].source.as_ref().unwrap()), ["The council"]);
            assert_eq!(frag(text, got[0].cue.as_ref().unwrap()), ["said"]);
        }
    }

    #[test]
    fn skips_notes_and_continuation_lines_and_keeps_sourceless_attributions() {
        let text = "Voters are angry, it was reported.\nMore text.";
        let ann = "T1\tContent 0 16\tVoters are angry\n\
                   T2\tCue 18 33\tit was reported\n\
                   E1\tAttribution-no-source:T2 Content:T1 Cue:T2\n\
                   #1\tAnnotatorNotes T1\tcheck this\n\
                   a stray continuation line\n";
        let got = parse_ann(ann, text).unwrap();
        assert_eq!(got.len(), 1);
        assert!(got[0].source.is_none());
        assert_eq!(
            frag(text, got[0].cue.as_ref().unwrap()),
            ["it was reported"]
        );
    }

    #[test]
    fn rejects_bad_offsets_and_unknown_ids() {
        let text = "Short.";
        for ann in [
            "T1\tCue 2 1\tx\n",
            "T1\tCue a b\tx\n",
            "T1\tCue 0 99\tx\nE1\tAttribution:T1 Cue:T1\n",
            "E1\tAttribution:T9 Cue:T9\n",
        ] {
            assert!(parse_ann(ann, text).is_err(), "{ann:?}");
        }
    }

    #[test]
    fn pairs_several_annotators_with_one_text() {
        let dir = tempfile::tempdir().unwrap();
        let (t, a) = (dir.path().join("text"), dir.path().join("ann"));
        fs::create_dir_all(&t).unwrap();
        fs::create_dir_all(&a).unwrap();
        fs::write(t.join("paper_2016-01-01_x.txt"), "The senator said no.").unwrap();
        // Two annotators who overlap on the cue but disagree on the source.
        fs::write(
            a.join("paper_2016-01-01_x_ab12.ann"),
            "T1\tSource 0 11\tThe senator\nT2\tCue 12 16\tsaid\nT3\tContent 17 19\tno\n\
             E1\tAttribution:T2 Cue:T2 Source:T1 Content:T3\n",
        )
        .unwrap();
        fs::write(
            a.join("paper_2016-01-01_x_cd34.ann"),
            "T1\tSource 4 11\tsenator\nT2\tCue 12 16\tsaid\n\
             E1\tAttribution:T2 Cue:T2 Source:T1\n",
        )
        .unwrap();
        let docs = read_dir(&t, &a).unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].name, "paper_2016-01-01_x");
        let who: Vec<&str> = docs[0]
            .annotations
            .iter()
            .map(|a| a.annotator.as_str())
            .collect();
        assert_eq!(who, ["ab12", "cd34"]);
        let src = |i: usize| {
            let s = docs[0].annotations[i].attributions[0]
                .source
                .clone()
                .unwrap();
            frag(&docs[0].text, &s)
        };
        assert_eq!(src(0), ["The senator"]);
        assert_eq!(src(1), ["senator"]);
        // An annotation whose text is missing is an error, not a silent zero.
        fs::write(a.join("other_zz.ann"), "").unwrap();
        assert!(read_dir(&t, &a).is_err());
    }
}
