//! `gloss train ner`: trains the entity tagger over the project's own tokenizer and writes the
//! model file that `models/ner.bin` is (see `models/README.md` for the recorded command).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Subcommand;
use rayon::prelude::*;

use super::data::{char_to_byte, read_jsonl, NerDoc};
use crate::analysis::ner::lexicon::NewsLexicon;
use crate::analysis::ner::model::{Model, CLASSES};
use crate::analysis::ner::train::{train, GoldDocument, Progress, TrainConfig};
use crate::analysis::ner::{tag_with, TaggedMention};
use crate::analysis::segment;
use crate::eval::ner::{NerScore, SpanSet};

#[derive(Subcommand)]
pub enum TrainCommand {
    /// Train the entity tagger.
    Ner(TrainNerArgs),
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
        let gold: SpanSet = d
            .entities
            .iter()
            .map(|e| (e.start, e.end, e.label.clone()))
            .collect();
        s.add(&gold, p);
    }
    s
}

pub fn run(cmd: TrainCommand) -> anyhow::Result<ExitCode> {
    let TrainCommand::Ner(a) = cmd;
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
    };
    let model = train(&gold, &lexicon, &config, &mut |p| {
        match p {
        Progress::Prepared {
            sentences,
            features,
            alignment,
        } => eprintln!(
            "prepared {sentences} sentences, {features} features; {} of {} gold spans ({:.2}%) do not align with tokens [{:.1}s]",
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
    let bytes = model.to_bytes();
    std::fs::write(&a.out, &bytes)?;
    eprintln!(
        "wrote {} ({} features, {:.1} MB) in {:.1}s",
        a.out.display(),
        model.index.len(),
        bytes.len() as f64 / 1e6,
        t0.elapsed().as_secs_f64()
    );
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
