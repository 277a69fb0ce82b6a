#!/usr/bin/env bash
# Build the Dockerfile with podman (no Docker daemon needed):
#
#   container/build.sh [TAG]      (default localhost/journeymine:dev)
#
# Base: $BASE if set; else python:3.11-slim if it is here or can be pulled; else the stand-in that
# container/base.sh builds from Debian's packages. Builds with --isolation chroot: the default OCI runtime
# needs cgroups, which unprivileged containers such as CI runners often lack.
# This machine's pip set-up travels with the build, as build arguments and read-only mounts only:
#   - a local wheel folder holding the CPU torch build ($WHEELS, default the first folder in PIP_FIND_LINKS or
#     pip's find-links): then the CPU index (download.pytorch.org) is not needed;
#   - the host's CA bundle, when local CAs are installed (egress through a proxy with its own CA).
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${1:-localhost/journeymine:dev}
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo -n); fi

if [ -z "${BASE:-}" ]; then
    if "${sudo[@]}" podman image exists docker.io/library/python:3.11-slim \
        || "${sudo[@]}" podman pull -q docker.io/library/python:3.11-slim >/dev/null 2>&1; then
        BASE=docker.io/library/python:3.11-slim
    else
        echo "python:3.11-slim cannot be pulled here: using the stand-in base from Debian's packages"
        if ! command -v debootstrap >/dev/null && ! "${sudo[@]}" podman image exists localhost/journeymine-base:bookworm; then
            echo "no debootstrap to build it (apt-get install debootstrap), or set BASE to a python3.11 image"
            exit 77  # cannot build here: container/test.sh skips
        fi
        BASE=localhost/journeymine-base:bookworm
        container/base.sh "$BASE"
    fi
fi

args=(--build-arg "BASE=$BASE")
if [ -z "${WHEELS:-}" ]; then
    links=${PIP_FIND_LINKS:-$(python3 -m pip config get global.find-links 2>/dev/null || true)}
    for dir in $links; do
        if [ -d "$dir" ]; then WHEELS=$dir; break; fi
    done
fi
if [ -n "${WHEELS:-}" ] && compgen -G "$WHEELS/torch-*+cpu-*.whl" >/dev/null; then
    echo "CPU torch from $WHEELS (mounted read-only at /wheels)"
    args+=(--volume "$(realpath "$WHEELS"):/wheels:ro" --build-arg PIP_FIND_LINKS=/wheels
        --build-arg PIP_EXTRA_INDEX_URL=)
fi
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    args+=(--volume /etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt:ro --build-arg PIP_CERT=/run/host-ca.crt)
fi

start=$(date +%s)
# --format docker: the OCI format has no HEALTHCHECK and podman would drop it.
"${sudo[@]}" podman build --isolation chroot --format docker "${args[@]}" -t "$tag" -f Dockerfile .
echo "image $tag built in $(( $(date +%s) - start )) s from $BASE:" \
    "$(( $("${sudo[@]}" podman image inspect --format '{{.Size}}' "$tag") / 1000000 )) MB"
