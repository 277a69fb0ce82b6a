# The same install as the README: `make install`, then `make serve`.
# (No Docker engine runs on the development machines; keep these steps identical to the
# README's so the tested path is the shipped path.)
FROM python:3.11-slim

# PyPI's torch wheel for Linux pulls CUDA libraries; the CPU index offers 2.13.0+cpu,
# which pip prefers for the pinned torch==2.13.0.
ENV PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu \
    PIP_NO_CACHE_DIR=1 \
    PYTHONUNBUFFERED=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
RUN make install PYTHON=python3.11

# The embedded SQLite journey store (data_dir); or set JOURNEYMINE_JOURNEYS__URL to a PostgreSQL URL.
VOLUME ["/app/data"]
EXPOSE 50051
CMD ["make", "serve", "HOST=0.0.0.0", "PORT=50051"]
