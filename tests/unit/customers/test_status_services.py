"""change_status, deactivation/reactivation events, and the dormant-account sweep."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.customers import services
from portal.customers.models import Customer
from portal.customers.services.status import months_before
from portal.customers.values import CustomerStatus as S
from portal.customers.values import InteractionType
from portal.domain import DomainError
from portal.extensions import db
from tests.factories import events, new_customer


def test_change_status_emits_the_admin_event(staff, customer):
    services.change_status(staff, customer.id, S.SUSPENDED, reason="FRAUD_CHECK", notes="card")
    (event,) = events("CustomerStatusChangedByAdmin")
    payload = event.payload
    assert payload == {
        "eventId": event.id,
        "timestamp": event.occurred_at.isoformat(),
        "adminUserId": staff.id,
        "customerId": customer.id,
        "previousStatus": "ACTIVE",
        "newStatus": "SUSPENDED",
        "reason": "FRAUD_CHECK",
        "notes": "card",
        "effectiveDate": payload["timestamp"],
    }


def test_deactivation_then_reactivation(staff, customer):
    services.deactivate_customer(staff, customer.id, reason="CUSTOMER_REQUEST")
    (deactivated,) = events("CustomerAccountDeactivated")
    assert deactivated.payload["reasonCode"] == "CUSTOMER_REQUEST"
    assert deactivated.payload["customerId"] == customer.id
    assert customer.status == S.INACTIVE

    services.reactivate_customer(staff, customer.id, reason="RETURNED")
    (reactivated,) = events("CustomerAccountReactivated")
    period = reactivated.payload["previousDeactivationPeriod"]
    assert period["from"] == deactivated.payload["deactivationDate"]
    assert period["to"] == reactivated.payload["reactivationDate"]
    assert customer.status == S.ACTIVE
    assert customer.deactivated_at is None
    assert len(events("CustomerStatusChangedByAdmin")) == 2


def test_suspending_a_dormant_account_is_no_second_deactivation(staff, customer):
    services.deactivate_customer(staff, customer.id, reason="DORMANT")
    services.change_status(staff, customer.id, S.SUSPENDED, reason="FRAUD")
    assert len(events("CustomerAccountDeactivated")) == 1


@pytest.mark.parametrize("target", list(S))
def test_closed_is_final_and_nothing_is_saved(staff, customer, target):
    services.change_status(staff, customer.id, S.CLOSED, reason="GDPR_ERASURE")
    before = len(events())
    with pytest.raises(DomainError) as refused:
        services.change_status(staff, customer.id, target, reason="again")
    assert "status" in refused.value.errors
    assert len(events()) == before
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).status == S.CLOSED


def test_a_reason_is_required(staff, customer):
    with pytest.raises(DomainError) as refused:
        services.change_status(staff, customer.id, S.SUSPENDED, reason="")
    assert refused.value.errors == {"reason": ["Give the reason for the change."]}


def test_pending_verification_becomes_active(staff):
    pending = services.register_customer(staff, new_customer(status=S.PENDING_VERIFICATION))
    services.change_status(staff, pending.id, S.ACTIVE, reason="VERIFIED")
    assert pending.status == S.ACTIVE
    assert events("CustomerAccountReactivated") == []  # never deactivated, so no return


def _age(customer_id: str, **fields) -> None:
    db.session.execute(sa.update(Customer).where(Customer.id == customer_id).values(**fields))
    db.session.commit()


def test_flag_inactive_customers_after_24_months(staff, customer):
    now = datetime(2026, 6, 30, 12, tzinfo=UTC)
    old = services.register_customer(staff, new_customer(name="Old Timer"))
    active_long_ago = services.register_customer(staff, new_customer(name="Lapsed"))
    closed = services.register_customer(staff, new_customer(name="Closed"))
    services.change_status(staff, closed.id, S.CLOSED, reason="X")
    for c in (old, active_long_ago, closed):
        _age(c.id, created_at=now - timedelta(days=800))
    _age(active_long_ago.id, last_activity_at=now - timedelta(days=30))

    assert services.flag_inactive_customers(now) == 1
    assert services.flag_inactive_customers(now) == 0  # already flagged
    db.session.expire_all()
    assert db.session.get(Customer, old.id).flagged_inactive_at == now
    assert db.session.get(Customer, customer.id).flagged_inactive_at is None

    # A new interaction is activity: the flag goes, and the version does not move.
    version = db.session.get(Customer, old.id).version_id
    services.record_interaction(staff, old.id, InteractionType.CALL, "Called back")
    db.session.expire_all()
    refreshed = db.session.get(Customer, old.id)
    assert refreshed.flagged_inactive_at is None
    assert refreshed.last_activity_at is not None
    assert refreshed.version_id == version


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        ((2026, 2, 28), 24, (2024, 2, 28)),
        ((2024, 2, 29), 12, (2023, 2, 28)),
        ((2026, 1, 15), 25, (2023, 12, 15)),
    ],
)
def test_months_before_handles_short_months(moment, months, expected):
    assert months_before(datetime(*moment, tzinfo=UTC), months) == datetime(*expected, tzinfo=UTC)
