//! Handlers: parse, annotate on the workers, answer. Each is a few lines; the rules live in
//! [`crate::api`] (validation and problems) and [`crate::analysis`] (everything else).

use std::convert::Infallible;
use std::sync::atomic::Ordering;

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};
use tokio_util::io::StreamReader;
use utoipa::{IntoParams, ToSchema};

use super::{metrics, pool, AppState};
use crate::analysis::annotation::{Annotation, ModelInfo};
use crate::analysis::{Analyzer, Document};
use crate::api::{parse_json, AnnotateRequest, ArticleBody, Problem};

/// Options for `text/plain` and `text/html` bodies, which carry the article itself.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnnotateQuery {
    /// Echoed in the annotation.
    pub id: Option<String>,
    /// `text` or `html` (text/plain bodies only; text/html is always html).
    #[param(value_type = Option<crate::analysis::InputFormat>)]
    pub format: Option<String>,
    /// `codepoint` (default), `utf16` or `utf8`.
    #[param(value_type = Option<crate::analysis::OffsetUnit>)]
    pub offsets: Option<String>,
    /// `fast` (default) or `accurate`.
    #[param(value_type = Option<crate::analysis::TaggerChoice>)]
    pub model: Option<String>,
}

/// The media type of a request, without parameters.
fn media_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

fn is_json(mt: &str) -> bool {
    mt == "application/json" || mt.ends_with("+json")
}

/// Reads the whole body, refusing it with 413 past the limit.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, Problem> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(Problem::too_large(limit));
    }
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| Problem::too_large(limit))
}

fn annotate_one(analyzer: &Analyzer, doc: &Document) -> Result<Annotation, Problem> {
    let result = analyzer.annotate(doc).map_err(|e| Problem::from(&e));
    if result.is_ok() {
        metrics::document_annotated(doc.text.len());
    }
    result
}

/// Annotate one article.
///
/// JSON carries the article in `text` with options beside it; `text/plain` and `text/html`
/// bodies are the article itself, with options as query parameters.
#[utoipa::path(
    post,
    path = "/v1/annotate",
    params(AnnotateQuery),
    request_body(
        description = "The article: a JSON request, or the article itself as text/plain or text/html.",
        content(
            (AnnotateRequest = "application/json"),
            (ArticleBody = "text/plain"),
            (ArticleBody = "text/html")
        )
    ),
    responses(
        (status = 200, description = "The annotation", body = Annotation),
        (status = 400, description = "Malformed JSON or invalid UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Unsupported content type", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: missing or empty text, unknown format or offsets", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal fault", body = Problem, content_type = "application/problem+json"),
        (status = 501, description = "`model: accurate` asked of a server with accurate mode switched off (`--no-accurate`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "All workers busy; retry after Retry-After seconds", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 504, description = "Annotation timed out", body = Problem, content_type = "application/problem+json"),
    ),
    tag = "annotate"
)]
pub async fn annotate(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<AnnotateQuery>, QueryRejection>,
    body: Body,
) -> Result<Json<Annotation>, Problem> {
    let query = query.map_err(|e| Problem::invalid_field(e.body_text()))?;
    let request = parse_request(&state, &headers, query, body).await?;
    let doc = request.into_document()?;
    tracing::info!(id = ?doc.id, doc_bytes = doc.text.len(), "annotate");
    let analyzer = state.analyzer.clone();
    let weight = pool::weight_of(doc.model.unwrap_or(analyzer.default_tagger()));
    let ann = state
        .workers
        .run_now(weight, move || annotate_one(&analyzer, &doc))
        .await??;
    Ok(Json(ann))
}

async fn parse_request(
    state: &AppState,
    headers: &HeaderMap,
    query: Query<AnnotateQuery>,
    body: Body,
) -> Result<AnnotateRequest, Problem> {
    let mt = media_type(headers).ok_or_else(|| {
        Problem::unsupported_media_type(
            "no Content-Type: send application/json, text/plain or text/html",
        )
    })?;
    let Query(q) = query;
    let text_body = |bytes: Bytes, format: Option<String>| {
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|e| Problem::malformed(format!("the body is not valid UTF-8: {e}")))?;
        Ok::<_, Problem>(AnnotateRequest {
            text: Some(text),
            id: q.id.clone(),
            format,
            offsets: q.offsets.clone(),
            model: q.model.clone(),
        })
    };
    match mt.as_str() {
        m if is_json(m) => {
            // Query options apply to JSON bodies too; the body's own fields win.
            let r: AnnotateRequest = parse_json(&read_body(headers, body, state.limits.body_limit).await?)?;
            Ok(AnnotateRequest {
                id: r.id.or(q.id.clone()),
                format: r.format.or(q.format.clone()),
                offsets: r.offsets.or(q.offsets.clone()),
                model: r.model.or(q.model.clone()),
                text: r.text,
            })
        }
        "text/plain" => {
            let bytes = read_body(headers, body, state.limits.body_limit).await?;
            text_body(bytes, q.format.clone())
        }
        "text/html" => {
            let bytes = read_body(headers, body, state.limits.body_limit).await?;
            text_body(bytes, Some("html".into()))
        }
        other => Err(Problem::unsupported_media_type(format!(
            "Content-Type {other:?} is not supported: send application/json, text/plain or text/html"
        ))),
    }
}

/// A JSON batch.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct BatchRequest {
    /// Up to the batch limit (default 100) documents.
    pub documents: Vec<serde_json::Value>,
}

/// One result of a batch: an annotation, or the problem with that document.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum BatchItem {
    Annotation(Box<Annotation>),
    Problem(Problem),
}

/// The results of a JSON batch, in input order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BatchResponse {
    pub results: Vec<BatchItem>,
}

/// Parses and annotates one document of a batch; a bad one becomes its problem.
fn batch_item(analyzer: &Analyzer, raw: &serde_json::Value) -> BatchItem {
    let doc = serde_json::from_value::<AnnotateRequest>(raw.clone())
        .map_err(|e| Problem::invalid_field(e.to_string()))
        .and_then(AnnotateRequest::into_document);
    match doc.and_then(|d| annotate_one(analyzer, &d)) {
        Ok(a) => BatchItem::Annotation(Box::new(a)),
        Err(p) => BatchItem::Problem(p),
    }
}

/// Annotate many articles.
///
/// `application/json`: `{"documents": [...]}` (at most the batch limit, default 100) returns
/// `{"results": [...]}` in order, each an annotation or the problem with that document.
/// `application/x-ndjson`: one request object per line in, one annotation (or
/// `{"line", "id", "error"}`) per line out, streamed in input order as they are ready, with
/// no limit on the number of lines (each line is limited like a body).
#[utoipa::path(
    post,
    path = "/v1/annotate/batch",
    request_body(
        content(
            (BatchRequest = "application/json"),
            (AnnotateRequest = "application/x-ndjson")
        )
    ),
    responses(
        (status = 200, description = "Results in input order", content(
            (BatchResponse = "application/json"),
            (Annotation = "application/x-ndjson")
        )),
        (status = 400, description = "Malformed JSON or invalid UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Unsupported content type", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or batch over its limit", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal fault", body = Problem, content_type = "application/problem+json"),
        (status = 501, description = "`model: accurate` asked of a server with accurate mode switched off (`--no-accurate`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "All workers busy", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 504, description = "Batch timed out", body = Problem, content_type = "application/problem+json"),
    ),
    tag = "annotate"
)]
pub async fn annotate_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let mt = media_type(&headers).unwrap_or_default();
    if mt == "application/x-ndjson" || mt == "application/jsonl" {
        return ndjson(state, body);
    }
    if !is_json(&mt) {
        return Err(Problem::unsupported_media_type(
            "send application/json ({\"documents\": [...]}) or application/x-ndjson",
        ));
    }
    let bytes = read_body(&headers, body, state.limits.body_limit).await?;
    let batch: BatchRequest = parse_json(&bytes)?;
    if batch.documents.len() > state.limits.batch_limit {
        return Err(Problem::batch_too_large(
            batch.documents.len(),
            state.limits.batch_limit,
        ));
    }
    tracing::info!(
        documents = batch.documents.len(),
        body_bytes = bytes.len(),
        "batch"
    );
    let analyzer = state.analyzer.clone();
    // A batch weighs as its heaviest document.
    let accurate = batch.documents.iter().any(|d| {
        d.get("model").and_then(|m| m.as_str()) == Some("accurate")
            || (d.get("model").is_none()
                && analyzer.default_tagger() == crate::analysis::TaggerChoice::Accurate)
    });
    let weight = if accurate { pool::ACCURATE_WEIGHT } else { 1 };
    let results = state
        .workers
        .run_now(weight, move || {
            batch
                .documents
                .iter()
                .map(|d| batch_item(&analyzer, d))
                .collect::<Vec<_>>()
        })
        .await?;
    Ok(Json(BatchResponse { results }).into_response())
}

/// Streams NDJSON: lines are annotated as workers free up, at most `workers` at a time per
/// stream, and written in input order. Memory is bounded by that window and the line limit.
fn ndjson(state: AppState, body: Body) -> Result<Response, Problem> {
    // Shed at the door like any request; afterwards the stream waits its turn per line.
    drop(state.workers.try_slot(1)?);
    let limit = state.limits.body_limit;
    let window = state.limits.workers;
    let reader = StreamReader::new(body.into_data_stream().map_err(std::io::Error::other));
    let lines = FramedRead::new(reader, LinesCodec::new_with_max_length(limit));
    let out = lines
        .enumerate()
        .filter(|(_, l)| std::future::ready(!matches!(l, Ok(s) if s.trim().is_empty())))
        .map(move |(n, line)| {
            let state = state.clone();
            async move {
                let line_no = n + 1;
                let raw = match line {
                    Ok(l) => l,
                    Err(LinesCodecError::MaxLineLengthExceeded) => {
                        return error_line(line_no, None, Problem::too_large(limit));
                    }
                    Err(LinesCodecError::Io(e)) => {
                        return error_line(
                            line_no,
                            None,
                            Problem::malformed(format!("reading the body failed: {e}")),
                        );
                    }
                };
                let id = serde_json::from_str::<serde_json::Value>(&raw)
                    .ok()
                    .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned));
                let doc = match parse_json::<AnnotateRequest>(raw.as_bytes())
                    .and_then(AnnotateRequest::into_document)
                {
                    Ok(d) => d,
                    Err(p) => return error_line(line_no, id, p),
                };
                let analyzer = state.analyzer.clone();
                let weight = pool::weight_of(doc.model.unwrap_or(analyzer.default_tagger()));
                let result = match state.workers.slot(weight).await {
                    Ok(slot) => {
                        state
                            .workers
                            .run(slot, move || annotate_one(&analyzer, &doc))
                            .await
                    }
                    Err(p) => Err(p),
                };
                match result.and_then(|r| r) {
                    Ok(a) => serde_json::to_string(&a).unwrap_or_default() + "\n",
                    Err(p) => error_line(line_no, id, p),
                }
            }
        })
        .buffered(window.max(1))
        .map(|s| Ok::<_, Infallible>(Bytes::from(s)));
    let mut resp = Response::new(Body::from_stream(out));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(resp)
}

fn error_line(line: usize, id: Option<String>, p: Problem) -> String {
    serde_json::json!({"id": id, "line": line, "error": p}).to_string() + "\n"
}

/// Liveness.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
}

/// Readiness: the model is loaded and the server takes requests.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Ready {
    pub status: String,
    pub model: ModelInfo,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)), tag = "operations")]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// The model is loaded and requests are taken (503 while shutting down).
#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, body = Ready),
    (status = 503, description = "Shutting down", body = Problem, content_type = "application/problem+json"),
), tag = "operations")]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Ready>, Problem> {
    if !state.ready.load(Ordering::SeqCst) {
        return Err(Problem::new(
            503,
            "not-ready",
            "Not ready",
            "the server is shutting down",
        ));
    }
    Ok(Json(Ready {
        status: "ready".into(),
        model: state.analyzer.model_info(state.analyzer.default_tagger()),
    }))
}

/// The page for people who try gloss in a browser: self-contained HTML, CSS and JS.
pub const PAGE: &str = include_str!("page/index.html");

/// A page where an editor pastes an article and sees who is in it and who said what.
#[utoipa::path(get, path = "/", responses(
    (status = 200, description = "The web page (HTML, CSS and JS in one document)", body = String, content_type = "text/html")
), tag = "operations")]
pub async fn page() -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
            ),
        ],
        PAGE,
    )
        .into_response()
}

/// The committed OpenAPI document, as served.
pub const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/openapi.yaml", responses(
    (status = 200, description = "OpenAPI 3.1 document", body = String, content_type = "application/yaml")
), tag = "operations")]
pub async fn openapi_yaml() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/yaml")],
        OPENAPI_YAML,
    )
        .into_response()
}

/// Prometheus metrics (documented here; served by the router).
#[utoipa::path(get, path = "/metrics", responses(
    (status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain")
), tag = "operations")]
#[allow(dead_code)]
pub async fn metrics_doc() {}
