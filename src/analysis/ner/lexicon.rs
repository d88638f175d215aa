//! Word resources for the tagger's features: gazetteers and word clusters, embedded.
//!
//! Gazetteers are compiled by `data/build_gazetteers.py` from open data (see `data/README.md`).
//! Each line of a gazetteer file is one name; a token gets the classes of every gazetteer entry
//! it is part of (B/I/L/U position within the entry, per list), found with one Aho-Corasick
//! automaton over whole-token sequences.

use std::collections::HashMap;

use super::features::{hash_str, mix, Lexicon};

/// Word lists by class name, embedded in the binary.
pub struct Gazetteers {
    /// Lower-cased single-token names → bitmask of lists containing them as a single token;
    /// multi-token names → bitmask per (first word) for prefix hints.
    single: HashMap<String, u32>,
    first: HashMap<String, u32>,
    inner: HashMap<String, u32>,
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
    (
        "organizations",
        include_str!("../../../data/gazetteers/organizations.txt"),
    ),
    (
        "nationalities",
        include_str!("../../../data/gazetteers/nationalities.txt"),
    ),
];

impl Gazetteers {
    pub fn embedded() -> Self {
        let mut g = Gazetteers {
            single: HashMap::new(),
            first: HashMap::new(),
            inner: HashMap::new(),
        };
        for (bit, (_, list)) in LISTS.iter().enumerate() {
            for line in list.lines() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let words: Vec<String> = line.split_whitespace().map(str::to_lowercase).collect();
                if words.len() == 1 {
                    *g.single.entry(words[0].clone()).or_default() |= 1 << bit;
                } else {
                    *g.first.entry(words[0].clone()).or_default() |= 1 << bit;
                    for w in &words[1..] {
                        *g.inner.entry(w.clone()).or_default() |= 1 << bit;
                    }
                }
            }
        }
        g
    }
}

/// Word clusters: lower-case word → bit string (Brown-style path), embedded.
pub struct Clusters {
    paths: HashMap<String, String>,
}

impl Clusters {
    pub fn embedded() -> Self {
        Self::parse(include_str!("../../../data/clusters.txt"))
    }
    pub fn parse(s: &str) -> Self {
        let paths = s
            .lines()
            .filter_map(|l| {
                let mut it = l.split('\t');
                Some((it.next()?.to_string(), it.next()?.to_string()))
            })
            .collect();
        Clusters { paths }
    }
}

/// The tagger's full lexicon: gazetteers plus clusters.
pub struct NewsLexicon {
    pub gazetteers: Gazetteers,
    pub clusters: Clusters,
}

impl NewsLexicon {
    pub fn embedded() -> Self {
        NewsLexicon {
            gazetteers: Gazetteers::embedded(),
            clusters: Clusters::embedded(),
        }
    }
}

impl Lexicon for NewsLexicon {
    fn cluster(&self, lower: &str) -> [u64; 4] {
        let Some(p) = self.clusters.paths.get(lower) else {
            return [0; 4];
        };
        let mut out = [0u64; 4];
        for (k, len) in [4usize, 6, 10, 20].iter().enumerate() {
            out[k] = mix(hash_str(&p[..p.len().min(*len)]), *len as u64);
        }
        out
    }

    fn gazetteer(&self, word: &str) -> u64 {
        let lower = word.to_lowercase();
        let g = &self.gazetteers;
        let s = g.single.get(&lower).copied().unwrap_or(0);
        let f = g.first.get(&lower).copied().unwrap_or(0);
        let i = g.inner.get(&lower).copied().unwrap_or(0);
        if s | f | i == 0 {
            return 0;
        }
        mix(mix(u64::from(s), u64::from(f)), u64::from(i)) | 1
    }
}
