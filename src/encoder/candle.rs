//! The default, pure-Rust encoder backend: all-MiniLM-L6-v2 run by candle on the CPU, with the
//! `tokenizers` crate reading the model's own `tokenizer.json`.
//!
//! Threads: candle's CPU matrix products go through `gemm` with rayon parallelism, which runs
//! on whichever rayon pool the calling thread is in (candle picks how many pieces to cut the
//! work into from `RAYON_NUM_THREADS` or the CPU count, but the pool decides how many run at
//! once). The encoder therefore owns a rayon pool of exactly `threads` workers and runs the
//! tokenizer and every forward pass inside it (`ThreadPool::install`), so it follows
//! `--threads` without any environment variable and never touches rayon's global pool, which
//! the rest of the pipeline uses. The rest of candle 0.9's CPU kernels are single-threaded.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use rayon::prelude::*;
use tokenizers::{Encoding, Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use super::{missing, Encoder, EncoderError, DEFAULT_BATCH_SIZE, MAX_TOKENS};

/// all-MiniLM-L6-v2 (or any BERT-architecture sentence-transformers model stored the same way)
/// on candle's CPU backend, in F32.
pub struct CandleEncoder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    pool: rayon::ThreadPool,
    batch_size: usize,
    pad_id: u32,
    dim: usize,
    name: String,
}

impl std::fmt::Debug for CandleEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CandleEncoder")
            .field("name", &self.name)
            .field("dim", &self.dim)
            .field("batch_size", &self.batch_size)
            .field("threads", &self.pool.current_num_threads())
            .finish_non_exhaustive()
    }
}

impl CandleEncoder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir` and starts a
    /// pool of `threads` workers (0 is taken as 1) for inference.
    pub fn load(dir: &Path, threads: usize) -> Result<Self, EncoderError> {
        Self::load_layers(dir, threads, None)
    }

    /// As [`CandleEncoder::load`], keeping only the first `layers` transformer layers when
    /// given (for [`CandleEncoder::token_states`]: a middle layer describes a word's role in
    /// its sentence better than the last, which training tuned for whole-sentence meaning).
    /// Sentence vectors from a cut model are not all-MiniLM-L6-v2's.
    pub fn load_layers(
        dir: &Path,
        threads: usize,
        layers: Option<usize>,
    ) -> Result<Self, EncoderError> {
        let config_path = dir.join("config.json");
        let config_text =
            std::fs::read_to_string(&config_path).map_err(|source| EncoderError::Io {
                path: config_path.clone(),
                source,
            })?;
        let mut config: Config =
            serde_json::from_str(&config_text).map_err(|e| EncoderError::Load {
                path: config_path.clone(),
                reason: e.to_string(),
            })?;
        if let Some(n) = layers {
            if n == 0 || n > config.num_hidden_layers {
                return Err(EncoderError::Load {
                    path: config_path.clone(),
                    reason: format!(
                        "asked for {n} layers; the model has 1 to {}",
                        config.num_hidden_layers
                    ),
                });
            }
            config.num_hidden_layers = n;
        }

        let tokenizer_path = dir.join("tokenizer.json");
        if !tokenizer_path.is_file() {
            return Err(missing(&tokenizer_path));
        }
        let mut tokenizer =
            Tokenizer::from_file(&tokenizer_path).map_err(|e| EncoderError::Load {
                path: tokenizer_path.clone(),
                reason: e.to_string(),
            })?;
        // The shipped tokenizer.json pads and truncates to a fixed 128; sentence-transformers
        // uses max_seq_length 256 and pads each batch only to its longest member.
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                direction: TruncationDirection::Right,
            }))
            .map_err(|e| EncoderError::Load {
                path: tokenizer_path.clone(),
                reason: e.to_string(),
            })?;
        let pad_id = u32::try_from(config.pad_token_id).map_err(|_| EncoderError::Load {
            path: config_path.clone(),
            reason: format!("pad_token_id {} out of range", config.pad_token_id),
        })?;
        // Padding is done here per batch (see `embed`), not by the tokenizer.
        tokenizer.with_padding(None);

        let weights_path = dir.join("model.safetensors");
        if !weights_path.is_file() {
            return Err(missing(&weights_path));
        }
        let device = Device::Cpu;
        // Read into memory rather than mmap: mmap needs `unsafe` and the file is only 90 MB.
        let tensors = candle_core::safetensors::load(&weights_path, &device).map_err(|e| {
            EncoderError::Load {
                path: weights_path.clone(),
                reason: e.to_string(),
            }
        })?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &device);
        let model = BertModel::load(vb, &config).map_err(|e| EncoderError::Load {
            path: weights_path.clone(),
            reason: e.to_string(),
        })?;

        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("encoder-{i}"))
            .build()
            .map_err(|e| EncoderError::Threads(e.to_string()))?;

        let mut model_name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".to_string());
        if let Some(n) = layers {
            model_name.push_str(&format!("[layers 1-{n}]"));
        }
        Ok(CandleEncoder {
            model,
            tokenizer,
            device,
            pool,
            batch_size: DEFAULT_BATCH_SIZE,
            pad_id,
            dim: config.hidden_size,
            name: format!("candle:{model_name}"),
        })
    }

    /// Sets how many sentences go through the model at once (0 is taken as 1). Larger batches
    /// amortise overhead but pad every sentence to the batch's longest.
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Sentences per forward pass.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Worker threads used for inference.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// One forward pass over encodings of similar length, padded to the longest: the last
    /// kept layer's states (rows × width × dim) and the attention mask (rows × width).
    fn run_batch(&self, batch: &[(usize, Encoding)]) -> candle_core::Result<(Tensor, Tensor)> {
        let rows = batch.len();
        let width = batch.iter().map(|(_, e)| e.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for (_, enc) in batch {
            let pad = width - enc.len();
            ids.extend_from_slice(enc.get_ids());
            ids.extend(std::iter::repeat_n(self.pad_id, pad));
            mask.extend_from_slice(enc.get_attention_mask());
            mask.extend(std::iter::repeat_n(0, pad));
        }
        let input_ids = Tensor::from_vec(ids, (rows, width), &self.device)?;
        let type_ids = input_ids.zeros_like()?;
        let mask = Tensor::from_vec(mask, (rows, width), &self.device)?;
        let hidden = self.model.forward(&input_ids, &type_ids, Some(&mask))?;
        Ok((hidden, mask))
    }

    /// One batch's sentence vectors: mean-pooled over the mask, normalised.
    fn embed_batch(&self, batch: &[(usize, Encoding)]) -> Result<Vec<Vec<f32>>, EncoderError> {
        self.pool_batch(batch)
            .map_err(|e| EncoderError::Inference(e.to_string()))
    }

    fn pool_batch(&self, batch: &[(usize, Encoding)]) -> candle_core::Result<Vec<Vec<f32>>> {
        let (hidden, mask) = self.run_batch(batch)?;
        // Mean over real tokens only: padded positions get weight 0.
        let weights = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&weights)?.sum(1)?;
        let counts = weights.sum(1)?.clamp(1e-9f32, f32::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        // As torch.nn.functional.normalize: divide by max(norm, 1e-12).
        let norms = mean
            .sqr()?
            .sum_keepdim(1)?
            .sqrt()?
            .clamp(1e-12f32, f32::MAX)?;
        mean.broadcast_div(&norms)?.to_vec2::<f32>()
    }

    /// One vector per span of `text` (spans in text order, not overlapping): the hidden
    /// state, at the model's last kept layer, of the first word piece that starts inside the
    /// span. Each sentence of `sentences` (byte ranges of `text`, as [`crate::segment::split`]
    /// gives) goes through the model on its own, so a state sees its sentence as context. A
    /// span no word piece starts in (past the [`MAX_TOKENS`] cut of a long sentence, or
    /// outside every sentence) gets zeros. Batches are cut as in [`Encoder::embed`], so the
    /// states do not depend on the thread count.
    pub fn token_states(
        &self,
        text: &str,
        sentences: &[crate::segment::Sentence],
        spans: &[(usize, usize)],
    ) -> Result<Vec<Vec<f32>>, EncoderError> {
        let mut out = vec![vec![0f32; self.dim]; spans.len()];
        let pieces: Vec<&str> = sentences
            .iter()
            .filter_map(|s| text.get(s.start..s.end))
            .collect();
        if pieces.len() != sentences.len() {
            return Err(EncoderError::Tokenize(
                "a sentence range does not lie on character boundaries of the text".into(),
            ));
        }
        if pieces.is_empty() {
            return Ok(out);
        }
        self.pool.install(|| {
            let encodings = self
                .tokenizer
                .encode_batch(pieces, true)
                .map_err(|e| EncoderError::Tokenize(e.to_string()))?;
            let sorted = super::longest_first(encodings, Encoding::len);
            let batches: Vec<&[(usize, Encoding)]> = sorted.chunks(self.batch_size).collect();
            let states: Vec<Vec<Vec<Vec<f32>>>> = batches
                .par_iter()
                .map(|batch| {
                    self.hidden_batch(batch)
                        .map_err(|e| EncoderError::Inference(e.to_string()))
                })
                .collect::<Result<_, _>>()?;
            let mut filled = vec![false; spans.len()];
            for (batch, rows) in batches.iter().zip(states) {
                for ((i, enc), row) in batch.iter().zip(rows) {
                    let base = sentences[*i].start;
                    // Offsets are bytes into the sentence; [CLS] and [SEP] have empty ones.
                    for (&(a, b), state) in enc.get_offsets().iter().zip(row) {
                        if a == b {
                            continue;
                        }
                        let pos = base + a;
                        let k = spans.partition_point(|s| s.1 <= pos);
                        if k < spans.len() && spans[k].0 <= pos && !filled[k] {
                            out[k] = state;
                            filled[k] = true;
                        }
                    }
                }
            }
            Ok(out)
        })
    }

    /// The last kept layer's states of one batch: rows × real word pieces × dim.
    fn hidden_batch(&self, batch: &[(usize, Encoding)]) -> candle_core::Result<Vec<Vec<Vec<f32>>>> {
        let (hidden, _) = self.run_batch(batch)?;
        let mut all: Vec<Vec<Vec<f32>>> = hidden.to_vec3()?;
        for ((_, enc), row) in batch.iter().zip(all.iter_mut()) {
            row.truncate(enc.len());
        }
        Ok(all)
    }
}

impl Encoder for CandleEncoder {
    /// Tokenises everything, then runs the sentences longest first in batches of
    /// `batch_size`, so each batch pads little (as sentence-transformers does); the vectors
    /// come back in input order. The order depends only on the input, so the batches, and
    /// hence the vectors, are the same for any thread count.
    fn embed(&self, sentences: &[&str]) -> Result<Vec<Vec<f32>>, EncoderError> {
        if sentences.is_empty() {
            return Ok(Vec::new());
        }
        self.pool.install(|| {
            let encodings = self
                .tokenizer
                .encode_batch(sentences.to_vec(), true)
                .map_err(|e| EncoderError::Tokenize(e.to_string()))?;
            let sorted = super::longest_first(encodings, Encoding::len);
            // Batches run concurrently, one per worker: candle parallelises only the large
            // matrix products, while the many small per-head attention products, softmax,
            // GELU and layer norm run on one thread, so one batch at a time leaves the other
            // cores mostly idle. The batches are cut before any runs, so which worker takes
            // which batch cannot change a vector.
            let batches: Vec<&[(usize, Encoding)]> = sorted.chunks(self.batch_size).collect();
            let vecs: Vec<Vec<Vec<f32>>> = batches
                .par_iter()
                .map(|batch| self.embed_batch(batch))
                .collect::<Result<_, _>>()?;
            let mut out = vec![Vec::new(); sentences.len()];
            for (batch, vecs) in batches.iter().zip(vecs) {
                super::put_back(&mut out, batch, vecs);
            }
            Ok(out)
        })
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn name(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_reports_the_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = CandleEncoder::load(dir.path(), 1).unwrap_err();
        assert!(matches!(&err, EncoderError::Io { path, .. } if path.ends_with("config.json")));

        std::fs::write(dir.path().join("config.json"), "{not json").unwrap();
        let err = CandleEncoder::load(dir.path(), 1).unwrap_err();
        assert!(matches!(&err, EncoderError::Load { path, .. } if path.ends_with("config.json")));
    }
}
