//! Entity mention tagging: tokens in, typed name mentions out.
//!
//! Stages: [`features`] turns each token (in its sentence and document) into hashed features;
//! [`model`] scores them and decodes a BILOU sequence per sentence; spans of MISC are learnt from
//! CoNLL but dropped here, since gloss reports people, organizations and locations only.

pub mod features;
pub mod int8;
pub mod lexicon;
pub mod model;
pub mod train;
pub mod transformer;

use std::borrow::Cow;

use super::annotation::EntityType;
use super::segment::Segmentation;
use features::{normalize, Lexicon};
use model::{Model, CLASSES, NUM_TAGS};

/// A tagged name mention, in byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaggedMention {
    pub start: usize,
    pub end: usize,
    /// Token indices `first..last` (exclusive).
    pub tokens: (usize, usize),
    pub class: usize,
}

impl TaggedMention {
    /// The mention over tokens `first..last` (exclusive, not empty) of `seg`.
    pub fn over(seg: &Segmentation, (first, last): (usize, usize), class: usize) -> Self {
        TaggedMention {
            start: seg.tokens[first].start,
            end: seg.tokens[last - 1].end,
            tokens: (first, last),
            class,
        }
    }

    /// The reported type, or `None` for MISC.
    pub fn entity_type(&self) -> Option<EntityType> {
        match model::CLASSES[self.class] {
            "PER" => Some(EntityType::Person),
            "ORG" => Some(EntityType::Organization),
            "LOC" => Some(EntityType::Location),
            _ => None,
        }
    }
}

/// The tagger: a model and the lexicon its features consult.
pub struct Tagger {
    pub model: Model,
    pub lexicon: Box<dyn Lexicon + Send + Sync>,
}

impl Tagger {
    /// Tags every sentence of a segmented document; all classes, MISC included.
    pub fn tag(&self, text: &str, seg: &Segmentation) -> Vec<TaggedMention> {
        let mut tagged = tag_with(&self.model, self.lexicon.as_ref(), text, seg);
        split_name_pairs(text, seg, &mut tagged, self.lexicon.as_ref());
        tag_lowercase_places(text, seg, &mut tagged, self.lexicon.as_ref());
        propagate(text, seg, &mut tagged);
        tagged
    }
}

/// What opening a name span costs the decoder, in the perceptron's score units: a name must beat
/// `O` by this much, which drops weak one-off guesses (web text's capitalised product names,
/// file names and acronyms read as organisations). Tuned on dev with the embedded `ner.bin`
/// (`gloss eval ner`, CoNLL dev / UNER dev micro-F1): 0: 93.69 / 69.13, 3: 93.72 / 69.43,
/// 5: 93.69 / 69.79, 6: 93.67 / 70.05, 8: 93.71 / 69.67, 10: 93.67 / 69.81. The transformer's
/// decoder has a cost of its own (`transformer::SPAN_COSTS`).
const SPAN_COST: f32 = 6.0;

/// Tags a segmented document with any model and lexicon (training evaluates its snapshots so).
pub fn tag_with(
    model: &Model,
    lexicon: &dyn Lexicon,
    text: &str,
    seg: &Segmentation,
) -> Vec<TaggedMention> {
    {
        let feats = features::extract(text, &seg.tokens, &seg.sentences, lexicon);
        let mut out = Vec::new();
        let mut emissions: Vec<[f32; NUM_TAGS]> = Vec::new();
        for s in &seg.sentences {
            let (a, b) = s.tokens;
            emissions.clear();
            for i in a..b {
                let mut e = [0f32; NUM_TAGS];
                model.emissions(feats.of(i), &mut e);
                model::charge_span_openings(&mut e, &[SPAN_COST; model::CLASSES.len()]);
                emissions.push(e);
            }
            let tags = model.viterbi(&emissions);
            for (s0, e0, class) in model::spans_from_tags(&tags) {
                if let Some(m) = tidy_span(text, seg, (a + s0, a + e0), class) {
                    out.push(m);
                }
            }
        }
        out
    }
}

/// A tagged token span as a mention, with what is not part of a name taken off its edges; `None`
/// when nothing is left. Both taggers' spans go through it.
pub fn tidy_span(
    text: &str,
    seg: &Segmentation,
    (mut s0, mut e0): (usize, usize),
    class: usize,
) -> Option<TaggedMention> {
    let word = |i: usize| seg.word(text, i);
    // A name starts and ends with a word: stray symbols (emoji, dashes, the slash of a photo
    // credit `Jose Colon/Anadolu`) at the edges are not part of it.
    let has_word = |i: usize| word(i).chars().any(char::is_alphanumeric);
    while s0 < e0 && !has_word(s0) {
        s0 += 1;
    }
    // Nor is a possessive ending (`Kyiv's reporting` → `Kyiv`).
    let possessive = |i: usize| {
        matches!(
            word(i),
            "'s" | "\u{2019}s" | "'S" | "\u{2019}S" | "'" | "\u{2019}"
        )
    };
    // A closing bracket whose opening one is inside stays (`Proleter ( Z )`, a club with its
    // town's code, is one name).
    let closes_inside =
        |i: usize| matches!(word(i), ")" | "]") && (s0..i).any(|k| matches!(word(k), "(" | "["));
    while e0 > s0 && ((!has_word(e0 - 1) && !closes_inside(e0 - 1)) || possessive(e0 - 1)) {
        e0 -= 1;
    }
    // Titles are not part of a person's name (`Mayor Angela Torres` → `Angela Torres`), as in
    // the annotation guidelines the models learnt from; a capitalised title at the start of a
    // sentence or headline sometimes slips in.
    while CLASSES.get(class) == Some(&"PER") && e0 > s0 + 1 && is_title(word(s0)) {
        s0 += 1;
    }
    (s0 < e0).then(|| TaggedMention::over(seg, (s0, e0), class))
}

/// Titles and roles written before a name.
const TITLES: &[&str] = &[
    "mr",
    "mr.",
    "mrs",
    "mrs.",
    "ms",
    "ms.",
    "dr",
    "dr.",
    "prof",
    "prof.",
    "mayor",
    "president",
    "minister",
    "senator",
    "sen.",
    "gov.",
    "governor",
    "rep.",
    "representative",
    "chancellor",
    "secretary",
    "judge",
    "gen.",
    "col.",
    "lt.",
    "capt.",
    "captain",
    "bishop",
    "rabbi",
    "sheikh",
    "coach",
    "ambassador",
    "envoy",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "director",
    "chairman",
    "chairwoman",
    "premier",
    "sgt.",
    "officer",
    "detective",
    "commissioner",
    "councilman",
    "councilwoman",
];

pub fn is_title(word: &str) -> bool {
    TITLES.contains(&word.to_lowercase().as_str())
}

/// Surname particles that the first-name list also holds (`Van`, `De`, `La`): a person name
/// whose third word is one is one person (`Peter Willem Van Dijk`).
const SURNAME_PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "da", "di", "del", "della", "la", "le", "du", "st", "mac",
    "bin", "ibn", "al", "el", "ben",
];

/// Two people written side by side with nothing between them, as in an e-mail's list of
/// recipients (`Maria Okafor Daniel Reyes`): a person name of four capitalised words whose first
/// and third words are listed first names becomes two names of two words. The transformer reads
/// such lists as one name. Measured on dev with the accurate mode: UNER 76.73 → 77.36 (five such
/// names), CoNLL unchanged at 94.25; the fast tagger did not join any.
pub fn split_name_pairs(
    text: &str,
    seg: &Segmentation,
    tagged: &mut Vec<TaggedMention>,
    lexicon: &dyn Lexicon,
) {
    let person = CLASSES.iter().position(|c| *c == "PER");
    let word = |i: usize| seg.word(text, i);
    let capitalised = |w: &str| {
        w.chars().all(char::is_alphabetic) && w.chars().next().is_some_and(char::is_uppercase)
    };
    let mut out = Vec::with_capacity(tagged.len());
    for m in tagged.drain(..) {
        let (a, b) = m.tokens;
        let pair = Some(m.class) == person
            && b == a + 4
            && (a..b).all(|i| capitalised(word(i)))
            && lexicon.is_first_name(&normalize(word(a)))
            && {
                let third = normalize(word(a + 2));
                lexicon.is_first_name(&third) && !SURNAME_PARTICLES.contains(&third.as_str())
            };
        if pair {
            out.push(TaggedMention::over(seg, (a, a + 2), m.class));
            out.push(TaggedMention::over(seg, (a + 2, b), m.class));
        } else {
            out.push(m);
        }
    }
    *tagged = out;
}

/// Places typed in lower case (`flights to kerala`), as web text and comments write them: the
/// linear tagger, which learnt case from edited news, leaves them untagged. A run of lower-case
/// words that is a place edited text never writes in lower case (`Lexicon::lowercase_places`;
/// not `nice` or `turkey`) and that no mention touches becomes a location. The transformer reads
/// such places itself, so only the fast tagger runs this. Measured on dev (`gloss eval ner`):
/// UNER 70.05 → 70.67 (LOC recall 67.17 → 70.18), CoNLL 93.67 → 93.66 (one `old city`); the
/// accurate mode with it would have gained nothing (77.36 → 77.35).
pub fn tag_lowercase_places(
    text: &str,
    seg: &Segmentation,
    tagged: &mut Vec<TaggedMention>,
    lexicon: &dyn Lexicon,
) {
    let Some(location) = CLASSES.iter().position(|c| *c == "LOC") else {
        return;
    };
    let word = |i: usize| seg.word(text, i);
    // Only words without capitals can be part of a match: the rest are not looked up. Plain
    // lower-case ASCII words are their own normalized form, so most words are not copied.
    let lowers: Vec<Cow<str>> = (0..seg.tokens.len())
        .map(|i| {
            let w = word(i);
            if w.bytes().all(|b| b.is_ascii_lowercase()) {
                Cow::Borrowed(w)
            } else if w.chars().any(char::is_uppercase) {
                Cow::Borrowed("")
            } else {
                Cow::Owned(normalize(w))
            }
        })
        .collect();
    let mut added = false;
    for (a, b) in lexicon.lowercase_places(&lowers) {
        let one_sentence =
            seg.sentence_at(seg.tokens[a].start) == seg.sentence_at(seg.tokens[b - 1].start);
        let free = !tagged.iter().any(|m| m.tokens.0 < b && a < m.tokens.1);
        if one_sentence && free {
            tagged.push(TaggedMention::over(seg, (a, b), location));
            added = true;
        }
    }
    if added {
        tagged.sort_by_key(|m| m.tokens);
    }
}

/// Document-level consistency: a capitalised word sequence tagged somewhere in the document is
/// tagged wherever else it stands untagged, and so is the surname of a tagged full name (the
/// tagger misses a lone `Torres` at the start of a sentence more often than `Angela Torres`).
pub fn propagate(text: &str, seg: &Segmentation, tagged: &mut Vec<TaggedMention>) {
    // Fx hashing: these maps are keyed by words on the per-document path; SipHash's
    // protection against crafted keys is not needed for them.
    use rustc_hash::FxHashMap as HashMap;
    let word = |i: usize| seg.word(text, i);
    let mut known: HashMap<Vec<&str>, HashMap<usize, usize>> = HashMap::default();
    for m in tagged.iter() {
        let words: Vec<&str> = (m.tokens.0..m.tokens.1).map(word).collect();
        *known
            .entry(words.clone())
            .or_default()
            .entry(m.class)
            .or_default() += 1;
        if CLASSES[m.class] == "PER" && words.len() >= 2 {
            if let Some(last) = words.last() {
                *known
                    .entry(vec![*last])
                    .or_default()
                    .entry(m.class)
                    .or_default() += 1;
            }
        }
    }
    if known.is_empty() {
        return;
    }
    let best = |votes: &HashMap<usize, usize>| {
        votes
            .iter()
            .max_by_key(|(c, n)| (**n, std::cmp::Reverse(**c)))
            .map(|(c, _)| *c)
    };
    let mut covered = vec![false; seg.tokens.len()];
    for m in tagged.iter() {
        covered[m.tokens.0..m.tokens.1]
            .iter_mut()
            .for_each(|c| *c = true);
    }
    let capitalised = |i: usize| word(i).chars().next().is_some_and(char::is_uppercase);
    let mut added = Vec::new();
    for s in &seg.sentences {
        let (a, b) = s.tokens;
        let mut i = a;
        while i < b {
            if covered[i] || !capitalised(i) {
                i += 1;
                continue;
            }
            // The longest known sequence starting here, over untagged capitalised tokens, that
            // is not followed or preceded by more capitalised words (no partial names).
            let mut hit = None;
            for len in (1..=4).rev() {
                let end = i + len;
                if end > b || (i..end).any(|k| covered[k] || !capitalised(k)) {
                    continue;
                }
                if end < b && capitalised(end) && !covered[end]
                    || i > a && capitalised(i - 1) && i - 1 != a
                {
                    continue;
                }
                let words: Vec<&str> = (i..end).map(word).collect();
                if let Some(class) = known.get(&words).and_then(&best) {
                    hit = Some((end, class));
                    break;
                }
            }
            match hit {
                Some((end, class)) => {
                    added.push(TaggedMention::over(seg, (i, end), class));
                    i = end;
                }
                None => i += 1,
            }
        }
    }
    if !added.is_empty() {
        tagged.extend(added);
        tagged.sort_by_key(|m| m.start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::segment::segment;

    #[test]
    fn two_people_side_by_side_are_split_and_one_long_name_is_not() {
        let lexicon = lexicon::NewsLexicon::embedded();
        let per = CLASSES.iter().position(|c| *c == "PER").unwrap_or(0);
        let org = CLASSES.iter().position(|c| *c == "ORG").unwrap_or(1);
        let names = |text: &str, class: usize| {
            let seg = segment(text);
            let mut tagged = vec![TaggedMention::over(&seg, (0, seg.tokens.len()), class)];
            split_name_pairs(text, &seg, &mut tagged, &lexicon);
            tagged
                .iter()
                .map(|m| text[m.start..m.end].to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names("Maria Okafor Daniel Reyes", per),
            ["Maria Okafor", "Daniel Reyes"]
        );
        // A particle in third place belongs to the surname; other classes and lengths stay.
        assert_eq!(
            names("Peter Willem Van Dijk", per),
            ["Peter Willem Van Dijk"]
        );
        assert_eq!(
            names("Maria Okafor Daniel Reyes", org),
            ["Maria Okafor Daniel Reyes"]
        );
        assert_eq!(names("Maria Okafor Daniel", per), ["Maria Okafor Daniel"]);
    }

    #[test]
    fn places_typed_in_lower_case_are_tagged_and_common_words_are_not() {
        let lexicon = lexicon::NewsLexicon::embedded();
        let loc = CLASSES.iter().position(|c| *c == "LOC").unwrap_or(2);
        let text = "we flew from kerala to san francisco, it was nice. Then Kerala again.";
        let seg = segment(text);
        // The tagger already found the capitalised one; the rule must not add it twice.
        let kerala = seg
            .tokens
            .iter()
            .rposition(|t| &text[t.start..t.end] == "Kerala");
        let mut tagged: Vec<TaggedMention> = kerala
            .map(|k| TaggedMention::over(&seg, (k, k + 1), loc))
            .into_iter()
            .collect();
        tag_lowercase_places(text, &seg, &mut tagged, &lexicon);
        let found: Vec<(&str, usize)> = tagged
            .iter()
            .map(|m| (&text[m.start..m.end], m.class))
            .collect();
        assert_eq!(
            found,
            [("kerala", loc), ("san francisco", loc), ("Kerala", loc)]
        );
        // A place written in lower case inside a mention the tagger found is left to it.
        let text = "the kerala tourism board";
        let seg = segment(text);
        let org = CLASSES.iter().position(|c| *c == "ORG").unwrap_or(1);
        let mut tagged = vec![TaggedMention::over(&seg, (1, 4), org)];
        tag_lowercase_places(text, &seg, &mut tagged, &lexicon);
        assert_eq!(tagged.len(), 1);
    }
}
