//! Where subcommands write: stdout or a file given with `-o`, buffered.
//!
//! A file is written under a temporary name in its own folder and renamed into place by
//! [`Output::finish`]. An error (the [`Output`] is dropped unfinished), Ctrl-C or SIGTERM
//! (the [`interrupt`](super::interrupt) handler removes every pending temporary file) thus
//! never leaves a partial file under the final name; after a SIGKILL or a power cut only a
//! hidden `.NAME.XXXXXX.tmp` file can be left beside it.

use std::io::{self, BufWriter, StdoutLock, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use tempfile::NamedTempFile;

/// Temporary files not yet renamed into place, for the interrupt handler to remove.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A buffered output: stdout, or a temporary file that becomes the `-o` file on
/// [`finish`](Output::finish).
pub struct Output {
    sink: Sink,
}

enum Sink {
    Stdout(BufWriter<StdoutLock<'static>>),
    /// An existing target that is not a regular file (`/dev/null`, a FIFO, a terminal):
    /// written in place, since renaming over it would replace the device with a file.
    Direct(BufWriter<std::fs::File>, PathBuf),
    File {
        writer: BufWriter<NamedTempFile>,
        target: PathBuf,
        _pending: Pending,
    },
}

/// Keeps a temporary file on the interrupt handler's list while it lives.
struct Pending(PathBuf);

impl Drop for Pending {
    fn drop(&mut self) {
        // NamedTempFile removes the file itself; only the bookkeeping is left to do.
        lock_pending().retain(|p| p != &self.0);
    }
}

/// Opens the output: a file when a path other than `-` is given, stdout otherwise.
pub fn open(path: Option<&Path>) -> anyhow::Result<Output> {
    let sink = match path {
        Some(p) if p != Path::new("-") => {
            let meta = std::fs::metadata(p).ok();
            if meta.as_ref().is_some_and(|m| !m.is_file() && !m.is_dir()) {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(p)
                    .with_context(|| format!("cannot open {}", p.display()))?;
                return Ok(Output {
                    sink: Sink::Direct(BufWriter::with_capacity(1 << 16, f), p.to_path_buf()),
                });
            }
            // Through a symbolic link, the file it points to is replaced, not the link.
            let resolved = match std::fs::symlink_metadata(p) {
                Ok(m) if m.file_type().is_symlink() && meta.is_some() => {
                    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
                }
                _ => p.to_path_buf(),
            };
            let p = resolved.as_path();
            let file = temp_beside(p)?;
            let pending = file.path().to_path_buf();
            lock_pending().push(pending.clone());
            Sink::File {
                writer: BufWriter::with_capacity(1 << 16, file),
                target: p.to_path_buf(),
                _pending: Pending(pending),
            }
        }
        _ => Sink::Stdout(BufWriter::with_capacity(1 << 16, io::stdout().lock())),
    };
    Ok(Output { sink })
}

/// Writes `bytes` to `path` through a temporary file, so readers never see half of it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = open(Some(path))?;
    out.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    out.finish()
}

/// A temporary file in `target`'s folder (a rename across file systems would copy), with
/// the permissions a plain create would give (0666 less the umask, not tempfile's 0600).
fn temp_beside(target: &Path) -> anyhow::Result<NamedTempFile> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    let prefix = format!(".{name}.");
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create {}", target.display()))
}

fn lock_pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // A panic while holding the lock leaves a usable list behind.
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every temporary output file not yet renamed into place; for the interrupt
/// handler, just before the process exits.
pub fn discard_pending() {
    for path in lock_pending().drain(..) {
        let _ = std::fs::remove_file(path);
    }
}

impl Output {
    /// Flushes everything; for a file, syncs it and renames it to its final name.
    pub fn finish(self) -> anyhow::Result<()> {
        match self.sink {
            Sink::Stdout(mut w) => Ok(w.flush()?),
            Sink::Direct(mut w, target) => w
                .flush()
                .with_context(|| format!("cannot write {}", target.display())),
            Sink::File {
                writer,
                target,
                _pending,
            } => {
                let file = writer
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(|| format!("cannot write {}", target.display()))?;
                // Synced before the rename, so a crash cannot leave a renamed empty file.
                file.as_file()
                    .sync_all()
                    .with_context(|| format!("cannot write {}", target.display()))?;
                file.persist(&target)
                    .map_err(|e| e.error)
                    .with_context(|| format!("cannot create {}", target.display()))?;
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Stdout(w) => w.write(buf),
            Sink::Direct(w, _) => w.write(buf),
            Sink::File { writer, .. } => writer.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(w) => w.write_all(buf),
            Sink::Direct(w, _) => w.write_all(buf),
            Sink::File { writer, .. } => writer.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(w) => w.flush(),
            Sink::Direct(w, _) => w.flush(),
            Sink::File { writer, .. } => writer.flush(),
        }
    }
}
