"""The rollups kept incrementally equal a rebuild from the source tables, whatever sequence of
changes came first: registrations, edits, addresses, status changes, orders and cancellations
(which move segments through the engine), overrides, recomputes, imports and erasures."""

from __future__ import annotations

import itertools
from contextlib import suppress
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from portal.compliance.erasure import erase
from portal.compliance.values import DataCategory
from portal.customers import services as customers
from portal.customers.models import (
    AcquisitionDaily,
    AcquisitionFact,
    CompletenessByType,
    Customer,
    CustomerFact,
    PendingContactChange,
    RegistrationsDaily,
)
from portal.customers.values import ContactField, CustomerStatus, CustomerType, ProfileChanges
from portal.dashboards.rollups import REWRITTEN, rebuild_all
from portal.domain import Refusal
from portal.extensions import db
from portal.models import utcnow
from portal.segmentation import behaviour
from portal.segmentation import services as segments
from portal.segmentation.behaviour import PlacedOrder
from portal.segmentation.models import (
    Segment,
    SegmentMovesDaily,
    SegmentSize,
    SegmentStayDays,
    SegmentType,
)
from portal.segmentation.queries import distribution
from portal.segmentation.rollups import snapshot
from portal.segmentation.services import SegmentInput
from tests.factories import Outbox, address, new_customer
from tests.unit.segmentation.conftest import cond

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
SERIAL = itertools.count()
CODES = Outbox()  # the codes sent, so that a step can enter the right one
TYPES = [CustomerType.DIASPORA_COMMUNITY, CustomerType.TOURIST, CustomerType.FOOD_TRUCK]


def _someone() -> str | None:
    return db.session.scalar(select(Customer.id).order_by(Customer.id.desc()).limit(1))


SOURCES = [None, "INSTAGRAM", "GOOGLE_ADS", "FOOD_FESTIVAL"]


def register(staff, kind: int) -> None:
    n = next(SERIAL)
    contact = new_customer().contact.__class__(
        email=f"p{n}@example.org", phone=None if n % 2 else f"+1876555{n:04d}"[:12]
    )
    data = new_customer(
        TYPES[kind % len(TYPES)],
        name=f"Person {n}",
        contact=contact,
        acquisition_source=SOURCES[kind % len(SOURCES)],
        acquisition_channel="DIRECT" if kind == 5 else None,
    )
    customers.register_customer(staff, data)


def send_code(staff, _kind: int) -> None:
    if person := _someone():
        n = next(SERIAL)
        customers.request_contact_change(staff, person, ContactField.EMAIL, f"c{n}@example.org")


def enter_code(staff, kind: int) -> None:
    """A wrong code, or (kind odd) the one sent."""
    pending = db.session.scalars(select(PendingContactChange).limit(1)).first()
    if pending:
        code = CODES.codes.get(pending.new_value, "") if kind % 2 else "999999x"
        customers.confirm_contact_change(staff, pending.customer_id, pending.field, code)


def edit(staff, _kind: int) -> None:
    if person := _someone():
        customer = db.session.get(Customer, person)
        changes = ProfileChanges(
            name=customer.name,
            alternative_email=None if customer.alternative_email else f"alt{person[-6:]}@ex.org",
            preferred_contact_time="mornings",
            type_data=dict(customer.type_data),
            business=None,
        )
        customers.update_customer(staff, person, changes, customer.version_id)


def add_address(staff, kind: int) -> None:
    if person := _someone():
        country = ["us", "gb", "jm"][kind % 3]
        postal = {"us": "10001", "gb": "SW1A 1AA", "jm": "JMAAW19"}[country]
        customers.add_address(staff, person, address(country=country, postal_code=postal))


def suspend(staff, _kind: int) -> None:
    if person := _someone():
        customers.change_status(
            staff, person, CustomerStatus.SUSPENDED, reason="FRAUD_CHECK", notes="check"
        )


def order(staff, kind: int) -> None:
    if person := _someone():
        n = next(SERIAL)
        placed = [PlacedOrder(person, f"o-{n}", 400_00 * (kind + 1), "USD", utcnow())]
        behaviour.record_orders_placed(placed)
        db.session.commit()


def cancel(staff, _kind: int) -> None:
    from portal.segmentation.models import CustomerOrder

    order_id = db.session.scalar(
        select(CustomerOrder.order_id).where(CustomerOrder.cancelled_at.is_(None)).limit(1)
    )
    if order_id:
        behaviour.record_order_cancelled(order_id, utcnow())
        db.session.commit()


def override(staff, _kind: int) -> None:
    person = _someone()
    target = db.session.scalar(select(Segment.id).where(Segment.name == "Big spenders"))
    if person:  # a B2B customer is refused a B2C segment
        segments.override_segment(
            staff, person, target, "Met them at the fair", utcnow() + timedelta(days=7)
        )


def recompute(staff, _kind: int) -> None:
    segments.recompute_all(staff.id)


def import_csv(staff, kind: int) -> None:
    n = next(SERIAL)
    rows = f"Imported {n},TOURIST,imp{n}@example.org,\nImported {n}b,EXPAT,imp{n}b@example.org,\n"
    customers.import_customers(
        staff, f"name,customer_type,email,phone\n{rows}".encode(), dry_run=False
    )


def erase_someone(staff, _kind: int) -> None:
    if person := _someone():
        erase(person, list(DataCategory), utcnow())
        db.session.commit()


STEPS = [register, edit, add_address, suspend, order, cancel, override, recompute, import_csv]
STEPS += [erase_someone, send_code, enter_code, send_code, enter_code]


def _state() -> dict:
    db.session.expire_all()
    return {
        "completeness": _rows(CompletenessByType, "customers"),
        "registrations": _rows(RegistrationsDaily, "customers"),
        "facts": _rows(CustomerFact),
        "acquisition": _rows(AcquisitionDaily, "registered"),
        "acquisition facts": _rows(AcquisitionFact),
        "moves": _rows(SegmentMovesDaily, "moves"),
        "sizes": _rows(SegmentSize, "members"),
        "stays": _rows(SegmentStayDays, "moves"),
        "chart": distribution(utcnow() + timedelta(days=1), 3, 3)[1],
    }


def _rows(model, count: str | None = None) -> list[tuple]:
    """Every row as a tuple; a counter that went back to zero is the same as no row."""
    columns = list(model.__table__.columns)
    rows = db.session.execute(select(*columns).order_by(*model.__table__.primary_key)).all()
    return [tuple(r) for r in rows if count is None or r._mapping[count] != 0]


@pytest.fixture
def tiers(staff):
    for name, rule in (
        ("Big spenders", cond("lifetime_spend", "gte", 500_00)),
        ("Regulars", cond("order_count", "gte", 1)),
    ):
        segments.save_segment(staff, None, SegmentInput(name, "", SegmentType.B2C, rule))


@pytest.fixture
def codes(monkeypatch):
    monkeypatch.setattr(
        "portal.customers.services.contact_change.configured_notifier", lambda: CODES
    )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 5)), min_size=1, max_size=12))
def test_incremental_rollups_equal_a_rebuild(staff, tiers, codes, steps):
    for step, kind in steps:
        with suppress(Refusal):  # a refused change changes nothing: still equal
            step(staff, kind)
    snapshot(utcnow().date())
    db.session.commit()
    kept = _state()
    rebuild_all()
    assert _state() == kept


def test_a_rebuild_vacuums_the_tables_it_rewrote():
    """A rebuild deletes and inserts every rollup row; without a VACUUM the old versions stay
    for each later upkeep statement to read past (autovacuum may be off, or far behind)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("VACUUM and its statistics are PostgreSQL's")
    rebuild_all()
    db.session.commit()
    vacuumed = set(
        db.session.scalars(
            text(
                "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL"
                " AND relname = ANY(:names)"
            ),
            {"names": [model.__tablename__ for model in REWRITTEN]},
        )
    )
    assert vacuumed == {model.__tablename__ for model in REWRITTEN}
