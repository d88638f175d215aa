//! Training the tagger: gold spans aligned to the project's own tokens, then an averaged
//! structured perceptron. Deterministic: the sentence order of each epoch comes from a fixed-seed
//! generator and feature rows are numbered in first-seen order.

use std::collections::HashMap;

use super::features::{self, Lexicon};
use super::model::{self, FeatureIndex, Model, NUM_TAGS};
use crate::analysis::segment;

/// A training document: text and gold spans in byte offsets with their class index.
pub struct GoldDocument {
    pub text: String,
    pub spans: Vec<(usize, usize, usize)>,
}

/// One sequence prepared for training: feature hashes per token and gold BILOU tags. The
/// statement tagger trains on examples of its own with the same machinery.
pub struct Example {
    pub features: Vec<Vec<u64>>,
    pub gold: Vec<usize>,
}

/// Counts of how gold spans aligned to tokens.
#[derive(Debug, Default, Clone, Copy)]
pub struct Alignment {
    pub spans: usize,
    pub unaligned: usize,
}

/// Aligns gold spans to tokens: a span aligns when it starts at a token start and ends at a
/// token end. Unaligned spans are counted and trained on as the tokens they fully cover.
pub fn ner_examples(
    docs: &[GoldDocument],
    lexicon: &dyn Lexicon,
    align: &mut Alignment,
) -> Vec<Example> {
    let mut out = Vec::new();
    for doc in docs {
        let seg = segment::segment(&doc.text);
        let feats = features::extract(&doc.text, &seg.tokens, &seg.sentences, lexicon);
        let mut token_spans: Vec<(usize, usize, usize)> = Vec::new();
        for &(s, e, c) in &doc.spans {
            align.spans += 1;
            let first = seg.tokens.partition_point(|t| t.end <= s);
            let mut last = first;
            while last < seg.tokens.len() && seg.tokens[last].end <= e {
                last += 1;
            }
            let aligned = first < seg.tokens.len()
                && seg.tokens[first].start == s
                && last > first
                && seg.tokens[last - 1].end == e;
            if !aligned {
                align.unaligned += 1;
            }
            let mut a = first;
            while a < last && seg.tokens[a].start < s {
                a += 1;
            }
            if a < last {
                token_spans.push((a, last, c));
            }
        }
        for sent in &seg.sentences {
            let (a, b) = sent.tokens;
            let spans: Vec<(usize, usize, usize)> = token_spans
                .iter()
                .filter(|(s, e, _)| *s >= a && *e <= b)
                .map(|(s, e, c)| (s - a, e - a, *c))
                .collect();
            let mut covered = vec![false; b - a];
            let mut clean = Vec::new();
            for (s, e, c) in spans {
                if covered[s..e].iter().any(|x| *x) {
                    continue;
                }
                covered[s..e].iter_mut().for_each(|x| *x = true);
                clean.push((s, e, c));
            }
            clean.sort_unstable();
            out.push(Example {
                features: (a..b).map(|i| feats.of(i).to_vec()).collect(),
                gold: model::tags_from_spans(b - a, &clean),
            });
        }
    }
    out
}

/// Training settings.
pub struct TrainConfig {
    pub epochs: usize,
    /// Features seen fewer times than this in training are not given a weight row.
    pub min_count: u32,
    pub name: String,
    pub version: String,
    /// Word scores the features consult, saved with the model (see [`model::WordScores`]).
    pub words: model::WordScores,
}

/// Progress reports from training.
pub enum Progress<'a> {
    Prepared {
        sequences: usize,
        features: usize,
    },
    Epoch {
        epoch: usize,
        errors: usize,
        tokens: usize,
        model: &'a Model,
    },
}

/// Weights with the averaging trick: `avg = w - u / c`.
struct Averaged {
    w: Vec<f32>,
    u: Vec<f32>,
}

impl Averaged {
    fn new(n: usize) -> Self {
        Self {
            w: vec![0.0; n],
            u: vec![0.0; n],
        }
    }
    #[inline]
    fn add(&mut self, i: usize, d: f32, c: f32) {
        self.w[i] += d;
        self.u[i] += c * d;
    }
    fn average(&self, c: f32) -> Vec<f32> {
        self.w.iter().zip(&self.u).map(|(w, u)| w - u / c).collect()
    }
}

/// Trains a model on prepared sequences; `report` sees progress and, after each epoch, the
/// averaged model so far.
pub fn train(
    mut examples: Vec<Example>,
    config: &TrainConfig,
    report: &mut dyn FnMut(Progress),
) -> Model {
    // Feature rows for features seen at least `min_count` times, numbered in first-seen order.
    let mut counts: HashMap<u64, u32> = HashMap::new();
    for ex in &examples {
        for f in ex.features.iter().flatten() {
            *counts.entry(*f).or_default() += 1;
        }
    }
    let mut index = FeatureIndex::default();
    for ex in &examples {
        for f in ex.features.iter().flatten() {
            if counts[f] >= config.min_count && !index.contains_key(f) {
                let n = index.len() as u32;
                index.insert(*f, n);
            }
        }
    }
    drop(counts);
    // Replace hashes by rows once, so epochs do no hashing.
    let rows: Vec<Vec<Vec<u32>>> = examples
        .iter_mut()
        .map(|ex| {
            std::mem::take(&mut ex.features)
                .into_iter()
                .map(|fs| fs.iter().filter_map(|f| index.get(f).copied()).collect())
                .collect()
        })
        .collect();
    report(Progress::Prepared {
        sequences: examples.len(),
        features: index.len(),
    });

    let nf = index.len();
    let mut weights = Averaged::new(nf * NUM_TAGS);
    let mut trans = Averaged::new(NUM_TAGS * NUM_TAGS);
    let mut start = Averaged::new(NUM_TAGS);
    let mut c = 1f32;
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut emissions: Vec<[f32; NUM_TAGS]> = Vec::new();
    let mut snapshot = Model {
        name: config.name.clone(),
        version: config.version.clone(),
        index: FeatureIndex::default(),
        weights: Vec::new(),
        transitions: Vec::new(),
        start: Vec::new(),
        words: config.words.clone(),
    };
    for epoch in 1..=config.epochs {
        // Fisher–Yates with xorshift: the same order for the same inputs.
        for i in (1..order.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            order.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        let mut errors = 0;
        let mut tokens = 0;
        for &k in &order {
            let ex = &examples[k];
            let feats = &rows[k];
            emissions.clear();
            for fs in feats {
                let mut e = [0f32; NUM_TAGS];
                for &r in fs {
                    let w = &weights.w[r as usize * NUM_TAGS..(r as usize + 1) * NUM_TAGS];
                    for (o, x) in e.iter_mut().zip(w) {
                        *o += x;
                    }
                }
                emissions.push(e);
            }
            let pred = model::viterbi(&emissions, &trans.w, &start.w);
            tokens += pred.len();
            if pred != ex.gold {
                for i in 0..pred.len() {
                    let (g, p) = (ex.gold[i], pred[i]);
                    let prev_differs = i > 0 && ex.gold[i - 1] != pred[i - 1];
                    if g != p {
                        errors += 1;
                        for &r in &feats[i] {
                            weights.add(r as usize * NUM_TAGS + g, 1.0, c);
                            weights.add(r as usize * NUM_TAGS + p, -1.0, c);
                        }
                    }
                    if g != p || prev_differs {
                        if i == 0 {
                            start.add(g, 1.0, c);
                            start.add(p, -1.0, c);
                        } else {
                            trans.add(ex.gold[i - 1] * NUM_TAGS + g, 1.0, c);
                            trans.add(pred[i - 1] * NUM_TAGS + p, -1.0, c);
                        }
                    }
                }
            }
            c += 1.0;
        }
        snapshot.weights = weights.average(c);
        snapshot.transitions = trans.average(c);
        snapshot.start = start.average(c);
        snapshot.index = index.clone();
        report(Progress::Epoch {
            epoch,
            errors,
            tokens,
            model: &snapshot,
        });
    }
    prune(snapshot)
}

/// Drops feature rows whose averaged weights are all (nearly) zero and renumbers the rest.
fn prune(model: Model) -> Model {
    let max = model.weights.iter().fold(0f32, |m, w| m.max(w.abs()));
    let eps = max / 32767.0;
    let mut keys: Vec<(u64, u32)> = model.index.iter().map(|(k, v)| (*k, *v)).collect();
    keys.sort_unstable_by_key(|(_, r)| *r);
    let mut index = FeatureIndex::default();
    let mut weights = Vec::new();
    for (k, r) in keys {
        let row = &model.weights[r as usize * NUM_TAGS..(r as usize + 1) * NUM_TAGS];
        if row.iter().any(|w| w.abs() > eps) {
            index.insert(k, index.len() as u32);
            weights.extend_from_slice(row);
        }
    }
    Model {
        index,
        weights,
        ..model
    }
}
