# gloss: build with the official Rust image, run on a slim Debian as a non-root user.
# The entity model is compiled into the binary: the image needs nothing else.
FROM rust:1.95-slim-bookworm AS builder
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
COPY models ./models
COPY data ./data
COPY openapi.yaml ./
RUN cargo build --release --locked --bin gloss \
    && strip target/release/gloss

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin gloss
COPY --from=builder /src/target/release/gloss /usr/local/bin/gloss
USER 10001
ENV GLOSS_ADDR=0.0.0.0:8080 \
    GLOSS_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/gloss", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/gloss"]
CMD ["serve"]
