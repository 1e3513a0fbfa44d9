//! Sentence splitting with byte offsets into the original text.
//! (stub: being written)

/// A sentence: `text[start..end]`, with no leading or trailing whitespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

/// Splits `text` into sentences, in order, non-overlapping, on character boundaries.
pub fn split(text: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if start.is_none() && !c.is_whitespace() {
            start = Some(i);
        }
        if let Some(s) = start {
            if c == '.' || c == '\n' {
                let end = i + c.len_utf8();
                let t = text[s..end].trim_end();
                out.push(Sentence {
                    start: s,
                    end: s + t.len(),
                });
                start = None;
            }
        }
    }
    if let Some(s) = start {
        let t = text[s..].trim_end();
        out.push(Sentence {
            start: s,
            end: s + t.len(),
        });
    }
    out
}
