//! `gloss annotate`: files, stdin, or JSONL requests in; one annotation per line out.
//!
//! With `--jsonl`, lines are annotated in parallel in bounded chunks and written in input
//! order, so memory stays bounded whatever the input length. A bad line is reported in place as
//! `{"id", "line", "error": problem}` and the run goes on, exiting non-zero at the end.

use std::io::{BufRead, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde_json::json;

use super::ModelArgs;
use crate::analysis::{Analyzer, Document, InputFormat, OffsetUnit};
use crate::api::{parse_json, AnnotateRequest, Problem};

#[derive(clap::Args)]
pub struct AnnotateArgs {
    /// Input files (one article each, or JSONL with --jsonl); stdin when none.
    files: Vec<PathBuf>,
    /// Each input line is a request object `{"id", "text", "format"?, "offsets"?}`.
    #[arg(long)]
    jsonl: bool,
    /// Offset unit, unless a JSONL line says otherwise.
    #[arg(long, value_parser = ["codepoint", "utf16", "utf8"], default_value = "codepoint")]
    offsets: String,
    /// Input format, unless a JSONL line says otherwise.
    #[arg(long, value_parser = ["text", "html"], default_value = "text")]
    format: String,
    /// Pretty-print (one annotation per input file only).
    #[arg(long)]
    pretty: bool,
    #[command(flatten)]
    model: ModelArgs,
}

/// Lines annotated in parallel at a time; bounds memory and keeps output in order.
const CHUNK: usize = 256;

pub fn run(a: AnnotateArgs) -> anyhow::Result<ExitCode> {
    let analyzer = a.model.analyzer()?;
    let offsets = OffsetUnit::parse(&a.offsets).unwrap_or_default();
    let format = InputFormat::parse(&a.format).unwrap_or_default();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let progress = if std::io::stderr().is_terminal() {
        let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template("{spinner} {pos} documents  {per_sec}  {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        pb
    } else {
        ProgressBar::hidden()
    };
    let mut failures = 0usize;
    if a.jsonl {
        let mut readers: Vec<(String, Box<dyn BufRead>)> = Vec::new();
        if a.files.is_empty() {
            readers.push(("stdin".into(), Box::new(std::io::stdin().lock())));
        }
        for f in &a.files {
            let file =
                std::fs::File::open(f).with_context(|| format!("cannot open {}", f.display()))?;
            readers.push((
                f.display().to_string(),
                Box::new(std::io::BufReader::new(file)),
            ));
        }
        for (name, reader) in readers {
            failures += annotate_jsonl(&analyzer, reader, &mut out, offsets, format, &progress)
                .with_context(|| format!("reading {name}"))?;
        }
    } else {
        let mut inputs: Vec<(Option<String>, String)> = Vec::new();
        if a.files.is_empty() {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("stdin is not UTF-8 text")?;
            inputs.push((None, s));
        }
        for f in &a.files {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read {} as UTF-8 text", f.display()))?;
            inputs.push((Some(f.display().to_string()), text));
        }
        for (id, text) in inputs {
            let doc = Document {
                id: id.clone(),
                text,
                format,
                offsets,
                model: None,
            };
            match analyzer.annotate(&doc) {
                Ok(ann) => {
                    if a.pretty {
                        serde_json::to_writer_pretty(&mut out, &ann)?;
                    } else {
                        serde_json::to_writer(&mut out, &ann)?;
                    }
                    writeln!(out)?;
                }
                Err(e) => {
                    failures += 1;
                    eprintln!("gloss: {}: {e}", id.as_deref().unwrap_or("stdin"));
                }
            }
            progress.inc(1);
        }
    }
    out.flush()?;
    progress.finish_and_clear();
    if failures > 0 {
        eprintln!("gloss: {failures} document(s) failed");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Annotates JSONL requests; returns how many lines failed.
fn annotate_jsonl(
    analyzer: &Analyzer,
    mut reader: Box<dyn BufRead>,
    out: &mut impl Write,
    offsets: OffsetUnit,
    format: InputFormat,
    progress: &ProgressBar,
) -> anyhow::Result<usize> {
    let mut failures = 0;
    let mut line_no = 0usize;
    loop {
        // Read one chunk of raw lines (bytes, so invalid UTF-8 is a per-line error).
        let mut chunk: Vec<(usize, Vec<u8>)> = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            let mut buf = Vec::new();
            if reader.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            line_no += 1;
            if buf.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            chunk.push((line_no, buf));
        }
        if chunk.is_empty() {
            break;
        }
        let results: Vec<Result<String, String>> = chunk
            .par_iter()
            .map(|(n, raw)| annotate_line(analyzer, raw, *n, offsets, format))
            .collect();
        for r in results {
            match r {
                Ok(s) => writeln!(out, "{s}")?,
                Err(s) => {
                    failures += 1;
                    writeln!(out, "{s}")?;
                }
            }
            progress.inc(1);
        }
    }
    Ok(failures)
}

fn annotate_line(
    analyzer: &Analyzer,
    raw: &[u8],
    line: usize,
    offsets: OffsetUnit,
    format: InputFormat,
) -> Result<String, String> {
    let fail = |id: Option<String>, p: Problem| {
        Err(json!({"id": id, "line": line, "error": p}).to_string())
    };
    let req: AnnotateRequest = match parse_json(raw) {
        Ok(r) => r,
        Err(p) => {
            // Keep the id when the line is JSON with an id but the wrong shape.
            let id = serde_json::from_slice::<serde_json::Value>(raw)
                .ok()
                .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned));
            return fail(id, p);
        }
    };
    let id = req.id.clone();
    let req = AnnotateRequest {
        format: req.format.or_else(|| {
            Some(
                if format == InputFormat::Html {
                    "html"
                } else {
                    "text"
                }
                .into(),
            )
        }),
        offsets: req.offsets.or_else(|| {
            Some(
                match offsets {
                    OffsetUnit::Codepoint => "codepoint",
                    OffsetUnit::Utf16 => "utf16",
                    OffsetUnit::Utf8 => "utf8",
                }
                .into(),
            )
        }),
        ..req
    };
    let doc = match req.into_document() {
        Ok(d) => d,
        Err(p) => return fail(id, p),
    };
    match analyzer.annotate(&doc) {
        Ok(ann) => serde_json::to_string(&ann).map_err(|e| e.to_string()),
        Err(e) => fail(id, Problem::from(&e)),
    }
}
