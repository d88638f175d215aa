# gloss: build with the official Rust image; run from an empty image holding only the binary
# (both modes' models are compiled into it) and the C libraries it links, as a non-root user.
FROM rust:1.95-slim-bookworm AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
COPY models ./models
COPY data ./data
COPY openapi.yaml ./
# /runtime is the whole runtime file system: the stripped binary, the shared libraries and
# loader `ldd` names (libc, libm, libgcc_s), and passwd/group entries for the service user.
RUN cargo build --release --locked --bin gloss \
    && strip target/release/gloss \
    && mkdir -p /runtime/usr/local/bin /runtime/etc /runtime/tmp \
    && cp target/release/gloss /runtime/usr/local/bin/gloss \
    && ldd target/release/gloss | grep -o '/[^ ]*' | xargs cp --parents -L -t /runtime \
    && echo 'gloss:x:10001:10001:gloss:/nonexistent:/usr/sbin/nologin' > /runtime/etc/passwd \
    && echo 'gloss:x:10001:' > /runtime/etc/group \
    && chmod 1777 /runtime/tmp

FROM scratch
COPY --from=builder /runtime/ /
USER 10001:10001
ENV GLOSS_ADDR=0.0.0.0:8080 \
    GLOSS_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/gloss", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/gloss"]
CMD ["serve"]
