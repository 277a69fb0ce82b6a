#!/usr/bin/env bash
# Build a local stand-in for the Dockerfile's base image (python:3.11-slim) from Debian's own packages:
# debootstrap a minimal bookworm root, add bookworm's python3.11 with venv, make and ca-certificates, and
# import it as a podman image. For machines that can reach Debian's mirrors but no container registry.
#
#   container/base.sh [IMAGE]     (default localhost/journeymine-base:bookworm; skipped if it exists)
#
# Env: DEBIAN_MIRROR (default http://deb.debian.org/debian), FORCE=1 to rebuild an existing image.
# Needs root (or sudo -n), debootstrap and podman.
set -euo pipefail

image=${1:-localhost/journeymine-base:bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo -n); fi

if [ "${FORCE:-0}" != 1 ] && "${sudo[@]}" podman image exists "$image"; then
    echo "base image $image exists (FORCE=1 rebuilds it)"
    exit 0
fi

root=$(mktemp -d /tmp/journeymine-base.XXXXXX)
trap '"${sudo[@]}" rm -rf "$root"' EXIT
start=$(date +%s)

echo "debootstrap bookworm (minbase) into $root from $mirror"
"${sudo[@]}" debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 \
    || { tail -n 20 "$root.log"; exit 1; }
# apt inside the root resolves python3.11-venv's dependencies (debootstrap --include does not).
# python3.11-venv brings ensurepip's pip wheel; make runs the README's install; passwd (in minbase) has
# groupadd/useradd for the runtime user.
"${sudo[@]}" chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3.11 python3.11-venv make ca-certificates >>"$root.log" 2>&1 \
    || { tail -n 20 "$root.log"; exit 1; }
# What python:3.11-slim leaves out too: apt lists and the package cache.
"${sudo[@]}" chroot "$root" apt-get clean
"${sudo[@]}" rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root.log"
for tool in python3.11 make groupadd useradd; do
    "${sudo[@]}" chroot "$root" sh -c "command -v $tool" >/dev/null || { echo "$tool missing in the root"; exit 1; }
done

# python:3.11-slim sets LANG=C.UTF-8; so does the stand-in.
"${sudo[@]}" tar -C "$root" -c . | "${sudo[@]}" podman import --quiet \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3.11"]' - "$image" >/dev/null
echo "base image $image built in $(( $(date +%s) - start )) s ($("${sudo[@]}" podman image inspect --format '{{.Size}}' "$image") bytes)"
