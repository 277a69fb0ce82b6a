"""Bearer-token auth: one interceptor, one table of the scope each RPC needs.

    authorization: Bearer <token>        request metadata of every call (health excepted)

Tokens come from ``auth.tokens_file`` (TOML, below) and/or ``auth.tokens`` (the environment:
``JOURNEYMINE_AUTH__TOKENS='[{"name": "ci", "token": "...", "scopes": ["enrich"]}]'``).
Auth is on as soon as one token is configured; with none the server runs in insecure local mode
and says so at start.

    # tokens.toml
    [[tokens]]
    name = "ingest-job"                   # appears in logs, never the token
    sha256 = "9f86d08..."                 # hex SHA-256 of the token (or: token = "the token itself")
    scopes = ["journeys:write"]

A presented token is hashed and compared with every configured digest by ``hmac.compare_digest``,
all of them every time, so timing tells nothing about which (or whether one) matched. No token or
an unknown one is UNAUTHENTICATED; a known token without the method's scope is PERMISSION_DENIED.
The errors are raised as ``models.errors`` types inside the handler, so the ErrorInterceptor
(outside this one) maps them like every other error. A method missing from ``METHOD_SCOPES`` is
refused: new RPCs must be given a scope here (a test checks that every RPC has one).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import grpc
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from models.errors import PermissionDeniedError, UnauthenticatedError
from service.interceptors import Wrap, WrappingInterceptor

log = logging.getLogger(__name__)

AUTHORIZATION_KEY = "authorization"
BEARER = "bearer "


class Scope(StrEnum):
    ENRICH = "enrich"
    JOURNEYS_WRITE = "journeys:write"
    JOURNEYS_READ = "journeys:read"
    ADMIN = "admin"


OPEN = None  # no token needed
AUTHENTICATED = ""  # any valid token, whatever its scopes

# Every RPC the server serves -> the scope a caller's token must hold.
METHOD_SCOPES: Mapping[str, Scope | str | None] = {
    "/journeymine.v1.EnrichmentService/Enrich": Scope.ENRICH,
    "/journeymine.v1.EnrichmentService/EnrichStream": Scope.ENRICH,
    "/journeymine.v1.EnrichmentService/GetModels": Scope.ENRICH,
    "/journeymine.v1.EvaluationService/Evaluate": Scope.ENRICH,
    "/journeymine.v1.TopicsService/ListTopics": Scope.ENRICH,
    "/journeymine.v1.TopicsService/GetTopicTrends": Scope.ENRICH,
    "/journeymine.v1.TopicsService/RenameTopic": Scope.ADMIN,
    "/journeymine.v1.TopicsService/MergeTopics": Scope.ADMIN,
    "/journeymine.v1.ModelAdminService/ReloadModels": Scope.ADMIN,
    "/journeymine.v1.JourneyService/RecordTouchpoints": Scope.JOURNEYS_WRITE,
    "/journeymine.v1.JourneyService/GetJourney": Scope.JOURNEYS_READ,
    "/journeymine.v1.JourneyService/GetCustomerScore": Scope.JOURNEYS_READ,
    "/journeymine.v1.JourneyService/ListAlerts": Scope.JOURNEYS_READ,
    "/journeymine.v1.JourneyService/WatchAlerts": Scope.JOURNEYS_READ,
    "/journeymine.v1.JourneyService/AnalyzeFriction": Scope.JOURNEYS_READ,
    # Load balancers and orchestrators probe health without credentials.
    "/grpc.health.v1.Health/Check": OPEN,
    "/grpc.health.v1.Health/Watch": OPEN,
    "/grpc.health.v1.Health/List": OPEN,
    # The schema is no secret, but only callers with a token may list it.
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": AUTHENTICATED,
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo": AUTHENTICATED,
}


class TokenConfig(BaseModel):
    """One caller: a name for the logs, the token (or its SHA-256) and what it may do."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    token: SecretStr | None = None
    sha256: str | None = Field(None, pattern=r"^[0-9a-fA-F]{64}$")
    scopes: tuple[Scope, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_secret(self) -> TokenConfig:
        if (self.token is None) == (self.sha256 is None):
            raise ValueError(f"token {self.name!r}: give exactly one of `token` or `sha256` (hex SHA-256 of the token)")
        if self.token is not None and len(self.token.get_secret_value()) < 16:
            raise ValueError(f"token {self.name!r}: tokens must be at least 16 characters")
        return self

    def digest(self) -> bytes:
        if self.sha256 is not None:
            return bytes.fromhex(self.sha256)
        assert self.token is not None  # _one_secret
        return _sha256(self.token.get_secret_value())


class AuthConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # TOML file of [[tokens]] tables (see the module docstring); read once at start.
    tokens_file: Path | None = None
    # Tokens given inline, e.g. from JOURNEYMINE_AUTH__TOKENS as a JSON list.
    tokens: tuple[TokenConfig, ...] = ()


@dataclass(frozen=True)
class Caller:
    name: str
    scopes: frozenset[Scope]


class TokenFileError(ValueError):
    """The tokens file is missing or malformed; the message names the file and the fix."""


def load_tokens(config: AuthConfig) -> list[TokenConfig]:
    """Every configured token: the file's, then the inline ones. Empty means auth is off."""
    tokens = list(config.tokens)
    if config.tokens_file is not None:
        path = config.tokens_file
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise TokenFileError(f"auth.tokens_file {path}: cannot read it ({exc.strerror})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise TokenFileError(f"auth.tokens_file {path}: not valid TOML ({exc})") from exc
        entries = data.get("tokens")
        if not isinstance(entries, list) or not entries:
            raise TokenFileError(f"auth.tokens_file {path}: expected one or more [[tokens]] tables")
        for index, entry in enumerate(entries):
            try:
                tokens.append(TokenConfig.model_validate(entry))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "entry"
                raise TokenFileError(f"auth.tokens_file {path}: tokens[{index}] {where}: {first['msg']}") from None
    names = [t.name for t in tokens]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise TokenFileError(f"auth: token names must be unique; repeated: {', '.join(duplicates)}")
    return tokens


class TokenTable:
    """Configured token digests; ``lookup`` compares against all of them in constant time."""

    def __init__(self, tokens: list[TokenConfig]) -> None:
        self._entries = [(t.digest(), Caller(t.name, frozenset(t.scopes))) for t in tokens]

    def lookup(self, token: str) -> Caller | None:
        presented = _sha256(token)
        found: Caller | None = None
        for digest, caller in self._entries:  # no early exit: every digest is compared every time
            if hmac.compare_digest(presented, digest):
                found = caller
        return found


def _sha256(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def bearer_token(metadata: Mapping[str, str | bytes]) -> str | None:
    """The token of an ``authorization: Bearer <token>`` header, or None."""
    value = metadata.get(AUTHORIZATION_KEY)
    if not isinstance(value, str) or value[: len(BEARER)].lower() != BEARER:
        return None
    return value[len(BEARER) :].strip() or None


def authorize(table: TokenTable, method: str, metadata: Mapping[str, str | bytes]) -> Caller | None:
    """The caller of ``method`` (None for an open method); raises Unauthenticated/PermissionDenied."""
    if method not in METHOD_SCOPES:
        raise PermissionDeniedError(f"{method} has no scope rule (service/auth.py METHOD_SCOPES); it is refused")
    needed = METHOD_SCOPES[method]
    if needed is OPEN:
        return None
    token = bearer_token(metadata)
    if token is None:
        raise UnauthenticatedError("this call needs a bearer token: send metadata `authorization: Bearer <token>`")
    caller = table.lookup(token)
    if caller is None:
        raise UnauthenticatedError("the bearer token is not known to this server")
    if needed != AUTHENTICATED and needed not in caller.scopes:
        raise PermissionDeniedError(
            f"token {caller.name!r} lacks scope '{needed}' needed by {method}; it has: "
            f"{', '.join(sorted(caller.scopes))}"
        )
    return caller


class AuthInterceptor(WrappingInterceptor):
    """Checks every call's bearer token against ``METHOD_SCOPES`` before the handler runs."""

    def __init__(self, *, table: TokenTable) -> None:
        self.table = table

    def wrappers(self, method: str, metadata: dict[str, Any]) -> tuple[Wrap, Wrap]:
        def check() -> None:
            caller = authorize(self.table, method, metadata)
            if caller is not None:
                log.debug("%s called by %s", method, caller.name)

        return (lambda b: _checked_unary(b, check)), (lambda b: _checked_stream(b, check))


def _checked_unary(behavior: Callable[[Any, grpc.ServicerContext], Any], check: Callable[[], None]) -> Callable:
    def wrapper(request: Any, context: grpc.ServicerContext) -> Any:
        check()
        return behavior(request, context)

    return wrapper


def _checked_stream(behavior: Callable[[Any, grpc.ServicerContext], Iterator], check: Callable[[], None]) -> Callable:
    def wrapper(request: Any, context: grpc.ServicerContext) -> Iterator:
        check()
        yield from behavior(request, context)

    return wrapper
