//! Opening one input as a byte stream: stdin or a file, gunzipped when it is gzip, with
//! the raw bytes counted for a progress bar; and reading one bounded line from it.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

/// The longest line (JSONL) or file (folders) read into memory; anything longer is a bad
/// record rather than an out-of-memory abort, e.g. when a binary file is passed by mistake.
/// It is well above [`MAX_ARTICLE_BYTES`](super::MAX_ARTICLE_BYTES) so that a long article
/// with JSON escapes still reaches the article check and is named by its doc_id.
pub(crate) const MAX_RECORD_BYTES: usize = 32 << 20;

/// The two bytes every gzip member starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A decoded input stream. `Send` so that an [`Inputs`](super::Inputs) can move to a worker.
pub(crate) type Stream = Box<dyn BufRead + Send>;

/// Counts the raw (still compressed) bytes pulled from a source, so progress can be set
/// against file sizes.
struct Counting<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// True when the name says gzip whatever the content: such a file that is not gzip is then
/// reported as broken instead of being read as text.
pub(crate) fn has_gz_extension(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// Opens a file (`is_stdin`: standard input instead) as a decoded stream.
///
/// The stream is gunzipped (all members, as `zcat` does) when the name ends in `.gz` or the
/// first two bytes are the gzip magic.
pub(crate) fn open(path: &Path, is_stdin: bool, counter: &Arc<AtomicU64>) -> io::Result<Stream> {
    if is_stdin {
        wrap(io::stdin(), false, counter)
    } else {
        wrap(File::open(path)?, has_gz_extension(path), counter)
    }
}

/// Wraps a raw source; split from [`open`] so tests can feed it bytes.
pub(crate) fn wrap<R: Read + Send + 'static>(
    raw: R,
    force_gzip: bool,
    counter: &Arc<AtomicU64>,
) -> io::Result<Stream> {
    let mut raw = Counting {
        inner: raw,
        counter: Arc::clone(counter),
    };
    // `take(2).read_to_end` keeps reading until it has two bytes or EOF, so a pipe that
    // delivers one byte at a time is still recognised.
    let mut magic = Vec::with_capacity(2);
    (&mut raw).take(2).read_to_end(&mut magic)?;
    let gzip = force_gzip || magic == GZIP_MAGIC;
    let whole = Cursor::new(magic).chain(raw);
    Ok(if gzip {
        Box::new(BufReader::new(MultiGzDecoder::new(whole)))
    } else {
        Box::new(BufReader::new(whole))
    })
}

/// What [`read_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// The stream is exhausted; nothing was read.
    Eof,
    /// A line (possibly the last, without `\n`) is in the buffer, line ending included.
    Read,
    /// The line had more than the limit's bytes; it was skipped up to its `\n`.
    TooLong,
}

/// Reads one line into `buf` (cleared first), holding at most `max` bytes of it in memory.
pub(crate) fn read_line<R: BufRead + ?Sized>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Line> {
    buf.clear();
    // One byte over the limit tells a line of exactly `max` bytes from a longer one.
    let n = (&mut *r).take(max as u64 + 1).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(Line::Eof);
    }
    if buf.last() == Some(&b'\n') || buf.len() <= max {
        return Ok(Line::Read);
    }
    buf.clear();
    loop {
        let avail = match r.fill_buf() {
            Ok(avail) => avail,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            break;
        }
        match avail.iter().position(|&b| b == b'\n') {
            Some(i) => {
                r.consume(i + 1);
                break;
            }
            None => {
                let len = avail.len();
                r.consume(len);
            }
        }
    }
    Ok(Line::TooLong)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn read_all(raw: Vec<u8>, force_gzip: bool) -> io::Result<Vec<u8>> {
        let counter = Arc::new(AtomicU64::new(0));
        let mut out = Vec::new();
        wrap(Cursor::new(raw), force_gzip, &counter)?.read_to_end(&mut out)?;
        Ok(out)
    }

    /// A reader that hands out one byte per call, like a slow pipe.
    struct Trickle(Cursor<Vec<u8>>);
    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let end = buf.len().min(1);
            self.0.read(&mut buf[..end])
        }
    }

    #[test]
    fn gzip_is_detected_by_magic_or_forced() {
        let mut two_members = gzip(b"first\n");
        two_members.extend(gzip(b"second\n"));
        // (name, raw bytes, force gzip, decoded bytes or None for an error)
        type Case = (&'static str, Vec<u8>, bool, Option<&'static [u8]>);
        let cases: [Case; 7] = [
            (
                "plain",
                b"{\"a\":1}\n".to_vec(),
                false,
                Some(b"{\"a\":1}\n"),
            ),
            ("empty", Vec::new(), false, Some(b"")),
            ("one byte", vec![0x1f], false, Some(&[0x1f])),
            ("gzip by magic", gzip(b"hello\n"), false, Some(b"hello\n")),
            ("gzip forced", gzip(b"hello\n"), true, Some(b"hello\n")),
            ("all members", two_members, false, Some(b"first\nsecond\n")),
            ("forced but not gzip", b"plain text".to_vec(), true, None),
        ];
        for (name, raw, force, want) in cases {
            let got = read_all(raw, force);
            match want {
                Some(want) => assert_eq!(got.unwrap(), want, "{name}"),
                None => assert!(got.is_err(), "{name}: {got:?}"),
            }
        }
    }

    #[test]
    fn magic_split_across_reads_is_still_seen() {
        let counter = Arc::new(AtomicU64::new(0));
        let raw = gzip(b"slow pipe\n");
        let raw_len = raw.len() as u64;
        let mut out = String::new();
        wrap(Trickle(Cursor::new(raw)), false, &counter)
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "slow pipe\n");
        assert_eq!(counter.load(Ordering::Relaxed), raw_len);
    }

    #[test]
    fn truncated_gzip_is_an_error_not_a_hang() {
        let raw = gzip(
            "a line that is long enough to compress\n"
                .repeat(50)
                .as_bytes(),
        );
        let cut = raw[..raw.len() / 2].to_vec();
        let err = read_all(cut, false).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
    }

    #[test]
    fn lines_are_bounded() {
        // (input, limit, expected sequence of (kind, buffer))
        type Step = (Line, &'static [u8]);
        let cases: [(&[u8], usize, Vec<Step>); 5] = [
            (
                b"ab\ncd",
                4,
                vec![(Line::Read, b"ab\n"), (Line::Read, b"cd"), (Line::Eof, b"")],
            ),
            (
                b"abcd\nx\n",
                4,
                vec![(Line::Read, b"abcd\n"), (Line::Read, b"x\n")],
            ),
            (
                b"abcde\nx\n",
                4,
                vec![(Line::TooLong, b""), (Line::Read, b"x\n")],
            ),
            (
                b"abcdefghij",
                4,
                vec![(Line::TooLong, b""), (Line::Eof, b"")],
            ),
            (b"abcd", 4, vec![(Line::Read, b"abcd"), (Line::Eof, b"")]),
        ];
        for (input, max, steps) in cases {
            // A tiny buffer makes the skipping loop run several rounds.
            let mut r = BufReader::with_capacity(2, Cursor::new(input.to_vec()));
            let mut buf = Vec::new();
            for (i, (kind, want)) in steps.into_iter().enumerate() {
                let got = read_line(&mut r, &mut buf, max).unwrap();
                assert_eq!(got, kind, "{input:?} step {i}");
                assert_eq!(buf, want, "{input:?} step {i}");
            }
        }
    }
}
