//! Property tests for the sentence splitter: whatever the input, the spans it returns are
//! in bounds, on char boundaries, trimmed, ordered and lose no non-whitespace text.

use proptest::prelude::*;
use stanceline::segment::{self, Sentence};

/// Checks the splitter's contract on `text`.
fn check_contract(text: &str) -> Result<(), TestCaseError> {
    let got = segment::split(text);
    let mut covered = vec![false; text.len()];
    let mut prev_end = 0;
    for &Sentence { start, end } in &got {
        prop_assert!(start < end, "empty span {start}..{end}");
        prop_assert!(end <= text.len(), "span {start}..{end} past {}", text.len());
        prop_assert!(prev_end <= start, "overlap or disorder at {start}");
        prop_assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        let s = &text[start..end];
        prop_assert_eq!(s.trim(), s, "untrimmed sentence");
        prop_assert!(!has_blank_line(s), "blank line inside {:?}", s);
        covered[start..end].iter_mut().for_each(|c| *c = true);
        prev_end = end;
    }
    for (i, c) in text.char_indices() {
        if !c.is_whitespace() {
            prop_assert!(covered[i], "lost {c:?} at byte {i}");
        }
    }
    // The lazy iterator and `split` agree.
    let lazy: Vec<Sentence> = segment::sentences(text).collect();
    prop_assert_eq!(lazy, got);
    Ok(())
}

/// Whether `s` holds two line breaks with only whitespace between them (a paragraph
/// break), or a paragraph separator: the splitter must always cut there.
fn has_blank_line(s: &str) -> bool {
    let mut breaks = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{2029}' => return true,
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                breaks += 1;
            }
            '\n' | '\u{2028}' => breaks += 1,
            c if c.is_whitespace() => {}
            _ => breaks = 0,
        }
        if breaks >= 2 {
            return true;
        }
    }
    false
}

/// News-like pieces: words, abbreviations, numbers, quotes, marks, list markers and every
/// kind of whitespace, plus arbitrary characters.
fn fragment() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "China", "the", "The", "U.S.", "U.K.", "Mr.", "Dr.", "Sen.", "Inc.", "Co.", "Jan.", "a.m.",
        "p.m.", "No.", "etc.", "e.g.", "E.", "J.", "$1.5", "3.5", "2.0", "fentanyl", "said", "He",
        "It", "Wang", "asked", ".", "..", "...", "…", "?", "!", "?!", ",", "\"", "'", "“", "”",
        "‘", "’", "(", ")", "[", "]", "«", "»", "-", "- ", "* ", "• ", "1. ", "12) ", "1234. ",
        " ", "  ", "\t", "\n", "\n\n", "\r", "\r\n", "\r\n\r\n", "\n \n", "\u{a0}", "\u{2028}",
        "\u{2029}", "\u{3000}", "\u{85}", "\u{b}", "\u{c}", "é", "中国", "\u{200b}", "🙂",
    ])
    .prop_map(str::to_string);
    prop_oneof![
        6 => fixed,
        1 => any::<char>().prop_map(String::from),
    ]
}

fn newsish() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn contract_holds_on_arbitrary_strings(text in any::<String>()) {
        check_contract(&text)?;
    }

    #[test]
    fn contract_holds_on_news_like_text(text in newsish()) {
        check_contract(&text)?;
    }

    #[test]
    fn contract_holds_with_spaced_fragments(parts in prop::collection::vec(fragment(), 0..40)) {
        check_contract(&parts.join(" "))?;
    }

    #[test]
    fn cutting_at_a_paragraph_changes_nothing(text in newsish()) {
        // Segmenting text[..cut] and text[cut..] separately, as `split` does with long
        // inputs, gives exactly the sentences of the whole.
        if let Some(cut) = segment::paragraph_cut(text.as_bytes()) {
            prop_assert!(text.is_char_boundary(cut) && cut > 0 && cut < text.len());
            let whole: Vec<Sentence> = segment::split(&text);
            let mut pieces = segment::split(&text[..cut]);
            pieces.extend(segment::split(&text[cut..]).into_iter().map(|s| Sentence {
                start: s.start + cut,
                end: s.end + cut,
            }));
            prop_assert_eq!(pieces, whole);
        }
    }

    #[test]
    fn crlf_splits_like_lf(parts in prop::collection::vec(fragment(), 0..40)) {
        // Build LF text without any lone CR, then compare with its CRLF version.
        let lf = parts.concat().replace('\r', "");
        let crlf = lf.replace('\n', "\r\n");
        let a: Vec<String> = segment::split(&lf).iter().map(|s| s.text(&lf).to_string()).collect();
        let b: Vec<String> = segment::split(&crlf)
            .iter()
            .map(|s| s.text(&crlf).replace("\r\n", "\n"))
            .collect();
        prop_assert_eq!(a, b);
    }
}

#[test]
fn paragraph_cut_cases() {
    // Where a text may be cut, worked out by hand: the start of the last paragraph.
    let cases: [(&str, Option<usize>); 8] = [
        ("", None),
        ("One. Two.", None),
        ("One.\nTwo.", None),
        ("One.\n\nTwo.", Some(6)),
        ("One.\r\n\r\nTwo.\n\nThree", Some(14)),
        ("One.\r\nTwo.", None),
        ("One.\n \t\nTwo", Some(8)),
        ("One.\n\n", None),
    ];
    for (text, want) in cases {
        assert_eq!(segment::paragraph_cut(text.as_bytes()), want, "{text:?}");
    }
}

#[test]
fn blank_line_detector() {
    // The helper the properties rely on, checked by hand.
    let cases = [
        ("one\ntwo", false),
        ("one\n\ntwo", true),
        ("one\n \t\ntwo", true),
        ("one\r\ntwo", false),
        ("one\r\n\r\ntwo", true),
        ("one\r\rtwo", true),
        ("one\n x \ntwo", false),
        ("one\u{2029}two", true),
    ];
    for (s, want) in cases {
        assert_eq!(has_blank_line(s), want, "{s:?}");
    }
}
