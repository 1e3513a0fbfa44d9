//! Sentence encoders: turn sentences into fixed-size vectors for the neural stance head.
//!
//! Every backend implements [`Encoder`] with the semantics of sentence-transformers'
//! all-MiniLM-L6-v2: BERT token embeddings, averaged over the real tokens (the attention mask
//! weights the mean, so padding never counts), then L2-normalised, with inputs truncated to
//! [`MAX_TOKENS`] word pieces including `[CLS]` and `[SEP]`. Because the vectors have unit
//! norm, their dot product is their cosine ([`cosine`]).
//!
//! The model files live in [`DEFAULT_MODEL_DIR`], filled by `scripts/fetch-model`; they are
//! not in the repository, so callers check [`model_present`] first and fall back to the rules
//! when it is false.
//!
//! Errors are an [`EncoderError`], not [`crate::Error`]: a missing or broken model is not an
//! input error, and callers treat it differently (one note, then rules only), so it gets its
//! own type; the CLI wraps it with `anyhow` context like any other error.

mod candle;

pub use self::candle::CandleEncoder;

use std::path::{Path, PathBuf};

/// Where `scripts/fetch-model` puts all-MiniLM-L6-v2, relative to the repository root.
pub const DEFAULT_MODEL_DIR: &str = "models/encoders/all-MiniLM-L6-v2";

/// The files a model folder must hold for every backend (the candle backend reads all but
/// `vocab.txt`, which the rust-bert backend's tokenizer needs).
pub const MODEL_FILES: [&str; 4] = [
    "model.safetensors",
    "tokenizer.json",
    "vocab.txt",
    "config.json",
];

/// Longest input in word pieces, `[CLS]` and `[SEP]` included; the rest is cut off, as
/// sentence-transformers does for this model (`max_seq_length` 256).
pub const MAX_TOKENS: usize = 256;

/// Sentences per forward pass unless the caller picks another size.
pub const DEFAULT_BATCH_SIZE: usize = 32;

/// A sentence encoder: sentences in, unit-length mean-pooled vectors out.
pub trait Encoder {
    /// One vector of [`Encoder::dim`] floats per sentence, in input order, each with L2 norm
    /// 1 (or all zeros if the model gave an all-zero mean, which real models do not).
    /// An empty slice gives an empty result.
    fn embed(&self, sentences: &[&str]) -> Result<Vec<Vec<f32>>, EncoderError>;
    /// Length of each vector (384 for all-MiniLM-L6-v2).
    fn dim(&self) -> usize;
    /// Backend and model, for summaries and logs, e.g. `candle:all-MiniLM-L6-v2`.
    fn name(&self) -> &str;
}

/// Why an encoder could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    /// A model file is missing or unreadable.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A model file was read but is unusable (bad JSON, missing tensor, wrong shape).
    #[error("{path}: {reason}")]
    Load {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Tokenising a batch failed.
    #[error("tokenizer: {0}")]
    Tokenize(String),
    /// The forward pass failed.
    #[error("encoder inference: {0}")]
    Inference(String),
    /// The worker threads could not be started.
    #[error("encoder thread pool: {0}")]
    Threads(String),
}

/// True when `dir` holds every file in [`MODEL_FILES`] (it does not check their contents;
/// loading does).
pub fn model_present(dir: &Path) -> bool {
    MODEL_FILES.iter().all(|f| dir.join(f).is_file())
}

/// Cosine similarity of two vectors; 0 when either is all zeros or their lengths differ.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_cases() {
        let cases: [(&[f32], &[f32], f32); 5] = [
            (&[1.0, 0.0], &[1.0, 0.0], 1.0),
            (&[1.0, 0.0], &[0.0, 2.0], 0.0),
            (&[1.0, 1.0], &[-3.0, -3.0], -1.0),
            (&[0.0, 0.0], &[1.0, 0.0], 0.0),
            (&[1.0], &[1.0, 0.0], 0.0),
        ];
        for (a, b, want) in cases {
            assert!((cosine(a, b) - want).abs() < 1e-6, "{a:?} {b:?}");
        }
    }

    #[test]
    fn model_present_needs_all_four_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!model_present(dir.path()));
        for (i, f) in MODEL_FILES.iter().enumerate() {
            std::fs::write(dir.path().join(f), b"x").unwrap();
            assert_eq!(model_present(dir.path()), i + 1 == MODEL_FILES.len(), "{f}");
        }
        assert!(!model_present(&dir.path().join("nowhere")));
    }
}
