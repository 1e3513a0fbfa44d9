//! Input readers. (stub: being written)

use std::path::PathBuf;

use super::Article;
use crate::Result;

/// Streams articles from the given paths (`-` or none: stdin).
pub struct Inputs {
    _paths: Vec<PathBuf>,
}

impl Inputs {
    /// Reads these paths in order; an empty list means stdin.
    pub fn new(paths: Vec<PathBuf>) -> Self {
        Inputs { _paths: paths }
    }
}

impl Iterator for Inputs {
    type Item = Result<Article>;
    fn next(&mut self) -> Option<Self::Item> {
        None
    }
}
