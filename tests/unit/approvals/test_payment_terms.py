"""Payment terms must be approved by finance: the change waits for staff holding
approval:finance:decide and takes effect when they approve."""

from __future__ import annotations

import pytest

from portal.approvals import services
from portal.approvals.values import Decision, Status
from portal.customers.models import Customer
from portal.domain import DomainError
from portal.extensions import db
from tests.factories import events


def test_finance_approves_and_the_terms_change(staff, restaurant, make_user):
    finance = make_user("finance")
    request = services.request_payment_terms(staff, restaurant.id, "NET_60")
    assert request.status == Status.PENDING
    with pytest.raises(DomainError, match="you submitted"):
        services.decide(staff, request.id, Decision.APPROVE, "", round_=1, tier=0)
    services.decide(finance, request.id, Decision.APPROVE, "", round_=1, tier=0)
    db.session.expire_all()
    assert db.session.get(Customer, restaurant.id).payment_terms == "NET_60"
    updated = events("CustomerUpdated")[-1].payload
    assert updated["newValues"] == {"paymentTerms": "NET_60"}


def test_sales_cannot_approve_and_a_rejection_changes_nothing(staff, restaurant, make_user):
    request = services.request_payment_terms(staff, restaurant.id, "NET_60")
    with pytest.raises(DomainError, match="not among"):
        services.decide(make_user("sales"), request.id, Decision.APPROVE, "", round_=1, tier=0)
    services.decide(make_user("finance"), request.id, Decision.REJECT, "Too long", round_=1, tier=0)
    db.session.expire_all()
    assert db.session.get(Customer, restaurant.id).payment_terms != "NET_60"


def test_one_pending_change_at_a_time_and_only_for_business_customers(staff, restaurant, customer):
    services.request_payment_terms(staff, restaurant.id, "NET_60")
    with pytest.raises(DomainError, match="already waits"):
        services.request_payment_terms(staff, restaurant.id, "NET_30")
    with pytest.raises(DomainError, match="Only business"):
        services.request_payment_terms(staff, customer.id, "NET_30")
