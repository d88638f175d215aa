//! The accurate mode's statement tagger: a MiniLM fine-tuned on PolNeAR to tag sources, cues
//! and contents (BIO) over gloss's tokens (`models/teacher/statements_teacher.py`), run by the
//! same wordpiece runner as the accurate entity tagger. Its spans go through the same assembly,
//! rules and speaker linking as the perceptron's ([`super::tagger::finish`]).
//!
//! Why a second model: the perceptron tags each paragraph with local features and misses much
//! of PolNeAR's broad indirect attribution; the transformer, which sees whole windows of
//! sentences, finds about ten points more of it (dev content recall 79 against 69).

use super::tagger::{paragraphs, CONTENT};
use crate::analysis::error::ModelError;
use crate::analysis::ner::transformer::TransformerTagger;
use crate::analysis::segment::Segmentation;

/// The model's labels, in the order of its output (`LABELS` in `statements_teacher.py`):
/// (0 = O, 1 = B, 2 = I; class: source, cue, content as in [`super::tagger`]).
const LABELS: [(u8, usize); 7] = [(0, 0), (1, 0), (2, 0), (1, 1), (2, 1), (1, 2), (2, 2)];
/// Wordpieces per window: consecutive sentences share one while they fit, as in training.
const MAX_PIECES: usize = 256;
/// The model drops a few words inside long contents and resumes them with I-content: up to
/// this many untagged tokens between content tags are filled in (PolNeAR dev content F1 70.00
/// without, 73.95 with 4, 74.33 with 6, 74.23 with 10; measured by the training script).
const MAX_GAP: usize = 6;

/// Token spans `(first, last exclusive, class)` of sources, cues and contents, each within one
/// paragraph (the assembly expects what the perceptron gives).
pub fn spans(
    model: &TransformerTagger,
    text: &str,
    seg: &Segmentation,
) -> Result<Vec<(usize, usize, usize)>, ModelError> {
    let sentences: Vec<(usize, usize)> = seg.sentences.iter().map(|s| s.tokens).collect();
    let ids = model.token_labels(text, seg, &sentences, MAX_PIECES, true)?;
    let mut tags: Vec<(u8, usize)> = ids
        .iter()
        .map(|&l| LABELS.get(l).copied().unwrap_or((0, 0)))
        .collect();
    fill_gaps(&mut tags);
    let mut out = Vec::new();
    for p in paragraphs(seg) {
        decode(&tags[p.first..p.last], p.first, &mut out);
    }
    Ok(out)
}

/// `I-content` at most [`MAX_GAP`] untagged tokens after a content tag continues that content.
fn fill_gaps(tags: &mut [(u8, usize)]) {
    let mut last: Option<usize> = None;
    for i in 0..tags.len() {
        let (bio, class) = tags[i];
        if bio == 2 && class == CONTENT {
            if let Some(l) = last {
                let gap = i - l - 1;
                if gap > 0 && gap <= MAX_GAP && tags[l + 1..i].iter().all(|t| t.0 == 0) {
                    tags[l + 1..i].fill((2, CONTENT));
                }
            }
        }
        match (bio, class) {
            (0, _) => {}
            (_, CONTENT) => last = Some(i),
            _ => last = None,
        }
    }
}

/// BIO to spans; an I- that does not continue its class opens a span.
fn decode(tags: &[(u8, usize)], offset: usize, out: &mut Vec<(usize, usize, usize)>) {
    let mut open: Option<(usize, usize)> = None; // (first token, class)
    for i in 0..=tags.len() {
        let (bio, class) = tags.get(i).copied().unwrap_or((0, 0));
        let continues = bio == 2 && open.is_some_and(|(_, c)| c == class);
        if !continues {
            if let Some((f, c)) = open.take() {
                out.push((offset + f, offset + i, c));
            }
            if bio != 0 {
                open = Some((i, class));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const O: (u8, usize) = (0, 0);
    const B_CUE: (u8, usize) = (1, 1);
    const B_CON: (u8, usize) = (1, CONTENT);
    const I_CON: (u8, usize) = (2, CONTENT);

    #[test]
    fn short_gaps_inside_a_content_are_filled_long_ones_and_other_classes_are_not() {
        let mut tags = vec![B_CON, I_CON, O, O, I_CON, O, B_CUE, O, I_CON];
        fill_gaps(&mut tags);
        // The two untagged tokens are filled; the cue ends the content, so the last I-content
        // starts a span of its own.
        assert_eq!(&tags[..5], &[B_CON, I_CON, I_CON, I_CON, I_CON]);
        assert_eq!(tags[7], O);
        let mut far = vec![B_CON];
        far.extend(std::iter::repeat_n(O, MAX_GAP + 1));
        far.push(I_CON);
        let before = far.clone();
        fill_gaps(&mut far);
        assert_eq!(far, before);
        let mut spans = Vec::new();
        decode(&tags, 10, &mut spans);
        assert_eq!(
            spans,
            vec![(10, 15, CONTENT), (16, 17, 1), (18, 19, CONTENT)]
        );
    }
}
