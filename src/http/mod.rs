//! The HTTP shell: an axum router over one shared [`Analyzer`].
//!
//! Handlers parse, hand the CPU work to [`pool::Workers`] (a bounded slice of tokio's blocking
//! pool that sheds load with 503), and map errors to problem+json. Nothing here logs article
//! text: only ids, lengths, routes, statuses and latencies.

pub mod config;
pub mod metrics;
pub mod openapi;
pub mod pool;
pub mod problem;
pub mod routes;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::http::{HeaderName, Request};
use axum::routing::{get, post};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::CorsLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Level;

use crate::analysis::Analyzer;
use crate::api::Problem;
use config::{Limits, LogFormat, ServeArgs};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub analyzer: Arc<Analyzer>,
    pub workers: pool::Workers,
    pub limits: Limits,
    pub ready: Arc<AtomicBool>,
}

impl AppState {
    pub fn new(analyzer: Arc<Analyzer>, limits: Limits) -> Self {
        Self {
            analyzer,
            workers: pool::Workers::new(limits.max_in_flight, limits.timeout),
            limits,
            ready: Arc::new(AtomicBool::new(true)),
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Builds the application: routes, metrics, request ids, tracing, panics caught as 500.
pub fn app(state: AppState) -> Router {
    let handle = metrics::handle();
    Router::new()
        .route("/", get(routes::page))
        .route("/v1/annotate", post(routes::annotate))
        .route("/v1/annotate/batch", post(routes::annotate_batch))
        .route("/healthz", get(routes::healthz))
        .route("/readyz", get(routes::readyz))
        .route("/openapi.yaml", get(routes::openapi_yaml))
        .route(
            "/metrics",
            get(move || {
                let h = handle.clone();
                async move { h.render() }
            }),
        )
        .route_layer(axum::middleware::from_fn(metrics::track))
        .fallback(|| async { Problem::not_found() })
        .method_not_allowed_fallback(|| async { Problem::method_not_allowed() })
        .with_state(state)
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked; answered 500");
            axum::response::IntoResponse::into_response(Problem::internal())
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    // The path only: bodies and query strings may carry article text.
                    tracing::span!(Level::INFO, "request", request_id = %id, method = %req.method(), path = %req.uri().path())
                })
                .on_request(())
                .on_response(
                    tower_http::trace::DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Millis),
                ),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(CorsLayer::permissive())
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// `gloss serve`: loads the model, then serves until SIGTERM or SIGINT, finishing in-flight
/// requests before exiting.
pub fn serve(args: ServeArgs) -> anyhow::Result<std::process::ExitCode> {
    init_tracing(args.log_format);
    let limits = args.limits();
    let started = std::time::Instant::now();
    let analyzer = Arc::new(args.model.analyzer()?);
    tracing::info!(
        model = %analyzer.model_info(analyzer.default_tagger()).name,
        version = %analyzer.model_info(analyzer.default_tagger()).version,
        load_ms = started.elapsed().as_millis() as u64,
        "model loaded"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // The blocking pool runs annotations; in-flight requests are bounded by the workers'
        // semaphore, so this cap only keeps threads to what the machine has.
        .max_blocking_threads(limits.workers)
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr).await?;
        tracing::info!(addr = %listener.local_addr()?, workers = limits.workers, max_in_flight = limits.max_in_flight, "listening");
        let state = AppState::new(analyzer, limits);
        let ready = state.ready.clone();
        axum::serve(listener, app(state))
            .with_graceful_shutdown(async move {
                shutdown_signal().await;
                ready.store(false, Ordering::SeqCst);
                tracing::info!("shutting down: finishing in-flight requests");
            })
            .await?;
        tracing::info!("stopped");
        Ok::<_, anyhow::Error>(())
    })?;
    // Do not wait for abandoned (timed-out) annotations still on the blocking pool.
    Ok(std::process::ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
