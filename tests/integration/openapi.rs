//! The committed openapi.yaml is exactly what the code generates.

#[test]
fn openapi_yaml_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    let generated = gloss::http::openapi::generate_yaml();
    assert!(
        committed == generated,
        "openapi.yaml drifted from the code: run `cargo run -- openapi > openapi.yaml` and review the diff"
    );
    assert_eq!(
        committed,
        gloss::http::routes::OPENAPI_YAML,
        "the server serves the committed file"
    );
    for route in [
        "/v1/annotate:",
        "/v1/annotate/batch:",
        "/healthz:",
        "/readyz:",
        "/metrics:",
        "/openapi.yaml:",
    ] {
        assert!(committed.contains(route), "{route} is documented");
    }
}
