"""override_verification: PENDING_VERIFICATION → ACTIVE with a justification, audited and
published; every refusal saves nothing."""

import pytest
import sqlalchemy as sa

from portal.customers import services
from portal.customers.queries.profile import change_history
from portal.customers.rules.status import JUSTIFICATION_LONGEST
from portal.customers.values import CustomerStatus as S
from portal.domain import NON_FIELD, DomainError, NotFound
from portal.extensions import db
from portal.security.models import AuditEntry
from tests.factories import events, new_customer


@pytest.fixture
def pending(staff):
    return services.register_customer(staff, new_customer(status=S.PENDING_VERIFICATION))


def test_override_activates_the_account_and_publishes_both_events(staff, pending):
    services.override_verification(staff, pending.id, "  Passport seen at the Kingston store ")
    assert pending.status == S.ACTIVE
    (override,) = events("CustomerVerificationOverriddenByAdmin")
    assert override.payload == {
        "eventId": override.id,
        "timestamp": override.occurred_at.isoformat(),
        "adminUserId": staff.id,
        "customerId": pending.id,
        "previousStatus": "PENDING_VERIFICATION",
        "newStatus": "ACTIVE",
        "justification": "Passport seen at the Kingston store",
    }
    (status,) = events("CustomerStatusChangedByAdmin")
    assert status.payload["reason"] == "VERIFICATION_OVERRIDDEN"
    assert status.payload["notes"] == "Passport seen at the Kingston store"
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "customer.verification_override")
    )
    assert entry.record_id == pending.id
    assert entry.details["justification"].startswith("Passport")
    notes = [e.note for e in change_history(pending.id)]
    assert "Passport seen at the Kingston store" in notes


@pytest.mark.parametrize(
    ("justification", "field", "message"),
    [
        ("", "justification", "Say why"),
        ("   ", "justification", "Say why"),
        ("x" * (JUSTIFICATION_LONGEST + 1), "justification", f"at most {JUSTIFICATION_LONGEST:,}"),
        ("bad\x00byte", "justification", "NUL"),
    ],
)
def test_a_bad_justification_is_refused_and_nothing_saved(
    staff, pending, justification, field, message
):
    before = len(events())
    with pytest.raises(DomainError) as refused:
        services.override_verification(staff, pending.id, justification)
    assert message in " ".join(refused.value.errors[field])
    db.session.expire_all()
    assert pending.status == S.PENDING_VERIFICATION
    assert len(events()) == before


@pytest.mark.parametrize("status", [S.ACTIVE, S.SUSPENDED, S.CLOSED])
def test_only_an_account_awaiting_verification_is_overridden(staff, customer, status):
    if status != S.ACTIVE:
        services.change_status(staff, customer.id, status, reason="TEST")
    before = len(events())
    with pytest.raises(DomainError) as refused:
        services.override_verification(staff, customer.id, "Seen in person")
    assert "awaiting verification" in refused.value.errors[NON_FIELD][0]
    assert len(events()) == before


def test_a_second_override_finds_the_account_verified(staff, pending):
    services.override_verification(staff, pending.id, "Seen in person")
    with pytest.raises(DomainError):
        services.override_verification(staff, pending.id, "Seen in person")
    assert len(events("CustomerVerificationOverriddenByAdmin")) == 1


def test_an_unknown_customer_is_not_found(staff):
    with pytest.raises(NotFound):
        services.override_verification(staff, "cust-00000000-0000-0000-0000-000000000000", "x")
