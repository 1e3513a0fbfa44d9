//! The entry point for reading: [`Inputs`] walks the paths given, picks a reader for each
//! (JSONL, folder, single text file; gzip or not) and chains their articles.

use std::collections::HashSet;
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::iter::FusedIterator;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::folder::{self, FolderReader, TextFile};
use super::jsonl::JsonlReader;
use super::open::{self, MAX_RECORD_BYTES};
use super::{Article, MAX_ARTICLE_BYTES};
use crate::{Error, Result};

/// Streams articles from the given paths (`-` or none: stdin), one at a time.
///
/// Each path is read in the order given:
///
/// - `-` (or an empty list): standard input, read as JSONL.
/// - a folder: every `.txt`, `.md`, `.txt.gz` and `.md.gz` file below it, recursively, in
///   byte-wise order of the relative path; names starting with `.` are skipped. The doc_id
///   is the relative path with `/` separators minus the extension(s). A file may start with
///   a header block of `key: value` lines (keys `date`, `title`, `source`, `url`,
///   `id`/`doc_id`, any case), or for `.md` a front matter between `---` lines; without a
///   `date:` there, the date comes from a `YYYY-MM-DD` or `YYYY-MM` prefix of the file name.
///   **The header and the one blank line after it are not part of [`Article::text`]: output
///   offsets for folder inputs point into the body after the header.**
/// - a `.txt`/`.md` file (optionally `.gz`): one article, read as a folder's file would be,
///   its doc_id being its file name minus the extension(s).
/// - any other file: JSONL, one object per line with `doc_id` (or `id`; a number is turned
///   into a string), `date` (`YYYY-MM-DD`, `YYYY-MM` or `YYYY`, kept at that precision),
///   `text` (or `body`) and optional `title`, `source`, `url`. Blank lines are skipped; a
///   `\r\n` ending is accepted.
///
/// Files named `.gz` or starting with the gzip magic bytes (stdin too) are decompressed on
/// the fly. Only one article, and one line of a JSONL input, is held in memory.
///
/// Errors do not stop the iteration: a bad record is one `Err(Error::Record)` (1-based
/// line; line 1 and the file's path for folder files) and reading goes on with the next
/// record; a path that cannot be opened, or that fails mid-way (e.g. a truncated gzip), is
/// one `Err(Error::Io)` and reading goes on with the next path; a JSONL input that breaks
/// off mid-way (e.g. a truncated gzip) ends with one `Err(Error::Record)` naming the line it
/// was reading. Errors name stdin `-`.
///
/// An article whose text is longer than [`MAX_ARTICLE_BYTES`] is a bad record. With
/// [`reject_duplicate_ids`](Self::reject_duplicate_ids), so is one whose `doc_id` came
/// earlier in the run.
pub struct Inputs {
    paths: Vec<PathBuf>,
    next_path: usize,
    current: Option<Source>,
    bytes_read: Arc<AtomicU64>,
    /// 128-bit hashes of the doc_ids seen, when duplicates are rejected.
    seen_ids: Option<HashSet<u128>>,
}

/// The reader for the path being read.
enum Source {
    Jsonl(JsonlReader),
    Files(FolderReader),
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

impl Inputs {
    /// Reads these paths in order; an empty list means stdin.
    pub fn new(paths: Vec<PathBuf>) -> Self {
        let paths = if paths.is_empty() {
            vec![PathBuf::from("-")]
        } else {
            paths
        };
        Inputs {
            paths,
            next_path: 0,
            current: None,
            bytes_read: Arc::new(AtomicU64::new(0)),
            seen_ids: None,
        }
    }

    /// Makes a repeated `doc_id` a bad record (the first article with it is kept), so that
    /// every output record can be traced back to exactly one input record.
    ///
    /// Memory grows by about 32 bytes per distinct doc_id: hashes are kept, not the ids.
    pub fn reject_duplicate_ids(mut self) -> Self {
        self.seen_ids = Some(HashSet::new());
        self
    }

    /// The bad record for `article` when it is too long or its doc_id was seen before
    /// (then it is noted).
    fn check(&mut self, article: Article) -> Result<Article> {
        let reason = if article.text.len() > MAX_ARTICLE_BYTES {
            format!(
                "text of {} bytes is longer than the {} MiB allowed for one article; skipped",
                article.text.len(),
                MAX_ARTICLE_BYTES >> 20
            )
        } else if self
            .seen_ids
            .as_mut()
            .is_none_or(|seen| seen.insert(id_key(&article.doc_id)))
        {
            return Ok(article);
        } else {
            format!(
                "duplicate doc_id {:?}: an earlier record has it; rejected",
                article.doc_id
            )
        };
        let (path, line) = match &self.current {
            Some(Source::Jsonl(r)) => r.location(),
            Some(Source::Files(r)) => r.location().unwrap_or((Path::new(""), 0)),
            None => (Path::new(""), 0),
        };
        Err(Error::Record {
            path: path.to_path_buf(),
            line,
            reason,
            doc_id: Some(article.doc_id),
        })
    }

    /// The total size on disk of the inputs, for a progress bar measured with
    /// [`bytes_read`](Self::bytes_read): `None` when one of them is stdin or another
    /// non-regular file. Folders are listed to sum their text files; paths that cannot be
    /// read count as 0 (their error comes when they are read).
    pub fn total_bytes(&self) -> Option<u64> {
        let mut total = 0u64;
        for path in &self.paths {
            if is_stdin(path) {
                return None;
            }
            let size = match fs::metadata(path) {
                Err(_) => 0,
                Ok(meta) if meta.is_dir() => folder::walk(path).0.iter().map(TextFile::size).sum(),
                Ok(meta) if meta.is_file() => meta.len(),
                Ok(_) => return None,
            };
            total = total.saturating_add(size);
        }
        Some(total)
    }

    /// Bytes read so far from the inputs as stored (before decompression), to set against
    /// [`total_bytes`](Self::total_bytes).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read.load(Ordering::Relaxed)
    }

    fn open(&self, path: &Path) -> Result<Source> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        if is_stdin(path) {
            let stream = open::open(path, true, &self.bytes_read).map_err(io)?;
            return Ok(Source::Jsonl(JsonlReader::new(
                path.to_path_buf(),
                stream,
                MAX_RECORD_BYTES,
            )));
        }
        let meta = fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            let (files, errors) = folder::walk(path);
            return Ok(Source::Files(FolderReader::new(
                files,
                errors,
                Arc::clone(&self.bytes_read),
            )));
        }
        if let Some(file) = folder::is_text_file(path)
            .then(|| TextFile::single(path, meta.len()))
            .flatten()
        {
            return Ok(Source::Files(FolderReader::new(
                vec![file],
                Vec::new(),
                Arc::clone(&self.bytes_read),
            )));
        }
        let stream = open::open(path, false, &self.bytes_read).map_err(io)?;
        Ok(Source::Jsonl(JsonlReader::new(
            path.to_path_buf(),
            stream,
            MAX_RECORD_BYTES,
        )))
    }
}

impl Iterator for Inputs {
    type Item = Result<Article>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(source) = &mut self.current {
                let item = match source {
                    Source::Jsonl(r) => r.next(),
                    Source::Files(r) => r.next(),
                };
                match item {
                    Some(Ok(article)) => return Some(self.check(article)),
                    Some(Err(e)) => return Some(Err(e)),
                    None => {}
                }
                self.current = None;
            }
            let path = self.paths.get(self.next_path)?.clone();
            self.next_path += 1;
            match self.open(&path) {
                Ok(source) => self.current = Some(source),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl FusedIterator for Inputs {}

/// A 128-bit key for a doc_id: two SipHash passes over differently tagged input. Keeping
/// keys instead of ids bounds memory on corpora of millions of articles; a false duplicate
/// would need a 128-bit collision, far less likely than a disk error.
fn id_key(id: &str) -> u128 {
    let mut a = DefaultHasher::new();
    (0u8, id).hash(&mut a);
    let mut b = DefaultHasher::new();
    (1u8, id).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    /// One item as `doc_id date`, `record FILE:LINE: reason` or `io FILE`, paths shown by
    /// file name only so that temporary folders do not leak into expectations.
    fn summary(item: Result<Article>) -> String {
        let name = |p: &Path| {
            p.file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        };
        match item {
            Ok(a) => format!("{} {}", a.doc_id, a.date),
            Err(Error::Record {
                path, line, reason, ..
            }) => {
                if reason.starts_with("read error (") {
                    // The line where a broken stream stops depends on where it breaks.
                    return format!("broken {}", name(&path));
                }
                format!("record {}:{line}: {reason}", name(&path))
            }
            Err(Error::Io { path, .. }) => format!("io {}", name(&path)),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn inputs_can_move_to_another_thread() {
        fn is_send<T: Send>() {}
        is_send::<Inputs>();
    }

    #[test]
    fn empty_list_means_stdin() {
        let inputs = Inputs::new(Vec::new());
        assert_eq!(inputs.paths, vec![PathBuf::from("-")]);
        assert_eq!(inputs.total_bytes(), None);
    }

    #[test]
    fn fixtures_read_as_documented() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/inputs");
        let items: Vec<_> =
            Inputs::new(vec![dir.join("mixed.jsonl"), dir.join("folder")]).collect();
        let got: Vec<String> = items
            .iter()
            .map(|i| match i {
                Ok(a) => format!("{} {}", a.doc_id, a.date),
                Err(e) => e.to_string().replace(&format!("{}/", dir.display()), ""),
            })
            .collect();
        let want = [
            "fent-001 2025-04-10",
            "mixed.jsonl:2: invalid JSON: EOF while parsing an object at column 87",
            "fent-002 2025-05",
            r#"mixed.jsonl:4: missing "text" (or "body")"#,
            r#"mixed.jsonl:5: impossible date "2025-02-30": day 30 does not exist in that month"#,
            "fent-003 2025-06-12",
            "2025-04-15-precursor-controls 2025-04-15",
            "analysis 2025-06",
            "briefing 2025-05-02",
        ];
        assert_eq!(got, want);
        let article = |id: &str| items.iter().flatten().find(|a| a.doc_id == id).unwrap();
        assert_eq!(article("fent-001").source.as_deref(), Some("Example Wire"));
        assert_eq!(
            article("fent-003").url.as_deref(),
            Some("https://example.com/news/fent-003")
        );
        let briefing = article("briefing");
        assert_eq!(
            briefing.title.as_deref(),
            Some("White House briefing on fentanyl talks")
        );
        assert!(
            briefing
                .text
                .starts_with("The White House press secretary said"),
            "{:?}",
            briefing.text
        );
        let analysis = article("analysis");
        assert_eq!(
            analysis.title.as_deref(),
            Some("Fentanyl diplomacy: what changed")
        );
        assert!(
            analysis
                .text
                .starts_with("# Fentanyl diplomacy\n\nExperts said"),
            "{:?}",
            analysis.text
        );
        let precursor = article("2025-04-15-precursor-controls");
        assert!(precursor.text.starts_with("China's commerce ministry"));
        assert_eq!(precursor.title, None);
    }

    #[test]
    fn paths_are_read_in_order_and_errors_move_on() {
        let dir = tempfile::tempdir().unwrap();
        let p = |name: &str| dir.path().join(name);
        let line =
            |id: &str| format!("{{\"id\":\"{id}\",\"date\":\"2025-04-10\",\"text\":\"Talks.\"}}\n");
        fs::write(p("a.jsonl"), line("a")).unwrap();
        fs::write(
            p("b.jsonl.gz"),
            gzip(format!("{}{}", line("b1"), line("b2")).as_bytes()),
        )
        .unwrap();
        let cut = gzip(line("cut").repeat(300).as_bytes());
        fs::write(p("cut.jsonl.gz"), &cut[..cut.len() / 2]).unwrap();
        fs::write(p("plain.gz"), line("never")).unwrap();
        fs::write(p("magic.data"), gzip(line("m").as_bytes())).unwrap();
        fs::write(p("2025-04-15-single.txt"), "Officials met.").unwrap();
        fs::write(p("notes.md.gz"), gzip(b"---\ndate: 2025-06\n---\nNotes.")).unwrap();
        fs::create_dir(p("sub")).unwrap();
        fs::write(p("sub/2025-04-16-x.txt"), "In a folder.").unwrap();
        fs::write(p("last.jsonl"), line("last")).unwrap();
        let paths = [
            "a.jsonl",
            "missing.jsonl",
            "b.jsonl.gz",
            "cut.jsonl.gz",
            "plain.gz",
            "magic.data",
            "2025-04-15-single.txt",
            "notes.md.gz",
            "sub",
            "missing-folder",
            "last.jsonl",
        ];
        let got: Vec<String> = Inputs::new(paths.iter().map(|n| p(n)).collect())
            .map(summary)
            // How many lines of the cut file come out before its error depends on the cut.
            .filter(|s| s != "cut 2025-04-10")
            .collect();
        let want = [
            "a 2025-04-10",
            "io missing.jsonl",
            "b1 2025-04-10",
            "b2 2025-04-10",
            "broken cut.jsonl.gz",
            "broken plain.gz",
            "m 2025-04-10",
            "2025-04-15-single 2025-04-15",
            "notes 2025-06",
            "2025-04-16-x 2025-04-16", // relative to the folder given
            "io missing-folder",
            "last 2025-04-10",
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn duplicate_ids_are_rejected_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let p = |name: &str| dir.path().join(name);
        let line =
            |id: &str| format!("{{\"id\":\"{id}\",\"date\":\"2025-04-10\",\"text\":\"Talks.\"}}\n");
        fs::write(p("a.jsonl"), [line("x"), line("y"), line("x")].concat()).unwrap();
        fs::create_dir(p("f")).unwrap();
        // A folder file's doc_id is its name: this one clashes with the JSONL's "y".
        fs::write(p("f/y.txt"), "date: 2025-04-11\n\nMore talks.").unwrap();
        let paths = vec![p("a.jsonl"), p("f")];
        let plain: Vec<String> = Inputs::new(paths.clone()).map(summary).collect();
        assert_eq!(
            plain,
            [
                "x 2025-04-10",
                "y 2025-04-10",
                "x 2025-04-10",
                "y 2025-04-11"
            ]
        );
        let checked: Vec<String> = Inputs::new(paths)
            .reject_duplicate_ids()
            .map(summary)
            .collect();
        assert_eq!(
            checked,
            [
                "x 2025-04-10",
                "y 2025-04-10",
                r#"record a.jsonl:3: duplicate doc_id "x": an earlier record has it; rejected"#,
                r#"record y.txt:1: duplicate doc_id "y": an earlier record has it; rejected"#,
            ]
        );
    }

    #[test]
    fn id_keys_differ_for_near_identical_ids() {
        let ids = [
            "", "a", "b", "ab", "ba", "a\u{0}", "doc-1", "doc-10", "doc-01",
        ];
        let keys: HashSet<u128> = ids.iter().map(|id| id_key(id)).collect();
        assert_eq!(keys.len(), ids.len());
        assert_eq!(id_key("doc-1"), id_key(&String::from("doc-1")));
    }

    #[test]
    fn iteration_ends_and_stays_ended() {
        let dir = tempfile::tempdir().unwrap();
        let cut = gzip(
            "{\"id\":\"a\",\"date\":\"2025\",\"text\":\"t\"}\n"
                .repeat(100)
                .as_bytes(),
        );
        fs::write(dir.path().join("cut.gz"), &cut[..cut.len() - 4]).unwrap();
        let mut inputs = Inputs::new(vec![dir.path().join("cut.gz")]);
        let errors = inputs.by_ref().take(1000).filter(|i| i.is_err()).count();
        assert_eq!(errors, 1);
        assert!(inputs.next().is_none());
        assert!(inputs.next().is_none());
    }

    #[test]
    fn progress_counts_stored_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = |name: &str| dir.path().join(name);
        let a = "{\"id\":\"a\",\"date\":\"2025\",\"text\":\"t\"}\n".repeat(3);
        fs::write(p("a.jsonl"), &a).unwrap();
        let gz = gzip(a.as_bytes());
        fs::write(p("b.jsonl.gz"), &gz).unwrap();
        fs::create_dir(p("f")).unwrap();
        fs::write(p("f/2025-04-15.txt"), "Twelve bytes").unwrap();
        fs::write(p("f/ignored.json"), "not counted").unwrap();
        let expected = (a.len() + gz.len() + "Twelve bytes".len()) as u64;

        let mut inputs = Inputs::new(vec![p("a.jsonl"), p("b.jsonl.gz"), p("f"), p("missing")]);
        assert_eq!(inputs.total_bytes(), Some(expected));
        assert_eq!(inputs.bytes_read(), 0);
        let items = inputs.by_ref().count();
        assert_eq!(items, 3 + 3 + 1 + 1);
        assert_eq!(inputs.bytes_read(), expected);

        assert_eq!(
            Inputs::new(vec![p("a.jsonl"), PathBuf::from("-")]).total_bytes(),
            None
        );
    }
}
