"""The project's error catalogue: every error a person may see says what was wrong and what to do.

One base class so the CLI and the HTTP layer can turn any of them into one message shape;
``status`` is the HTTP status the service answers with.
"""

from __future__ import annotations


class PolicyKGError(Exception):
    """Base class: ``str(err)`` is a complete sentence for a person."""

    status: int = 400
    code: str = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "message": self.message, "hint": self.hint, "status": self.status}


class InputError(PolicyKGError):
    """A file or text that cannot be read as a policy document."""

    code = "bad-input"


class EmptyInputError(InputError):
    code = "empty-input"


class BinaryInputError(InputError):
    status = 415
    code = "binary-input"


class EncodingError(InputError):
    status = 415
    code = "bad-encoding"


class TooLargeError(InputError):
    status = 413
    code = "too-large"


class SettingsError(PolicyKGError):
    """A ``POLICYKG_*`` setting (or a command option) with a value the settings do not accept."""

    code = "bad-setting"


class ManifestError(PolicyKGError):
    code = "bad-manifest"


class NotFoundError(PolicyKGError):
    status = 404
    code = "not-found"


class QueryError(PolicyKGError):
    """A SPARQL query that is malformed, refused or too expensive."""

    code = "bad-query"


class ForbiddenError(PolicyKGError):
    status = 403
    code = "forbidden"


class StoreError(PolicyKGError):
    status = 503
    code = "store-unavailable"


class StaleIndexError(PolicyKGError):
    status = 409
    code = "stale-index"
