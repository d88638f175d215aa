//! The learned statement tagger: each paragraph is tagged with BILOU spans of three classes,
//! source, cue and content, by the same averaged perceptron and Viterbi decoder as the entity
//! tagger, trained on PolNeAR (`gloss train statements`). Spans are then assembled into
//! statements: each content piece takes the nearest cue (same sentence first), the cue its
//! nearest source, and pieces sharing a cue form one statement.
//!
//! Why learned: attribution in news is broad (`wants`, `is expected`, `in his eyes`, cue nouns)
//! and content boundaries follow clause structure; a sequence model with lexical, quotation and
//! cue-distance features learns both from 19,832 gold attributions, where rules plateau.

use super::attribution::{is_cue_verb, FoundStatement, SpeakerRef, PRONOUNS};
use super::quotes::{self, Quote};
use crate::analysis::annotation::{EntityType, MentionKind, StatementKind};
use crate::analysis::entities::EntityGroup;
use crate::analysis::ner::features::{hash_str, mix, normalize, shape, DocumentFeatures, Lexicon};
use crate::analysis::ner::model::{self, Model, WordScores, NUM_TAGS};
use crate::analysis::segment::Segmentation;

/// Span classes of the statement tagger (BILOU class indices).
pub const SOURCE: usize = 0;
pub const CUE: usize = 1;
pub const CONTENT: usize = 2;

/// A paragraph as a tagging sequence: token range `first..last`.
#[derive(Debug, Clone, Copy)]
pub struct Paragraph {
    pub first: usize,
    pub last: usize,
}

/// Paragraph token ranges of a segmentation.
pub fn paragraphs(seg: &Segmentation) -> Vec<Paragraph> {
    let mut out: Vec<Paragraph> = Vec::new();
    let mut current: Option<(usize, Paragraph)> = None;
    for s in &seg.sentences {
        match &mut current {
            Some((p, para)) if *p == s.paragraph => para.last = s.tokens.1,
            _ => {
                if let Some((_, para)) = current.take() {
                    out.push(para);
                }
                current = Some((
                    s.paragraph,
                    Paragraph {
                        first: s.tokens.0,
                        last: s.tokens.1,
                    },
                ));
            }
        }
    }
    if let Some((_, para)) = current {
        out.push(para);
    }
    out
}

/// Whether two token ranges touch, in either order (`the president said`, `said Ortiz`).
fn side_by_side((a0, a1): (usize, usize), (b0, b1): (usize, usize)) -> bool {
    a1 == b0 || b1 == a0
}

fn bin(d: usize) -> u64 {
    match d {
        0 => 0,
        1 => 1,
        2 => 2,
        3 => 3,
        4..=5 => 4,
        6..=8 => 5,
        9..=14 => 6,
        15..=25 => 7,
        _ => 8,
    }
}

/// What the features see of a document.
pub struct Context<'a> {
    pub text: &'a str,
    pub seg: &'a Segmentation,
    pub quotes: Vec<Quote>,
    /// Per token: entity type of the name mention covering it (0 none, 1+type), and whether
    /// it begins the mention.
    pub ner: Vec<(u8, bool)>,
    pub lower: Vec<String>,
    pub sentence_of: Vec<usize>,
    /// Per token: whether it is a cue word (a listed reporting verb or cue noun, or a word the
    /// training data often marks as part of a cue), and that learnt cue score in tenths.
    pub cue_word: Vec<bool>,
    pub cue_score: Vec<u64>,
    /// Per token: its word cluster at the 256 and 1,024 granularities (0 when unknown), so that
    /// what is learnt for `claimed` carries to `asserted`.
    pub clusters: Vec<[u64; 2]>,
}

/// Learnt cue words: a word that was part of at least [`CUE_MIN_COUNT`] gold cues and is part of
/// a cue in at least [`CUE_MIN_SHARE`] of its occurrences. PolNeAR marks attribution broadly
/// (`endorsed`, `declined`, `calling`, `cited`, `defended`): half its cues hold no listed
/// reporting verb. Thresholds measured on PolNeAR dev (content F1 68.5 → 70.4 with these; 70.3
/// with 2 and 0.2, 69.7 with 3 and 0.45).
pub const CUE_MIN_COUNT: u32 = 3;
pub const CUE_MIN_SHARE: f32 = 0.3;

/// Each token's normalized form, what cue words and clusters are keyed by.
fn normalized_tokens(text: &str, seg: &Segmentation) -> Vec<String> {
    seg.tokens
        .iter()
        .map(|t| normalize(&text[t.start..t.end]))
        .collect()
}

/// Cue word scores from training documents: per normalized word, the share of its occurrences
/// that fall inside a gold cue span (byte offsets), for words passing the thresholds above.
pub fn learn_cue_words<'d>(
    docs: impl IntoIterator<Item = (&'d str, &'d Segmentation, Vec<(usize, usize)>)>,
) -> WordScores {
    let mut total: std::collections::HashMap<String, u32> = Default::default();
    let mut in_cue: std::collections::HashMap<String, u32> = Default::default();
    for (text, seg, mut cues) in docs {
        let lower = normalized_tokens(text, seg);
        for w in &lower {
            *total.entry(w.clone()).or_default() += 1;
        }
        // Several attributions share one cue: count each cue span once, each word once in it.
        cues.sort_unstable();
        cues.dedup();
        for (s, e) in cues {
            let first = seg.tokens.partition_point(|t| t.end <= s);
            let mut words: Vec<&String> = (first..seg.tokens.len())
                .take_while(|&i| seg.tokens[i].start < e)
                .map(|i| &lower[i])
                .collect();
            words.sort_unstable();
            words.dedup();
            for w in words {
                *in_cue.entry(w.clone()).or_default() += 1;
            }
        }
    }
    in_cue
        .into_iter()
        .filter_map(|(w, n)| {
            let share = n as f32 / total.get(&w).copied().unwrap_or(n).max(1) as f32;
            (n >= CUE_MIN_COUNT && share >= CUE_MIN_SHARE).then_some((w, share))
        })
        .collect()
}

impl<'a> Context<'a> {
    /// `words` are the statement model's cue words; `lexicon` gives word clusters.
    pub fn new(
        text: &'a str,
        seg: &'a Segmentation,
        entities: &[EntityGroup],
        words: &WordScores,
        lexicon: &dyn Lexicon,
    ) -> Self {
        let n = seg.tokens.len();
        let mut ner = vec![(0u8, false); n];
        for g in entities {
            let ty = match g.entity_type {
                EntityType::Person => 1,
                EntityType::Organization => 2,
                EntityType::Location => 3,
            };
            for m in g.mentions.iter().filter(|m| m.kind == MentionKind::Name) {
                let first = seg.tokens.partition_point(|t| t.end <= m.start);
                let mut i = first;
                while i < n && seg.tokens[i].start < m.end {
                    ner[i] = (ty, i == first);
                    i += 1;
                }
            }
        }
        let mut sentence_of = vec![0; n];
        for (si, s) in seg.sentences.iter().enumerate() {
            for slot in &mut sentence_of[s.tokens.0..s.tokens.1] {
                *slot = si;
            }
        }
        let lower = normalized_tokens(text, seg);
        let clusters = lower
            .iter()
            .map(|w| {
                let c = lexicon.cluster(w);
                [c[1], c[2]]
            })
            .collect();
        let learnt: Vec<f32> = lower
            .iter()
            .map(|w| words.get(w.as_str()).copied().unwrap_or(0.0))
            .collect();
        let cue_word = lower
            .iter()
            .zip(&learnt)
            .map(|(w, &score)| {
                score > 0.0
                    || is_cue_verb(w)
                    || matches!(w.as_str(), "according" | "statement" | "interview")
            })
            .collect();
        Context {
            text,
            seg,
            quotes: quotes::find(text, &seg.paragraphs),
            ner,
            lower,
            sentence_of,
            cue_word,
            cue_score: learnt.iter().map(|s| (s * 10.0) as u64).collect(),
            clusters,
        }
    }

    /// Whether a paragraph holds a cue word or a quotation mark: one without either (a
    /// headline, a paragraph of narration) is left untagged, which keeps the statement stage
    /// well under the entity tagger's cost. It skips 28% of the paragraphs of the BBC
    /// benchmark articles and 25% of PolNeAR dev's, where content F1 stays 70.37 (P 71.74 →
    /// 72.30, R 69.05 → 68.54).
    pub fn may_attribute(&self, p: Paragraph) -> bool {
        if self.cue_word[p.first..p.last].iter().any(|&c| c) {
            return true;
        }
        let (Some(first), Some(last)) = (
            self.seg.tokens.get(p.first),
            p.last.checked_sub(1).and_then(|l| self.seg.tokens.get(l)),
        ) else {
            return false;
        };
        self.quotes
            .iter()
            .any(|q| q.start < last.end && first.start < q.end)
    }

    /// The index of the token containing (or first after) byte offset `byte`.
    fn token_at(&self, byte: usize) -> usize {
        self.seg.tokens.partition_point(|t| t.end <= byte)
    }

    /// The tokens `first..last` (exclusive) a non-empty byte span `start..end` covers.
    fn tokens_of(&self, (start, end): (usize, usize)) -> (usize, usize) {
        (self.token_at(start), self.token_at(end - 1) + 1)
    }

    /// The kind of a speaker phrase over tokens `first..last` that is not yet linked to a name:
    /// a lone personal pronoun, or a nominal.
    fn speaker_kind(&self, first: usize, last: usize) -> MentionKind {
        if last == first + 1 && PRONOUNS.contains(&self.lower[first].as_str()) {
            MentionKind::Pronoun
        } else {
            MentionKind::Nominal
        }
    }

    /// Whether token `i` is all letters (no digits, punctuation or quotation marks).
    fn is_letters(&self, i: usize) -> bool {
        self.lower[i].chars().all(char::is_alphabetic)
    }

    fn word(&self, i: usize) -> &'a str {
        let t = self.seg.tokens[i];
        &self.text[t.start..t.end]
    }

    /// Feature hashes for every token of a paragraph, in one flat buffer (token `k` of the
    /// paragraph is `of(k)`): one allocation per paragraph rather than one per token.
    pub fn features(&self, p: Paragraph) -> DocumentFeatures {
        let (a, b) = (p.first, p.last);
        let tokens = &self.seg.tokens;
        // Quote state per token: 0 outside, 1 inside, 2 opening mark, 3 closing mark.
        let mut qstate = vec![0u64; b - a];
        let (pa, pb) = (tokens[a].start, tokens[b - 1].end);
        for q in self.quotes.iter().filter(|q| q.open < pb && pa < q.close) {
            for (k, slot) in qstate.iter_mut().enumerate() {
                let t = tokens[a + k];
                if t.start >= q.start && t.end <= q.end {
                    *slot = 1;
                } else if t.start >= q.open && t.end <= q.start {
                    *slot = 2;
                } else if t.start >= q.end && t.end <= q.close {
                    *slot = 3;
                }
            }
        }
        let words: Vec<u64> = (a..b).map(|i| hash_str(&self.lower[i])).collect();
        let shapes: Vec<u64> = (a..b).map(|i| hash_str(&shape(self.word(i)))).collect();
        let cue = &self.cue_word[a..b];
        // Within each sentence, in one pass each way: the nearest cue word to the left and to
        // the right of every token, and how many commas precede it.
        let mut left_cue: Vec<Option<usize>> = vec![None; b - a];
        let mut right_cue: Vec<Option<usize>> = vec![None; b - a];
        let mut commas = vec![0u64; b - a];
        // How many `that`s precede each token in its sentence (as `commas` counts commas), so
        // that what lies between a cue and a token is a subtraction.
        let mut thats = vec![0u64; b - a];
        for k in 0..(b - a) {
            let i = a + k;
            let new_sentence = k == 0 || self.sentence_of[i] != self.sentence_of[i - 1];
            if !new_sentence {
                left_cue[k] = if cue[k - 1] {
                    Some(i - 1)
                } else {
                    left_cue[k - 1]
                };
                commas[k] = commas[k - 1] + u64::from(self.lower[i - 1] == ",");
                thats[k] = thats[k - 1] + u64::from(self.lower[i - 1] == "that");
            }
        }
        for k in (0..(b - a)).rev() {
            let i = a + k;
            let sentence_ends = k + 1 == b - a || self.sentence_of[i] != self.sentence_of[i + 1];
            if !sentence_ends {
                right_cue[k] = if cue[k + 1] {
                    Some(i + 1)
                } else {
                    right_cue[k + 1]
                };
            }
        }
        let mut out = DocumentFeatures {
            offsets: Vec::with_capacity(b - a + 1),
            hashes: Vec::with_capacity((b - a) * 42),
        };
        out.offsets.push(0);
        for k in 0..(b - a) {
            let i = a + k;
            let si = self.sentence_of[i];
            let (sa, sb) = self.seg.sentences[si].tokens;
            let w = |d: isize| -> u64 {
                let j = k as isize + d;
                if j < 0 {
                    0x5151
                } else if j as usize >= b - a {
                    0x5252
                } else {
                    words[j as usize]
                }
            };
            let f = &mut out.hashes;
            let mut add = |t: u64, v: u64| f.push(mix(mix(t + 1000, v), 0x77));
            add(0, 0);
            add(1, words[k]);
            add(2, shapes[k]);
            add(3, w(-1));
            add(4, w(1));
            add(5, w(-2));
            add(6, w(2));
            add(7, mix(w(-1), words[k]));
            add(8, mix(words[k], w(1)));
            add(9, qstate[k]);
            add(10, mix(qstate[k], w(-1)));
            add(11, mix(qstate[k], w(1)));
            let (ty, begin) = self.ner[i];
            add(12, u64::from(ty) * 2 + u64::from(begin));
            add(13, mix(u64::from(ty), w(1)));
            add(14, u64::from(PRONOUNS.contains(&self.lower[i].as_str())));
            add(
                15,
                ((i == sa) as u64)
                    | ((i + 1 == sb) as u64) << 1
                    | ((si == self.sentence_of[a]) as u64) << 2,
            );
            add(16, mix((i == sa) as u64, words[k]));
            add(17, cue[k] as u64);
            // The nearest cue word to the left and right in the sentence, by distance.
            let (left, right) = (left_cue[k], right_cue[k]);
            match left {
                Some(j) => {
                    add(18, bin(i - j));
                    add(19, mix(words[j - a], bin(i - j)));
                    add(20, words[j - a]);
                }
                None => add(18, 99),
            }
            match right {
                Some(j) => {
                    add(21, bin(j - i));
                    add(22, mix(words[j - a], bin(j - i)));
                    add(23, words[j - a]);
                }
                None => add(21, 99),
            }
            add(
                24,
                mix(
                    left.is_some() as u64 | (right.is_some() as u64) << 1,
                    qstate[k],
                ),
            );
            // A `that` right after a cue opens an indirect content.
            if k > 0 && self.lower[i - 1] == "that" {
                add(25, left.map_or(99, |j| bin(i - j)));
            }
            // Any quotation in the sentence, and where this token sits relative to commas.
            let commas_before = commas[k].min(3);
            add(26, commas_before);
            add(27, mix(commas_before, cue[k] as u64));
            add(28, mix(w(-1), w(1)));
            let lw = self.lower[i].as_str();
            let p3 = lw.char_indices().nth(3).map_or(lw.len(), |(x, _)| x);
            let s3 = lw.char_indices().rev().nth(2).map_or(0, |(x, _)| x);
            add(29, hash_str(&lw[..p3]));
            add(30, hash_str(&lw[s3..]));
            add(31, mix(u64::from(self.ner[i].0), qstate[k]));
            add(37, self.cue_score[i]);
            // Word clusters of the token and its neighbours.
            let c = self.clusters[i];
            add(32, c[0]);
            add(33, c[1]);
            let cl = |d: isize| -> u64 {
                let j = i as isize + d;
                if j < a as isize || j >= b as isize {
                    0x5353
                } else {
                    self.clusters[j as usize][0]
                }
            };
            add(34, cl(-1));
            add(35, cl(1));
            add(36, mix(cl(-1), c[0]));
            // Where the sentence ends: a content usually runs to it from its cue.
            add(40, bin(sb - 1 - i));
            add(41, mix(bin(sb - 1 - i), left.is_some() as u64));
            // What stands before each nearest cue (its subject, likely the source): a pronoun,
            // a name of some type, or the sentence start.
            let subject = |j: usize| -> u64 {
                if j > sa {
                    let pronoun = PRONOUNS.contains(&self.lower[j - 1].as_str());
                    u64::from(self.ner[j - 1].0) + 10 * u64::from(pronoun)
                } else {
                    99
                }
            };
            if let Some(j) = left {
                add(42, mix(subject(j), bin(i - j)));
                // The cue's word class (cluster), so that rare cues share what common ones
                // learn.
                add(44, mix(self.clusters[j][0], bin(i - j)));
                // Between the cue and this token: a `that`, and how many commas.
                // Counted over tokens j + 1 .. i: those before i less those up to j.
                let after_cue = j + 1 - a;
                let that = thats[k] > thats[after_cue];
                let commas = (commas[k] - commas[after_cue]).min(3);
                add(46, mix(that as u64, commas));
            }
            if let Some(j) = right {
                add(43, mix(subject(j), bin(j - i)));
                add(45, mix(self.clusters[j][0], bin(j - i)));
            }
            out.offsets.push(out.hashes.len());
        }
        out
    }
}

/// What opening a span of each class (source, cue, content) costs the decoder, in the
/// perceptron's score units. The tagger finds more contents than PolNeAR marks (a third of its
/// unmatched contents overlap no gold content at all), so a content must beat `O` by a margin.
/// Tuned on PolNeAR dev with the committed `statements.bin`, before the rules for possessive,
/// participle and document speakers were added (`gloss train statements`'s dev report,
/// overlap50 content F1 / quote+speaker F1): 0: 71.16 / 60.95; 60: 71.67 / 61.40; 100: 71.87 /
/// 61.63. With the features before that file's, 100: 71.13, 150: 71.01, 250: 70.88. Costs on
/// sources or cues moved F1 by 0.1 at most. Training decodes without them.
const SPAN_COSTS: [f32; 3] = [0.0, 0.0, 100.0];

/// Tags a document and assembles its statements (speakers not yet linked to entities).
pub fn extract_with(model: &Model, ctx: &Context) -> Vec<FoundStatement> {
    let mut spans: Vec<(usize, usize, usize)> = Vec::new(); // token first, last (excl), class
    let mut emissions: Vec<[f32; NUM_TAGS]> = Vec::new();
    for p in paragraphs(ctx.seg) {
        if !ctx.may_attribute(p) {
            continue;
        }
        let feats = ctx.features(p);
        emissions.clear();
        for k in 0..p.last - p.first {
            let mut e = [0f32; NUM_TAGS];
            model.emissions(feats.of(k), &mut e);
            model::charge_span_openings(&mut e, &SPAN_COSTS);
            emissions.push(e);
        }
        let tags = model.viterbi(&emissions);
        for (s, e, c) in model::spans_from_tags(&tags) {
            spans.push((p.first + s, p.first + e, c));
        }
    }
    finish(ctx, &spans)
}

/// Statements from tagged token spans `(first, last exclusive, class)`, each within one
/// paragraph: assembly, then the rules that mend what taggers get wrong in the same ways.
pub fn finish(ctx: &Context, spans: &[(usize, usize, usize)]) -> Vec<FoundStatement> {
    let mut found = assemble(ctx, spans);
    prefer_trailing_attribution(ctx, &mut found);
    trailing_attributions(ctx, &mut found);
    subjects_are_speakers(ctx, &mut found);
    documents_belong_to_their_speaker(ctx, &mut found);
    participles_speak_for_the_subject(ctx, &mut found);
    cue_phrases_run_to_that(ctx, &mut found);
    according_to_between_dashes(ctx, &mut found);
    subject_before_inserted_attribution(ctx, &mut found);
    contents_reach_back_to_the_sentence_start(ctx, &mut found);
    contents_end_before_a_trailing_participle(ctx, &mut found);
    found
}

/// `We flew from Kerala to San Francisco and it was nice, said Maria Okafor.`: when a sentence
/// ends in its own attribution (`, said Maria Okafor.` or `, she said.`), what was said is the
/// whole clause before the comma. The tagger sometimes opens the content mid-clause (at `to San
/// Francisco`); such a content reaches back to the sentence's start, unless the words before it
/// are quoted, hold a cue word or punctuation, or belong to another statement. (It does not
/// fire on PolNeAR dev, where an opening left out is an adverbial or conjunction, excluded
/// here; it mends the tagger's contents on news outside that corpus.)
fn contents_reach_back_to_the_sentence_start(ctx: &Context, found: &mut [FoundStatement]) {
    /// Longest run of words the content may take back (longer ones are more likely a second
    /// clause the tagger rightly left out).
    const MAX_TAKEN_BACK: usize = 12;
    let seg = ctx.seg;
    let taken: Vec<(usize, usize)> = found.iter().flat_map(FoundStatement::spans).collect();
    for st in found.iter_mut() {
        let (Some((cs, ce)), Some(sp)) = (st.cue, st.speaker) else {
            continue;
        };
        let [(ps, pe)] = st.content[..] else { continue };
        let (c0, c1) = ctx.tokens_of((cs, ce));
        let (s0, s1) = ctx.tokens_of((sp.start, sp.end));
        if !side_by_side((s0, s1), (c0, c1)) {
            continue;
        }
        let (a, b) = (s0.min(c0), s1.max(c1));
        let (p0, p1) = ctx.tokens_of((ps, pe));
        let (sa, sb) = seg.sentences[ctx.sentence_of[a]].tokens;
        // Content, comma, attribution, and nothing but closing punctuation after it.
        let trailing = p1 < a
            && ctx.lower[a - 1] == ","
            && (p1..a - 1).all(|i| !ctx.is_letters(i))
            && (b..sb).all(|i| !ctx.is_letters(i));
        if !trailing || ctx.sentence_of[p0] != ctx.sentence_of[a] || p0 <= sa {
            continue;
        }
        let quoted = |i: usize| {
            let t = seg.tokens[i].start;
            ctx.quotes.iter().any(|q| q.open <= t && t < q.close)
        };
        // Words only: punctuation before the content marks where the tagger rightly opened it
        // (`However, …`, `As it stands, …`, `Critics said: …`), and a single word left out is a
        // conjunction (`But the plan …`), which PolNeAR leaves out of contents too.
        let punctuation = |i: usize| !ctx.lower[i].chars().any(char::is_alphanumeric);
        if p0 < sa + 2
            || p0 - sa > MAX_TAKEN_BACK
            || (sa..p0).any(|i| ctx.cue_word[i] || quoted(i) || punctuation(i))
        {
            continue;
        }
        let Some(piece) = trim_content(ctx, (seg.tokens[sa].start, pe)) else {
            continue;
        };
        if taken.iter().any(|&(s, e)| s < ps && piece.0 < e) {
            continue;
        }
        st.content[0] = piece;
        st.kind = quotes::kind_of(ctx.text, &ctx.quotes, &st.content);
    }
}

/// `… by Monday, "as soon as the engineers sign off," referring to the inspection …`: a
/// participle cue straight after a quotation that closes with a comma opens the writer's aside,
/// not more of what was said (the statement transformer sometimes runs the content on over it).
/// Such a content ends with the quotation.
fn contents_end_before_a_trailing_participle(ctx: &Context, found: &mut [FoundStatement]) {
    const PARTICIPLES: &[&str] = &[
        "adding",
        "arguing",
        "calling",
        "citing",
        "claiming",
        "describing",
        "explaining",
        "insisting",
        "noting",
        "referring",
        "saying",
        "stressing",
        "warning",
    ];
    /// A quotation closed with a comma, before or after its closing mark.
    const CLOSED_WITH_A_COMMA: [&str; 4] = [",\"", ",\u{201D}", "\",", "\u{201D},"];
    let seg = ctx.seg;
    for st in found.iter_mut() {
        let mut changed = false;
        for piece in st.content.iter_mut() {
            let first = ctx.token_at(piece.0);
            let cut = (first + 1..seg.tokens.len())
                .take_while(|&i| seg.tokens[i].end <= piece.1)
                .find(|&i| {
                    let w = ctx.lower[i].as_str();
                    let before = ctx.text[..seg.tokens[i].start].trim_end();
                    (PARTICIPLES.contains(&w) || w.ends_with("ing") && is_cue_verb(w))
                        && CLOSED_WITH_A_COMMA.iter().any(|c| before.ends_with(c))
                });
            if let Some(kept) = cut.and_then(|i| trim_content(ctx, (piece.0, seg.tokens[i].start)))
            {
                *piece = kept;
                changed = true;
            }
        }
        if changed {
            st.kind = quotes::kind_of(ctx.text, &ctx.quotes, &st.content);
        }
    }
}

/// `The port, the minister said, is "open to a deal"`: an attribution set off by commas
/// inside the sentence splits its content, and the tagger often keeps only what follows it (or
/// runs the speaker back over the subject: `The port, the minister`). The words from the
/// sentence's start to the opening comma are the content's first piece, when they are a short
/// subject that no other statement has taken and not an adverbial or a conjunction (`But, he
/// said, …`, `On Monday, she said, …`).
fn subject_before_inserted_attribution(ctx: &Context, found: &mut [FoundStatement]) {
    const NOT_SUBJECTS: &[&str] = &[
        "but",
        "and",
        "or",
        "so",
        "yet",
        "still",
        "now",
        "then",
        "also",
        "however",
        "instead",
        "meanwhile",
        "moreover",
        "indeed",
        "in",
        "on",
        "at",
        "for",
        "after",
        "before",
        "if",
        "when",
        "while",
        "because",
        "although",
        "though",
        "since",
        "as",
        "by",
        "with",
        "from",
        "during",
        "over",
        "under",
        "until",
        "unless",
        "once",
        "last",
        "this",
        "next",
        "yes",
        "no",
        "well",
        "of",
    ];
    const MAX_SUBJECT: usize = 8;
    let seg = ctx.seg;
    // Every span a statement holds, with the statement it belongs to.
    let taken: Vec<(usize, (usize, usize))> = found
        .iter()
        .enumerate()
        .flat_map(|(k, st)| st.spans().map(move |span| (k, span)))
        .collect();
    for (k, st) in found.iter_mut().enumerate() {
        let (Some((cs, ce)), Some(sp), Some(&(ps, _))) = (st.cue, st.speaker, st.content.first())
        else {
            continue;
        };
        let (c0, c1) = ctx.tokens_of((cs, ce));
        let (mut s0, s1) = ctx.tokens_of((sp.start, sp.end));
        // Speaker and cue side by side, in either order (`the president said`, `said Ortiz`).
        if !side_by_side((s0, s1), (c0, c1)) {
            continue;
        }
        // A speaker before its cue that holds a comma ran back over the subject; one that ends
        // in a comma is an apposition (`Ada Obi, who runs the port, said, …`).
        if s1 == c0 && ctx.lower[s1 - 1] != "," {
            if let Some(comma) = (s0 + 1..s1.saturating_sub(1))
                .rev()
                .find(|&i| ctx.lower[i] == ",")
            {
                s0 = comma + 1;
            }
        }
        let (a, b) = (s0.min(c0), s1.max(c1));
        let (sa, sb) = seg.sentences[ctx.sentence_of[a]].tokens;
        if a < sa + 2 || b + 1 >= sb || ctx.lower[a - 1] != "," || ctx.lower[b] != "," {
            continue;
        }
        let p0 = ctx.token_at(ps);
        let opens_quote = ctx.quotes.iter().any(|q| q.open == seg.tokens[b + 1].start);
        if p0 != b + 1 && !(p0 == b + 2 && opens_quote) {
            continue;
        }
        let comma = a - 1;
        let first = ctx.lower[sa].as_str();
        if comma - sa > MAX_SUBJECT
            || NOT_SUBJECTS.contains(&first)
            || first.ends_with("ly")
            || (sa..comma).any(|i| ctx.cue_word[i] || ctx.lower[i] == ",")
        {
            continue;
        }
        let Some(piece) = trim_content(ctx, (seg.tokens[sa].start, seg.tokens[comma - 1].end))
        else {
            continue;
        };
        let own_speaker = (sp.start, sp.end);
        let overlaps = |&(j, (s, e)): &(usize, (usize, usize))| {
            s < piece.1 && piece.0 < e && !(j == k && (s, e) == own_speaker)
        };
        if taken.iter().any(overlaps) {
            continue;
        }
        if let Some(sp) = st.speaker.as_mut() {
            sp.start = seg.tokens[s0].start;
        }
        st.content.insert(0, piece);
        st.kind = quotes::kind_of(ctx.text, &ctx.quotes, &st.content);
    }
}

/// `Governor Tomas Reyes is projecting calm, claiming "steady progress" …`: a participle cue at
/// token `cue` whose content runs to byte `end`; its speaker is the subject that opens the sentence
/// when that is a pronoun or a name with at most a few words of title before it (`Governor
/// Tomas Reyes`); anything longer needs a parser to delimit, and no speaker beats a wrong one.
fn participle_statement(ctx: &Context, cue: usize, end: usize) -> Option<FoundStatement> {
    let seg = ctx.seg;
    let content = trim_content(ctx, (seg.tokens[cue].end, end))?;
    let speaker = sentence_subject(ctx, cue);
    let content = vec![content];
    Some(FoundStatement {
        kind: quotes::kind_of(ctx.text, &ctx.quotes, &content),
        content,
        speaker: speaker.map(|(a, b, kind)| SpeakerRef {
            start: seg.tokens[a].start,
            end: seg.tokens[b - 1].end,
            entity: None,
            kind,
        }),
        cue: Some((seg.tokens[cue].start, seg.tokens[cue].end)),
    })
}

/// The subject of the sentence holding token `cue`, as tokens `(first, last exclusive)`: a
/// name among its first four words (with what comes before it: `Governor Tomas Reyes`), or
/// else a pronoun that opens it.
fn sentence_subject(ctx: &Context, cue: usize) -> Option<(usize, usize, MentionKind)> {
    let (sa, _) = ctx.seg.sentences[ctx.sentence_of[cue]].tokens;
    let name = (sa..cue.min(sa + 4))
        .take_while(|&i| ctx.is_letters(i))
        .find(|&i| ctx.ner[i].1 && ctx.ner[i].0 != 0)
        .map(|m| {
            let ty = ctx.ner[m].0;
            let last = (m + 1..cue)
                .take_while(|&i| ctx.ner[i] == (ty, false))
                .last();
            (sa, last.unwrap_or(m) + 1, MentionKind::Nominal)
        });
    name.or_else(|| {
        PRONOUNS
            .contains(&ctx.lower[sa].as_str())
            .then_some((sa, sa + 1, MentionKind::Pronoun))
    })
}

/// `Governor Tomas Reyes is projecting calm, this week claiming "steady progress" … --
/// according to the shippers' association --`: a participle cue after a comma speaks for the
/// sentence's subject. The tagger leaves that subject untagged, far before the cue, and
/// assembly gives the statement the nearest source, which is another statement's (or none).
fn participles_speak_for_the_subject(ctx: &Context, found: &mut [FoundStatement]) {
    let seg = ctx.seg;
    for st in found.iter_mut() {
        let Some((cs, ce)) = st.cue else {
            continue;
        };
        let cue = ctx.token_at(cs);
        if ctx.token_at(ce - 1) != cue || !ctx.lower[cue].ends_with("ing") {
            continue;
        }
        let (sa, _) = seg.sentences[ctx.sentence_of[cue]].tokens;
        let after_comma = (cue.saturating_sub(3).max(sa)..cue).any(|i| ctx.lower[i] == ",");
        let speaker_before = st.speaker.as_ref().is_some_and(|sp| sp.end <= cs);
        if !after_comma || speaker_before {
            continue;
        }
        if let Some((a, b, kind)) = sentence_subject(ctx, cue) {
            st.speaker = Some(SpeakerRef {
                start: seg.tokens[a].start,
                end: seg.tokens[b - 1].end,
                entity: None,
                kind,
            });
        }
    }
}

/// `according to Ankara's tally`: a source that ends with a possessive is the possessor of the
/// noun after it, which the tagger sometimes leaves out. The source runs on over up to two
/// lower-case words, not into a content piece, and stops at punctuation.
/// `b` is the source's end (token, exclusive); the new end is returned.
fn possessor_runs_on_to_its_noun(ctx: &Context, b: usize, pieces: &[(usize, usize)]) -> usize {
    let last = &ctx.lower[b - 1];
    let possessive = ["'s", "\u{2019}s"].iter().any(|p| last.ends_with(p));
    if !possessive {
        return b;
    }
    let sentence = ctx.sentence_of[b - 1];
    let lower_word = |i: usize| {
        i < ctx.lower.len()
            && ctx.sentence_of[i] == sentence
            && ctx.is_letters(i)
            && !ctx.cue_word[i]
            && ctx.word(i).starts_with(char::is_lowercase)
            && !pieces.iter().any(|p| p.0 <= i && i < p.1)
    };
    let mut end = b;
    while end < b + 2 && lower_word(end) {
        end += 1;
    }
    end
}

fn is_dash(word: &str) -> bool {
    matches!(word, "--" | "\u{2014}" | "\u{2013}")
}

/// `… despite heavy losses of cargo -- according to the shippers' association -- and slow
/// repairs`: an `according to` set off by dashes vouches for the phrase just before the
/// opening dash, back to the preposition, comma or quotation mark that starts that phrase, not
/// for the clause around it. That phrase becomes its content (a statement is made when the
/// tagger found only the cue, or nothing), and is taken out of any other statement whose
/// content ran over it (which then ends before the phrase's preposition).
fn according_to_between_dashes(ctx: &Context, found: &mut Vec<FoundStatement>) {
    // Prepositions that open a phrase (`of` continues a noun phrase, so it is not one).
    const OPENERS: &[&str] = &[
        "despite",
        "in",
        "on",
        "at",
        "with",
        "for",
        "from",
        "by",
        "amid",
        "after",
        "before",
        "during",
        "over",
        "about",
        "against",
        "among",
        "including",
        "to",
    ];
    let seg = ctx.seg;
    // Each carved phrase: its first token, the opening dash, and the boundary word before it.
    let mut carved: Vec<(usize, usize, Option<usize>)> = Vec::new();
    let mut participles: Vec<FoundStatement> = Vec::new();
    let n = ctx.lower.len();
    for c0 in (1..n.saturating_sub(2)).filter(|&i| {
        ctx.lower[i] == "according" && ctx.lower[i + 1] == "to" && is_dash(&ctx.lower[i - 1])
    }) {
        let dash = c0 - 1;
        let (sa, sb) = seg.sentences[ctx.sentence_of[dash]].tokens;
        // The source runs to the closing dash, a few words on in the same sentence.
        let Some(close) = (c0 + 3..sb.min(c0 + 12)).find(|&i| is_dash(&ctx.lower[i])) else {
            continue;
        };
        let mut first = dash;
        while first > sa {
            let w = ctx.lower[first - 1].as_str();
            if OPENERS.contains(&w)
                || matches!(w, "," | ";" | ":")
                || w.contains(quotes::DOUBLE_MARKS)
                || w.contains('`')
            {
                break;
            }
            first -= 1;
        }
        if dash < first + 2 {
            continue;
        }
        let boundary = (first > sa).then(|| first - 1);
        let cue = (seg.tokens[c0].start, seg.tokens[c0 + 1].end);
        let content = vec![(seg.tokens[first].start, seg.tokens[dash - 1].end)];
        // The tagger may have found this attribution (with another content, or a cue running
        // on into the source) or only its cue.
        let st = match found
            .iter()
            .position(|st| st.cue.is_some_and(|(s, _)| s == cue.0))
        {
            Some(k) => &mut found[k],
            None => {
                found.push(FoundStatement {
                    kind: StatementKind::Indirect,
                    content: Vec::new(),
                    speaker: None,
                    cue: Some(cue),
                });
                let last = found.len() - 1;
                &mut found[last]
            }
        };
        // What the tagger had taken as this content before the phrase may be a statement of
        // its own, opened by a participle cue (`…, this week claiming "steady progress" …`).
        let before = boundary.map_or(seg.tokens[first].start, |b| seg.tokens[b].start);
        for &(s, _) in &st.content {
            let p0 = ctx.token_at(s);
            if s < before && ctx.lower[p0].ends_with("ing") && is_cue_verb(&ctx.lower[p0]) {
                participles.extend(participle_statement(ctx, p0, before));
            }
        }
        if st.speaker.is_none() {
            st.speaker = Some(SpeakerRef {
                start: seg.tokens[c0 + 2].start,
                end: seg.tokens[close - 1].end,
                entity: None,
                kind: MentionKind::Nominal,
            });
        }
        st.content = content;
        st.kind = quotes::kind_of(ctx.text, &ctx.quotes, &st.content);
        carved.push((first, dash, boundary));
    }
    for &(first, dash, boundary) in &carved {
        let (start, end) = (seg.tokens[first].start, seg.tokens[dash - 1].end);
        // Keep what came before the phrase, without its opening preposition.
        let cut = match boundary {
            Some(b) if OPENERS.contains(&ctx.lower[b].as_str()) => seg.tokens[b].start,
            _ => start,
        };
        for st in found.iter_mut() {
            if st.content == [(start, end)] {
                continue;
            }
            let mut pieces = Vec::new();
            for &(s, e) in &st.content {
                if e <= start || s >= end {
                    pieces.push((s, e));
                } else if s < cut {
                    pieces.extend(trim_content(ctx, (s, cut)));
                }
            }
            if pieces != st.content {
                st.content = pieces;
                st.kind = quotes::kind_of(ctx.text, &ctx.quotes, &st.content);
            }
        }
    }
    found.extend(participles);
    found.sort_by_key(|s| s.content.first().map_or(0, |c| c.0));
    found.retain(|st| !st.content.is_empty());
}

const PREPOSITIONS: &[&str] = &["to", "on", "in", "at", "with", "for", "during"];
/// Nouns of the media a statement is made in (`in a post`, `in a statement`).
const MEDIA: &[&str] = &[
    "post",
    "statement",
    "interview",
    "tweet",
    "letter",
    "video",
    "speech",
    "message",
    "briefing",
    "email",
    "memo",
];

/// For a content span of tokens `p0..p1` that opens with a phrase naming a medium (`a post to
/// social media that …`, `to social media that …` after `said in a post`): the `that` the
/// phrase runs to, within the content's first seven tokens and before any quotation mark.
/// `after_medium` says whether the medium was named just before the content.
fn medium_phrase_to_that(
    ctx: &Context,
    (p0, p1): (usize, usize),
    after_medium: bool,
) -> Option<usize> {
    let that = (p0 + 1..p1.min(p0 + 7)).find(|&i| ctx.lower[i] == "that")?;
    let quoted = (p0..that).any(|i| ctx.lower[i].contains(['"', '\u{201c}']));
    let medium = after_medium || (p0..that).any(|i| MEDIA.contains(&ctx.lower[i].as_str()));
    (!quoted && medium && that + 1 < p1).then_some(that)
}

/// `said in a post to social media that …`: a content that opens with a prepositional phrase
/// and then `that` began too early. The phrase belongs to the cue, the content starts after
/// `that`. The tagger either puts the medium in the cue (`said in a post` + `to social media
/// that …`) or leaves it to the content (`said` + `a post to social media that …`, the `in`
/// between them untagged).
fn cue_phrases_run_to_that(ctx: &Context, found: &mut [FoundStatement]) {
    let seg = ctx.seg;
    for st in found.iter_mut() {
        let (Some((cs, ce)), Some(&(ps, pe))) = (st.cue, st.content.first()) else {
            continue;
        };
        let (p0, p1) = ctx.tokens_of((ps, pe));
        let cue_last = ctx.token_at(ce - 1);
        // Only with a medium named (`in a post`, `in a statement`): elsewhere `that` is as
        // often a relative pronoun (`criticized for policies that …`).
        let that = if cue_last + 1 == p0 && MEDIA.contains(&ctx.lower[cue_last].as_str()) {
            if !PREPOSITIONS.contains(&ctx.lower[p0].as_str()) {
                continue;
            }
            medium_phrase_to_that(ctx, (p0, p1), true)
        } else if cue_last < p0
            && p0 <= cue_last + 2
            && (cue_last + 1..p0).all(|i| PREPOSITIONS.contains(&ctx.lower[i].as_str()))
        {
            medium_phrase_to_that(ctx, (p0, p1), false)
        } else {
            None
        };
        if let Some(that) = that {
            st.cue = Some((cs, seg.tokens[that - 1].end));
            st.content[0] = (seg.tokens[that + 1].start, pe);
        }
    }
}

/// `the State Department statement said`, `the Harbor Authority's public statements indicate`: the
/// tagger sometimes starts the cue with the document noun (and a word or two describing it).
/// The document is the speaker as written (`the State Department statement`), the verb the
/// cue, so that the statement links to who issued the document.
fn documents_belong_to_their_speaker(ctx: &Context, found: &mut [FoundStatement]) {
    const DOCUMENTS: &[&str] = &[
        "statement",
        "statements",
        "readout",
        "release",
        "communique",
        "report",
        "reports",
    ];
    /// Words that may describe the document before its noun (`public statements`).
    const MAX_BEFORE_NOUN: usize = 2;
    let seg = ctx.seg;
    for st in found.iter_mut() {
        let Some((cs, ce)) = st.cue else {
            continue;
        };
        let (c0, c1) = ctx.tokens_of((cs, ce));
        let noun = (c0..c1.saturating_sub(1).min(c0 + MAX_BEFORE_NOUN + 1))
            .take_while(|&i| {
                ctx.is_letters(i) && !ctx.cue_word[i] || DOCUMENTS.contains(&ctx.lower[i].as_str())
            })
            .find(|&i| DOCUMENTS.contains(&ctx.lower[i].as_str()));
        let Some(noun) = noun else {
            continue;
        };
        match st.speaker.as_mut() {
            Some(sp) if c0 > 0 && seg.tokens[c0 - 1].end == sp.end => {
                sp.end = seg.tokens[noun].end;
                sp.kind = MentionKind::Nominal;
            }
            // No source tagged: the document's owner is the name (with its article and
            // possessive) right before it, if any: `The Harbor Authority's public statements`.
            None => {
                let (sa, _) = seg.sentences[ctx.sentence_of[c0]].tokens;
                let owner = |i: usize| {
                    ctx.ner[i].0 != 0 || matches!(ctx.lower[i].as_str(), "'s" | "\u{2019}s" | "the")
                };
                let mut first = c0;
                while first > sa && owner(first - 1) {
                    first -= 1;
                }
                st.speaker = Some(SpeakerRef {
                    start: seg.tokens[first].start,
                    end: seg.tokens[noun].end,
                    entity: None,
                    kind: MentionKind::Nominal,
                });
            }
            Some(_) => continue,
        }
        st.cue = Some((seg.tokens[noun + 1].start, ce));
    }
}

/// `Ankara has long said the route must stay open`: the tagger sometimes marks the subject of
/// the cue as a content piece. A piece that opens its sentence, is exactly one name (or a
/// pronoun), and ends where the cue begins, with more content after the cue, is who speaks: it
/// becomes the speaker, unless the statement already has one in that sentence.
fn subjects_are_speakers(ctx: &Context, found: &mut [FoundStatement]) {
    let seg = ctx.seg;
    for st in found.iter_mut() {
        let (Some((cs, _)), Some(&(ps, pe))) = (st.cue, st.content.first()) else {
            continue;
        };
        if st.content.len() < 2 || st.content[1].0 < cs {
            continue;
        }
        let (p0, p1) = ctx.tokens_of((ps, pe));
        let c0 = ctx.token_at(cs);
        let (sa, sb) = seg.sentences[ctx.sentence_of[p0]].tokens;
        if p0 != sa || p1 != c0 || c0 >= sb {
            continue;
        }
        // The piece is exactly one name mention: it begins one at `p0`, every later token
        // continues it, and the token after it (the cue) is not part of it.
        let (ty, begins) = ctx.ner[p0];
        let one_name = begins
            && ty != 0
            && (p0 + 1..p1).all(|i| ctx.ner[i] == (ty, false))
            && ctx.ner.get(p1).is_none_or(|&(t, b)| t == 0 || b);
        let pronoun = p1 == p0 + 1 && PRONOUNS.contains(&ctx.lower[p0].as_str());
        if !one_name && !pronoun {
            continue;
        }
        let has_own = st
            .speaker
            .is_some_and(|sp| sp.start >= seg.tokens[sa].start && sp.end <= seg.tokens[sb - 1].end);
        if has_own {
            continue;
        }
        st.speaker = Some(SpeakerRef {
            start: ps,
            end: pe,
            entity: None,
            kind: if pronoun {
                MentionKind::Pronoun
            } else {
                MentionKind::Name
            },
        });
        st.content.remove(0);
    }
}

/// Verbs that end a sentence's own attribution (`…, a source said.`, `…, said Ada Obi.`):
/// speech and report verbs only, since the pattern is taken without a tagger's word for it.
const TRAILING_CUES: &[&str] = &[
    "said",
    "says",
    "added",
    "adds",
    "noted",
    "notes",
    "explained",
    "explains",
    "argued",
    "argues",
    "wrote",
    "writes",
    "warned",
    "warns",
    "insisted",
    "insists",
    "claimed",
    "claims",
    "stated",
    "acknowledged",
    "recalled",
    "continued",
    "predicted",
    "predicts",
    "suggested",
    "announced",
    "reported",
    "reports",
    "confirmed",
    "believes",
    "believe",
    "thinks",
    "think",
    "concluded",
    "cautioned",
    "conceded",
    "admitted",
    "contended",
    "contends",
    "countered",
    "replied",
    "responded",
    "observed",
    "emphasized",
    "emphasised",
    "stressed",
    "asserted",
    "claim",
    "maintained",
    "estimated",
    "estimates",
    "alleged",
    "told",
    "tweeted",
    "say",
];

/// Words that may stand between a speaker and its trailing cue (`…, the firm has told the BBC.`);
/// they belong to the cue.
const AUXILIARIES: &[&str] = &["has", "have", "had", "also", "was", "were", "been", "is"];

/// Words that may follow a trailing cue before the sentence ends (`said on Friday`, `said in a
/// statement`, `told reporters`).
const CUE_TAIL_OPENERS: &[&str] = &[
    "on",
    "in",
    "at",
    "yesterday",
    "today",
    "tonight",
    "last",
    "this",
    "earlier",
    "late",
    "later",
    "during",
    "after",
    "before",
    "to",
    "from",
    "via",
    "through",
    "recently",
    "privately",
    "publicly",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Words that open a sentence as a conjunction or discourse adverb, which PolNeAR leaves out of
/// the content (`But the plan …`, `However, the plan …`).
const CONTENT_OPENERS_LEFT_OUT: &[&str] = &[
    "but",
    "and",
    "so",
    "yet",
    "still",
    "however",
    "meanwhile",
    "moreover",
    "indeed",
    "now",
    "also",
    "instead",
    "further",
    "furthermore",
    "nevertheless",
    "nonetheless",
    "separately",
];

/// Words that cannot open a speaker (`…, as he said.`, `…, which she said …`).
const NOT_SPEAKER_OPENERS: &[&str] = &[
    "and", "but", "which", "who", "that", "as", "so", "if", "when", "because", "or", "while",
    "although", "though", "what", "where", "than", "since", "unless", "until", "before", "after",
    "for", "with", "in", "on", "at", "to", "from", "by", "of", "then", "it", "this", "there",
];

/// `The port will reopen on Monday after the strike, the city's mayor said on Friday.`: a
/// sentence that ends in its own attribution is a statement, with the clause before the comma
/// as its content. The linear tagger misses many of these (it tags cues and contents a token at
/// a time, and the cue comes twenty words after the content opens); a statement is added when
/// no statement has taken the cue. On PolNeAR dev (whose trailing attributions the tagger mostly
/// finds) it adds 13, and overlap50 content F1 goes 71.83 → 72.01, quote+speaker 62.35 → 62.65
/// (accurate mode 79.09 → 79.12). On BBC business news (the shared unlabeled set) it adds
/// many more, mostly `…, analysts said.` and `…, the firm has told the BBC.` sentences the
/// tagger had left without a statement; we read those through to set the word lists.
fn trailing_attributions(ctx: &Context, found: &mut Vec<FoundStatement>) {
    const MAX_SPEAKER: usize = 7;
    const MAX_TAIL: usize = 6;
    const MIN_CONTENT: usize = 4;
    let seg = ctx.seg;
    let words = |i: usize| ctx.lower[i].chars().any(char::is_alphanumeric);
    let mut added = Vec::new();
    for &sentence in &seg.sentences {
        let (sa, sb) = sentence.tokens;
        let mut end = sb;
        while end > sa && !words(end - 1) {
            end -= 1;
        }
        if end < sa + MIN_CONTENT + 3 {
            continue;
        }
        // The cue verb, its speaker, and the comma that closes the content.
        let mut hit = None;
        for v in (end.saturating_sub(MAX_SPEAKER + MAX_TAIL + 1).max(sa + 1)..end).rev() {
            // A capitalised cue is a headline's (`Doctor Says …`), not a sentence's.
            let capitalised = ctx.text[seg.tokens[v].start..].starts_with(char::is_uppercase);
            if capitalised || !TRAILING_CUES.contains(&ctx.lower[v].as_str()) {
                continue;
            }
            let tail_ok = |from: usize, to: usize| {
                from == to
                    || to - from <= MAX_TAIL
                        && (ctx.lower[v] == "told"
                            || CUE_TAIL_OPENERS.contains(&ctx.lower[from].as_str()))
                        && (from..to).all(|i| words(i) || ctx.lower[i] == ".")
            };
            let speaker_ok = |a: usize, b: usize| {
                b > a
                    && b - a <= MAX_SPEAKER
                    && !NOT_SPEAKER_OPENERS.contains(&ctx.lower[a].as_str())
                    && (a..b).all(|i| words(i) || ctx.lower[i] == "." || ctx.lower[i] == "'s")
            };
            // `, <speaker> [has] said <tail>`; a passive (`a court has been told`) names the
            // hearer, not the speaker.
            let mut aux = v;
            while aux > sa + 1 && AUXILIARIES.contains(&ctx.lower[aux - 1].as_str()) {
                aux -= 1;
            }
            let passive = (aux..v).any(|i| BE.contains(&ctx.lower[i].as_str()));
            if let Some(c) = (sa..aux).rev().find(|&i| !words(i)) {
                if !passive && ctx.lower[c] == "," && speaker_ok(c + 1, aux) && tail_ok(v + 1, end)
                {
                    hit = Some((c, (c + 1, aux), (aux, v + 1)));
                    break;
                }
            }
            // `, said <speaker>` with an optional apposition (`, said Ada Obi, a pilot.`)
            if v > sa && ctx.lower[v - 1] == "," && ctx.lower[v] != "told" {
                let b = (v + 1..end).find(|&i| ctx.lower[i] == ",").unwrap_or(end);
                let verbless = (v + 1..b).all(|i| !is_cue_verb(&ctx.lower[i]));
                if speaker_ok(v + 1, b) && verbless {
                    hit = Some((v - 1, (v + 1, b), (v, v + 1)));
                    break;
                }
            }
        }
        let Some((comma, (s0, s1), verb)) = hit else {
            continue;
        };
        let cue = (seg.tokens[verb.0].start, seg.tokens[verb.1 - 1].end);
        let speaker = (seg.tokens[s0].start, seg.tokens[s1 - 1].end);
        let clause = (seg.tokens[sa].start, seg.tokens[comma].start);
        let touches = |x: (usize, usize), y: (usize, usize)| x.0 < y.1 && y.0 < x.1;
        let taken = found.iter().any(|st| {
            st.cue.is_some_and(|c| touches(c, cue))
                || st
                    .speaker
                    .is_some_and(|sp| touches((sp.start, sp.end), speaker))
                || st
                    .content
                    .iter()
                    .any(|&c| touches(c, speaker) || touches(c, cue))
        });
        // A quotation in the clause: the tagger's quote features know better.
        let straddled = ctx
            .quotes
            .iter()
            .any(|q| clause.0 <= q.close && q.open < clause.1);
        if taken || straddled {
            continue;
        }
        let mut first = sa;
        if CONTENT_OPENERS_LEFT_OUT.contains(&ctx.lower[first].as_str()) {
            first += 1;
            if ctx.lower[first] == "," {
                first += 1;
            }
        }
        if comma < first + MIN_CONTENT {
            continue;
        }
        let Some(content) = trim_content(ctx, (seg.tokens[first].start, clause.1)) else {
            continue;
        };
        let kind = ctx.speaker_kind(s0, s1);
        added.push(FoundStatement {
            kind: quotes::kind_of(ctx.text, &ctx.quotes, &[content]),
            content: vec![content],
            speaker: Some(SpeakerRef {
                start: speaker.0,
                end: speaker.1,
                entity: None,
                kind,
            }),
            cue: Some(cue),
        });
    }
    // What the tagger found inside an added content is mostly a verb it took for a cue
    // (`the harbour master decided to close the quay …, a source said.`); a nested statement
    // with a speech verb (`Ada had told the police that …, a source said.`) stays.
    let speech = |st: &FoundStatement| {
        st.cue.is_some_and(|(_, e)| {
            let last = ctx.token_at(e - 1);
            TRAILING_CUES.contains(&ctx.lower[last].as_str())
        })
    };
    found.retain(|st| {
        speech(st)
            || !added.iter().any(|a| {
                st.content
                    .iter()
                    .all(|&c| a.content[0].0 <= c.0 && c.1 <= a.content[0].1)
            })
    });
    found.extend(added);
    found.sort_by_key(|s| s.content[0].0);
}

/// Forms of `be` that make a passive with a participle (`were reported`).
const BE: &[&str] = &["is", "are", "was", "were", "been", "be", "being"];

/// `Impacts were reported across 29 locations, the air force said.`: a passive cue's subject is
/// what was reported, not who reports it. When the sentence ends in its own attribution (`,
/// the air force said.`), that is the statement: its speaker and cue, and the clause before
/// the comma as content.
fn prefer_trailing_attribution(ctx: &Context, found: &mut [FoundStatement]) {
    let seg = ctx.seg;
    for st in found.iter_mut() {
        let Some((cs, ce)) = st.cue else { continue };
        let (c0, c1) = ctx.tokens_of((cs, ce));
        let passive = c1 >= c0 + 2
            && BE.contains(&ctx.lower[c0].as_str())
            && (ctx.lower[c1 - 1].ends_with("ed") || ctx.lower[c1 - 1].ends_with("en"));
        if !passive {
            continue;
        }
        let (sa, sb) = seg.sentences[ctx.sentence_of[c0]].tokens;
        // `, <speaker of one to four words> <cue verb> .` at the sentence's end.
        let mut end = sb;
        while end > sa && matches!(ctx.lower[end - 1].as_str(), "." | "\"" | "'") {
            end -= 1;
        }
        if end < sa + 4 || !is_cue_verb(&ctx.lower[end - 1]) {
            continue;
        }
        let verb = end - 1;
        let Some(comma) = (sa..verb).rev().take(5).find(|&i| ctx.lower[i] == ",") else {
            continue;
        };
        if comma + 1 == verb || comma <= sa || comma < c1 {
            continue;
        }
        let speaker = (seg.tokens[comma + 1].start, seg.tokens[verb - 1].end);
        let kind = ctx.speaker_kind(comma + 1, verb);
        let Some(content) = trim_content(ctx, (seg.tokens[sa].start, seg.tokens[comma - 1].end))
        else {
            continue;
        };
        st.speaker = Some(SpeakerRef {
            start: speaker.0,
            end: speaker.1,
            entity: None,
            kind,
        });
        st.cue = Some((seg.tokens[verb].start, seg.tokens[verb].end));
        st.content = vec![content];
        st.kind = quotes::kind_of(ctx.text, &ctx.quotes, &st.content);
    }
}

/// Content pieces (token ranges) that share a cue (an index into the cues), if any.
type Group = (Option<usize>, Vec<(usize, usize)>);

/// Links content spans to cues and sources.
fn assemble(ctx: &Context, spans: &[(usize, usize, usize)]) -> Vec<FoundStatement> {
    let seg = ctx.seg;
    let para_of = |i: usize| seg.sentences[ctx.sentence_of[i]].paragraph;
    let cues: Vec<(usize, usize)> = spans
        .iter()
        .filter(|s| s.2 == CUE)
        .map(|s| (s.0, s.1))
        .collect();
    // A source is a phrase with a word in it: a stray comma tagged as one (as in `The ministry,
    // meanwhile, said`) would be nearer the cue than the real one.
    let has_word = |s: &&(usize, usize, usize)| {
        (s.0..s.1).any(|i| ctx.lower[i].chars().any(char::is_alphanumeric))
    };
    let sources: Vec<(usize, usize)> = spans
        .iter()
        .filter(|s| s.2 == SOURCE)
        .filter(has_word)
        .map(|s| (s.0, s.1))
        .collect();
    // Token distance between two ranges, with a penalty for crossing sentences.
    let dist = |x: (usize, usize), y: (usize, usize)| -> usize {
        let gap = y.0.saturating_sub(x.1).max(x.0.saturating_sub(y.1));
        let same_sentence = ctx.sentence_of[x.0] == ctx.sentence_of[y.0]
            || ctx.sentence_of[x.1 - 1] == ctx.sentence_of[y.0]
            || ctx.sentence_of[x.0] == ctx.sentence_of[y.1 - 1];
        gap + if same_sentence { 0 } else { 30 }
    };
    // Each content piece: its cue (index), if any within reach in the paragraph.
    let mut groups: Vec<Group> = Vec::new();
    for c in spans.iter().filter(|s| s.2 == CONTENT).map(|s| (s.0, s.1)) {
        // A content that opens with the complementizer (`said in a post to social media that
        // …`) is the complement of a verb before it, even when a later cue is nearer (`…,"
        // referring to …`).
        let complement = ctx.lower[c.0] == "that"
            || c.0 > 0 && ctx.lower[c.0 - 1] == "that"
            || medium_phrase_to_that(ctx, c, false).is_some();
        let before_ok = |q: &(usize, usize)| !complement || q.1 <= c.0;
        let cue = cues
            .iter()
            .enumerate()
            .filter(|(_, q)| para_of(q.0) == para_of(c.0))
            .filter(|(_, q)| before_ok(q))
            .min_by_key(|(_, q)| dist(c, **q))
            .filter(|(_, q)| dist(c, **q) < 45)
            .map(|(k, _)| k);
        match groups.iter_mut().find(|(g, _)| cue.is_some() && *g == cue) {
            Some((_, pieces)) => pieces.push(c),
            None => groups.push((cue, vec![c])),
        }
    }
    let byte = |r: (usize, usize)| (seg.tokens[r.0].start, seg.tokens[r.1 - 1].end);
    let mut out: Vec<FoundStatement> = Vec::new();
    for (cue, pieces) in groups {
        let anchor = cue.map(|k| cues[k]).unwrap_or(pieces[0]);
        let speaker = sources
            .iter()
            .filter(|s| para_of(s.0) == para_of(anchor.0))
            .filter(|s| !pieces.iter().any(|p| s.0 >= p.0 && s.1 <= p.1))
            .min_by_key(|s| dist(anchor, **s))
            .filter(|s| dist(anchor, **s) < if cue.is_some() { 40 } else { 8 })
            .map(|&(a, b)| {
                // A dash ends a speaker: in `according to the shippers' association -- and
                // slow repairs` what follows it is the sentence going on.
                let b = (a + 1..b).find(|&i| is_dash(&ctx.lower[i])).unwrap_or(b);
                let b = possessor_runs_on_to_its_noun(ctx, b, &pieces);
                let s = (a, b);
                let (start, end) = byte(s);
                let kind = ctx.speaker_kind(s.0, s.1);
                SpeakerRef {
                    start,
                    end,
                    entity: None,
                    kind,
                }
            });
        let content: Vec<(usize, usize)> = pieces
            .iter()
            .filter_map(|&p| trim_content(ctx, byte(p)))
            .collect();
        if content.is_empty() {
            continue;
        }
        let kind = quotes::kind_of(ctx.text, &ctx.quotes, &content);
        out.push(FoundStatement {
            kind,
            content,
            speaker,
            cue: cue.map(|k| byte(cues[k])),
        });
    }
    out.sort_by_key(|s| s.content[0].0);
    out
}

/// Content pieces are reported without surrounding quotation marks, edge punctuation or the
/// complementizer `that`; a piece that was nothing but quotes and punctuation is dropped.
fn trim_content(ctx: &Context, (mut s, mut e): (usize, usize)) -> Option<(usize, usize)> {
    let text = ctx.text;
    let is_edge = |c: char| {
        c.is_whitespace()
            || quotes::is_double_mark(c)
            || matches!(c, '`' | ',' | ';' | ':' | '-' | '\u{2014}' | '\u{2013}')
    };
    let quoted_direct = {
        // A piece that opens with a quotation mark and closes one keeps its inner punctuation.
        let t = &text[s..e];
        t.starts_with(['"', '\u{201C}', '\u{AB}']) || t.starts_with("``")
    };
    // `"steady progress" at every berth`: a leading quotation mark closed inside the piece is
    // part of the content (stripping it would leave the closing one unbalanced).
    let is_quote = quotes::is_double_mark;
    let closed_inside = |s: usize| {
        let t = text[s..e].trim_end_matches(|c: char| c.is_whitespace() || ".,;:".contains(c));
        let mut inner = t.chars().skip(1);
        !t.ends_with(is_quote) && inner.any(is_quote)
    };
    while s < e {
        let c = text[s..].chars().next()?;
        if is_quote(c) && closed_inside(s) {
            break;
        }
        if is_edge(c) || c == '\'' && text[s..e].starts_with("''") {
            s += c.len_utf8();
        } else {
            break;
        }
    }
    if text[s..e].to_lowercase().starts_with("that ") {
        s += 5;
    }
    // `to "keep the talks going,"`: likewise a closing quotation mark stays when
    // taking it away would leave the piece's quotation marks unbalanced.
    let opened_inside = |e: usize| {
        let n = text[s..e].chars().filter(|&c| is_quote(c)).count();
        n >= 2 && n % 2 == 0
    };
    while e > s {
        let c = text[..e].chars().next_back()?;
        if is_quote(c) && opened_inside(e) {
            break;
        }
        if is_edge(c) || (!quoted_direct && c == '.') || c == '\'' && text[s..e].ends_with("''") {
            e -= c.len_utf8();
        } else {
            break;
        }
    }
    (text[s..e].chars().filter(|c| c.is_alphanumeric()).count() >= 2).then_some((s, e))
}

/// Gold spans of a training document (byte offsets) → BILOU examples per paragraph.
pub fn examples(
    ctx: &Context,
    gold: &[(usize, usize, usize)],
) -> Vec<crate::analysis::ner::train::Example> {
    let tokens = &ctx.seg.tokens;
    let mut out = Vec::new();
    for p in paragraphs(ctx.seg) {
        let n = p.last - p.first;
        let mut taken = vec![false; n];
        let mut spans = Vec::new();
        // Cues and sources first: they are short and content must not swallow them.
        let mut ordered: Vec<&(usize, usize, usize)> = gold.iter().collect();
        ordered.sort_by_key(|g| (g.2 == CONTENT, g.0));
        for &&(s, e, c) in &ordered {
            let first = tokens.partition_point(|t| t.end <= s);
            let mut last = first;
            while last < tokens.len() && tokens[last].start < e {
                last += 1;
            }
            if first < p.first || last > p.last || first >= last {
                continue;
            }
            let (a, b) = (first - p.first, last - p.first);
            if taken[a..b].iter().any(|x| *x) {
                continue;
            }
            taken[a..b].iter_mut().for_each(|x| *x = true);
            spans.push((a, b, c));
        }
        spans.sort_unstable();
        let feats = ctx.features(p);
        out.push(crate::analysis::ner::train::Example {
            features: (0..n).map(|k| feats.of(k).to_vec()).collect(),
            gold: model::tags_from_spans(n, &spans),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::segment;

    /// Byte span of the `n`-th occurrence (from 0) of `needle` in `text`.
    fn nth(text: &str, needle: &str, n: usize) -> (usize, usize) {
        let s = text
            .match_indices(needle)
            .nth(n)
            .map(|(i, _)| i)
            .unwrap_or(0);
        (s, s + needle.len())
    }

    #[test]
    fn cue_words_are_words_often_inside_gold_cues() {
        // `endorsed` is part of a cue in four of its five uses; `mayor` is inside one cue only;
        // `the` in none. One cue span given twice (two contents share it) counts once.
        let text = "The mayor endorsed the plan. The union endorsed the mayor. \
                    The council endorsed the budget. The board endorsed the school. \
                    The mayor's aide endorsed it.";
        let seg = segment::segment(text);
        let cues = vec![
            nth(text, "endorsed", 0),
            nth(text, "endorsed", 0),
            nth(text, "endorsed", 1),
            nth(text, "endorsed", 2),
            nth(text, "mayor's aide endorsed", 0),
        ];
        let words = learn_cue_words([(text, &seg, cues)]);
        // `endorsed` is in 4 distinct cues out of 5 uses.
        assert_eq!(words.get("endorsed").copied(), Some(0.8));
        // `mayor` is in one cue only (below the count threshold), `the` in none.
        assert!(!words.contains_key("mayor"));
        assert!(!words.contains_key("the"));
    }
}
