//! Errors of the analysis core. The HTTP shell maps them to problem+json and the CLI prints them.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AnalysisError {
    #[error("`text` is empty: there is nothing to annotate")]
    EmptyText,
    /// The accurate model could not be loaded or run (a fault of the build, not the input).
    #[error("the accurate model is unavailable: {0}")]
    ModelUnavailable(String),
}

/// Errors loading a model file.
#[derive(Debug, Error)]
pub enum ModelError {
    #[error("model file is not a gloss model: {0}")]
    Format(String),
    #[error("could not read model file: {0}")]
    Io(#[from] std::io::Error),
}
