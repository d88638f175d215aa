//! The wire format both shells share: the request object, its validation into a core
//! [`Document`], and RFC 9457 problem details with one stable `type` per error case.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::analysis::{AnalysisError, Document, InputFormat, OffsetUnit, TaggerChoice};

/// A document to annotate.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct AnnotateRequest {
    /// The article: plain text, or HTML with `format: "html"`. Must contain more than white
    /// space.
    #[schema(value_type = String, required = true, pattern = r"\S")]
    pub text: Option<String>,
    /// Echoed in the annotation.
    pub id: Option<String>,
    /// `text` (default) or `html`.
    #[schema(value_type = Option<InputFormat>)]
    pub format: Option<String>,
    /// `codepoint` (default), `utf16` or `utf8`.
    #[schema(value_type = Option<OffsetUnit>)]
    pub offsets: Option<String>,
    /// The taggers: `fast` (default; linear taggers) or `accurate` (a small transformer
    /// with an entity head and a statement head, hundreds of times slower).
    #[schema(value_type = Option<TaggerChoice>)]
    pub model: Option<String>,
}

/// The article itself, as a `text/plain` or `text/html` body.
#[derive(ToSchema)]
#[schema(value_type = String, pattern = r"\S")]
pub struct ArticleBody(pub String);

impl AnnotateRequest {
    /// Validates the request into a document, or says which field is wrong.
    pub fn into_document(self) -> Result<Document, Problem> {
        let format = match self.format.as_deref() {
            None => InputFormat::Text,
            Some(f) => InputFormat::parse(f).ok_or_else(|| {
                Problem::invalid_field(format!(
                    "unknown format {f:?}: expected \"text\" or \"html\""
                ))
            })?,
        };
        let offsets = match self.offsets.as_deref() {
            None => OffsetUnit::Codepoint,
            Some(u) => OffsetUnit::parse(u).ok_or_else(|| {
                Problem::invalid_field(format!(
                    "unknown offsets unit {u:?}: expected \"codepoint\", \"utf16\" or \"utf8\""
                ))
            })?,
        };
        let model = match self.model.as_deref() {
            None => None,
            Some(m) => Some(TaggerChoice::parse(m).ok_or_else(|| {
                Problem::invalid_field(format!(
                    "unknown model {m:?}: expected \"fast\" or \"accurate\""
                ))
            })?),
        };
        let text = self
            .text
            .ok_or_else(|| Problem::invalid_field("`text` is missing".to_string()))?;
        if crate::analysis::is_blank(&text) {
            return Err(Problem::from(&AnalysisError::EmptyText));
        }
        Ok(Document {
            id: self.id,
            text,
            format,
            offsets,
            model,
        })
    }
}

/// An RFC 9457 problem: what went wrong, in a stable, machine-readable `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A stable URI reference naming the error case (see the README's error table).
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the case.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What was wrong with this request.
    pub detail: String,
}

impl Problem {
    pub fn new(status: u16, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            problem_type: format!("/problems/{slug}"),
            title: title.to_string(),
            status,
            detail: detail.into(),
        }
    }
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(400, "malformed-request", "Malformed request body", detail)
    }
    pub fn invalid_field(detail: impl Into<String>) -> Self {
        Self::new(422, "invalid-field", "Invalid request field", detail)
    }
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(
            415,
            "unsupported-media-type",
            "Unsupported content type",
            detail,
        )
    }
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            413,
            "body-too-large",
            "Request body too large",
            format!("the body is over the limit of {limit} bytes"),
        )
    }
    pub fn batch_too_large(n: usize, limit: usize) -> Self {
        Self::new(
            422,
            "batch-too-large",
            "Too many documents in one batch",
            format!("{n} documents, over the batch limit of {limit}; send NDJSON to stream more"),
        )
    }
    pub fn overloaded() -> Self {
        Self::new(
            503,
            "overloaded",
            "Server busy",
            "all workers are busy; retry after the time in Retry-After",
        )
    }
    pub fn timeout(secs: u64) -> Self {
        Self::new(
            504,
            "timeout",
            "Annotation timed out",
            format!("the annotation took longer than the {secs} s request timeout"),
        )
    }
    pub fn internal() -> Self {
        Self::new(
            500,
            "internal",
            "Internal error",
            "an internal fault stopped this annotation; it has been logged",
        )
    }
    pub fn not_found() -> Self {
        Self::new(404, "not-found", "Not found", "no such route")
    }
    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "method-not-allowed",
            "Method not allowed",
            "this route does not take that method",
        )
    }
}

impl From<&AnalysisError> for Problem {
    fn from(e: &AnalysisError) -> Self {
        match e {
            AnalysisError::EmptyText => {
                Problem::new(422, "empty-text", "Empty text", e.to_string())
            }
            AnalysisError::ModelUnavailable(_) => {
                Problem::new(501, "model-unavailable", "Model unavailable", e.to_string())
            }
        }
    }
}

/// Parses a JSON request body: syntax errors and invalid UTF-8 are 400, wrong shapes are 422.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    if let Err(e) = std::str::from_utf8(body) {
        return Err(Problem::malformed(format!(
            "the body is not valid UTF-8: {e}"
        )));
    }
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => Problem::invalid_field(e.to_string()),
        _ => Problem::malformed(format!("the body is not valid JSON: {e}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_field() {
        let bad = AnnotateRequest {
            text: Some("x".into()),
            format: Some("xml".into()),
            ..Default::default()
        };
        let p = bad.into_document().unwrap_err();
        assert_eq!(
            (p.status, p.problem_type.as_str()),
            (422, "/problems/invalid-field")
        );
        assert!(p.detail.contains("xml"));
        let empty = AnnotateRequest {
            text: Some("  ".into()),
            ..Default::default()
        };
        assert_eq!(empty.into_document().unwrap_err().status, 422);
        assert_eq!(parse_json::<AnnotateRequest>(b"{").unwrap_err().status, 400);
        assert_eq!(
            parse_json::<AnnotateRequest>(b"{\"text\": 5}")
                .unwrap_err()
                .status,
            422
        );
        assert_eq!(
            parse_json::<AnnotateRequest>(b"\xff").unwrap_err().status,
            400
        );
    }
}
