#!/usr/bin/env bash
# `make image-test`: build the image, serve from it, and call it as a client would.
#
#   container/test.sh [TAG]       (default localhost/journeymine:dev)
#
# Starts `journeymine serve` inside the image with `buildah run --isolation chroot` (plain `podman run` needs
# setrlimit and cgroups, which unprivileged runners lack), on free local ports in the host's network; checks
# `journeymine health` from this checkout and inside the image (its HEALTHCHECK command); calls Enrich and
# RecordTouchpoints (container/smoke.py, the generated stubs); stops it with SIGTERM and expects a clean exit.
# Prints the image size and the time from start to SERVING. Skips (exit 0, with the reason) where the tools
# cannot run: no podman/buildah, no root or passwordless sudo, no base image and no debootstrap.
# Env: PY (the checkout's Python with grpc, default .venv/bin/python), SERVING_TIMEOUT (s, default 300),
# NO_BUILD=1 (test the image TAG as it is, e.g. after `make image`).
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${1:-localhost/journeymine:dev}
PY=${PY:-.venv/bin/python}
skip() {
    echo "SKIPPED: make image-test: $*"
    exit 0
}

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo -n true 2>/dev/null || skip "needs root or passwordless sudo for podman/buildah"
    sudo=(sudo -n)
fi
for tool in podman buildah; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (apt-get install podman buildah debootstrap)"
done
if ! err=$("${sudo[@]}" podman info 2>&1 >/dev/null); then
    skip "podman cannot run here: $(printf '%s' "$err" | tail -n 1)"
fi

test_start=$(date +%s)
if [ "${NO_BUILD:-0}" = 1 ]; then
    "${sudo[@]}" podman image exists "$tag" || { echo "FAIL: NO_BUILD=1 but no image $tag"; exit 1; }
    rc=0
else
    set +e
    container/build.sh "$tag"
    rc=$?
    set -e
fi
if [ "$rc" -eq 77 ]; then skip "no base image can be had here (see above)"; fi
if [ "$rc" -ne 0 ]; then exit "$rc"; fi

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
metrics_port=$(free_port)
log=$(mktemp /tmp/journeymine-image-test.XXXXXX.log)
name=journeymine-image-test-$$
ctr=$("${sudo[@]}" buildah from --quiet --name "$name" "$tag")
server=
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        "${sudo[@]}" kill -KILL "$server" 2>/dev/null || true
    fi
    "${sudo[@]}" buildah rm "$ctr" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The descendant of buildah's process that is the server itself (not buildah-chroot-exec, whose command
# line carries the server's too): SIGTERM to buildah kills the server instead of stopping it.
server_pid() {
    local pid=$1 child
    for child in $(pgrep -P "$pid"); do
        if tr '\0' ' ' <"/proc/$child/cmdline" 2>/dev/null | grep -v '^buildah' | grep -q 'journeymine serve'; then
            echo "$child"
            return
        fi
        server_pid "$child"
    done
}

echo "serving from $tag on 127.0.0.1:$port (log: $log)"
start_ns=$(date +%s%N)
"${sudo[@]}" buildah run --isolation chroot \
    --env JOURNEYMINE_SERVER__HOST=127.0.0.1 --env "JOURNEYMINE_SERVER__PORT=$port" \
    --env JOURNEYMINE_METRICS__HOST=127.0.0.1 --env "JOURNEYMINE_METRICS__PORT=$metrics_port" \
    "$ctr" -- journeymine serve >"$log" 2>&1 &
server=$!

if ! serving_ms=$("$PY" container/wait_serving.py --address "127.0.0.1:$port" --started-ns "$start_ns" \
    --pid "$server" --timeout "${SERVING_TIMEOUT:-300}"); then
    tail -n 30 "$log"
    echo "FAIL: the server in the image did not come up"
    exit 1
fi
serving="$(( serving_ms / 1000 )).$(( serving_ms % 1000 / 100 )) s"
echo "SERVING $serving after start (server's own log: $(grep -o 'started in [0-9.]*s' "$log" || echo '?'))"

# The image's HEALTHCHECK command, run inside it as the runtime user.
"${sudo[@]}" buildah run --isolation chroot "$ctr" -- journeymine health --address "127.0.0.1:$port" --timeout 3
"$PY" container/smoke.py --address "127.0.0.1:$port"
# Metrics are served too (the Prometheus port the Dockerfile exposes).
"$PY" -c "import urllib.request, sys; body = urllib.request.urlopen('http://127.0.0.1:$metrics_port/metrics', timeout=5).read(); sys.exit(0 if b'journeymine' in body else 'no journeymine metrics')"
echo "metrics OK on 127.0.0.1:$metrics_port"

pid=$(server_pid "$server")
[ -n "$pid" ] || { echo "FAIL: no 'journeymine serve' process under buildah ($server)"; exit 1; }
"${sudo[@]}" kill -TERM "$pid"
for _ in $(seq 1 150); do
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$server" 2>/dev/null; then
    tail -n 20 "$log"
    echo "FAIL: the server did not stop within 15 s of SIGTERM"
    exit 1
fi
set +e
wait "$server"
rc=$?
set -e
grep -q 'journeymine stopped' "$log" || { tail -n 20 "$log"; echo "FAIL: no clean stop in the log (exit $rc)"; exit 1; }
echo "stopped cleanly on SIGTERM (exit $rc)"

size=$("${sudo[@]}" podman image inspect --format '{{.Size}}' "$tag")
echo "PASSED: make image-test: image $tag $(( size / 1000000 )) MB; start to SERVING $serving;" \
    "$(( $(date +%s) - test_start )) s in all"
rm -f "$log"
