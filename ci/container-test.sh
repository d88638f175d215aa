#!/usr/bin/env bash
# The offline way to test gloss's container: builds the image from the project's own Dockerfile
# with a local Docker engine, runs it, and talks to it. `.ci/run` calls this.
#
# No container registry is reachable here, so the builder image is made locally and tagged
# exactly as the Dockerfile's builder FROM line names it: debian:bookworm-slim from debootstrap,
# plus Debian's rustc-web/cargo-web (with the host's CA bundle, as outbound HTTPS passes through a
# re-signing proxy). The runtime stage starts from `scratch`, which needs no image. The
# Dockerfile itself stays a portable one.
#
# Checks: the image builds; it is under 120 MB; the container answers /healthz with 200 and
# annotates a fixture article correctly in both modes; its process does not run as root; on SIGTERM it exits
# cleanly within 10 s. Everything is cleaned up on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/container-test
IMAGE=gloss:ci
PORT=18933
BUILDER_TAG=$(sed -n 's/^FROM \([^ ]*\) AS builder.*/\1/p' Dockerfile)
# The Debian base the builder stand-in is made from (what the official Rust image is built on).
BASE_TAG=debian:bookworm-slim
log() { printf '[container-test %ss] %s\n' "$SECONDS" "$*"; }

if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
    log "installing docker.io and debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null
fi

rm -rf "$WORK"
mkdir -p "$WORK"
export DOCKER_HOST=unix://$WORK/docker.sock
DOCKERD_PID=
cleanup() {
    set +e
    docker rm -f gloss-ci >/dev/null 2>&1
    if [ -n "$DOCKERD_PID" ]; then
        kill "$DOCKERD_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$DOCKERD_PID" 2>/dev/null
    fi
    if mountpoint -q /run/docker/netns/default 2>/dev/null; then umount /run/docker/netns/default; fi
    for m in $(grep -o "$WORK[^ ]*" /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

log "starting dockerd"
dockerd --storage-driver=overlay2 --data-root="$WORK/data" --exec-root="$WORK/exec" \
    --pidfile="$WORK/docker.pid" --host="$DOCKER_HOST" \
    --iptables=false --bridge=none --ip-forward=false >"$WORK/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for _ in $(seq 1 100); do docker info >/dev/null 2>&1 && break; sleep 0.3; done
docker info >/dev/null

log "making $BASE_TAG from debootstrap"
debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1
cat > "$WORK/rootfs/etc/apt/sources.list" <<SRC
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SRC
# Slim it as the official -slim images are: no documentation, manual pages, locales or caches.
rm -rf "$WORK/rootfs/var/cache/apt/"* "$WORK/rootfs/var/lib/apt/lists/"* "$WORK/rootfs/var/log/"* \
    "$WORK/rootfs/usr/share/doc/"* "$WORK/rootfs/usr/share/man/"* "$WORK/rootfs/usr/share/info/"* \
    "$WORK/rootfs/usr/share/locale/"*
du -sh "$WORK/rootfs" | sed 's/^/[container-test] base rootfs: /'
tar -C "$WORK/rootfs" -c . | docker import - "$BASE_TAG" >/dev/null
rm -rf "$WORK/rootfs"

log "making $BUILDER_TAG from $BASE_TAG with Debian's rustc-web and cargo-web"
mkdir -p "$WORK/builder"
cp /etc/ssl/certs/ca-certificates.crt "$WORK/builder/"
cat > "$WORK/builder/Dockerfile" <<DOCKER
FROM $BASE_TAG
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        rustc-web cargo-web gcc libc6-dev binutils ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt CARGO_HTTP_CAINFO=/etc/ssl/certs/ca-certificates.crt
DOCKER
docker build --network host -q -t "$BUILDER_TAG" "$WORK/builder" >/dev/null

log "docker build (the project's Dockerfile)"
BUILD_START=$SECONDS
docker build --network host -t "$IMAGE" . >"$WORK/build.log" 2>&1 || { tail -n 40 "$WORK/build.log"; exit 1; }
log "image built in $((SECONDS - BUILD_START)) s"
SIZE=$(docker image inspect --format '{{.Size}}' "$IMAGE")
log "image size: $((SIZE / 1000000)) MB"
[ "$SIZE" -lt 120000000 ] || { echo "image is $SIZE bytes, over 120 MB"; exit 1; }

log "docker run"
docker run -d --name gloss-ci --network host -e GLOSS_ADDR="0.0.0.0:$PORT" "$IMAGE" >/dev/null
ok=
for _ in $(seq 1 50); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" = 200 ]; then ok=1; break; fi
    sleep 0.2
done
[ -n "$ok" ] || { docker logs gloss-ci; echo "no 200 from /healthz"; exit 1; }
log "/healthz answered 200"

# An annotation of the fixture article is right: the model that ran, the people in it, a
# speaker linked to an entity, and every span slicing back to its text.
check_annotation() { # FILE MODEL_NAME
    python3 - "$1" tests/fixtures/council-vote.txt "$2" <<'PY'
import json, sys
a = json.load(open(sys.argv[1], encoding="utf-8"))
text = open(sys.argv[2], encoding="utf-8").read()
assert a["id"] == "fixture", a["id"]
assert a["model"]["name"] == sys.argv[3], a["model"]
names = {e["name"] for e in a["entities"]}
assert {"Angela Torres", "James Okafor"} <= names, names
spans = [m for e in a["entities"] for m in e["mentions"]]
spans += [c for s in a["statements"] for c in s["content"]]
for s in spans:
    assert text[s["start"]:s["end"]] == s["text"], s
assert any(s["speaker"] and s["speaker"]["entity"] for s in a["statements"])
print(f"{sys.argv[3]}: {len(a['entities'])} entities, {len(a['statements'])} statements, {len(spans)} spans slice back")
PY
}
curl -s -f "http://127.0.0.1:$PORT/v1/annotate?id=fixture" -H 'content-type: text/plain' \
    --data-binary @tests/fixtures/council-vote.txt > "$WORK/annotation.json"
check_annotation "$WORK/annotation.json" gloss-ner-perceptron
# Accurate mode is compiled in too: the same article through the transformers.
curl -s -f "http://127.0.0.1:$PORT/v1/annotate?id=fixture&model=accurate" -H 'content-type: text/plain' \
    --data-binary @tests/fixtures/council-vote.txt > "$WORK/accurate.json"
check_annotation "$WORK/accurate.json" gloss-ner-minilm

# The runtime image has no `id`: read the process's real and effective uid from the host.
PID_IN=$(docker inspect --format '{{.State.Pid}}' gloss-ci)
UID_IN=$(awk '/^Uid:/ {print $2 "/" $3}' "/proc/$PID_IN/status")
case "$UID_IN" in 0/* | */0 | /) echo "the container runs as root ($UID_IN)"; exit 1 ;; esac
log "process runs as uid $UID_IN"
HEALTH=$(docker inspect --format '{{json .Config.Healthcheck.Test}}' gloss-ci)
log "healthcheck: $HEALTH"

docker kill --signal TERM gloss-ci >/dev/null
STATUS=$(timeout 10 docker wait gloss-ci) || { echo "no exit within 10 s of SIGTERM"; exit 1; }
[ "$STATUS" = 0 ] || { docker logs gloss-ci | tail; echo "exit status $STATUS after SIGTERM"; exit 1; }
log "exited cleanly (status 0) after SIGTERM"
log "container test passed"
