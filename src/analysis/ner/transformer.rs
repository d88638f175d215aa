//! The accurate tagger: a fine-tuned BERT-architecture encoder (the embedded one: MiniLM-L6,
//! 6 layers, 384 wide) run in pure Rust: by gloss's
//! own int8 encoder ([`super::int8`]) on CPUs with AVX-512 VNNI, by tract in f32 elsewhere (or
//! when asked, [`Arithmetic::F32`]).
//! Its encoder may carry a second head, for the statement stage
//! ([`crate::analysis::statements::transformer`]): each window is then read once for both.
//!
//! It sees the same tokens as the fast tagger: each token is cut into pieces by the model's own
//! vocabulary (a SentencePiece unigram one, cased: the most likely pieces after NFKC; or BERT's
//! uncased wordpieces: lower-cased, accents stripped, punctuation split, greedy longest match),
//! consecutive sentences share a window of up to 256 pieces (a longer sentence is cut at token
//! boundaries), and each token takes the label of its first piece; names are then decoded
//! sentence by sentence. A 4-class case id (lower / Title / UPPER / other) goes with every
//! piece, since an uncased model needs it to see case (a cased one learns to use it or not).
//! The unigram vocabulary is for encoders such as multilingual-e5-small
//! (`models/teacher/e5_base.py`, `--accurate-model`); see `models/accurate/README.md`.
//! Training and export: `models/teacher/`.

use rustc_hash::FxHashMap as HashMap;
use tract_onnx::prelude::*;
use unicode_normalization::UnicodeNormalization;

use super::TaggedMention;
use crate::analysis::error::ModelError;
use crate::analysis::segment::Segmentation;

/// The model's labels, in the order of its output (see `LABELS` in `models/teacher/teacher.py`).
const LABELS: [(u8, usize); 9] = [
    // (0 = O, 1 = B, 2 = I; class index into `model::CLASSES`)
    (0, 0),
    (1, 0),
    (2, 0),
    (1, 1),
    (2, 1),
    (1, 2),
    (2, 2),
    (1, 3),
    (2, 3),
];
/// Wordpieces per window, `[CLS]` and `[SEP]` included: consecutive sentences share a window
/// while they fit, as the model was trained (`joint_teacher.py`, as `teacher.py train --pack
/// 256`), so that it reads each sentence among its neighbours.
const MAX_PIECES: usize = 256;
/// Window lengths tract compiles the model for (the f32 engine; the int8 one runs each window
/// at its own length), in wordpieces: a window runs alone, padded to the shortest length that
/// holds it (padding is masked; the logits come out equal to an unpadded
/// run's, and so do all annotations of the benchmark's articles). tract picks its matrix kernels
/// when it compiles: with the length symbolic it takes a generic one and re-derives shapes on
/// every run; with a known length, kernels measured for it. `cargo bench --bench annotate --
/// "annotate \(accurate\)"` (one core, words/s; one build, 2026-11-28, this machine drifting):
/// one symbolic plan 1,424, 1,440, 1,434, 1,485; these four lengths 1,862, 1,734, 1,729; with 32
/// added 1,863, 1,569; 64, 128, 256: 1,610; 96, 160, 256: 1,636; 256 alone (everything padded
/// to it): 1,338. On UNER dev's short documents `gloss eval ner --model accurate` took 16.3–17.4 s
/// of CPU against 15.0–17.4 s for the symbolic plan. Each length holds its own packed weights
/// (about 40 MB): a one-article `gloss annotate --model accurate` peaks at 387 MB, 267 MB with
/// one plan. Earlier, with one symbolic plan (2026-11-27), batches of several windows were
/// slower than one at a time (packed 256-piece windows, batch 16: 1,133, 4: 1,199, 2: 1,151,
/// 1: 1,691).
const WINDOW_LENGTHS: [usize; 4] = [64, 128, 192, MAX_PIECES];
/// What a name span costs the decoder, in log-probability, per class (PER, ORG, LOC, MISC as
/// `model::CLASSES`): a name must be surer than `O` by this much over its tokens, which drops
/// weak one-off guesses (web text's acronyms and product names). `gloss eval ner --model
/// accurate`, CoNLL dev / UNER dev micro-F1, one cost for all classes (the model of 2026-11-27):
/// 0.5: 94.14 / 75.97, 1.0: 94.27 / 76.02, 1.5: 94.21 / 75.53, 2.0: 94.28 / 74.18. That model's
/// organisations are the class it is least sure of (UNER ORG recall 58.04 at 1.0), so they cost
/// less (2026-11-28, others at 1.0): ORG 0.5: 94.16 / 76.40, **0.75: 94.25 / 76.73**; ORG 0: UNER
/// 75.80; on UNER with ORG at 0.5, PER 0.5 or 1.5, LOC 0.5 or 1.5, MISC 0.5 or 2 gave 75.58–76.44.
const SPAN_COSTS: [f32; 4] = [1.0, 0.75, 1.0, 1.0];
/// A word longer than this is one `[UNK]`, as in BERT's tokenizer; a unigram vocabulary cuts
/// only its first this many characters (a URL's first pieces are what the model needs of it).
const MAX_WORD_CHARS: usize = 100;

type Plan = std::sync::Arc<TypedSimplePlan>;

/// The arithmetic the encoder runs in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Arithmetic {
    /// int8 products ([`super::int8`]) where the CPU has AVX-512 VNNI, f32 elsewhere.
    #[default]
    Auto,
    /// f32 through tract on every CPU.
    F32,
}

/// What runs the encoder.
enum Engine {
    /// gloss's own int8 encoder ([`super::int8`]).
    Int8(super::int8::Int8Encoder),
    /// tract, in f32: the model compiled for each of [`WINDOW_LENGTHS`], shortest first.
    Tract(Vec<(usize, Plan)>),
}

pub struct TransformerTagger {
    engine: Engine,
    /// Outputs of the model: entity logits, then statement logits if it has that head.
    heads: usize,
    vocab: Vocabulary,
    cls: i64,
    sep: i64,
    unk: i64,
}

/// Turns every cast of a constant into the constant it yields.
///
/// The word-embedding table is stored as int8 with one scale per row (`DequantizeLinear`), and
/// tract declines to fold a cast that makes a constant bigger, so it cast and scaled the whole
/// 30,522 × 384 table on every run to gather a few hundred rows of it: 94 MB written per batch,
/// a fifth of the run's time in `perf`. Folded once here (the table then stays resident in f32,
/// 47 MB), tract's own folding takes the scaling with it.
fn fold_constant_casts(mut model: TypedModel) -> TractResult<TypedModel> {
    let casts: Vec<usize> = model
        .nodes()
        .iter()
        .filter(|n| n.op_is::<tract_onnx::tract_core::ops::cast::Cast>())
        .map(|n| n.id)
        .collect();
    for id in casts {
        let Some(konst) = model.node_input_facts(id)?[0].konst.clone() else {
            continue;
        };
        let node = model.node(id);
        let Some(folded) = node.op.eval_out_of_plan(tvec!(konst.into_tvalue()))? else {
            continue;
        };
        let mut patch = TypedModelPatch::default();
        let wire = patch.add_const(&node.name, folded[0].clone().into_arc_tensor())?;
        patch.shunt_outside(&model, id.into(), wire)?;
        patch.apply(&mut model)?;
    }
    Ok(model)
}

/// Runs one window of `(piece id, case id)` pairs through a plan compiled for `len` pieces:
/// the pieces first, then padding the attention mask hides.
fn run_padded(
    plan: &Plan,
    len: usize,
    pieces: impl Iterator<Item = (i64, i64)>,
) -> Result<TVec<TValue>, ModelError> {
    let mut ids = tract_ndarray::Array2::<i64>::zeros((1, len));
    let mut cases = tract_ndarray::Array2::<i64>::from_elem((1, len), 3);
    let mut mask = tract_ndarray::Array2::<i64>::zeros((1, len));
    for (c, (id, case)) in pieces.take(len).enumerate() {
        ids[(0, c)] = id;
        cases[(0, c)] = case;
        mask[(0, c)] = 1;
    }
    plan.run(tvec!(
        ids.into_tvalue(),
        cases.into_tvalue(),
        mask.into_tvalue()
    ))
    .map_err(|e| ModelError::Format(format!("transformer run: {e}")))
}

impl TransformerTagger {
    /// Loads an ONNX model (inputs `input_ids`, `case_ids`, `attention_mask`; outputs `logits`
    /// and, from a shared encoder, `statement_logits`) and its wordpiece vocabulary (one piece
    /// per line).
    pub fn from_bytes(onnx: &[u8], vocab: &str) -> Result<Self, ModelError> {
        Self::with_arithmetic(onnx, vocab, Arithmetic::Auto)
    }

    /// As [`Self::from_bytes`], in the given arithmetic. With [`Arithmetic::Auto`] a model the
    /// int8 encoder cannot read (not the BERT layout `models/teacher/` exports) runs in f32.
    pub fn with_arithmetic(
        onnx: &[u8],
        vocab: &str,
        arithmetic: Arithmetic,
    ) -> Result<Self, ModelError> {
        let int8 = match arithmetic {
            Arithmetic::Auto if super::int8::supported() => {
                super::int8::Int8Encoder::from_onnx(onnx).ok()
            }
            _ => None,
        };
        let (engine, heads) = match int8 {
            Some(encoder) => {
                let heads = encoder.heads();
                (Engine::Int8(encoder), heads)
            }
            None => Self::compile(onnx)?,
        };
        let vocab = Vocabulary::parse(vocab)?;
        let (cls, sep, unk) = vocab.specials()?;
        Ok(Self {
            cls,
            sep,
            unk,
            engine,
            heads,
            vocab,
        })
    }

    /// The arithmetic this tagger runs in: `"int8"` or `"f32"`.
    pub fn arithmetic(&self) -> &'static str {
        match self.engine {
            Engine::Int8(_) => "int8",
            Engine::Tract(_) => "f32",
        }
    }

    /// Compiles the model with tract for each of [`WINDOW_LENGTHS`]; gives the engine and the
    /// number of heads.
    fn compile(onnx: &[u8]) -> Result<(Engine, usize), ModelError> {
        let fail = |e: TractError| ModelError::Format(format!("transformer model: {e}"));
        let model = tract_onnx::onnx()
            .model_for_read(&mut std::io::Cursor::new(onnx))
            .map_err(fail)?;
        let symbols = model.symbols.clone();
        let (batch, length) = (symbols.sym("B"), symbols.sym("S"));
        let shape = || i64::fact(&[batch.clone().to_dim(), length.clone().to_dim()]);
        // Decluttered again after the casts are folded, so that the dequantization's scaling is
        // folded into the weights once, before the per-length plans share them.
        let general = model
            .with_input_fact(0, shape().into())
            .and_then(|m| m.with_input_fact(1, shape().into()))
            .and_then(|m| m.with_input_fact(2, shape().into()))
            .and_then(|m| m.into_typed())
            .and_then(|m| m.into_decluttered())
            .and_then(fold_constant_casts)
            .and_then(|m| m.into_decluttered())
            .map_err(fail)?;
        let plans = WINDOW_LENGTHS
            .iter()
            .map(|&len| {
                let dims: std::collections::HashMap<Symbol, TDim> =
                    [(batch.clone(), 1.to_dim()), (length.clone(), len.to_dim())].into();
                general
                    .set_symbols(&dims)
                    .and_then(|m| m.into_optimized())
                    .and_then(|m| m.into_runnable())
                    .map(|plan| (len, plan))
                    .map_err(fail)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((Engine::Tract(plans), general.outputs.len()))
    }

    /// Runs one window of `(piece id, case id)` pairs: each head's logits, one row per piece.
    fn run_window(&self, pieces: &[(i64, i64)]) -> Result<Vec<Vec<Vec<f32>>>, ModelError> {
        match &self.engine {
            Engine::Int8(encoder) => Ok(encoder
                .run(pieces)?
                .into_iter()
                .map(|flat| {
                    let labels = flat.len() / pieces.len().max(1);
                    flat.chunks_exact(labels.max(1))
                        .map(<[f32]>::to_vec)
                        .collect()
                })
                .collect()),
            Engine::Tract(plans) => {
                let Some((len, plan)) = plans.iter().find(|(len, _)| *len >= pieces.len()) else {
                    return Err(ModelError::Format(format!(
                        "transformer: a window of {} pieces",
                        pieces.len()
                    )));
                };
                let out = run_padded(plan, *len, pieces.iter().copied())?;
                (0..self.heads)
                    .map(|head| {
                        let logits = out
                            .get(head)
                            .ok_or_else(|| {
                                ModelError::Format(format!("transformer lacks output {head}"))
                            })?
                            .to_plain_array_view::<f32>()
                            .map_err(|e| ModelError::Format(format!("transformer output: {e}")))?;
                        let labels = logits.shape().get(2).copied().unwrap_or(0);
                        Ok((0..pieces.len())
                            .map(|p| (0..labels).map(|l| logits[[0, p, l]]).collect())
                            .collect())
                    })
                    .collect()
            }
        }
    }

    /// How many label sets the model gives per token: 1 for an entity model, 2 for one whose
    /// encoder also carries the statement head (`models/teacher/joint_teacher.py`).
    pub fn heads(&self) -> usize {
        self.heads
    }

    /// The model's logits for every token of `seg`, read at the token's first wordpiece: one
    /// table per head (`[head][token][label]`, see [`Self::heads`]); tokens outside every
    /// sentence get an empty row.
    ///
    /// Consecutive sentences share a window of at most `MAX_PIECES` wordpieces (`[CLS]` and
    /// `[SEP]` included) while they fit, and a longer sentence is cut at token boundaries — the
    /// windows every model here was trained on (contents run across sentences, speakers sit in
    /// the one before, names read better among their neighbours). Each window runs alone, padded
    /// to the shortest of `WINDOW_LENGTHS` that holds it.
    pub fn token_logits(
        &self,
        text: &str,
        seg: &Segmentation,
    ) -> Result<Vec<Vec<Vec<f32>>>, ModelError> {
        struct Window {
            tokens: (usize, usize),
            ids: Vec<i64>,
            cases: Vec<i64>,
            /// Index of each token's first piece in `ids`.
            first: Vec<usize>,
        }
        let budget = MAX_PIECES - 2;
        let pieces: Vec<Vec<i64>> = seg
            .tokens
            .iter()
            .map(|t| self.wordpieces(&text[t.start..t.end]))
            .collect();
        // Pieces before each token, so that a range's piece count is one subtraction.
        let before: Vec<usize> = std::iter::once(0)
            .chain(pieces.iter().scan(0, |sum, p| {
                *sum += p.len();
                Some(*sum)
            }))
            .collect();
        let count = |a: usize, b: usize| before[b] - before[a];
        // Token ranges of the windows: whole sentences (packed while they fit), long ones cut.
        let units: Vec<(usize, usize)> = seg.sentences.iter().map(|s| s.tokens).collect();
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        let mut k = 0;
        while k < units.len() {
            let (a, mut b) = units[k];
            k += 1;
            while k < units.len() && units[k].0 == b && count(a, units[k].1) <= budget {
                b = units[k].1;
                k += 1;
            }
            let mut from = a;
            while from < b {
                let mut to = from + 1;
                let mut used = pieces[from].len();
                while to < b && used + pieces[to].len() <= budget {
                    used += pieces[to].len();
                    to += 1;
                }
                ranges.push((from, to));
                from = to;
            }
        }
        let windows: Vec<Window> = ranges
            .into_iter()
            .map(|(a, b)| {
                let mut w = Window {
                    tokens: (a, b),
                    ids: vec![self.cls],
                    cases: vec![3],
                    first: Vec::with_capacity(b - a),
                };
                for i in a..b {
                    let word = &text[seg.tokens[i].start..seg.tokens[i].end];
                    // A single token over budget keeps its first pieces.
                    let room = (budget + 1).saturating_sub(w.ids.len()).max(1);
                    let take = pieces[i].len().min(room);
                    w.first.push(w.ids.len());
                    w.ids.extend(&pieces[i][..take]);
                    w.cases.extend(std::iter::repeat_n(case_class(word), take));
                }
                w.ids.push(self.sep);
                w.cases.push(3);
                w
            })
            .collect();

        // Logits per head and token, window by window.
        let mut rows: Vec<Vec<Vec<f32>>> = vec![vec![Vec::new(); seg.tokens.len()]; self.heads];
        for w in &windows {
            let pieces: Vec<(i64, i64)> =
                w.ids.iter().copied().zip(w.cases.iter().copied()).collect();
            let out = self.run_window(&pieces)?;
            for (rows, logits) in rows.iter_mut().zip(&out) {
                for (t, &p) in (w.tokens.0..w.tokens.1).zip(&w.first) {
                    rows[t] = logits.get(p).cloned().unwrap_or_default();
                }
            }
        }
        Ok(rows)
    }

    /// The pieces of one token, as the model's vocabulary cuts it.
    fn wordpieces(&self, word: &str) -> Vec<i64> {
        match &self.vocab {
            Vocabulary::WordPiece(vocab) => self.bert_wordpieces(vocab, word),
            Vocabulary::Unigram(unigram) => unigram.pieces(word, self.unk),
        }
    }

    /// BERT's uncased wordpieces of one token.
    fn bert_wordpieces(&self, vocab: &HashMap<String, i64>, word: &str) -> Vec<i64> {
        let mut out = Vec::new();
        for part in basic_split(word) {
            if part.chars().count() > MAX_WORD_CHARS {
                out.push(self.unk);
                continue;
            }
            let mut start = 0;
            let mut pieces = Vec::new();
            while start < part.len() {
                let mut end = part.len();
                let mut found = None;
                while end > start {
                    let sub = if start == 0 {
                        part[start..end].to_string()
                    } else {
                        format!("##{}", &part[start..end])
                    };
                    if let Some(&id) = vocab.get(&sub) {
                        found = Some(id);
                        break;
                    }
                    end = part[..end].char_indices().last().map_or(start, |(k, _)| k);
                }
                match found {
                    Some(id) => {
                        pieces.push(id);
                        start = end;
                    }
                    None => {
                        pieces = vec![self.unk];
                        break;
                    }
                }
            }
            out.extend(pieces);
        }
        if out.is_empty() {
            out.push(self.unk);
        }
        out
    }
}

/// How a model cuts a token into pieces, read from its vocabulary file.
enum Vocabulary {
    /// BERT's uncased wordpieces (MiniLM): one piece per line, `##` marking a continuation.
    WordPiece(HashMap<String, i64>),
    /// A SentencePiece unigram vocabulary (cased, as multilingual-e5's): a first line
    /// `#unigram`, then `piece<TAB>log-probability` per line, ids counted from 0.
    Unigram(Unigram),
}

impl Vocabulary {
    fn parse(text: &str) -> Result<Self, ModelError> {
        let mut lines = text.lines();
        if text.starts_with(UNIGRAM_HEADER) {
            lines.next();
            return Unigram::parse(lines).map(Vocabulary::Unigram);
        }
        Ok(Vocabulary::WordPiece(
            lines
                .enumerate()
                .map(|(i, w)| (w.to_string(), i as i64))
                .collect(),
        ))
    }

    /// The ids of the window's opening and closing pieces and of the unknown piece.
    fn specials(&self) -> Result<(i64, i64, i64), ModelError> {
        let names = match self {
            Vocabulary::WordPiece(_) => ["[CLS]", "[SEP]", "[UNK]"],
            Vocabulary::Unigram(_) => ["<s>", "</s>", "<unk>"],
        };
        let id = |w: &str| {
            match self {
                Vocabulary::WordPiece(v) => v.get(w).copied(),
                Vocabulary::Unigram(u) => u.pieces.get(w).map(|&(id, _)| id),
            }
            .ok_or_else(|| ModelError::Format(format!("vocabulary lacks {w}")))
        };
        Ok((id(names[0])?, id(names[1])?, id(names[2])?))
    }
}

/// First line of a unigram vocabulary file.
const UNIGRAM_HEADER: &str = "#unigram";
/// SentencePiece's word-start mark: every token is read as a word that follows a space.
const WORD_START: char = '\u{2581}';

/// A SentencePiece unigram model: a token is cut into the pieces whose summed log-probabilities
/// are highest (Viterbi over its characters), after NFKC normalization and with a word-start
/// mark before it — what Hugging Face `tokenizers` does with a `Unigram` model, an `NFKC`
/// normalizer and a `Metaspace` pre-tokenizer (`prepend_scheme="always"`), the tokenizer the
/// model was trained with. A character no piece covers is an unknown piece, scored as
/// SentencePiece scores it (10 below the least likely piece); unknowns in a row make one.
struct Unigram {
    pieces: HashMap<String, (i64, f64)>,
    /// The longest piece, in characters.
    max_chars: usize,
    unknown_score: f64,
}

impl Unigram {
    fn parse<'a>(lines: impl Iterator<Item = &'a str>) -> Result<Self, ModelError> {
        let mut pieces = HashMap::default();
        let (mut max_chars, mut least) = (1, f64::INFINITY);
        for (id, line) in lines.enumerate() {
            let (piece, score) = line
                .rsplit_once('\t')
                .and_then(|(p, s)| Some((p, s.parse::<f64>().ok()?)))
                .ok_or_else(|| ModelError::Format(format!("unigram vocabulary line {}", id + 2)))?;
            max_chars = max_chars.max(piece.chars().count());
            least = least.min(score);
            pieces.insert(piece.to_string(), (id as i64, score));
        }
        if pieces.is_empty() {
            return Err(ModelError::Format("empty unigram vocabulary".into()));
        }
        Ok(Self {
            pieces,
            max_chars,
            unknown_score: least - 10.0,
        })
    }

    fn pieces(&self, word: &str, unk: i64) -> Vec<i64> {
        let chars: Vec<char> = std::iter::once(WORD_START)
            .chain(word.nfkc().map(|c| if c == ' ' { WORD_START } else { c }))
            .take(MAX_WORD_CHARS + 1)
            .collect();
        let n = chars.len();
        // best[i]: the highest score of pieces covering chars[..i], and the piece ending there.
        let mut best: Vec<(f64, usize, i64)> = vec![(f64::NEG_INFINITY, 0, unk); n + 1];
        best[0].0 = 0.0;
        let mut piece = String::new();
        for start in 0..n {
            let from = best[start].0;
            if from == f64::NEG_INFINITY {
                continue;
            }
            let mut single = false;
            piece.clear();
            for end in start + 1..=n.min(start + self.max_chars) {
                piece.push(chars[end - 1]);
                if let Some(&(id, score)) = self.pieces.get(piece.as_str()) {
                    single |= end == start + 1;
                    if from + score > best[end].0 {
                        best[end] = (from + score, start, id);
                    }
                }
            }
            if !single && from + self.unknown_score > best[start + 1].0 {
                best[start + 1] = (from + self.unknown_score, start, unk);
            }
        }
        let mut out = Vec::new();
        let mut end = n;
        while end > 0 {
            let (_, start, id) = best[end];
            if !(id == unk && out.last() == Some(&unk)) {
                out.push(id);
            }
            end = start;
        }
        out.reverse();
        out
    }
}

/// Entity mentions from the entity head's logits (one row per token of `seg`), decoded
/// sentence by sentence. A sentence is decoded as a whole rather than token by token, so that
/// a name's second word cannot start a span of another class (`B-PER I-ORG` read as two names).
pub fn decode(text: &str, seg: &Segmentation, logits: &[Vec<f32>]) -> Vec<TaggedMention> {
    let mut out = Vec::new();
    for s in &seg.sentences {
        let (a, b) = s.tokens;
        let Some(rows) = logits.get(a..b) else {
            continue;
        };
        let tags = bio_viterbi(rows, &LABELS, &|class| SPAN_COSTS[class]);
        for (f, e, class) in bio_spans(&tags) {
            out.extend(super::tidy_span(text, seg, (a + f, a + e), class));
        }
    }
    out
}

/// 0 lower, 1 Title (or a single capital), 2 UPPER, 3 other: as `case_class` in
/// `models/teacher/teacher.py`.
pub fn case_class(word: &str) -> i64 {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() {
        return 3;
    }
    if letters.iter().all(|c| c.is_lowercase()) {
        return 0;
    }
    if letters.iter().all(|c| c.is_uppercase()) {
        return if letters.len() > 1 { 2 } else { 1 };
    }
    if letters[0].is_uppercase() && letters[1..].iter().all(|c| c.is_lowercase()) {
        return 1;
    }
    3
}

/// BERT's basic tokenizer on one token: control characters dropped, accents stripped,
/// lower-cased, split at white space and punctuation (each punctuation mark its own part), CJK
/// ideographs on their own.
fn basic_split(word: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, parts: &mut Vec<String>| {
        if !cur.is_empty() {
            parts.push(std::mem::take(cur));
        }
    };
    for c in word.nfd() {
        if c == '\0' || c == '\u{fffd}' || (c.is_control() && !c.is_whitespace()) {
            continue;
        }
        if is_nonspacing_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            flush(&mut cur, &mut parts);
        } else if is_punctuation(c) || is_cjk(c) {
            flush(&mut cur, &mut parts);
            parts.push(c.to_lowercase().collect());
        } else {
            cur.extend(c.to_lowercase());
        }
    }
    flush(&mut cur, &mut parts);
    parts
}

/// Combining marks left by NFD (the accents BERT's uncased tokenizer strips).
fn is_nonspacing_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}'
        | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

/// ASCII symbols count as punctuation for BERT, as do the Unicode punctuation blocks.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c, '\u{00a1}' | '\u{00a7}' | '\u{00ab}' | '\u{00b6}' | '\u{00b7}' | '\u{00bb}'
            | '\u{00bf}' | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205e}'
            | '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}' | '\u{ff01}'..='\u{ff0f}')
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}'
        | '\u{20000}'..='\u{2a6df}')
}

/// The index of the highest score (0 for an empty row: a token the model did not see is `O`).
pub fn arg_max(scores: &[f32]) -> usize {
    let mut best = (f32::NEG_INFINITY, 0);
    for (l, &v) in scores.iter().enumerate() {
        if v > best.0 {
            best = (v, l);
        }
    }
    best.1
}

/// The best tag sequence of a run of tokens under BIO's constraint (an `I-` continues a span of
/// its class), scored by the sum of the labels' log-probabilities (a softmax of each row of
/// `rows`, one logit per label of `labels`) less `close_cost(class)` for each span of that class.
/// A row shorter than `labels` (a token the model did not see) is outside every span.
pub fn bio_viterbi(
    rows: &[Vec<f32>],
    labels: &[(u8, usize)],
    close_cost: &dyn Fn(usize) -> f32,
) -> Vec<(u8, usize)> {
    let n = labels.len();
    if n == 0 {
        return vec![(0, 0); rows.len()];
    }
    let allowed = |from: Option<usize>, to: usize| {
        let (bio, class) = labels[to];
        bio != 2 || from.is_some_and(|f| labels[f].0 != 0 && labels[f].1 == class)
    };
    let log_probs = |row: &[f32]| -> Vec<f32> {
        let mut out = vec![f32::NEG_INFINITY; n];
        if row.len() < n {
            out[0] = 0.0;
            return out;
        }
        let max = row[..n].iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let sum: f32 = row[..n].iter().map(|v| (v - max).exp()).sum();
        for (o, v) in out.iter_mut().zip(row) {
            *o = v - max - sum.ln();
        }
        out
    };
    let mut score = vec![f32::NEG_INFINITY; n];
    let mut back: Vec<Vec<usize>> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let lp = log_probs(row);
        let mut next = vec![f32::NEG_INFINITY; n];
        let mut from = vec![0usize; n];
        for to in 0..n {
            if i == 0 {
                if allowed(None, to) {
                    next[to] = lp[to];
                }
                continue;
            }
            for f in 0..n {
                // Leaving a span (to anything but its continuation) closes it.
                let closes = labels[f].0 != 0 && labels[to].0 != 2;
                let leave = if closes { close_cost(labels[f].1) } else { 0.0 };
                let v = score[f] + lp[to] - leave;
                if score[f].is_finite() && allowed(Some(f), to) && v > next[to] {
                    next[to] = v;
                    from[to] = f;
                }
            }
        }
        score = next;
        back.push(from);
    }
    // A span still open at the end closes there.
    for (l, v) in score.iter_mut().enumerate() {
        if labels[l].0 != 0 {
            *v -= close_cost(labels[l].1);
        }
    }
    let mut best = arg_max(&score);
    let mut path = vec![0usize; rows.len()];
    for i in (0..rows.len()).rev() {
        path[i] = best;
        best = back[i][best];
    }
    path.into_iter().map(|l| labels[l]).collect()
}

/// BIO tags `(bio, class)` (0 O, 1 B, 2 I) to spans `(first, last exclusive, class)`; an `I-`
/// that does not continue its class opens a span, as a `B-` would.
pub fn bio_spans(tags: &[(u8, usize)]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, usize)> = None; // (first token, class)
    for i in 0..=tags.len() {
        let (bio, class) = tags.get(i).copied().unwrap_or((0, 0));
        let continues = bio == 2 && open.is_some_and(|(_, c)| c == class);
        if !continues {
            if let Some((f, c)) = open.take() {
                out.push((f, i, c));
            }
            if bio != 0 {
                open = Some((i, class));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_keeps_a_name_in_one_class() {
        // Label order as in LABELS: O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC, B-MISC, I-MISC.
        let row = |best: usize, second: usize| {
            let mut r = vec![-4.0f32; LABELS.len()];
            r[best] = 2.0;
            r[second] = 1.5;
            r
        };
        // Token by token the second word reads I-ORG (a new ORG span after a PER one); its
        // I-PER is nearly as likely, and the decoder takes the one consistent reading.
        let rows = vec![row(1, 3), row(4, 2), row(0, 5)];
        assert_eq!(arg_max(&rows[1]), 4);
        let tags = bio_viterbi(&rows, &LABELS, &|_| 0.0);
        assert_eq!(bio_spans(&tags), vec![(0, 2, 0)]);
        // A token the model did not see (an empty row) is outside every span.
        let tags = bio_viterbi(&[row(1, 0), Vec::new(), row(2, 1)], &LABELS, &|_| 0.0);
        assert_eq!(tags[1], (0, 0));
        assert_eq!(bio_spans(&tags), vec![(0, 1, 0), (2, 3, 0)]);
    }

    fn embedded(arithmetic: Arithmetic) -> TransformerTagger {
        TransformerTagger::with_arithmetic(
            crate::analysis::EMBEDDED_ACCURATE_MODEL,
            crate::analysis::EMBEDDED_ACCURATE_VOCAB,
            arithmetic,
        )
        .expect("embedded model loads")
    }

    /// tract's compiled plans of an f32 tagger.
    fn plans(tagger: &TransformerTagger) -> &[(usize, Plan)] {
        match &tagger.engine {
            Engine::Tract(plans) => plans,
            Engine::Int8(_) => panic!("an f32 tagger runs tract"),
        }
    }

    /// `(piece, case)` pairs of a sentence, `[CLS]` and `[SEP]` included.
    fn window(tagger: &TransformerTagger, words: &[&str]) -> Vec<(i64, i64)> {
        let mut pieces = vec![(tagger.cls, 3)];
        for w in words {
            for p in tagger.wordpieces(w) {
                pieces.push((p, case_class(w)));
            }
        }
        pieces.push((tagger.sep, 3));
        pieces
    }

    /// The int8 encoder (on CPUs that run it) reads the model as tract's f32 run does: the same
    /// best label for almost every piece, and logits within a small distance.
    #[test]
    fn int8_logits_follow_the_f32_ones() {
        let int8 = embedded(Arithmetic::Auto);
        if int8.arithmetic() != "int8" {
            eprintln!("skipped: this CPU runs the accurate model in f32");
            return;
        }
        let f32 = embedded(Arithmetic::F32);
        let words = [
            "Maria", "Okafor", ",", "the", "harbour", "master", "of", "Valdora", ",", "told",
            "the", "Coastal", "Shipping", "Board", "on", "Tuesday", "that", "the", "port", "would",
            "reopen", "once", "the", "storm", "had", "passed", ".", "\u{201c}", "We", "are",
            "ready", ",", "\u{201d}", "she", "said", ".",
        ];
        let pieces = window(&f32, &words);
        let (a, b) = (
            int8.run_window(&pieces).expect("int8 runs"),
            f32.run_window(&pieces).expect("f32 runs"),
        );
        assert_eq!(a.len(), 2);
        assert_eq!(a.len(), b.len());
        for (head, (a, b)) in a.iter().zip(&b).enumerate() {
            assert_eq!(a.len(), pieces.len());
            let mut same = 0;
            for (x, y) in a.iter().zip(b) {
                assert_eq!(x.len(), y.len());
                assert!(y.iter().any(|&v| v != 0.0));
                same += usize::from(arg_max(x) == arg_max(y));
                for (u, v) in x.iter().zip(y) {
                    assert!((u - v).abs() < 1.0, "head {head}: {u} against {v}");
                }
            }
            assert!(
                same * 20 >= pieces.len() * 19,
                "head {head}: {same} of {} agree",
                pieces.len()
            );
        }
    }

    #[test]
    fn no_constant_is_cast_at_run_time() {
        use tract_onnx::tract_core::ops::{cast::Cast, konst::Const};
        let tagger = embedded(Arithmetic::F32);
        assert_eq!(plans(&tagger).len(), WINDOW_LENGTHS.len());
        for (_, plan) in plans(&tagger) {
            let model = plan.model();
            let casts: Vec<_> = model.nodes().iter().filter(|n| n.op_is::<Cast>()).collect();
            // The plan still casts what comes with each request (the attention mask) ...
            assert!(!casts.is_empty());
            // ... but nothing it could have cast once, at load (the word-embedding table).
            for cast in casts {
                let from_constant = cast
                    .inputs
                    .iter()
                    .all(|i| model.node(i.node).op_is::<Const>());
                assert!(
                    !from_constant,
                    "{} casts a constant on every run",
                    cast.name
                );
            }
        }
    }

    /// A window runs padded to the shortest compiled length that holds it; the padding is
    /// masked, so every length must give the same logits for the same pieces.
    #[test]
    fn padding_to_a_longer_window_length_leaves_the_logits_alone() {
        let tagger = embedded(Arithmetic::F32);
        let words = [
            "Maria", "Okafor", "said", "the", "port", "of", "Valdora", "reopens", ".",
        ];
        let pieces = window(&tagger, &words);
        let run = |len: usize, plan: &Plan| -> Vec<f32> {
            let out = run_padded(plan, len, pieces.iter().copied()).expect("model runs");
            let logits = out[0].to_plain_array_view::<f32>().expect("f32 logits");
            (0..pieces.len())
                .flat_map(|p| (0..logits.shape()[2]).map(move |l| (p, l)))
                .map(|(p, l)| logits[[0, p, l]])
                .collect()
        };
        let (shortest, plan) = &plans(&tagger)[0];
        let expected = run(*shortest, plan);
        assert!(expected.iter().any(|&x| x != 0.0));
        for (len, plan) in &plans(&tagger)[1..] {
            let got = run(*len, plan);
            assert_eq!(got.len(), expected.len());
            for (a, b) in got.iter().zip(&expected) {
                assert!((a - b).abs() < 1e-3, "length {len}: {a} against {b}");
            }
        }
    }

    #[test]
    fn unigram_takes_the_most_likely_pieces() {
        let vocab = "#unigram\n<s>\t0\n<pad>\t0\n</s>\t0\n<unk>\t0\n\u{2581}\t-3\n\u{2581}ab\t-2\n\
                     a\t-4\nb\t-4\n\u{2581}a\t-3\nc\t-5.5\n";
        let vocabulary = Vocabulary::parse(vocab).expect("parses");
        assert_eq!(vocabulary.specials().expect("specials"), (0, 2, 3));
        let Vocabulary::Unigram(unigram) = vocabulary else {
            panic!("a unigram vocabulary")
        };
        // `▁ab` (-2) beats `▁a b` (-7) and `▁ a b` (-11).
        assert_eq!(unigram.pieces("ab", 3), vec![5]);
        assert_eq!(unigram.pieces("abc", 3), vec![5, 9]);
        assert_eq!(unigram.pieces("ba", 3), vec![4, 7, 6]);
        // NFKC first: full-width letters are the ASCII ones.
        assert_eq!(unigram.pieces("\u{ff41}\u{ff42}", 3), vec![5]);
        // Characters no piece covers are one unknown piece, however many in a row.
        assert_eq!(unigram.pieces("xyz", 3), vec![4, 3]);
        assert_eq!(unigram.pieces("axyc", 3), vec![8, 3, 9]);
        // A vocabulary line without a score is refused, not read as a piece.
        assert!(Vocabulary::parse("#unigram\n<s>\t0\nbroken\n").is_err());
    }

    #[test]
    fn case_classes() {
        assert_eq!(case_class("said"), 0);
        assert_eq!(case_class("Kyiv"), 1);
        assert_eq!(case_class("A"), 1);
        assert_eq!(case_class("NATO"), 2);
        assert_eq!(case_class("McDonald"), 3);
        assert_eq!(case_class("1996"), 3);
    }

    #[test]
    fn basic_split_strips_accents_and_splits_punctuation() {
        assert_eq!(basic_split("Zürich"), vec!["zurich"]);
        assert_eq!(basic_split("U.S."), vec!["u", ".", "s", "."]);
        assert_eq!(
            basic_split("O'Neill-Smith"),
            vec!["o", "'", "neill", "-", "smith"]
        );
        assert_eq!(basic_split("\u{0}"), Vec::<String>::new());
    }
}
