//! The OpenAPI document, generated from the handlers' annotations. `openapi.yaml` at the repo
//! root is this, committed; `tests/openapi.rs` fails when the two drift
//! (`cargo run -- openapi > openapi.yaml` regenerates it).

use utoipa::OpenApi;

use super::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "gloss",
        description = "Reads a news article and says who is in it and who said what: people, organizations and locations grouped into entities, and statements (direct, indirect and mixed quotes) with speaker and cue, all with exact offsets.",
        license(name = "MIT"),
    ),
    paths(
        routes::annotate,
        routes::annotate_batch,
        routes::healthz,
        routes::readyz,
        routes::openapi_yaml,
        routes::page,
        routes::metrics_doc
    ),
    tags(
        (name = "annotate", description = "Annotation of articles"),
        (name = "operations", description = "Health, readiness, metrics and this document")
    )
)]
pub struct ApiDoc;

/// The document as YAML.
pub fn generate_yaml() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc.to_yaml().unwrap_or_default()
}
