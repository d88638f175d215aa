//! Prometheus metrics: requests by route and status, a latency histogram, requests in flight,
//! and documents and bytes annotated.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const REQUESTS: &str = "gloss_http_requests_total";
pub const LATENCY: &str = "gloss_http_request_duration_seconds";
pub const IN_FLIGHT: &str = "gloss_http_requests_in_flight";
pub const DOCUMENTS: &str = "gloss_documents_annotated_total";
pub const BYTES: &str = "gloss_bytes_annotated_total";

/// The process-wide recorder, installed once.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(LATENCY.to_string()),
                    &[
                        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                        10.0, 30.0,
                    ],
                )
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (tests build many apps); the handle
            // still renders what this one records.
            let _ = metrics::set_global_recorder(recorder);
            metrics::describe_counter!(REQUESTS, "HTTP requests by route and status");
            metrics::describe_histogram!(
                LATENCY,
                metrics::Unit::Seconds,
                "HTTP request latency by route"
            );
            metrics::describe_gauge!(IN_FLIGHT, "HTTP requests being served");
            metrics::describe_counter!(DOCUMENTS, "Documents annotated");
            metrics::describe_counter!(BYTES, metrics::Unit::Bytes, "Bytes of text annotated");
            handle
        })
        .clone()
}

/// Records one request.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let start = Instant::now();
    metrics::gauge!(IN_FLIGHT).increment(1.0);
    let resp = next.run(req).await;
    metrics::gauge!(IN_FLIGHT).decrement(1.0);
    let status = resp.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!(LATENCY, "route" => route).record(start.elapsed().as_secs_f64());
    resp
}

/// Counts a document annotated.
pub fn document_annotated(bytes: usize) {
    metrics::counter!(DOCUMENTS).increment(1);
    metrics::counter!(BYTES).increment(bytes as u64);
}
