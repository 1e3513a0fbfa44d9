//! A progress bar on stderr for long `annotate` runs: articles done, MB/s, and an ETA when
//! the inputs' total size is known. Silent when stderr is not a terminal, with `--quiet`,
//! and for small inputs, which finish before a bar would help.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Inputs smaller than this get no bar; stdin (size unknown) gets one once it has passed it.
const MIN_BYTES: u64 = 4 << 20;

/// The bar, drawn only once it is worth it.
pub struct Progress {
    enabled: bool,
    total: Option<u64>,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar for inputs of `total` bytes as stored (`None`: unknown, e.g. stdin).
    pub fn new(total: Option<u64>, quiet: bool) -> Self {
        let enabled =
            !quiet && std::io::stderr().is_terminal() && total.is_none_or(|t| t >= MIN_BYTES);
        Progress {
            enabled,
            total,
            bar: None,
        }
    }

    /// Shows `articles` done after `bytes` of input read.
    pub fn update(&mut self, articles: u64, bytes: u64) {
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && (self.total.is_some() || bytes >= MIN_BYTES) {
            self.bar = Some(new_bar(self.total));
        }
        if let Some(bar) = &self.bar {
            bar.set_position(bytes);
            bar.set_message(format!("{articles} articles"));
        }
    }

    /// Prints a line on stderr without breaking the bar.
    pub fn eprintln(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Removes the bar, so the summary that follows starts on a clean line.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn new_bar(total: Option<u64>) -> ProgressBar {
    let (bar, template) = match total {
        Some(t) => (
            ProgressBar::new(t),
            "{elapsed_precise} [{wide_bar}] {decimal_bytes}/{decimal_total_bytes} \
             {decimal_bytes_per_sec} ETA {eta}  {msg}",
        ),
        None => (
            ProgressBar::no_length(),
            "{elapsed_precise} {spinner} {decimal_bytes} {decimal_bytes_per_sec}  {msg}",
        ),
    };
    // The templates are constants; a bad one would only lose the styling.
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
