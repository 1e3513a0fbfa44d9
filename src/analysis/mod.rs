//! Corpus analysis over annotated JSONL: stance tallies per period and actor group, with
//! interval estimates, mergeable partial tallies and near-duplicate (wire copy) folding.
//!
//! ```text
//! annotated JSONL ──read──▶ AnnotatedRecord ──Aggregator (dedup)──▶ Tally ──rows──▶ CSV/JSON/table
//!                                         partial JSON ◀──▶ Tally (merge adds tallies)
//! ```
//!
//! Aggregation streams: it keeps counts and article ids per cell, never the records.

pub mod compare;
pub mod dedup;
pub mod period;
pub mod read;
pub mod render;
pub mod shifts;
pub mod stats;
pub mod tally;

pub use dedup::{DedupConfig, Deduper};
pub use period::{Bucket, Period};
pub use read::{Aggregator, AnnotatedRecord};
pub use stats::{net_index, wilson, Estimate};
pub use tally::{Cell, Partial, Row, Tally};
