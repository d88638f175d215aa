//! Word resources for the tagger's features: gazetteers and word clusters, embedded.
//!
//! Gazetteers are compiled by `data/build_gazetteers.py` from open data (see `data/README.md`).
//! Each line of a gazetteer file is one name, tokenized like the text; a token gets the lists of
//! every entry it is part of and its position in it (B/I/L/U), matched over whole tokens.

// Fx hashing: these maps are keyed by words on the per-document path; SipHash's
// protection against crafted keys is not needed for them.
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;

use super::features::{mix, normalize, Lexicon};
use crate::analysis::segment::tokenize;

/// Name lists, matched as whole token sequences (lower-cased, tokenized like the text).
pub struct Gazetteers {
    /// First token → entries starting with it: (remaining tokens, list bit).
    by_first: HashMap<String, Vec<(Vec<String>, u32)>>,
    /// The lists' names, by bit.
    names: Vec<&'static str>,
}

/// The embedded lists, in a fixed order (bit i = list i).
pub const LISTS: &[(&str, &str)] = &[
    (
        "countries",
        include_str!("../../../data/gazetteers/countries.txt"),
    ),
    (
        "admin1",
        include_str!("../../../data/gazetteers/admin1.txt"),
    ),
    (
        "cities",
        include_str!("../../../data/gazetteers/cities.txt"),
    ),
    (
        "first_names",
        include_str!("../../../data/gazetteers/first_names.txt"),
    ),
    (
        "last_names",
        include_str!("../../../data/gazetteers/last_names.txt"),
    ),
];

/// Places that edited text never writes in lower case, for text that is typed so
/// (`data/build_lowercase_places.py`; matched apart from [`LISTS`], whose bits the model's
/// features hash).
pub const LOWERCASE_PLACES: &[(&str, &str)] = &[(
    "lowercase_places",
    include_str!("../../../data/gazetteers/lowercase_places.txt"),
)];

/// Longest entry, in tokens, that matching looks for.
const MAX_ENTRY_TOKENS: usize = 6;

impl Gazetteers {
    /// The name lists the features consult ([`LISTS`]).
    pub fn embedded() -> Self {
        Self::from_lists(LISTS)
    }

    /// Lists given as (name, one entry per line); bit i = list i.
    pub fn from_lists(lists: &[(&'static str, &str)]) -> Self {
        let mut by_first: HashMap<String, Vec<(Vec<String>, u32)>> = HashMap::default();
        for (bit, (_, list)) in lists.iter().enumerate() {
            for line in list.lines() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let toks: Vec<String> = tokenize(line)
                    .iter()
                    .map(|t| normalize(&line[t.start..t.end]))
                    .collect();
                if toks.is_empty() || toks.len() > MAX_ENTRY_TOKENS {
                    continue;
                }
                by_first
                    .entry(toks[0].clone())
                    .or_default()
                    .push((toks[1..].to_vec(), bit as u32));
            }
        }
        Gazetteers {
            by_first,
            names: lists.iter().map(|(name, _)| *name).collect(),
        }
    }

    /// Whether one normalized word is by itself an entry of the list named `list`.
    pub fn holds_word(&self, list: &str, lower: &str) -> bool {
        let Some(bit) = self.names.iter().position(|name| *name == list) else {
            return false;
        };
        self.by_first.get(lower).is_some_and(|entries| {
            entries
                .iter()
                .any(|(rest, b)| rest.is_empty() && *b as usize == bit)
        })
    }

    /// Token ranges of entries of any list, left to right, the longest at each token, not
    /// overlapping.
    pub fn longest_matches<S: AsRef<str>>(&self, lowers: &[S]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < lowers.len() {
            let longest = self.by_first.get(lowers[i].as_ref()).and_then(|entries| {
                entries
                    .iter()
                    .filter(|(rest, _)| {
                        let n = rest.len();
                        i + n < lowers.len()
                            && lowers[i + 1..=i + n]
                                .iter()
                                .zip(rest)
                                .all(|(word, entry)| word.as_ref() == entry)
                    })
                    .map(|(rest, _)| rest.len())
                    .max()
            });
            match longest {
                Some(n) => {
                    out.push((i, i + n + 1));
                    i += n + 1;
                }
                None => i += 1,
            }
        }
        out
    }

    /// For each token, a bit per (list, position in the entry: B, I, L or U).
    pub fn tag(&self, lowers: &[String]) -> Vec<u64> {
        let mut out = vec![0u64; lowers.len()];
        for i in 0..lowers.len() {
            let Some(entries) = self.by_first.get(&lowers[i]) else {
                continue;
            };
            for (rest, bit) in entries {
                let n = rest.len();
                if i + n < lowers.len() && lowers[i + 1..=i + n] == rest[..] {
                    let base = u64::from(*bit) * 4;
                    if n == 0 {
                        out[i] |= 1 << (base + 3);
                    } else {
                        out[i] |= 1 << base;
                        for slot in &mut out[i + 1..i + n] {
                            *slot |= 1 << (base + 1);
                        }
                        out[i + n] |= 1 << (base + 2);
                    }
                }
            }
        }
        out
    }
}

/// Word clusters: normalized word → cluster ids at several granularities, embedded
/// (`data/build_clusters.py`).
pub struct Clusters {
    ids: HashMap<String, [u32; 3]>,
}

impl Clusters {
    pub fn embedded() -> Self {
        Self::parse(include_str!("../../../data/clusters.txt"))
    }
    pub fn parse(s: &str) -> Self {
        let ids = s
            .lines()
            .filter_map(|l| {
                let mut it = l.split('\t');
                let word = it.next()?.to_string();
                let mut ids = [0u32; 3];
                for slot in &mut ids {
                    *slot = it.next()?.parse().ok()?;
                }
                Some((word, ids))
            })
            .collect();
        Clusters { ids }
    }
}

/// The tagger's full lexicon: gazetteers plus clusters.
pub struct NewsLexicon {
    pub gazetteers: Gazetteers,
    pub clusters: Clusters,
    pub lowercase_places: Gazetteers,
}

impl NewsLexicon {
    pub fn embedded() -> Self {
        NewsLexicon {
            gazetteers: Gazetteers::embedded(),
            clusters: Clusters::embedded(),
            lowercase_places: Gazetteers::from_lists(LOWERCASE_PLACES),
        }
    }
}

impl Lexicon for NewsLexicon {
    fn cluster(&self, lower: &str) -> [u64; 4] {
        let Some(ids) = self.clusters.ids.get(lower) else {
            return [0; 4];
        };
        let mut out = [0u64; 4];
        for (k, id) in ids.iter().enumerate() {
            out[k] = mix(mix(0xc1u64, k as u64 + 1), u64::from(*id)) | 1;
        }
        out
    }

    fn gazetteer(&self, lowers: &[String]) -> Vec<u64> {
        self.gazetteers
            .tag(lowers)
            .into_iter()
            .map(|bits| if bits == 0 { 0 } else { mix(bits, 0x6a2) | 1 })
            .collect()
    }

    fn is_first_name(&self, lower: &str) -> bool {
        self.gazetteers.holds_word("first_names", lower)
    }

    fn lowercase_places(&self, lowers: &[Cow<'_, str>]) -> Vec<(usize, usize)> {
        self.lowercase_places.longest_matches(lowers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gazetteer_matches_whole_token_sequences() {
        let g = Gazetteers::embedded();
        let words: Vec<String> = ["the", "new", "york", "city", "and", "new", "paris"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let tags = g.tag(&words);
        assert_eq!(tags[0], 0);
        assert_ne!(tags[1], 0, "New York is a city and a state");
        assert_ne!(tags[2], 0);
        assert_ne!(tags[6], 0, "Paris");
        // `new` alone starts entries but matches none here except where followed right.
        assert_eq!(tags[4], 0);
        assert!(g.holds_word("first_names", "lisa"));
        assert!(!g.holds_word("first_names", "london"));
        assert!(g.holds_word("cities", "london"));
        assert!(!g.holds_word("no such list", "lisa"));
    }

    #[test]
    fn longest_matches_take_the_longest_entry_and_do_not_overlap() {
        let g = Gazetteers::from_lists(&[("places", "York\nNew York\nNew York City\nParis\n")]);
        let words: Vec<String> = ["new", "york", "city", "york", "paris", "new"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(g.longest_matches(&words), [(0, 3), (3, 4), (4, 5)]);
        // The lower-case list keeps common words out and names edited news always capitalises.
        let lower = Gazetteers::from_lists(LOWERCASE_PLACES);
        assert!(lower.holds_word("lowercase_places", "kerala"));
        let all = Gazetteers::embedded();
        for common in ["nice", "reading", "turkey", "mobile"] {
            let listed = ["countries", "cities"]
                .iter()
                .any(|l| all.holds_word(l, common));
            assert!(listed, "{common} is a listed place");
            assert!(!lower.holds_word("lowercase_places", common), "{common}");
        }
    }
}
