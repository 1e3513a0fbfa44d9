//! The optional libtorch encoder backend (cargo feature `rust-bert`): all-MiniLM-L6-v2 run by
//! rust-bert's `BertModel` on tch 0.10, tokenised from `vocab.txt` by rust_tokenizers.
//!
//! Weights: tch 0.10 cannot read safetensors, so on load `model.safetensors` is converted to
//! `rust_model.ot` (tch's own format, [`Tensor::save_multi`]) in the model folder when that
//! file is missing or older than the safetensors file. The conversion happens here rather
//! than in `scripts/fetch-model` so that the folder the script fills stays backend-neutral
//! (the default build never needs the `.ot` file) and a model folder filled by any other
//! means still works; it takes well under a second. It writes a temporary file and renames
//! it, so a concurrent or interrupted load never sees half a file. Where the folder is not
//! writable, the converted tensors are loaded from memory instead.
//!
//! Threads: Debian's libtorch runs its own kernels on OpenMP (one thread per core by default)
//! and its matrix products in OpenBLAS (again one thread per core). With both at their
//! defaults the two pools compete for the same cores (issue 4 reports half the speed on the
//! 2-core development machine). So this backend sets one torch intra-op thread and one
//! inter-op thread, and gives OpenBLAS the `threads` the caller asked for. OpenBLAS reads `OPENBLAS_NUM_THREADS` only
//! when the library is loaded, which happens before `main` because libtorch links it, so
//! setting the variable from inside the program would be too late; instead
//! `openblas_set_num_threads` is looked up with `dlsym` in the already-loaded libraries and
//! called (skipped quietly when the BLAS in use is not OpenBLAS).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use rust_tokenizers::tokenizer::{BertTokenizer, Tokenizer, TruncationStrategy};
use tch::{nn, Device, Kind, Tensor};

use super::{missing, Encoder, EncoderError, DEFAULT_BATCH_SIZE, MAX_TOKENS};

/// Name of the converted weights file in the model folder.
pub const CONVERTED_WEIGHTS: &str = "rust_model.ot";

/// all-MiniLM-L6-v2 (or another BERT-architecture sentence-transformers model stored the
/// same way) on libtorch's CPU backend, in F32.
pub struct RustBertEncoder {
    /// tch tensors are `Send` but not `Sync`; the lock makes the encoder shareable. Only one
    /// forward pass runs at a time anyway: each uses every thread it is given.
    inner: Mutex<Inner>,
    batch_size: usize,
    blas_threads: usize,
    dim: usize,
    name: String,
}

struct Inner {
    model: BertModel<BertEmbeddings>,
    tokenizer: BertTokenizer,
    // Owns the weights the model's layers point to.
    _vars: nn::VarStore,
}

impl std::fmt::Debug for RustBertEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RustBertEncoder")
            .field("name", &self.name)
            .field("dim", &self.dim)
            .field("batch_size", &self.batch_size)
            .field("blas_threads", &self.blas_threads)
            .finish_non_exhaustive()
    }
}

/// How the backend sets libtorch's and OpenBLAS's threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TorchThreads {
    /// One torch thread, OpenBLAS on the given number (the tuned setting used by default).
    Tuned,
    /// Leave libtorch's and OpenBLAS's own defaults alone (for measurements only).
    LibraryDefaults,
}

impl RustBertEncoder {
    /// Loads `config.json`, `vocab.txt` and the weights from `dir` (converting
    /// `model.safetensors` to [`CONVERTED_WEIGHTS`] first when needed), with OpenBLAS on
    /// `threads` threads (0 is taken as 1) and one torch thread.
    pub fn load(dir: &Path, threads: usize) -> Result<Self, EncoderError> {
        Self::load_with(dir, threads, TorchThreads::Tuned)
    }

    /// As [`RustBertEncoder::load`], choosing how threads are set.
    pub fn load_with(
        dir: &Path,
        threads: usize,
        thread_mode: TorchThreads,
    ) -> Result<Self, EncoderError> {
        let threads = threads.max(1);
        let config_path = dir.join("config.json");
        let config_text =
            std::fs::read_to_string(&config_path).map_err(|source| EncoderError::Io {
                path: config_path.clone(),
                source,
            })?;
        let config: BertConfig =
            serde_json::from_str(&config_text).map_err(|e| EncoderError::Load {
                path: config_path.clone(),
                reason: e.to_string(),
            })?;
        let dim = usize::try_from(config.hidden_size).map_err(|_| EncoderError::Load {
            path: config_path.clone(),
            reason: format!("hidden_size {} out of range", config.hidden_size),
        })?;

        let vocab_path = dir.join("vocab.txt");
        if !vocab_path.is_file() {
            return Err(missing(&vocab_path));
        }
        // all-MiniLM-L6-v2 is uncased: its tokenizer lower-cases and strips accents, as the
        // candle backend's tokenizer.json does.
        let tokenizer = BertTokenizer::from_file(&vocab_path.to_string_lossy(), true, true)
            .map_err(|e| EncoderError::Load {
                path: vocab_path.clone(),
                reason: e.to_string(),
            })?;

        if thread_mode == TorchThreads::Tuned {
            set_threads(threads);
        }

        let mut vars = nn::VarStore::new(Device::Cpu);
        // Mean pooling needs only the token states; the pooler's weights are left unused.
        let model =
            BertModel::<BertEmbeddings>::new_with_optional_pooler(vars.root(), &config, false);
        load_weights(dir, &mut vars)?;

        let model_name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".to_string());
        Ok(RustBertEncoder {
            inner: Mutex::new(Inner {
                model,
                tokenizer,
                _vars: vars,
            }),
            batch_size: DEFAULT_BATCH_SIZE,
            blas_threads: if thread_mode == TorchThreads::Tuned {
                threads
            } else {
                0
            },
            dim,
            name: format!("rust-bert:{model_name}"),
        })
    }

    /// Sets how many sentences go through the model at once (0 is taken as 1).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Sentences per forward pass.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// OpenBLAS threads this encoder asked for (0 when it left the library defaults).
    pub fn threads(&self) -> usize {
        self.blas_threads
    }
}

/// One torch intra-op and inter-op thread, `blas` OpenBLAS threads.
fn set_threads(blas: usize) {
    // libtorch refuses a second call to set the inter-op threads (tch then panics), and the
    // value is process-wide, so it is set once.
    static INTEROP: Once = Once::new();
    INTEROP.call_once(|| tch::set_num_interop_threads(1));
    tch::set_num_threads(1);
    set_openblas_threads(blas);
}

/// Calls OpenBLAS's `openblas_set_num_threads` if the process has OpenBLAS loaded.
fn set_openblas_threads(n: usize) {
    let n = libc::c_int::try_from(n).unwrap_or(libc::c_int::MAX);
    // SAFETY: dlsym with RTLD_DEFAULT only looks the name up among the libraries already
    // loaded; the name is a NUL-terminated literal.
    let sym = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"openblas_set_num_threads".as_ptr()) };
    if sym.is_null() {
        return;
    }
    // SAFETY: OpenBLAS declares `void openblas_set_num_threads(int)`; the symbol was found
    // under that exact name, so it has this signature.
    let set: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(sym) };
    set(n);
}

/// Fills `vars` from `rust_model.ot`, converting `model.safetensors` first when the `.ot`
/// file is missing or older.
fn load_weights(dir: &Path, vars: &mut nn::VarStore) -> Result<(), EncoderError> {
    let source = dir.join("model.safetensors");
    let converted = dir.join(CONVERTED_WEIGHTS);
    if !needs_conversion(&source, &converted)? {
        return vars.load(&converted).map_err(|e| EncoderError::Load {
            path: converted.clone(),
            reason: e.to_string(),
        });
    }
    let tensors = read_safetensors(&source)?;
    if write_atomically(&tensors, &converted).is_ok() {
        return vars.load(&converted).map_err(|e| EncoderError::Load {
            path: converted.clone(),
            reason: e.to_string(),
        });
    }
    // A read-only model folder: use the converted tensors without keeping them.
    copy_into(vars, &tensors).map_err(|reason| EncoderError::Load {
        path: source.clone(),
        reason,
    })
}

/// True when `converted` is missing or older than `source`.
fn needs_conversion(source: &Path, converted: &Path) -> Result<bool, EncoderError> {
    let source_meta = std::fs::metadata(source).map_err(|e| EncoderError::Io {
        path: source.to_path_buf(),
        source: e,
    })?;
    let Ok(converted_meta) = std::fs::metadata(converted) else {
        return Ok(true);
    };
    match (source_meta.modified(), converted_meta.modified()) {
        (Ok(s), Ok(c)) => Ok(c < s),
        // No modification times on this filesystem: convert to be safe.
        _ => Ok(true),
    }
}

/// Every F32 tensor of a safetensors file, under its own name (which is the variable name
/// rust-bert's `BertModel` uses: `embeddings.word_embeddings.weight`, `encoder.layer.0.…`).
/// Other dtypes (the checkpoint's integer `position_ids` buffer) are not weights and are
/// skipped.
fn read_safetensors(path: &Path) -> Result<Vec<(String, Tensor)>, EncoderError> {
    let bytes = std::fs::read(path).map_err(|source| EncoderError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let load_err = |reason: String| EncoderError::Load {
        path: path.to_path_buf(),
        reason,
    };
    let file =
        safetensors::SafeTensors::deserialize(&bytes).map_err(|e| load_err(e.to_string()))?;
    let mut out = Vec::new();
    for (name, view) in file.tensors() {
        if view.dtype() != safetensors::Dtype::F32 {
            continue;
        }
        let values: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let shape = view
            .shape()
            .iter()
            .map(|&d| i64::try_from(d))
            .collect::<Result<Vec<i64>, _>>()
            .map_err(|_| load_err(format!("{name}: dimension out of range")))?;
        let tensor = Tensor::f_of_slice(&values)
            .and_then(|t| t.f_reshape(&shape))
            .map_err(|e| load_err(format!("{name}: {e}")))?;
        out.push((name, tensor));
    }
    Ok(out)
}

/// Saves with a temporary name in the same folder, then renames, so readers see either the
/// old file or the whole new one.
fn write_atomically(tensors: &[(String, Tensor)], path: &Path) -> Result<(), EncoderError> {
    let tmp = temp_name(path);
    let result = Tensor::save_multi(tensors, &tmp)
        .map_err(|e| EncoderError::Load {
            path: tmp.clone(),
            reason: e.to_string(),
        })
        .and_then(|()| {
            std::fs::rename(&tmp, path).map_err(|source| EncoderError::Io {
                path: path.to_path_buf(),
                source,
            })
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn temp_name(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// Copies the named tensors into the variables of `vars` (as `VarStore::load` does from a
/// file); every variable must be present with its shape.
fn copy_into(vars: &nn::VarStore, tensors: &[(String, Tensor)]) -> Result<(), String> {
    let by_name: std::collections::HashMap<&str, &Tensor> =
        tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
    for (name, mut var) in vars.variables() {
        let src = by_name
            .get(name.as_str())
            .ok_or_else(|| format!("no tensor named {name}"))?;
        tch::no_grad(|| var.f_copy_(src)).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

impl Inner {
    /// One forward pass over token ids of similar length: pad to the longest, run BERT,
    /// mean-pool over the mask, normalise.
    fn embed_batch(&self, batch: &[(usize, Vec<i64>)]) -> Result<Vec<Vec<f32>>, EncoderError> {
        let rows = batch.len();
        let width = batch.iter().map(|(_, ids)| ids.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for (_, row) in batch {
            let pad = width - row.len();
            ids.extend_from_slice(row);
            // [PAD] is id 0 in BERT vocabularies; its value does not matter under the mask.
            ids.extend(std::iter::repeat_n(0i64, pad));
            mask.extend(std::iter::repeat_n(1i64, row.len()));
            mask.extend(std::iter::repeat_n(0i64, pad));
        }
        let shape = [
            i64::try_from(rows).unwrap_or(i64::MAX),
            i64::try_from(width).unwrap_or(i64::MAX),
        ];
        tch::no_grad(|| self.forward(&ids, &mask, shape))
            .map_err(|e| EncoderError::Inference(e.to_string()))
    }

    fn forward(
        &self,
        ids: &[i64],
        mask: &[i64],
        shape: [i64; 2],
    ) -> Result<Vec<Vec<f32>>, Box<dyn std::error::Error>> {
        let input_ids = Tensor::f_of_slice(ids)?.f_reshape(&shape)?;
        let mask = Tensor::f_of_slice(mask)?.f_reshape(&shape)?;
        let type_ids = input_ids.f_zeros_like()?;
        let out = self.model.forward_t(
            Some(&input_ids),
            Some(&mask),
            Some(&type_ids),
            None,
            None,
            None,
            None,
            false,
        )?;
        // Mean over real tokens only: padded positions get weight 0.
        let weights = mask.f_to_kind(Kind::Float)?.f_unsqueeze(2)?;
        let summed = out.hidden_state.f_mul(&weights)?.f_sum_dim_intlist(
            Some([1i64].as_slice()),
            false,
            Kind::Float,
        )?;
        let counts = weights
            .f_sum_dim_intlist(Some([1i64].as_slice()), false, Kind::Float)?
            .f_clamp_min(1e-9)?;
        let mean = summed.f_div(&counts)?;
        // As torch.nn.functional.normalize: divide by max(norm, 1e-12).
        let norms = mean
            .f_square()?
            .f_sum_dim_intlist(Some([1i64].as_slice()), true, Kind::Float)?
            .f_sqrt()?
            .f_clamp_min(1e-12)?;
        let unit = mean.f_div(&norms)?.f_contiguous()?;
        let dims = unit.size();
        let (rows, dim) = match dims.as_slice() {
            [r, d] => (usize::try_from(*r)?, usize::try_from(*d)?),
            other => return Err(format!("unexpected output shape {other:?}").into()),
        };
        let mut flat = vec![0f32; rows * dim];
        unit.f_copy_data(&mut flat, rows * dim)?;
        Ok(flat.chunks(dim.max(1)).map(<[f32]>::to_vec).collect())
    }
}

impl Encoder for RustBertEncoder {
    /// Tokenises everything, then runs the sentences longest first in batches of
    /// `batch_size`, as the candle backend does; the vectors come back in input order.
    fn embed(&self, sentences: &[&str]) -> Result<Vec<Vec<f32>>, EncoderError> {
        if sentences.is_empty() {
            return Ok(Vec::new());
        }
        let inner = self
            .inner
            .lock()
            .map_err(|_| EncoderError::Inference("an earlier forward pass panicked".into()))?;
        if self.blas_threads > 0 {
            // libtorch's thread count lives in thread-local OpenMP state: set it on the
            // thread that runs the forward pass, which need not be the one that loaded.
            tch::set_num_threads(1);
        }
        let encoded = inner.tokenizer.encode_list(
            sentences,
            MAX_TOKENS,
            &TruncationStrategy::LongestFirst,
            0,
        );
        let ids: Vec<Vec<i64>> = encoded.into_iter().map(|t| t.token_ids).collect();
        let sorted = super::longest_first(ids, Vec::len);
        let mut out = vec![Vec::new(); sentences.len()];
        for batch in sorted.chunks(self.batch_size) {
            let vecs = inner.embed_batch(batch)?;
            super::put_back(&mut out, batch, vecs);
        }
        Ok(out)
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
        let err = RustBertEncoder::load(dir.path(), 1).unwrap_err();
        assert!(matches!(&err, EncoderError::Io { path, .. } if path.ends_with("config.json")));

        std::fs::write(dir.path().join("config.json"), "{not json").unwrap();
        let err = RustBertEncoder::load(dir.path(), 1).unwrap_err();
        assert!(matches!(&err, EncoderError::Load { path, .. } if path.ends_with("config.json")));
    }

    #[test]
    fn conversion_is_needed_when_missing_or_older() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("model.safetensors");
        let ot = dir.path().join(CONVERTED_WEIGHTS);
        assert!(needs_conversion(&src, &ot).is_err(), "no source at all");
        std::fs::write(&src, b"x").unwrap();
        assert!(needs_conversion(&src, &ot).unwrap(), "no .ot yet");
        std::fs::write(&ot, b"y").unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&src)
            .unwrap()
            .set_modified(old)
            .unwrap();
        assert!(!needs_conversion(&src, &ot).unwrap(), ".ot newer");
        std::fs::File::options()
            .write(true)
            .open(&ot)
            .unwrap()
            .set_modified(old - std::time::Duration::from_secs(60))
            .unwrap();
        assert!(needs_conversion(&src, &ot).unwrap(), ".ot older");
    }

    #[test]
    fn converted_weights_round_trip_with_names_and_shapes() {
        // A two-tensor safetensors file written by hand: an F32 weight and an I64 buffer.
        let weight: Vec<u8> = [1.5f32, -2.0, 0.25, 4.0, 0.0, 8.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let ids: Vec<u8> = [0i64, 1].iter().flat_map(|x| x.to_le_bytes()).collect();
        let views = vec![
            (
                "encoder.layer.0.output.dense.weight",
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![2, 3], &weight)
                    .unwrap(),
            ),
            (
                "embeddings.position_ids",
                safetensors::tensor::TensorView::new(safetensors::Dtype::I64, vec![1, 2], &ids)
                    .unwrap(),
            ),
        ];
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("model.safetensors");
        safetensors::serialize_to_file(views, None, &src).unwrap();

        let tensors = read_safetensors(&src).unwrap();
        assert_eq!(tensors.len(), 1, "only the F32 tensor is a weight");
        assert_eq!(tensors[0].0, "encoder.layer.0.output.dense.weight");
        let ot = dir.path().join(CONVERTED_WEIGHTS);
        write_atomically(&tensors, &ot).unwrap();
        let back = Tensor::load_multi(&ot).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].0, "encoder.layer.0.output.dense.weight");
        assert_eq!(back[0].1.size(), vec![2, 3]);
        let mut got = vec![0f32; 6];
        back[0].1.copy_data(&mut got, 6);
        assert_eq!(got, vec![1.5, -2.0, 0.25, 4.0, 0.0, 8.0]);
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
