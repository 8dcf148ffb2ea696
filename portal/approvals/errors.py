"""Refusals of the approval services: DomainError (422, field messages) as in organisations,
and Conflict (409) when the request moved on since the page was drawn."""

from __future__ import annotations

from portal.organizations.errors import NON_FIELD, DomainError

__all__ = ["NON_FIELD", "Conflict", "DomainError"]


class Conflict(DomainError):
    def __init__(self, message: str = "Someone decided this request meanwhile; reload it."):
        super().__init__({NON_FIELD: [message]})
