//! Regression gates: the annotator, run on the bundled corpus, must keep its scores on the
//! gold files. The floors sit a little under the scores measured when they were set, so that
//! a real regression fails CI while the gates never demand more than was shown.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use stanceline::annotate::{Annotator, StanceModel};
use stanceline::corpus::Inputs;
use stanceline::eval::{evaluate, read_gold, PredSentence, Report};
use stanceline::Topic;

fn run(gold: &str) -> Report {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let topic = Topic::load(&root.join("models/topics/us-china.toml")).unwrap();
    let annotator = Annotator::new(topic, StanceModel::Rules);
    let mut pred = Vec::new();
    for article in Inputs::new(vec![root.join("corpus/articles.jsonl")]) {
        for r in annotator.annotate(&article.unwrap()) {
            pred.push(PredSentence {
                doc_id: r.doc_id,
                start: r.start,
                end: r.end,
                text: r.text,
                speaker: r.speaker.group,
                stance: r.stance,
            });
        }
    }
    let path = root.join(gold);
    let gold = read_gold(BufReader::new(File::open(&path).unwrap()), &path).unwrap();
    evaluate(&gold, &pred)
}

fn check(report: &Report, speaker_floor: f64, stance_floor: f64) {
    assert_eq!(report.aligned, report.n, "every gold sentence aligns");
    assert!(
        report.speaker.macro_f1 >= speaker_floor,
        "speaker macro-F1 {:.3} fell below {speaker_floor}",
        report.speaker.macro_f1
    );
    assert!(
        report.stance.macro_f1 >= stance_floor,
        "stance macro-F1 {:.3} fell below {stance_floor}",
        report.stance.macro_f1
    );
}

#[test]
fn held_out_test_set_keeps_its_scores() {
    check(
        &run("corpus/gold/test.jsonl"),
        TEST_SPEAKER_FLOOR,
        TEST_STANCE_FLOOR,
    );
}

#[test]
fn dev_set_keeps_its_scores() {
    check(
        &run("corpus/gold/dev.jsonl"),
        DEV_SPEAKER_FLOOR,
        DEV_STANCE_FLOOR,
    );
}

// Measured scores and floors (macro-F1), updated together with README's score table.
const TEST_SPEAKER_FLOOR: f64 = 0.80;
const TEST_STANCE_FLOOR: f64 = 0.65;
const DEV_SPEAKER_FLOOR: f64 = 0.89;
const DEV_STANCE_FLOOR: f64 = 0.77;
