"""Model pinning (``EnrichOptions.pin_models``): check pinned ids; pick the pinned sentiment, intent, topic models."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from models.errors import InvalidInputError, NotFoundError
from models.registry import ModelRegistry
from pipelines.enrichment.domain import ModelRef

# Kinds a call chooses (by name in its options, or by a pin): any registered version may be pinned.
CHOSEN_KINDS: tuple[str, ...] = ("sentiment", "intent", "topics")


def pinned_models(
    registry: ModelRegistry, loaded: Iterable[ModelRef], pins: Sequence[str], *, prefix: str = "options"
) -> dict[str, str]:
    """Check ``pins`` (model ids) against what can run; returns the pinned sentiment/intent/topics ids by kind.

    ``loaded`` are the enricher's fixed models (``Enricher.loaded_refs``). A fixed model (spaCy, the
    encoder, aspects) must be pinned at its loaded version; a sentiment model, intent taxonomy or topic
    model may be any registered version (built-in or user-trained). Anything else is NotFoundError naming
    the versions there are, so a replay fails loudly instead of silently using another model.
    """
    chosen: dict[str, str] = {}
    if not pins:
        return chosen
    fixed = {ref.id for ref in loaded}
    fixed.update(s.id for s in registry.of_kind("aspect") if registry.is_default(s))
    for j, pin in enumerate(pins):
        field = f"{prefix}.pin_models[{j}]"
        if pin in fixed:
            continue
        spec = registry.specs.get(pin)
        if spec is None and registry.user_dir is not None:
            registry.refresh()  # a user model trained after the last scan
            spec = registry.specs.get(pin)
        if spec is not None and spec.kind in CHOSEN_KINDS:
            if chosen.get(spec.kind, pin) != pin:
                raise InvalidInputError.single(field, f"pins {pin} and {chosen[spec.kind]}; pin one {spec.kind} model")
            chosen[spec.kind] = pin
            continue
        known = sorted(fixed | {s.id for kind in CHOSEN_KINDS for s in registry.of_kind(kind)})
        name = pin.rsplit(".", 1)[0]
        raise NotFoundError("model version", pin, [i for i in known if i.rsplit(".", 1)[0] == name] or known, field)
    return chosen


def pinned_name(pins: dict[str, str], kind: str, named: str | None, field: str) -> str | None:
    """The model name to resolve for ``kind``: the pinned id when there is one (it must agree with ``named``)."""
    pin = pins.get(kind)
    if pin is None:
        return named
    # ``named`` may be the short name ("banking77", "reviews"), the full name of a kind's default that has no
    # short one ("sentiment"), or the pinned id itself.
    if named and named != pin and pin.rsplit(".", 1)[0] not in (named, f"{kind}.{named}"):
        raise InvalidInputError.single(
            field, f"is {named!r}, but options.pin_models pins {pin}; send the pinned name or drop one of them"
        )
    return pin
