//! Property tests: annotating any text never panics and every span it reports is valid.

use std::path::Path;
use std::sync::LazyLock;

use proptest::prelude::*;
use stanceline::annotate::{Annotator, StanceModel};
use stanceline::{Article, PartialDate, Topic};

static ANNOTATOR: LazyLock<Annotator> = LazyLock::new(|| {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/topics/us-china.toml");
    Annotator::new(Topic::load(&path).unwrap(), StanceModel::Rules)
});

fn article(text: String) -> Article {
    Article {
        doc_id: "prop".into(),
        date: "2025-04-15".parse::<PartialDate>().unwrap(),
        title: None,
        source: None,
        url: None,
        text,
    }
}

/// News-like fragments, so that the generator reaches cues, quotes, actors and
/// abbreviations far more often than random characters would.
fn newsy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("China".to_string()),
        Just("the U.S.".to_string()),
        Just(" said ".to_string()),
        Just("according to ".to_string()),
        Just("\"".to_string()),
        Just("\u{201C}".to_string()),
        Just("\u{201D}".to_string()),
        Just(", ".to_string()),
        Just(". ".to_string()),
        Just("\n\n".to_string()),
        Just("he ".to_string()),
        Just("the ministry ".to_string()),
        Just("Wang Xiaohong".to_string()),
        Just(" did not agree to cooperate".to_string()),
        Just(" only if ".to_string()),
        Just(" reportedly ".to_string()),
        Just("Mr. ".to_string()),
        Just("3.5 ".to_string()),
        Just("…".to_string()),
        Just("- ".to_string()),
        "[a-zA-Z ]{0,12}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn check(annotator: &Annotator, text: String) -> Result<(), TestCaseError> {
    let art = article(text);
    let recs = annotator.annotate(&art);
    let t = art.text.as_str();
    let mut prev_end = 0;
    for (i, r) in recs.iter().enumerate() {
        prop_assert_eq!(r.sent_index, i);
        prop_assert!(r.start >= prev_end && r.start < r.end && r.end <= t.len());
        prop_assert!(t.is_char_boundary(r.start) && t.is_char_boundary(r.end));
        prop_assert_eq!(&t[r.start..r.end], r.text.as_str());
        prev_end = r.end;
        let sp = &r.speaker;
        if let (Some(s), Some(e)) = (sp.start, sp.end) {
            prop_assert!(r.start <= s && s <= e && e <= r.end);
            prop_assert_eq!(Some(&t[s..e]), sp.text.as_deref());
        }
        if let Some(c) = &r.cue {
            prop_assert!(r.start <= c.start && c.start < c.end && c.end <= r.end);
            prop_assert_eq!(&t[c.start..c.end], c.text.as_str());
        }
        if let Some(c) = &r.content {
            prop_assert!(r.start <= c.start && c.start < c.end && c.end <= r.end);
            prop_assert!(t.is_char_boundary(c.start) && t.is_char_boundary(c.end));
        }
        prop_assert!((0.0..=1.0).contains(&r.confidence));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn annotate_any_string(text in "\\PC{0,300}") {
        check(&ANNOTATOR, text)?;
    }

    #[test]
    fn annotate_news_like_text(text in newsy()) {
        check(&ANNOTATOR, text)?;
    }
}
