"""Reading and editing topic models by name: the one path ``journeymine topics`` and ``TopicsService`` share.

Edits never change a version in place: each writes the user model's next version
(``<data_dir>/models/topics/<name>/v<N+1>``) through the registry, so a reader never sees
half an edit and an old version stays reproducible. Built-in topic models are read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models.errors import InvalidInputError, NotFoundError
from models.registry import USER, ModelRegistry, ModelSpec
from models.topic_model import TopicModel
from models.training.topics.cards import write_topic_card
from models.training.topics.edits import merge_topics, rename_topic


def topic_model(registry: ModelRegistry, name: str | None, *, field: str = "model") -> tuple[ModelSpec, TopicModel]:
    """The latest version of topic model ``name`` (None or "": the default); NotFoundError lists the names."""
    spec = registry.resolve("topics", name or None, field=field)
    return spec, registry.load(spec.id)


def latest_user_topic_model(registry: ModelRegistry, name: str) -> TopicModel | None:
    """The latest version of user topic model ``name`` (re-read from its folder), or None when it has none."""
    registry.validate_user_name("topics", name)
    try:
        spec, model = topic_model(registry, name)
    except NotFoundError:
        return None
    return model if spec.source == USER else None


def publish(
    registry: ModelRegistry, name: str, build: Callable[[str], TopicModel], *, command: str
) -> tuple[ModelSpec, TopicModel]:
    """Write ``build(version)`` and its model card as the next version of user topic model ``name``."""
    made: dict[str, TopicModel] = {}

    def write(folder: Any, version: str) -> None:
        model = build(version)
        model.save(folder)
        write_topic_card(folder, model, command=command)
        made["model"] = model

    spec = registry.publish_user_model("topics", name, write)
    return spec, made["model"]


def _editable(registry: ModelRegistry, name: str, field: str) -> TopicModel:
    if not name:
        raise InvalidInputError.single(field, "is empty; name the user topic model to edit (see GetModels)")
    spec, model = topic_model(registry, name, field=field)
    if spec.source != USER:
        raise InvalidInputError.single(
            field,
            f"{spec.short_name!r} is a built-in topic model and cannot be edited; fit your own with "
            "`journeymine topics fit --data FILE --name NAME` and edit that",
        )
    return model


def rename(
    registry: ModelRegistry, name: str, topic_id: int, label: str, *, command: str, field: str = "model"
) -> tuple[ModelSpec, TopicModel]:
    """Relabel topic ``topic_id`` of user topic model ``name``; returns the version written."""
    model = _editable(registry, name, field)
    return publish(
        registry, name, lambda version: rename_topic(model, topic_id, label, version=version), command=command
    )


def merge(
    registry: ModelRegistry, name: str, topic_ids: list[int], into: int, *, command: str, field: str = "model"
) -> tuple[ModelSpec, TopicModel]:
    """Fold ``topic_ids`` into ``into`` in user topic model ``name``; returns the version written."""
    model = _editable(registry, name, field)
    return publish(
        registry, name, lambda version: merge_topics(model, topic_ids, into, version=version), command=command
    )
