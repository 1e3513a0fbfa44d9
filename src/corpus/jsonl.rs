//! JSON Lines input: one article object per line.
//!
//! Lines are read as bytes, so invalid UTF-8 spoils one record, not the file. Each bad line
//! becomes one `Error::Record` (1-based line number) and reading goes on; an I/O error
//! (e.g. a truncated gzip stream) ends this input with one `Error::Io`.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::open::{read_line, Line, Stream};
use super::{Article, PartialDate};
use crate::{Error, Result};

/// Streams articles from one JSONL source.
pub(crate) struct JsonlReader {
    path: PathBuf,
    stream: Option<Stream>,
    line: u64,
    buf: Vec<u8>,
    max_line: usize,
}

impl JsonlReader {
    /// Reads `stream`, naming `path` (`-` for stdin) in errors; lines over `max_line` bytes
    /// are bad records.
    pub(crate) fn new(path: PathBuf, stream: Stream, max_line: usize) -> Self {
        JsonlReader {
            path,
            stream: Some(stream),
            line: 0,
            buf: Vec::new(),
            max_line,
        }
    }

    fn record_error(&self, reason: String, doc_id: Option<String>) -> Error {
        Error::Record {
            path: self.path.clone(),
            line: self.line,
            reason,
            doc_id,
        }
    }

    /// Where the record last returned came from: the file and its 1-based line.
    pub(crate) fn location(&self) -> (&std::path::Path, u64) {
        (&self.path, self.line)
    }
}

impl Iterator for JsonlReader {
    type Item = Result<Article>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let stream = self.stream.as_mut()?;
            match read_line(stream, &mut self.buf, self.max_line) {
                Ok(Line::Eof) => {
                    self.stream = None;
                    return None;
                }
                Ok(Line::TooLong) => {
                    self.line += 1;
                    let reason = format!("line longer than {} bytes; skipped", self.max_line);
                    return Some(Err(self.record_error(reason, None)));
                }
                Ok(Line::Read) => self.line += 1,
                Err(source) => {
                    // Dropping the stream ends this input: a failing decoder would fail again.
                    // The error names the line being read, so a truncated gzip says how far
                    // it got.
                    self.stream = None;
                    self.line += 1;
                    let reason =
                        format!("read error ({source}); the rest of this input is skipped");
                    return Some(Err(self.record_error(reason, None)));
                }
            }
            let mut line = self.buf.as_slice();
            if let Some(rest) = line.strip_suffix(b"\n") {
                line = rest.strip_suffix(b"\r").unwrap_or(rest);
            }
            if self.line == 1 {
                line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(
                parse_record(line).map_err(|reason| self.record_error(reason, doc_id_of(line))),
            );
        }
    }
}

/// Turns one line into an article, or says what is wrong with it.
///
/// Fields: `doc_id` (or `id`; string or number), `date`, `text` (or `body`), and optional
/// string `title`, `source`, `url`; `null` counts as absent and other fields are ignored.
/// When both a name and its alias are present, `doc_id` and `text` win.
pub(crate) fn parse_record(line: &[u8]) -> Result<Article, String> {
    let line = std::str::from_utf8(line)
        .map_err(|e| format!("invalid UTF-8 at byte {} of the line", e.valid_up_to() + 1))?;
    let value: Value = serde_json::from_str(line).map_err(|e| json_reason(&e))?;
    let mut map = match value {
        Value::Object(map) => map,
        other => return Err(format!("expected a JSON object, found {}", kind(&other))),
    };

    let doc_id = match take(&mut map, &["doc_id", "id"]) {
        None => return Err(r#"missing "doc_id" (or "id")"#.to_string()),
        Some((_, Value::String(s))) => s,
        Some((_, Value::Number(n))) => n.to_string(),
        Some((name, other)) => {
            return Err(format!(
                "{name:?} must be a string or a number (found {})",
                kind(&other)
            ))
        }
    };
    if doc_id.trim().is_empty() {
        return Err(r#"empty "doc_id""#.to_string());
    }

    let date = match take(&mut map, &["date"]) {
        None => return Err(r#"missing "date""#.to_string()),
        Some((_, Value::String(s))) => s.trim().parse::<PartialDate>()?,
        Some((_, other)) => {
            return Err(format!(
                r#""date" must be a string like "2025-04-10" (found {})"#,
                kind(&other)
            ))
        }
    };

    let text = match take(&mut map, &["text", "body"]) {
        None => return Err(r#"missing "text" (or "body")"#.to_string()),
        Some((_, Value::String(s))) => s,
        Some((name, other)) => {
            return Err(format!(
                "{name:?} must be a string (found {})",
                kind(&other)
            ))
        }
    };
    if text.trim().is_empty() {
        return Err("empty text".to_string());
    }

    Ok(Article {
        doc_id,
        date,
        title: optional_string(&mut map, "title")?,
        source: optional_string(&mut map, "source")?,
        url: optional_string(&mut map, "url")?,
        text,
    })
}

/// The `doc_id` (or `id`) of a bad line when it is valid JSON that has one, for error
/// reports; only called on the (rare) error path, so parsing twice costs nothing.
fn doc_id_of(line: &[u8]) -> Option<String> {
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(line) else {
        return None;
    };
    match take(&mut map, &["doc_id", "id"])? {
        (_, Value::String(s)) => Some(s),
        (_, Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Removes the first of `names` that holds a non-null value.
fn take(map: &mut Map<String, Value>, names: &[&'static str]) -> Option<(&'static str, Value)> {
    names.iter().find_map(|&name| match map.remove(name) {
        None | Some(Value::Null) => None,
        Some(v) => Some((name, v)),
    })
}

fn optional_string(
    map: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, String> {
    match take(map, &[name]) {
        None => Ok(None),
        Some((_, Value::String(s))) => Ok(Some(s)),
        Some((_, other)) => Err(format!(
            "{name:?} must be a string (found {})",
            kind(&other)
        )),
    }
}

/// serde_json's message without its "line 1", which is always 1 within a single line.
fn json_reason(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let core = msg.rfind(" at line ").map_or(msg.as_str(), |i| &msg[..i]);
    format!("invalid JSON: {core} at column {}", e.column())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;

    fn date(s: &str) -> PartialDate {
        s.parse().unwrap()
    }

    fn article(doc_id: &str, d: &str, text: &str) -> Article {
        Article {
            doc_id: doc_id.into(),
            date: date(d),
            title: None,
            source: None,
            url: None,
            text: text.into(),
        }
    }

    #[test]
    fn good_records() {
        let full = Article {
            title: Some("Talks resume".into()),
            source: Some("Wire".into()),
            url: Some("https://example.com/a".into()),
            ..article("a1", "2025-04-10", "Officials met.")
        };
        let cases: [(&str, &str, Article); 10] = [
            (
                "all fields",
                r#"{"doc_id":"a1","date":"2025-04-10","text":"Officials met.","title":"Talks resume","source":"Wire","url":"https://example.com/a"}"#,
                full,
            ),
            (
                "aliases id and body",
                r#"{"id":"b2","date":"2025-04-10","body":"Envoys spoke."}"#,
                article("b2", "2025-04-10", "Envoys spoke."),
            ),
            (
                "month precision kept",
                r#"{"id":"m","date":"2025-04","text":"x y"}"#,
                article("m", "2025-04", "x y"),
            ),
            (
                "year precision kept",
                r#"{"id":"y","date":"2025","text":"x y"}"#,
                article("y", "2025", "x y"),
            ),
            (
                "numeric id",
                r#"{"id":1002,"date":"2025-04-10","text":"t"}"#,
                article("1002", "2025-04-10", "t"),
            ),
            (
                "extra fields and nulls ignored",
                r#"{"doc_id":"e","date":"2025-04-10","text":"t","lang":"en","tags":[1,2],"title":null,"url":null}"#,
                article("e", "2025-04-10", "t"),
            ),
            (
                "doc_id wins over id, text over body",
                r#"{"doc_id":"win","id":"lose","date":"2025-04-10","text":"yes","body":"no"}"#,
                article("win", "2025-04-10", "yes"),
            ),
            (
                "null doc_id falls back to id",
                r#"{"doc_id":null,"id":"fallback","date":"2025-04-10","text":"t"}"#,
                article("fallback", "2025-04-10", "t"),
            ),
            (
                "text kept unmodified",
                r#"{"id":"w","date":"2025-04-10","text":"  Line one.\nLine two.  "}"#,
                article("w", "2025-04-10", "  Line one.\nLine two.  "),
            ),
            (
                "non-ASCII text",
                r#"{"id":"u","date":"2025-04-10","text":"Beijing — 北京 said “no”."}"#,
                article("u", "2025-04-10", "Beijing — 北京 said “no”."),
            ),
        ];
        for (name, line, want) in cases {
            assert_eq!(parse_record(line.as_bytes()), Ok(want), "{name}");
        }
    }

    #[test]
    fn bad_records_name_the_problem() {
        let cases: [(&[u8], &str); 17] = [
            (b"{\"id\": }", "invalid JSON: expected value at column 8"),
            (
                b"{\"id\":\"a\"",
                "invalid JSON: EOF while parsing an object at column 9",
            ),
            (b"{} {}", "invalid JSON: trailing characters at column 4"),
            (b"[1,2]", "expected a JSON object, found an array"),
            (b"\"just text\"", "expected a JSON object, found a string"),
            (
                br#"{"date":"2025-04-10","text":"t"}"#,
                r#"missing "doc_id" (or "id")"#,
            ),
            (
                br#"{"id":null,"date":"2025-04-10","text":"t"}"#,
                r#"missing "doc_id" (or "id")"#,
            ),
            (
                br#"{"id":true,"date":"2025-04-10","text":"t"}"#,
                r#""id" must be a string or a number (found a boolean)"#,
            ),
            (
                br#"{"id":" ","date":"2025-04-10","text":"t"}"#,
                r#"empty "doc_id""#,
            ),
            (br#"{"id":"a","text":"t"}"#, r#"missing "date""#),
            (
                br#"{"id":"a","date":20250410,"text":"t"}"#,
                r#""date" must be a string like "2025-04-10" (found a number)"#,
            ),
            (
                br#"{"id":"a","date":"10/04/2025","text":"t"}"#,
                r#"invalid date "10/04/2025": expected YYYY-MM-DD, YYYY-MM or YYYY"#,
            ),
            (
                br#"{"id":"a","date":"2025-04-10"}"#,
                r#"missing "text" (or "body")"#,
            ),
            (
                br#"{"id":"a","date":"2025-04-10","body":["t"]}"#,
                r#""body" must be a string (found an array)"#,
            ),
            (
                br#"{"id":"a","date":"2025-04-10","text":" \n\t"}"#,
                "empty text",
            ),
            (
                br#"{"id":"a","date":"2025-04-10","text":"t","title":5}"#,
                r#""title" must be a string (found a number)"#,
            ),
            (
                b"{\"id\":\"a\",\"date\":\"2025-04-10\",\"text\":\"caf\xE9\"}",
                "invalid UTF-8 at byte 42 of the line",
            ),
        ];
        for (line, want) in cases {
            let got = parse_record(line).unwrap_err();
            assert_eq!(got, want, "{}", String::from_utf8_lossy(line));
        }
        let got = parse_record(br#"{"id":"a","date":"2025-02-30","text":"t"}"#).unwrap_err();
        assert!(
            got.starts_with(r#"impossible date "2025-02-30": "#),
            "{got}"
        );
    }

    /// Outcome of one item, reduced to something comparable.
    #[derive(Debug, PartialEq)]
    enum Got {
        Ok(String),
        Bad(u64, String),
        Io,
    }

    fn run(input: &[u8], max_line: usize) -> Vec<Got> {
        let counter = Arc::new(AtomicU64::new(0));
        let stream =
            super::super::open::wrap(Cursor::new(input.to_vec()), false, &counter).unwrap();
        JsonlReader::new(PathBuf::from("in.jsonl"), stream, max_line)
            .map(|item| match item {
                Ok(a) => Got::Ok(a.doc_id),
                Err(Error::Record {
                    path, line, reason, ..
                }) => {
                    assert_eq!(path, PathBuf::from("in.jsonl"));
                    Got::Bad(line, reason)
                }
                Err(Error::Io { .. }) => Got::Io,
                Err(e) => panic!("unexpected error {e}"),
            })
            .collect()
    }

    fn ok(id: &str) -> Got {
        Got::Ok(id.into())
    }

    #[test]
    fn streams_lines_and_goes_on_after_bad_ones() {
        let good = |id: &str| format!(r#"{{"id":"{id}","date":"2025-04-10","text":"t"}}"#);
        let cases: Vec<(&str, String, Vec<Got>)> = vec![
            ("empty input", String::new(), vec![]),
            ("only blank lines", "\n  \n\t\r\n".into(), vec![]),
            (
                "no final newline",
                format!("{}\n{}", good("a"), good("b")),
                vec![ok("a"), ok("b")],
            ),
            (
                "CRLF lines",
                format!("{}\r\n{}\r\n", good("a"), good("b")),
                vec![ok("a"), ok("b")],
            ),
            (
                "blank lines skipped but counted",
                format!("\n{}\n   \n{}\n\n", good("a"), good("b")),
                vec![ok("a"), ok("b")],
            ),
            (
                "bad lines in between",
                format!(
                    "{}\nnot json\n{}\n{{}}\n{}\n",
                    good("a"),
                    good("b"),
                    good("c")
                ),
                vec![
                    ok("a"),
                    Got::Bad(2, "invalid JSON: expected ident at column 2".into()),
                    ok("b"),
                    Got::Bad(4, r#"missing "doc_id" (or "id")"#.into()),
                    ok("c"),
                ],
            ),
            (
                "line numbers count blank lines",
                format!("\n\n{{\n{}\n", good("a")),
                vec![
                    Got::Bad(
                        3,
                        "invalid JSON: EOF while parsing an object at column 1".into(),
                    ),
                    ok("a"),
                ],
            ),
            (
                "byte-order mark on the first line",
                format!("\u{feff}{}\n", good("a")),
                vec![ok("a")],
            ),
            (
                "byte-order mark later is bad JSON",
                format!("{}\n\u{feff}{}\n", good("a"), good("b")),
                vec![
                    ok("a"),
                    Got::Bad(2, "invalid JSON: expected value at column 1".into()),
                ],
            ),
        ];
        for (name, input, want) in cases {
            assert_eq!(run(input.as_bytes(), 1 << 20), want, "{name}");
        }
    }

    #[test]
    fn invalid_utf8_spoils_one_line_only() {
        let mut input = b"{\"id\":\"a\",\"date\":\"2025\",\"text\":\"\xFF\"}\n".to_vec();
        input.extend_from_slice(b"{\"id\":\"b\",\"date\":\"2025\",\"text\":\"t\"}\n");
        assert_eq!(
            run(&input, 1 << 20),
            vec![
                Got::Bad(1, "invalid UTF-8 at byte 33 of the line".into()),
                ok("b")
            ]
        );
    }

    #[test]
    fn overlong_line_is_one_bad_record() {
        let long = format!(
            r#"{{"id":"long","date":"2025","text":"{}"}}"#,
            "x".repeat(200)
        );
        let input = format!("{long}\n{}\n", r#"{"id":"b","date":"2025","text":"t"}"#);
        assert_eq!(
            run(input.as_bytes(), 100),
            vec![
                Got::Bad(1, "line longer than 100 bytes; skipped".into()),
                ok("b")
            ]
        );
    }

    #[test]
    fn broken_stream_ends_the_input_once_naming_its_line() {
        // A gzip stream cut short: how many good lines come out before the error depends on
        // where the cut falls, but exactly one error ends it, on the line after them.
        use flate2::write::GzEncoder;
        use std::io::Write;
        let line = r#"{"id":"a","date":"2025","text":"some words that compress"}"#;
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
        for _ in 0..200 {
            writeln!(enc, "{line}").unwrap();
        }
        let gz = enc.finish().unwrap();
        let got = run(&gz[..gz.len() - 10], 1 << 20);
        let good = got.len() as u64 - 1;
        assert!(
            matches!(got.last(), Some(Got::Bad(line, reason))
                if *line == good + 1 && reason.starts_with("read error (")),
            "{got:?}"
        );
        assert!(got[..got.len() - 1].iter().all(|g| *g == ok("a")));
        assert!(got.len() < 201);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = parse_record(&bytes);
            let _ = run(&bytes, 64);
        }
    }
}
