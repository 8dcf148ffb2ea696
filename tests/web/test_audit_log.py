"""The audit log: written for sign-in, failure, sign-out and denials; browsed by administrators."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import utcnow
from portal.security import audit, queries
from portal.security.models import AuditEntry, AuditLogIsAppendOnly
from tests.conftest import DEFAULT_PASSWORD


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_sign_in_failure_and_sign_out_are_recorded_with_who_and_where(client, make_user):
    user = make_user("sales")
    client.post("/auth/sign-in", data={"email": user.email, "password": "wrong"})
    client.post("/auth/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    client.post("/auth/sign-out")
    outcomes = [(e.outcome, e.user_id) for e in _entries("auth.sign_in")]
    assert ("failure", user.id) in outcomes
    assert ("success", user.id) in outcomes
    (sign_out,) = _entries("auth.sign_out")
    assert sign_out.user_id == user.id
    assert sign_out.ip == "127.0.0.1"
    assert sign_out.at <= utcnow()


def test_entries_cannot_be_changed_or_deleted():
    entry = audit.record("test.action", actor="system")
    db.session.commit()
    entry.outcome = "tampered"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()


def _seed(n: int, action: str = "customer.viewed", actor: str = "someone@staff.efi.example"):
    for i in range(n):
        audit.record(action, actor=actor, record_type="customer", record_id=f"cust-{i}")
    db.session.commit()


def test_administrator_filters_by_user_action_record_and_dates(client, login_as):
    login_as("administrator")
    _seed(3)
    _seed(2, action="customer.updated", actor="other@staff.efi.example")
    page = client.get("/admin/audit?user=other").text
    assert page.count("other@staff.efi.example") == 2
    assert "someone@staff.efi.example" not in page
    page = client.get("/admin/audit?action=customer.viewed").text
    assert "3 entries" in page
    page = client.get("/admin/audit?record=cust-1").text
    assert "2 entries" in page
    today = utcnow().date()
    assert "0 entries" in client.get(f"/admin/audit?date_to={today - timedelta(days=1)}").text
    assert "entries" in client.get(f"/admin/audit?date_from={today}&date_to={today}").text


def test_bad_filter_is_422_with_the_message_at_the_field(client, login_as):
    login_as("administrator")
    response = client.get("/admin/audit?date_from=2026-02-10&date_to=2026-02-01")
    assert response.status_code == 422
    assert "The end date is before the start date." in response.text
    assert client.get("/admin/audit?date_from=not-a-date").status_code == 422
    assert client.get("/admin/audit?page=-4").status_code == 422


def test_htmx_pagination_returns_only_the_results(client, login_as, app):
    login_as("administrator")
    _seed(app.config["AUDIT_PAGE_SIZE"] + 5)
    full = client.get("/admin/audit")
    assert "Page 1 of 2" in full.text
    fragment = client.get(
        "/admin/audit?page=2", headers={"HX-Request": "true", "HX-Target": "audit-results"}
    )
    assert fragment.status_code == 200
    assert "<form" not in fragment.text
    assert "Page 2 of 2" in fragment.text


def test_compliance_officer_may_read_the_log(client, login_as):
    login_as("compliance_officer")
    assert client.get("/admin/audit").status_code == 200


def test_the_action_filter_offers_each_recorded_action_once_in_order():
    assert queries.audit_actions() == []
    for action in ("customer.viewed", "auth.sign_in", "customer.viewed", "zz.last", "auth.sign_in"):
        audit.record(action, actor="system")
    db.session.commit()
    assert queries.audit_actions() == ["auth.sign_in", "customer.viewed", "zz.last"]
