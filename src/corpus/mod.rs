//! Readers that turn inputs (JSONL, folders of text files, gzip, stdin) into [`Article`]s.
//!
//! Reading is streaming: [`Inputs`] yields one article at a time, and a bad record is an
//! `Err(Error::Record)` naming the file and line, after which reading goes on.

mod date;
mod folder;
mod jsonl;
mod open;
mod read;

pub use date::PartialDate;
pub use read::Inputs;

/// The longest article text [`Inputs`] passes on; a longer one is a bad record.
///
/// Real news articles are far shorter (tens of kB); a text this long is almost always a
/// scraping accident (an embedded file, a whole site dump), and annotating it would hold
/// about ten times its size in records at once, breaking the bounded memory of a run.
pub const MAX_ARTICLE_BYTES: usize = 4 << 20;

/// One dated news article, as read from any input format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// Stable identifier (`doc_id` or `id` in JSONL; the relative file path in folders).
    pub doc_id: String,
    /// Publication date, kept at the precision it was given with.
    pub date: PartialDate,
    /// Optional headline.
    pub title: Option<String>,
    /// Optional outlet name.
    pub source: Option<String>,
    /// Optional address of the original.
    pub url: Option<String>,
    /// The article text. Every offset in the output points into these bytes.
    pub text: String,
}
