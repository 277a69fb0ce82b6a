# Two stages: `build` installs exactly as the README does (`make install` into /app/.venv, the path CI
# tests); the runtime stage copies /app without make, apt lists or pip caches and runs as a non-root
# user. `make image-test` builds this file and serves from it (container/test.sh, podman/buildah).
# Build:  docker build -t journeymine .
# Run:    docker run -p 50051:50051 -p 9464:9464 -v jm-data:/app/data journeymine
# Where no registry can be reached: `make image` (container/base.sh builds BASE from Debian's packages).

# Any Debian-like image with python3.11 on PATH (venv included); both stages use it, so the venv's
# interpreter path is the same in both.
ARG BASE=python:3.11-slim
FROM ${BASE} AS build

# PyPI's torch wheel for Linux pulls CUDA libraries; the CPU index offers 2.13.0+cpu,
# which pip prefers for the pinned torch==2.13.0. Where that index cannot be reached, pass a folder
# holding the CPU wheel instead (container/build.sh: --volume DIR:/wheels, PIP_FIND_LINKS=/wheels,
# PIP_EXTRA_INDEX_URL=''), and PIP_CERT where egress goes through a proxy with its own CA.
# These are build arguments, not ENV: none of them stays in the image.
ARG PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG PIP_FIND_LINKS=
ARG PIP_CERT=
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# make for the README's install; python:3.11-slim lacks it, the stand-in base has it.
RUN command -v make >/dev/null || { apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*; }

WORKDIR /app
COPY . .
# The otel extra too, so `JOURNEYMINE_TRACING__ENABLED=true` works in the image.
# `make install` also exports and quantises the default encoder backend (onnx-int8) into /app/.cache/onnx
# and compiles the project's bytecode, here, where /app is writable (the runtime user cannot write there),
# so the server starts warm. The dependencies' bytecode stays too: without it every start would compile
# torch and transformers from source.
RUN make install PYTHON=python3.11 \
    && .venv/bin/pip install --quiet -e '.[dev,otel]'

FROM ${BASE}

# Listen on every interface inside the container; metrics on 9464 (Prometheus' exporter port).
# Kubernetes and `docker stop` send SIGTERM, then SIGKILL after their own grace (30 s / 10 s by default):
# health goes NOT_SERVING at once and in-flight calls get GRACE_SECONDS to finish.
ENV PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH \
    JOURNEYMINE_SERVER__HOST=0.0.0.0 \
    JOURNEYMINE_SERVER__PORT=50051 \
    JOURNEYMINE_METRICS__HOST=0.0.0.0 \
    JOURNEYMINE_METRICS__PORT=9464 \
    JOURNEYMINE_DATA_DIR=/app/data \
    JOURNEYMINE_SERVER__GRACE_SECONDS=8

# A fixed uid/gid, so volume permissions can be set ahead of time; no shell login, no home to write.
RUN groupadd --system --gid 10001 journeymine \
    && useradd --system --uid 10001 --gid journeymine --no-create-home --shell /usr/sbin/nologin journeymine

WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /app/data && chown journeymine:journeymine /app/data

USER 10001:10001
# The embedded SQLite journey store (data_dir): one replica only. Several replicas share PostgreSQL:
# set JOURNEYMINE_JOURNEYS__URL (docs/deployment.md).
VOLUME ["/app/data"]
EXPOSE 50051 9464

# The gRPC health protocol, no token needed. With TLS add: --ca-file /etc/journeymine/tls/ca.crt.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["journeymine", "health", "--timeout", "3"]

STOPSIGNAL SIGTERM
CMD ["journeymine", "serve"]
