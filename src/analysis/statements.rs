//! Statements: who said what.
//!
//! Two layers:
//! 1. [`quotes`]: quotation-mark structure (straight, curly, « », `` ``...'' ``, nested single
//!    quotes, apostrophes that are not quotes, quotes re-opened across paragraphs).
//! 2. Attribution per sentence: a reporting cue (`said`, `told reporters`, `according to`, cue
//!    nouns such as `in a statement`), its speaker (before it, after it in inverted order, or
//!    through `according to`), and its content (the quoted pieces, or the reported clause).
//!    A quote without a cue of its own continues the previous speaker.
//!
//! Pronoun and nominal speakers are linked to an entity only when one candidate is clearly
//! meant: a wrong link is worse than none.

pub mod attribution;
pub mod quotes;
pub mod tagger;
pub mod transformer;

pub use attribution::{FoundStatement, SpeakerRef};

use super::annotation;
use super::entities::EntityGroup;
use super::ner::features::Lexicon;
use super::ner::model::{Model, WordScores};
use super::segment::Segmentation;

/// How the statement stage finds source, cue and content spans.
#[derive(Clone, Copy)]
pub enum Spans<'a> {
    /// The quotation-mark and cue-verb rules alone.
    Rules,
    /// The learned perceptron (`models/statements.bin`).
    Perceptron(&'a Model),
    /// Spans a tagger already gave (the accurate mode's transformer, see [`transformer`]);
    /// `words` are the perceptron's cue words, which the rules after assembly consult.
    Given {
        spans: &'a [(usize, usize, usize)],
        words: &'a WordScores,
    },
}

/// Extracts the statements of a document: with a learned tagger's spans unless `spans` says
/// rules, then the rules that mend them and speaker linking. `lexicon` is the entity tagger's
/// (the statement tagger's features use its word clusters).
pub fn extract(
    text: &str,
    seg: &Segmentation,
    entities: &[EntityGroup],
    spans: Spans<'_>,
    lexicon: &dyn Lexicon,
) -> Vec<FoundStatement> {
    let (ctx, mut learned) = match spans {
        Spans::Rules => return attribution::extract(text, seg, entities),
        Spans::Perceptron(m) => {
            let ctx = tagger::Context::new(text, seg, entities, &m.words, lexicon);
            let found = tagger::extract_with(m, &ctx);
            (ctx, found)
        }
        Spans::Given { spans, words } => {
            let ctx = tagger::Context::new(text, seg, entities, words, lexicon);
            let found = tagger::finish(&ctx, spans);
            (ctx, found)
        }
    };
    attribution::link(text, seg, entities, &mut learned);
    // Direct quotes the learned tagger missed, found by the quotation-mark rules
    // (including quotes with no cue of their own that continue a speaker), fill in.
    // The rules only run when some quotation is left uncovered.
    let overlaps = |a: &FoundStatement, b: &FoundStatement| {
        a.content
            .iter()
            .any(|x| b.content.iter().any(|y| x.0 < y.1 && y.0 < x.1))
    };
    let uncovered = ctx.quotes.iter().any(|q| {
        !learned
            .iter()
            .any(|l| l.content.iter().any(|c| c.0 < q.end && q.start < c.1))
    });
    if uncovered {
        let extra: Vec<FoundStatement> = attribution::extract(text, seg, entities)
            .into_iter()
            .filter(|s| s.kind == annotation::StatementKind::Direct)
            .filter(|d| !learned.iter().any(|l| overlaps(d, l)))
            .collect();
        learned.extend(extra);
    }
    learned.sort_by_key(|s| s.content.first().map(|c| c.0));
    continue_previous_speakers(text, seg, &mut learned);
    learned
}

/// `"…," said Mirela Dobre, a transport economist. "There's a real question …"`: a direct quote
/// the tagger found with neither cue nor speaker continues the speaker of the statement before
/// it, under the test the quotation-mark rules apply to the quotes they find
/// ([`attribution::may_continue_speaker`]: the quote opens its sentence, and follows that
/// statement in the same or the next paragraph, at most three sentences on). `statements` are
/// in document order; the speaker is copied with its entity.
fn continue_previous_speakers(text: &str, seg: &Segmentation, statements: &mut [FoundStatement]) {
    for i in 0..statements.len() {
        let st = &statements[i];
        let Some(&(start, _)) = st.content.first() else {
            continue;
        };
        if st.cue.is_some() || st.speaker.is_some() || st.kind != annotation::StatementKind::Direct
        {
            continue;
        }
        // The nearest statement before it, which must have a speaker.
        let previous = statements[..i]
            .iter()
            .filter_map(|p| Some((p.content.last()?.1, p.speaker)))
            .filter(|(end, _)| *end <= start)
            .max_by_key(|(end, _)| *end);
        let Some((end, Some(speaker))) = previous else {
            continue;
        };
        if !attribution::may_continue_speaker(text, seg, start, end, seg.sentence_at(end)) {
            continue;
        }
        statements[i].speaker = Some(speaker);
    }
}
