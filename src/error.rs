//! The library's error type: one enum, each variant keeping its cause, so the CLI can print
//! the whole chain and callers can tell a bad record (skip it) from a broken input (stop).

use std::path::PathBuf;

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file (or `-` for stdin).
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// One record of an input is unusable; the rest of the input is still read.
    #[error("{path}:{line}: {reason}")]
    Record {
        /// The file (or `-` for stdin).
        path: PathBuf,
        /// 1-based line number (or record number for folders of files: always 1).
        line: u64,
        /// What is wrong with it.
        reason: String,
        /// The record's `doc_id` when it could be read, for error reports.
        doc_id: Option<String>,
    },
    /// The topic file is missing, unreadable or invalid.
    #[error("topic file {path}: {reason}")]
    Topic {
        /// The topic file.
        path: PathBuf,
        /// What is wrong, naming the key.
        reason: String,
    },
    /// A gold or prediction file for evaluation is unusable.
    #[error("{path}: {reason}")]
    Eval {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// True when the error concerns one record only and the run can go on.
    pub fn is_record_error(&self) -> bool {
        matches!(self, Error::Record { .. })
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
