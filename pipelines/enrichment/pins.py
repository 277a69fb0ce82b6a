"""Model pinning (``EnrichOptions.pin_models``): check pinned ids and pick the pinned intent and topic models."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from models.errors import InvalidInputError, NotFoundError
from models.registry import ModelRegistry
from pipelines.enrichment.domain import ModelRef


def pinned_models(
    registry: ModelRegistry, loaded: Iterable[ModelRef], pins: Sequence[str], *, prefix: str = "options"
) -> dict[str, str]:
    """Check ``pins`` (model ids) against what can run; returns the pinned intent/topics ids by kind.

    ``loaded`` are the enricher's fixed models (``Enricher.loaded_refs``). A fixed model (spaCy, the
    encoder, sentiment, aspects) must be pinned at its loaded version; an intent taxonomy or topic model
    may be any registered version. Anything else is NotFoundError naming the versions there are, so a
    replay fails loudly instead of silently using another model.
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
        if spec is not None and spec.kind in ("intent", "topics"):
            if chosen.get(spec.kind, pin) != pin:
                raise InvalidInputError.single(field, f"pins {pin} and {chosen[spec.kind]}; pin one {spec.kind} model")
            chosen[spec.kind] = pin
            continue
        known = sorted(fixed | {s.id for s in registry.of_kind("intent")} | {s.id for s in registry.of_kind("topics")})
        name = pin.rsplit(".", 1)[0]
        raise NotFoundError("model version", pin, [i for i in known if i.rsplit(".", 1)[0] == name] or known, field)
    return chosen


def pinned_name(pins: dict[str, str], kind: str, named: str | None, field: str) -> str | None:
    """The model name to resolve for ``kind``: the pinned id when there is one (it must agree with ``named``)."""
    pin = pins.get(kind)
    if pin is None:
        return named
    if named and named != pin and not pin.startswith(f"{kind}.{named}."):
        raise InvalidInputError.single(
            field, f"is {named!r}, but options.pin_models pins {pin}; send the pinned name or drop one of them"
        )
    return pin
