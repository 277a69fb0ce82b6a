# One entry point for humans: `make help`.
# Everything installs into a project-local .venv; the install re-runs only when pyproject.toml changes.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 50051
DATASETS ?= ../shared/datasets
IMAGE  ?= localhost/journeymine:dev

.DEFAULT_GOAL := help
.PHONY: help install serve test image image-test lint format proto proto-check finetune-encoder train-heads calibrate-int8 train-aspect fit-topics probe-sentiment probe-sentiment-heads probe-intent bench bench-aspect bench-topics bench-journeys load-test clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The default encoder backend (onnx-int8) exports and quantises the bundled weights into .cache/onnx on first
# use (~15 s): do it here, so that the first `make serve` starts warm (the export is keyed by the adapter's
# digest; a later run finds it). The project's bytecode too: pip compiles the dependencies, not an editable
# project, and the image's runtime user could not write it.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -c "from pipelines.factory import build_encoder; build_encoder()"
	$(PY) -m compileall -q service pipelines models eval proto
	touch $(STAMP)

install: $(STAMP) ## create .venv, install journeymine with its pinned dependencies, export the ONNX encoder

serve: $(STAMP) ## install if needed, then start the gRPC server on $(HOST):$(PORT) with the bundled models
	$(VENV)/bin/journeymine serve --host $(HOST) --port $(PORT)

test: $(STAMP) ## install if needed, then lint, check generated code, and run the whole test suite
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) proto/generate.py --check
	$(PY) -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest selected no tests"; exit 0; fi; exit $$rc

image: ## build the container image $(IMAGE) with podman (base from Debian's packages where no registry answers)
	container/build.sh $(IMAGE)

image-test: $(STAMP) ## build the image, serve from it: health, Enrich, RecordTouchpoints, SIGTERM (skips where podman cannot run)
	PY=$(PY) container/test.sh $(IMAGE)

lint: $(STAMP) ## ruff lint + format check, mypy on the core
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP) ## apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

proto: $(STAMP) ## regenerate Python code from proto/ (never edit the generated files)
	$(PY) proto/generate.py

proto-check: $(STAMP) ## fail if the generated code is stale
	$(PY) proto/generate.py --check

finetune-encoder: $(STAMP) ## retrain the encoder's multi-task LoRA adapter (~40 min on 2 cores) and its int8 smoothing; then train-heads and fit-topics
	$(PY) -m models.training.finetune_encoder --datasets $(DATASETS)
	$(PY) -m models.training.calibrate_smoothing --datasets $(DATASETS)

train-heads: $(STAMP) ## retrain the sentiment (v2, v3, permissive), intent and satisfaction heads from $(DATASETS) into models/artifacts (then calibrate-int8)
	$(PY) -m models.training.train_heads --datasets $(DATASETS)
	$(PY) -m models.training.backend_thresholds --datasets $(DATASETS) --backend onnx-int8

calibrate-int8: $(STAMP) ## the int8 encoder's smoothing statistics, then the intent heads' abstention thresholds on its embeddings (~1 min)
	$(PY) -m models.training.calibrate_smoothing --datasets $(DATASETS)
	$(PY) -m models.training.backend_thresholds --datasets $(DATASETS) --backend onnx-int8

train-aspect: $(STAMP) ## retrain the aspect-polarity model (aspect.v1) on MAMS ATSA train (~25 min on 2 busy cores)
	$(PY) -m models.training.train_aspect --datasets $(DATASETS)

fit-topics: $(STAMP) ## refit the bundled topic model from $(DATASETS) (v2), then label it with phrases (v3)
	$(PY) -m models.training.fit_topics --datasets $(DATASETS)
	$(PY) -m models.training.relabel_topics --datasets $(DATASETS)

probe-sentiment-heads: $(STAMP) ## experiment (issue 20): which sets and head sizes move sentiment on the serving embeddings; CPU, ~10 min first run
	$(PY) -m models.training.probe_sentiment_heads --datasets $(DATASETS)

probe-intent: $(STAMP) ## experiment (issue 20): train-intent recipe vs plain logistic regression (tuned and pretrained encoder, STAR), and CLINC150 thresholds by CV; ~5 min
	$(PY) -m eval.probe_user_intent --datasets $(DATASETS) --clinc

probe-sentiment: $(STAMP) ## experiment (issue 20): fine-tuned encoder vs frozen head on sentiment, unseen sets; wants a GPU
	$(PY) -m models.training.probe_finetune_sentiment --datasets $(DATASETS) --model "$$($(PY) -c 'from models.encoder import default_model_path; print(default_model_path())')" --complaints

bench: $(STAMP) ## in-process enrichment throughput, encoder passes per text, resident memory
	$(PY) -m eval.bench.enrich

bench-aspect: $(STAMP) ## enrichment throughput with and without aspect sentiment (MAMS val sentences from $(DATASETS))
	$(PY) -m eval.bench.aspect --datasets $(DATASETS)

bench-topics: $(STAMP) ## topic fit on ~45k texts, refit id stability, assignment speed, emerging topics (needs $(DATASETS))
	$(PY) -m eval.bench.topics --datasets $(DATASETS)

bench-journeys: $(STAMP) ## 1M structured touchpoints into SQLite: ingest/s, GetCustomerScore and GetJourney latency
	$(PY) -m eval.bench.journeys

load-test: $(STAMP) ## a real server at twice its measured capacity for 3 minutes: codes, accepted vs stored, memory
	$(PY) -m eval.bench.load_test --duration 180

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .cache
