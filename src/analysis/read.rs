//! Streaming annotated JSONL into a [`Tally`]: one line at a time, holding tallies and (with
//! de-duplication) the sentences of the current article only.
//!
//! Records are read leniently: only `doc_id`, `date`, `text`, `speaker.group` and `stance`
//! are needed, so files from later schema versions (which only add fields) still read.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use serde::Deserialize;

use super::dedup::{ArticleRecord, DedupConfig, Folder};
use super::period::{Bucket, Period};
use super::tally::Tally;
use crate::corpus::PartialDate;
use crate::error::{Error, Result};
use crate::record::{Group, Label};

/// The longest line read into memory; a longer one is a bad record.
const MAX_LINE: usize = 64 << 20;

/// The fields of an annotated record that aggregation uses.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotatedRecord {
    /// The article's identifier.
    pub doc_id: String,
    /// The article's date, at its own precision.
    pub date: PartialDate,
    /// The sentence.
    pub text: String,
    /// The speaker's group.
    pub group: Group,
    /// The stance label.
    pub stance: Label,
}

#[derive(Deserialize)]
struct Raw {
    doc_id: Option<String>,
    date: Option<String>,
    #[serde(default)]
    text: Option<String>,
    speaker: Option<RawSpeaker>,
    stance: Option<String>,
}

#[derive(Deserialize)]
struct RawSpeaker {
    group: Option<String>,
}

impl AnnotatedRecord {
    /// Parses one JSONL line; the error says what is missing or wrong.
    pub fn parse(line: &str) -> std::result::Result<AnnotatedRecord, String> {
        let raw: Raw = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
        let doc_id = raw.doc_id.ok_or("missing \"doc_id\"")?;
        let date = raw.date.ok_or("missing \"date\"")?.parse::<PartialDate>()?;
        let group = raw
            .speaker
            .and_then(|s| s.group)
            .ok_or("missing \"speaker.group\"")?;
        let group = Group::parse(&group).ok_or_else(|| {
            format!("unknown speaker.group {group:?} (us_admin, beijing, experts, other, none)")
        })?;
        let stance = raw.stance.ok_or("missing \"stance\"")?;
        let stance = Label::parse(&stance).ok_or_else(|| {
            format!("unknown stance {stance:?} (support, conditional, oppose, neutral)")
        })?;
        Ok(AnnotatedRecord {
            doc_id,
            date,
            text: raw.text.unwrap_or_default(),
            group,
            stance,
        })
    }
}

impl ArticleRecord for AnnotatedRecord {
    fn doc_id(&self) -> &str {
        &self.doc_id
    }
    fn date(&self) -> &PartialDate {
        &self.date
    }
    fn text(&self) -> &str {
        &self.text
    }
}

/// Builds a [`Tally`] from records fed in input order.
///
/// Without de-duplication each record is counted at once. With it, records go through a
/// [`Folder`]: they are held per article (an article's records are consecutive in
/// `stanceline annotate` output) and counted when the next article starts, unless the article
/// is a near-duplicate of one already counted within the date window. An article whose
/// records come back later follows the decision made for its first run of records, while
/// its date is still within the window.
pub struct Aggregator {
    tally: Tally,
    folder: Folder<AnnotatedRecord>,
}

impl Aggregator {
    /// An aggregator with periods of size `by`; `dedup` is the Jaccard threshold and date
    /// window, or `None` to count every article.
    pub fn new(by: Bucket, dedup: Option<DedupConfig>) -> Aggregator {
        Aggregator {
            tally: Tally::new(by),
            folder: Folder::new(dedup),
        }
    }

    /// Counts (or holds) one record.
    pub fn push(&mut self, rec: AnnotatedRecord) {
        let tally = &mut self.tally;
        self.folder.push(rec, &mut |r| count(tally, r));
    }

    /// The finished tally.
    pub fn finish(mut self) -> Tally {
        let tally = &mut self.tally;
        self.folder.finish(&mut |r| count(tally, r));
        self.tally.folded += self.folder.folded;
        self.tally.late += self.folder.late();
        self.tally
    }

    /// Reads every record of one input (`-` for stdin; gzip is detected by name or magic
    /// bytes). Bad records are handed to `on_bad` as [`Error::Record`] and skipped; an
    /// input that cannot be opened or read is an [`Error::Io`].
    pub fn read_path(&mut self, path: &Path, on_bad: &mut dyn FnMut(Error)) -> Result<()> {
        for_each_line(path, on_bad, &mut |line| {
            AnnotatedRecord::parse(line).map(|rec| self.push(rec))
        })
    }
}

fn count(tally: &mut Tally, r: AnnotatedRecord) {
    let period = Period::of(&r.date, tally.by);
    tally.add(period, r.group, r.stance, &r.doc_id);
}

/// Reads one annotated input line by line (`-` for stdin; gzip detected by name or magic
/// bytes) and hands each non-blank line to `each`. A line that is not UTF-8, is longer than
/// 64 MiB, or that `each` rejects goes to `on_bad` as an [`Error::Record`] naming the file
/// and line; reading goes on. An input that cannot be opened or read is an [`Error::Io`].
pub fn for_each_line(
    path: &Path,
    on_bad: &mut dyn FnMut(Error),
    each: &mut dyn FnMut(&str) -> std::result::Result<(), String>,
) -> Result<()> {
    let io_err = |source: io::Error| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let raw: Box<dyn Read> = if path == Path::new("-") {
        Box::new(io::stdin().lock())
    } else {
        Box::new(File::open(path).map_err(io_err)?)
    };
    let mut reader = BufReader::with_capacity(1 << 16, raw);
    let gzip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
        || reader
            .fill_buf()
            .map_err(io_err)?
            .starts_with(&[0x1f, 0x8b]);
    let mut r: Box<dyn BufRead> = if gzip {
        Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(reader),
        ))
    } else {
        Box::new(reader)
    };
    let mut buf = Vec::with_capacity(4096);
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = (&mut r)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(io_err)?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        let bad = |reason: String| Error::Record {
            path: PathBuf::from(path),
            line: line_no,
            reason,
            doc_id: None,
        };
        if buf.last() != Some(&b'\n') && buf.len() > MAX_LINE {
            on_bad(bad(format!("line longer than {MAX_LINE} bytes")));
            skip_line(&mut r).map_err(io_err)?;
            continue;
        }
        let Ok(line) = std::str::from_utf8(&buf) else {
            on_bad(bad("not valid UTF-8".into()));
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        if let Err(reason) = each(line) {
            on_bad(bad(reason));
        }
    }
}

/// Discards the rest of an over-long line.
fn skip_line(r: &mut dyn BufRead) -> io::Result<()> {
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok(());
        }
        if let Some(i) = avail.iter().position(|&b| b == b'\n') {
            r.consume(i + 1);
            return Ok(());
        }
        let len = avail.len();
        r.consume(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(doc: &str, date: &str, group: &str, stance: &str, text: &str) -> String {
        serde_json::json!({"doc_id": doc, "date": date, "sent_index": 0, "text": text,
            "speaker": {"group": group}, "stance": stance})
        .to_string()
    }

    #[test]
    fn bad_records_say_what_is_wrong() {
        let cases = [
            ("{", "invalid JSON"),
            (
                r#"{"date":"2025-04","speaker":{"group":"none"},"stance":"neutral"}"#,
                "doc_id",
            ),
            (
                r#"{"doc_id":"a","speaker":{"group":"none"},"stance":"neutral"}"#,
                "date",
            ),
            (
                r#"{"doc_id":"a","date":"2025-02-30","speaker":{"group":"none"},"stance":"neutral"}"#,
                "impossible date",
            ),
            (
                r#"{"doc_id":"a","date":"2025","stance":"neutral"}"#,
                "speaker.group",
            ),
            (
                r#"{"doc_id":"a","date":"2025","speaker":{"group":null},"stance":"neutral"}"#,
                "speaker.group",
            ),
            (
                r#"{"doc_id":"a","date":"2025","speaker":{"group":"nato"},"stance":"neutral"}"#,
                "nato",
            ),
            (
                r#"{"doc_id":"a","date":"2025","speaker":{"group":"none"}}"#,
                "stance",
            ),
            (
                r#"{"doc_id":"a","date":"2025","speaker":{"group":"none"},"stance":"maybe"}"#,
                "maybe",
            ),
        ];
        for (input, want) in cases {
            let err = AnnotatedRecord::parse(input).unwrap_err();
            assert!(err.contains(want), "{input}: {err}");
        }
        let ok = AnnotatedRecord::parse(&line("a", "2025-04", "beijing", "oppose", "t")).unwrap();
        assert_eq!((ok.group, ok.stance), (Group::Beijing, Label::Oppose));
    }

    #[test]
    fn duplicates_are_folded_once_per_article() {
        let story = [
            "Both governments agreed on Monday to restart the working group on fentanyl.",
            "The first meeting is planned for the spring in a neutral capital city.",
        ];
        let mut agg = Aggregator::new(Bucket::Month, Some(0.8.into()));
        for doc in ["orig", "copy", "orig-late"] {
            for s in story {
                let group = if doc == "orig-late" {
                    "beijing"
                } else {
                    "us_admin"
                };
                let text = if doc == "orig-late" {
                    "An unrelated sentence about soybean purchases and port fees in the autumn."
                } else {
                    s
                };
                agg.push(
                    AnnotatedRecord::parse(&line(doc, "2025-03-04", group, "support", text))
                        .unwrap(),
                );
            }
        }
        let t = agg.finish();
        assert_eq!(t.folded, 1);
        let rows = t.rows(&[]);
        let us = rows.iter().find(|r| r.actor == Group::UsAdmin).unwrap();
        assert_eq!((us.n, us.articles), (2, 1));
        let bj = rows.iter().find(|r| r.actor == Group::Beijing).unwrap();
        assert_eq!((bj.n, bj.articles), (2, 1));
    }

    #[test]
    fn an_article_that_comes_back_follows_its_first_decision() {
        let story = "Negotiators from both capitals agreed to extend the science and \
            technology agreement for another five years after months of review.";
        let other = "Port officials reported a record number of container arrivals during \
            the holiday season despite the new inspection regime.";
        let mut agg = Aggregator::new(Bucket::Month, Some(0.8.into()));
        let feed = [
            ("kept", story),
            ("copy", story),
            ("third", other),
            ("copy", "A later sentence of the folded copy."),
            ("kept", "A later sentence of the kept article."),
        ];
        for (doc, text) in feed {
            agg.push(
                AnnotatedRecord::parse(&line(doc, "2025-06-01", "experts", "support", text))
                    .unwrap(),
            );
        }
        let t = agg.finish();
        assert_eq!(t.folded, 1);
        // kept: 2 sentences, third: 1; the copy's two runs are both dropped. The cell sees
        // kept, third, kept: three runs, so a returning article counts again in `articles`.
        let cell = t.cells.values().next().unwrap();
        assert_eq!(cell.n(), 3);
        assert_eq!(cell.articles, 3);
        assert_eq!(
            (cell.first_doc.as_deref(), cell.last_doc.as_deref()),
            (Some("kept"), Some("kept"))
        );
    }
}
