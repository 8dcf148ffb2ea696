"""Errors the compliance services raise; views turn them into 404 or 422 responses."""

from __future__ import annotations

NON_FIELD = "__all__"


class ComplianceError(Exception):
    """A use case refused; `errors` maps field names to messages. Nothing was saved."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors

    @classmethod
    def on(cls, field: str, message: str) -> ComplianceError:
        return cls({field: [message]})


class NotFound(ComplianceError):
    def __init__(self, what: str):
        super().__init__({NON_FIELD: [f"No such {what}."]})
