//! stanceline: who stated which position on US–China cooperation, and how it shifted.
//!
//! The library is a one-way pipeline; each stage is its own module and never looks back
//! at the command line:
//!
//! ```text
//! Article ──segment──▶ sentence spans ──attribute──▶ Attribution {speaker, cue, content}
//!         ──stance──▶ Stance {label, hedged, confidence, evidence} ──record──▶ JSONL line
//! ```
//!
//! [`annotate::Annotator`] runs the whole chain on one article; it is `Sync`, so callers map
//! it over articles in parallel and write the records in input order.
#![warn(missing_docs)]

pub mod analysis;
pub mod annotate;
pub mod attribute;
pub mod corpus;
pub mod encoder;
pub mod error;
pub mod eval;
pub mod record;
pub mod report;
pub mod segment;
pub mod stance;
pub mod topic;

pub use annotate::Annotator;
pub use corpus::{Article, PartialDate};
pub use error::{Error, Result};
pub use record::SentenceRecord;
pub use topic::Topic;
