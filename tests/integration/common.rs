use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use gloss::analysis::annotation::Annotation;
use gloss::analysis::offsets::slice_in_unit;
use gloss::analysis::{Analyzer, Document, OffsetUnit};
use gloss::http::config::Limits;
use gloss::http::{app, AppState};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// One analyzer for all tests (loading it is the slow part).
pub fn analyzer() -> Arc<Analyzer> {
    static A: OnceLock<Arc<Analyzer>> = OnceLock::new();
    A.get_or_init(|| Arc::new(Analyzer::embedded().expect("embedded model loads")))
        .clone()
}

pub fn state(limits: Limits) -> AppState {
    AppState::new(analyzer(), limits)
}

pub fn test_app() -> Router {
    app(state(Limits::default()))
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture exists")
}

pub fn annotate(text: &str) -> Annotation {
    analyzer()
        .annotate(&Document {
            text: text.to_string(),
            ..Default::default()
        })
        .expect("annotates")
}

pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
    /// Asserts an RFC 9457 problem with this status and type.
    pub fn assert_problem(&self, status: u16, problem_type: &str) {
        assert_eq!(
            self.status.as_u16(),
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.content_type, "application/problem+json");
        let p = self.json();
        assert_eq!(p["type"], problem_type);
        assert_eq!(p["status"], status);
        assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(p["detail"].as_str().is_some_and(|t| !t.is_empty()));
    }
}

pub async fn send(app: Router, req: Request<Body>) -> Reply {
    let resp = app.oneshot(req).await.expect("router answers");
    let status = resp.status();
    let headers = resp.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = resp
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        content_type,
        headers,
        body,
    }
}

pub fn post(uri: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header("content-type", content_type)
        .body(body.into())
        .expect("request")
}

/// Every span of the annotation slices back to its text in its unit; returns how many.
pub fn check_spans(a: &Annotation, text: &str) -> usize {
    let unit = a.offsets;
    let text = a.text.as_deref().unwrap_or(text);
    let mut n = 0;
    let mut check = |s: usize, e: usize, t: &str| {
        assert_eq!(
            slice_in_unit(text, s, e, unit).as_deref(),
            Some(t),
            "span {s}..{e} in {unit:?}"
        );
        n += 1;
    };
    for e in &a.entities {
        for m in &e.mentions {
            check(m.start, m.end, &m.text);
        }
    }
    for s in &a.statements {
        for c in &s.content {
            check(c.start, c.end, &c.text);
        }
        if let Some(sp) = &s.speaker {
            check(sp.start, sp.end, &sp.text);
        }
        if let Some(c) = &s.cue {
            check(c.start, c.end, &c.text);
        }
    }
    for s in &a.sentences {
        assert!(slice_in_unit(text, s.start, s.end, unit).is_some());
        assert!(s.start < s.end);
    }
    n
}

pub fn units() -> [OffsetUnit; 3] {
    [OffsetUnit::Codepoint, OffsetUnit::Utf16, OffsetUnit::Utf8]
}
