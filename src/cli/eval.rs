//! `gloss eval ner|statements`: annotate gold documents and score them as the reference
//! scorers do, optionally failing below a bar (for CI).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use rayon::prelude::*;

use super::data::{read_jsonl, NerDoc, QuoteDoc};
use super::ModelArgs;
use crate::analysis::annotation::{Annotation, MentionKind};
use crate::analysis::{Analyzer, Document};
use crate::eval::ner::{NerScore, SpanSet};
use crate::eval::statements::{Piece, StatementScore};

#[derive(Subcommand)]
pub enum EvalCommand {
    /// Entity tagging: exact spans, P/R/F1 per type and micro PER+ORG+LOC.
    Ner(EvalArgs),
    /// Statements: content pieces, speakers, quote+speaker.
    Statements(EvalArgs),
}

#[derive(clap::Args)]
pub struct EvalArgs {
    /// Gold JSONL file (the `../shared/data` formats).
    #[arg(long)]
    gold: PathBuf,
    /// Exit non-zero when the headline F1 (micro PER+ORG+LOC, or overlap50 content F1) is
    /// below this value, in [0, 1].
    #[arg(long)]
    min_f1: Option<f64>,
    #[command(flatten)]
    model: ModelArgs,
}

/// Says on stderr which model scores (stdout stays the reference scorers' report): the
/// accurate model's version carries its arithmetic, whose scores differ in the last digits.
fn say_which_model(analyzer: &Analyzer) {
    let model = analyzer.model_info(analyzer.default_tagger());
    eprintln!("gloss eval: model {} {}", model.name, model.version);
}

pub fn run(cmd: EvalCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        EvalCommand::Ner(a) => {
            let analyzer = a.model.analyzer()?;
            say_which_model(&analyzer);
            let docs: Vec<NerDoc> = read_jsonl(&a.gold)?;
            let score = score_ner(&analyzer, &docs);
            print!("{}", score.report(&a.gold.display().to_string(), "gloss"));
            Ok(gate(score.micro_f1(), a.min_f1, "micro-F1 PER+ORG+LOC"))
        }
        EvalCommand::Statements(a) => {
            let analyzer = a.model.analyzer()?;
            say_which_model(&analyzer);
            let docs: Vec<QuoteDoc> = read_jsonl(&a.gold)?;
            let score = score_statements(&analyzer, &docs);
            print!("{}", score.report(&a.gold.display().to_string(), "gloss"));
            Ok(gate(score.overlap50().2, a.min_f1, "overlap50 content F1"))
        }
    }
}

fn gate(value: f64, min: Option<f64>, what: &str) -> ExitCode {
    match min {
        Some(m) if value < m => {
            eprintln!("gloss eval: {what} {value:.4} is below the bar {m}");
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS,
    }
}

fn annotate_text(analyzer: &Analyzer, text: &str) -> Option<Annotation> {
    analyzer
        .annotate(&Document {
            text: text.to_string(),
            ..Default::default()
        })
        .ok()
}

/// The name mentions of an annotation as scorer spans (what `gloss_to_eval.py ner` makes).
pub fn ner_spans(a: &Annotation) -> SpanSet {
    a.entities
        .iter()
        .flat_map(|e| {
            e.mentions
                .iter()
                .filter(|m| m.kind == MentionKind::Name)
                .map(move |m| (m.start, m.end, e.entity_type.short().to_string()))
        })
        .collect()
}

pub fn score_ner(analyzer: &Analyzer, docs: &[NerDoc]) -> NerScore {
    let preds: Vec<SpanSet> = docs
        .par_iter()
        .map(|d| {
            annotate_text(analyzer, &d.text)
                .map(|a| ner_spans(&a))
                .unwrap_or_default()
        })
        .collect();
    let mut score = NerScore::default();
    for (d, p) in docs.iter().zip(&preds) {
        score.add(&d.gold_spans(), p);
    }
    score
}

pub fn score_statements(analyzer: &Analyzer, docs: &[QuoteDoc]) -> StatementScore {
    let preds: Vec<Vec<Piece>> = docs
        .par_iter()
        .map(|d| {
            let Some(a) = annotate_text(analyzer, &d.text) else {
                return Vec::new();
            };
            a.statements
                .iter()
                .flat_map(|s| {
                    s.content.iter().map(move |c| Piece {
                        start: c.start,
                        end: c.end,
                        speaker: s.speaker.as_ref().map(|sp| sp.text.clone()),
                        speaker_spans: s
                            .speaker
                            .as_ref()
                            .map(|sp| vec![(sp.start, sp.end)])
                            .unwrap_or_default(),
                    })
                })
                .collect()
        })
        .collect();
    let mut score = StatementScore::default();
    for (d, p) in docs.iter().zip(&preds) {
        let gold = d.gold_pieces();
        score.add(&d.text, &gold, p);
    }
    score
}
