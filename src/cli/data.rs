//! Reading the shared gold data (`../shared/data`): JSONL with code-point offsets.

use std::io::BufRead;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct NerDoc {
    pub id: serde_json::Value,
    pub text: String,
    #[serde(default)]
    pub entities: Vec<NerSpan>,
}

#[derive(Deserialize)]
pub struct NerSpan {
    pub start: usize,
    pub end: usize,
    pub label: String,
}

#[derive(Deserialize)]
pub struct QuoteDoc {
    pub id: serde_json::Value,
    pub text: String,
    #[serde(default)]
    pub quotes: Vec<GoldQuote>,
}

#[derive(Deserialize)]
pub struct GoldQuote {
    pub start: usize,
    pub end: usize,
    pub speaker: Option<String>,
    #[serde(default)]
    pub speaker_spans: Vec<(usize, usize)>,
    #[serde(default)]
    pub cue_spans: Vec<(usize, usize)>,
}

impl NerDoc {
    /// The gold spans (code points, with their labels) as the scorer sees them.
    pub fn gold_spans(&self) -> crate::eval::ner::SpanSet {
        self.entities
            .iter()
            .map(|e| (e.start, e.end, e.label.clone()))
            .collect()
    }
}

impl QuoteDoc {
    /// The gold content pieces as the scorer sees them.
    pub fn gold_pieces(&self) -> Vec<crate::eval::statements::Piece> {
        self.quotes
            .iter()
            .map(|q| crate::eval::statements::Piece {
                start: q.start,
                end: q.end,
                speaker: q.speaker.clone(),
                speaker_spans: q.speaker_spans.clone(),
            })
            .collect()
    }
}

/// Reads every non-empty line of a JSONL file.
pub fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<Vec<T>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.with_context(|| format!("{}:{}", path.display(), n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line)
                .with_context(|| format!("{}:{}: not a gold document", path.display(), n + 1))?,
        );
    }
    Ok(out)
}

/// Byte offset of each code point index, plus the length at the end.
pub fn char_to_byte(text: &str) -> Vec<usize> {
    let mut v: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    v.push(text.len());
    v
}
