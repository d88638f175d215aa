//! Features of one token in its sentence and document, as 64-bit hashes.
//!
//! Strings are hashed once per token (word, lower-case form, shape, affixes); each feature is a
//! template id mixed with one or two of those hashes, so extracting ~40 features costs a few
//! multiplications, not string building.

// Fx hashing: these maps are keyed by words on the per-document path; SipHash's
// protection against crafted keys is not needed for them.
use rustc_hash::FxHashMap as HashMap;

use crate::analysis::segment::{Sentence, Token};

/// Mixes a value into a hash (FxHash's step; keys only need to be well spread, not secure).
#[inline]
pub fn mix(h: u64, x: u64) -> u64 {
    (h.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95)
}

/// Hashes a string.
pub fn hash_str(s: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let bytes = s.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut a = [0u8; 8];
        a.copy_from_slice(c);
        h = mix(h, u64::from_le_bytes(a));
    }
    let rest = chunks.remainder();
    let mut a = [0u8; 8];
    a[..rest.len()].copy_from_slice(rest);
    mix(mix(h, u64::from_le_bytes(a)), bytes.len() as u64)
}

/// The lower-cased form with digits folded to `0`, so numbers share features.
pub fn normalize(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_ascii_digit() { '0' } else { c })
        .map(|c| if c == '\u{2019}' { '\'' } else { c })
        .collect()
}

/// Word shape: `Xxxx` → `Xx`, `U.S.` → `X.X.`, `1996` → `d`; runs collapsed.
pub fn shape(word: &str) -> String {
    let mut out = String::new();
    let mut last = '\0';
    for c in word.chars() {
        let s = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_numeric() {
            'd'
        } else {
            c
        };
        if s != last || !matches!(s, 'X' | 'x' | 'd') {
            out.push(s);
        }
        last = s;
    }
    out
}

/// Per-token hashes computed once, shared by the features of its neighbours.
#[derive(Clone, Copy, Default)]
struct TokenInfo {
    word: u64,
    lower: u64,
    shape: u64,
    prefix: [u64; 4],
    suffix: [u64; 4],
    is_title: bool,
    is_upper: bool,
    has_alpha: bool,
    /// Document-level: the lower-case form occurs capitalised, not sentence-initially, elsewhere.
    cap_elsewhere: bool,
    /// Document-level: the lower-case form occurs in lower case elsewhere.
    lower_elsewhere: bool,
    /// Document-level: the word occurs elsewhere inside a run of capitalised words.
    run_elsewhere: bool,
    gazetteer: u64,
    cluster: [u64; 4],
}

/// Word resources the features consult: word clusters and gazetteer hints.
pub trait Lexicon {
    /// Bit-string prefixes of the word's cluster, hashed (0 when unknown).
    fn cluster(&self, lower: &str) -> [u64; 4];
    /// Per token of a document (lower-cased, normalized), a hash of the gazetteer entries it is
    /// part of (0 when none).
    fn gazetteer(&self, lowers: &[String]) -> Vec<u64>;
    /// Whether a normalized word is a listed first name (US Census lists; see `data/README.md`).
    fn is_first_name(&self, _lower: &str) -> bool {
        false
    }
    /// Token ranges of places that edited text never writes in lower case, matched over
    /// normalized words (`data/README.md`).
    fn lowercase_places(&self, _lowers: &[std::borrow::Cow<'_, str>]) -> Vec<(usize, usize)> {
        Vec::new()
    }
}

/// Feature hashes of every token of a document, sentence by sentence.
pub struct DocumentFeatures {
    /// `features[i]` are the hashes for token `i` (a flat buffer with offsets).
    pub offsets: Vec<usize>,
    pub hashes: Vec<u64>,
}

impl DocumentFeatures {
    pub fn of(&self, token: usize) -> &[u64] {
        &self.hashes[self.offsets[token]..self.offsets[token + 1]]
    }
}

const BOS: u64 = 0x1111;
const EOS: u64 = 0x2222;

/// Extracts the features of every token in the document.
pub fn extract(
    text: &str,
    tokens: &[Token],
    sentences: &[Sentence],
    lexicon: &dyn Lexicon,
) -> DocumentFeatures {
    // Document-level counts over lower-case forms.
    let mut cap_noninitial: HashMap<String, u32> = HashMap::default();
    let mut lower_seen: HashMap<String, u32> = HashMap::default();
    // Words seen inside a run of two or more capitalised words (`Hillary Clinton`), so that a
    // lone `Clinton` at the start of a sentence is recognised as part of a name.
    let mut in_name_run: HashMap<String, u32> = HashMap::default();
    let mut token_in_run = vec![false; tokens.len()];
    let words: Vec<&str> = tokens.iter().map(|t| &text[t.start..t.end]).collect();
    let lowers: Vec<String> = words.iter().map(|w| normalize(w)).collect();
    let mut headline = vec![false; sentences.len()];
    for (si, s) in sentences.iter().enumerate() {
        let (a, b) = s.tokens;
        let alpha: Vec<&str> = words[a..b]
            .iter()
            .copied()
            .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
            .collect();
        headline[si] = alpha.len() >= 2 && alpha.iter().all(|w| !w.chars().any(char::is_lowercase));
        if !headline[si] {
            let title = |i: usize| {
                let w = words[i];
                w.chars().next().is_some_and(char::is_uppercase)
                    && w.chars().any(char::is_lowercase)
            };
            let mut i = a;
            while i < b {
                let mut j = i;
                while j < b && title(j) {
                    j += 1;
                }
                if j - i >= 2 {
                    for k in i..j {
                        token_in_run[k] = true;
                        *in_name_run.entry(lowers[k].clone()).or_default() += 1;
                    }
                }
                i = j.max(i + 1);
            }
        }
        for i in a..b {
            let w = words[i];
            let first = w.chars().next().unwrap_or(' ');
            if first.is_uppercase() && i > a && !headline[si] && w.chars().any(char::is_lowercase) {
                *cap_noninitial.entry(lowers[i].clone()).or_default() += 1;
            } else if first.is_lowercase() {
                *lower_seen.entry(lowers[i].clone()).or_default() += 1;
            }
        }
    }

    let gazetteer = lexicon.gazetteer(&lowers);
    let infos: Vec<TokenInfo> = (0..tokens.len())
        .map(|i| {
            let w = words[i];
            let lower = &lowers[i];
            // Affixes of 1–4 chars, hashed from slices of the lower-case form (no allocation).
            let mut prefix = [0u64; 4];
            let mut suffix = [0u64; 4];
            let ends: Vec<usize> = lower
                .char_indices()
                .map(|(b, c)| b + c.len_utf8())
                .take(4)
                .collect();
            for (k, &e) in ends.iter().enumerate() {
                prefix[k] = hash_str(&lower[..e]);
            }
            let starts: Vec<usize> = lower.char_indices().rev().map(|(b, _)| b).take(4).collect();
            for (k, &b) in starts.iter().enumerate() {
                suffix[k] = hash_str(&lower[b..]);
            }
            let first = w.chars().next().unwrap_or(' ');
            let has_alpha = w.chars().any(char::is_alphabetic);
            let is_upper = has_alpha && !w.chars().any(char::is_lowercase);
            let own_cap = first.is_uppercase() as u32;
            let own_lower = first.is_lowercase() as u32;
            TokenInfo {
                word: hash_str(w),
                lower: hash_str(lower),
                shape: hash_str(&shape(w)),
                prefix,
                suffix,
                is_title: first.is_uppercase() && !is_upper,
                is_upper,
                has_alpha,
                cap_elsewhere: cap_noninitial.get(lower).copied().unwrap_or(0) > own_cap,
                lower_elsewhere: lower_seen.get(lower).copied().unwrap_or(0) > own_lower,
                run_elsewhere: in_name_run.get(lower).copied().unwrap_or(0)
                    > u32::from(token_in_run[i]),
                gazetteer: gazetteer[i],
                cluster: lexicon.cluster(lower),
            }
        })
        .collect();

    let mut offsets = Vec::with_capacity(tokens.len() + 1);
    let mut hashes = Vec::with_capacity(tokens.len() * 48);
    offsets.push(0);
    let mut sentence_of = vec![0usize; tokens.len()];
    for (si, s) in sentences.iter().enumerate() {
        for slot in &mut sentence_of[s.tokens.0..s.tokens.1] {
            *slot = si;
        }
    }
    for i in 0..tokens.len() {
        let si = sentence_of[i];
        let (a, b) = sentences.get(si).map_or((0, tokens.len()), |s| s.tokens);
        let at = |d: isize| -> Option<&TokenInfo> {
            let j = i as isize + d;
            (j >= a as isize && j < b as isize).then(|| &infos[j as usize])
        };
        let lower_at = |d: isize| at(d).map_or(if d < 0 { BOS } else { EOS }, |t| t.lower);
        let shape_at = |d: isize| at(d).map_or(if d < 0 { BOS } else { EOS }, |t| t.shape);
        let t = &infos[i];
        let mut f = |template: u64, v: u64| hashes.push(mix(mix(template, v), 0x9e37));
        f(0, 0);
        f(1, t.word);
        f(2, t.lower);
        f(3, t.shape);
        for k in 0..4 {
            if t.prefix[k] != 0 {
                f(4 + k as u64, t.prefix[k]);
            }
            if t.suffix[k] != 0 {
                f(8 + k as u64, t.suffix[k]);
            }
        }
        f(12, lower_at(-1));
        f(13, lower_at(1));
        f(14, lower_at(-2));
        f(15, lower_at(2));
        f(16, shape_at(-1));
        f(17, shape_at(1));
        f(18, mix(shape_at(-1), t.shape));
        f(19, mix(t.shape, shape_at(1)));
        f(20, mix(lower_at(-1), t.lower));
        f(21, mix(t.lower, lower_at(1)));
        f(22, mix((i == a) as u64, t.shape));
        let is_headline = headline.get(si).copied().unwrap_or(false);
        if is_headline {
            f(23, t.lower);
            f(24, 1);
        }
        if t.has_alpha {
            f(
                25,
                (t.cap_elsewhere as u64)
                    | (t.lower_elsewhere as u64) << 1
                    | (t.is_title as u64) << 2
                    | (t.is_upper as u64) << 3
                    | ((i == a) as u64) << 4,
            );
            if t.run_elsewhere {
                f(38, mix(t.shape, (i == a) as u64));
                f(39, t.lower);
            }
        }
        f(26, mix(mix(shape_at(-1), t.shape), shape_at(1)));
        f(27, mix(lower_at(-1), lower_at(1)));
        if t.gazetteer != 0 {
            f(28, t.gazetteer);
            f(29, mix(t.gazetteer, t.shape));
        }
        for (d, tmpl) in [(-1isize, 30u64), (1, 31)] {
            if let Some(n) = at(d) {
                if n.gazetteer != 0 {
                    f(tmpl, n.gazetteer);
                }
            }
        }
        for k in 0..4 {
            if t.cluster[k] != 0 {
                f(32 + k as u64, t.cluster[k]);
            }
        }
        for (d, tmpl) in [(-1isize, 36u64), (1, 37)] {
            if let Some(n) = at(d) {
                if n.cluster[1] != 0 {
                    f(tmpl, n.cluster[1]);
                }
            }
        }
        offsets.push(hashes.len());
    }
    DocumentFeatures { offsets, hashes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(shape("Zelenskyy"), "Xx");
        assert_eq!(shape("U.S."), "X.X.");
        assert_eq!(shape("1996"), "d");
        assert_eq!(shape("McDonald"), "XxXx");
        assert_eq!(normalize("Kyiv’s 2025"), "kyiv's 0000");
    }
}
