"""CustomerStatus transitions and what a status allows.

CLOSED is final. PENDING_VERIFICATION is only ever the first status: it leads to ACTIVE once
verified, or to CLOSED. ACTIVE moves freely to INACTIVE or SUSPENDED and back. A dormant
(INACTIVE) account may be SUSPENDED, but a suspension is lifted only by a deliberate return to
ACTIVE, never by sliding into INACTIVE. Any status that is not CLOSED may be closed.
"""

from __future__ import annotations

from portal.customers.values import CustomerStatus as S
from portal.domain import NON_FIELD
from portal.limits import text_error

TRANSITIONS: dict[S, frozenset[S]] = {
    S.PENDING_VERIFICATION: frozenset({S.ACTIVE, S.CLOSED}),
    S.ACTIVE: frozenset({S.INACTIVE, S.SUSPENDED, S.CLOSED}),
    S.INACTIVE: frozenset({S.ACTIVE, S.SUSPENDED, S.CLOSED}),
    S.SUSPENDED: frozenset({S.ACTIVE, S.CLOSED}),
    S.CLOSED: frozenset(),
}

# Leaving ACTIVE is a deactivation; coming back to it from these is a reactivation.
DEACTIVATED = frozenset({S.INACTIVE, S.SUSPENDED, S.CLOSED})
REACTIVATABLE = frozenset({S.INACTIVE, S.SUSPENDED})


def transition_errors(current: S, new: S, reason: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if new not in TRANSITIONS[current]:
        if current == S.CLOSED:
            message = "A closed account cannot be changed."
        else:
            message = f"A {current.value} account cannot become {new.value}."
        errors["status"] = [message]
    if not (reason or "").strip():
        errors["reason"] = ["Give the reason for the change."]
    return errors


# Kept in the audit entry and the events, no column of its own: a paragraph, not an essay.
JUSTIFICATION_LONGEST = 1000


def verification_override_errors(current: S, justification: str) -> dict[str, list[str]]:
    """Staff may declare an account awaiting verification verified, saying why; any other
    status is refused (a verified account has nothing to override, a closed one is final)."""
    errors: dict[str, list[str]] = {}
    if current != S.PENDING_VERIFICATION:
        errors[NON_FIELD] = [
            f"Only an account awaiting verification can be declared verified; this one is "
            f"{current.label}."
        ]
    if not (justification or "").strip():
        errors["justification"] = ["Say why the verification is overridden."]
    elif message := text_error(justification.strip(), JUSTIFICATION_LONGEST):
        errors["justification"] = [message]
    return errors


def is_deactivation(current: S, new: S) -> bool:
    return current == S.ACTIVE and new in DEACTIVATED


def is_reactivation(current: S, new: S) -> bool:
    return current in REACTIVATABLE and new == S.ACTIVE


def can_place_orders(status: S, has_verified_address: bool) -> bool:
    """A customer needs an ACTIVE account and at least one verified address to order."""
    return status == S.ACTIVE and has_verified_address
