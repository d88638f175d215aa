//! The command-line shell: `gloss serve | annotate | eval | train | openapi`.

mod annotate;
pub mod data;
mod eval;
mod healthcheck;
mod tokens;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::analysis::{Analyzer, TaggerChoice};

#[derive(Parser)]
#[command(
    name = "gloss",
    version,
    about = "Reads a news article and says who is in it and who said what."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Which entity model to use.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ModelArgs {
    /// `fast` (the embedded linear tagger, default), `accurate` (the transformer), or the path
    /// of a linear model file to load instead of the embedded one.
    #[arg(long, env = "GLOSS_MODEL", value_name = "fast|accurate|PATH")]
    pub model: Option<String>,
    /// Another accurate-mode model (ONNX) in place of the embedded one: an entity model,
    /// with a statement head or without one. Its `vocab.txt` sits beside it, and so may, for a
    /// model without a statement head, a statement model `statements-minilm.onnx`.
    #[arg(long, env = "GLOSS_ACCURATE_MODEL", value_name = "PATH")]
    pub accurate_model: Option<PathBuf>,
    /// Switch accurate mode off: accurate requests are answered 501 (for servers that must
    /// not spend the transformers' memory).
    #[arg(long, env = "GLOSS_NO_ACCURATE", conflicts_with = "accurate_model")]
    pub no_accurate: bool,
    /// The accurate mode's arithmetic: `auto` runs its matrix products in int8 on CPUs with
    /// AVX-512 VNNI (about four times faster) and in f32 elsewhere; `f32` runs f32 everywhere
    /// (the reference; scores within a few tenths of a point of int8's).
    #[arg(long, env = "GLOSS_ACCURATE_ARITHMETIC", value_enum, default_value_t = ArithmeticArg::Auto)]
    pub accurate_arithmetic: ArithmeticArg,
}

/// `--accurate-arithmetic`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ArithmeticArg {
    #[default]
    Auto,
    F32,
}

impl From<ArithmeticArg> for crate::analysis::ner::transformer::Arithmetic {
    fn from(arg: ArithmeticArg) -> Self {
        match arg {
            ArithmeticArg::Auto => Self::Auto,
            ArithmeticArg::F32 => Self::F32,
        }
    }
}

impl ModelArgs {
    pub fn analyzer(&self) -> anyhow::Result<Analyzer> {
        let analyzer = match self.model.as_deref() {
            None | Some("fast") | Some("accurate") => Analyzer::embedded()?,
            Some(p) => {
                let bytes =
                    std::fs::read(p).map_err(|e| anyhow::anyhow!("cannot read model {p}: {e}"))?;
                Analyzer::from_model_bytes(&bytes).map_err(|e| anyhow::anyhow!("{p}: {e}"))?
            }
        };
        let analyzer = match &self.accurate_model {
            _ if self.no_accurate => {
                if self.model.as_deref() == Some("accurate") {
                    anyhow::bail!(
                        "--model accurate needs accurate mode, which --no-accurate switches off"
                    );
                }
                analyzer.without_accurate()
            }
            Some(p) if !p.is_file() => {
                anyhow::bail!("cannot read accurate model {}: no such file", p.display())
            }
            Some(onnx) => {
                analyzer.with_accurate_source(crate::model_files::accurate_source(onnx.clone()))
            }
            None => analyzer,
        }
        .with_accurate_arithmetic(self.accurate_arithmetic.into());
        Ok(if self.model.as_deref() == Some("accurate") {
            // Build it now: a missing or broken model should stop the command, not each
            // document.
            analyzer.accurate_tagger()?;
            analyzer.with_default_tagger(TaggerChoice::Accurate)
        } else {
            analyzer
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API.
    Serve(crate::http::config::ServeArgs),
    /// Annotate files, stdin, or JSONL requests; annotations are written to stdout.
    Annotate(annotate::AnnotateArgs),
    /// Score gloss on gold data, printing what the reference scorers print.
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Train a model from gold data.
    #[command(subcommand)]
    Train(train::TrainCommand),
    /// Print the OpenAPI document the server implements (regenerates openapi.yaml).
    Openapi,
    /// Probe a running server's /healthz (for container HEALTHCHECKs; no curl needed).
    Healthcheck(healthcheck::HealthcheckArgs),
    /// Print the sentences and tokens gloss sees in JSONL documents (for training scripts).
    #[command(hide = true)]
    Tokens(tokens::TokensArgs),
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => crate::http::serve(args),
        Command::Annotate(args) => annotate::run(args),
        Command::Eval(cmd) => eval::run(cmd),
        Command::Train(cmd) => train::run(cmd),
        Command::Healthcheck(args) => healthcheck::run(args),
        Command::Tokens(args) => tokens::run(args),
        Command::Openapi => {
            print!("{}", crate::http::openapi::generate_yaml());
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("gloss: {e:#}");
            ExitCode::FAILURE
        }
    }
}
