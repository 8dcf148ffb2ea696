"""The request lifecycle: which status may follow which, and what each move needs."""

from __future__ import annotations

from portal.compliance.values import (
    Jurisdiction,
    LegalBasis,
    RequestStatus,
)

R = RequestStatus
_WORKING = {R.IN_PROGRESS, R.AWAITING_APPROVAL, R.COMPLETED, R.ON_HOLD, R.DENIED, R.CANCELLED}

TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    R.RECEIVED: frozenset(
        {R.VERIFYING, R.IN_PROGRESS, R.EXTENDED, R.ON_HOLD, R.DENIED, R.CANCELLED}
    ),
    R.VERIFYING: frozenset({R.IN_PROGRESS, R.EXTENDED, R.ON_HOLD, R.DENIED, R.CANCELLED}),
    R.IN_PROGRESS: frozenset((_WORKING - {R.IN_PROGRESS}) | {R.EXTENDED}),
    R.EXTENDED: frozenset(_WORKING | {R.VERIFYING}),
    R.AWAITING_APPROVAL: frozenset({R.IN_PROGRESS, R.COMPLETED, R.DENIED, R.CANCELLED}),
    R.ON_HOLD: frozenset({R.VERIFYING, R.IN_PROGRESS, R.EXTENDED, R.DENIED, R.CANCELLED}),
    R.COMPLETED: frozenset(),
    R.DENIED: frozenset(),
    R.CANCELLED: frozenset(),
}
# Reached only through their own use case (extend, deny, approval, execution), which record
# what the move needs: a reason, an approver, a receipt.
SPECIAL = frozenset({R.EXTENDED, R.DENIED, R.AWAITING_APPROVAL, R.COMPLETED})
# Working on the request's data needs the person's identity verified first.
NEEDS_VERIFICATION = frozenset({R.IN_PROGRESS, R.AWAITING_APPROVAL, R.COMPLETED})


def manual_targets(current: RequestStatus, verified: bool) -> list[RequestStatus]:
    """The statuses an officer may move the request to with the plain status form."""
    return [
        s
        for s in RequestStatus
        if s in TRANSITIONS[current]
        and s not in SPECIAL
        and (verified or s not in NEEDS_VERIFICATION)
    ]


def transition_error(current: RequestStatus, new: RequestStatus, verified: bool) -> str | None:
    if new not in TRANSITIONS[current]:
        return f"A {current.label.lower()} request cannot become {new.label.lower()}."
    if new in NEEDS_VERIFICATION and not verified:
        return "Verify the requester's identity first."
    return None


def legal_basis_for(jurisdiction: Jurisdiction) -> LegalBasis:
    return {
        Jurisdiction.GDPR: LegalBasis.GDPR_REQUEST,
        Jurisdiction.CCPA: LegalBasis.CCPA_REQUEST,
        Jurisdiction.INTERNAL: LegalBasis.INTERNAL_POLICY,
    }[jurisdiction]
