//! Quotation-mark structure: the quoted pieces of a text, in byte offsets of their content
//! (inside the marks), and what the statement rules ask of quotation marks.

use crate::analysis::annotation::StatementKind;

/// A quoted piece: `start..end` is the content inside the marks; `open..close` includes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    pub open: usize,
    pub start: usize,
    pub end: usize,
    pub close: usize,
    /// False when the piece was cut at a paragraph end and re-opened in the next paragraph.
    pub closed: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mark {
    /// Opens (`“`, `«`, ``` `` ```).
    Open(char),
    /// Closes (`”`, `»`, `''`).
    Close(char),
    /// Opens or closes by position (`"`).
    Either,
}

/// The double quotation marks: straight, curly and guillemets.
pub const DOUBLE_MARKS: [char; 5] = ['"', '\u{201C}', '\u{201D}', '\u{AB}', '\u{BB}'];

pub fn is_double_mark(c: char) -> bool {
    DOUBLE_MARKS.contains(&c)
}

/// A statement's kind from its content pieces (byte offsets): direct when every piece lies
/// inside quotation marks (a closing comma or period may follow), mixed when a piece holds a
/// quoted part or a quotation mark, indirect otherwise.
pub fn kind_of(text: &str, quotes: &[Quote], content: &[(usize, usize)]) -> StatementKind {
    let inside = |s: usize, e: usize| quotes.iter().any(|q| q.start <= s && e <= q.end + 1);
    let has_quote = |s: usize, e: usize| {
        quotes.iter().any(|q| q.start < e && s < q.end) || text[s..e].contains(DOUBLE_MARKS)
    };
    if content.iter().all(|&(s, e)| inside(s, e)) {
        StatementKind::Direct
    } else if content.iter().any(|&(s, e)| has_quote(s, e)) {
        StatementKind::Mixed
    } else {
        StatementKind::Indirect
    }
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric())
}

/// Finds the double-quote marks of a text (single quotes are handled as nesting only, since most
/// single apostrophes are not quotes: O'Neill, rock 'n' roll, '90s, students').
fn marks(text: &str) -> Vec<(usize, usize, Mark)> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (b, c) = chars[i];
        let len = c.len_utf8();
        match c {
            '\u{201C}' | '\u{201E}' => out.push((b, b + len, Mark::Open('\u{201D}'))),
            '\u{201D}' => out.push((b, b + len, Mark::Close('\u{201D}'))),
            '\u{AB}' => out.push((b, b + len, Mark::Open('\u{BB}'))),
            '\u{BB}' => out.push((b, b + len, Mark::Close('\u{BB}'))),
            '"' => out.push((b, b + 1, Mark::Either)),
            '`' if chars.get(i + 1).is_some_and(|x| x.1 == '`') => {
                out.push((b, b + 2, Mark::Open('\'')));
                i += 1;
            }
            '\'' if chars.get(i + 1).is_some_and(|x| x.1 == '\'') => {
                // `''` closes a ``-opened quote (the NYT's convention) or acts like `"`.
                out.push((b, b + 2, Mark::Either));
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Pairs quotation marks into quoted pieces. A quote left open at a paragraph end is cut there
/// when the next paragraph re-opens it (the news convention for multi-paragraph quotes);
/// otherwise an unclosed quote runs to the end of its paragraph.
pub fn find(text: &str, paragraphs: &[(usize, usize)]) -> Vec<Quote> {
    let mut out = Vec::new();
    let all = marks(text);
    let para_of = |b: usize| paragraphs.partition_point(|p| p.1 <= b);
    let mut open: Option<(usize, usize)> = None; // (mark start, content start)
    for &(s, e, m) in &all {
        let before = text[..s].chars().next_back();
        let after = text[e..].chars().next();
        let opens = match m {
            Mark::Open(_) => true,
            Mark::Close(_) => false,
            // A straight quote opens when nothing is open, unless it is glued to a word on its
            // left and free on its right (then it can only close).
            Mark::Either => open.is_none() && (!is_word(before) || is_word(after)),
        };
        if let Some((os, cs)) = open {
            // A new paragraph began while the quote was open.
            if para_of(s) != para_of(os) {
                let p_end = paragraphs[para_of(os)].1.max(cs);
                out.push(Quote {
                    open: os,
                    start: cs,
                    end: p_end,
                    close: p_end,
                    closed: false,
                });
                open = None;
                if opens || matches!(m, Mark::Either) {
                    open = Some((s, e));
                }
                continue;
            }
            if !opens || matches!(m, Mark::Either) {
                out.push(Quote {
                    open: os,
                    start: cs,
                    end: s,
                    close: e,
                    closed: true,
                });
                open = None;
                continue;
            }
            // A second opening mark while open: the first was stray; restart here.
            open = Some((s, e));
        } else if opens {
            open = Some((s, e));
        }
    }
    if let Some((os, cs)) = open {
        let p_end = paragraphs
            .get(para_of(os))
            .map_or(text.len(), |p| p.1)
            .max(cs);
        out.push(Quote {
            open: os,
            start: cs,
            end: p_end,
            close: p_end,
            closed: false,
        });
    }
    out.retain(|q| text[q.start..q.end].chars().any(char::is_alphanumeric));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::segment::segment;

    fn quoted(text: &str) -> Vec<&str> {
        let seg = segment(text);
        find(text, &seg.paragraphs)
            .iter()
            .map(|q| &text[q.start..q.end])
            .collect()
    }

    #[test]
    fn straight_and_curly_and_guillemets() {
        assert_eq!(
            quoted("\"We are ready,\" he said. “Talks go on,” she said. «Oui», il a dit."),
            vec!["We are ready,", "Talks go on,", "Oui"]
        );
    }

    #[test]
    fn apostrophes_are_not_quotes() {
        assert_eq!(
            quoted("O'Neill loves rock 'n' roll from the '90s, the students' choice, \"he said 'no' twice\"."),
            vec!["he said 'no' twice"]
        );
    }

    #[test]
    fn quotes_across_paragraphs_and_unclosed() {
        let text = "\"First paragraph of the quote.\n\n\"Second and last,\" he said.\n\nAn \"unclosed quote here.";
        assert_eq!(
            quoted(text),
            vec![
                "First paragraph of the quote.",
                "Second and last,",
                "unclosed quote here."
            ]
        );
    }

    #[test]
    fn nyt_double_apostrophes() {
        assert_eq!(
            quoted("He said ``we will win'' today."),
            vec!["we will win"]
        );
    }
}
