//! Sentence splitting with byte offsets into the original text.
//!
//! The splitter is a single forward byte scan: it only stops at bytes that can end a
//! sentence (`.`, `!`, `?`, `…`) or a line (`\n`, `\r`, U+2028, U+2029), decides there
//! whether to cut, and never copies or normalises the text. A cut splits the text into
//! raw pieces that tile it completely; each piece is then trimmed of (Unicode)
//! whitespace and dropped if nothing is left. Because only whitespace is ever dropped,
//! every other byte of the input ends up in exactly one sentence.
//!
//! # Where it cuts
//!
//! * **Blank lines** (two or more line breaks, with only whitespace between them; CRLF
//!   counts once) always end a sentence, so headlines and datelines without final
//!   punctuation stand alone. A single line break is wrapped text and does not cut,
//!   except before a **list item** (a line starting with `- `, `* `, `• `, `1. ` or
//!   `2) `). A list item ends at its line's end unless the next line starts with a
//!   lowercase letter (a wrapped item).
//! * **`!` and `?`** (with any closing quotes or brackets after them) cut unless the next
//!   word is lowercase (`"Why?" he asked.`) or is a short capitalised name followed by a
//!   speech verb (`"Enough!" Wang said.`).
//! * **Ellipses** (`...`, `…`) cut only when the next word starts with a capital letter.
//! * **A period followed by a closing quote or bracket** (`act." Then`, `(It did.) The`)
//!   cuts unless the next word is lowercase.
//! * **A bare period** depends on the word in front of it:
//!   - titles and Latin abbreviations (`Mr.`, `Sen.`, `Gen.`, `vs.`, `e.g.`, `i.e.`) never
//!     cut;
//!   - `No.`, `etc.` and the like do not cut before a number, and otherwise act like an
//!     ordinary word;
//!   - *ambiguous* abbreviations, which can end a sentence as well as sit inside one
//!     (`U.S.`, `U.K.`, `a.m.`, `Jan.`, `Inc.`, `Corp.`, `Jr.`, `St.`, states like `Fla.`,
//!     initials like `E.`), cut only when the next word is a typical sentence opener: a
//!     capital after an opening quote (not a bracket: "ORLANDO, Fla. (Reuters)"), or a
//!     word from [`OPENERS`] (determiners, pronouns, conjunctions, prepositions and
//!     discourse adverbs: `The`, `He`, `It`, `But`, `In`, `However`, …). Upper-case
//!     dotted abbreviations (`U.S.`, `U.K.`) also accept the actor names in
//!     [`ACTOR_OPENERS`] (`China`, `Beijing`, `Washington`, `Chinese`), because in news
//!     text "the U.S. China said" is a sentence break while "the U.S. Treasury" and
//!     "U.S. President" are not; `a.m.`/`p.m.` do not, because "9 a.m. Beijing time" is
//!     common. Function words almost never follow a mid-sentence proper-noun modifier,
//!     which is why this is the signal: it keeps "the U.S. Treasury", "Jonas E. Smith" and
//!     "3 p.m. Tuesday" whole while "into the U.S. The ministry said" splits;
//!   - any other word cuts unless the next word starts lowercase (`3.5 percent` and
//!     `$1.5 billion` never reach this point: the period is not followed by whitespace).
//!
//! The scan stops only at a handful of byte values (a 256-entry table), so plain text
//! between candidate points costs one table lookup per byte.

/// A sentence: `text[start..end]`, with no leading or trailing whitespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Sentence {
    /// The sentence's text within the text it was split from (empty if `text` is not that
    /// text and the offsets do not fit it).
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// Splits `text` into sentences, in order, non-overlapping, on character boundaries.
pub fn split(text: &str) -> Vec<Sentence> {
    sentences(text).collect()
}

/// The last place in `bytes` where a long text can be cut into two pieces that
/// [`sentences`] splits exactly as it splits the whole: the start of a paragraph, i.e. the
/// first byte, an ASCII letter, after a run of ASCII whitespace holding two or more line
/// breaks (a blank line, which always ends a sentence). `None` when there is no such place.
///
/// This lets a reader segment an input of any size a block at a time, holding only one
/// paragraph beyond the block in memory. Runs with non-ASCII whitespace are not used as cut
/// points, to stay on the safe side of the splitter's own rules.
pub fn paragraph_cut(bytes: &[u8]) -> Option<usize> {
    let ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C);
    let mut p = bytes.len();
    while p > 1 {
        p -= 1;
        // Only a paragraph that starts with a letter: a list marker or a quote there would
        // be read differently at the start of a text than after a blank line.
        if !bytes[p].is_ascii_alphabetic() || !ws(bytes[p - 1]) {
            continue;
        }
        // bytes[p] starts a word after whitespace: count the run's line breaks.
        let mut i = p;
        let mut breaks = 0;
        while i > 0 && ws(bytes[i - 1]) {
            i -= 1;
            match bytes[i] {
                b'\n' => breaks += 1,
                // A CRLF counts once, as in the splitter.
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => breaks += 1,
                _ => {}
            }
        }
        // A non-ASCII byte (or the text start) before the run: skip to be safe.
        if breaks >= 2 && i > 0 && bytes[i - 1].is_ascii() {
            return Some(p);
        }
        p = i;
    }
    None
}

/// Iterates over the sentences of `text` lazily; [`split`] collects this.
pub fn sentences(text: &str) -> Sentences<'_> {
    Sentences {
        text,
        pos: 0,
        seg_start: 0,
        seg_list: None,
        done: false,
    }
}

/// Iterator over the sentences of a text, returned by [`sentences`].
#[derive(Debug, Clone)]
pub struct Sentences<'a> {
    text: &'a str,
    /// Where the scan for the next cut resumes.
    pos: usize,
    /// Start of the current raw piece (the previous cut).
    seg_start: usize,
    /// Whether the current piece is a list item, once computed.
    seg_list: Option<bool>,
    done: bool,
}

impl Iterator for Sentences<'_> {
    type Item = Sentence;

    fn next(&mut self) -> Option<Sentence> {
        while !self.done {
            let cut = match self.next_cut() {
                Some(c) => c,
                None => {
                    self.done = true;
                    self.text.len()
                }
            };
            let piece = trim(self.text, self.seg_start, cut);
            self.seg_start = cut;
            self.seg_list = None;
            if piece.is_some() {
                return piece;
            }
        }
        None
    }
}

impl std::iter::FusedIterator for Sentences<'_> {}

/// Trims `text[a..b]` of whitespace; `None` if nothing is left.
fn trim(text: &str, a: usize, b: usize) -> Option<Sentence> {
    // Cuts are made on char boundaries by construction; moving forward to the next
    // boundary is only a guard so a logic slip can never panic or drop text.
    let b = ceil_boundary(text, b);
    let a = ceil_boundary(text, a.min(b));
    let s = text.get(a..b)?;
    let t = s.trim_start();
    let start = a + (s.len() - t.len());
    let end = start + t.trim_end().len();
    (end > start).then_some(Sentence { start, end })
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    if i >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Bytes the scan stops at: the ASCII end marks and line breaks, and 0xE2, the lead byte
/// of `…`, U+2028 and U+2029. Continuation bytes are never listed, so the scan never
/// stops inside a character.
const STOP: [bool; 256] = {
    let mut t = [false; 256];
    t[b'.' as usize] = true;
    t[b'!' as usize] = true;
    t[b'?' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t[0xE2] = true;
    t
};

/// What kind of end mark a run of `.`/`!`/`?`/`…` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// Contains `!` or `?`.
    Strong,
    /// Two or more periods, or `…`.
    Ellipsis,
    /// A single period.
    Period,
}

/// How a word written with a final period behaves at a possible sentence end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Abbrev {
    /// Never ends a sentence (`Mr.`, `Sen.`, `vs.`, `e.g.`).
    Title,
    /// Does not end a sentence before a number (`No. 2`); otherwise an ordinary word.
    BeforeNumber,
    /// Ends a sentence only before a typical sentence opener (`U.S.`, `Inc.`, `Jan.`, `E.`).
    /// `upper_dotted` marks all-caps dotted forms, which also accept [`ACTOR_OPENERS`].
    Ambiguous {
        /// All-caps dotted abbreviation (`U.S.`, `U.K.`, `D.C.`).
        upper_dotted: bool,
    },
    /// An ordinary word or number.
    Word,
}

/// Words written with a period that never end a sentence: titles before names and
/// Latin connectives.
const TITLES: &[&str] = &[
    "Mr", "Mrs", "Ms", "Messrs", "Mmes", "Dr", "Drs", "Prof", "Gen", "Sen", "Sens", "Rep", "Reps",
    "Gov", "Govs", "Lt", "Col", "Sgt", "Capt", "Cmdr", "Adm", "Maj", "Brig", "Rev", "Hon", "Pres",
    "Supt", "Atty", "Amb", "Sec", "Mt", "Ft", "vs", "v", "e.g", "i.e", "cf", "viz",
];

/// Words written with a period that do not end a sentence before a number.
const BEFORE_NUMBER: &[&str] = &[
    "No", "Nos", "Vol", "Vols", "Art", "Fig", "pp", "etc", "approx", "ca",
];

/// Words written with a period that may or may not end a sentence.
/// Months, company suffixes, name suffixes, street words and the AP abbreviations of US
/// states (datelines: "ORLANDO, Fla. (Reuters) -").
const AMBIGUOUS: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Co",
    "Corp", "Inc", "Ltd", "Bros", "Jr", "Sr", "St", "Ave", "Blvd", "Rd", "Dept", "Univ", "Ala",
    "Ariz", "Ark", "Calif", "Colo", "Conn", "Del", "Fla", "Ga", "Ill", "Ind", "Kan", "Ky", "La",
    "Md", "Mass", "Mich", "Minn", "Miss", "Mo", "Mont", "Neb", "Nev", "Okla", "Ore", "Pa", "Tenn",
    "Tex", "Va", "Vt", "Wash", "Wis", "Wyo",
];

/// Words that typically open a sentence and rarely follow an abbreviation inside one.
pub const OPENERS: &[&str] = &[
    "A",
    "About",
    "According",
    "After",
    "Against",
    "Ahead",
    "All",
    "Also",
    "Although",
    "Amid",
    "Among",
    "An",
    "And",
    "Another",
    "Any",
    "As",
    "Asked",
    "At",
    "Because",
    "Before",
    "Both",
    "But",
    "By",
    "Despite",
    "During",
    "Each",
    "Earlier",
    "Even",
    "Few",
    "For",
    "From",
    "He",
    "Her",
    "Here",
    "His",
    "How",
    "However",
    "I",
    "If",
    "In",
    "Indeed",
    "Instead",
    "It",
    "Its",
    "Last",
    "Later",
    "Many",
    "Meanwhile",
    "More",
    "Moreover",
    "Most",
    "My",
    "Next",
    "Nor",
    "Not",
    "Now",
    "Of",
    "On",
    "One",
    "Or",
    "Our",
    "Over",
    "Several",
    "She",
    "Since",
    "So",
    "Some",
    "Still",
    "Such",
    "That",
    "The",
    "Their",
    "Then",
    "There",
    "These",
    "They",
    "This",
    "Those",
    "Though",
    "Thus",
    "To",
    "Under",
    "Until",
    "We",
    "What",
    "When",
    "Where",
    "Whether",
    "Which",
    "While",
    "Who",
    "Why",
    "With",
    "Without",
    "Yet",
    "You",
    "Your",
];

/// Actor names that open a sentence after an all-caps dotted abbreviation ("…into the
/// U.S. China has denied…") but not after `a.m.` ("9 a.m. Beijing time").
pub const ACTOR_OPENERS: &[&str] = &["Beijing", "China", "Chinese", "Washington"];

/// Verbs of saying that, after a quoted `?`/`!` and a short capitalised name, show the
/// sentence goes on (`"Why?" Wang asked.`).
const SPEECH_VERBS: &[&str] = &[
    "said",
    "says",
    "asked",
    "asks",
    "told",
    "added",
    "adds",
    "wrote",
    "writes",
    "replied",
    "replies",
    "shouted",
    "declared",
    "insisted",
    "exclaimed",
    "countered",
    "tweeted",
    "posted",
    "cried",
];

impl Sentences<'_> {
    fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    fn byte(&self, i: usize) -> Option<u8> {
        self.bytes().get(i).copied()
    }

    fn char_at(&self, i: usize) -> Option<char> {
        self.text.get(i..).and_then(|s| s.chars().next())
    }

    /// Scans from `self.pos` to the next cut; `None` when the text ends first.
    fn next_cut(&mut self) -> Option<usize> {
        let len = self.bytes().len();
        let mut i = self.pos;
        while i < len {
            // Fast skip to the next byte that can matter.
            let rel = self.bytes()[i..].iter().position(|&b| STOP[b as usize]);
            let Some(rel) = rel else {
                break;
            };
            i += rel;
            let b = self.bytes()[i];
            let step = match b {
                b'\n' | b'\r' => self.at_line_break(i),
                b'.' | b'!' | b'?' => self.at_end_mark(i),
                _ => match (self.byte(i + 1), self.byte(i + 2)) {
                    (Some(0x80), Some(0xA6)) => self.at_end_mark(i),
                    (Some(0x80), Some(0xA8 | 0xA9)) => self.at_line_break(i),
                    _ => Step::Go(i + 1),
                },
            };
            match step {
                Step::Go(next) => i = next.max(i + 1),
                Step::Cut { at, resume } => {
                    self.pos = resume.max(at);
                    return Some(at);
                }
            }
        }
        self.pos = len;
        None
    }

    /// A line break at `i`: cut at blank lines, before list items, and at the end of a
    /// list item's line.
    fn at_line_break(&mut self, i: usize) -> Step {
        let (end, breaks) = self.scan_ws(i);
        if end >= self.text.len() {
            return Step::Go(end);
        }
        if breaks >= 2 || self.list_marker_at(end) {
            return Step::Cut { at: i, resume: end };
        }
        if breaks == 1 && self.current_is_list_item() {
            let lower = self.char_at(end).is_some_and(char::is_lowercase);
            if !lower {
                return Step::Cut { at: i, resume: end };
            }
        }
        Step::Go(end)
    }

    /// A run of end marks starting at `i`.
    fn at_end_mark(&mut self, i: usize) -> Step {
        let (run_end, mark, closed) = self.scan_end_run(i);
        if run_end >= self.text.len() {
            return Step::Cut {
                at: run_end,
                resume: run_end,
            };
        }
        // An end mark must be followed by whitespace: `U.S.-China`, `2.0`, `e.g.,`.
        if !self.char_at(run_end).is_some_and(char::is_whitespace) {
            return Step::Go(run_end);
        }
        let (next, breaks) = self.scan_ws(run_end);
        let cut = Step::Cut {
            at: run_end,
            resume: next,
        };
        if next >= self.text.len() || breaks >= 2 {
            return cut;
        }
        // A single line break followed by anything else is left to `at_line_break`,
        // which knows about list items; resume just after the marks.
        let go = Step::Go(run_end);
        let word = self.next_word(next);
        let decide = |yes: bool| if yes { cut } else { go };
        match mark {
            Mark::Strong => decide(
                word.starts_sentence_loosely() && !(closed && self.speech_attribution(word.start)),
            ),
            Mark::Ellipsis => decide(word.first.is_some_and(char::is_uppercase)),
            Mark::Period if closed => decide(word.starts_sentence_loosely()),
            Mark::Period => {
                if self.is_numbered_marker(i) {
                    return go;
                }
                let abbrev = classify(self.word_before(i));
                decide(match abbrev {
                    Abbrev::Title => false,
                    Abbrev::BeforeNumber => {
                        !word.first.is_some_and(|c| c.is_ascii_digit())
                            && word.starts_sentence_loosely()
                    }
                    Abbrev::Ambiguous { upper_dotted } => {
                        let opener = word.quoted && word.first.is_some_and(char::is_uppercase);
                        opener
                            || self.word_in(word.start, OPENERS)
                            || (upper_dotted && self.word_in(word.start, ACTOR_OPENERS))
                    }
                    Abbrev::Word => word.starts_sentence_loosely(),
                })
            }
        }
    }

    /// Reads the run of end marks and closing quotes/brackets from `i`: returns its end,
    /// its kind and whether a closer follows the marks.
    fn scan_end_run(&self, i: usize) -> (usize, Mark, bool) {
        let b = self.bytes();
        let mut j = i;
        let mut periods = 0usize;
        let mut strong = false;
        let mut ellipsis = false;
        let mut closed = false;
        while j < b.len() {
            match b[j] {
                b'.' if !closed => {
                    periods += 1;
                    j += 1;
                }
                // `?")` and `.'"` are fine, and so is `"…"?`; but a period after a
                // closer is not part of this run.
                b'!' | b'?' => {
                    strong = true;
                    j += 1;
                }
                b'"' | b'\'' | b')' | b']' | b'}' => {
                    closed = true;
                    j += 1;
                }
                0xE2 if b.get(j + 1) == Some(&0x80) => match b.get(j + 2) {
                    Some(0xA6) if !closed => {
                        ellipsis = true;
                        j += 3;
                    }
                    // ’ and ”
                    Some(0x99 | 0x9D) => {
                        closed = true;
                        j += 3;
                    }
                    _ => break,
                },
                // »
                0xC2 if b.get(j + 1) == Some(&0xBB) => {
                    closed = true;
                    j += 2;
                }
                _ => break,
            }
        }
        let mark = if strong {
            Mark::Strong
        } else if ellipsis || periods >= 2 {
            Mark::Ellipsis
        } else {
            Mark::Period
        };
        (j, mark, closed)
    }

    /// Skips whitespace from `i`; returns where it ends and how many line breaks it holds
    /// (CRLF counts once, U+2029 counts as a blank line).
    fn scan_ws(&self, mut i: usize) -> (usize, usize) {
        let b = self.bytes();
        let mut breaks = 0;
        while i < b.len() {
            match b[i] {
                b'\n' => {
                    breaks += 1;
                    i += 1;
                }
                b'\r' => {
                    breaks += 1;
                    i += if b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                }
                b' ' | b'\t' | 0x0B | 0x0C => i += 1,
                x if x < 0x80 => break,
                _ => match self.char_at(i) {
                    Some('\u{2028}') => {
                        breaks += 1;
                        i += 3;
                    }
                    Some('\u{2029}') => {
                        breaks += 2;
                        i += 3;
                    }
                    Some(c) if c.is_whitespace() => i += c.len_utf8(),
                    _ => break,
                },
            }
        }
        (i, breaks)
    }

    /// Whether a list marker (`- `, `* `, `• `, `12. `, `3) `) starts at `i`.
    fn list_marker_at(&self, i: usize) -> bool {
        let b = self.bytes();
        let tail = b.get(i..).unwrap_or(&[]);
        let blank = |x: Option<&u8>| matches!(x, Some(b' ' | b'\t'));
        match tail {
            [b'-' | b'*', rest @ ..] => blank(rest.first()),
            [0xE2, 0x80, 0xA2, rest @ ..] => blank(rest.first()),
            _ => {
                let digits = tail.iter().take_while(|c| c.is_ascii_digit()).count();
                (1..=3).contains(&digits)
                    && matches!(tail.get(digits), Some(b'.' | b')'))
                    && blank(tail.get(digits + 1))
            }
        }
    }

    /// Whether the current raw piece starts, at the start of a line, with a list marker.
    fn current_is_list_item(&mut self) -> bool {
        if let Some(v) = self.seg_list {
            return v;
        }
        let (first, breaks) = self.scan_ws(self.seg_start);
        let v = (self.seg_start == 0 || breaks >= 1 || self.line_start(self.seg_start))
            && self.list_marker_at(first);
        self.seg_list = Some(v);
        v
    }

    /// Whether only spaces or tabs stand between `i` and the previous line break or the
    /// start of the text.
    fn line_start(&self, i: usize) -> bool {
        let b = self.bytes();
        let before = b.get(..i).unwrap_or(&[]);
        match before.iter().rposition(|&c| c != b' ' && c != b'\t') {
            None => true,
            Some(p) => matches!(before[p], b'\n' | b'\r'),
        }
    }

    /// Whether the period at `i` ends the number of a numbered list marker (`2. `) at the
    /// start of a line.
    fn is_numbered_marker(&self, i: usize) -> bool {
        let b = self.bytes();
        let before = b.get(..i).unwrap_or(&[]);
        let digits = before
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .count();
        (1..=3).contains(&digits) && self.line_start(i - digits) && self.list_marker_at(i - digits)
    }

    /// The word in front of the period at `i`: ASCII letters, digits and inner periods
    /// (`U.S`, `a.m`, `Mr`, `2`). Empty if a non-ASCII letter or digit is glued to it
    /// (`Côte.`), but not if a quote or bracket is (`“Mr.`).
    fn word_before(&self, i: usize) -> &[u8] {
        let b = self.bytes();
        let before = b.get(..i).unwrap_or(&[]);
        let start = before
            .iter()
            .rposition(|c| !(c.is_ascii_alphanumeric() || *c == b'.'))
            .map_or(0, |p| p + 1);
        let glued = self
            .text
            .get(..start)
            .and_then(|s| s.chars().next_back())
            .is_some_and(|c| !c.is_ascii() && c.is_alphanumeric());
        if glued {
            return &[];
        }
        &before[start..]
    }

    /// The word starting at `i`, after skipping opening quotes and brackets.
    fn next_word(&self, mut i: usize) -> NextWord {
        let mut opened = false;
        let mut quoted = false;
        for _ in 0..3 {
            match self.char_at(i) {
                Some(c @ ('"' | '\'' | '“' | '‘' | '«')) => {
                    quoted = true;
                    i += c.len_utf8();
                }
                Some(c @ ('(' | '[')) => {
                    opened = true;
                    i += c.len_utf8();
                }
                _ => break,
            }
        }
        NextWord {
            start: i,
            first: self.char_at(i),
            opened: opened || quoted,
            quoted,
        }
    }

    /// Whether the word at `i` is one of `words`, followed by a word end.
    fn word_in(&self, i: usize, words: &[&str]) -> bool {
        let b = self.bytes();
        let tail = b.get(i..).unwrap_or(&[]);
        let n = tail.iter().take_while(|c| c.is_ascii_alphabetic()).count();
        let ends = match tail.get(n..).unwrap_or(&[]) {
            [] => true,
            [c, ..] if c.is_ascii_whitespace() || matches!(c, b',' | b'\'' | b':' | b';') => true,
            // ’ as an apostrophe: "It’s"
            [0xE2, 0x80, 0x99, ..] => true,
            _ => false,
        };
        n > 0 && ends && words.iter().any(|w| w.as_bytes() == &tail[..n])
    }

    /// Whether up to four capitalised words and then a speech verb start at `i`
    /// (`Wang asked`, `Foreign Minister Wang Yi said`).
    fn speech_attribution(&self, mut i: usize) -> bool {
        let b = self.bytes();
        for names in 0..=4 {
            let tail = b.get(i..).unwrap_or(&[]);
            let n = tail
                .iter()
                .take_while(|c| c.is_ascii_alphabetic() || **c == b'.' || **c == b'-')
                .count();
            if n == 0 {
                return false;
            }
            let letters = tail.iter().take_while(|c| c.is_ascii_alphabetic()).count();
            let verb = &tail[..letters];
            if names > 0 && SPEECH_VERBS.iter().any(|v| v.as_bytes() == verb) {
                return true;
            }
            if !tail[0].is_ascii_uppercase() {
                return false;
            }
            i += n;
            let spaces = b
                .get(i..)
                .unwrap_or(&[])
                .iter()
                .take_while(|c| **c == b' ')
                .count();
            if spaces == 0 {
                return false;
            }
            i += spaces;
        }
        false
    }
}

/// The outcome of handling a stop byte.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// No cut: continue scanning here.
    Go(usize),
    /// Cut at `at`; resume scanning at `resume`.
    Cut { at: usize, resume: usize },
}

/// The first word after a possible sentence end.
#[derive(Debug, Clone, Copy)]
struct NextWord {
    /// Byte offset of its first character (after opening quotes).
    start: usize,
    first: Option<char>,
    /// Whether opening quotes or brackets came before it.
    opened: bool,
    /// Whether an opening quote came before it: after an abbreviation, a quote opening
    /// on a capital starts a new sentence, a bracket does not ("Fla. (Reuters)").
    quoted: bool,
}

impl NextWord {
    /// Whether the word can start a new sentence after an unambiguous end mark: anything
    /// but a lowercase word or punctuation that continues the sentence (`. . .`, `.)`).
    fn starts_sentence_loosely(&self) -> bool {
        match self.first {
            None => true,
            Some(c) if c.is_lowercase() => false,
            Some(c) if self.opened => c.is_alphanumeric(),
            Some('.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '}' | '”' | '’' | '»') => {
                false
            }
            Some(_) => true,
        }
    }
}

/// Classifies the word in front of a period.
fn classify(word: &[u8]) -> Abbrev {
    if word.is_empty() {
        return Abbrev::Word;
    }
    if word.len() == 1 && word[0].is_ascii_uppercase() {
        // An initial: "Jonas E. Smith", "Kenneth P. Cohen".
        return Abbrev::Ambiguous {
            upper_dotted: false,
        };
    }
    let listed = |list: &[&str]| list.iter().any(|w| same_word(w.as_bytes(), word));
    if listed(TITLES) {
        return Abbrev::Title;
    }
    if listed(BEFORE_NUMBER) {
        return Abbrev::BeforeNumber;
    }
    if listed(AMBIGUOUS) {
        return Abbrev::Ambiguous {
            upper_dotted: false,
        };
    }
    if is_dotted(word) {
        return Abbrev::Ambiguous {
            upper_dotted: word.iter().all(|c| !c.is_ascii_lowercase()),
        };
    }
    Abbrev::Word
}

/// `word` as listed, or in all capitals (`MR` in an all-caps headline; not for single
/// letters, which are initials).
fn same_word(listed: &[u8], word: &[u8]) -> bool {
    listed == word
        || (word.len() > 1
            && listed.len() == word.len()
            && word.iter().all(|c| !c.is_ascii_lowercase())
            && listed.eq_ignore_ascii_case(word))
}

/// Letters in groups of one or two joined by periods: `U.S`, `a.m`, `Ph.D`, `U.S.A`.
fn is_dotted(word: &[u8]) -> bool {
    let mut groups = 0;
    for part in word.split(|&c| c == b'.') {
        if part.is_empty() || part.len() > 2 || !part.iter().all(u8::is_ascii_alphabetic) {
            return false;
        }
        groups += 1;
    }
    groups >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits and returns the sentence texts.
    fn texts(text: &str) -> Vec<&str> {
        split(text).iter().map(|s| s.text(text)).collect()
    }

    /// Runs a table of (input, expected sentences).
    fn check(cases: &[(&str, &[&str])]) {
        for (input, want) in cases {
            assert_eq!(texts(input), *want, "input: {input:?}");
        }
    }

    #[test]
    fn empty_and_blank() {
        check(&[
            ("", &[]),
            ("   ", &[]),
            ("\n\r\n \t", &[]),
            ("Talks resumed.", &["Talks resumed."]),
            ("  Talks resumed.  ", &["Talks resumed."]),
            ("no final mark", &["no final mark"]),
        ]);
    }

    #[test]
    fn plain_sentences() {
        check(&[
            (
                "Beijing pledged new controls. Washington welcomed the move.",
                &[
                    "Beijing pledged new controls.",
                    "Washington welcomed the move.",
                ],
            ),
            (
                "Will China act? Officials hope so! The talks end Friday.",
                &[
                    "Will China act?",
                    "Officials hope so!",
                    "The talks end Friday.",
                ],
            ),
            (
                "Shipments fell in 2024. 2025 may be different.",
                &["Shipments fell in 2024.", "2025 may be different."],
            ),
        ]);
    }

    #[test]
    fn abbreviations_mid_sentence() {
        check(&[
            (
                "Mr. Wang met Ms. Lee and Mrs. Park before Dr. Chen spoke.",
                &["Mr. Wang met Ms. Lee and Mrs. Park before Dr. Chen spoke."],
            ),
            (
                "Gen. Liu briefed Sen. Cole, Rep. Diaz and Gov. Hart on the seizures.",
                &["Gen. Liu briefed Sen. Cole, Rep. Diaz and Gov. Hart on the seizures."],
            ),
            (
                "“Mr. Wang, will you act?” she asked. (Dr. Chen agreed.) ‘Sen. Cole, too?’",
                &["“Mr. Wang, will you act?” she asked.", "(Dr. Chen agreed.)", "‘Sen. Cole, too?’"],
            ),
            (
                "The Côte. Then more.",
                &["The Côte.", "Then more."],
            ),
            (
                "Lt. Col. Reyes flew to the U.K. on Tuesday.",
                &["Lt. Col. Reyes flew to the U.K. on Tuesday."],
            ),
            (
                "The deal was signed Jan. 5, reviewed Feb. 9 and Aug. 30, and renewed in Sept. 2024.",
                &["The deal was signed Jan. 5, reviewed Feb. 9 and Aug. 30, and renewed in Sept. 2024."],
            ),
            (
                "Meetings on Oct. 3, Nov. 14 and Dec. 1 started at 9 a.m. and ended at 5 p.m. sharp.",
                &["Meetings on Oct. 3, Nov. 14 and Dec. 1 started at 9 a.m. and ended at 5 p.m. sharp."],
            ),
            (
                "Acme Chemical Co. Ltd. and Delta Corp. Chief Executive Amy Ross denied it.",
                &["Acme Chemical Co. Ltd. and Delta Corp. Chief Executive Amy Ross denied it."],
            ),
            (
                "Pillar Inc. Vice President Tom Hale said the firm was No. 2 in the region.",
                &["Pillar Inc. Vice President Tom Hale said the firm was No. 2 in the region."],
            ),
            (
                "Precursors, e.g. piperidine, and pill presses, i.e. tableting machines, etc. are listed.",
                &["Precursors, e.g. piperidine, and pill presses, i.e. tableting machines, etc. are listed."],
            ),
            (
                "It was China vs. Mexico on the list, said a lab on St. Louis Ave. near the port.",
                &["It was China vs. Mexico on the list, said a lab on St. Louis Ave. near the port."],
            ),
            (
                "The U.S. Treasury sanctioned two firms. U.S. officials said more would follow.",
                &["The U.S. Treasury sanctioned two firms.", "U.S. officials said more would follow."],
            ),
            (
                "The U.S. 10-year plan and U.S. President Joe Biden's visit were discussed.",
                &["The U.S. 10-year plan and U.S. President Joe Biden's visit were discussed."],
            ),
        ]);
    }

    #[test]
    fn abbreviations_ending_a_sentence() {
        check(&[
            (
                "Fentanyl keeps flowing into the U.S. The ministry said it had acted.",
                &["Fentanyl keeps flowing into the U.S.", "The ministry said it had acted."],
            ),
            (
                "The pills reached the U.S. China denies any role.",
                &["The pills reached the U.S.", "China denies any role."],
            ),
            (
                "Talks moved to the U.K. But no deal emerged.",
                &["Talks moved to the U.K.", "But no deal emerged."],
            ),
            (
                "The call began at 8 a.m. It lasted an hour.",
                &["The call began at 8 a.m.", "It lasted an hour."],
            ),
            (
                "The call began at 8 a.m. Beijing time and lasted an hour.",
                &["The call began at 8 a.m. Beijing time and lasted an hour."],
            ),
            (
                "The supplier was Huaxin Pharma Co. In March it was sanctioned.",
                &["The supplier was Huaxin Pharma Co.", "In March it was sanctioned."],
            ),
            (
                "Envoys arrived in Washington, D.C. \"We are ready,\" one said.",
                &["Envoys arrived in Washington, D.C.", "\"We are ready,\" one said."],
            ),
            (
                "The agenda listed seizures, labs, etc. The talks ran late.",
                &["The agenda listed seizures, labs, etc.", "The talks ran late."],
            ),
            (
                "Asked if they would cooperate, he said No. Then he left.",
                &["Asked if they would cooperate, he said No.", "Then he left."],
            ),
            (
                "ORLANDO, Fla. (Reuters) - Officials met. Sen. Cole, of Roanoke, Va. - a hawk - spoke.",
                &["ORLANDO, Fla. (Reuters) - Officials met.", "Sen. Cole, of Roanoke, Va. - a hawk - spoke."],
            ),
            (
                "The lab was in Everett, Wash. It closed in May.",
                &["The lab was in Everett, Wash.", "It closed in May."],
            ),
            // An abbreviation at the end of the text or before a blank line always ends.
            ("Shipments went to the U.S.", &["Shipments went to the U.S."]),
            (
                "Shipments went to Acme Inc.\n\nOfficials declined to comment.",
                &["Shipments went to Acme Inc.", "Officials declined to comment."],
            ),
        ]);
    }

    #[test]
    fn initials() {
        check(&[
            (
                "Jonas E. Smith, a DEA adviser, joined the talks.",
                &["Jonas E. Smith, a DEA adviser, joined the talks."],
            ),
            (
                "A memoir by J. K. Rowling was not on the agenda.",
                &["A memoir by J. K. Rowling was not on the agenda."],
            ),
            (
                "A letter by Kenneth P. Cohen and V. Li was cited.",
                &["A letter by Kenneth P. Cohen and V. Li was cited."],
            ),
            (
                "The plan was called Plan B. It failed.",
                &["The plan was called Plan B.", "It failed."],
            ),
        ]);
    }

    #[test]
    fn numbers_and_decimals() {
        check(&[
            (
                "Washington pledged $1.5 billion. Seizures rose 3.5 percent.",
                &[
                    "Washington pledged $1.5 billion.",
                    "Seizures rose 3.5 percent.",
                ],
            ),
            (
                "The No. 2 official unveiled version 2.0 of the tracking system.",
                &["The No. 2 official unveiled version 2.0 of the tracking system."],
            ),
            (
                "The Nos. 4 and 5 labs closed. Output fell 0.5%. Prices rose.",
                &[
                    "The Nos. 4 and 5 labs closed.",
                    "Output fell 0.5%.",
                    "Prices rose.",
                ],
            ),
            (
                "The U.S.-China working group met. It agreed on steps.",
                &["The U.S.-China working group met.", "It agreed on steps."],
            ),
        ]);
    }

    #[test]
    fn ellipses() {
        check(&[
            (
                "The talks were... productive, he said.",
                &["The talks were... productive, he said."],
            ),
            (
                "The talks were… productive, he said.",
                &["The talks were… productive, he said."],
            ),
            (
                "The talks stalled... The next round is in May.",
                &["The talks stalled...", "The next round is in May."],
            ),
            (
                "The talks stalled… Beijing blamed Washington.",
                &["The talks stalled…", "Beijing blamed Washington."],
            ),
            (
                "\"We will see…\" Then she left.",
                &["\"We will see…\"", "Then she left."],
            ),
        ]);
    }

    #[test]
    fn closing_quotes_and_brackets() {
        check(&[
            (
                "He said, \"We will act.\" Then the meeting ended.",
                &["He said, \"We will act.\"", "Then the meeting ended."],
            ),
            (
                "Did China comply? (It did.) The report said so.",
                &["Did China comply?", "(It did.)", "The report said so."],
            ),
            (
                "She said, “We will act.” Then she left.",
                &["She said, “We will act.”", "Then she left."],
            ),
            (
                "He said, ‘We will act.’ Then he left.",
                &["He said, ‘We will act.’", "Then he left."],
            ),
            (
                "He asked, \"Will Beijing act?\" Nobody answered.",
                &["He asked, \"Will Beijing act?\"", "Nobody answered."],
            ),
            (
                "She shouted, “Stop the shipments!” The crowd cheered.",
                &["She shouted, “Stop the shipments!”", "The crowd cheered."],
            ),
            (
                "The envoy (who arrived Monday.) met officials.",
                &["The envoy (who arrived Monday.) met officials."],
            ),
        ]);
    }

    #[test]
    fn quote_attribution() {
        check(&[
            (
                "\"We will act,\" he said. \"The labs will close.\"",
                &["\"We will act,\" he said.", "\"The labs will close.\""],
            ),
            (
                "“We will act,” the minister said.",
                &["“We will act,” the minister said."],
            ),
            (
                "\"Why now?\" she asked. \"Enough!\" he replied.",
                &["\"Why now?\" she asked.", "\"Enough!\" he replied."],
            ),
            (
                "\"Why now?\" Wang asked. Nobody replied.",
                &["\"Why now?\" Wang asked.", "Nobody replied."],
            ),
            (
                "“Enough!” Foreign Minister Wang Yi said on Friday.",
                &["“Enough!” Foreign Minister Wang Yi said on Friday."],
            ),
        ]);
    }

    #[test]
    fn list_items() {
        check(&[
            (
                "The pact covers:\n- precursor controls\n- joint raids\n- data sharing",
                &[
                    "The pact covers:",
                    "- precursor controls",
                    "- joint raids",
                    "- data sharing",
                ],
            ),
            (
                "Steps:\n* list chemicals\n* track shipments",
                &["Steps:", "* list chemicals", "* track shipments"],
            ),
            (
                "Steps:\n• list chemicals\n• track shipments",
                &["Steps:", "• list chemicals", "• track shipments"],
            ),
            (
                "1. Schedule the precursors\n2. Share lab data\n10. Meet again",
                &[
                    "1. Schedule the precursors",
                    "2. Share lab data",
                    "10. Meet again",
                ],
            ),
            (
                "Goals\n1) Fewer deaths\n2) More seizures",
                &["Goals", "1) Fewer deaths", "2) More seizures"],
            ),
            // A line break before a list item splits even after an abbreviation.
            (
                "Shipments into the U.S.\n- fell in May",
                &["Shipments into the U.S.", "- fell in May"],
            ),
            // A wrapped item continues on a lowercase line; a capitalised line is new.
            (
                "- Beijing will list all\n  fentanyl analogues\nThe rest is unchanged.",
                &[
                    "- Beijing will list all\n  fentanyl analogues",
                    "The rest is unchanged.",
                ],
            ),
            // Markers need a space, and mid-line dashes are not markers.
            (
                "The figure was\n-5 percent, a drop - they said - of note.",
                &["The figure was\n-5 percent, a drop - they said - of note."],
            ),
        ]);
    }

    #[test]
    fn headlines_and_paragraphs() {
        check(&[
            (
                "China Vows Fentanyl Crackdown\n\nBeijing said on Monday it would act.",
                &[
                    "China Vows Fentanyl Crackdown",
                    "Beijing said on Monday it would act.",
                ],
            ),
            (
                "Headline\n   \n\t\nBody text here.",
                &["Headline", "Body text here."],
            ),
            (
                "Officials from both sides met in\nVienna to discuss the\nprecursor trade.",
                &["Officials from both sides met in\nVienna to discuss the\nprecursor trade."],
            ),
            (
                "First paragraph ends here\n\nSecond paragraph without a mark",
                &[
                    "First paragraph ends here",
                    "Second paragraph without a mark",
                ],
            ),
            (
                "A paragraph\u{2029}Another one",
                &["A paragraph", "Another one"],
            ),
        ]);
    }

    #[test]
    fn crlf_matches_lf() {
        let lf = [
            "China Vows Crackdown\n\nMr. Wang met the U.S.\nenvoy. The talks went well.\n- item one\n- item two\n\nEnd",
            "Wrapped\ntext here.\nMore text.",
        ];
        for text in lf {
            let crlf = text.replace('\n', "\r\n");
            let cr = text.replace('\n', "\r");
            let want: Vec<String> = texts(text).iter().map(|s| s.to_string()).collect();
            for other in [crlf, cr] {
                let got: Vec<String> = texts(&other)
                    .iter()
                    .map(|s| s.replace("\r\n", "\n").replace('\r', "\n"))
                    .collect();
                assert_eq!(got, want, "input: {other:?}");
            }
        }
        check(&[(
            "Headline\r\n\r\nBody one. Body two.\r\n",
            &["Headline", "Body one.", "Body two."],
        )]);
    }

    #[test]
    fn offsets_point_into_the_original() {
        let text = "  Mr. Wang spoke.\n\n“Act now,” she said.  ";
        let got = split(text);
        assert_eq!(
            got,
            vec![
                Sentence { start: 2, end: 17 },
                Sentence {
                    start: 19,
                    end: text.len() - 2
                }
            ]
        );
        assert_eq!(got[0].text(text), "Mr. Wang spoke.");
        assert_eq!(got[1].text(text), "“Act now,” she said.");
        // Offsets that do not fit another text give an empty string, not a panic.
        assert_eq!(got[1].text("short"), "");
    }

    #[test]
    fn odd_input_does_not_panic() {
        let cases = [
            ".",
            "...",
            "…",
            "?!",
            "\"",
            "”.",
            ". . .",
            "a.\u{2028}b",
            "\r",
            "\u{2029}",
            "1.",
            "- ",
            "•",
            "\u{2000}x\u{2000}",
            "‘’",
            "’.”",
            "é.É",
            "U.S.",
            "x.\u{a0}Y",
            "…\u{2028}\u{2029}…",
        ];
        for text in cases {
            let got = split(text);
            for s in &got {
                let t = &text[s.start..s.end];
                assert!(!t.is_empty() && t.trim() == t, "{text:?} gave {t:?}");
            }
        }
        assert_eq!(texts(". . ."), [". . ."]);
        assert_eq!(texts("x.\u{a0}Y"), ["x.", "Y"]);
    }

    #[test]
    fn classify_words() {
        let cases: &[(&str, Abbrev)] = &[
            ("Mr", Abbrev::Title),
            ("MR", Abbrev::Title),
            ("e.g", Abbrev::Title),
            ("No", Abbrev::BeforeNumber),
            ("etc", Abbrev::BeforeNumber),
            (
                "Jan",
                Abbrev::Ambiguous {
                    upper_dotted: false,
                },
            ),
            (
                "E",
                Abbrev::Ambiguous {
                    upper_dotted: false,
                },
            ),
            (
                "P",
                Abbrev::Ambiguous {
                    upper_dotted: false,
                },
            ),
            (
                "V",
                Abbrev::Ambiguous {
                    upper_dotted: false,
                },
            ),
            ("v", Abbrev::Title),
            (
                "Fla",
                Abbrev::Ambiguous {
                    upper_dotted: false,
                },
            ),
            (
                "a.m",
                Abbrev::Ambiguous {
                    upper_dotted: false,
                },
            ),
            ("U.S", Abbrev::Ambiguous { upper_dotted: true }),
            (
                "Ph.D",
                Abbrev::Ambiguous {
                    upper_dotted: false,
                },
            ),
            ("mr", Abbrev::Word),
            ("talks", Abbrev::Word),
            ("1.5", Abbrev::Word),
            ("", Abbrev::Word),
        ];
        for (word, want) in cases {
            assert_eq!(classify(word.as_bytes()), *want, "word {word:?}");
        }
    }
}
