"""User-trained models in the registry: discovery, versions, refresh, shadowing, encoder-id checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.errors import InvalidInputError, ModelNotLoadedError, NotFoundError
from models.heads import LinearHead
from models.registry import USER, ModelRegistry
from models.training.embeddings import ENCODER_ID

ENCODER = "encoder.test.v1"
DIM = 8


def head(name: str, version: str, labels: tuple[str, ...] = ("a", "b"), encoder: str | None = ENCODER) -> LinearHead:
    rng = np.random.default_rng(0)
    metadata = {"encoder": encoder} if encoder is not None else {}
    return LinearHead(
        name, version, labels, rng.normal(size=(len(labels), DIM)), np.zeros(len(labels)), 1.0, 0.3, metadata
    )


def publish(registry: ModelRegistry, kind: str, name: str, labels: tuple[str, ...] = ("a", "b")) -> str:
    spec = registry.publish_user_model(
        kind, name, lambda folder, version: head(f"{kind}.{name}", version, labels).save(folder)
    )
    return spec.id


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    return tmp_path / "models"


@pytest.fixture
def registry(user_dir: Path) -> ModelRegistry:
    return ModelRegistry(user_dir=user_dir, encoder_id=ENCODER)


def test_publish_increments_versions_and_resolve_returns_the_latest(registry: ModelRegistry, user_dir: Path) -> None:
    assert publish(registry, "intent", "shop") == "intent.shop.v1"
    assert publish(registry, "intent", "shop", ("a", "b", "c")) == "intent.shop.v2"
    spec = registry.resolve("intent", "shop")
    assert (spec.id, spec.source, spec.short_name) == ("intent.shop.v2", USER, "shop")
    assert registry.load(spec.id).labels == ("a", "b", "c")
    assert registry.resolve("intent", "intent.shop.v1").version == "v1"  # an old version stays addressable by id
    assert sorted(p.name for p in (user_dir / "intent" / "shop").iterdir()) == ["v1", "v2"]  # no temp folders left


def test_a_model_written_after_the_registry_was_created_is_found(registry: ModelRegistry, user_dir: Path) -> None:
    with pytest.raises(NotFoundError):
        registry.resolve("intent", "late")
    writer = ModelRegistry(user_dir=user_dir, encoder_id=ENCODER)  # another process: the train command
    publish(writer, "intent", "late")
    assert registry.resolve("intent", "late").id == "intent.late.v1"  # re-read on miss
    publish(writer, "intent", "late")
    assert registry.resolve("intent", "late").id == "intent.late.v2"  # and a retrain is seen at once
    publish(writer, "intent", "other")
    assert registry.load("intent.other.v1").name == "intent.other"  # load by id also re-scans


def test_refresh_reports_added_and_removed_models(registry: ModelRegistry, user_dir: Path) -> None:
    writer = ModelRegistry(user_dir=user_dir, encoder_id=ENCODER)
    publish(writer, "intent", "one")
    publish(writer, "sentiment", "tweets", ("negative", "neutral", "positive"))
    report = registry.refresh()
    assert report.added == ("intent.one.v1", "sentiment.tweets.v1")
    assert [s.id for s in report.user_models] == ["intent.one.v1", "sentiment.tweets.v1"]
    assert registry.resolve("sentiment", "tweets").id == "sentiment.tweets.v1"
    assert registry.resolve("sentiment", None).id == "sentiment.v4"  # the default is still the built-in
    for path in sorted((user_dir / "intent" / "one" / "v1").iterdir()):
        path.unlink()
    (user_dir / "intent" / "one" / "v1").rmdir()
    report = registry.refresh()
    assert (report.added, report.removed) == ((), ("intent.one.v1",))
    with pytest.raises(NotFoundError, match="Valid intent taxonomy names are: banking77, clinc150, customer_service"):
        registry.resolve("intent", "one")


def test_incomplete_and_foreign_folders_are_ignored(registry: ModelRegistry, user_dir: Path) -> None:
    head("intent.half", "v1").save(user_dir / "intent" / "half" / "v1")
    (user_dir / "intent" / "half" / "v1" / "head.safetensors").unlink()  # half written
    head("intent.half", "v2").save(user_dir / "intent" / "half" / ".v2.tmp-1234")  # not yet published
    head("intent.banking77", "v1").save(user_dir / "intent" / "banking77" / "v1")  # shadows a built-in
    (user_dir / "intent" / "bad name").mkdir(parents=True)
    report = registry.refresh()
    assert report.user_models == ()
    assert registry.resolve("intent", "banking77").source == "builtin"


@pytest.mark.parametrize(
    ("kind", "name", "message"),
    [
        ("intent", "banking77", r"'banking77' is a built-in intent model .* built-in names are: banking77, clinc150"),
        ("intent", "customer_service", "is a built-in intent model"),
        ("sentiment", "sentiment", "is a built-in sentiment model"),
        ("intent", "my shop", "invalid model name 'my shop'"),
        ("intent", "shop.v2", "invalid model name"),
        ("intent", "../escape", "invalid model name"),
        ("intent", "", "invalid model name"),
        ("topics", "customer_service", "is a built-in topics model"),
        ("emotion", "mine", "cannot train 'emotion' models"),
    ],
)
def test_bad_or_shadowing_names_are_refused(registry: ModelRegistry, kind: str, name: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        registry.publish_user_model(kind, name, lambda folder, version: None)


def test_a_head_from_another_encoder_is_refused_naming_the_file_and_both_ids(
    registry: ModelRegistry, user_dir: Path
) -> None:
    folder = user_dir / "intent" / "old" / "v1"
    head("intent.old", "v1", encoder="encoder.previous.v0").save(folder)
    spec = registry.resolve("intent", "old")
    with pytest.raises(ModelNotLoadedError) as info:
        registry.load(spec.id)
    message = str(info.value)
    assert str(folder / "head.json") in message
    assert "'encoder.previous.v0'" in message and f"'{ENCODER}'" in message


def test_a_user_head_without_an_encoder_id_is_refused(registry: ModelRegistry, user_dir: Path) -> None:
    head("intent.anon", "v1", encoder=None).save(user_dir / "intent" / "anon" / "v1")
    with pytest.raises(ModelNotLoadedError, match="was trained on encoder None"):
        registry.load(registry.resolve("intent", "anon").id)


def test_a_version_folder_copied_by_hand_is_refused(registry: ModelRegistry, user_dir: Path) -> None:
    head("intent.copy", "v1").save(user_dir / "intent" / "copy" / "v2")
    with pytest.raises(ModelNotLoadedError, match=r"names intent.copy v1, but it lies in .*copy/v2"):
        registry.load(registry.resolve("intent", "copy").id)


def test_without_a_user_dir_only_built_ins_are_known() -> None:
    registry = ModelRegistry()
    assert all(spec.source == "builtin" for spec in registry.specs.values())
    assert registry.refresh().user_models == ()
    with pytest.raises(ValueError, match="no user_dir"):
        registry.publish_user_model("intent", "mine", lambda folder, version: None)


def test_built_in_artifacts_pass_the_encoder_check_of_the_shipped_encoder() -> None:
    registry = ModelRegistry(encoder_id=ENCODER_ID)
    registry.load_all()
    # The pretrained encoder (no adapter) is another encoder: heads tuned on v2 must not run on it.
    with pytest.raises(ModelNotLoadedError, match="retrain it on the running encoder"):
        ModelRegistry(encoder_id="encoder.all-minilm-l6-v2.v1").load("intent.banking77.v2")
