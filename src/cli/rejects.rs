//! Bad-record accounting for `annotate`: each rejected record is warned about on stderr
//! (unless `--quiet`), written to the `--errors` JSONL file when one is asked for, and
//! counted, so that the end-of-run counts reconcile.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use stanceline::Error;

use super::output::{self, Output};
use super::progress::Progress;

/// The bad records of a run.
pub struct Rejects {
    quiet: bool,
    errors: Option<Output>,
    /// How many records were rejected so far.
    pub count: u64,
}

impl Rejects {
    /// Starts the accounting; `errors_file` receives one JSON line per rejected record.
    pub fn new(errors_file: Option<&Path>, quiet: bool) -> anyhow::Result<Self> {
        Ok(Rejects {
            quiet,
            errors: errors_file.map(|p| output::open(Some(p))).transpose()?,
            count: 0,
        })
    }

    /// Reports and counts one rejected record.
    pub fn reject(&mut self, e: &Error, progress: &Progress) -> anyhow::Result<()> {
        self.count += 1;
        if !self.quiet {
            progress.eprintln(&format!("stanceline: warning: {e}"));
        }
        if let Some(out) = &mut self.errors {
            let line = error_line(e).to_string();
            writeln!(out, "{line}").context("cannot write the --errors file")?;
        }
        Ok(())
    }

    /// Puts the `--errors` file in place.
    pub fn finish(self) -> anyhow::Result<()> {
        self.errors.map_or(Ok(()), Output::finish)
    }
}

/// One `--errors` line: `file` (`-` for stdin), `line` (1-based; `null` when a whole input
/// failed), `doc_id` (when it could be read) and `reason`.
fn error_line(e: &Error) -> serde_json::Value {
    let (file, line, doc_id, reason) = match e {
        Error::Record {
            path,
            line,
            reason,
            doc_id,
        } => (
            Some(path.as_path()),
            Some(*line),
            doc_id.clone(),
            reason.clone(),
        ),
        Error::Io { path, source } => (Some(path.as_path()), None, None, source.to_string()),
        other => (None, None, None, other.to_string()),
    };
    serde_json::json!({
        "file": file.map(|p| p.to_string_lossy()),
        "line": line,
        "doc_id": doc_id,
        "reason": reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn error_lines_carry_what_is_known() {
        let cases = [
            (
                Error::Record {
                    path: PathBuf::from("a.jsonl"),
                    line: 3,
                    reason: "empty text".into(),
                    doc_id: Some("d1".into()),
                },
                r#"{"doc_id":"d1","file":"a.jsonl","line":3,"reason":"empty text"}"#,
            ),
            (
                Error::Io {
                    path: PathBuf::from("gone.jsonl"),
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
                },
                r#"{"doc_id":null,"file":"gone.jsonl","line":null,"reason":"no such file"}"#,
            ),
        ];
        for (e, want) in cases {
            let want: serde_json::Value = serde_json::from_str(want).unwrap();
            assert_eq!(error_line(&e), want);
        }
    }
}
