//! Errors of the analysis core. Each is a fault of the input the caller can fix; the HTTP shell
//! maps them to problem+json and the CLI prints them.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AnalysisError {
    #[error("`text` is empty: there is nothing to annotate")]
    EmptyText,
}

/// Errors loading a model file.
#[derive(Debug, Error)]
pub enum ModelError {
    #[error("model file is not a gloss model: {0}")]
    Format(String),
    #[error("could not read model file: {0}")]
    Io(#[from] std::io::Error),
}
