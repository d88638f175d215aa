//! Throughput of the analysis stages on one core: `cargo bench`.
//!
//! Texts: the first 300 BBC articles of `../shared/data/unlabeled` when present (untokenized
//! news as newsrooms send it), else the test fixtures. Reported as tokens per second
//! (criterion's elements/s), single-threaded; the accurate tagger in words per second.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gloss::analysis::{segment, Analyzer, Document, TaggerChoice};

fn texts() -> Vec<String> {
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/unlabeled/bbc_news_2004_2005.jsonl"
    );
    if let Ok(s) = std::fs::read_to_string(shared) {
        return s
            .lines()
            .take(300)
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["text"].as_str().map(str::to_owned))
            .collect();
    }
    ["harbor-strike.txt", "council-vote.txt", "two-clintons.txt"]
        .iter()
        .map(|f| {
            std::fs::read_to_string(format!("{}/tests/fixtures/{f}", env!("CARGO_MANIFEST_DIR")))
                .unwrap_or_default()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let analyzer = Analyzer::embedded().expect("embedded model");
    let texts = texts();
    let tokens: usize = texts.iter().map(|t| segment::tokenize(t).len()).sum();
    let mut g = c.benchmark_group("news");
    g.throughput(Throughput::Elements(tokens as u64));
    g.sample_size(10);
    g.bench_function("segment", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| segment::segment(t).tokens.len())
                .sum::<usize>()
        })
    });
    g.bench_function("segment+tag", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| {
                    let seg = segment::segment(t);
                    analyzer.tagger().tag(t, &seg).len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("segment+tag+entities", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| analyzer.entities_of(t).1.len())
                .sum::<usize>()
        })
    });
    g.bench_function("segment+tag+entities+statements", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| {
                    let (seg, ents) = analyzer.entities_of(t);
                    statements_len(&analyzer, t, &seg, &ents)
                })
                .sum::<usize>()
        })
    });
    g.bench_function("annotate (all stages)", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| {
                    let doc = Document {
                        text: t.clone(),
                        ..Default::default()
                    };
                    analyzer
                        .annotate(&doc)
                        .map(|a| a.statements.len())
                        .unwrap_or(0)
                })
                .sum::<usize>()
        })
    });
    g.finish();

    // The two learned stages alone, on inputs prepared beforehand, so their costs compare
    // directly rather than as a difference of two noisy cumulative timings: the entity tagger
    // (features, emissions, Viterbi) against the statement stage (its own tagger, assembly
    // and speaker linking).
    let prepared: Vec<_> = texts
        .iter()
        .map(|t| {
            let (seg, ents) = analyzer.entities_of(t);
            (t.as_str(), seg, ents)
        })
        .collect();
    let mut g = c.benchmark_group("stage");
    g.throughput(Throughput::Elements(tokens as u64));
    g.sample_size(20);
    g.bench_function("entity tagger", |b| {
        b.iter(|| {
            prepared
                .iter()
                .map(|(t, seg, _)| analyzer.tagger().tag(t, seg).len())
                .sum::<usize>()
        })
    });
    g.bench_function("statements", |b| {
        b.iter(|| {
            prepared
                .iter()
                .map(|(t, seg, ents)| statements_len(&analyzer, t, seg, ents))
                .sum::<usize>()
        })
    });
    g.finish();

    // The accurate tagger: a tenth of the texts, throughput in words (white-space separated),
    // the unit the transformer's speed bar is stated in.
    let few: Vec<&String> = texts.iter().take(texts.len().div_ceil(10)).collect();
    let words: usize = few.iter().map(|t| t.split_whitespace().count()).sum();
    let arithmetic = analyzer
        .accurate_tagger()
        .expect("accurate model loads")
        .arithmetic();
    eprintln!("accurate mode runs in {arithmetic} on this CPU");
    let mut g = c.benchmark_group("news-accurate");
    g.throughput(Throughput::Elements(words as u64));
    g.sample_size(10);
    g.bench_function("segment+tag (accurate), words", |b| {
        b.iter(|| {
            few.iter()
                .map(|t| {
                    let seg = segment::segment(t);
                    analyzer
                        .tag(t, &seg, TaggerChoice::Accurate)
                        .map(|m| m.len())
                        .unwrap_or(0)
                })
                .sum::<usize>()
        })
    });
    // The entity transformer alone on prepared inputs, as `stage/` does for fast mode, and the
    // whole accurate annotation. The statement head shares the entity model's encoder, so what
    // statements add is the second less the first: decoding and assembly, no second run.
    let prepared: Vec<_> = few
        .iter()
        .map(|t| (t.as_str(), segment::segment(t)))
        .collect();
    g.bench_function("stage: entity transformer, words", |b| {
        b.iter(|| {
            prepared
                .iter()
                .map(|(t, seg)| {
                    analyzer
                        .tag(t, seg, TaggerChoice::Accurate)
                        .map_or(0, |m| m.len())
                })
                .sum::<usize>()
        })
    });
    let docs: Vec<Document> = few
        .iter()
        .map(|t| Document {
            text: t.to_string(),
            model: Some(TaggerChoice::Accurate),
            ..Default::default()
        })
        .collect();
    g.bench_function("annotate (accurate), words", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| analyzer.annotate(d).map_or(0, |a| a.statements.len()))
                .sum::<usize>()
        })
    });
    // The same in tract's f32 (`--accurate-arithmetic f32`), which CPUs without AVX-512 VNNI
    // run: the int8 encoder's gain, measured in the same run.
    if arithmetic != "f32" {
        let f32_analyzer = gloss::analysis::Analyzer::embedded()
            .expect("embedded model loads")
            .with_accurate_arithmetic(gloss::analysis::ner::transformer::Arithmetic::F32);
        f32_analyzer
            .accurate_tagger()
            .expect("accurate model loads");
        g.bench_function("annotate (accurate, f32), words", |b| {
            b.iter(|| {
                docs.iter()
                    .map(|d| f32_analyzer.annotate(d).map_or(0, |a| a.statements.len()))
                    .sum::<usize>()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

/// Statements the fast mode finds (the benchmark's measure of work done).
fn statements_len(
    analyzer: &gloss::analysis::Analyzer,
    text: &str,
    seg: &gloss::analysis::segment::Segmentation,
    entities: &[gloss::analysis::entities::EntityGroup],
) -> usize {
    analyzer
        .statements_of(text, seg, entities, gloss::analysis::TaggerChoice::Fast)
        .map_or(0, |s| s.len())
}
