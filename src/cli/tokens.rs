//! `gloss tokens`: the project's own sentences and tokens for JSONL documents, so that
//! training scripts outside Rust (the transformer teacher, `models/teacher/`) see exactly the
//! tokens the service sees. Offsets are code points, like the shared data.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Deserialize;

use crate::analysis::offsets::{OffsetMap, OffsetUnit};
use crate::analysis::segment;

#[derive(clap::Args)]
pub struct TokensArgs {
    /// JSONL files whose lines have `id` and `text`.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Deserialize)]
struct Doc {
    id: serde_json::Value,
    text: String,
}

pub fn run(args: TokensArgs) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for path in &args.files {
        for doc in super::data::read_jsonl::<Doc>(path)? {
            let seg = segment::segment(&doc.text);
            let map = OffsetMap::new(&doc.text, OffsetUnit::Codepoint);
            let sentences: Vec<Vec<(usize, usize)>> = seg
                .sentences
                .iter()
                .map(|s| {
                    seg.tokens[s.tokens.0..s.tokens.1]
                        .iter()
                        .map(|t| (map.convert(t.start), map.convert(t.end)))
                        .collect()
                })
                .collect();
            serde_json::to_writer(
                &mut out,
                &serde_json::json!({ "id": doc.id, "sentences": sentences }),
            )?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
