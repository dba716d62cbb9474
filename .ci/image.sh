#!/usr/bin/env bash
# .ci/image.sh - the container image without a container engine (none runs on
# the project's machines, and no registry is reachable). As root on Linux:
#   1. builds the image's root file system the way the Dockerfile does: the
#      static binary at /usr/local/bin/sunshine, distroless's nonroot user
#      (65532) in /etc/passwd, /data owned by it (the Dockerfile's COPY --chown,
#      which a fresh named volume inherits), an empty /tmp;
#   2. runs the image's default command (`serve`, ENV SUNSHINE_DATA=/data) in a
#      private mount namespace, chrooted into that root made read-only, as
#      65532:65532, with /tmp a tmpfs (compose's `tmpfs: [/tmp]`) and /data a
#      fresh volume: it creates its keys and database there and serves;
#      `sunshine verify --deep` and `sunshine rebuild` then run in the same
#      root (they replay into scratch databases under /tmp);
#   3. mounts the keys as compose mounts file secrets (a bind mount keeps the
#      host file's owner and mode; compose ignores uid/gid/mode for them): a
#      key left to its host owner cannot be read (serve stops, naming it), a
#      key others may read is refused, and a key chowned to 65532 with mode
#      0600 (the README's step) serves;
#   4. checks that the Dockerfile, docker-compose.yml and .dockerignore say
#      what was run, and lints the Dockerfile with dockerfile-utils (npm).
# Usage: bash .ci/image.sh [BINARY]   (default: builds one as the Dockerfile does)
# Exits non-zero on the first failure.
set -uo pipefail
log() { echo "==> image: $*"; }
fail() { log "FAILED: $*"; exit 1; }

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { log "SKIPPED (needs root for the mount namespace and chroot)"; exit 0; }
for t in unshare chroot curl; do
    command -v "$t" >/dev/null || { log "SKIPPED (no $t)"; exit 0; }
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sunshine-image.XXXXXX") || exit 1
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf -- "$WORK"
}
trap cleanup EXIT

BIN=${1:-}
if [ -z "$BIN" ]; then
    log "go build as the Dockerfile does"
    (cd "$REPO_ROOT" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$WORK/sunshine" ./cmd/sunshine) || fail "go build"
    BIN=$WORK/sunshine
fi
NONROOT=65532 # distroless's nonroot user and group

free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$(shuf -i 20000-60000 -n 1)
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}

# ---- 1. the root file system, as the image has it
R=$WORK/rootfs
mkdir -p "$R/usr/local/bin" "$R/etc" "$R/data" "$R/tmp" "$R/run/secrets" "$R/home/nonroot" || fail "mkdir"
install -m 0555 "$BIN" "$R/usr/local/bin/sunshine" || fail "install the binary"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n' $NONROOT $NONROOT >"$R/etc/passwd"
printf 'root:x:0:\nnonroot:x:%d:\n' $NONROOT >"$R/etc/group"
chmod 1777 "$R/tmp"
chown $NONROOT:$NONROOT "$R/data" "$R/home/nonroot"
chmod -R a+rX "$R"

# in_image LOG ENV... -- CMD...: run CMD in the image's root, read-only, as
# nonroot, with VOL at /data, a tmpfs at /tmp and SECRETS bound under
# /run/secrets; background, pid appended to PIDS.
# run_image VOL SECRETS LOG CMD...: as in_image, in the foreground.
image_cmd() {
    local vol=$1 secrets=$2
    shift 2
    # shellcheck disable=SC2016
    unshare -m --propagation private sh -c '
        R=$1 VOL=$2 SEC=$3; shift 3
        mount --bind "$R" "$R" && mount -o remount,bind,ro "$R" || exit 97
        mount --bind "$VOL" "$R/data" || exit 97
        mount -t tmpfs -o mode=1777 tmpfs "$R/tmp" || exit 97
        if [ -n "$SEC" ]; then mount --bind "$SEC" "$R/run/secrets" && mount -o remount,bind,ro "$R/run/secrets" || exit 97; fi
        touch "$R/ro-check" 2>/dev/null && exit 98
        exec env -i HOME=/home/nonroot SUNSHINE_DATA=/data "$@"
    ' sh "$R" "$vol" "$secrets" "$@"
}
CHROOT=$(command -v chroot)
as_nonroot() { echo "$CHROOT" --userspec=$NONROOT:$NONROOT "$R"; }

wait_ready() { # PORT SECONDS PID
    for _ in $(seq 1 "$2"); do
        curl -fsS "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 1
    done
    return 1
}

new_volume() { # a fresh named volume: Docker copies the image's /data (owner 65532) into it
    local v
    v=$(mktemp -d "$WORK/vol.XXXXXX") && chown $NONROOT:$NONROOT "$v" && chmod 0755 "$v" && echo "$v"
}

# ---- 2. the default command on a fresh volume (SQLite), then verify and rebuild
VOL=$(new_volume) || fail "volume"
PORT=$(free_port)
log "serve (the image's CMD) as $NONROOT on a read-only root, a fresh /data volume, /tmp a tmpfs, port $PORT"
# shellcheck disable=SC2046
image_cmd "$VOL" "" SUNSHINE_ADDR=127.0.0.1:$PORT SUNSHINE_ADMIN_PASSWORD=Image-Ledger-2026-town \
    $(as_nonroot) /usr/local/bin/sunshine serve >"$WORK/serve.log" 2>&1 &
PIDS+=($!)
wait_ready "$PORT" 60 "${PIDS[-1]}" || { cat "$WORK/serve.log"; fail "serve did not become ready in the image's root"; }
# shellcheck disable=SC2046
image_cmd "$VOL" "" SUNSHINE_ADDR=127.0.0.1:$PORT $(as_nonroot) /usr/local/bin/sunshine healthcheck || fail "healthcheck"
curl -fsS "http://127.0.0.1:$PORT/api/public/checkpoint" -o "$WORK/cp.txt" || fail "checkpoint"
for f in sunshine.db keys/signing.key keys/master.key; do
    [ -e "$VOL/$f" ] || fail "/data/$f was not created"
    owner=$(stat -c %u "$VOL/$f")
    [ "$owner" = $NONROOT ] || fail "/data/$f owned by $owner, want $NONROOT"
done
m=$(stat -c %a "$VOL/keys/signing.key")
[ "$m" = 600 ] || fail "/data/keys/signing.key mode $m, want 600"
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null
log "ok: the default command created /data/keys and its database as $NONROOT and served"
for cmd in "verify --deep" "rebuild"; do
    # shellcheck disable=SC2046,SC2086
    image_cmd "$VOL" "" $(as_nonroot) /usr/local/bin/sunshine $cmd >"$WORK/cmd.log" 2>&1 || { cat "$WORK/cmd.log"; fail "sunshine $cmd in the image's root"; }
done
log "ok: verify --deep and rebuild ran on the read-only root (scratch under the /tmp tmpfs)"

# ---- 3. the keys as compose's file secrets
SEC=$WORK/secrets
mkdir -p "$SEC"
"$BIN" keygen --out "$SEC" >/dev/null || fail "keygen"
mv "$SEC/signing.key" "$SEC/signing_key" && mv "$SEC/master.key" "$SEC/master_key" || fail "rename the keys"
chown 0:0 "$SEC"/*_key && chmod 0600 "$SEC"/*_key # as keygen leaves them for the host user
chmod 0755 "$SEC"
secret_serve() { # WANT(ok|fail) WHAT
    local vol port
    vol=$(new_volume) || fail "volume"
    port=$(free_port)
    # shellcheck disable=SC2046
    image_cmd "$vol" "$SEC" SUNSHINE_ADDR=127.0.0.1:$port SUNSHINE_ADMIN_PASSWORD=Image-Ledger-2026-town \
        SUNSHINE_SIGNING_KEY_FILE=/run/secrets/signing_key SUNSHINE_MASTER_KEY_FILE=/run/secrets/master_key \
        $(as_nonroot) /usr/local/bin/sunshine serve >"$WORK/secret.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    if wait_ready "$port" 30 "$pid"; then
        kill "$pid"; wait "$pid" 2>/dev/null
        [ "$1" = ok ] || { cat "$WORK/secret.log"; fail "$2: served, want refused"; }
        [ -e "$vol/keys" ] && fail "$2: generated its own keys instead of the secrets"
    else
        kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
        [ "$1" = fail ] || { cat "$WORK/secret.log"; fail "$2: did not serve"; }
        grep -q 'signing_key\|master_key' "$WORK/secret.log" || { cat "$WORK/secret.log"; fail "$2: the refusal does not name the key"; }
    fi
    log "ok: $2: $1"
}
secret_serve fail "keys owned by the host user, 0600"
chown $NONROOT:$NONROOT "$SEC"/*_key && chmod 0644 "$SEC"/*_key
secret_serve fail "keys owned by $NONROOT but readable by others (0644)"
chmod 0600 "$SEC"/*_key
secret_serve ok "keys owned by $NONROOT, 0600 (README: chown 65532:65532 secrets/*.key)"

# ---- 4. the Dockerfile and compose say what was run above, and the Dockerfile lints
grep -q '^COPY --from=build --chown=65532:65532 /out/data /data$' "$REPO_ROOT/Dockerfile" || fail "the Dockerfile does not give /data to 65532"
grep -q '^USER nonroot:nonroot$' "$REPO_ROOT/Dockerfile" || fail "the Dockerfile does not run as nonroot"
if grep -E '^FROM ' "$REPO_ROOT/Dockerfile" | grep -vqE '^FROM [^ ]+@sha256:[0-9a-f]{64}( |$)'; then
    fail "a FROM of the Dockerfile is not pinned by digest (IMAGE:TAG@sha256:...)"
fi
# The golang images set GOTOOLCHAIN=local: their Go must be the version go.mod asks for.
gomod_go=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$REPO_ROOT/go.mod")
grep -qE "^FROM golang:${gomod_go//./\\.}-bookworm@sha256:" "$REPO_ROOT/Dockerfile" ||
    fail "the Dockerfile's Go image is not golang:${gomod_go}-bookworm, the version go.mod asks for"
grep -q 'tmpfs: \[/tmp\]' "$REPO_ROOT/docker-compose.yml" || fail "docker-compose.yml: the read-only app has no tmpfs at /tmp"
for f in secrets/ .env data/ test-output/ .git '**/*.key' '**/*.db' '**/secrets/' '**/data/'; do
    grep -qxF "$f" "$REPO_ROOT/.dockerignore" || fail ".dockerignore does not keep out $f"
done
if command -v npm >/dev/null; then
    LINT=$WORK/lint
    mkdir -p "$LINT"
    if (cd "$LINT" && npm install --silent --no-audit --no-fund dockerfile-utils@0.16.3 >/dev/null 2>&1); then
        "$LINT/node_modules/.bin/dockerfile-utils" lint "$REPO_ROOT/Dockerfile" || fail "dockerfile-utils lint"
        log "ok: dockerfile-utils lint"
    else
        log "SKIPPED the Dockerfile lint (npm could not install dockerfile-utils)"
    fi
fi
log "ok"
