"""A customer's people see only their own organisation: every URL that carries an id answers
404 for another organisation's ids (never 403, which would confirm they exist)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.organizations import services
from portal.organizations.models import Invitation, OrganizationRole, RoleAssignment
from portal.organizations.values import MemberStatus
from tests.conftest import sign_in_client
from tests.unit.organizations.factories import external, grill_group, member_of, role


@pytest.fixture
def two_orgs(staff):
    mine = grill_group(staff)
    theirs = grill_group(staff, prefix="X")
    services.save_role(
        staff, theirs["root"].id, None, "Their custom", "", ["org:view"], {"org:view"}
    )
    their_buyer = external(theirs["miami"], "Buyer")
    services.invite(
        staff,
        theirs["miami"].id,
        "someone@else.example",
        "Someone",
        role(theirs["root"], "Buyer").id,
        {"org:view", "org:orders:create", "org:orders:view_own"},
        Outbox(),
        lambda token: token,
    )
    return mine, theirs, their_buyer


class Outbox:
    def send_invitation(self, **_):
        pass


def ids_of(org, person) -> dict[str, str]:
    root_id = org["root"].id
    return {
        "node_id": org["miami"].id,
        "organization_id": root_id,
        "member_id": member_of(person).id,
        "role_id": db.session.scalar(
            sa.select(OrganizationRole.id).where(
                OrganizationRole.organization_id == root_id, OrganizationRole.predefined.is_(False)
            )
        ),
        "assignment_id": db.session.scalar(
            sa.select(RoleAssignment.id).where(RoleAssignment.node_id == org["miami"].id)
        ),
        "invitation_id": db.session.scalar(
            sa.select(Invitation.id).where(Invitation.organization_id == root_id)
        ),
        "field": "tax_id",
    }


def id_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("organizations.") and rule.arguments - {"token"}:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_id_carrying_endpoint_is_404_for_another_organisation(app, two_orgs):
    mine, theirs, their_buyer = two_orgs
    admin = external(mine["root"], "Admin")
    values = ids_of(theirs, their_buyer)
    client = app.test_client()
    sign_in_client(client, admin)
    checked = []
    for rule, method in id_rules(app):
        assert rule.arguments <= set(values), f"teach this test the ids of {rule.endpoint}"
        url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        response = client.open(url, method=method, data={"role": values["role_id"]})
        assert response.status_code == 404, (rule.endpoint, method, response.status_code)
        checked.append(rule.endpoint)
    assert len(checked) >= 20


def test_their_own_ids_work(app, two_orgs, staff):
    mine, _, _ = two_orgs
    admin = external(mine["root"], "Admin")
    buyer = external(mine["miami"], "Buyer")
    services.save_role(staff, mine["root"].id, None, "Mine", "", ["org:view"], {"org:view"})
    values = ids_of(mine, buyer)
    client = app.test_client()
    sign_in_client(client, admin)
    for rule, method in id_rules(app):
        if method == "GET":
            url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
            response = client.get(url)
            assert response.status_code == 200, (rule.endpoint, response.status_code)


def test_inside_the_organisation_a_missing_permission_is_403(app, two_orgs):
    mine, _, _ = two_orgs
    buyer = external(mine["miami"], "Buyer")
    client = app.test_client()
    sign_in_client(client, buyer)
    assert client.get(f"/organizations/nodes/{mine['kitchen'].id}").status_code == 200
    assert client.get(f"/organizations/nodes/{mine['west'].id}").status_code == 403
    rename = client.post(
        f"/organizations/nodes/{mine['miami'].id}/rename", data={"name": "X", "code": "X"}
    )
    assert rename.status_code == 403
    # staff pages stay closed to a customer's people
    assert client.get("/admin/audit").status_code == 403


def test_the_list_takes_a_customer_to_their_own_organisation(app, two_orgs):
    mine, _, _ = two_orgs
    buyer = external(mine["miami"], "Buyer")
    client = app.test_client()
    sign_in_client(client, buyer)
    response = client.get("/organizations/")
    assert response.status_code == 302
    assert response.location.endswith(f"/organizations/nodes/{mine['miami'].id}")


def test_a_deactivated_member_is_signed_out_at_once(app, two_orgs, staff):
    mine, _, _ = two_orgs
    buyer = external(mine["miami"], "Buyer")
    client = app.test_client()
    sign_in_client(client, buyer)
    assert client.get(f"/organizations/nodes/{mine['miami'].id}").status_code == 200
    services.set_member_status(staff, member_of(buyer).id, MemberStatus.INACTIVE)
    assert client.get(f"/organizations/nodes/{mine['miami'].id}").status_code == 302
