//! Model files the shells read from disk (the analysis core does no I/O).

use std::path::{Path, PathBuf};

/// The accurate model's file in a checkout of the repository.
pub const ACCURATE_MODEL_FILE: &str = "models/accurate/ner-minilm.onnx";

/// The accurate model in this crate's own checkout, for tests and benchmarks.
pub fn checkout_accurate_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(ACCURATE_MODEL_FILE)
}

/// Reads the accurate model: the ONNX file and the `vocab.txt` beside it.
pub fn read_accurate_model(onnx: &Path) -> Result<(Vec<u8>, String), String> {
    let vocab = onnx.with_file_name("vocab.txt");
    let bytes = std::fs::read(onnx)
        .map_err(|e| format!("cannot read accurate model {}: {e}", onnx.display()))?;
    let words = std::fs::read_to_string(&vocab)
        .map_err(|e| format!("cannot read vocabulary {}: {e}", vocab.display()))?;
    Ok((bytes, words))
}

/// An [`crate::analysis::Analyzer`] source that reads the accurate model from `onnx` when it is
/// first needed.
pub fn accurate_source(onnx: PathBuf) -> Box<crate::analysis::AccurateSource> {
    Box::new(move || read_accurate_model(&onnx))
}
