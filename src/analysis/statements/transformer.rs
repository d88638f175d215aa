//! The accurate mode's statement tagger: a MiniLM fine-tuned on PolNeAR to tag sources, cues
//! and contents (BIO) over gloss's tokens (`models/teacher/statements_teacher.py`), run by the
//! same wordpiece runner as the accurate entity tagger. Its spans go through the same assembly,
//! rules and speaker linking as the perceptron's ([`super::tagger::finish`]).
//!
//! Why a second model: the perceptron tags each paragraph with local features and misses much
//! of PolNeAR's broad indirect attribution; the transformer, which sees whole windows of
//! sentences, finds about ten points more of it (dev content recall 79 against 69).

use super::tagger::{paragraphs, CONTENT};
use crate::analysis::ner::transformer::{bio_spans, bio_viterbi};
use crate::analysis::segment::Segmentation;

/// The model's labels, in the order of its output (`LABELS` in `statements_teacher.py`):
/// (0 = O, 1 = B, 2 = I; class: source, cue, content as in [`super::tagger`]).
const LABELS: [(u8, usize); 7] = [(0, 0), (1, 0), (2, 0), (1, 1), (2, 1), (1, 2), (2, 2)];
/// What closing a content span costs the decoder, in log-probability. The model's arg-max drops
/// a few words inside long contents and splits them; per-token guesses also leave weak stray
/// pieces. PolNeAR dev content F1 (`gloss eval statements --model accurate`): arg-max with gaps
/// of up to 6 untagged tokens filled in 75.11, the constrained Viterbi without this cost 76.15,
/// with it 1.0: 78.58, 2.0: 79.15, 3.0: 78.84, 5.0: 78.20 (then charged at a paragraph's end
/// too: 79.17).
const CONTENT_SPAN_COST: f32 = 2.0;

/// Token spans `(first, last exclusive, class)` of sources, cues and contents, each within one
/// paragraph (the assembly expects what the perceptron gives), from the statement head's logits
/// (one row per token of `seg`; see
/// [`crate::analysis::ner::transformer::TransformerTagger::token_logits`]).
pub fn spans(logits: &[Vec<f32>], seg: &Segmentation) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for p in paragraphs(seg) {
        let Some(rows) = logits.get(p.first..p.last) else {
            continue;
        };
        let tags = viterbi(rows, CONTENT_SPAN_COST);
        let spans = bio_spans(&tags).into_iter();
        out.extend(spans.map(|(f, e, class)| (p.first + f, p.first + e, class)));
    }
    out
}

/// The best tag sequence of a paragraph under BIO's constraint, less `content_cost` for each
/// content span. Contents are long and the model's confidence sags inside them: the cost keeps
/// one content whole rather than several pieces of it, and drops pieces too weak to pay for
/// themselves.
fn viterbi(rows: &[Vec<f32>], content_cost: f32) -> Vec<(u8, usize)> {
    bio_viterbi(rows, &LABELS, &|class| {
        if class == CONTENT {
            content_cost
        } else {
            0.0
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const O: (u8, usize) = (0, 0);
    const B_CUE: (u8, usize) = (1, 1);
    const B_CON: (u8, usize) = (1, CONTENT);
    const I_CON: (u8, usize) = (2, CONTENT);

    /// Logits that make `label` likely (log-probability about -0.1) and give `second` the rest.
    fn row(label: (u8, usize), second: (u8, usize), margin: f32) -> Vec<f32> {
        let mut r = vec![-10.0; LABELS.len()];
        let at = |t| LABELS.iter().position(|&l| l == t).unwrap();
        r[at(second)] = 0.0;
        r[at(label)] = margin;
        r
    }

    #[test]
    fn the_decoder_keeps_bio_whole_and_a_content_in_one_piece() {
        // Arg-max would read B-CON I-CON O I-CON: an I- after O, and a content in two pieces.
        // The O is a weak one, with I-CON a close second.
        let rows = vec![
            row(B_CON, O, 5.0),
            row(I_CON, O, 5.0),
            row(O, I_CON, 0.5),
            row(I_CON, O, 5.0),
            row(B_CUE, O, 5.0),
        ];
        let tags = viterbi(&rows, CONTENT_SPAN_COST);
        assert_eq!(tags, vec![B_CON, I_CON, I_CON, I_CON, B_CUE]);
        assert_eq!(bio_spans(&tags), vec![(0, 4, CONTENT), (4, 5, 1)]);
        // Negative: a confident O between two contents separates them.
        let rows = vec![
            row(B_CON, O, 5.0),
            row(I_CON, O, 5.0),
            row(O, I_CON, 9.0),
            row(B_CON, I_CON, 5.0),
            row(I_CON, O, 5.0),
        ];
        let tags = viterbi(&rows, CONTENT_SPAN_COST);
        assert_eq!(tags, vec![B_CON, I_CON, O, B_CON, I_CON]);
        // An I- with nothing to continue never comes out.
        let tags = viterbi(&[row(I_CON, O, 1.0)], 0.0);
        assert_eq!(tags, vec![O]);
    }
}
