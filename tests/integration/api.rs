//! The HTTP API over the router, without a socket.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use gloss::analysis::annotation::Annotation;
use gloss::http::app;
use gloss::http::config::Limits;

use crate::common::*;

const ARTICLE: &str =
    "Mayor Angela Torres said on Tuesday that the new bus network would start in March. \
\"Riders will see more frequent service 🚌,\" Torres said.";

#[tokio::test]
async fn annotates_json_in_every_offset_unit() {
    for unit in ["codepoint", "utf16", "utf8"] {
        let body = serde_json::json!({"text": ARTICLE, "id": "a1", "offsets": unit}).to_string();
        let r = send(test_app(), post("/v1/annotate", "application/json", body)).await;
        assert_eq!(r.status, StatusCode::OK);
        let a: Annotation = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(a.id.as_deref(), Some("a1"));
        assert_eq!(serde_json::to_value(a.offsets).unwrap(), unit);
        assert!(a.text.is_none(), "text is only returned for HTML input");
        assert!(!a.model.name.is_empty() && !a.model.version.is_empty());
        assert_eq!(a.sentences.len(), 2);
        assert!(a.entities.iter().any(|e| e.name == "Angela Torres"));
        assert!(!a.statements.is_empty());
        assert!(check_spans(&a, ARTICLE) > 4);
    }
}

#[tokio::test]
async fn annotates_text_plain_with_query_options() {
    let r = send(
        test_app(),
        post(
            "/v1/annotate?id=t1&offsets=utf16",
            "text/plain; charset=utf-8",
            ARTICLE,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let a: Annotation = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(a.id.as_deref(), Some("t1"));
    assert!(check_spans(&a, ARTICLE) > 0);
}

#[tokio::test]
async fn annotates_html_and_returns_the_extracted_text() {
    let html = "<html><head><script>var x = 1;</script></head><body><nav>Menu</nav>\
<p>Mayor Angela Torres said the plan was &ldquo;ready&rdquo;.</p><p>Torres spoke in Boston.</p>\
<footer>Copyright</footer></body></html>";
    let r = send(test_app(), post("/v1/annotate", "text/html", html)).await;
    assert_eq!(r.status, StatusCode::OK);
    let a: Annotation = serde_json::from_slice(&r.body).unwrap();
    let text = a.text.clone().expect("HTML input returns its text");
    assert!(text.starts_with("Mayor Angela Torres said the plan was “ready”."));
    assert!(!text.contains("Menu") && !text.contains("Copyright") && !text.contains("var x"));
    assert!(check_spans(&a, &text) > 0);
    // The JSON form with format html does the same.
    let body = serde_json::json!({"text": html, "format": "html"}).to_string();
    let r2 = send(test_app(), post("/v1/annotate", "application/json", body)).await;
    let a2: Annotation = serde_json::from_slice(&r2.body).unwrap();
    assert_eq!(a2.text.as_deref(), Some(text.as_str()));
}

#[tokio::test]
async fn malformed_bodies_are_400() {
    send(
        test_app(),
        post("/v1/annotate", "application/json", "{\"text\": "),
    )
    .await
    .assert_problem(400, "/problems/malformed-request");
    send(
        test_app(),
        post("/v1/annotate", "text/plain", vec![0x66u8, 0xff, 0xfe]),
    )
    .await
    .assert_problem(400, "/problems/malformed-request");
    send(
        test_app(),
        post("/v1/annotate", "application/json", vec![b'{', 0xff, b'}']),
    )
    .await
    .assert_problem(400, "/problems/malformed-request");
}

#[tokio::test]
async fn unsupported_content_types_are_415() {
    send(test_app(), post("/v1/annotate", "application/xml", "<a/>"))
        .await
        .assert_problem(415, "/problems/unsupported-media-type");
    let no_type = Request::post("/v1/annotate")
        .body(Body::from("hello"))
        .unwrap();
    send(test_app(), no_type)
        .await
        .assert_problem(415, "/problems/unsupported-media-type");
    send(test_app(), post("/v1/annotate/batch", "text/plain", "x"))
        .await
        .assert_problem(415, "/problems/unsupported-media-type");
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let limits = Limits {
        body_limit: 1000,
        ..Limits::default()
    };
    let big = "word ".repeat(400);
    send(
        app(state(limits.clone())),
        post("/v1/annotate", "text/plain", big.clone()),
    )
    .await
    .assert_problem(413, "/problems/body-too-large");
    // Without a Content-Length (a stream), the limit holds too.
    let chunks: Vec<Result<String, std::io::Error>> = vec![Ok(big.clone()), Ok(big)];
    let streamed = Request::post("/v1/annotate")
        .header("content-type", "text/plain")
        .body(Body::from_stream(futures::stream::iter(chunks)))
        .unwrap();
    send(app(state(limits)), streamed)
        .await
        .assert_problem(413, "/problems/body-too-large");
}

#[tokio::test]
async fn invalid_fields_are_422() {
    let cases = [
        (r#"{"id": "x"}"#, "/problems/invalid-field"),
        (r#"{"text": ""}"#, "/problems/empty-text"),
        (r#"{"text": "  \n "}"#, "/problems/empty-text"),
        (
            r#"{"text": "Hi", "format": "pdf"}"#,
            "/problems/invalid-field",
        ),
        (
            r#"{"text": "Hi", "offsets": "bytes"}"#,
            "/problems/invalid-field",
        ),
        (r#"{"text": 42}"#, "/problems/invalid-field"),
        (r#"["text"]"#, "/problems/invalid-field"),
    ];
    for (body, ty) in cases {
        send(test_app(), post("/v1/annotate", "application/json", body))
            .await
            .assert_problem(422, ty);
    }
    send(
        test_app(),
        post("/v1/annotate?offsets=nope", "text/plain", "Hello there."),
    )
    .await
    .assert_problem(422, "/problems/invalid-field");
    let limits = Limits {
        batch_limit: 2,
        ..Limits::default()
    };
    let batch = r#"{"documents": [{"text": "a"}, {"text": "b"}, {"text": "c"}]}"#;
    send(
        app(state(limits)),
        post("/v1/annotate/batch", "application/json", batch),
    )
    .await
    .assert_problem(422, "/problems/batch-too-large");
}

#[tokio::test]
async fn saturated_workers_shed_load_with_503() {
    let st = state(Limits {
        max_in_flight: 1,
        ..Limits::default()
    });
    let held = st.workers.try_slot(1).expect("a free slot");
    let r = send(app(st.clone()), post("/v1/annotate", "text/plain", ARTICLE)).await;
    r.assert_problem(503, "/problems/overloaded");
    assert!(r.headers.get("retry-after").is_some());
    let nd = send(
        app(st.clone()),
        post(
            "/v1/annotate/batch",
            "application/x-ndjson",
            "{\"text\":\"a b\"}\n",
        ),
    )
    .await;
    nd.assert_problem(503, "/problems/overloaded");
    drop(held);
    let ok = send(app(st), post("/v1/annotate", "text/plain", ARTICLE)).await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn slow_annotations_are_504() {
    let st = state(Limits {
        timeout: Duration::from_millis(1),
        ..Limits::default()
    });
    let long = ARTICLE.repeat(3000);
    send(app(st), post("/v1/annotate", "text/plain", long))
        .await
        .assert_problem(504, "/problems/timeout");
}

#[tokio::test]
async fn panics_in_the_core_become_500_and_serving_goes_on() {
    let st = state(Limits::default());
    let r: Result<(), _> = st.workers.run_now(1, || panic!("simulated fault")).await;
    let p = r.unwrap_err();
    assert_eq!(
        (p.status, p.problem_type.as_str()),
        (500, "/problems/internal")
    );
    let ok = send(app(st), post("/v1/annotate", "text/plain", ARTICLE)).await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn json_batch_keeps_order_and_isolates_bad_documents() {
    let batch = serde_json::json!({"documents": [
        {"id": "one", "text": ARTICLE},
        {"id": "bad", "text": ""},
        {"id": "three", "text": "Angela Torres visited Boston.", "offsets": "utf16"},
        {"id": "four", "text": "x", "format": "doc"},
    ]});
    let r = send(
        test_app(),
        post("/v1/annotate/batch", "application/json", batch.to_string()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let results = r.json()["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["id"], "one");
    assert_eq!(results[1]["type"], "/problems/empty-text");
    assert_eq!(results[2]["id"], "three");
    assert_eq!(results[2]["offsets"], "utf16");
    assert_eq!(results[3]["status"], 422);
}

#[tokio::test]
async fn ndjson_streams_results_in_input_order() {
    let mut input = String::new();
    for i in 0..40 {
        if i == 7 {
            input.push_str("{not json\n");
        } else if i == 9 {
            input.push('\n');
        } else {
            input.push_str(&serde_json::json!({"id": format!("d{i}"), "text": format!("Angela Torres said {i} buses would run."), "extra": true}).to_string());
            input.push('\n');
        }
    }
    let r = send(
        test_app(),
        post("/v1/annotate/batch", "application/x-ndjson", input),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type, "application/x-ndjson");
    let lines: Vec<serde_json::Value> = String::from_utf8(r.body)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 39, "one result per non-empty line");
    let expected: Vec<String> = (0..40)
        .filter(|i| *i != 9)
        .map(|i| format!("d{i}"))
        .collect();
    for (l, want) in lines.iter().zip(&expected) {
        if want == "d7" {
            assert_eq!(l["line"], 8);
            assert_eq!(l["error"]["status"], 400);
        } else {
            assert_eq!(&l["id"], want);
            assert!(l["entities"].is_array());
        }
    }
}

#[tokio::test]
async fn operations_routes() {
    let get = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
    let h = send(test_app(), get("/healthz")).await;
    assert_eq!(
        (h.status, h.json()["status"].clone()),
        (StatusCode::OK, "ok".into())
    );
    let r = send(test_app(), get("/readyz")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json()["model"]["name"].as_str().is_some());
    let page = send(test_app(), get("/")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert!(
        page.body.len() < 150_000,
        "the page with its assets weighs under 150 KB"
    );
    assert!(String::from_utf8(page.body)
        .unwrap()
        .contains("id=\"annotate\""));
    let o = send(test_app(), get("/openapi.yaml")).await;
    assert_eq!(o.content_type, "application/yaml");
    assert!(String::from_utf8(o.body)
        .unwrap()
        .starts_with("openapi: 3.1"));
    // Metrics count what was served.
    send(test_app(), post("/v1/annotate", "text/plain", ARTICLE)).await;
    let m = String::from_utf8(send(test_app(), get("/metrics")).await.body).unwrap();
    for name in [
        "gloss_http_requests_total",
        "gloss_http_request_duration_seconds_bucket",
        "gloss_documents_annotated_total",
        "gloss_bytes_annotated_total",
        "gloss_http_requests_in_flight",
    ] {
        assert!(m.contains(name), "metrics lack {name}:\n{m}");
    }
    assert!(m.contains("route=\"/v1/annotate\""));
    send(test_app(), get("/nope"))
        .await
        .assert_problem(404, "/problems/not-found");
    send(test_app(), get("/v1/annotate"))
        .await
        .assert_problem(405, "/problems/method-not-allowed");
}

#[tokio::test]
async fn responses_carry_a_request_id() {
    let r = send(test_app(), post("/v1/annotate", "text/plain", ARTICLE)).await;
    assert!(r.headers.get("x-request-id").is_some());
}

#[tokio::test]
async fn the_accurate_model_is_chosen_per_request() {
    // In the JSON body…
    let body = serde_json::json!({"text": ARTICLE, "model": "accurate"}).to_string();
    let r = send(test_app(), post("/v1/annotate", "application/json", body)).await;
    assert_eq!(r.status, StatusCode::OK);
    let a: Annotation = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(a.model.name, gloss::analysis::ACCURATE_MODEL_NAME);
    assert!(check_spans(&a, ARTICLE) > 0);
    // …or the query of a text/plain body; the default stays fast.
    let r = send(
        test_app(),
        post("/v1/annotate?model=accurate", "text/plain", ARTICLE),
    )
    .await;
    let a: Annotation = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(a.model.name, gloss::analysis::ACCURATE_MODEL_NAME);
    let r = send(test_app(), post("/v1/annotate", "text/plain", ARTICLE)).await;
    let a: Annotation = serde_json::from_slice(&r.body).unwrap();
    assert_ne!(a.model.name, gloss::analysis::ACCURATE_MODEL_NAME);
    // An unknown model is the caller's mistake.
    let body = serde_json::json!({"text": ARTICLE, "model": "huge"}).to_string();
    send(test_app(), post("/v1/annotate", "application/json", body))
        .await
        .assert_problem(422, "/problems/invalid-field");
}

#[tokio::test]
async fn accurate_requests_weigh_more_and_shed_first() {
    // Three slots: one fast request in flight leaves room for fast ones, not an accurate one
    // (which holds four, capped at all three).
    let st = state(Limits {
        max_in_flight: 3,
        ..Limits::default()
    });
    let held = st.workers.try_slot(1).expect("a free slot");
    let body = serde_json::json!({"text": ARTICLE, "model": "accurate"}).to_string();
    send(
        app(st.clone()),
        post("/v1/annotate", "application/json", body.clone()),
    )
    .await
    .assert_problem(503, "/problems/overloaded");
    let fast = send(app(st.clone()), post("/v1/annotate", "text/plain", ARTICLE)).await;
    assert_eq!(fast.status, StatusCode::OK);
    drop(held);
    let r = send(app(st), post("/v1/annotate", "application/json", body)).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn a_server_with_accurate_mode_switched_off_answers_501() {
    let bare = std::sync::Arc::new(
        gloss::analysis::Analyzer::embedded()
            .expect("loads")
            .without_accurate(),
    );
    let st = gloss::http::AppState::new(bare, Limits::default());
    let body = serde_json::json!({"text": ARTICLE, "model": "accurate"}).to_string();
    send(
        app(st.clone()),
        post("/v1/annotate", "application/json", body),
    )
    .await
    .assert_problem(501, "/problems/model-unavailable");
    // Fast requests are unaffected.
    let r = send(app(st), post("/v1/annotate", "text/plain", ARTICLE)).await;
    assert_eq!(r.status, StatusCode::OK);
}
