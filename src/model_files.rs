//! Model files the shells read from disk (the analysis core does no I/O).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::analysis::AccurateFiles;

/// The statement transformer's file name, beside the entity model.
pub const ACCURATE_STATEMENTS_FILE: &str = "statements-minilm.onnx";

/// Reads the accurate mode's files: the entity model `onnx`, the `vocab.txt` beside it, and the
/// statement model beside it if there is one (without it, accurate requests take their
/// statements from the perceptron).
pub fn read_accurate_model(onnx: &Path) -> Result<AccurateFiles, String> {
    let vocab = onnx.with_file_name("vocab.txt");
    let entities = std::fs::read(onnx)
        .map_err(|e| format!("cannot read accurate model {}: {e}", onnx.display()))?;
    let vocab = std::fs::read_to_string(&vocab)
        .map_err(|e| format!("cannot read vocabulary {}: {e}", vocab.display()))?;
    let statements_path = onnx.with_file_name(ACCURATE_STATEMENTS_FILE);
    let statements = match std::fs::read(&statements_path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(format!(
                "cannot read statement model {}: {e}",
                statements_path.display()
            ))
        }
    };
    Ok(AccurateFiles {
        entities: Cow::Owned(entities),
        statements: statements.map(Cow::Owned),
        vocab: Cow::Owned(vocab),
    })
}

/// An [`crate::analysis::Analyzer`] source that reads the accurate model from `onnx` when it is
/// first needed.
pub fn accurate_source(onnx: PathBuf) -> Box<crate::analysis::AccurateSource> {
    Box::new(move || read_accurate_model(&onnx))
}
