"""The errors journeymine raises, in one place, for every layer to share.

It lives in ``models`` because that is the bottom layer: ``pipelines`` and
``service`` may import it, and ``service/interceptors.py`` maps each class to
exactly one gRPC status code.

    JourneymineError
    ├── InvalidInputError        bad request content       -> INVALID_ARGUMENT
    ├── NotFoundError            unknown model/taxonomy    -> NOT_FOUND
    ├── ModelNotLoadedError      model missing or corrupt  -> FAILED_PRECONDITION
    ├── OverloadedError          queue or limit exhausted  -> RESOURCE_EXHAUSTED
    ├── StorageUnavailableError  database down             -> UNAVAILABLE
    ├── DeadlineExceededError    caller's deadline passed  -> DEADLINE_EXCEEDED
    ├── UnauthenticatedError     no or unknown token       -> UNAUTHENTICATED
    └── PermissionDeniedError    token lacks the scope     -> PERMISSION_DENIED

Anything else is a bug and becomes INTERNAL with a generic message.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    """One bad field: a dotted path (``interactions[3].transcript.turns[0].text``) and how to fix it."""

    field: str
    description: str


class JourneymineError(Exception):
    """Base class of every error journeymine raises on purpose."""


class InvalidInputError(JourneymineError):
    """The request breaks the contract; carries one violation per bad field."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        if not violations:
            raise ValueError("InvalidInputError needs at least one FieldViolation")
        self.violations = list(violations)
        first = violations[0]
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        super().__init__(f"{first.field}: {first.description}{more}")

    @classmethod
    def single(cls, field: str, description: str) -> InvalidInputError:
        return cls([FieldViolation(field, description)])


class NotFoundError(JourneymineError):
    """A named model, taxonomy or resource does not exist."""

    def __init__(
        self, kind: str, name: str, available: list[str], field: str | None = None, *, hint: str | None = None
    ) -> None:
        self.kind = kind
        self.name = name
        self.available = sorted(available)
        self.field = field
        options = ", ".join(self.available) or "none"
        # Where the valid names cannot be listed (customers), ``hint`` says how to fix the call instead.
        self.fix = hint or f"valid {kind} names are: {options}"
        super().__init__(f"Unknown {kind}: {name!r}. {self.fix[0].upper()}{self.fix[1:]}")


class ModelNotLoadedError(JourneymineError):
    """A model artifact is missing or unreadable, so the stage cannot run."""


class OverloadedError(JourneymineError):
    """The service is at capacity; the caller should back off and retry."""


class StorageUnavailableError(JourneymineError):
    """The journey store cannot be reached."""


class DeadlineExceededError(JourneymineError):
    """The caller's deadline passed before the work was done; the work was stopped."""


class UnauthenticatedError(JourneymineError):
    """The call carries no bearer token, or one the server does not know."""


class PermissionDeniedError(JourneymineError):
    """The caller's token is valid but lacks the scope the method needs."""
