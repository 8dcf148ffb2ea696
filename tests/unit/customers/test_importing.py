"""The CSV import service: reading the file, matching on e-mail, dry runs, per-row errors."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.customers import services
from portal.customers.models import Customer
from portal.customers.services import ImportRefused, Outcome, import_customers
from portal.customers.values import CustomerType
from portal.extensions import db
from portal.security.models import AuditEntry
from tests.factories import events

HEADER = "name,customer_type,email,phone"


def run(staff, text: str, *, dry_run: bool = False):
    return import_customers(staff, text.encode(), dry_run=dry_run)


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Customer))


def test_creates_through_the_service_with_event_and_audit(staff):
    report = run(
        staff,
        f"{HEADER},type.first_encounter,marketing_opt_out\n"
        "Ola Nordmann,tourist,ola@example.org,+18765551234,Negril beach,yes\n",
    )
    [row] = report.rows
    assert (row.line, row.outcome, row.errors) == (2, Outcome.CREATE, {})
    ola = db.session.get(Customer, row.customer_id)
    assert ola.customer_type == CustomerType.TOURIST
    assert ola.type_data == {"first_encounter": "Negril beach"}
    assert ola.marketing_opt_out is True
    assert [e.aggregate_id for e in events("CustomerCreated")] == [ola.id]
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "customer.register" in actions
    assert "customer.imported" in actions


def test_dry_run_reports_the_same_outcomes_and_writes_nothing(staff, customer):
    text = (
        f"{HEADER},type.first_encounter\n"
        "Ola Nordmann,TOURIST,ola@example.org,,Negril\n"
        "Marcia Campbell,DIASPORA_COMMUNITY,Marcia@Example.org,,\n"
        "Marcia Campbell,DIASPORA_COMMUNITY,marcia@example.org,,\n"
    )
    report = run(staff, text, dry_run=True)
    assert [r.outcome for r in report.rows] == [Outcome.CREATE, Outcome.UNCHANGED, Outcome.ERROR]
    assert report.rows[2].errors == {"email": ["Also on line 3; give each customer once."]}
    assert count() == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1  # register


def test_updates_match_on_email_and_keep_columns_left_out(staff, customer):
    services.update_customer(
        staff,
        customer.id,
        services_changes(customer, alternative_email="alt@example.org"),
        customer.version_id,
    )
    report = run(
        staff,
        f"{HEADER},type.generational_remove\n"
        "Marcia Campbell-Reid,DIASPORA_COMMUNITY,MARCIA@EXAMPLE.ORG,,2\n",
    )
    assert [(r.outcome, r.customer_id) for r in report.rows] == [(Outcome.UPDATE, customer.id)]
    db.session.expire_all()
    marcia = db.session.get(Customer, customer.id)
    assert marcia.name == "Marcia Campbell-Reid"
    assert marcia.alternative_email == "alt@example.org"
    assert marcia.type_data["generational_remove"] == 2
    assert marcia.type_data["origin_region"] == "Kingston, Jamaica"
    assert len(events("CustomerUpdated")) == 2


def services_changes(customer, **fields):
    from portal.customers.values import ProfileChanges

    return ProfileChanges(name=customer.name, type_data=dict(customer.type_data), **fields)


def test_an_unchanged_row_is_reported_as_such(staff, customer):
    report = run(staff, f"{HEADER}\nMarcia Campbell,DIASPORA_COMMUNITY,marcia@example.org,\n")
    assert report.rows[0].outcome == Outcome.UNCHANGED
    assert events("CustomerUpdated") == []


def test_bad_rows_are_reported_per_column_and_never_stop_the_others(staff, customer):
    text = (
        f"{HEADER},type.seating_capacity,type.cuisine_type,tax_id,registration_number,country\n"
        "Bad Type,SPACESHIP,a@example.org,,,,,,\n"
        ",FULL_SERVICE_RESTAURANT,b@example.org,+1876,many,,,,ZZ\n"
        "Marcia Campbell,TOURIST,marcia@example.org,+18762345678,,,,,\n"
        "Good Eats,FULL_SERVICE_RESTAURANT,eats@example.org,,12,Jamaican,1-2,R9,\n"
    )
    report = run(staff, text)
    outcomes = [r.outcome for r in report.rows]
    assert outcomes == [Outcome.ERROR, Outcome.ERROR, Outcome.ERROR, Outcome.CREATE]
    assert "customer_type" in report.rows[0].errors
    bad = report.rows[1].errors
    assert {"name", "phone", "type.seating_capacity", "type.cuisine_type", "tax_id"} <= set(bad)
    assert "country" in bad
    assert set(report.rows[2].errors) == {"customer_type", "phone"}
    assert count() == 2


def test_list_number_and_flag_cells_are_read_as_the_field_needs(staff):
    report = run(
        staff,
        f"{HEADER},type.country_of_origin,type.residency_status,type.has_subscription,"
        "type.delivery_preferences,type.delivery_frequency\n"
        "Expat Eve,EXPAT,eve@example.org,,TT,WORK_PERMIT,yes,Door,MONTHLY\n",
    )
    eve = db.session.get(Customer, report.rows[0].customer_id)
    assert eve.type_data["has_subscription"] is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe n\x00", "not UTF-8"),
        (b"name,email\nx,y\n", "Missing column(s): customer_type."),
        (b"name,customer_type\nx,TOURIST\n", "Add an email or a phone column."),
        (b"name,customer_type,email,colour\n", "Unknown column(s): colour."),
    ],
)
def test_unreadable_files_are_refused_whole(staff, content, message):
    with pytest.raises(ImportRefused) as refused:
        import_customers(staff, content, dry_run=True)
    assert message in refused.value.errors["file"][0]


def test_row_limit(staff, monkeypatch):
    from portal.customers.services import importing

    monkeypatch.setattr(importing, "MAX_ROWS", 2)
    rows = "".join(f"N{n},TOURIST,n{n}@example.org,\n" for n in range(3))
    with pytest.raises(ImportRefused, match="More than 2 rows"):
        run(staff, f"{HEADER}\n{rows}", dry_run=True)


def test_import_keeps_contact_rules(staff):
    report = run(
        staff, f"{HEADER},do_not_contact,preferred_contact_method\nNo Way,TOURIST,,,maybe,FAX\n"
    )
    errors = report.rows[0].errors
    assert errors["do_not_contact"] == ["Use yes or no."]
    assert "preferred_contact_method" in errors
