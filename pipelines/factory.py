"""Build the enrichment core from configuration: encoder, spaCy, registry, stages; list and reload models."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from models.encoder import Encoder, EncoderConfig, build_encoder, encoder_id
from models.errors import ModelNotLoadedError
from models.nlp import NLP_VERSION, load_nlp
from models.registry import ARTIFACTS_DIR, USER, ModelRegistry, ModelSpec
from pipelines.enrichment.domain import ModelCatalog, ModelInfo, ModelRef, TaxonomyInfo, TopicModelInfo
from pipelines.enrichment.enricher import EnrichConfig, Enricher
from pipelines.enrichment.parsing import SubprocessParser

log = logging.getLogger(__name__)


def build_enricher(
    *,
    config: EnrichConfig | None = None,
    encoder_config: EncoderConfig | None = None,
    artifacts_dir: Path | None = None,
    encoder: Encoder | None = None,
    user_dir: Path | None = None,
) -> Enricher:
    """Load every built-in model the service needs; a missing artifact fails here, naming the file.

    Args:
        user_dir: the user model folder (``<data_dir>/models``); its models load on first use.
    """
    config = config or EnrichConfig()
    # The parser process loads spaCy on another core while this one loads the encoder and heads.
    parser = SubprocessParser(batch_size=config.parse_batch_size) if _parse_in_subprocess(config) else None
    try:
        encoder = encoder or build_encoder(encoder_config)
        registry = ModelRegistry(
            artifacts_dir=artifacts_dir or ARTIFACTS_DIR, user_dir=user_dir, encoder_id=encoder_id(encoder)
        )
        registry.load_all()
        nlp, nlp_name = load_nlp()
        if parser is not None and parser.wait_ready() != nlp_name:
            raise ModelNotLoadedError(
                f"the parser process loaded {parser.model_name}, this process {nlp_name}: reinstall the spaCy "
                "package so both load the same pipeline"
            )
    except BaseException:
        if parser is not None:
            parser.close()
        raise
    return Enricher(
        encoder=encoder,
        registry=registry,
        nlp=nlp,
        nlp_model=ModelRef(nlp_name, NLP_VERSION),
        config=config,
        parser=parser,
    )


def _parse_in_subprocess(config: EnrichConfig) -> bool:
    return config.parse_in_subprocess and (os.cpu_count() or 1) > 1


def catalog(enricher: Enricher) -> ModelCatalog:
    """What can be used: models, intent taxonomies (with labels) and topic models, with versions.

    The user folder is re-scanned first, so a model trained a moment ago is listed. Only the latest version
    of a user model is listed (the one its name resolves to); one that cannot load is left out and logged.
    """
    registry = enricher.registry
    registry.refresh()
    models = [
        ModelInfo(enricher.encoder_model.name, enricher.encoder_model.version, "encoder", "all-MiniLM-L6-v2, 384-d"),
        ModelInfo(enricher.nlp_model.name, enricher.nlp_model.version, "nlp", "spaCy sentences and entities"),
    ]
    taxonomies = []
    topic_models = []
    for spec in [*registry.builtin.values(), *registry.latest_user_specs()]:
        try:
            artifact = registry.load(spec.id)
        except ModelNotLoadedError as exc:
            if spec.source != USER:
                raise
            log.warning("user model %s not listed: %s", spec.id, exc)
            continue
        models.append(
            ModelInfo(
                spec.name,
                spec.version,
                spec.kind,
                spec.description,
                {"id": spec.id, "path": spec.path, "source": spec.source},
            )
        )
        if spec.kind == "intent":
            stage = enricher.intent_stage(spec.id)  # this exact version, even if a newer one appeared meanwhile
            taxonomies.append(
                TaxonomyInfo(
                    name=spec.short_name,
                    version=spec.version,
                    labels=stage.labels,
                    supports_out_of_scope=stage.threshold > 0 or len(stage.labels) < len(artifact.labels),
                    threshold=stage.threshold,
                    is_default=registry.is_default(spec),
                )
            )
        elif spec.kind == "topics":
            topic_models.append(
                TopicModelInfo(spec.short_name, spec.version, len(artifact.topics), registry.is_default(spec))
            )
    return ModelCatalog(tuple(models), tuple(taxonomies), tuple(topic_models))


@dataclass(frozen=True)
class DiscoveredModel:
    """A user model found by a reload, and why it cannot be used (empty when it loaded)."""

    kind: str
    name: str
    version: str
    id: str
    path: str
    error: str = ""


@dataclass(frozen=True)
class ReloadReport:
    """The user models after a reload (latest version of each) and the model ids that appeared or vanished."""

    models: tuple[DiscoveredModel, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]


def reload_models(enricher: Enricher) -> ReloadReport:
    """Re-scan the user model folder now and load the latest version of every user model, reporting failures."""
    registry = enricher.registry
    report = registry.refresh()
    found = []
    for spec in registry.latest_user_specs():
        error = ""
        try:
            registry.load(spec.id)
        except ModelNotLoadedError as exc:
            error = str(exc)
        found.append(_discovered(spec, registry, error))
    return ReloadReport(tuple(found), report.added, report.removed)


def _discovered(spec: ModelSpec, registry: ModelRegistry, error: str) -> DiscoveredModel:
    return DiscoveredModel(spec.kind, spec.short_name, spec.version, spec.id, str(registry.path_of(spec)), error)
