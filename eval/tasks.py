"""The one registry of eval tasks, and ``evaluate``: labelled rows in, one figures dict out.

    sentiment   document sentiment through Enricher.enrich       baselines: vader
                (the default model, or ``--model NAME``: a user head from ``journeymine train sentiment``)
    intent      document intent of a taxonomy, with abstention    baselines: logreg (needs training rows)
    topics      fit a topic model on the set's texts (eval.topics)  baselines: bertopic
    aspect      polarity of a given aspect span (eval.aspect_eval)  baselines: sentence
    score       labelled journeys, not rows: ``journeymine eval score`` (eval/score_eval.py)

A task is a small object: ``check`` validates the gold labels against the model
and says which labels to score over, ``predict`` runs the production path,
``baseline`` builds a reference model. ``evaluate`` is the same for every task,
so the CLI and the Evaluate RPC share it. A task scored as one fit of the whole set
(topics) has ``run`` instead, and ``evaluate`` hands it the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from eval.baselines import Baseline, LogRegBaseline, VaderBaseline
from eval.data import LabelledRow
from eval.metrics import OUT_OF_SCOPE, Predictions, headline, slice_scores
from eval.predict import encode_texts, intent_predictions, sentiment_predictions
from models.encoder import Encoder
from models.errors import FieldViolation, InvalidInputError, NotFoundError
from models.training.embeddings import CachedEmbedder
from pipelines.enrichment.enricher import Enricher
from pipelines.enrichment.sentiment import LABELS as SENTIMENT_LABELS

# Labels shown in an error message before "... and N more".
_SHOWN_LABELS = 12


@dataclass(frozen=True)
class EvalConfig:
    """What to evaluate: the task, the model (None: the task's default), slices and a baseline."""

    task: str
    model: str | None = None
    slice_by: tuple[str, ...] = ()
    baseline: str | None = None
    # The labelled sets are English; declaring it keeps the language gate from dropping rows.
    language: str = "en"
    # Seed of fits made during the evaluation (topics).
    seed: int = 42


@dataclass
class Scope:
    """What ``Task.check`` decided: the model's id, the labels to score over, notes for the report."""

    model_id: str
    keep: tuple[str, ...]
    info: dict[str, Any] = field(default_factory=dict)


class Task(Protocol):
    """One evaluable signal."""

    @property
    def name(self) -> str: ...

    @property
    def baselines(self) -> tuple[str, ...]: ...

    @property
    def has_out_of_scope(self) -> bool: ...

    def check(self, enricher: Enricher, config: EvalConfig, gold: Sequence[str]) -> Scope: ...

    def predict(
        self, enricher: Enricher, config: EvalConfig, scope: Scope, texts: Sequence[str], lock: AbstractContextManager
    ) -> Predictions: ...

    def baseline(
        self,
        name: str,
        encoder: Callable[[], Encoder],
        train: Sequence[LabelledRow] | None,
        lock: AbstractContextManager,
    ) -> Baseline: ...


class TaskNotAvailableError(InvalidInputError):
    """The task is registered but comes with a later issue."""


def _unknown_labels(kind: str, bad: Sequence[str], valid: Sequence[str], fix: str) -> InvalidInputError:
    shown = ", ".join(repr(x) for x in bad[:_SHOWN_LABELS]) + (
        f" and {len(bad) - _SHOWN_LABELS} more" if len(bad) > _SHOWN_LABELS else ""
    )
    options = ", ".join(valid[:_SHOWN_LABELS]) + (f", ... ({len(valid)} in all)" if len(valid) > _SHOWN_LABELS else "")
    return InvalidInputError.single("label", f"gold labels {shown} are not {kind} labels ({options}); {fix}")


class SentimentTask:
    """Document sentiment; a set with a subset of the labels (binary) is scored over that subset."""

    name = "sentiment"
    baselines = ("vader",)
    has_out_of_scope = False

    def check(self, enricher: Enricher, config: EvalConfig, gold: Sequence[str]) -> Scope:
        stage = enricher.sentiment_stage(config.model or None, field="model")
        present = set(gold)
        bad = sorted(present - set(SENTIMENT_LABELS))
        if bad:
            raise _unknown_labels(
                "sentiment",
                bad,
                SENTIMENT_LABELS,
                "rename them with a label map (--label-map FILE, JSON {old: new}); 'mixed' is never a gold label",
            )
        keep = tuple(label for label in SENTIMENT_LABELS if label in present)
        # Restricting to one label would make every prediction right; score over all three instead.
        if len(keep) < 2:
            keep = SENTIMENT_LABELS
        return Scope(stage.model.id, keep, {"restricted_to": list(keep)})

    def predict(
        self, enricher: Enricher, config: EvalConfig, scope: Scope, texts: Sequence[str], lock: AbstractContextManager
    ) -> Predictions:
        # The exact version ``check`` resolved, even if a newer one was trained meanwhile.
        return sentiment_predictions(
            enricher, texts, scope.keep, model=scope.model_id, language=config.language, lock=lock
        )

    def baseline(
        self,
        name: str,
        encoder: Callable[[], Encoder],
        train: Sequence[LabelledRow] | None,
        lock: AbstractContextManager,
    ) -> Baseline:
        return VaderBaseline()


class IntentTask:
    """Document intent of a taxonomy; gold ``out_of_scope`` means the model should abstain."""

    name = "intent"
    baselines = ("logreg",)
    has_out_of_scope = True

    def check(self, enricher: Enricher, config: EvalConfig, gold: Sequence[str]) -> Scope:
        stage = enricher.intent_stage(config.model or None, field="model")
        valid = (*stage.labels, OUT_OF_SCOPE)
        bad = sorted(set(gold) - set(valid))
        if bad:
            raise _unknown_labels(
                f"{stage.taxonomy!r} taxonomy",
                bad,
                valid,
                "rename them with a label map (--label-map FILE, JSON {old: new}; map labels the taxonomy "
                "does not cover to 'out_of_scope'), or drop those rows",
            )
        info = {"taxonomy": stage.taxonomy, "threshold": stage.threshold}
        return Scope(stage.model.id, valid, info)

    def predict(
        self, enricher: Enricher, config: EvalConfig, scope: Scope, texts: Sequence[str], lock: AbstractContextManager
    ) -> Predictions:
        stage = enricher.intent_stage(config.model or None, field="model")
        return intent_predictions(enricher, stage, texts, language=config.language, lock=lock)

    def baseline(
        self,
        name: str,
        encoder: Callable[[], Encoder],
        train: Sequence[LabelledRow] | None,
        lock: AbstractContextManager,
    ) -> Baseline:
        if not train:
            raise InvalidInputError.single(
                "baseline_train",
                "the logreg baseline is trained on labelled rows; pass --baseline-train FILE "
                "(same formats as --data), e.g. the taxonomy's training set",
            )
        # Training sets are large and reused run after run: their embeddings are cached on disk
        # (keyed by encoder id and the exact texts), made by the baseline's encoder on a miss.
        model = encoder()
        cache = CachedEmbedder(encoder_factory=lambda: _Locked(model, lock), encoder_id=f"{model.name}.{model.version}")
        texts, labels = [r.text for r in train], [r.label for r in train]
        x = np.zeros((len(train), model.dim), dtype=np.float32)
        # The training recipes cache a split either whole or as in-scope + out-of-scope lists (CLINC150's
        # train and oos_train); reuse whichever entry exists, else cache the whole list.
        groups = [list(range(len(texts)))]
        if not cache.has(texts) and OUT_OF_SCOPE in labels:
            groups = [[i for i, label in enumerate(labels) if (label == OUT_OF_SCOPE) == oos] for oos in (False, True)]
        for idx in groups:
            x[idx] = cache.embed([texts[i] for i in idx], desc="logreg train encode")
        return LogRegBaseline(
            x, labels, encode=lambda texts: encode_texts(model, texts, lock=lock, desc="logreg predict")
        )


class _Locked:
    """An encoder behind a lock, for the embedding cache."""

    def __init__(self, encoder: Encoder, lock: AbstractContextManager) -> None:
        self.name, self.version, self.dim = encoder.name, encoder.version, encoder.dim
        self._encoder, self._lock = encoder, lock

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self._encoder.encode(texts)


@dataclass(frozen=True)
class UnavailableTask:
    """A task that labelled rows cannot drive (it reads another input): every use says where it runs."""

    name: str
    runs_as: str
    baselines: tuple[str, ...] = ()
    has_out_of_scope: bool = False

    def _refuse(self) -> TaskNotAvailableError:
        ready = ", ".join(n for n, t in TASKS.items() if not isinstance(t, UnavailableTask))
        return TaskNotAvailableError(
            [
                FieldViolation(
                    "task",
                    f"{self.name!r} is not evaluated from labelled rows: {self.runs_as}; tasks over rows: {ready}",
                )
            ]
        )

    def check(self, enricher: Enricher, config: EvalConfig, gold: Sequence[str]) -> Scope:
        raise self._refuse()

    def predict(
        self, enricher: Enricher, config: EvalConfig, scope: Scope, texts: Sequence[str], lock: AbstractContextManager
    ) -> Predictions:
        raise self._refuse()

    def baseline(
        self,
        name: str,
        encoder: Callable[[], Encoder],
        train: Sequence[LabelledRow] | None,
        lock: AbstractContextManager,
    ) -> Baseline:
        raise self._refuse()


class TopicsTask:
    """Topic discovery: fit on the set's texts, score against the labels as categories (``eval.topics``)."""

    name = "topics"
    baselines = ("bertopic",)
    has_out_of_scope = False

    def run(
        self, rows: Sequence[LabelledRow], config: EvalConfig, *, enricher: Enricher, lock: AbstractContextManager
    ) -> dict[str, Any]:
        from eval.topics import evaluate_topics

        return evaluate_topics(
            rows, enricher=enricher, seed=config.seed, baseline=config.baseline, slice_by=config.slice_by, lock=lock
        )


class AspectTask:
    """Aspect polarity given the span: rows carry ``start``/``end`` (and ``aspect``) fields (``eval.aspect_eval``)."""

    name = "aspect"
    baselines = ("sentence",)
    has_out_of_scope = False

    def run(
        self, rows: Sequence[LabelledRow], config: EvalConfig, *, enricher: Enricher, lock: AbstractContextManager
    ) -> dict[str, Any]:
        from eval.aspect_eval import evaluate_aspects

        if config.model not in (None, "", *(s.id for s in enricher.registry.of_kind("aspect")), "aspect"):
            raise NotFoundError(
                "aspect model", config.model, [s.id for s in enricher.registry.of_kind("aspect")], "model"
            )
        return evaluate_aspects(
            rows,
            enricher=enricher,
            baseline=config.baseline,
            slice_by=config.slice_by,
            language=config.language,
            lock=lock,
        )


# Tasks scored from the whole set at once (``run``) rather than row by row (``check`` / ``predict``).
RowSetTask = TopicsTask | AspectTask

TASKS: dict[str, Task | RowSetTask] = {
    "sentiment": SentimentTask(),
    "intent": IntentTask(),
    "topics": TopicsTask(),
    "aspect": AspectTask(),
    "score": UnavailableTask(
        "score", "it reads labelled journeys, run `journeymine eval score --data FILE` (one journey per line)"
    ),
}


def get_task(name: str) -> Task | RowSetTask:
    """The registered task called ``name``; NotFoundError lists the names."""
    if name not in TASKS:
        raise NotFoundError("eval task", name, list(TASKS), "task")
    task = TASKS[name]
    if isinstance(task, UnavailableTask):
        raise task._refuse()
    return task


def check_baseline(task: Task | RowSetTask, name: str | None) -> None:
    """InvalidInputError unless ``name`` is None or one of the task's baselines."""
    if name and name not in task.baselines:
        options = ", ".join(task.baselines) or "none"
        raise InvalidInputError.single(
            "baseline", f"unknown baseline {name!r} for task {task.name!r}; valid baselines are: {options}"
        )


def evaluate(
    rows: Sequence[LabelledRow],
    config: EvalConfig,
    *,
    enricher: Enricher,
    baseline_train: Sequence[LabelledRow] | None = None,
    baseline_encoder: Callable[[], Encoder] | None = None,
    lock: AbstractContextManager | None = None,
) -> dict[str, Any]:
    """Score the task's model (and a baseline) on ``rows``; returns one JSON-ready dict.

    Keys: ``task``, ``model``, ``n`` and the headline figures (``accuracy``, ``macro_f1``,
    ``macro_recall``, ``ece``; intent adds ``argmax_accuracy``, ``in_scope_accuracy``,
    ``oos_recall``, ``oos_precision``, ``auroc``), ``per_class``, ``confusion``,
    ``reliability``, ``throughput_texts_per_s``, ``slices`` and ``baselines`` (name ->
    the same figures). ``lock`` guards every enricher call, so a server can share it.
    ``baseline_encoder`` makes the encoder an embedding baseline reads (called only when one
    runs); by default the enricher's own. The CLI and the server pass the pretrained encoder,
    so ``logreg`` stays the issue's reference: logistic regression on all-MiniLM-L6-v2 as published.
    """
    task = get_task(config.task)
    check_baseline(task, config.baseline)
    if not rows:
        raise InvalidInputError.single("rows", "no labelled rows; send at least one")
    guard = lock if lock is not None else nullcontext()
    if isinstance(task, TopicsTask | AspectTask):
        return task.run(rows, config, enricher=enricher, lock=guard)
    gold = [r.label for r in rows]
    texts = [r.text for r in rows]
    fields = [r.fields for r in rows]
    scope = task.check(enricher, config, gold)
    preds = task.predict(enricher, config, scope, texts, guard)
    result: dict[str, Any] = {"task": task.name, "model": scope.model_id, **scope.info}
    result.update(headline(gold, preds, intent=task.has_out_of_scope))
    result["labels"] = sorted(set(gold))
    result["slices"] = slice_scores(gold, preds, fields, config.slice_by, intent=task.has_out_of_scope)
    result["baselines"] = {}
    if config.baseline:
        baseline = task.baseline(config.baseline, baseline_encoder or (lambda: enricher.encoder), baseline_train, guard)
        bp = baseline.predict(texts, keep=scope.keep)
        figures = headline(gold, bp, intent=task.has_out_of_scope)
        figures["slices"] = slice_scores(gold, bp, fields, config.slice_by, intent=task.has_out_of_scope)
        describe = getattr(baseline, "describe", None)
        if describe is not None:
            figures["trained"] = describe()
        result["baselines"][config.baseline] = figures
    return result
