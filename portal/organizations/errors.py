"""Errors the organisation services raise. Views turn them into 404 or 422 responses."""

from __future__ import annotations

NON_FIELD = "__all__"


class DomainError(Exception):
    """A use case refused; `errors` maps field names to messages. Nothing was saved."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors

    @classmethod
    def on(cls, field: str, message: str) -> DomainError:
        return cls({field: [message]})


class InvitationInvalid(DomainError):
    """The link is unknown, used, revoked or expired: the same answer for all four."""

    def __init__(self):
        super().__init__(
            {NON_FIELD: ["This invitation link is not valid any more. Ask for a new one."]}
        )
