//! gloss: reads a news article and says who is in it and who said what.
//!
//! The crate is split the way the product is:
//! - [`analysis`]: the pure core. Text in, annotations out; no I/O, no async, no HTTP types.
//! - [`http`]: the HTTP shell (axum) over one shared [`analysis::Analyzer`].
//! - [`cli`]: the command-line shell (`gloss serve | annotate | eval | train`).
//! - [`eval`]: scorers that reproduce `../shared/tools/score_*.py`.
//! - [`model_files`]: the model files the shells read from disk.

pub mod analysis;
pub mod api;
pub mod cli;
pub mod eval;
pub mod http;
pub mod model_files;
