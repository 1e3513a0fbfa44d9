//! Property tests and fuzzing: annotating any text (segment + attribute + stance, the whole
//! `Annotator::annotate`) never panics and every span it reports is valid.
//!
//! The case count per property is `STANCELINE_FUZZ_CASES` (default 2000, so the suite stays
//! fast). A long fuzzing run, as done for the hardening issue:
//!
//! ```sh
//! STANCELINE_FUZZ_CASES=250000 cargo test --release --test annotate_props
//! ```
//!
//! runs 4 × 250,000 = 1,000,000 annotations. A failure prints the shrunk input; each one
//! found becomes a named regression test (as the two multi-byte cases in
//! tests/cli_bad_input.rs did).

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

/// Raw bytes, half of them drawn from punctuation, quotes, whitespace and the bytes of
/// multi-byte characters, decoded lossily as a reader of bad input would.
fn lossy_bytes() -> impl Strategy<Value = String> {
    let byte = prop_oneof![
        any::<u8>(),
        prop::sample::select(
            b".!?;:,\"'()[]- \n\r\tMrSU0\xE2\x80\x9C\x9D\x99\xA6\xC2\xA0\xE3\x80\x82".to_vec()
        ),
    ];
    prop::collection::vec(byte, 0..400).prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Strings built from the characters that sentence splitting and quote handling hinge on:
/// straight and curly quotes, CJK and full-width punctuation, ellipses, dashes, zero-width
/// and bidirectional marks, combining accents, emoji, abbreviations and reporting cues.
fn tricky() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            "\"",
            "'",
            "\u{2018}",
            "\u{2019}",
            "\u{201C}",
            "\u{201D}",
            "\u{00AB}",
            "\u{00BB}",
            "\u{300C}",
            "\u{300D}",
            "\u{3002}",
            "\u{FF01}",
            "\u{FF1F}",
            "\u{2026}",
            "...",
            "\u{2014}",
            "\u{2013}",
            "\u{200B}",
            "\u{200F}",
            "\u{202E}",
            "\u{0301}",
            "\u{FE0F}",
            "\u{1F600}",
            "\u{00A0}",
            "\u{2028}",
            "\r\n",
            "\n\n",
            " ",
            ". ",
            "? ",
            "! ",
            ".\"",
            "?\u{201D} ",
            "(",
            ")",
            "[",
            "]",
            ":",
            ";",
            ",",
            "Mr.",
            "Dr.",
            "U.S.",
            "No.",
            "Jan.",
            "e.g.",
            "said",
            " said ",
            "says",
            "according to",
            "told",
            "warned",
            "he",
            "she",
            "they",
            "Beijing",
            "Washington",
            "the ministry",
            "Wang Yi",
            "analysts",
            "cooperation",
            "sanctions",
            "only if",
            "not",
            "1.5",
            "3",
            "a",
            "Z",
        ])
        .prop_map(String::from),
        any::<char>().prop_map(String::from),
        "\\PC{0,3}",
    ];
    prop::collection::vec(piece, 0..80).prop_map(|v| v.concat())
}

/// Cases per property: `STANCELINE_FUZZ_CASES`, or 2000.
fn cases() -> u32 {
    std::env::var("STANCELINE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
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
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn annotate_any_string(text in "\\PC{0,300}") {
        check(&ANNOTATOR, text)?;
    }

    #[test]
    fn annotate_news_like_text(text in newsy()) {
        check(&ANNOTATOR, text)?;
    }

    #[test]
    fn annotate_lossily_decoded_bytes(text in lossy_bytes()) {
        check(&ANNOTATOR, text)?;
    }

    #[test]
    fn annotate_quotes_punctuation_and_unicode(text in tricky()) {
        check(&ANNOTATOR, text)?;
    }
}
