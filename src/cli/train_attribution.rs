//! `stanceline train-attribution`: fits the attribution span tagger on brat-annotated texts
//! (PolNeAR's train split) and writes the model file that `eval-attribution` loads. By
//! default the tagger also reads token states from a middle layer of the sentence encoder,
//! computed here for every text first and held in memory (for PolNeAR train on two cores:
//! about nine minutes in all, peak RSS 1.5 GB).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use stanceline::attribute::tagger::{self, Example, Piece, Role, StatesSpec};
use stanceline::eval::brat::BratSpan;

/// Arguments of `train-attribution`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    dirs: super::brat_dirs::BratDirs,
    /// Passes over the data.
    #[arg(long, default_value_t = 8)]
    epochs: usize,
    /// Where to write the model.
    #[arg(short, long, value_name = "FILE", default_value = super::eval_attribution::DEFAULT_TAGGER)]
    output: PathBuf,
    /// Encoder layers whose output the tagger reads (all-MiniLM-L6-v2 has 6).
    #[arg(long, value_name = "N", default_value_t = StatesSpec::DEFAULT.layers)]
    layers: u32,
    /// Train on words alone, without encoder states (needs no encoder; scores several
    /// points lower).
    #[arg(long)]
    no_states: bool,
    #[command(flatten)]
    encoder: super::token_states::EncoderOpts,
}

/// Reads the annotations, trains, writes the model.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let docs = args.dirs.read()?;
    let spec = (!args.no_states).then_some(StatesSpec {
        layers: args.layers,
        ..StatesSpec::DEFAULT
    });
    let states = spec
        .map(|spec| args.encoder.states_of(spec, &docs))
        .transpose()?;
    let mut examples = Vec::new();
    for (k, d) in docs.iter().enumerate() {
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
                states: states.as_ref().map(|s| s[k].as_slice()),
            });
        }
    }
    let model = tagger::train(&examples, args.epochs, spec);
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
        "trained on {} annotations of {} texts ({} epochs, {}); model written to {}",
        examples.len(),
        docs.len(),
        args.epochs,
        match spec {
            Some(s) => format!("encoder states of layer {}", s.layers),
            None => "no encoder states".to_string(),
        },
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
