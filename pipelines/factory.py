"""Build the enrichment core from configuration: encoder, spaCy, registry, stages."""

from __future__ import annotations

from pathlib import Path

from models.encoder import Encoder, EncoderConfig, SentenceTransformerEncoder
from models.nlp import NLP_VERSION, load_nlp
from models.registry import ARTIFACTS_DIR, ModelRegistry
from pipelines.domain import ModelCatalog, ModelInfo, ModelRef, TaxonomyInfo, TopicModelInfo
from pipelines.enrich import EnrichConfig, Enricher


def build_enricher(
    *,
    config: EnrichConfig | None = None,
    encoder_config: EncoderConfig | None = None,
    artifacts_dir: Path | None = None,
    encoder: Encoder | None = None,
) -> Enricher:
    """Load every model the service needs; a missing artifact fails here, naming the file."""
    registry = ModelRegistry(artifacts_dir=artifacts_dir or ARTIFACTS_DIR)
    registry.load_all()
    nlp, nlp_name = load_nlp()
    return Enricher(
        encoder=encoder or SentenceTransformerEncoder(config=encoder_config),
        registry=registry,
        nlp=nlp,
        nlp_model=ModelRef(nlp_name, NLP_VERSION),
        config=config,
    )


def catalog(enricher: Enricher) -> ModelCatalog:
    """What is loaded: models, intent taxonomies (with labels) and topic models, with versions."""
    registry = enricher.registry
    models = [
        ModelInfo(enricher.encoder_model.name, enricher.encoder_model.version, "encoder", "all-MiniLM-L6-v2, 384-d"),
        ModelInfo(enricher.nlp_model.name, enricher.nlp_model.version, "nlp", "spaCy sentences and entities"),
    ]
    taxonomies = []
    topic_models = []
    for spec in registry.specs.values():
        artifact = registry.load(spec.id)
        models.append(
            ModelInfo(spec.name, spec.version, spec.kind, spec.description, {"id": spec.id, "path": spec.path})
        )
        if spec.kind == "intent":
            stage = enricher.intent_stage(spec.short_name)
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
