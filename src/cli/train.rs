//! `gloss train ner`: trains the entity tagger over the project's own tokenizer and writes the
//! model file that `models/ner.bin` is (see `models/README.md` for the recorded command).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Subcommand;
use rayon::prelude::*;

use super::data::{char_to_byte, read_jsonl, NerDoc, QuoteDoc};
use crate::analysis::ner::features::Lexicon;
use crate::analysis::ner::lexicon::NewsLexicon;
use crate::analysis::ner::model::{Model, CLASSES};
use crate::analysis::ner::train::Example;
use crate::analysis::ner::train::{
    ner_examples, train, Alignment, GoldDocument, Progress, TrainConfig,
};
use crate::analysis::ner::{tag_with, TaggedMention};
use crate::analysis::segment;
use crate::analysis::statements::{self, tagger as st_tagger};
use crate::analysis::Analyzer;
use crate::eval::ner::{NerScore, SpanSet};
use crate::eval::statements::{Piece, StatementScore};

#[derive(Subcommand)]
pub enum TrainCommand {
    /// Train the entity tagger.
    Ner(TrainNerArgs),
    /// Train the statement tagger (source, cue and content spans) on PolNeAR-format data.
    Statements(TrainStatementsArgs),
}

#[derive(clap::Args)]
pub struct TrainStatementsArgs {
    /// Gold training files (statements JSONL); may be repeated.
    #[arg(long, num_args = 1.., required = true)]
    train: Vec<PathBuf>,
    /// Gold dev file, scored after every epoch.
    #[arg(long)]
    dev: Option<PathBuf>,
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    #[arg(long, default_value_t = 2)]
    min_count: u32,
    #[arg(long, default_value = "gloss-statements-perceptron")]
    name: String,
    #[arg(long, default_value = "0.1.0")]
    version: String,
}

#[derive(clap::Args)]
pub struct TrainNerArgs {
    /// Gold training files (NER JSONL); may be repeated.
    #[arg(long, num_args = 1.., required = true)]
    train: Vec<PathBuf>,
    /// Gold dev file, scored after every epoch.
    #[arg(long)]
    dev: Vec<PathBuf>,
    /// Where to write the model.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 12)]
    epochs: usize,
    /// Features seen fewer times in training get no weight.
    #[arg(long, default_value_t = 2)]
    min_count: u32,
    #[arg(long, default_value = "gloss-ner-perceptron")]
    name: String,
    #[arg(long, default_value = "0.1.0")]
    version: String,
}

fn gold_documents(docs: &[NerDoc]) -> Vec<GoldDocument> {
    docs.iter()
        .map(|d| {
            let map = char_to_byte(&d.text);
            let spans = d
                .entities
                .iter()
                .filter_map(|e| {
                    let class = CLASSES.iter().position(|c| *c == e.label)?;
                    Some((*map.get(e.start)?, *map.get(e.end)?, class))
                })
                .collect();
            GoldDocument {
                text: d.text.clone(),
                spans,
            }
        })
        .collect()
}

/// Scores a model snapshot on gold documents (name mentions, MISC dropped as in service).
fn dev_score(model: &Model, lexicon: &NewsLexicon, docs: &[NerDoc]) -> NerScore {
    let preds: Vec<SpanSet> = docs
        .par_iter()
        .map(|d| {
            let seg = segment::segment(&d.text);
            let mentions: Vec<TaggedMention> = tag_with(model, lexicon, &d.text, &seg);
            let cp = |b: usize| d.text[..b].chars().count();
            mentions
                .iter()
                .filter_map(|m| {
                    Some((cp(m.start), cp(m.end), m.entity_type()?.short().to_string()))
                })
                .collect()
        })
        .collect();
    let mut s = NerScore::default();
    for (d, p) in docs.iter().zip(&preds) {
        s.add(&d.gold_spans(), p);
    }
    s
}

pub fn run(cmd: TrainCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TrainCommand::Ner(a) => train_ner(a),
        TrainCommand::Statements(a) => train_statements(a),
    }
}

/// A statements document with the stages before statements already run.
struct Prepared {
    doc: QuoteDoc,
    seg: crate::analysis::segment::Segmentation,
    entities: Vec<crate::analysis::entities::EntityGroup>,
}

fn prepare_statements(analyzer: &Analyzer, docs: Vec<QuoteDoc>) -> Vec<Prepared> {
    docs.into_par_iter()
        .map(|doc| {
            let (seg, entities) = analyzer.entities_of(&doc.text);
            Prepared { doc, seg, entities }
        })
        .collect()
}

fn score_prepared(
    model: &Model,
    lexicon: &(dyn Lexicon + Sync),
    docs: &[Prepared],
) -> StatementScore {
    let preds: Vec<Vec<Piece>> = docs
        .par_iter()
        .map(|p| {
            let found = statements::extract(
                &p.doc.text,
                &p.seg,
                &p.entities,
                statements::Spans::Perceptron(model),
                lexicon,
            );
            let cp = |b: usize| p.doc.text[..b].chars().count();
            found
                .iter()
                .flat_map(|st| {
                    st.content.iter().map(move |&(s, e)| Piece {
                        start: cp(s),
                        end: cp(e),
                        speaker: st
                            .speaker
                            .map(|sp| p.doc.text[sp.start..sp.end].to_string()),
                        speaker_spans: st
                            .speaker
                            .map(|sp| vec![(cp(sp.start), cp(sp.end))])
                            .unwrap_or_default(),
                    })
                })
                .collect()
        })
        .collect();
    let mut score = StatementScore::default();
    for (p, pred) in docs.iter().zip(&preds) {
        let gold = p.doc.gold_pieces();
        score.add(&p.doc.text, &gold, pred);
    }
    score
}

fn train_statements(a: TrainStatementsArgs) -> anyhow::Result<ExitCode> {
    let t0 = Instant::now();
    let analyzer = Analyzer::embedded()?;
    let mut docs: Vec<QuoteDoc> = Vec::new();
    for p in &a.train {
        let d: Vec<QuoteDoc> = read_jsonl(p)?;
        eprintln!("train: {} documents from {}", d.len(), p.display());
        docs.extend(d);
    }
    let train_docs = prepare_statements(&analyzer, docs);
    let dev = match &a.dev {
        Some(p) => prepare_statements(&analyzer, read_jsonl(p)?),
        None => Vec::new(),
    };
    eprintln!(
        "entities found for {} + {} documents [{:.1}s]",
        train_docs.len(),
        dev.len(),
        t0.elapsed().as_secs_f64()
    );
    // Gold spans in byte offsets, per training document.
    let gold: Vec<Vec<(usize, usize, usize)>> = train_docs
        .iter()
        .map(|p| {
            let map = char_to_byte(&p.doc.text);
            let b = |i: usize| map.get(i).copied().unwrap_or(p.doc.text.len());
            let mut gold = Vec::new();
            for q in &p.doc.quotes {
                gold.push((b(q.start), b(q.end), st_tagger::CONTENT));
                for &(s, e) in &q.cue_spans {
                    gold.push((b(s), b(e), st_tagger::CUE));
                }
                for &(s, e) in &q.speaker_spans {
                    gold.push((b(s), b(e), st_tagger::SOURCE));
                }
            }
            gold
        })
        .collect();
    // The cue words are learnt first: the features consult them, and they are saved with the
    // model.
    let words = st_tagger::learn_cue_words(train_docs.iter().zip(&gold).map(|(p, g)| {
        let cues = g
            .iter()
            .filter(|s| s.2 == st_tagger::CUE)
            .map(|s| (s.0, s.1))
            .collect();
        (p.doc.text.as_str(), &p.seg, cues)
    }));
    eprintln!("{} cue words learnt", words.len());
    let lexicon = analyzer.tagger().lexicon.as_ref();
    let examples: Vec<Example> = train_docs
        .par_iter()
        .zip(&gold)
        .flat_map_iter(|(p, gold)| {
            let ctx = st_tagger::Context::new(&p.doc.text, &p.seg, &p.entities, &words, lexicon);
            st_tagger::examples(&ctx, gold)
        })
        .collect();
    let config = TrainConfig {
        epochs: a.epochs,
        min_count: a.min_count,
        name: a.name.clone(),
        version: a.version.clone(),
        words,
    };
    let model = train(examples, &config, &mut |p| match p {
        Progress::Prepared {
            sequences,
            features,
        } => eprintln!(
            "prepared {sequences} paragraphs, {features} features [{:.1}s]",
            t0.elapsed().as_secs_f64()
        ),
        Progress::Epoch {
            epoch,
            errors,
            tokens,
            model,
        } => {
            let dev_note = if dev.is_empty() {
                String::new()
            } else {
                let (p, r, f, acc, qs) = score_prepared(model, lexicon, &dev).overlap50();
                format!("; dev overlap50 P {p:.4} R {r:.4} F1 {f:.4}, speaker acc {acc:.4}, quote+speaker F1 {qs:.4}")
            };
            eprintln!(
                "epoch {epoch}: {errors} token errors of {tokens}{dev_note} [{:.1}s]",
                t0.elapsed().as_secs_f64()
            );
        }
    });
    let bytes = save(&model, &a.out, t0)?;
    if let Some(p) = &a.dev {
        let saved = Model::from_bytes(&bytes)?;
        print!(
            "{}",
            score_prepared(&saved, lexicon, &dev)
                .report(&p.display().to_string(), &a.out.display().to_string())
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn train_ner(a: TrainNerArgs) -> anyhow::Result<ExitCode> {
    let t0 = Instant::now();
    let mut docs = Vec::new();
    for p in &a.train {
        let d: Vec<NerDoc> = read_jsonl(p)?;
        eprintln!("train: {} documents from {}", d.len(), p.display());
        docs.extend(d);
    }
    let dev: Vec<(PathBuf, Vec<NerDoc>)> = a
        .dev
        .iter()
        .map(|p| Ok((p.clone(), read_jsonl(p)?)))
        .collect::<anyhow::Result<_>>()?;
    let gold = gold_documents(&docs);
    let lexicon = NewsLexicon::embedded();
    let config = TrainConfig {
        epochs: a.epochs,
        min_count: a.min_count,
        name: a.name.clone(),
        version: a.version.clone(),
        words: Default::default(),
    };
    let mut alignment = Alignment::default();
    let examples = ner_examples(&gold, &lexicon, &mut alignment);
    let model = train(examples, &config, &mut |p| {
        match p {
        Progress::Prepared {
            sequences,
            features,
        } => eprintln!(
            "prepared {sequences} sentences, {features} features; {} of {} gold spans ({:.2}%) do not align with tokens [{:.1}s]",
            alignment.unaligned,
            alignment.spans,
            100.0 * alignment.unaligned as f64 / alignment.spans.max(1) as f64,
            t0.elapsed().as_secs_f64()
        ),
        Progress::Epoch {
            epoch,
            errors,
            tokens,
            model,
        } => {
            let scores: Vec<String> = dev
                .iter()
                .map(|(p, d)| {
                    let name = p.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                    format!("{name} F1 {:.4}", dev_score(model, &lexicon, d).micro_f1())
                })
                .collect();
            eprintln!(
                "epoch {epoch}: {errors} token errors of {tokens}; dev {} [{:.1}s]",
                scores.join(", "),
                t0.elapsed().as_secs_f64()
            );
        }
    }
    });
    let bytes = save(&model, &a.out, t0)?;
    for (p, d) in &dev {
        // Score the saved (quantized) model, which is what ships.
        let saved = Model::from_bytes(&bytes)?;
        print!(
            "{}",
            dev_score(&saved, &lexicon, d)
                .report(&p.display().to_string(), &a.out.display().to_string())
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a trained model and says where, how large, and after how long; returns its bytes.
fn save(model: &Model, out: &std::path::Path, t0: Instant) -> anyhow::Result<Vec<u8>> {
    let bytes = model.to_bytes();
    std::fs::write(out, &bytes)?;
    eprintln!(
        "wrote {} ({} features, {:.1} MB) in {:.1}s",
        out.display(),
        model.index.len(),
        bytes.len() as f64 / 1e6,
        t0.elapsed().as_secs_f64()
    );
    Ok(bytes)
}
