"""The one registry of models: versioned names -> where the artifact lives and how it loads.

Names carry versions (``intent.banking77.v2``) and every signal records the
``ModelRef`` of the model that produced it. ``tests/models/test_registry.py``
snapshots the built-in table ``SPECS``, so adding or renaming a shipped model is a
deliberate change.

Beside the shipped models, a ``ModelRegistry`` with a ``user_dir`` discovers heads
trained by ``journeymine train`` (``<data_dir>/models``)::

    <user_dir>/intent/<name>/v<N>/{head.safetensors, head.json, MODEL_CARD.md}
    <user_dir>/sentiment/<name>/v<N>/...
    <user_dir>/topics/<name>/v<N>/{topics.safetensors, topics.json, MODEL_CARD.md}   (journeymine topics fit)

A user model is ``intent.<name>.v<N>`` (``sentiment.<name>.v<N>``); its name may not
shadow a built-in one, and ``resolve`` returns its latest version. The folder is
re-read when a user name is resolved (one directory listing) and on ``refresh()``,
so a running server uses a model trained after it started. Versions are published by
renaming a complete temporary folder, so a reader never sees half a model.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.aspect import META_FILE as ASPECT_META_FILE
from models.aspect import AspectModel
from models.errors import InvalidInputError, ModelNotLoadedError, NotFoundError
from models.heads import META_FILE, WEIGHTS_FILE, LinearHead
from models.topic_model import META_FILE as TOPICS_META_FILE
from models.topic_model import WEIGHTS_FILE as TOPICS_WEIGHTS_FILE
from models.topic_model import TopicModel

log = logging.getLogger(__name__)

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
# Kinds a user may train (``journeymine train KIND``) or fit (``journeymine topics fit``).
USER_KINDS: tuple[str, ...] = ("intent", "sentiment", "topics")


@dataclass(frozen=True)
class UserKind:
    """How a user model of one kind is stored: the files a complete version has, its loader, its command."""

    meta_file: str
    weights_file: str
    loader: Callable[[Path], Any]
    command: str


USER_KIND_FILES: dict[str, UserKind] = {
    "intent": UserKind(META_FILE, WEIGHTS_FILE, LinearHead.load, "journeymine train intent"),
    "sentiment": UserKind(META_FILE, WEIGHTS_FILE, LinearHead.load, "journeymine train sentiment"),
    "topics": UserKind(TOPICS_META_FILE, TOPICS_WEIGHTS_FILE, TopicModel.load, "journeymine topics fit"),
}
# Letters, digits, '_' and '-', starting with a letter or digit: safe as a folder name and inside a dotted id.
USER_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_VERSION_RE = re.compile(r"^v([1-9][0-9]*)$")
BUILTIN = "builtin"
USER = "user"


@dataclass(frozen=True)
class ModelSpec:
    kind: str  # "sentiment" | "intent" | "topics" | "aspect"
    name: str  # "intent.banking77"
    version: str  # "v1"
    path: str  # relative to the artifacts dir (built-in) or the user dir (user)
    description: str
    loader: Callable[[Path], Any]
    source: str = BUILTIN  # BUILTIN | USER

    @property
    def id(self) -> str:
        return f"{self.name}.{self.version}"

    @property
    def short_name(self) -> str:
        """Name without its kind prefix: the taxonomy / topic model name callers use."""
        prefix = f"{self.kind}."
        return self.name[len(prefix) :] if self.name.startswith(prefix) else self.name

    @property
    def version_number(self) -> int:
        """The N of ``vN`` (0 when the version is not of that form)."""
        match = _VERSION_RE.match(self.version)
        return int(match.group(1)) if match else 0


SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "sentiment",
        "sentiment",
        "v2",
        "sentiment/v2",
        "3-class sentiment (negative/neutral/positive) head on all-MiniLM-L6-v2",
        LinearHead.load,
    ),
    ModelSpec(
        "sentiment",
        "sentiment",
        "v3",
        "sentiment/v3",
        "3-class sentiment for the customer's voice: v2's sets + service problem reports + SST-2 (research use)",
        LinearHead.load,
    ),
    ModelSpec(
        "sentiment",
        "sentiment.permissive",
        "v1",
        "sentiment/permissive/v1",
        "sentiment v3's recipe on permissively licensed sets only (no research-use data)",
        LinearHead.load,
    ),
    ModelSpec(
        "sentiment",
        "sentiment",
        "v4",
        "sentiment/v4",
        "sentiment v3's weights with one temperature fitted across domains (Reddit, reviews, tweets)",
        LinearHead.load,
    ),
    ModelSpec(
        "sentiment",
        "sentiment.permissive",
        "v2",
        "sentiment/permissive/v2",
        "sentiment.permissive v1's weights with one temperature fitted across the permissive domains",
        LinearHead.load,
    ),
    ModelSpec(
        "intent",
        "intent.customer_service",
        "v2",
        "intent/customer_service/v2",
        "customer-service intents: the union of bitext's and MultiDoGo's labels, with abstention",
        LinearHead.load,
    ),
    ModelSpec(
        "intent",
        "intent.customer_service",
        "v3",
        "intent/customer_service/v3",
        "curated customer-service intents in categories (billing, account, leaving ...) with abstention",
        LinearHead.load,
    ),
    ModelSpec(
        "intent",
        "intent.banking77",
        "v2",
        "intent/banking77/v2",
        "Banking77: 77 fine-grained banking intents",
        LinearHead.load,
    ),
    ModelSpec(
        "intent",
        "intent.clinc150",
        "v2",
        "intent/clinc150/v2",
        "CLINC150: 150 intents in 10 domains with out-of-scope detection",
        LinearHead.load,
    ),
    ModelSpec(
        "topics",
        "topics.customer_service",
        "v2",
        "topics/customer_service/v2",
        "customer-service topics fitted with BERTopic, served by nearest centroid",
        TopicModel.load,
    ),
    ModelSpec(
        "topics",
        "topics.customer_service",
        "v3",
        "topics/customer_service/v3",
        "v2's topics labelled with phrases from their documents ('cash withdrawal'), not three keywords",
        TopicModel.load,
    ),
    ModelSpec(
        "aspect",
        "aspect",
        "v1",
        "aspect/v1",
        "aspect-term polarity (MAMS ATSA): aspect LoRA adapter over the shared encoder + span head",
        AspectModel.load,
    ),
    ModelSpec(
        "satisfaction",
        "satisfaction",
        "v1",
        "satisfaction/v1",
        "3-class customer satisfaction (USS) head on a customer turn and the agent turn before it",
        LinearHead.load,
    ),
)

DEFAULTS: dict[str, str] = {
    "aspect": "aspect.v1",
    "sentiment": "sentiment.v4",
    "intent": "intent.customer_service.v3",
    "topics": "topics.customer_service.v3",
    "satisfaction": "satisfaction.v1",
}

REGISTRY: dict[str, ModelSpec] = {spec.id: spec for spec in SPECS}


@dataclass(frozen=True)
class RefreshReport:
    """What a re-scan of the user folder found: every user model now registered, and what changed."""

    user_models: tuple[ModelSpec, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]


class ModelRegistry:
    """Loads and caches artifacts by id; resolves taxonomy and topic-model names, built-in and user-trained.

    Thread-safe: the spec table is replaced, never mutated, so readers may iterate ``specs`` while another
    thread refreshes it; loading and re-scanning hold one lock.
    """

    def __init__(
        self,
        *,
        artifacts_dir: Path = ARTIFACTS_DIR,
        specs: tuple[ModelSpec, ...] = SPECS,
        user_dir: Path | None = None,
        encoder_id: str | None = None,
    ) -> None:
        """A registry of ``specs`` under ``artifacts_dir``, plus the user models under ``user_dir``.

        Args:
            artifacts_dir: where the built-in ``specs`` live.
            user_dir: the user model folder (``<data_dir>/models``); None: built-in models only.
            encoder_id: the running encoder's id; a model trained on another encoder is refused on load.
        """
        self.artifacts_dir = artifacts_dir
        self.user_dir = user_dir
        self.encoder_id = encoder_id
        self.builtin: dict[str, ModelSpec] = {spec.id: spec for spec in specs}
        self.specs: dict[str, ModelSpec] = dict(self.builtin)
        self._loaded: dict[str, Any] = {}
        self._lock = threading.RLock()
        if user_dir is not None:
            self.refresh()

    # --- loading -------------------------------------------------------------------------------

    def path_of(self, spec: ModelSpec) -> Path:
        """The folder holding ``spec``'s files."""
        if spec.source == USER:
            assert self.user_dir is not None  # user specs only come from a user dir
            return self.user_dir / spec.path
        return self.artifacts_dir / spec.path

    def load(self, model_id: str) -> Any:
        """The artifact of ``model_id``, loaded once; ModelNotLoadedError names a missing or mismatched file."""
        with self._lock:
            spec = self.specs.get(model_id)
            if spec is None and self.user_dir is not None:
                self.refresh()  # trained after the last scan
                spec = self.specs.get(model_id)
            if spec is None:
                raise NotFoundError("model", model_id, list(self.specs))
            if model_id not in self._loaded:
                path = self.path_of(spec)
                artifact = spec.loader(path)
                self._check(spec, artifact, path)
                self._loaded[model_id] = artifact
            return self._loaded[model_id]

    def _check(self, spec: ModelSpec, artifact: Any, path: Path) -> None:
        meta_file = {LinearHead: META_FILE, AspectModel: ASPECT_META_FILE}.get(type(artifact), TOPICS_META_FILE)
        meta_path = path / meta_file
        recorded = getattr(artifact, "metadata", {}).get("encoder")
        # Built-ins that predate the field are trusted; user heads always record it.
        checked = self.encoder_id is not None and (recorded is not None or spec.source == USER)
        if checked and recorded != self.encoder_id:
            raise ModelNotLoadedError(
                f"model {spec.id} ({meta_path}) was trained on encoder {recorded!r}, but the running encoder is "
                f"{self.encoder_id!r}; retrain it on the running encoder "
                f"({USER_KIND_FILES[spec.kind].command} ...)"
            )
        if spec.source == USER and (artifact.name, artifact.version) != (spec.name, spec.version):
            raise ModelNotLoadedError(
                f"{meta_path} names {artifact.name} {artifact.version}, but it lies in {path} "
                f"(expected {spec.name} {spec.version}); do not copy or rename version folders by hand"
            )

    def load_all(self) -> None:
        """Load every built-in artifact now, so a missing file fails at start-up, not mid-request.

        User models load on first use: one bad user model must not keep the service from starting.
        """
        for model_id in self.builtin:
            self.load(model_id)

    # --- lookups -------------------------------------------------------------------------------

    def of_kind(self, kind: str) -> list[ModelSpec]:
        return [s for s in self.specs.values() if s.kind == kind]

    def builtin_names(self, kind: str) -> list[str]:
        """Short names of the built-in models of ``kind`` (names a user model may not take)."""
        return sorted({s.short_name for s in self.builtin.values() if s.kind == kind})

    def latest_user_specs(self) -> list[ModelSpec]:
        """The latest version of every user model, sorted by kind and name."""
        latest: dict[tuple[str, str], ModelSpec] = {}
        for spec in self.specs.values():
            key = (spec.kind, spec.name)
            if spec.source == USER and (key not in latest or spec.version_number > latest[key].version_number):
                latest[key] = spec
        return [latest[key] for key in sorted(latest)]

    def resolve(self, kind: str, short_name: str | None, *, field: str | None = None) -> ModelSpec:
        """The latest version of ``kind`` called ``short_name`` (None: the default)."""
        if short_name is None or short_name == "":
            default = DEFAULTS.get(kind)
            if default is None or default not in self.specs:
                raise ModelNotLoadedError(f"no default {kind} model is registered")
            return self.specs[default]
        with self._lock:
            if self.user_dir is not None and kind in USER_KINDS and short_name not in self.builtin_names(kind):
                if USER_NAME_RE.match(short_name):
                    # One listing of this name's folder picks up a new model or a retrained version at once.
                    self._sync_name(kind, short_name)
                elif not self._matches(kind, short_name):
                    self.refresh()  # an id such as intent.mine.v3, written after the last scan
            matches = self._matches(kind, short_name)
        if not matches:
            names = sorted({s.short_name for s in self.of_kind(kind)})
            raise NotFoundError("intent taxonomy" if kind == "intent" else f"{kind} model", short_name, names, field)
        return matches[-1]

    def _matches(self, kind: str, short_name: str) -> list[ModelSpec]:
        return sorted(
            (s for s in self.of_kind(kind) if short_name in (s.short_name, s.id)), key=lambda s: s.version_number
        )

    def is_default(self, spec: ModelSpec) -> bool:
        return DEFAULTS.get(spec.kind) == spec.id

    # --- the user folder -----------------------------------------------------------------------

    def validate_user_name(self, kind: str, name: str) -> None:
        """Raise InvalidInputError (field ``name``) unless ``name`` is a valid, non-built-in ``kind`` model name."""
        if kind not in USER_KINDS:
            raise InvalidInputError.single("kind", f"cannot train {kind!r} models; valid kinds are: {USER_KINDS}")
        if not USER_NAME_RE.match(name):
            raise InvalidInputError.single(
                "name",
                f"invalid model name {name!r}: use 1-64 letters, digits, '_' or '-', starting with a letter or digit",
            )
        builtin = self.builtin_names(kind)
        if name in builtin:
            raise InvalidInputError.single(
                "name",
                f"{name!r} is a built-in {kind} model and cannot be replaced; built-in names are: "
                f"{', '.join(builtin)}. Choose another name",
            )

    def refresh(self) -> RefreshReport:
        """Re-scan the whole user folder: register new models and versions, forget deleted ones."""
        with self._lock:
            found: list[ModelSpec] = []
            if self.user_dir is not None:
                for kind in USER_KINDS:
                    kind_dir = self.user_dir / kind
                    names = sorted(p.name for p in kind_dir.iterdir() if p.is_dir()) if kind_dir.is_dir() else []
                    for name in names:
                        if not USER_NAME_RE.match(name):
                            continue  # temporary or foreign folders
                        if name in self.builtin_names(kind):
                            log.warning(
                                "ignoring %s: a user model may not shadow the built-in %r", kind_dir / name, name
                            )
                            continue
                        found.extend(self._scan_name(kind, name))
            return self._replace(lambda s: s.source == USER, found)

    def _scan_name(self, kind: str, name: str) -> list[ModelSpec]:
        assert self.user_dir is not None
        folder = self.user_dir / kind / name
        if not folder.is_dir():
            return []
        files = USER_KIND_FILES[kind]
        specs = []
        for version_dir in sorted(folder.iterdir()):
            complete = (version_dir / files.meta_file).is_file() and (version_dir / files.weights_file).is_file()
            if _VERSION_RE.match(version_dir.name) and complete:
                specs.append(
                    ModelSpec(
                        kind,
                        f"{kind}.{name}",
                        version_dir.name,
                        f"{kind}/{name}/{version_dir.name}",
                        f"user {kind} model ({files.command})",
                        files.loader,
                        USER,
                    )
                )
        return specs

    def _sync_name(self, kind: str, name: str) -> RefreshReport:
        full = f"{kind}.{name}"
        return self._replace(lambda s: s.source == USER and s.name == full, self._scan_name(kind, name))

    def _replace(self, stale: Callable[[ModelSpec], bool], found: list[ModelSpec]) -> RefreshReport:
        with self._lock:
            before = {i for i, s in self.specs.items() if stale(s)}
            table = {i: s for i, s in self.specs.items() if not stale(s)}
            table.update({s.id: s for s in found})
            self.specs = table  # swapped, never mutated: readers may be iterating the old table
            after = {s.id for s in found}
            for model_id in before - after:
                self._loaded.pop(model_id, None)
            users = tuple(sorted((s for s in table.values() if s.source == USER), key=lambda s: s.id))
            return RefreshReport(users, tuple(sorted(after - before)), tuple(sorted(before - after)))

    def publish_user_model(self, kind: str, name: str, write: Callable[[Path, str], None]) -> ModelSpec:
        """Write the next version of a user model and register it.

        ``write(folder, version)`` fills a temporary folder; it becomes ``<user_dir>/<kind>/<name>/<version>``
        by one rename, so a scanner in another process never sees half a model.
        """
        self.validate_user_name(kind, name)
        if self.user_dir is None:
            raise ValueError("this registry has no user_dir to publish into")
        with self._lock:
            existing = self._scan_name(kind, name)
            version = f"v{max((s.version_number for s in existing), default=0) + 1}"
            base = self.user_dir / kind / name
            base.mkdir(parents=True, exist_ok=True)
            tmp = base / f".{version}.tmp-{uuid.uuid4().hex[:8]}"
            try:
                write(tmp, version)
                try:
                    os.rename(tmp, base / version)
                except OSError as exc:
                    raise FileExistsError(
                        f"{base / version} was written by another run meanwhile; run the training again"
                    ) from exc
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            self._sync_name(kind, name)
            return self.specs[f"{kind}.{name}.{version}"]
