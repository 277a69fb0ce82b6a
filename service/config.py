"""The one typed configuration tree, from defaults < config file < environment < flags.

    JOURNEYMINE_CONFIG=path/to/journeymine.toml     optional TOML file
    JOURNEYMINE_SERVER__PORT=50051                  env: prefix JOURNEYMINE_, "__" between levels
    journeymine serve --port 50051                  flags win over both

Each section's defaults live beside the code it configures: ``ServerConfig``
and ``LimitsConfig`` here in ``service/``, ``EnrichConfig`` in
``pipelines/enrichment/enricher.py``, ``JourneyConfig`` in ``pipelines/journeys/journeys.py``,
``EncoderConfig`` in ``models/encoder.py``,
``TlsConfig`` in ``service/tls.py``, ``AuthConfig`` in ``service/auth.py``, ``MetricsConfig`` in
``service/metrics.py``, ``TracingConfig`` in ``service/tracing.py``, ``LoggingConfig`` in ``service/logs.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from models.encoder import EncoderConfig
from pipelines.enrichment.enricher import EnrichConfig
from pipelines.enrichment.microbatch import MicroBatchConfig
from pipelines.journeys.journeys import JourneyConfig
from service.auth import AuthConfig
from service.logs import LoggingConfig
from service.metrics import MetricsConfig
from service.tls import TlsConfig
from service.tracing import TracingConfig

if TYPE_CHECKING:
    from pipelines.enrichment.enricher import Enricher

CONFIG_ENV = "JOURNEYMINE_CONFIG"


class ServerConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(50051, ge=0, le=65535)
    # Worker threads handling RPCs. A unary Enrich call holds one while it waits for its micro-batch, so
    # this caps how many concurrent callers can share a batch; model work itself is serialised by its locks.
    max_workers: int = Field(32, ge=1)
    # gRPC message size cap in both directions.
    max_message_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    # Seconds in-flight calls get to finish on shutdown.
    grace_seconds: float = Field(5.0, ge=0)
    # Calls admitted at once (running or waiting for a worker); more get RESOURCE_EXHAUSTED at once,
    # so overload costs neither memory nor latency. Open streams and health watches count too.
    max_concurrent_rpcs: int = Field(32, ge=1)


class LimitsConfig(BaseModel):
    """Documented request limits; anything beyond them is INVALID_ARGUMENT naming the field."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_interactions_per_request: int = Field(256, ge=1)
    max_chars_per_text: int = Field(20_000, ge=1)
    max_turns_per_transcript: int = Field(2_000, ge=1)
    max_survey_responses: int = Field(200, ge=1)
    max_attributes: int = Field(64, ge=0)
    max_top_k: int = Field(20, ge=1)
    max_stream_turns: int = Field(5_000, ge=1)
    max_id_chars: int = Field(256, ge=1)
    # Labelled rows per Evaluate stream (and, separately, baseline training rows).
    max_eval_rows: int = Field(100_000, ge=1)
    # Interactions per GetTopicTrends request (each is enriched in the call).
    max_trend_interactions: int = Field(10_000, ge=1)
    # Live EnrichStreams open at once. Each holds an RPC worker thread while open, so this must stay
    # below server.max_workers, or open streams would starve every other call.
    max_concurrent_streams: int = Field(4, ge=1)
    # Open WatchAlerts streams; like live streams, each holds a worker thread.
    max_alert_watchers: int = Field(2, ge=1)
    # Touchpoints per RecordTouchpoints call (text-bearing ones are enriched in the call).
    max_touchpoints_per_request: int = Field(1000, ge=1)


class ModelsConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # None: the artifacts bundled under models/artifacts.
    artifacts_dir: Path | None = None
    encoder: EncoderConfig = Field(default_factory=EncoderConfig)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JOURNEYMINE_", env_nested_delimiter="__", extra="forbid")

    server: ServerConfig = Field(default_factory=ServerConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    models: ModelsConfig = Field(default_factory=ModelsConfig)
    enrich: EnrichConfig = Field(default_factory=EnrichConfig)
    # Server micro-batching of concurrent Enrich calls (pipelines/enrichment/microbatch.py).
    batching: MicroBatchConfig = Field(default_factory=MicroBatchConfig)
    # Journey store, scoring, alerts, friction (pipelines/journeys/journeys.py).
    journeys: JourneyConfig = Field(default_factory=JourneyConfig)
    # Transport security and bearer-token auth; both off by default (insecure local mode).
    tls: TlsConfig = Field(default_factory=TlsConfig)
    auth: AuthConfig = Field(default_factory=AuthConfig)
    # Prometheus endpoint (off unless metrics.port is set) and optional OpenTelemetry tracing.
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)
    tracing: TracingConfig = Field(default_factory=TracingConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    # Local state (SQLite journey store, user-trained models) lives here.
    data_dir: Path = Path("data")
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _streams_leave_workers_free(self) -> Settings:
        streams = self.limits.max_concurrent_streams + self.limits.max_alert_watchers
        if streams >= self.server.max_workers:
            raise ValueError(
                f"limits.max_concurrent_streams ({self.limits.max_concurrent_streams}) + limits.max_alert_watchers "
                f"({self.limits.max_alert_watchers}) must be below server.max_workers ({self.server.max_workers}): "
                "each open stream holds a worker thread; lower the one or raise the other"
            )
        if streams >= self.server.max_concurrent_rpcs:
            raise ValueError(
                f"limits.max_concurrent_streams + limits.max_alert_watchers ({streams}) must be below "
                f"server.max_concurrent_rpcs ({self.server.max_concurrent_rpcs}): open streams count as calls"
            )
        return self

    @property
    def user_models_dir(self) -> Path:
        """Where ``journeymine train`` writes models and the server discovers them: ``<data_dir>/models``."""
        return self.data_dir / "models"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get(CONFIG_ENV)
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from defaults, an optional TOML file, the environment, then ``overrides`` (flags)."""
    if config_file is not None:
        if not config_file.is_file():
            raise FileNotFoundError(f"config file not found: {config_file}")
        os.environ[CONFIG_ENV] = str(config_file)
    return Settings(**overrides)


def build_configured_enricher(settings: Settings) -> Enricher:
    """The Enricher these settings describe: enrich config, encoder, artifacts and the user models under data_dir."""
    from pipelines import factory  # looked up at call time: tests swap factory.build_enricher for a small fake

    return factory.build_enricher(
        config=settings.enrich,
        encoder_config=settings.models.encoder,
        artifacts_dir=settings.models.artifacts_dir,
        user_dir=settings.user_models_dir,
    )
