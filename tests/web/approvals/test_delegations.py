"""Out of office for EFI staff (issue 12 #9): a finance approver delegates to a colleague, who
then finds the payment-terms changes in their queue and decides them on the approver's behalf;
staff who decide nothing are told so."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.approvals import services
from portal.approvals.models import ApprovalDelegation, ApprovalRequest
from portal.extensions import db
from portal.models import utcnow
from tests.conftest import sign_in_client
from tests.unit.organizations.factories import external


@pytest.fixture
def finance(make_user):
    return make_user("finance", name="Fiona Finance")


@pytest.fixture
def colleague(make_user):
    return make_user("support", name="Sam Support")


def period(days: int = 7) -> dict[str, str]:
    today = utcnow().date()
    return {"starts_on": today.isoformat(), "ends_on": (today + timedelta(days=days)).isoformat()}


def test_a_finance_approver_delegates_to_a_colleague(client, finance, colleague, org):
    outsider = external(org["root"], "Admin", "outsider@grill.example")
    sign_in_client(client, finance)
    page = client.get("/approvals/delegations").text
    assert "Delegate your approvals" in page
    assert "Sam Support" in page
    assert "Fiona Finance</option>" not in page  # not to oneself
    assert outsider.name not in page  # nor to a customer's person
    made = client.post(
        "/approvals/delegations", data={"delegate": colleague.id, "reason": "Leave", **period()}
    )
    assert made.status_code == 303
    listed = client.get("/approvals/delegations").text
    assert "Leave" in listed
    assert "EFI staff decisions" in listed
    refused = client.post(
        "/approvals/delegations", data={"delegate": outsider.id, "reason": "No", **period()}
    )
    assert refused.status_code == 422
    assert db.session.query(ApprovalDelegation).count() == 1


def test_the_staff_delegate_decides_payment_terms_on_the_approvers_behalf(
    client, staff, restaurant, finance, colleague
):
    terms = services.request_payment_terms(staff, restaurant.id, "NET_60")
    sign_in_client(client, colleague)
    assert client.get("/approvals/count").text == "0"
    assert "Approve</a>" not in client.get(f"/approvals/requests/{terms.id}").text
    today = utcnow().date()
    services.delegate(finance, None, colleague.id, today, today + timedelta(days=3))

    assert client.get("/approvals/count").text == "1"
    assert "Payment terms of Chez Lola" in client.get("/approvals/").text
    assert "Approve</a>" in client.get(f"/approvals/requests/{terms.id}").text
    decided = client.post(
        f"/approvals/requests/{terms.id}/decide",
        data={"decision": "APPROVE", "round": 1, "tier": 0},
    )
    assert decided.status_code == 303
    page = client.get(f"/approvals/requests/{terms.id}").text
    assert "Sam Support on behalf of Fiona Finance" in page
    db.session.expire_all()
    assert db.session.get(ApprovalRequest, terms.id).status == "APPROVED"


def test_staff_who_decide_nothing_are_told_so(client, staff, colleague):
    sign_in_client(client, staff)
    page = client.get("/approvals/delegations").text
    assert "You decide no approvals" in page
    assert "<select" not in page
    made = client.post("/approvals/delegations", data={"delegate": colleague.id, **period()})
    assert made.status_code == 404
