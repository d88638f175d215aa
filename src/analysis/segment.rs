//! Segmentation: the text cut into paragraphs, sentences and tokens, each with byte offsets.
//!
//! Tokens come first and sentences are made of whole tokens, so that a sentence boundary can
//! never fall inside a token the tagger sees. The tokenizer splits punctuation and the
//! possessive `'s` off words (`Trump's` → `Trump` `'s`), keeps abbreviations, initials,
//! decimals and internal hyphens and apostrophes together (`U.S.`, `J.`, `3.5`, `O'Neill`,
//! `Jean-Claude`), and is the one the entity tagger was trained over.
//!
//! Why not a sentence-splitting crate (sentencex was tried): its boundaries are not tied to
//! these tokens, and news needs rules it lacks here (a title such as `Mr.` never ends a
//! sentence, `U.S.` ends one only before a clear sentence starter, closing quotes stay with
//! the sentence they end, every line break ends a paragraph); the unit tests below hold them.

/// A token: byte offsets into the analysed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
}

/// A sentence: a range of token indices and its byte extent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    pub start: usize,
    pub end: usize,
    /// Token indices `first..last` (exclusive).
    pub tokens: (usize, usize),
    /// Index of the paragraph this sentence belongs to.
    pub paragraph: usize,
}

/// The segmented text.
#[derive(Debug, Clone, Default)]
pub struct Segmentation {
    pub tokens: Vec<Token>,
    pub sentences: Vec<Sentence>,
    /// Paragraphs as byte ranges (separated by blank lines or single line breaks).
    pub paragraphs: Vec<(usize, usize)>,
}

impl Segmentation {
    /// The index of the sentence holding byte offset `byte`, or of the first one after it
    /// (`sentences.len()` past the last).
    pub fn sentence_at(&self, byte: usize) -> usize {
        self.sentences.partition_point(|s| s.end <= byte)
    }

    /// The index of the paragraph holding byte offset `byte`, or of the first one after it.
    pub fn paragraph_at(&self, byte: usize) -> usize {
        self.paragraphs.partition_point(|p| p.1 <= byte)
    }

    /// The text of token `i` of `text`, the document this segmentation was made from.
    pub fn word<'t>(&self, text: &'t str, i: usize) -> &'t str {
        let t = &self.tokens[i];
        &text[t.start..t.end]
    }
}

/// Abbreviations that take a period and do not end a sentence by themselves.
const TITLE_ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "capt",
    "cmdr", "adm", "maj", "st", "rev", "hon", "pres", "supt", "fr", "jr", "sr", "messrs", "mme",
    "mlle", "atty", "insp", "cpl", "pvt", "amb", "sec", "gens",
];

/// Abbreviations that take a period but may end a sentence (checked against the next word).
const OTHER_ABBREVIATIONS: &[&str] = &[
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon",
    "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "no", "nos", "vs", "etc",
    "inc", "ltd", "co", "corp", "bros", "dept", "univ", "approx", "est", "fig", "vol", "ave",
    "blvd", "rd", "mt", "ft", "ala", "ariz", "ark", "calif", "colo", "conn", "del", "fla", "ga",
    "ill", "ind", "kan", "kans", "ky", "la", "md", "mass", "mich", "minn", "miss", "mo", "mont",
    "neb", "nev", "okla", "ore", "pa", "penn", "tenn", "tex", "va", "vt", "wash", "wis", "wyo",
    "e.g", "i.e", "a.m", "p.m", "u.s", "u.k", "u.n", "e.u", "d.c", "op", "cf", "al", "pp",
];

/// Words that start sentences: after an ambiguous abbreviation (`U.S.`, `Inc.`) a capitalised
/// word from this list is taken as the start of a new sentence.
const SENTENCE_STARTERS: &[&str] = &[
    "The",
    "A",
    "An",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "You",
    "But",
    "And",
    "In",
    "On",
    "At",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "His",
    "Her",
    "Its",
    "Their",
    "Our",
    "If",
    "When",
    "While",
    "After",
    "Before",
    "However",
    "Meanwhile",
    "Still",
    "Yet",
    "So",
    "As",
    "For",
    "Some",
    "Many",
    "Most",
    "Officials",
    "Asked",
    "Last",
    "Earlier",
    "Later",
];

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining(c)
}

/// Combining marks and joiners belong to the word they follow.
fn is_combining(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F
        | 0x200C | 0x200D | 0xFE00..=0xFE0F)
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}')
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// Whether a word (without a final period) is an abbreviation that takes a period.
pub fn is_abbreviation(word: &str) -> bool {
    let lower = word.to_lowercase();
    TITLE_ABBREVIATIONS.contains(&lower.as_str()) || OTHER_ABBREVIATIONS.contains(&lower.as_str())
}

fn is_title_abbreviation(word: &str) -> bool {
    let w = word.trim_end_matches('.').to_lowercase();
    TITLE_ABBREVIATIONS.contains(&w.as_str())
}

/// Splits `text` into tokens (byte offsets).
pub fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    let byte_at = |i: usize| if i < n { chars[i].0 } else { text.len() };
    let mut tokens = Vec::with_capacity(n / 4 + 1);
    let mut i = 0;
    while i < n {
        let c = chars[i].1;
        if c.is_whitespace() || c.is_control() && !is_word_char(c) {
            i += 1;
            continue;
        }
        if is_word_char(c) {
            let start = i;
            i += 1;
            let mut has_inner_period = false;
            loop {
                if i < n && is_word_char(chars[i].1) {
                    i += 1;
                    continue;
                }
                // Joiners between word characters keep the word whole: U.S, 3.5, O'Neill,
                // Jean-Claude, AT&T, 1,000, 9/11.
                if i + 1 < n && is_word_char(chars[i + 1].1) {
                    let j = chars[i].1;
                    let prev = chars[i - 1].1;
                    let next = chars[i + 1].1;
                    let joins = match j {
                        '.' => {
                            has_inner_period = true;
                            true
                        }
                        c if is_hyphen(c) => true,
                        c if is_apostrophe(c) => true,
                        '&' => prev.is_uppercase() && next.is_uppercase(),
                        ',' | '/' | ':' => prev.is_ascii_digit() && next.is_ascii_digit(),
                        _ => false,
                    };
                    if joins {
                        i += 2;
                        continue;
                    }
                }
                break;
            }
            // A final period belongs to abbreviations (Mr., U.S., Jan.) and initials (J.).
            if i < n && chars[i].1 == '.' {
                let word = &text[byte_at(start)..byte_at(i)];
                let single_upper = word.chars().count() == 1
                    && word.chars().next().is_some_and(char::is_uppercase);
                if has_inner_period && word.chars().any(char::is_alphabetic)
                    || single_upper
                    || is_abbreviation(word)
                {
                    i += 1;
                }
            }
            let (s, e) = (byte_at(start), byte_at(i));
            push_word(text, s, e, &mut tokens);
            continue;
        }
        // Punctuation: runs of the same mark stay together (`--`, `...`, `''`, `??`).
        let start = i;
        i += 1;
        if matches!(c, '-' | '.' | '\'' | '`' | '?' | '!' | '*' | '=' | '_') {
            while i < n && chars[i].1 == c {
                i += 1;
            }
        }
        tokens.push(Token {
            start: byte_at(start),
            end: byte_at(i),
        });
    }
    tokens
}

/// Pushes a word token, splitting a possessive `'s` / `’s` and a negation `n't` off it.
fn push_word(text: &str, s: usize, e: usize, tokens: &mut Vec<Token>) {
    let word = &text[s..e];
    for suffix in ["'s", "\u{2019}s", "'S", "\u{2019}S"] {
        if word.len() > suffix.len() && word.ends_with(suffix) {
            let cut = e - suffix.len();
            tokens.push(Token { start: s, end: cut });
            tokens.push(Token { start: cut, end: e });
            return;
        }
    }
    for suffix in ["n't", "n\u{2019}t"] {
        if word.len() > suffix.len() + 1 && word.to_lowercase().ends_with(suffix) {
            let cut = e - suffix.len();
            tokens.push(Token { start: s, end: cut });
            tokens.push(Token { start: cut, end: e });
            return;
        }
    }
    tokens.push(Token { start: s, end: e });
}

fn is_closing_punct(t: &str) -> bool {
    matches!(
        t,
        "\"" | "'" | "''" | "\u{201D}" | "\u{2019}" | ")" | "]" | "\u{BB}" | "\u{203A}"
    )
}

/// Whether a sentence ends after token `i` (its text `tok`), judged by what follows.
fn ends_sentence(tok: &str, next: Option<&str>) -> bool {
    let Some(next) = next else { return false };
    let starts_new = |w: &str| {
        w.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || is_opening_quote(c))
    };
    match tok {
        "." | "!" | "?" | "..." | "?!" | "!!" | "??" => starts_new(next),
        _ if tok.ends_with('.') && tok.len() > 1 => {
            // An abbreviation or initial absorbed the period. Titles and initials never end a
            // sentence (`Mr. Putin`, `J. Smith`); others do when a clear sentence starter follows.
            if is_title_abbreviation(tok) || tok.chars().filter(|c| c.is_alphabetic()).count() == 1
            {
                return false;
            }
            SENTENCE_STARTERS.contains(&next) || (names_a_country(tok) && is_demonym(next))
        }
        _ => false,
    }
}

/// Country abbreviations that end a sentence before another country's people (`… the U.S.
/// Ukrainian President …`: no noun phrase puts two countries' names side by side so).
fn names_a_country(tok: &str) -> bool {
    matches!(tok, "U.S." | "U.K." | "U.N." | "E.U." | "U.A.E.")
}

/// A demonym from `data/countries.tsv` (`Ukrainian`, `Russian`).
fn is_demonym(word: &str) -> bool {
    static DEMONYMS: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    DEMONYMS
        .get_or_init(|| {
            include_str!("../../data/countries.tsv")
                .lines()
                .filter_map(|l| l.split('\t').nth(1))
                .filter(|d| !d.is_empty())
                .collect()
        })
        .contains(word)
}

fn is_opening_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\u{201C}' | '\u{AB}' | '\'' | '\u{2018}' | '(' | '`'
    )
}

/// Segments `text` into paragraphs, sentences and tokens.
pub fn segment(text: &str) -> Segmentation {
    let tokens = tokenize(text);
    let mut sentences = Vec::new();
    let mut paragraphs = Vec::new();

    // Paragraphs: maximal runs of non-empty lines... each line break ends a paragraph, since
    // newsroom plain text puts one paragraph per line (or per blank-line-separated block).
    let mut para_idx_of_token = Vec::with_capacity(tokens.len());
    {
        let mut para_start: Option<usize> = None;
        let mut para_end = 0;
        let mut last_end = 0;
        for t in &tokens {
            let gap = &text[last_end..t.start];
            if para_start.is_some() && gap.contains('\n') {
                paragraphs.push((para_start.unwrap_or(0), para_end));
                para_start = None;
            }
            if para_start.is_none() {
                para_start = Some(t.start);
            }
            para_end = t.end;
            last_end = t.end;
            para_idx_of_token.push(paragraphs.len());
        }
        if let Some(s) = para_start {
            paragraphs.push((s, para_end));
        }
    }

    let mut first = 0;
    let n = tokens.len();
    let mut i = 0;
    while i < n {
        let tok = &text[tokens[i].start..tokens[i].end];
        let mut last = i; // the sentence would end with this token
        let mut split = false;
        if i + 1 < n && para_idx_of_token[i + 1] != para_idx_of_token[i] {
            split = true;
        } else {
            // Closing quotes and brackets after the final mark stay with the sentence.
            let mut j = i + 1;
            let is_end_mark = matches!(tok, "." | "!" | "?" | "..." | "?!" | "!!" | "??");
            if is_end_mark {
                while j < n
                    && para_idx_of_token[j] == para_idx_of_token[i]
                    && is_closing_punct(&text[tokens[j].start..tokens[j].end])
                    && tokens[j].start == tokens[j - 1].end
                {
                    j += 1;
                }
            }
            let next = (j < n && para_idx_of_token[j] == para_idx_of_token[i])
                .then(|| &text[tokens[j].start..tokens[j].end]);
            if ends_sentence(tok, next) {
                split = true;
                last = j - 1;
            }
        }
        if split {
            sentences.push(Sentence {
                start: tokens[first].start,
                end: tokens[last].end,
                tokens: (first, last + 1),
                paragraph: para_idx_of_token[first],
            });
            first = last + 1;
            i = last + 1;
        } else {
            i += 1;
        }
    }
    if first < n {
        sentences.push(Sentence {
            start: tokens[first].start,
            end: tokens[n - 1].end,
            tokens: (first, n),
            paragraph: para_idx_of_token[first],
        });
    }
    Segmentation {
        tokens,
        sentences,
        paragraphs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<&str> {
        tokenize(text)
            .iter()
            .map(|t| &text[t.start..t.end])
            .collect()
    }

    fn sents(text: &str) -> Vec<&str> {
        segment(text)
            .sentences
            .iter()
            .map(|s| &text[s.start..s.end])
            .collect()
    }

    #[test]
    fn tokens_keep_abbreviations_and_split_possessives() {
        assert_eq!(
            toks("U.S. President Donald Trump's envoy, Mr. O'Neill-Smith, paid $3.5 million."),
            vec![
                "U.S.",
                "President",
                "Donald",
                "Trump",
                "'s",
                "envoy",
                ",",
                "Mr.",
                "O'Neill-Smith",
                ",",
                "paid",
                "$",
                "3.5",
                "million",
                "."
            ]
        );
        assert_eq!(
            toks("“Kyiv’s” don't -- 1,000"),
            vec!["“", "Kyiv", "’s", "”", "do", "n't", "--", "1,000"]
        );
        assert_eq!(toks("students' rights"), vec!["students", "'", "rights"]);
    }

    #[test]
    fn sentences_on_news() {
        assert_eq!(
            sents("Mr. Smith met Dr. J. Brown at 9 a.m. on Jan. 5. They talked."),
            vec![
                "Mr. Smith met Dr. J. Brown at 9 a.m. on Jan. 5.",
                "They talked."
            ]
        );
        assert_eq!(
            sents("He lives in the U.S. The talks ended. Growth was 3.5 percent."),
            vec![
                "He lives in the U.S.",
                "The talks ended.",
                "Growth was 3.5 percent."
            ]
        );
        assert_eq!(
            sents("\"We are ready,\" he said. \"Talks will go on.\" She agreed."),
            vec![
                "\"We are ready,\" he said.",
                "\"Talks will go on.\"",
                "She agreed."
            ]
        );
        assert_eq!(
            sents("(LONDON) -- The U.S. President spoke.\n\nNew paragraph here"),
            vec![
                "(LONDON) -- The U.S. President spoke.",
                "New paragraph here"
            ]
        );
        assert_eq!(
            sents("U.S. President Biden spoke."),
            vec!["U.S. President Biden spoke."]
        );
        // A country abbreviation before another country's people ends the sentence.
        assert_eq!(
            sents("He wants guarantees from the U.S. Ukrainian officials agreed."),
            vec![
                "He wants guarantees from the U.S.",
                "Ukrainian officials agreed."
            ]
        );
        assert_eq!(
            sents("The U.S. Navy and the U.N. Security Council met."),
            vec!["The U.S. Navy and the U.N. Security Council met."]
        );
    }

    #[test]
    fn paragraphs_split_on_line_breaks() {
        let s = segment("One. Two.\n\nThree\nFour");
        assert_eq!(s.paragraphs.len(), 3);
        assert_eq!(s.sentences.len(), 4);
    }

    #[test]
    fn empty_and_odd_input() {
        assert!(segment("").sentences.is_empty());
        assert_eq!(sents("   \n\n "), Vec::<&str>::new());
        assert_eq!(
            toks("a\u{0301}b 👩‍👩‍👧"),
            vec!["a\u{0301}b", "👩", "\u{200d}", "👩", "\u{200d}", "👧"]
        );
    }
}
