//! Quotation regions of an article, so that cue words inside a quote are not mistaken for
//! attributions and the sentences of a multi-sentence quote keep their speaker.

/// A quotation: from its opening mark to its closing mark (both byte offsets into the
/// article; `close` is the offset of the closing mark, or the end of the paragraph when the
/// quote is left open, as news style does for quotes that run over paragraphs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    /// Offset of the opening mark.
    pub open: usize,
    /// Offset of the closing mark (exclusive end of the quoted words).
    pub close: usize,
    /// Whether a closing mark was found.
    pub closed: bool,
}

impl Quote {
    /// True when `pos` lies strictly inside the quotation marks.
    pub fn contains(&self, pos: usize) -> bool {
        self.open < pos && pos < self.close
    }
}

/// Finds double-quote regions. Curly quotes say which way they face; a straight `"` opens
/// when it follows whitespace, an opening bracket or the start of the text, and closes
/// otherwise. A blank line ends any open quote. Single quotes are ignored: they cannot be
/// told from apostrophes reliably.
pub fn find(text: &str) -> Vec<Quote> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    let mut prev: Option<char> = None;
    let mut newline_run = 0;
    for (i, c) in text.char_indices() {
        if c == '\n' {
            newline_run += 1;
            if newline_run >= 2 {
                if let Some(o) = open.take() {
                    out.push(Quote {
                        open: o,
                        close: i,
                        closed: false,
                    });
                }
            }
        } else if !c.is_whitespace() {
            newline_run = 0;
        }
        let opens = match c {
            '\u{201C}' | '\u{201E}' => Some(true),
            '\u{201D}' => Some(false),
            '"' => Some(prev.is_none_or(|p| p.is_whitespace() || "([{—–-".contains(p))),
            _ => None,
        };
        match (opens, open) {
            (Some(true), None) => open = Some(i),
            (Some(true), Some(o)) => {
                // A second opening mark: the first quote was left open (new paragraph style).
                out.push(Quote {
                    open: o,
                    close: i,
                    closed: false,
                });
                open = Some(i);
            }
            (Some(false), Some(o)) => {
                out.push(Quote {
                    open: o,
                    close: i,
                    closed: true,
                });
                open = None;
            }
            _ => {}
        }
        prev = Some(c);
    }
    if let Some(o) = open {
        out.push(Quote {
            open: o,
            close: text.len(),
            closed: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_straight_and_curly_quotes() {
        let cases: &[(&str, &[(&str, bool)])] = &[
            ("He said \"we act\" today.", &[("\"we act", true)]),
            (
                "\u{201C}We act,\u{201D} he said.",
                &[("\u{201C}We act,", true)],
            ),
            (
                "\"One.\n\n\"Two,\" he said.",
                &[("\"One.", false), ("\"Two,", true)],
            ),
            ("a 5\" pipe", &[]),
            ("\"open to the end", &[("\"open to the end", false)]),
        ];
        for (text, want) in cases {
            let got: Vec<(&str, bool)> = find(text)
                .iter()
                .map(|q| (text[q.open..q.close].trim_end(), q.closed))
                .collect();
            assert_eq!(&got, want, "text {text:?}");
        }
    }
}
