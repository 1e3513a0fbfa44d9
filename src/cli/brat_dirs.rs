//! The `--text DIR --ann DIR` pair that `train-attribution` and `eval-attribution` read
//! brat-annotated articles from.

use std::path::PathBuf;

use anyhow::Context;
use stanceline::eval::brat::{self, BratDoc};

/// A folder of texts and a folder of their brat annotations.
#[derive(Debug, Clone, clap::Args)]
pub struct BratDirs {
    /// Folder of article texts (`NAME.txt`).
    #[arg(long, value_name = "DIR")]
    pub text: PathBuf,
    /// Folder of brat annotations (`NAME.ann` or `NAME_ANNOTATOR.ann`).
    #[arg(long, value_name = "DIR")]
    pub ann: PathBuf,
}

impl BratDirs {
    /// Every annotated text; none at all is an error, since it means the folders do not pair.
    pub fn read(&self) -> anyhow::Result<Vec<BratDoc>> {
        let docs = brat::read_dir(&self.text, &self.ann).context("cannot read the brat folders")?;
        anyhow::ensure!(
            !docs.is_empty(),
            "no annotated texts: {} has no .ann file matching a .txt in {}",
            self.ann.display(),
            self.text.display()
        );
        Ok(docs)
    }
}
