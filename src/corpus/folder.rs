//! Folders of text files (`.txt`, `.md`, optionally `.gz`), one article per file.
//!
//! A file may start with a header block of `key: value` lines (`date`, `title`, `source`,
//! `url`, `id`/`doc_id`), or, for Markdown, a front matter between `---` lines. The header
//! and one blank line after it are cut off: the article's `text`, and so every offset in the
//! output, starts after them. Without a `date:` header the date comes from a `YYYY-MM-DD` or
//! `YYYY-MM` prefix of the file name.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use super::open::{self, MAX_RECORD_BYTES};
use super::{Article, PartialDate};
use crate::{Error, Result};

/// One file to read as an article.
#[derive(Debug)]
pub(crate) struct TextFile {
    /// Where to open it.
    path: PathBuf,
    /// Its path below the folder given, `/`-separated (lossy if not UTF-8): the sort key.
    rel: String,
    /// The doc_id: `rel` minus the extension(s); `None` when the path is not UTF-8.
    doc_id: Option<String>,
    /// Markdown, so front matter is recognised.
    markdown: bool,
    /// Size on disk (compressed size for `.gz`), for progress.
    size: u64,
}

/// The extension's length and whether it is Markdown, when `name` is a text file to read.
fn text_kind(name: &str) -> Option<(usize, bool)> {
    const KINDS: [(&str, bool); 4] = [
        (".txt", false),
        (".md", true),
        (".txt.gz", false),
        (".md.gz", true),
    ];
    KINDS.iter().find_map(|&(ext, md)| {
        let cut = name.len().checked_sub(ext.len())?;
        let tail = name.get(cut..)?;
        (cut > 0 && tail.eq_ignore_ascii_case(ext)).then_some((ext.len(), md))
    })
}

impl TextFile {
    /// Describes the file at `path` (known as `rel` below its folder) when its name says it
    /// is a text article.
    fn new(path: PathBuf, rel: String, utf8: bool, size: u64) -> Option<Self> {
        let name = rel.rsplit('/').next().unwrap_or(&rel);
        let (ext_len, markdown) = text_kind(name)?;
        let doc_id = rel
            .get(..rel.len() - ext_len)
            .filter(|_| utf8)
            .map(str::to_owned);
        Some(TextFile {
            path,
            rel,
            doc_id,
            markdown,
            size,
        })
    }

    /// A single text file given on the command line: its doc_id is its file name.
    pub(crate) fn single(path: &Path, size: u64) -> Option<Self> {
        let name = path.file_name()?;
        let utf8 = name.to_str().is_some();
        let rel = name.to_string_lossy().into_owned();
        TextFile::new(path.to_path_buf(), rel, utf8, size)
    }

    /// Size on disk.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }
}

/// True when `path` names a text article file rather than JSONL.
pub(crate) fn is_text_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| text_kind(&n.to_string_lossy()).is_some())
}

/// Lists the text files below `root` in byte-wise order of their relative paths, skipping
/// hidden entries; folders that cannot be listed are returned as errors.
///
/// Symbolic links are followed, but a folder already visited is not entered again, so a
/// link cycle cannot make the walk endless.
pub(crate) fn walk(root: &Path) -> (Vec<TextFile>, Vec<Error>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut visited = HashSet::new();
    if let Ok(canon) = fs::canonicalize(root) {
        visited.insert(canon);
    }
    // (folder, its path below root, whether that path is valid UTF-8)
    let mut stack = vec![(root.to_path_buf(), String::new(), true)];
    while let Some((dir, rel, utf8)) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(source) => {
                errors.push(Error::Io { path: dir, source });
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(source) => {
                    // Stop listing this folder: some platforms repeat the failure forever.
                    errors.push(Error::Io {
                        path: dir.clone(),
                        source,
                    });
                    break;
                }
            };
            let name = entry.file_name();
            let name_lossy = name.to_string_lossy();
            if name_lossy.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let child_rel = if rel.is_empty() {
                name_lossy.into_owned()
            } else {
                format!("{rel}/{name_lossy}")
            };
            let child_utf8 = utf8 && name.to_str().is_some();
            // Follows links; a dangling one falls through to a read error if its name matters.
            match fs::metadata(&path) {
                Ok(meta) if meta.is_dir() => {
                    let fresh = fs::canonicalize(&path).map_or(true, |c| visited.insert(c));
                    if fresh {
                        stack.push((path, child_rel, child_utf8));
                    } else {
                        // Said out loud, so a folder read only once is never a silent loss.
                        errors.push(Error::Io {
                            path,
                            source: io::Error::other(
                                "link to a folder already read (a symbolic link cycle?); not entered again",
                            ),
                        });
                    }
                }
                // Opening a FIFO would wait forever for a writer; a device could be endless.
                Ok(meta) if !meta.is_file() && is_text_file(&path) => errors.push(Error::Io {
                    path,
                    source: io::Error::other(
                        "not a regular file (a FIFO, socket or device); skipped",
                    ),
                }),
                Ok(meta) => files.extend(TextFile::new(path, child_rel, child_utf8, meta.len())),
                Err(_) => files.extend(TextFile::new(path, child_rel, child_utf8, 0)),
            }
        }
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    errors.sort_by(|a, b| error_path(a).cmp(error_path(b)));
    (files, errors)
}

fn error_path(e: &Error) -> &Path {
    match e {
        Error::Io { path, .. } | Error::Record { path, .. } => path,
        _ => Path::new(""),
    }
}

/// Streams the files of one folder (or one file), after any errors met listing it.
pub(crate) struct FolderReader {
    /// The file of the article last returned, for [`location`](Self::location).
    current: Option<PathBuf>,
    errors: std::vec::IntoIter<Error>,
    files: std::vec::IntoIter<TextFile>,
    counter: Arc<AtomicU64>,
    max_bytes: usize,
}

impl FolderReader {
    /// Reads `files` in the given order, first yielding `errors`.
    pub(crate) fn new(files: Vec<TextFile>, errors: Vec<Error>, counter: Arc<AtomicU64>) -> Self {
        FolderReader {
            current: None,
            errors: errors.into_iter(),
            files: files.into_iter(),
            counter,
            max_bytes: MAX_RECORD_BYTES,
        }
    }
}

impl FolderReader {
    /// Where the article last returned came from: its file, record 1.
    pub(crate) fn location(&self) -> Option<(&Path, u64)> {
        self.current.as_deref().map(|p| (p, 1))
    }
}

impl Iterator for FolderReader {
    type Item = Result<Article>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.errors.next() {
            return Some(Err(e));
        }
        let file = self.files.next()?;
        let item = read_file(&file, &self.counter, self.max_bytes);
        self.current = Some(file.path);
        Some(item)
    }
}

fn read_file(file: &TextFile, counter: &Arc<AtomicU64>, max: usize) -> Result<Article> {
    let record = |reason: String| Error::Record {
        path: file.path.clone(),
        line: 1,
        reason,
        doc_id: file.doc_id.clone(),
    };
    let io = |source| Error::Io {
        path: file.path.clone(),
        source,
    };
    let doc_id = file
        .doc_id
        .clone()
        .ok_or_else(|| record("file path is not valid UTF-8".to_string()))?;
    let mut bytes = Vec::new();
    open::open(&file.path, false, counter)
        .and_then(|s| s.take(max as u64 + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    if bytes.len() > max {
        return Err(record(format!("file longer than {max} bytes; skipped")));
    }
    let name = file.rel.rsplit('/').next().unwrap_or(&file.rel);
    parse_text(bytes, file.markdown, doc_id, name).map_err(record)
}

/// The fields a header or front matter may set.
#[derive(Debug, Default, PartialEq)]
struct Header {
    date: Option<String>,
    title: Option<String>,
    source: Option<String>,
    url: Option<String>,
    id: Option<String>,
}

impl Header {
    /// Sets a field from a known key (the first occurrence wins); false for other keys.
    fn set(&mut self, key: &str, value: &str) -> bool {
        let slot = match key.to_ascii_lowercase().as_str() {
            "date" => &mut self.date,
            "title" => &mut self.title,
            "source" => &mut self.source,
            "url" => &mut self.url,
            "id" | "doc_id" => &mut self.id,
            _ => return false,
        };
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value.to_string());
        }
        true
    }
}

fn is_known_key(key: &str) -> bool {
    Header::default().set(key, "")
}

/// Splits `key: value` (the colon followed by a space, a tab or the end, so `http://x` is
/// not one); the key is a word of letters, digits, `_` or `-`.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (key, rest) = line.split_once(':')?;
    let word = !key.is_empty()
        && key.len() <= 32
        && key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let separated = rest.is_empty() || rest.starts_with([' ', '\t']);
    (word && separated).then(|| (key, rest.trim()))
}

/// Each line without its line ending, with the offset where the next line starts.
fn lines(s: &str) -> impl Iterator<Item = (&str, usize)> {
    let mut end = 0;
    s.split_inclusive('\n').map(move |raw| {
        end += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        (line.strip_suffix('\r').unwrap_or(line), end)
    })
}

/// Reads a front matter (`---` … `---`); returns where the body starts.
fn front_matter(s: &str, header: &mut Header) -> Option<usize> {
    let mut it = lines(s);
    let (first, _) = it.next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let mut found = Header::default();
    for (line, next) in it {
        if line.trim_end() == "---" {
            *header = found;
            return Some(skip_one_blank(s, next));
        }
        // Nested YAML, lists and comments do not parse as `key: value` and are ignored.
        if let Some((key, value)) = key_value(line) {
            found.set(key, unquote(value));
        }
    }
    None
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

fn skip_one_blank(s: &str, at: usize) -> usize {
    match lines(s.get(at..).unwrap_or("")).next() {
        Some((line, next)) if line.trim().is_empty() => at + next,
        _ => at,
    }
}

/// Reads a header block; returns where the body starts (0 when there is none).
///
/// The block is the leading run of `key: value` lines, ended by a blank line, another line
/// or the end of the file. It needs at least one known key. When a blank line closes it,
/// unknown keys in it (`author: …`) are part of it; otherwise it stops before the first
/// unknown key, so a dateline such as `WASHINGTON: …` right after `date:` stays text.
fn header_block(s: &str, header: &mut Header) -> usize {
    let mut run = Vec::new();
    // Only a blank line closes the block; at the end of the file it is just a run of lines.
    let mut closed_at = None;
    for (line, next) in lines(s) {
        if line.trim().is_empty() {
            closed_at = Some(next);
            break;
        }
        match key_value(line) {
            Some((key, value)) => run.push((key, value, next)),
            None => break,
        }
    }
    let taken = match closed_at {
        Some(_) if run.iter().any(|(k, _, _)| is_known_key(k)) => run.len(),
        _ => run.iter().take_while(|(k, _, _)| is_known_key(k)).count(),
    };
    let Some(&(_, _, after_last)) = taken.checked_sub(1).and_then(|i| run.get(i)) else {
        return 0;
    };
    for (key, value, _) in run.iter().take(taken) {
        header.set(key, value);
    }
    match closed_at {
        Some(body) if taken == run.len() => body,
        _ => after_last,
    }
}

/// A `YYYY-MM-DD` or `YYYY-MM` prefix of a file name, not followed by another digit or by
/// `-` and a digit (so `2025-04-1-x` is no date rather than April).
fn date_prefix(name: &str) -> Option<&str> {
    let b = name.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(digit);
    let dash = |i: usize| b.get(i) == Some(&b'-');
    let ends_at = |i: usize| !(digit(i) || dash(i) && digit(i + 1));
    if !(digits(0..4) && dash(4) && digits(5..7)) {
        return None;
    }
    if dash(7) && digits(8..10) && ends_at(10) {
        return name.get(..10);
    }
    ends_at(7).then(|| name.get(..7)).flatten()
}

/// Turns one file's bytes into an article, or says what is wrong with it.
fn parse_text(
    bytes: Vec<u8>,
    markdown: bool,
    doc_id: String,
    file_name: &str,
) -> Result<Article, String> {
    let mut s = String::from_utf8(bytes)
        .map_err(|e| format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to() + 1))?;
    let bom = if s.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let rest = s.get(bom..).unwrap_or("");
    let mut header = Header::default();
    let body = bom
        + markdown
            .then(|| front_matter(rest, &mut header))
            .flatten()
            .unwrap_or_else(|| header_block(rest, &mut header));
    if s.get(body..).is_none_or(|t| t.trim().is_empty()) {
        return Err("empty text".to_string());
    }
    let date =
        match (&header.date, date_prefix(file_name)) {
            (Some(d), _) => d.parse::<PartialDate>()?,
            (None, Some(d)) => d
                .parse::<PartialDate>()
                .map_err(|e| format!("{e} (in the file name)"))?,
            (None, None) => return Err(
                r#"no date: add a "date: YYYY-MM-DD" header line or a YYYY-MM-DD file-name prefix"#
                    .to_string(),
            ),
        };
    s.drain(..body);
    Ok(Article {
        doc_id: header.id.unwrap_or(doc_id),
        date,
        title: header.title,
        source: header.source,
        url: header.url,
        text: s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn date(s: &str) -> PartialDate {
        s.parse().unwrap()
    }

    /// An article with doc_id "id" unless the case says otherwise.
    fn art(d: &str, text: &str) -> Article {
        Article {
            doc_id: "id".into(),
            date: date(d),
            title: None,
            source: None,
            url: None,
            text: text.into(),
        }
    }

    #[test]
    fn date_prefixes() {
        let cases = [
            ("2025-04-15-talks.txt", Some("2025-04-15")),
            ("2025-04-15.txt", Some("2025-04-15")),
            ("2025-04-15_talks", Some("2025-04-15")),
            ("2025-04-notes.txt", Some("2025-04")),
            ("2025-04.md", Some("2025-04")),
            ("2025-04", Some("2025-04")),
            ("2025-02-30-x.txt", Some("2025-02-30")), // impossible: reported when parsed
            ("20250415-talks.txt", None),
            ("2025-4-15.txt", None),
            ("2025-04-1-x.txt", None),
            ("2025-04-155.txt", None),
            ("2025-041.txt", None),
            ("2025.txt", None),
            ("talks-2025-04-15.txt", None),
            ("", None),
        ];
        for (name, want) in cases {
            assert_eq!(date_prefix(name), want, "{name:?}");
        }
    }

    #[test]
    fn text_kinds() {
        let cases = [
            ("a.txt", Some((4, false))),
            ("a.md", Some((3, true))),
            ("a.txt.gz", Some((7, false))),
            ("a.md.gz", Some((6, true))),
            ("A.TXT", Some((4, false))),
            ("a.jsonl", None),
            ("a.gz", None),
            ("a.txt.bak", None),
            ("txt", None),
            (".txt", None),
            ("é.md", Some((3, true))),
        ];
        for (name, want) in cases {
            assert_eq!(text_kind(name), want, "{name:?}");
        }
    }

    #[test]
    fn headers_front_matter_and_file_names() {
        let titled = |a: Article, t: &str| Article {
            title: Some(t.into()),
            ..a
        };
        let cases: Vec<(&str, bool, &str, &str, Article)> = vec![
            (
                "header date, blank line cut",
                false,
                "talks.txt",
                "date: 2025-04-10\ntitle: Talks open\n\nOfficials met.\n",
                titled(art("2025-04-10", "Officials met.\n"), "Talks open"),
            ),
            (
                "keys are case-insensitive, all fields",
                false,
                "talks.txt",
                "Date: 2025-04\nTITLE: T\nSource: Wire\nURL: https://example.com/a?b=c:d\nDoc_ID: custom/7\n\nBody.",
                Article {
                    doc_id: "custom/7".into(),
                    title: Some("T".into()),
                    source: Some("Wire".into()),
                    url: Some("https://example.com/a?b=c:d".into()),
                    ..art("2025-04", "Body.")
                },
            ),
            (
                "id key also overrides",
                false,
                "x.txt",
                "id: abc\ndate: 2025\n\nBody.",
                Article { doc_id: "abc".into(), ..art("2025", "Body.") },
            ),
            (
                "unknown key inside a block closed by a blank line",
                false,
                "x.txt",
                "date: 2025-04-10\nauthor: A. Writer\n\nBody.",
                art("2025-04-10", "Body."),
            ),
            (
                "dateline right after the header stays text",
                false,
                "x.txt",
                "date: 2025-04-10\nWASHINGTON: Officials said talks went well.\n",
                art("2025-04-10", "WASHINGTON: Officials said talks went well.\n"),
            ),
            (
                "header ended by a prose line",
                false,
                "x.txt",
                "date: 2025-04-10\nOfficials met on Friday.\n",
                art("2025-04-10", "Officials met on Friday.\n"),
            ),
            (
                "only one blank line is cut",
                false,
                "x.txt",
                "date: 2025-04-10\n\n\nBody.",
                art("2025-04-10", "\nBody."),
            ),
            (
                "CRLF header",
                false,
                "x.txt",
                "date: 2025-04-10\r\ntitle: T\r\n\r\nBody.\r\n",
                titled(art("2025-04-10", "Body.\r\n"), "T"),
            ),
            (
                "byte-order mark before the header",
                false,
                "x.txt",
                "\u{feff}date: 2025-04-10\n\nBody.",
                art("2025-04-10", "Body."),
            ),
            (
                "first duplicate wins, empty value ignored",
                false,
                "2025-01-01-x.txt",
                "title:\ndate: 2025-04-10\ndate: 2025-04-11\n\nBody.",
                art("2025-04-10", "Body."),
            ),
            (
                "date from the file name, text untouched",
                false,
                "2025-04-15-talks.txt",
                "Officials met.\nThey spoke.\n",
                art("2025-04-15", "Officials met.\nThey spoke.\n"),
            ),
            (
                "month from the file name",
                false,
                "2025-04-notes.txt",
                "Officials met.",
                art("2025-04", "Officials met."),
            ),
            (
                "header date wins over the file name",
                false,
                "2025-04-15-talks.txt",
                "date: 2025-05-01\n\nBody.",
                art("2025-05-01", "Body."),
            ),
            (
                "unknown first key is not a header",
                false,
                "2025-04-15.txt",
                "Note: talks resumed.\n\nBody.",
                art("2025-04-15", "Note: talks resumed.\n\nBody."),
            ),
            (
                "a URL line is not a header",
                false,
                "2025-04-15.txt",
                "http://example.com\n\nBody.",
                art("2025-04-15", "http://example.com\n\nBody."),
            ),
            (
                "leading blank line: no header",
                false,
                "2025-04-15.txt",
                "\ndate: 2025-05-01\n\nBody.",
                art("2025-04-15", "\ndate: 2025-05-01\n\nBody."),
            ),
            (
                "front matter with quotes, nested YAML and comments",
                true,
                "notes.md",
                "---\ntitle: \"Talks: day 2\"\n# a comment\ndate: '2025-06'\ntags:\n  - fentanyl\n---\n\n# Heading\nBody.\n",
                titled(art("2025-06", "# Heading\nBody.\n"), "Talks: day 2"),
            ),
            (
                "front matter without a blank line after it",
                true,
                "notes.md",
                "---\ndate: 2025-06-01\n---\nBody.",
                art("2025-06-01", "Body."),
            ),
            (
                "front matter date wins over the file name",
                true,
                "2025-01-01-notes.md",
                "---\ndate: 2025-06-01\n---\nBody.",
                art("2025-06-01", "Body."),
            ),
            (
                "markdown may use a header block too",
                true,
                "notes.md",
                "date: 2025-06-01\n\n# Body",
                art("2025-06-01", "# Body"),
            ),
            (
                "unclosed front matter is text",
                true,
                "2025-04-15.md",
                "---\ndate: 2025-06-01\nBody.",
                art("2025-04-15", "---\ndate: 2025-06-01\nBody."),
            ),
            (
                "front matter only counts in markdown",
                false,
                "2025-04-15.txt",
                "---\ndate: 2025-06-01\n---\nBody.",
                art("2025-04-15", "---\ndate: 2025-06-01\n---\nBody."),
            ),
        ];
        for (name, md, file_name, content, want) in cases {
            let got = parse_text(content.as_bytes().to_vec(), md, "id".into(), file_name);
            assert_eq!(got, Ok(want), "{name}");
        }
    }

    #[test]
    fn bad_files_name_the_problem() {
        let no_date =
            r#"no date: add a "date: YYYY-MM-DD" header line or a YYYY-MM-DD file-name prefix"#;
        let cases: [(&str, &[u8], &str); 9] = [
            ("x.txt", b"Officials met.", no_date),
            (
                "x.txt",
                b"date: 2025-02-30\n\nBody.",
                r#"impossible date "2025-02-30": day 30 does not exist in that month"#,
            ),
            (
                "2025-02-30-x.txt",
                b"Body.",
                r#"impossible date "2025-02-30": day 30 does not exist in that month (in the file name)"#,
            ),
            (
                "x.txt",
                b"date: April 10\n\nBody.",
                r#"invalid date "April 10": expected YYYY-MM-DD, YYYY-MM or YYYY"#,
            ),
            ("2025-04-15.txt", b"", "empty text"),
            ("2025-04-15.txt", b" \n\t\n", "empty text"),
            (
                "x.txt",
                b"date: 2025-04-10\ntitle: Only a header\n",
                "empty text",
            ),
            ("x.txt", b"date: 2025-04-10\n\n   \n", "empty text"),
            (
                "2025-04-15.txt",
                b"caf\xE9 talks",
                "invalid UTF-8 at byte 4",
            ),
        ];
        for (file_name, content, want) in cases {
            let got = parse_text(content.to_vec(), false, "id".into(), file_name);
            assert_eq!(
                got,
                Err(want.to_string()),
                "{file_name} {:?}",
                String::from_utf8_lossy(content)
            );
        }
    }

    fn write(root: &Path, rel: &str, content: &[u8]) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    /// Reads a folder to (doc_id, date, text) for articles, or a short error description.
    fn read_folder(root: &Path) -> Vec<String> {
        let (files, errors) = walk(root);
        FolderReader::new(files, errors, Arc::new(AtomicU64::new(0)))
            .map(|item| match item {
                Ok(a) => format!("{} {} {:?}", a.doc_id, a.date, a.text),
                Err(Error::Record {
                    path, line, reason, ..
                }) => {
                    format!(
                        "record {}:{line}: {reason}",
                        path.strip_prefix(root).unwrap().display()
                    )
                }
                Err(Error::Io { path, .. }) => {
                    format!("io {}", path.strip_prefix(root).unwrap().display())
                }
                Err(e) => panic!("{e}"),
            })
            .collect()
    }

    #[test]
    fn folders_are_walked_sorted_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "2025-04-15-a.txt", b"Alpha.");
        write(root, "b.txt", b"date: 2025-04-20\n\nBravo.");
        write(
            root,
            "b/2025-04-16-c.md",
            b"---\ndate: 2025-04-17\n---\nCharlie.",
        );
        write(root, "Z.txt", b"date: 2025-04\n\nZulu.");
        write(root, "c-nodate.txt", b"No date here.");
        write(root, "d/e/2025-04-18-f.txt.gz", &gzip(b"Foxtrot."));
        write(root, "upper.TXT", b"date: 2025\n\nUpper.");
        // Ignored: hidden files and folders, other extensions.
        write(root, ".hidden.txt", b"date: 2025\n\nHidden.");
        write(root, ".git/x.txt", b"date: 2025\n\nGit.");
        write(root, "d/.cache/y.md", b"date: 2025\n\nCache.");
        write(root, "notes.json", b"{}");
        write(root, "README", b"read me");
        write(root, "data.jsonl", b"{}");
        // Byte-wise order: digits < upper case < lower case, and "b.txt" < "b/…" as '.' < '/'.
        let want = [
            r#"2025-04-15-a 2025-04-15 "Alpha.""#,
            r#"Z 2025-04 "Zulu.""#,
            r#"b 2025-04-20 "Bravo.""#,
            r#"b/2025-04-16-c 2025-04-17 "Charlie.""#,
            r#"record c-nodate.txt:1: no date: add a "date: YYYY-MM-DD" header line or a YYYY-MM-DD file-name prefix"#,
            r#"d/e/2025-04-18-f 2025-04-18 "Foxtrot.""#,
            r#"upper 2025 "Upper.""#,
        ];
        assert_eq!(read_folder(root), want);
    }

    #[test]
    fn broken_files_do_not_stop_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let gz = gzip(
            "date: 2025-04-10\n\nA long body that is cut short.\n"
                .repeat(40)
                .as_bytes(),
        );
        write(root, "a-cut.txt.gz", &gz[..gz.len() / 2]);
        write(root, "b-not-gzip.txt.gz", b"date: 2025-04-10\n\nplain");
        write(root, "c-latin1.txt", b"date: 2025-04-10\n\ncaf\xE9");
        write(root, "d-ok.md", b"date: 2025-04-10\n\nFine.");
        let want = [
            "io a-cut.txt.gz",
            "io b-not-gzip.txt.gz",
            "record c-latin1.txt:1: invalid UTF-8 at byte 22",
            r#"d-ok 2025-04-10 "Fine.""#,
        ];
        assert_eq!(read_folder(root), want);
    }

    #[test]
    fn oversized_file_is_one_bad_record() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "2025-04-15.txt", b"twelve bytes");
        let file = TextFile::single(&dir.path().join("2025-04-15.txt"), 12).unwrap();
        let counter = Arc::new(AtomicU64::new(0));
        let err = read_file(&file, &counter, 11).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}:1: file longer than 11 bytes; skipped",
                file.path.display()
            )
        );
        assert!(read_file(&file, &counter, 12).is_ok());
    }

    #[test]
    fn single_file_doc_id_is_its_name() {
        let cases = [
            ("dir/2025-04-15-talks.txt", Some("2025-04-15-talks")),
            ("notes.md.gz", Some("notes")),
            ("a.b.txt", Some("a.b")),
            ("data.jsonl", None),
        ];
        for (path, want) in cases {
            let got = TextFile::single(Path::new(path), 0).and_then(|f| f.doc_id);
            assert_eq!(got.as_deref(), want, "{path}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn link_cycles_end_and_links_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        write(&root, "a/2025-04-15-x.txt", b"Inside.");
        write(dir.path(), "outside/2025-04-16-y.txt", b"Outside.");
        std::os::unix::fs::symlink(&root, root.join("a/loop")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside"), root.join("ext")).unwrap();
        std::os::unix::fs::symlink(root.join("missing.txt"), root.join("dangling.txt")).unwrap();
        let want = [
            "io a/loop",
            r#"a/2025-04-15-x 2025-04-15 "Inside.""#,
            "io dangling.txt",
            r#"ext/2025-04-16-y 2025-04-16 "Outside.""#,
        ];
        assert_eq!(read_folder(&root), want);
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_names_are_bad_records() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let name = std::ffi::OsStr::from_bytes(b"2025-04-15-caf\xE9.txt");
        fs::write(dir.path().join(name), b"Body.").unwrap();
        let got = read_folder(dir.path());
        assert_eq!(got.len(), 1);
        assert!(
            got[0].ends_with(":1: file path is not valid UTF-8"),
            "{got:?}"
        );
    }

    proptest::proptest! {
        /// Offsets into the body stay offsets into the file shifted by one number: the text
        /// is always an untouched tail of the file.
        #[test]
        fn text_is_an_unmodified_tail(
            content in "(((date|title|id|Note|---)(: ?)?)?[ -~\u{a0}-\u{2fff}\r]{0,12}\n?){0,6}",
            md in proptest::bool::ANY,
        ) {
            if let Ok(a) = parse_text(content.clone().into_bytes(), md, "id".into(), "2025-04-15.txt") {
                proptest::prop_assert!(content.ends_with(&a.text), "{:?} -> {:?}", content, a.text);
                proptest::prop_assert!(!a.text.trim().is_empty());
            }
        }

        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200), md in proptest::bool::ANY) {
            let _ = parse_text(bytes, md, "id".into(), "x.txt");
        }
    }
}
