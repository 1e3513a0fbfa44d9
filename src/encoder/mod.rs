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
#[cfg(feature = "rust-bert")]
mod rust_bert;

pub use self::candle::CandleEncoder;
#[cfg(feature = "rust-bert")]
pub use self::rust_bert::{RustBertEncoder, TorchThreads, CONVERTED_WEIGHTS};

use std::path::{Path, PathBuf};

/// Where `scripts/fetch-model` puts all-MiniLM-L6-v2, relative to the repository root.
pub const DEFAULT_MODEL_DIR: &str = "models/encoders/all-MiniLM-L6-v2";

/// The files a model folder must hold for every backend (the candle backend reads all but
/// `vocab.txt`, which the rust-bert backend's tokenizer needs; that backend also writes
/// `rust_model.ot` there on first load).
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
    /// The backend asked for is not compiled into this build.
    #[error("the {0} encoder backend is not in this build: rebuild with `LIBTORCH=/usr cargo build --release --features rust-bert` (needs Debian's libtorch-dev)")]
    Unavailable(Backend),
}

/// The encoder implementations, selectable at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// candle, pure Rust: always built.
    #[default]
    Candle,
    /// rust-bert on libtorch: only with the cargo feature `rust-bert`.
    RustBert,
}

impl Backend {
    /// True when this build can load the backend.
    pub fn available(self) -> bool {
        match self {
            Backend::Candle => true,
            Backend::RustBert => cfg!(feature = "rust-bert"),
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Candle => "candle",
            Backend::RustBert => "rust-bert",
        })
    }
}

/// An encoder that any thread may own or share.
pub type BoxedEncoder = Box<dyn Encoder + Send + Sync>;

/// Loads the model in `dir` with `backend`, using `threads` threads (0 is taken as 1; see
/// each backend for what the threads do) and [`DEFAULT_BATCH_SIZE`].
pub fn load(backend: Backend, dir: &Path, threads: usize) -> Result<BoxedEncoder, EncoderError> {
    load_with_batch_size(backend, dir, threads, DEFAULT_BATCH_SIZE)
}

/// As [`load`], with `batch_size` sentences per forward pass (0 is taken as 1).
pub fn load_with_batch_size(
    backend: Backend,
    dir: &Path,
    threads: usize,
    batch_size: usize,
) -> Result<BoxedEncoder, EncoderError> {
    match backend {
        Backend::Candle => Ok(Box::new(
            CandleEncoder::load(dir, threads)?.with_batch_size(batch_size),
        )),
        #[cfg(feature = "rust-bert")]
        Backend::RustBert => Ok(Box::new(
            RustBertEncoder::load(dir, threads)?.with_batch_size(batch_size),
        )),
        #[cfg(not(feature = "rust-bert"))]
        Backend::RustBert => Err(EncoderError::Unavailable(backend)),
    }
}

/// Numbers the items by input position and sorts them longest first (stable, so equal
/// lengths keep input order): batches cut from this pad little, and the cut depends only on
/// the input, so the vectors never depend on scheduling. Shared by every backend.
fn longest_first<T>(items: Vec<T>, len: impl Fn(&T) -> usize) -> Vec<(usize, T)> {
    let mut sorted: Vec<(usize, T)> = items.into_iter().enumerate().collect();
    sorted.sort_by_key(|(_, t)| std::cmp::Reverse(len(t)));
    sorted
}

/// Puts one batch's vectors back at their sentences' input positions in `out`.
fn put_back<T>(out: &mut [Vec<f32>], batch: &[(usize, T)], vecs: Vec<Vec<f32>>) {
    for ((i, _), v) in batch.iter().zip(vecs) {
        if let Some(slot) = out.get_mut(*i) {
            *slot = v;
        }
    }
}

/// True when `dir` holds every file in [`MODEL_FILES`] (it does not check their contents;
/// loading does).
pub fn model_present(dir: &Path) -> bool {
    MODEL_FILES.iter().all(|f| dir.join(f).is_file())
}

/// The error for a model file that is not there.
fn missing(path: &Path) -> EncoderError {
    EncoderError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
    }
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
    fn backends_load_or_say_why_not() {
        let dir = tempfile::tempdir().unwrap();
        for backend in [Backend::Candle, Backend::RustBert] {
            let err = load(backend, dir.path(), 1).map(|_| ()).unwrap_err();
            if backend.available() {
                // Compiled in: it gets as far as looking for the model's files.
                assert!(matches!(err, EncoderError::Io { .. }), "{backend}: {err}");
            } else {
                assert!(matches!(err, EncoderError::Unavailable(b) if b == backend));
                assert!(err.to_string().contains("--features rust-bert"), "{err}");
            }
        }
        assert!(Backend::Candle.available());
        assert_eq!(Backend::RustBert.available(), cfg!(feature = "rust-bert"));
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
