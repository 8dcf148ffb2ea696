"""Merging two customers and undoing it: every reference moves and comes back, the merged id
resolves to the survivor, and each bad request is refused with nothing done."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.compliance import services as compliance
from portal.compliance.services import NewRequest
from portal.compliance.services.consent import record_consent
from portal.compliance.values import (
    Channel,
    ConsentChannel,
    ConsentPurpose,
    Jurisdiction,
    RequestStatus,
    RequestType,
)
from portal.customers import hooks
from portal.customers import services as customers
from portal.customers.models import Customer
from portal.customers.services.activity import add_interaction
from portal.customers.values import ContactInfo, CustomerType, InteractionType, Preferences
from portal.domain import DomainError, StaleVersion
from portal.duplicates import services
from portal.duplicates.models import CustomerMerge
from portal.duplicates.values import MERGED_FIELDS, MergeRequest
from portal.extensions import db
from portal.loyalty import services as loyalty
from portal.loyalty.models import LoyaltyEntry
from portal.models import utcnow
from portal.security.models import User
from portal.segmentation import behaviour
from portal.segmentation.models import CustomerMetrics, CustomerOrder
from tests.factories import address, events, new_customer

# What a merge and its undo add on purpose: the history of both, and the area's own rows.
HISTORY = {"audit_entry", "outbox_event", "customer_merge", "duplicate_candidate"}


def person(staff, name: str, email: str, phone: str, n: int) -> Customer:
    """A customer with a row in most tables that name a customer."""
    customer = customers.register_customer(
        staff, new_customer(name=name, contact=ContactInfo(email=email, phone=phone))
    )
    customers.add_address(staff, customer.id, address(street1=f"{n} Hope Road"))
    customers.update_preferences(
        staff,
        customer.id,
        Preferences(language="en", special_dates=({"label": "Birthday", "date": "05-14"},)),
        expected_version=0,
    )
    add_interaction(customer.id, InteractionType.NOTE, f"call {n}", utcnow(), staff.id)
    behaviour.record_order_placed(customer.id, f"ord-{n}", 1250, "USD", utcnow())
    behaviour.record_engagement(customer.id, behaviour.Engagement.EMAIL_OPEN, utcnow())
    loyalty.enrol(staff, customer.id)
    loyalty.adjust(staff, customer.id, 100 + n, "Welcome")
    record_consent(
        staff,
        customer.id,
        ConsentPurpose.MARKETING_EMAIL,
        granted=True,
        channel=ConsentChannel.WEB_FORM,
        notice_version="v1",
    )
    db.session.commit()
    return db.session.get(Customer, customer.id)


@pytest.fixture
def pair(staff):
    primary = person(staff, "Marcia Campbell", "marcia@example.org", "+18765551234", 1)
    secondary = person(staff, "Marcia Cambell", "MARCIA@example.org", "+18765551299", 2)
    return primary.id, secondary.id


def request_for(primary_id, secondary_id, **changes) -> MergeRequest:
    versions = {c.id: c.version_id for c in db.session.scalars(sa.select(Customer))}
    fields = {
        "primary_id": primary_id,
        "secondary_id": secondary_id,
        "primary_version": versions.get(primary_id, 0),
        "secondary_version": versions.get(secondary_id, 0),
    }
    return MergeRequest(**{**fields, **changes})


def whole_database() -> dict[str, list]:
    """Every row of every table but the history, in a stable order."""
    db.session.expire_all()
    found = {}
    for table in db.metadata.sorted_tables:
        if table.name in HISTORY:
            continue
        rows = db.session.execute(sa.select(table)).all()
        found[table.name] = sorted((tuple(map(repr, row)) for row in rows), key=str)
    return found


def test_merge_moves_every_reference_and_the_merged_id_resolves_to_the_survivor(staff, pair):
    primary_id, secondary_id = pair
    record = services.merge(
        staff, request_for(primary_id, secondary_id, take_from_secondary=frozenset({"phone"}))
    )
    assert db.session.get(Customer, secondary_id) is None
    survivor = db.session.get(Customer, primary_id)
    assert survivor.phone == "+18765551299"
    orders = db.session.scalars(
        sa.select(CustomerOrder.order_id).where(CustomerOrder.customer_id == primary_id)
    )
    assert sorted(orders) == ["ord-1", "ord-2"]
    assert len(survivor.addresses) == 2
    assert hooks.survivor_of(secondary_id) == primary_id
    (event,) = events("CustomerMerged")
    assert event.payload["secondaryCustomerIds"] == [secondary_id]
    assert event.payload["mergedDataSummary"]["fields"]["phone"] == "secondary"
    assert record.summary["moved"]["customer_order"] == 1
    assert record.summary["moved"]["loyalty_entry"] == 1  # the welcome points


def metrics(customer_id: str) -> tuple:
    db.session.expire_all()
    m = db.session.get(CustomerMetrics, customer_id)
    return (m.order_count, m.order_total_minor, m.email_opens) if m else None


def test_merge_counts_the_survivors_metrics_again_and_undo_gives_both_theirs_back(staff, pair):
    primary_id, secondary_id = pair
    behaviour.record_order_placed(secondary_id, "ord-2b", 700, "EUR", utcnow())  # not USD
    behaviour.record_order_cancelled("ord-1", utcnow())
    db.session.commit()
    assert (metrics(primary_id), metrics(secondary_id)) == ((0, 0, 1), (2, 1250, 1))
    record = services.merge(staff, request_for(primary_id, secondary_id))
    assert metrics(primary_id) == (2, 1250, 2)  # ord-2 and ord-2b; both opens
    assert metrics(secondary_id) is None
    behaviour.record_order_placed(primary_id, "ord-3", 500, "USD", utcnow())
    db.session.commit()
    services.unmerge(staff, record.id, record.version)
    assert metrics(primary_id) == (1, 500, 1)  # its own, and what came since
    assert metrics(secondary_id) == (2, 1250, 1)


def test_undo_restores_both_customers_exactly(staff, pair):
    before = whole_database()
    record = services.merge(staff, request_for(*pair, take_from_secondary=frozenset({"name"})))
    services.unmerge(staff, record.id, record.version)
    assert whole_database() == before
    assert hooks.survivor_of(pair[1]) is None
    assert [e.payload["mergeId"] for e in events("CustomerMergeUndone")] == [record.id]


def test_undo_keeps_what_happened_to_the_survivor_since(staff, pair):
    primary_id, secondary_id = pair
    record = services.merge(staff, request_for(primary_id, secondary_id))
    behaviour.record_order_placed(primary_id, "ord-3", 500, "USD", utcnow())
    db.session.commit()
    services.unmerge(staff, record.id, record.version)
    owners = dict(
        db.session.execute(sa.select(CustomerOrder.order_id, CustomerOrder.customer_id)).all()
    )
    assert owners == {"ord-1": primary_id, "ord-2": secondary_id, "ord-3": primary_id}
    ledger = db.session.scalars(sa.select(LoyaltyEntry.customer_id)).all()
    assert sorted(ledger) == sorted([primary_id, secondary_id])


def data_subject_request(officer, kind: RequestType, subject: str):
    when = utcnow() - timedelta(hours=1)
    new = NewRequest(kind, Jurisdiction.GDPR, Channel.EMAIL, when, "Marcia", customer_id=subject)
    return compliance.receive_request(officer, new)


def test_refusals_leave_everything_as_it_was(staff, pair, make_user):
    primary_id, secondary_id = pair
    business = customers.register_customer(
        staff, new_customer(CustomerType.FULL_SERVICE_RESTAURANT, name="Marcia Campbell")
    )
    officer = make_user("compliance")
    before = whole_database()
    with pytest.raises(DomainError, match="itself"):
        services.merge(staff, request_for(primary_id, primary_id))
    with pytest.raises(StaleVersion):
        services.merge(staff, request_for(primary_id, secondary_id, primary_version=99))
    with pytest.raises(DomainError) as refused:
        services.merge(staff, request_for(primary_id, business.id))
    assert "category_override" in refused.value.errors
    data_subject_request(officer, RequestType.ERASURE, secondary_id)
    with pytest.raises(DomainError, match="erasure"):
        services.merge(staff, request_for(primary_id, secondary_id))
    after = whole_database()
    for requests in ("dsar_request", "dsar_request_event"):  # the erasure request itself
        after.pop(requests), before.pop(requests)
    assert after == before


def test_a_customer_under_a_legal_hold_cannot_be_merged(staff, pair, make_user):
    primary_id, secondary_id = pair
    officer = make_user("compliance")
    access = data_subject_request(officer, RequestType.ACCESS, primary_id)
    compliance.change_status(officer, access.id, RequestStatus.ON_HOLD, "Legal hold")
    before = whole_database()
    with pytest.raises(DomainError, match="hold"):
        services.merge(staff, request_for(secondary_id, primary_id))
    assert whole_database() == before


def test_business_and_consumer_merge_only_with_the_override(staff, pair):
    primary_id, _ = pair
    business = customers.register_customer(
        staff, new_customer(CustomerType.FULL_SERVICE_RESTAURANT, name="Marcia Campbell")
    )
    with pytest.raises(DomainError) as refused:
        services.merge(staff, request_for(primary_id, business.id))
    assert "business" in refused.value.errors["category_override"][0]
    record = services.merge(staff, request_for(primary_id, business.id, category_override=True))
    assert record.category_override
    assert db.session.get(Customer, business.id) is None


def test_merging_a_merged_customer_and_late_undo_are_refused(staff, pair):
    primary_id, secondary_id = pair
    record = services.merge(staff, request_for(primary_id, secondary_id))
    before = whole_database()
    with pytest.raises(DomainError, match="already merged"):
        services.merge(staff, request_for(primary_id, secondary_id, secondary_version=1))
    with pytest.raises(DomainError, match="already merged"):
        services.merge(staff, request_for(secondary_id, primary_id, primary_version=1))
    with pytest.raises(DomainError, match="30 days"):
        services.unmerge(staff, record.id, record.version, now=utcnow() + timedelta(days=31))
    assert db.session.get(CustomerMerge, record.id).undone_at is None
    assert whole_database() == before
    services.unmerge(staff, record.id, record.version)
    with pytest.raises(DomainError, match="undone already"):
        services.unmerge(staff, record.id, record.version)


def test_undo_after_the_survivor_was_erased_is_refused(staff, pair):
    primary_id, secondary_id = pair
    record = services.merge(staff, request_for(primary_id, secondary_id))
    db.session.execute(
        sa.update(Customer).where(Customer.id == primary_id).values(name="Erased customer")
    )
    db.session.commit()
    before = whole_database()
    with pytest.raises(DomainError, match="erased"):
        services.unmerge(staff, record.id, record.version)
    assert db.session.get(Customer, secondary_id) is None
    assert whole_database() == before


@pytest.mark.postgres
@settings(max_examples=6, deadline=None, database=None, derandomize=True)
@given(
    taken=st.frozensets(st.sampled_from(MERGED_FIELDS)),
    swap=st.booleans(),
    survivor_only=st.booleans(),
)
def test_merge_then_undo_is_the_identity_on_every_table(taken, swap, survivor_only):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the property runs on PostgreSQL")
    staff = db.session.scalar(sa.select(User).limit(1)) or _staff()
    n = next(_COUNTER)
    first = person(staff, "Ana Jaramillo", f"ana{n}@example.org", "+18765551234", 10 * n)
    second = person(staff, "Ana Jaramilo", f"ANA{n}@example.org", "+18765551235", 10 * n + 1)
    if survivor_only:  # a row the other has no counterpart of
        customers.add_address(staff, first.id, address(street1=f"{n} Extra Lane"))
        db.session.commit()
    primary, secondary = (second, first) if swap else (first, second)
    before = whole_database()
    record = services.merge(staff, request_for(primary.id, secondary.id, take_from_secondary=taken))
    services.unmerge(staff, record.id, record.version)
    assert whole_database() == before


_COUNTER = itertools.count(1)


def _staff() -> User:
    user = User(email="merger@staff.efi.example", name="Merger", kind="staff", active=True)
    db.session.add(user)
    db.session.commit()
    return user
