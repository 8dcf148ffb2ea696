"""Errors the customer services raise. Views turn them into 404, 409 or 422 responses."""

from __future__ import annotations

from portal.customers.rules import Errors

# Messages that belong to the whole form rather than one field.
NON_FIELD = "__all__"


class DomainError(Exception):
    """A use case refused; `errors` maps field names to messages. Nothing was saved."""

    def __init__(self, errors: Errors):
        super().__init__(errors)
        self.errors = errors


class NotFound(DomainError):
    """The customer, or the address within that customer, does not exist (→ 404)."""

    def __init__(self, what: str):
        super().__init__({NON_FIELD: [f"No such {what}."]})


class StaleVersion(DomainError):
    """Someone saved the record after the form was loaded (→ 409).

    `current` holds the record's values now (identifiers masked), `version` its version; both
    are empty when the conflict was only noticed while writing a secondary record.
    """

    def __init__(self, current: dict | None = None, version: int | None = None):
        super().__init__(
            {NON_FIELD: ["Someone else changed this record meanwhile; review their changes."]}
        )
        self.current = current or {}
        self.version = version


class AddressVerificationUnavailable(DomainError):
    def __init__(self):
        super().__init__({NON_FIELD: ["Addresses cannot be checked right now; try again soon."]})
