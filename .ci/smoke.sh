#!/usr/bin/env bash
# .ci/smoke.sh - checks run by .ci/run after the tests (Debian, as root):
#   1. the Dockerfile's build steps without Docker: the same `go build` flags,
#      a static binary, started as a non-root user (nobody) on a read-only
#      root file system (a private mount namespace), data on a tmpfs;
#   2. a fresh clone: the README's run command with the demo, /readyz, the
#      public home page and a published notice's PDF;
#   3. .ci/image.sh: the image's root file system and the compose secrets.
# Exits non-zero on the first failure.
set -uo pipefail
log() { echo "==> smoke: $*"; }
fail() { log "FAILED: $*"; exit 1; }

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sunshine-smoke.XXXXXX") || exit 1
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf -- "$WORK"
}
trap cleanup EXIT

free_port() { # a port nobody listens on (no python on a bare Debian)
    local p
    for _ in $(seq 1 50); do
        p=$(shuf -i 20000-60000 -n 1)
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}

wait_ready() { # URL SECONDS
    for _ in $(seq 1 "$2"); do
        curl -fsS "$1/readyz" >/dev/null 2>&1 && return 0
        sleep 1
    done
    return 1
}

# ---- 1. the Dockerfile's build, run as in the image
log "go build as the Dockerfile does (CGO_ENABLED=0 -trimpath -ldflags=-s -w)"
(cd "$REPO_ROOT" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$WORK/bin/sunshine" ./cmd/sunshine) || fail "go build"
lddout=$(ldd "$WORK/bin/sunshine" 2>&1 || true)
grep -q 'not a dynamic executable' <<<"$lddout" || fail "the binary is not static: $lddout"
chmod 0755 "$WORK" "$WORK/bin"
chmod 0555 "$WORK/bin/sunshine"
PORT=$(free_port)
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && command -v setpriv >/dev/null; then
    log "serve as nobody on a read-only root, data on a tmpfs, port $PORT"
    mkdir -p "$WORK/data"
    unshare -m --propagation private sh -c '
        mount -t tmpfs -o mode=0777 tmpfs "$1" && mount -o remount,bind,ro / || exit 97
        touch /sunshine-ro-check 2>/dev/null && exit 98
        exec setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent \
            SUNSHINE_DATA="$1" SUNSHINE_ADDR="127.0.0.1:$2" SUNSHINE_ADMIN_PASSWORD=Smoke-Ledger-2026-town "$3" serve
    ' sh "$WORK/data" "$PORT" "$WORK/bin/sunshine" >"$WORK/image.log" 2>&1 &
    PIDS+=($!)
    if ! wait_ready "http://127.0.0.1:$PORT" 60; then
        cat "$WORK/image.log"
        fail "the image's binary did not become ready"
    fi
    SUNSHINE_ADDR="127.0.0.1:$PORT" "$WORK/bin/sunshine" healthcheck || fail "healthcheck"
    curl -fsS "http://127.0.0.1:$PORT/api/public/checkpoint" >/dev/null || fail "checkpoint"
    log "ok: static binary, non-root, read-only root"
    kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null
else
    log "SKIPPED the read-only/non-root run (needs root, unshare and setpriv)"
fi

# ---- 2. a fresh clone and the README's run command with the demo
log "fresh clone, go run ./cmd/sunshine serve --demo"
git clone -q "$REPO_ROOT" "$WORK/clone" || fail "git clone"
PORT=$(free_port)
(cd "$WORK/clone" && exec go run ./cmd/sunshine serve --demo --addr "127.0.0.1:$PORT") >"$WORK/clone.log" 2>&1 &
PIDS+=($!)
if ! wait_ready "http://127.0.0.1:$PORT" 240; then
    tail -40 "$WORK/clone.log"
    fail "the fresh clone did not become ready"
fi
# Each page is fetched to a file first: `curl | grep -q` under pipefail fails
# whenever grep exits before curl has written the whole body (SIGPIPE, 23).
fetch() { curl -fsS "$1" -o "$2"; }
fetch "http://127.0.0.1:$PORT/" "$WORK/home.html" || fail "the home page (fetch)"
grep -q '镇头镇阳光账本' "$WORK/home.html" || fail "the home page"
fetch "http://127.0.0.1:$PORT/api/public/notices" "$WORK/notices.json" || fail "the notice list (fetch)"
CODE=$(grep -o '"code":"[a-z0-9-]*"' "$WORK/notices.json" | sed -n 1p | cut -d'"' -f4)
[ -n "$CODE" ] || fail "the notice list"
fetch "http://127.0.0.1:$PORT/notices/$CODE.pdf" "$WORK/notice.pdf" || fail "the notice PDF"
[ "$(head -c 5 "$WORK/notice.pdf")" = "%PDF-" ] || fail "not a PDF"
fetch "http://127.0.0.1:$PORT/notices/$CODE" "$WORK/notice.html" || fail "the notice page (fetch)"
grep -q '账本检查点' "$WORK/notice.html" || fail "the notice page"
log "ok: fresh clone served the demo town, its home page and notice $CODE.pdf"

# ---- 3. the image's root file system: the default command as nonroot on a
# fresh volume, the keys as compose mounts them, the Dockerfile's lint
bash "$REPO_ROOT/.ci/image.sh" "$WORK/bin/sunshine" || fail "the image's root file system (.ci/image.sh)"
