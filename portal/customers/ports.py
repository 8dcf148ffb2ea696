"""What the customer domain needs from the outside world, as small interfaces.

Adapters (adapters.py) implement them; services take one as an optional argument so tests and
callers can pass their own, and otherwise use the one the configuration names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from portal.customers.rules import Errors
from portal.customers.values import AddressData, ContactField


@dataclass(frozen=True)
class AddressCheck:
    """The verifier's answer: the standardised address, problems found, and whether the address
    is confirmed deliverable (only a confirmed address lets a customer order)."""

    address: AddressData
    verified: bool
    errors: Errors = field(default_factory=dict)


class AddressVerifierUnavailable(Exception):
    """The verification service could not be reached or answered nonsense."""


class AddressVerifier(Protocol):
    def verify(self, address: AddressData) -> AddressCheck: ...


class Notifier(Protocol):
    def send_verification_code(
        self, *, customer_id: str, field: ContactField, destination: str, code: str
    ) -> None:
        """Deliver `code` to `destination` (the new e-mail address or phone number)."""
