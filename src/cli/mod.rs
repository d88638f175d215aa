//! The command-line shell: `gloss serve | annotate | eval | train | openapi`.

mod annotate;
pub mod data;
mod eval;
mod healthcheck;
mod tokens;
mod train;

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
    /// `fast` (the embedded linear tagger, default), `accurate` (the embedded transformer), or
    /// the path of a linear model file to load instead of the embedded one.
    #[arg(long, env = "GLOSS_MODEL", value_name = "fast|accurate|PATH")]
    pub model: Option<String>,
}

impl ModelArgs {
    pub fn analyzer(&self) -> anyhow::Result<Analyzer> {
        Ok(match self.model.as_deref() {
            None | Some("fast") => Analyzer::embedded()?,
            Some("accurate") => {
                let analyzer = Analyzer::embedded()?.with_default_tagger(TaggerChoice::Accurate);
                // Load it now: a broken model should stop the command, not each document.
                analyzer.accurate_tagger()?;
                analyzer
            }
            Some(p) => {
                let bytes =
                    std::fs::read(p).map_err(|e| anyhow::anyhow!("cannot read model {p}: {e}"))?;
                Analyzer::from_model_bytes(&bytes).map_err(|e| anyhow::anyhow!("{p}: {e}"))?
            }
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
