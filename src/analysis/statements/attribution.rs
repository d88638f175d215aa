//! Attribution: cues, speakers and contents, found over the tokens of each sentence.

use super::quotes;
use crate::analysis::annotation::{EntityType, MentionKind, StatementKind};
use crate::analysis::entities::EntityGroup;
use crate::analysis::segment::Segmentation;

/// A statement in byte offsets; `entity` indexes the entity list it was extracted against.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundStatement {
    pub kind: StatementKind,
    pub content: Vec<(usize, usize)>,
    pub speaker: Option<SpeakerRef>,
    pub cue: Option<(usize, usize)>,
}

impl FoundStatement {
    /// Every byte span the statement holds: its content pieces, its speaker and its cue.
    pub fn spans(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let speaker = self.speaker.map(|sp| (sp.start, sp.end));
        self.content.iter().copied().chain(speaker).chain(self.cue)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpeakerRef {
    pub start: usize,
    pub end: usize,
    pub entity: Option<usize>,
    pub kind: MentionKind,
}

/// What an organization or person issues (`Kyiv's reporting`, `the ministry's statement`).
const REPORT_NOUNS: &[&str] = &[
    "reporting",
    "report",
    "reports",
    "statement",
    "statements",
    "figures",
    "data",
    "estimate",
    "estimates",
    "account",
    "tally",
    "count",
    "assessment",
    "readout",
    "claims",
];

/// Who act for a person or body (`Governor Reyes and his aides`), so that a speaker coordinated
/// with its own circle is still that person or body.
const ENTOURAGE: &[&str] = &[
    "government",
    "administration",
    "team",
    "aides",
    "allies",
    "advisers",
    "advisors",
    "cabinet",
    "party",
    "campaign",
    "staff",
    "family",
    "supporters",
    "lawyers",
    "officials",
];

/// Whether a lower-cased word is one of [`CUE_VERBS`]: a set lookup, since every token of every
/// document asks (a scan of the list showed in profiles).
pub(super) fn is_cue_verb(word: &str) -> bool {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| CUE_VERBS.iter().copied().collect())
        .contains(word)
}

/// Reporting verbs: speech, writing, and the attitudes PolNeAR-style attribution covers.
pub(super) const CUE_VERBS: &[&str] = &[
    "said",
    "says",
    "say",
    "saying",
    "told",
    "tells",
    "tell",
    "added",
    "adds",
    "add",
    "stated",
    "states",
    "wrote",
    "writes",
    "write",
    "warned",
    "warns",
    "warn",
    "claimed",
    "claims",
    "claim",
    "claiming",
    "denied",
    "denies",
    "deny",
    "insisted",
    "insists",
    "argued",
    "argues",
    "argue",
    "noted",
    "notes",
    "explained",
    "explains",
    "announced",
    "announces",
    "acknowledged",
    "acknowledges",
    "asserted",
    "asserts",
    "suggested",
    "suggests",
    "believes",
    "believed",
    "believe",
    "thinks",
    "thought",
    "think",
    "reported",
    "reports",
    "tweeted",
    "tweets",
    "posted",
    "declared",
    "declares",
    "maintained",
    "maintains",
    "predicted",
    "predicts",
    "promised",
    "promises",
    "vowed",
    "vows",
    "pledged",
    "urged",
    "urges",
    "asked",
    "asks",
    "replied",
    "responded",
    "countered",
    "conceded",
    "concedes",
    "admitted",
    "admits",
    "confirmed",
    "confirms",
    "estimated",
    "estimates",
    "concluded",
    "recalled",
    "testified",
    "alleged",
    "alleges",
    "contended",
    "contends",
    "complained",
    "complains",
    "cautioned",
    "indicated",
    "emphasized",
    "emphasised",
    "stressed",
    "agreed",
    "hopes",
    "hoped",
    "expects",
    "expected",
    "fears",
    "feared",
    "worries",
    "worried",
    "charged",
    "charges",
    "accused",
    "accuses",
    "blasted",
    "criticized",
    "criticised",
    "praised",
    "proclaimed",
    "boasted",
    "bragged",
    "joked",
    "quipped",
    "mused",
    "speculated",
    "revealed",
    "reveals",
    "disclosed",
    "showed",
    "shows",
    "found",
    "finds",
    "learned",
    "knows",
    "knew",
    "contend",
    "understands",
    "feels",
    "felt",
    "wants",
    "wanted",
    "want",
    "demanded",
    "demands",
    "called",
    "calls",
    "described",
    "describes",
    "questioned",
    "doubted",
    "doubts",
    "acknowledge",
    "recommended",
    "proposed",
    "signaled",
    "signalled",
    "hinted",
    "implied",
    "observed",
    "remarked",
    "commented",
    "reiterated",
    "repeated",
    "assured",
    "informed",
    "advised",
    "reminded",
    "pointed",
    "mentioned",
    "suspects",
    "suspected",
    "assumed",
    "guessed",
    "decided",
    "wondered",
    "agree",
    "agrees",
    "insist",
    "deny",
    "note",
    "argue",
    "warn",
    "believe",
    "told",
];

pub(super) const PRONOUNS: &[&str] = &["he", "she", "they", "it", "we", "i", "you"];

/// Words that end a backward scan for a speaker noun phrase.
const NP_STOP: &[&str] = &[
    "that",
    "and",
    "but",
    "which",
    "who",
    "whom",
    "whose",
    "of",
    "in",
    "on",
    "to",
    "for",
    "with",
    "as",
    "at",
    "by",
    "from",
    "is",
    "was",
    "were",
    "are",
    "be",
    "been",
    "has",
    "have",
    "had",
    "will",
    "would",
    "could",
    "should",
    "can",
    "may",
    "might",
    "if",
    "when",
    "while",
    "because",
    "after",
    "before",
    "than",
    "then",
    "so",
    "or",
    "not",
    "also",
    "about",
    "into",
    "over",
    "did",
    "does",
    "do",
    "this",
    "what",
    "where",
    "how",
    "why",
    "there",
    "here",
    "said",
    "says",
    "according",
    "just",
    "even",
    "still",
    "now",
    "only",
    "once",
    "n't",
    "not",
];

/// Auxiliaries and adverbs that may sit between a speaker and the cue (`has long said`).
const BETWEEN: &[&str] = &[
    "has",
    "have",
    "had",
    "also",
    "long",
    "previously",
    "later",
    "then",
    "again",
    "repeatedly",
    "would",
    "will",
    "could",
    "did",
    "does",
    "reportedly",
    "recently",
    "once",
    "often",
    "publicly",
    "privately",
    "later",
    "earlier",
    "further",
    "already",
    "has",
    "'s",
    "\u{2019}s",
    "never",
    "always",
    "first",
    "separately",
    "both",
    "all",
    "initially",
    "quickly",
    "immediately",
    "subsequently",
    "explicitly",
    "specifically",
    "clearly",
    "openly",
];

const DETERMINERS: &[&str] = &[
    "the", "a", "an", "his", "her", "their", "its", "our", "my", "your", "another", "some", "two",
    "three", "several", "many", "other", "both",
];

/// The analysed document as the rules see it.
pub(super) struct Doc<'a> {
    text: &'a str,
    seg: &'a Segmentation,
    entities: &'a [EntityGroup],
    /// Each token lower-cased.
    lower: Vec<String>,
    /// For each token, the name mention covering it: (entity, first token, last token).
    mention_of: Vec<Option<(usize, usize, usize)>>,
}

impl<'a> Doc<'a> {
    pub(super) fn new(text: &'a str, seg: &'a Segmentation, entities: &'a [EntityGroup]) -> Self {
        let mut mention_of = vec![None; seg.tokens.len()];
        for (e, g) in entities.iter().enumerate() {
            for m in g.mentions.iter().filter(|m| m.kind == MentionKind::Name) {
                let first = seg.tokens.partition_point(|x| x.end <= m.start);
                let last = seg.tokens.partition_point(|x| x.start < m.end);
                for slot in &mut mention_of[first..last] {
                    if slot.is_none() {
                        *slot = Some((e, first, last));
                    }
                }
            }
        }
        Doc {
            text,
            seg,
            entities,
            lower: seg
                .tokens
                .iter()
                .map(|t| text[t.start..t.end].to_lowercase())
                .collect(),
            mention_of,
        }
    }

    fn tok(&self, i: usize) -> &'a str {
        let t = self.seg.tokens[i];
        &self.text[t.start..t.end]
    }
    fn is_cue(&self, i: usize) -> bool {
        is_cue_verb(&self.lower[i])
    }
    fn is_punct(&self, i: usize) -> bool {
        !self.tok(i).chars().any(char::is_alphanumeric)
    }
    fn is_quote(&self, i: usize) -> bool {
        matches!(
            self.tok(i),
            "\"" | "\u{201C}" | "\u{201D}" | "''" | "``" | "\u{AB}" | "\u{BB}"
        )
    }
    /// The entity mention covering token `i`: (entity, mention start token, end token).
    fn mention_at(&self, i: usize) -> Option<(usize, usize, usize)> {
        self.mention_of.get(i).copied().flatten()
    }
}

/// A speaker found by the rules: token range and the entity it names directly, if any.
#[derive(Clone, Copy, Debug)]
struct Found {
    first: usize,
    last: usize,
    entity: Option<usize>,
}

/// Scans back from token `i` (inclusive) for the speaker noun phrase ending there.
fn speaker_ending_at(doc: &Doc, i: usize, floor: usize) -> Option<Found> {
    if i < floor || doc.is_punct(i) && doc.lower[i] != "'s" {
        return None;
    }
    if PRONOUNS.contains(&doc.lower[i].as_str()) {
        return Some(Found {
            first: i,
            last: i + 1,
            entity: None,
        });
    }
    if let Some((e, first, last)) = doc.mention_at(i) {
        if last == i + 1 && first >= floor {
            // Extend over a possessive head (`Ukraine's air force`) is handled below; a bare
            // name is its own speaker.
            return Some(Found {
                first,
                last,
                entity: Some(e),
            });
        }
    }
    // A common noun phrase: back over words up to a determiner, a name or 6 words.
    let mut j = i;
    let mut words = 0;
    loop {
        let w = doc.lower[j].as_str();
        if NP_STOP.contains(&w) || doc.is_punct(j) && w != "'s" && w != "\u{2019}s" {
            j += 1;
            break;
        }
        words += 1;
        if DETERMINERS.contains(&w) {
            break;
        }
        if let Some((_, first, _)) = doc.mention_at(j) {
            if first >= floor {
                j = first;
                break;
            }
        }
        if j == floor || words >= 6 {
            break;
        }
        j -= 1;
    }
    if j > i {
        return None;
    }
    // A bare lower-case word is a speaker only when plural or a known collective noun
    // (`officials`, `sources`); a capitalised first word (`State Department`) is fine.
    let first_word = doc.tok(j);
    let starts_ok = DETERMINERS.contains(&doc.lower[j].as_str())
        || first_word.chars().next().is_some_and(char::is_uppercase)
        || (j == i && doc.lower[i].ends_with('s') && doc.lower[i].len() > 3);
    if !starts_ok {
        return None;
    }
    Some(Found {
        first: j,
        last: i + 1,
        entity: None,
    })
}

/// Scans forward from token `i` for a speaker noun phrase starting there (inverted order:
/// `said the spokesperson`, `according to officials`).
fn speaker_starting_at(doc: &Doc, i: usize, ceil: usize) -> Option<Found> {
    if i >= ceil || doc.is_punct(i) {
        return None;
    }
    if PRONOUNS.contains(&doc.lower[i].as_str()) {
        return Some(Found {
            first: i,
            last: i + 1,
            entity: None,
        });
    }
    let mut j = i;
    while j < ceil && j < i + 8 {
        let w = doc.lower[j].as_str();
        if doc.is_punct(j) && w != "'s" || (j > i && NP_STOP.contains(&w)) {
            break;
        }
        j += 1;
    }
    if j == i {
        return None;
    }
    let entity = (i..j).find_map(|k| doc.mention_at(k).map(|m| m.0));
    let first_ok = DETERMINERS.contains(&doc.lower[i].as_str())
        || doc.tok(i).chars().next().is_some_and(char::is_uppercase);
    first_ok.then_some(Found {
        first: i,
        last: j,
        entity,
    })
}

/// The speaker before cue token `c`: skipping auxiliaries, then an apposition set off by
/// commas (`Rustem Umerov, the secretary of …, said`).
fn speaker_before(doc: &Doc, c: usize, floor: usize) -> Option<Found> {
    let mut i = c;
    while i > floor && BETWEEN.contains(&doc.lower[i - 1].as_str()) {
        i -= 1;
    }
    if i == floor {
        return None;
    }
    if doc.tok(i - 1) == "," {
        // Apposition: a name followed by `, …,` right before the cue.
        let mut k = i - 1;
        while k > floor && k + 20 > i {
            k -= 1;
            if doc.tok(k) == "," {
                if k > floor {
                    if let Some(f) = speaker_ending_at(doc, k - 1, floor) {
                        if f.entity.is_some() {
                            return Some(f);
                        }
                    }
                }
                break;
            }
        }
        return None;
    }
    speaker_ending_at(doc, i - 1, floor)
}

/// Multi-token cues starting at `i`: `according to`, `told reporters`; returns the cue's end.
fn cue_extent(doc: &Doc, i: usize, end: usize) -> usize {
    if i + 1 < end && doc.lower[i] == "told" && doc.lower[i + 1] == "reporters" {
        return i + 2;
    }
    i + 1
}

/// Trims a token range to a content byte span: no leading `that` / `:` / `,`, no trailing
/// sentence punctuation.
fn content_span(doc: &Doc, mut a: usize, mut b: usize) -> Option<(usize, usize)> {
    while a < b && (matches!(doc.lower[a].as_str(), "that" | ":" | "," | "--" | "-")) {
        a += 1;
    }
    while b > a && matches!(doc.tok(b - 1), "." | "," | ";" | ":" | "--" | "-") {
        b -= 1;
    }
    if b <= a || (a..b).filter(|&k| !doc.is_punct(k)).count() < 2 {
        return None;
    }
    Some((doc.seg.tokens[a].start, doc.seg.tokens[b - 1].end))
}

/// Extracts the statements of a document.
pub fn extract(text: &str, seg: &Segmentation, entities: &[EntityGroup]) -> Vec<FoundStatement> {
    let doc = Doc::new(text, seg, entities);
    let quotes = quotes::find(text, &seg.paragraphs);
    let mut out: Vec<(FoundStatement, usize)> = Vec::new(); // with the sentence index
    let mut used_quote = vec![false; quotes.len()];

    // 1. Attribution per sentence.
    for (si, s) in seg.sentences.iter().enumerate() {
        let (a, b) = s.tokens;
        let mut k = a;
        while k < b {
            let found = attribute(&doc, k, a, b);
            let Some((cue, speaker, pieces)) = found else {
                k += 1;
                continue;
            };
            let content: Vec<(usize, usize)> = pieces
                .iter()
                .filter_map(|&(x, y)| content_span(&doc, x, y))
                .collect();
            k = cue.1.max(k + 1);
            if content.is_empty() {
                continue;
            }
            // Content pieces that are exactly quotes are reported inside the marks.
            let content: Vec<(usize, usize)> = content
                .into_iter()
                .map(|(cs, ce)| {
                    quotes
                        .iter()
                        .position(|q| q.open == cs && (q.close == ce || q.close + 1 >= ce))
                        .map_or((cs, ce), |qi| (quotes[qi].start, quotes[qi].end))
                })
                .collect();
            for (qi, q) in quotes.iter().enumerate() {
                if content.iter().any(|&(cs, ce)| cs <= q.start && q.end <= ce) {
                    used_quote[qi] = true;
                }
            }
            let kind = quotes::kind_of(text, &quotes, &content);
            let cue_span = (seg.tokens[cue.0].start, seg.tokens[cue.1 - 1].end);
            out.push((
                FoundStatement {
                    kind,
                    content,
                    speaker: speaker.map(|f| SpeakerRef {
                        start: seg.tokens[f.first].start,
                        end: seg.tokens[f.last - 1].end,
                        entity: f.entity,
                        kind: if f.last == f.first + 1
                            && PRONOUNS.contains(&doc.lower[f.first].as_str())
                        {
                            MentionKind::Pronoun
                        } else if f.entity.is_some() {
                            MentionKind::Name
                        } else {
                            MentionKind::Nominal
                        },
                    }),
                    cue: Some(cue_span),
                },
                si,
            ));
        }
    }

    // 2. Quotes that span sentences (`"A. B," he said.`): the quote is the content when its
    // close is followed by the attribution found in the sentence where it closes.
    for (qi, q) in quotes.iter().enumerate() {
        if used_quote[qi] {
            continue;
        }
        let si = seg.sentence_at(q.start);
        if si >= seg.sentences.len() {
            continue;
        }
        // Look for a statement whose content starts in the quote and whose cue follows it.
        if let Some((st, _)) = out.iter_mut().find(|(st, _)| {
            st.cue.is_some_and(|c| c.0 >= q.end && c.0 <= q.close + 40)
                && st
                    .content
                    .first()
                    .is_some_and(|c| c.0 >= q.start && c.1 <= q.close)
        }) {
            st.content[0] = (q.start, q.end);
            st.kind = StatementKind::Direct;
            used_quote[qi] = true;
            continue;
        }
    }

    // 3. Quotes with no cue of their own continue the previous speaker when they follow
    // closely (same or next paragraph), as in `"…," he said. "…"`.
    for (qi, q) in quotes.iter().enumerate() {
        if used_quote[qi] || text[q.start..q.end].split_whitespace().count() < 4 {
            continue;
        }
        let si = seg.sentence_at(q.start);
        let prev = out
            .iter()
            .filter(|(st, _)| st.content.last().is_some_and(|c| c.1 <= q.open))
            .max_by_key(|(st, _)| st.content.last().map(|c| c.1));
        let Some((p, psi)) = prev else { continue };
        let Some(sp) = p.speaker else { continue };
        let pe = p.content.last().map_or(0, |c| c.1);
        if !may_continue_speaker(text, seg, q.start, pe, *psi) {
            continue;
        }
        let st = FoundStatement {
            kind: StatementKind::Direct,
            content: vec![(q.start, q.end)],
            speaker: Some(sp),
            cue: None,
        };
        used_quote[qi] = true;
        out.push((st, si));
    }

    out.sort_by_key(|(st, _)| st.content.first().map(|c| c.0));
    let mut statements: Vec<FoundStatement> = out.into_iter().map(|(s, _)| s).collect();
    link_speakers(&doc, &mut statements);
    statements
}

/// Whether a quote whose content starts at byte `start` may carry on the speaker of a statement
/// that ended at byte `previous_end`, in sentence `previous_sentence`: the quote opens its
/// sentence (nothing before it there but its opening mark), in the same paragraph as that
/// statement or the next, at most three sentences on. The quotation-mark rules and the learned
/// taggers' statements (`statements::continue_previous_speakers`) hand speakers on under this
/// one test.
pub(crate) fn may_continue_speaker(
    text: &str,
    seg: &Segmentation,
    start: usize,
    previous_end: usize,
    previous_sentence: usize,
) -> bool {
    let si = seg.sentence_at(start);
    let Some(sentence) = seg.sentences.get(si) else {
        return false;
    };
    let before = text.get(sentence.start..start).unwrap_or("");
    before.chars().filter(|c| !c.is_whitespace()).count() <= 1
        && seg.paragraph_at(start) <= seg.paragraph_at(previous_end) + 1
        && si <= previous_sentence + 3
}

/// Tries an attribution whose cue starts at token `k` of the sentence `a..b`.
/// Returns (cue token range, speaker, content token ranges).
#[allow(clippy::type_complexity)]
fn attribute(
    doc: &Doc,
    k: usize,
    a: usize,
    b: usize,
) -> Option<((usize, usize), Option<Found>, Vec<(usize, usize)>)> {
    // `according to X, C` / `C, according to X`.
    if doc.lower[k] == "according" && k + 1 < b && doc.lower[k + 1] == "to" {
        let speaker = speaker_starting_at(doc, k + 2, b)?;
        let cue = (k, k + 2);
        let pieces = if k == a || (k == a + 1 && doc.is_punct(a)) {
            vec![(speaker.last, b)]
        } else {
            let mut p = vec![(a, k)];
            if speaker.last + 1 < b {
                p.push((speaker.last, b));
            }
            p
        };
        return Some((cue, Some(speaker), pieces));
    }
    if !doc.is_cue(k) {
        return None;
    }
    let cue_end = cue_extent(doc, k, b);
    let cue = (k, cue_end);
    // Speaker before the cue.
    if let Some(sp) = speaker_before(doc, k, a) {
        // What follows the cue: content, or (at the end of the sentence) nothing but a time or
        // place phrase, in which case the content precedes the speaker.
        let rest_words = (cue_end..b).filter(|&i| !doc.is_punct(i)).count();
        // The content ends at the comma (or the closing quote after it) before the speaker.
        let clause_start = (sp.first > a
            && (doc.tok(sp.first - 1) == ","
                || sp.first > a + 1 && doc.is_quote(sp.first - 1) && doc.tok(sp.first - 2) == ","))
            .then(|| sp.first - 1);
        if let Some(cs) = clause_start {
            // `C, X said.` or `C1, X said, C2.` (the attribution interrupts the content).
            let mut pieces = vec![(a, cs)];
            if rest_words >= 2 && cue_end < b && matches!(doc.tok(cue_end), ",") {
                pieces.push((cue_end + 1, b));
            }
            if rest_words <= 4 || pieces.len() == 2 {
                return Some((cue, Some(sp), pieces));
            }
        }
        if rest_words >= 2 && sp.first <= a + 12 {
            let mut start = cue_end;
            // `told X that …`, `said on Friday that …`: skip to a nearby `that`.
            if let Some(t) = (cue_end..b.min(cue_end + 8)).find(|&i| doc.lower[i] == "that") {
                if (cue_end..t).all(|i| !doc.is_cue(i) && !doc.is_quote(i)) {
                    start = t + 1;
                }
            } else if doc.lower[k] == "told" || doc.lower[k] == "tells" {
                // `told Reuters …` without `that`: skip the addressee.
                if let Some(f) = speaker_starting_at(doc, cue_end, b) {
                    start = f.last;
                }
            }
            return Some((cue, Some(sp), vec![(start, b)]));
        }
        return None;
    }
    // Inverted: `C, said X.` / `"…," said the spokesperson.`
    if k > a && (doc.tok(k - 1) == "," || doc.is_quote(k - 1)) {
        let sp = speaker_starting_at(doc, cue_end, b)?;
        let mut end = k - 1;
        if doc.is_quote(end) && end > a && doc.tok(end - 1) == "," {
            end -= 1;
        }
        return Some((
            cue,
            Some(sp),
            vec![(a, end + usize::from(doc.is_quote(k - 1)))],
        ));
    }
    None
}

/// Links speakers to entities: names by their mention; pronouns `he`/`she` to the most
/// recent person named in the same or the two previous sentences when exactly one person is
/// named there, or the previous statement's speaker when it was that person; nominals
/// (`the ministry`) to the one entity whose name ends with the same head word.
/// Links speakers found by the learned tagger: names by the mention at their head word, then
/// pronouns and nominals as [`link_speakers`] does.
pub(super) fn link(
    text: &str,
    seg: &Segmentation,
    entities: &[EntityGroup],
    statements: &mut [FoundStatement],
) {
    let doc = Doc::new(text, seg, entities);
    for st in statements.iter_mut() {
        let Some(sp) = st.speaker.as_mut() else {
            continue;
        };
        // The speaker is reported as written, apposition included (`Council member James
        // Okafor, who voted against the plan`), without edge punctuation.
        let first = seg.tokens.partition_point(|t| t.end <= sp.start);
        let mut last = seg.tokens.partition_point(|t| t.start < sp.end);
        // `Council member James Okafor, who voted against the plan, warned`: a speaker phrase
        // opening with a relative pronoun is as written (PolNeAR's sources are mostly the
        // pronoun itself) but stands for the name before its comma.
        let antecedent = (first >= 2
            && first < last
            && matches!(doc.lower[first].as_str(), "who" | "which")
            && doc.tok(first - 1) == ",")
            .then(|| doc.mention_at(first - 2))
            .flatten();
        while last > first + 1 && doc.is_punct(last - 1) && doc.lower[last - 1] != "'s" {
            last -= 1;
        }
        if last <= first {
            continue;
        }
        sp.start = seg.tokens[first].start;
        sp.end = seg.tokens[last - 1].end;
        if let Some((e, _, _)) = antecedent {
            sp.entity = Some(e);
            sp.kind = MentionKind::Pronoun;
            continue;
        }
        // The entity: the name at the phrase's head, or the name that ends the part before
        // an apposition's comma; `Ukraine's air force` is not Ukraine.
        let comma = (first + 1..last).find(|&i| doc.tok(i) == ",");
        let head = comma.unwrap_or(last) - 1;
        // `Kyiv's reporting`, `the ministry's public statements`, `the State Department
        // statement`: a report is its author's voice, so the speaker is the possessor or the
        // name right before the noun.
        let author = (REPORT_NOUNS.contains(&doc.lower[head].as_str()) && head > first)
            .then(|| {
                doc.mention_at(head - 1).or_else(|| {
                    (head.saturating_sub(3).max(first)..head)
                        .rev()
                        .find(|&i| doc.lower[i] == "'s" && i > first)
                        .and_then(|i| doc.mention_at(i - 1))
                })
            })
            .flatten();
        if let Some((e, _, _)) = author {
            sp.entity = Some(e);
            continue;
        }
        // `Marta Kowal, the secretary of the Fisheries and Ports Council`: an apposition
        // opening with a determiner describes the name before the comma.
        let describes_head = comma.is_some_and(|c| {
            matches!(
                doc.lower.get(c + 1).map(String::as_str),
                Some("the" | "a" | "an" | "its" | "his" | "her" | "their")
            )
        });
        // `Governor Reyes and his aides`: a name with its own circle is spoken for by the name;
        // `own_circle` is where the `and` stands.
        let own_circle = (first + 1..last.saturating_sub(2)).find(|&i| {
            doc.lower[i] == "and"
                && matches!(doc.lower[i + 1].as_str(), "his" | "her" | "its" | "their")
                && last - i <= 4
                && ENTOURAGE.contains(&doc.lower[last - 1].as_str())
                && doc.mention_at(i - 1).is_some_and(|(_, _, end)| end == i)
        });
        let named = if let Some(and) = own_circle {
            doc.mention_at(and - 1)
        } else if describes_head {
            doc.mention_at(head).or_else(|| doc.mention_at(last - 1))
        } else {
            doc.mention_at(last - 1).or_else(|| doc.mention_at(head))
        };
        if let Some((e, mf, ml)) = named {
            // `Farmers' groups in Lublin`: a place after a locative preposition says where the
            // speaker is, not who.
            let locative = mf > first
                && matches!(
                    doc.lower[mf - 1].as_str(),
                    "in" | "from" | "near" | "across" | "outside" | "inside" | "around"
                );
            // `Poland and Ukraine agree`: a coordinated speaker is more than one entity.
            // (An `and` inside a describing apposition coordinates nothing of the speaker's.)
            let scope = if describes_head {
                comma.unwrap_or(last)
            } else {
                last
            };
            let coordinated = (first..scope.min(own_circle.unwrap_or(scope)))
                .any(|i| (i < mf || i >= ml) && matches!(doc.lower[i].as_str(), "and" | "&"));
            if locative || coordinated {
                continue;
            }
            sp.entity = Some(e);
            if mf == first && ml == last {
                sp.kind = MentionKind::Name;
            }
        }
    }
    link_speakers(&doc, statements);
}

pub(super) fn link_speakers(doc: &Doc, statements: &mut [FoundStatement]) {
    let mut last_person: Option<(usize, usize)> = None; // (entity, sentence)
                                                        // Who last issued a document (`said in a statement`, `the State Department statement`),
                                                        // for `The statement said …` further on.
    let mut last_issuer: Option<(usize, usize)> = None; // (entity, sentence)
    const DOCUMENTS: &[&str] = &["statement", "readout", "release", "communique", "post"];
    let names_document = |s: usize, e: usize| {
        doc.text[s..e]
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| DOCUMENTS.contains(&w))
    };
    for st in statements.iter_mut() {
        let Some(sp) = st.speaker.as_mut() else {
            continue;
        };
        if let Some(e) = sp.entity {
            let cue_names = st.cue.is_some_and(|(s, e)| names_document(s, e));
            if cue_names || names_document(sp.start, sp.end) {
                last_issuer = Some((e, doc.seg.sentence_at(sp.start)));
            }
        }
        if sp.entity.is_some() {
            if doc.entities[sp.entity.unwrap_or(0)].entity_type == EntityType::Person {
                last_person = sp.entity.map(|e| (e, doc.seg.sentence_at(sp.start)));
            }
            continue;
        }
        let word = doc.text[sp.start..sp.end].to_lowercase();
        let si = doc.seg.sentence_at(sp.start);
        match word.as_str() {
            "he" | "she" => {
                // People named in this and the two previous sentences, before the pronoun.
                let lo = doc
                    .seg
                    .sentences
                    .get(si.saturating_sub(2))
                    .map_or(0, |s| s.start);
                let mut named: Vec<(usize, usize)> = Vec::new();
                for (e, g) in doc.entities.iter().enumerate() {
                    if g.entity_type != EntityType::Person {
                        continue;
                    }
                    if let Some(m) = g
                        .mentions
                        .iter()
                        .filter(|m| m.start >= lo && m.end <= sp.start)
                        .max_by_key(|m| m.start)
                    {
                        named.push((e, m.start));
                    }
                }
                sp.entity = match named.len() {
                    1 => Some(named[0].0),
                    0 => last_person.filter(|(_, s)| si <= s + 3).map(|(e, _)| e),
                    _ => last_person
                        .filter(|(e, _)| named.iter().any(|(n, _)| n == e))
                        .map(|(e, _)| e),
                };
                sp.kind = MentionKind::Pronoun;
                if let Some(e) = sp.entity {
                    last_person = Some((e, si));
                }
            }
            _ if sp.kind == MentionKind::Nominal => {
                let head = word.split_whitespace().last().unwrap_or("").to_string();
                let fits: Vec<usize> = doc
                    .entities
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| {
                        g.entity_type != EntityType::Location
                            && g.mentions.iter().any(|m| m.start < sp.start)
                            && g.name.to_lowercase().split_whitespace().last()
                                == Some(head.as_str())
                    })
                    .map(|(e, _)| e)
                    .collect();
                if fits.len() == 1 {
                    sp.entity = Some(fits[0]);
                } else if fits.is_empty() && DOCUMENTS.contains(&head.as_str()) {
                    // `The statement said`: the document last issued, within ten sentences.
                    sp.entity = last_issuer.filter(|(_, s)| si <= s + 10).map(|(e, _)| e);
                } else if fits.is_empty() && word.starts_with("the ") {
                    // `the president`: the person the article last named with that title, if
                    // named within the previous ten sentences.
                    let titled = doc
                        .entities
                        .iter()
                        .enumerate()
                        .filter(|(_, g)| {
                            g.entity_type == EntityType::Person
                                && g.titles.iter().any(|t| {
                                    t.to_lowercase().split_whitespace().last()
                                        == Some(head.as_str())
                                })
                        })
                        .filter_map(|(e, g)| {
                            let last = g
                                .mentions
                                .iter()
                                .filter(|m| m.end <= sp.start)
                                .map(|m| m.start)
                                .max()?;
                            Some((e, last))
                        })
                        .max_by_key(|(_, last)| *last);
                    if let Some((e, last)) = titled {
                        if si <= doc.seg.sentence_at(last) + 10 {
                            sp.entity = Some(e);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
