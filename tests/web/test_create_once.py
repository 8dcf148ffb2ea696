"""A create form submitted twice (a retry, a double click) makes one record, and the second
answer is the first one again. Each case loads the page that renders the form, then posts what
that form holds (its token included), filled in as a user would, twice."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from portal.api.models import ApiToken
from portal.approvals.models import ApprovalDelegation, ApprovalRequest, ApprovalRule
from portal.compliance import services as compliance_services
from portal.compliance.models import DataExport, DataSubjectRequest
from portal.compliance.values import Channel, Jurisdiction, RequestType
from portal.customers.models import Customer, CustomerAddress, Interaction
from portal.events.models import WebhookSubscription
from portal.extensions import db
from portal.models import utcnow
from portal.organizations import services as organization_services
from portal.organizations.models import (
    Invitation,
    OrganizationMember,
    OrganizationNode,
    OrganizationRole,
    RoleAssignment,
)
from portal.segmentation.models import Segment
from tests.conftest import sign_in_client
from tests.forms import rendered_form
from tests.unit.organizations.factories import external, grill_group, role
from tests.web.compliance.conftest import export_dir  # noqa: F401 (exports to a temporary folder)
from tests.web.customers.test_directory import IMPORT
from tests.web.customers.test_profile import registration
from tests.web.segmentation.test_segment_pages import NESTED

HX = {"HX-Request": "true"}


@dataclass
class Case:
    who: str  # a staff role, or one of the organisation's people
    page: Callable[[dict], str]  # the page that renders the form, from the test's objects
    action: Callable[[dict], str]
    model: type
    fill: Callable[[dict], dict] = field(default=lambda o: {})
    again: dict = field(default_factory=dict)  # makes a second record of the same kind valid
    one_only: bool = False  # the domain refuses a second one (422)


CASES = {
    "customer": Case(
        "sales",
        lambda o: "/customers/new?customer_type=DIASPORA_COMMUNITY",
        lambda o: "/customers/new",
        Customer,
        lambda o: registration(),
    ),
    "interaction": Case(
        "support",
        lambda o: f"/customers/{o['customer'].id}?tab=interactions",
        lambda o: f"/customers/{o['customer'].id}/interactions",
        Interaction,
        lambda o: {"type": "CALL", "summary": "Asked about ackee"},
    ),
    "address": Case(
        "sales",
        lambda o: f"/customers/{o['customer'].id}/addresses/new",
        lambda o: f"/customers/{o['customer'].id}/addresses",
        CustomerAddress,
        lambda o: (
            {"street1": "12 Hope Road", "city": "New York", "state": "NY"}
            | {"postal_code": "10001", "country": "US"}
        ),
    ),
    "data-subject request": Case(
        "compliance_officer",
        lambda o: "/compliance/requests/new",
        lambda o: "/compliance/requests",
        DataSubjectRequest,
        lambda o: (
            {"requester_name": "Winston Blackwood", "requester_email": "w@example.org"}
            | {"received_on": utcnow().date().isoformat()}
        ),
    ),
    "access export": Case(
        "compliance_officer",
        lambda o: f"/compliance/requests/{o['access_request']}",
        lambda o: f"/compliance/requests/{o['access_request']}/export",
        DataExport,
    ),
    "payment terms change": Case(
        "sales",
        lambda o: f"/approvals/customers/{o['restaurant'].id}/payment-terms",
        lambda o: f"/approvals/customers/{o['restaurant'].id}/payment-terms",
        ApprovalRequest,
        lambda o: {"payment_terms": "NET_60"},
        one_only=True,  # while one change waits for finance
    ),
    "API token": Case(
        "administrator",
        lambda o: "/admin/integrations/tokens",
        lambda o: "/admin/integrations/tokens",
        ApiToken,
        lambda o: {"name": "order-service", "scopes": ["events:write"]},
    ),
    "webhook": Case(
        "administrator",
        lambda o: "/admin/integrations/webhooks",
        lambda o: "/admin/integrations/webhooks",
        WebhookSubscription,
        lambda o: {"url": "http://127.0.0.1:9/hook"},
    ),
    "organisation": Case(
        "sales",
        lambda o: "/organizations/",
        lambda o: "/organizations/",
        OrganizationNode,
        lambda o: {"customer_id": o["restaurant"].id, "name": "Chez Lola", "code": "LOLA"},
        {"code": "LOLA2"},
        one_only=True,  # per customer
    ),
    "organisation unit": Case(
        "sales",
        lambda o: f"/organizations/nodes/{o['org']['east'].id}",
        lambda o: f"/organizations/nodes/{o['org']['east'].id}/children",
        OrganizationNode,
        lambda o: {"type": "LOCATION", "name": "Orlando", "code": "ORL"},
        {"code": "ORL2"},
    ),
    "invitation": Case(
        "admin",
        lambda o: f"/organizations/nodes/{o['org']['miami'].id}/members",
        lambda o: f"/organizations/nodes/{o['org']['miami'].id}/invitations",
        Invitation,
        lambda o: (
            {"email": "new@grill.example", "name": "New Cook"}
            | {"role": role(o["org"]["root"], "Buyer").id}
        ),
    ),
    "role assignment": Case(
        "admin",
        lambda o: f"/organizations/members/{o['buyer_member']}",
        lambda o: f"/organizations/members/{o['buyer_member']}/assignments",
        RoleAssignment,
        lambda o: {"role": role(o["org"]["root"], "Viewer").id, "node": "WEST"},
        {"node": "EAST"},
    ),
    "custom role": Case(
        "admin",
        lambda o: f"/organizations/{o['org']['root'].id}/roles/new",
        lambda o: f"/organizations/{o['org']['root'].id}/roles/new",
        OrganizationRole,
        lambda o: {"name": "Looker", "permissions": ["org:view"]},
        {"name": "Looker 2"},
    ),
    "purchase order": Case(
        "buyer",
        lambda o: f"/approvals/nodes/{o['org']['miami'].id}/purchase-orders/new",
        lambda o: f"/approvals/nodes/{o['org']['miami'].id}/purchase-orders/new",
        ApprovalRequest,
        lambda o: {"description": "Oven", "amount": "7,500.00", "currency": "USD"},
    ),
    "delegation": Case(
        "approver",
        lambda o: "/approvals/delegations",
        lambda o: "/approvals/delegations",
        ApprovalDelegation,
        lambda o: (
            {"delegate": o["people"]["approver2"].id, "reason": "Away"}
            | {"starts_on": "2026-01-01", "ends_on": "2098-01-01"}
        ),
        {"starts_on": "2098-01-02", "ends_on": "2099-01-01"},
    ),
    "approval rule": Case(
        "admin",
        lambda o: f"/approvals/nodes/{o['org']['east'].id}/rules/new",
        lambda o: f"/approvals/nodes/{o['org']['east'].id}/rules/new",
        ApprovalRule,
        lambda o: (
            {"name": "Large orders", "thresholds": "USD 5,000.00", "action": "save"}
            | {"t0_g0_roles": role(o["org"]["root"], "Approver").id}
        ),
    ),
    "segment": Case(
        "marketing",
        lambda o: "/segments/new?type=B2B",
        lambda o: "/segments/new",
        Segment,
        lambda o: NESTED,
        {"name": "Busy big restaurants 2"},
    ),
}


@pytest.fixture
def objects(staff, customer, restaurant) -> dict:
    org = grill_group(staff)
    people = {
        name: external(org[node], role_name, f"{name}@grill.example")
        for name, node, role_name in (
            ("buyer", "miami", "Buyer"),
            ("approver", "east", "Approver"),
            ("approver2", "east", "Approver"),
            ("admin", "root", "Admin"),
        )
    }
    buyer_member = db.session.scalar(
        sa.select(OrganizationMember.id).where(OrganizationMember.user_id == people["buyer"].id)
    )
    access = compliance_services.receive_request(
        staff,
        compliance_services.NewRequest(
            RequestType.ACCESS,
            Jurisdiction.GDPR,
            Channel.EMAIL,
            utcnow(),
            "Marcia",
            None,
            None,
            customer.id,
        ),
    )
    compliance_services.verify_identity(staff, access.id, "ID", "Seen")
    return {
        "access_request": access.id,
        "customer": customer,
        "restaurant": restaurant,
        "org": org,
        "people": people,
        "buyer_member": buyer_member,
    }


def rows(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def sign_in(client, make_user, objects, who: str) -> None:
    user = objects["people"].get(who) or make_user(who)
    sign_in_client(client, user)


def filled_form(client, case: Case, objects: dict) -> dict:
    page = client.get(case.page(objects))
    assert page.status_code == 200
    data = rendered_form(page.text, case.action(objects), case.page(objects)) | case.fill(objects)
    assert data.get("form_token"), "the form carries its token"
    return data


@pytest.mark.parametrize("name", CASES)
def test_the_same_form_posted_twice_creates_once(client, make_user, objects, name):
    case = CASES[name]
    sign_in(client, make_user, objects, case.who)
    before = rows(case.model)
    data = filled_form(client, case, objects)
    first, second = (client.post(case.action(objects), data=data) for _ in range(2))
    assert first.status_code in (200, 201, 303), first.text
    assert rows(case.model) == before + 1
    assert second.status_code in (200, 303)
    assert second.headers.get("Location") == first.headers.get("Location")


@pytest.mark.parametrize("name", CASES)
def test_the_form_rendered_again_creates_again(client, make_user, objects, name):
    case = CASES[name]
    sign_in(client, make_user, objects, case.who)
    before = rows(case.model)
    client.post(case.action(objects), data=filled_form(client, case, objects))
    data = filled_form(client, case, objects) | case.again
    again = client.post(case.action(objects), data=data)
    if case.one_only:
        assert again.status_code == 422
        assert rows(case.model) == before + 1
    else:
        assert again.status_code in (200, 201, 303), again.text
        assert rows(case.model) == before + 2


def test_two_racing_submissions_create_once(app, make_user, objects, monkeypatch):
    """A double click: both requests are in flight together. The unique key decides; the
    other waits for the first to commit and answers as it did (was a 500: the same code)."""
    case = CASES["organisation unit"]
    user = make_user("sales")
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        sign_in_client(client, user)
    data, action = filled_form(clients[0], case, objects), case.action(objects)
    before = rows(case.model)
    add_node = organization_services.add_node

    def slow_add_node(*args, **kwargs):
        time.sleep(0.5)  # long enough for the second request to arrive meanwhile
        return add_node(*args, **kwargs)

    monkeypatch.setattr(organization_services, "add_node", slow_add_node)
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda c: c.post(action, data=data), clients))
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert rows(case.model) == before + 1


def test_an_import_sent_twice_imports_once(client, login_as):
    login_as("sales")
    page = client.get("/customers/import").text
    form = rendered_form(page, "/customers/import")
    form.pop("dry_run")  # unticked: a real import

    def send():
        upload = {"file": (io.BytesIO(IMPORT.encode()), "customers.csv")}
        return client.post("/customers/import", data=form | upload)

    first, second = send(), send()
    assert "Import finished" in first.text
    assert rows(Customer) == 2  # the file's third row is refused
    assert second.status_code == 200
    assert "its file was imported the first time" in second.text
    assert rows(Customer) == 2
    # The page the first import answered carries a new form: its next file is imported.
    again = rendered_form(first.text, "/customers/import")
    assert again["form_token"] != form["form_token"]
