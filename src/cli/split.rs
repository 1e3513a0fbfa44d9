//! `stanceline split`: one sentence per line, or JSON with byte offsets.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use flate2::read::MultiGzDecoder;
use serde::Serialize;

use stanceline::segment;

/// Usage examples, shared by `-h` and `--help`.
macro_rules! examples {
    () => {
        "Examples:\n  \
         stanceline split article.txt\n  \
         stanceline split --json -o sentences.jsonl articles.txt.gz\n  \
         printf 'Pills flow into the U.S. The ministry said it would act.' | stanceline split\n    \
         Pills flow into the U.S.\n    \
         The ministry said it would act."
    };
}
const EXAMPLES: &str = examples!();

/// Arguments of `split`.
#[derive(Debug, clap::Args)]
// The long description goes in `after_long_help`: the subcommand's doc comment in
// cli/mod.rs sets `about` and would override a `long_about` given here.
#[command(
    after_help = EXAMPLES,
    after_long_help = concat!(
        "Reads PATH, or standard input when PATH is absent or `-`. Gzip input is \
         decompressed when the name ends in .gz or the data starts with the gzip magic bytes.\n\n\
         Plain output: one sentence per line; line breaks inside a sentence (\\r\\n, \\n, \\r) \
         become single spaces.\n\n\
         --json output: one {\"start\":..,\"end\":..,\"text\":..} object per line; start and \
         end are byte offsets into the (decompressed) input and text is the exact, unmodified \
         slice input[start..end].\n\n\
         Input that is not valid UTF-8 is converted lossily (invalid bytes become U+FFFD) with a \
         warning on stderr; offsets then refer to the converted text, not to the raw bytes.\n\n",
        examples!()
    )
)]
pub struct Args {
    /// Text file to split (plain or gzip); `-` or absent reads standard input.
    pub path: Option<PathBuf>,
    /// Print one JSON object per sentence: {"start","end","text"} with byte offsets.
    #[arg(long)]
    pub json: bool,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// One sentence in `--json` output.
#[derive(Serialize)]
struct JsonSentence<'a> {
    start: usize,
    end: usize,
    text: &'a str,
}

/// Input is segmented a block at a time, cut at paragraph starts, so memory holds about
/// one block plus one paragraph whatever the input size.
const BLOCK: usize = 1 << 20;

/// Runs `split`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (name, mut input) = open_input(args.path.as_deref())?;
    let mut out = super::output::open(args.output.as_deref())?;
    let mut pending: Vec<u8> = Vec::with_capacity(2 * BLOCK);
    // Offsets are counted in the (converted) text already segmented.
    let mut base = 0usize;
    let mut warned = false;
    let mut block = vec![0u8; BLOCK];
    loop {
        let n = match input.read(&mut block) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {name}")),
        };
        let eof = n == 0;
        pending.extend_from_slice(&block[..n]);
        let cut = if eof {
            pending.len()
        } else if pending.len() >= BLOCK {
            match segment::paragraph_cut(&pending) {
                Some(c) => c,
                None => continue,
            }
        } else {
            continue;
        };
        let text = match std::str::from_utf8(&pending[..cut]) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => {
                if !warned {
                    eprintln!(
                        "stanceline: warning: {name}: invalid UTF-8 replaced with U+FFFD; \
                         offsets refer to the converted text"
                    );
                    warned = true;
                }
                String::from_utf8_lossy(&pending[..cut])
            }
        };
        write_sentences(&mut out, &text, base, args.json)?;
        base += text.len();
        drop(text);
        pending.drain(..cut);
        if eof {
            break;
        }
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the sentences of `text`, whose first byte is at `base` in the whole input.
fn write_sentences(out: &mut dyn Write, text: &str, base: usize, json: bool) -> io::Result<()> {
    for s in segment::sentences(text) {
        let sentence = s.text(text);
        if json {
            let line = JsonSentence {
                start: base + s.start,
                end: base + s.end,
                text: sentence,
            };
            serde_json::to_writer(&mut *out, &line).map_err(io::Error::from)?;
            out.write_all(b"\n")?;
        } else {
            write_one_line(out, sentence)?;
        }
    }
    Ok(())
}

/// Opens the input as a byte stream, decompressing gzip (by name or by magic bytes);
/// returns a name for messages and the reader.
fn open_input(path: Option<&Path>) -> anyhow::Result<(String, Box<dyn Read>)> {
    let (name, raw, gz_name): (String, Box<dyn Read>, bool) = match path {
        Some(p) if p != Path::new("-") => {
            let f = File::open(p).with_context(|| format!("cannot read {}", p.display()))?;
            let gz_name = p.extension().is_some_and(|e| e == "gz");
            (p.display().to_string(), Box::new(f), gz_name)
        }
        _ => ("<stdin>".to_string(), Box::new(io::stdin()), false),
    };
    let mut raw = BufReader::with_capacity(1 << 16, raw);
    let magic = raw
        .fill_buf()
        .with_context(|| format!("cannot read {name}"))?
        .starts_with(&[0x1f, 0x8b]);
    if gz_name || magic {
        return Ok((name, Box::new(MultiGzDecoder::new(raw))));
    }
    Ok((name, Box::new(raw)))
}

/// Writes `sentence` and a newline, with each line break inside it (`\r\n`, `\n`, `\r`)
/// replaced by one space.
fn write_one_line(out: &mut dyn Write, sentence: &str) -> io::Result<()> {
    let b = sentence.as_bytes();
    let mut from = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\r' | b'\n' => {
                out.write_all(&b[from..i])?;
                out.write_all(b" ")?;
                i += if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                from = i;
            }
            _ => i += 1,
        }
    }
    out.write_all(&b[from..])?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_become_single_spaces() {
        let cases = [
            ("one line", "one line\n"),
            ("wrapped\ntext", "wrapped text\n"),
            ("wrapped\r\ntext", "wrapped text\n"),
            ("old\rmac", "old mac\n"),
            ("two\n\rbreaks", "two  breaks\n"),
            ("", "\n"),
        ];
        for (input, want) in cases {
            let mut out = Vec::new();
            write_one_line(&mut out, input).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), want, "input {input:?}");
        }
    }
}
