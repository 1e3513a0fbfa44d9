//! `stanceline train-attribution`: fits the attribution span tagger on brat-annotated texts
//! (PolNeAR's train split) and writes the model file that `eval-attribution` loads.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use stanceline::attribute::tagger::{self, Example, Piece, Role};
use stanceline::eval::brat::{self, BratSpan};

/// Arguments of `train-attribution`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder of article texts (`NAME.txt`).
    #[arg(long, value_name = "DIR")]
    text: PathBuf,
    /// Folder of brat annotations (`NAME.ann` or `NAME_ANNOTATOR.ann`).
    #[arg(long, value_name = "DIR")]
    ann: PathBuf,
    /// Passes over the data.
    #[arg(long, default_value_t = 8)]
    epochs: usize,
    /// Where to write the model.
    #[arg(short, long, value_name = "FILE", default_value = super::eval_attribution::DEFAULT_TAGGER)]
    output: PathBuf,
}

/// Reads the annotations, trains, writes the model.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let docs = brat::read_dir(&args.text, &args.ann).context("cannot read the brat folders")?;
    anyhow::ensure!(
        !docs.is_empty(),
        "no annotated texts in {}",
        args.ann.display()
    );
    let mut examples = Vec::new();
    for d in &docs {
        for a in &d.annotations {
            let mut pieces = Vec::new();
            for at in &a.attributions {
                let spans: [(Option<&BratSpan>, Role); 3] = [
                    (at.source.as_ref(), Role::Source),
                    (at.cue.as_ref(), Role::Cue),
                    (at.content.as_ref(), Role::Content),
                ];
                for (span, role) in spans {
                    for &(start, end) in span.map_or(&[][..], |s| &s.fragments[..]) {
                        pieces.push(Piece { role, start, end });
                    }
                }
            }
            examples.push(Example {
                text: &d.text,
                pieces,
            });
        }
    }
    let model = tagger::train(&examples, args.epochs);
    if let Some(dir) = args.output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    // Written beside the target and renamed at the end, like every other -o.
    let mut out = super::output::open(Some(&args.output))?;
    model
        .save(&mut out)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    out.finish()?;
    eprintln!(
        "trained on {} annotations of {} texts ({} epochs); model written to {}",
        examples.len(),
        docs.len(),
        args.epochs,
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
