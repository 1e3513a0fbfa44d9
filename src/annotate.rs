//! The whole per-article chain. (stub: being written)

/// Runs segment → attribute → stance → record on one article.
pub struct Annotator;
