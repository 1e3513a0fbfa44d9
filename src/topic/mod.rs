//! (stub: being written)

/// A compiled topic file.
pub struct Topic;
